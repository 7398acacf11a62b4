using GoogLeNet.Benchmarks;

namespace GoogLeNet.Tests.Benchmarks;

/// <summary>The warm-up's stopping rule, on a simulated resident memory (the real one is what BENCHMARKS.md measures).</summary>
public class WarmUpTests
{
    private static int WarmUp(int minimum, params double[] residentAfterEachStep)
    {
        int steps = 0;
        double Resident() => steps == 0 ? 1000 : residentAfterEachStep[Math.Min(steps, residentAfterEachStep.Length) - 1];
        return Benchmark.WarmUp(() => steps++, minimum, Resident);
    }

    [Fact]
    public void WarmUpGoesOnWhileEachStepStillGrowsResidentMemoryByMoreThanHalfAPerCent()
    {
        // As measured at batch 128: about 100 MB a step for the first steps, then flat.
        Assert.Equal(6, WarmUp(3, 1100, 1200, 1300, 1400, 1500, 1503, 1504, 1600));
        // Growth just under 0.5 % counts as settled, just over does not.
        Assert.Equal(4, WarmUp(3, 1100, 1200, 1300, 1306.4, 1400, 1400));
        Assert.Equal(6, WarmUp(3, 1100, 1200, 1300, 1306.6, 1400, 1400));
    }

    [Fact]
    public void WarmUpStopsAtTheMinimumWhenMemoryIsSettledAndAtTheCapWhenItNeverIs()
    {
        Assert.Equal(3, WarmUp(3, 1000, 1000, 1000, 1500));
        Assert.Equal(Benchmark.MaxWarmupSteps, WarmUp(1, Enumerable.Range(1, 40).Select(i => 1000 * Math.Pow(1.01, i)).ToArray()));
        Assert.Equal(0, WarmUp(0, 2000));
    }
}
