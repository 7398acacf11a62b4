using GoogLeNet.Cli;
using GoogLeNet.Training;

namespace GoogLeNet.Tests.Training;

public class LearningRateTests
{
    [Fact]
    public void TheConstantScheduleIsTheBooksRateAtEveryStep()
    {
        Assert.All(Enumerable.Range(0, 10), step => Assert.Equal(0.1, LearningRate.At("constant", 0.1, step, 10)));
    }

    [Fact]
    public void TheCosineScheduleFallsFromTheRateTowardsZeroAlongHalfACosine()
    {
        // Eight steps: 0.1 * (1 + cos(pi * t / 8)) / 2, worked out by hand.
        double[] expected = [0.1, 0.0961940, 0.0853553, 0.0691342, 0.05, 0.0308658, 0.0146447, 0.0038060];
        var rates = Enumerable.Range(0, 8).Select(t => LearningRate.At("cosine", 0.1, t, 8)).ToArray();
        for (int t = 0; t < 8; t++)
            Assert.Equal(expected[t], rates[t], 7);
    }

    [Theory]
    [InlineData(-1L, 8L)]
    [InlineData(8L, 8L)]
    public void AStepOutsideTheRunIsAProgrammingError(long step, long total)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => LearningRate.At("cosine", 0.1, step, total));
    }

    [Fact]
    public void AnUnknownScheduleIsRefusedByTheOptionsCheck()
    {
        var e = Assert.Throws<InvalidSettingException>(() => new TrainOptions { LrSchedule = "linear" }.Validate());
        Assert.Equal("--lr-schedule must be constant or cosine, got 'linear'", ErrorReport.InOptionNames(e.Message));
    }

    [Fact]
    public void ADecayingRunResumesOnlyWithTheEpochsItWasStartedWith()
    {
        var cosine = new TrainOptions { Epochs = 10, LrSchedule = "cosine" };
        LearningRate.CheckResume(cosine, cosine with { Threads = 1 });
        var e = Assert.Throws<GoogLeNetException>(() => LearningRate.CheckResume(cosine, cosine with { Epochs = 12 }));
        Assert.Equal("--epochs cannot be changed when resuming a run with --lr-schedule cosine: its rate falls to 0 over the 10 epochs it was started with", ErrorReport.InOptionNames(e.Message));
        Assert.StartsWith("TrainOptions.Epochs cannot be changed when resuming a run with TrainOptions.LrSchedule = cosine", e.Message);

        var constant = new TrainOptions { Epochs = 10 };
        LearningRate.CheckResume(constant, constant with { Epochs = 12 });
    }

    [Fact]
    public void TheRateIsDescribedWithADecimalPointInAnyCulture()
    {
        var saved = System.Globalization.CultureInfo.CurrentCulture;
        try
        {
            System.Globalization.CultureInfo.CurrentCulture = new("de-DE");
            Assert.Equal("lr 0.05 with cosine decay", new TrainOptions { Lr = 0.05, LrSchedule = "cosine" }.DescribeLr());
            Assert.Equal("lr 0.1", new TrainOptions().DescribeLr());
        }
        finally
        {
            System.Globalization.CultureInfo.CurrentCulture = saved;
        }
    }
}
