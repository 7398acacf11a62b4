using GoogLeNet.Benchmarks;

namespace GoogLeNet.Tests.Benchmarks;

public class EpochCheckTests
{
    private static BenchmarkResult Rates(string precision, int microBatch) =>
        new("googlenet-bn", 64, 48, 2, precision, TrainImgS: 100, InferImgS: 400, SgemmGflops: 150, TrainGflops: 10, Efficiency: 0.1,
            PeakRssMb: 900, RssGrowthPct: 0, MicroBatch: microBatch, Layout: "nhwc", WarmupSteps: 3);

    [Theory]
    [InlineData("bf16", Precision.Bf16)]
    [InlineData("fp32", Precision.Fp32)]
    public void TheEpochTrainsWithTheSettingsItsRatesWereMeasuredWith(string measured, Precision expected)
    {
        // The budget comes from the rates, so an epoch in another precision (float32 where bf16 was measured, at
        // about half the speed on a CPU with bfloat16 arithmetic) would be judged against the wrong figure.
        var options = EpochCheck.OptionsFor(Rates(measured, microBatch: 64), trainCount: 300, testCount: 100);
        Assert.Equal(expected, options.Precision);
        Assert.Equal(("googlenet-bn", 64, 48, 2, 1), (options.Model, options.BatchSize, options.Resize, options.Threads, options.Epochs));
        Assert.Equal<(int?, int?)>((300, 100), (options.TrainLimit, options.TestLimit));
        Assert.Equal(0, options.MicroBatch); // slices of the whole batch: no slicing
        Assert.Equal(16, EpochCheck.OptionsFor(Rates(measured, microBatch: 16), 300, 100).MicroBatch);
    }
}
