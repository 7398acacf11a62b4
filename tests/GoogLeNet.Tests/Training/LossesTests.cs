using GoogLeNet.Cli;
using GoogLeNet.Training;
using static TorchSharp.torch;

namespace GoogLeNet.Tests.Training;

public class LossesTests
{
    [Fact]
    public void ZeroSmoothingIsThePlainLoss()
    {
        using var scope = NewDisposeScope();
        var logits = randn(5, 10);
        var target = tensor(new long[] { 0, 3, 9, 2, 2 });
        var plain = nn.functional.cross_entropy(logits, target).item<float>();
        Assert.Equal(plain, Losses.LabelSmoothingCrossEntropy(logits, target, 0).item<float>(), 5);
        Assert.Equal(plain, Losses.For(new TrainOptions())(logits, target).item<float>(), 5);
    }

    [Fact]
    public void HandComputedCaseForEpsilonPointOne()
    {
        // Two classes, logits (0, ln 3): p = (1/4, 3/4). Target class 1, eps 0.1: smoothed target (0.05, 0.95).
        // Loss = -(0.05 ln 1/4 + 0.95 ln 3/4) = 0.05 ln 4 + 0.95 ln 4/3.
        using var logits = tensor(new float[] { 0, MathF.Log(3) }).reshape(1, 2);
        using var target = tensor(new long[] { 1 });
        double expected = 0.05 * Math.Log(4) + 0.95 * Math.Log(4.0 / 3);
        using var loss = Losses.LabelSmoothingCrossEntropy(logits, target, 0.1);
        Assert.Equal(expected, loss.item<float>(), 5);
        using var viaOptions = Losses.For(new TrainOptions { LabelSmoothing = 0.1 })(logits, target);
        Assert.Equal(expected, viaOptions.item<float>(), 5);
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(1.0)]
    [InlineData(double.NaN)]
    public void InvalidEpsilonIsAClearError(double epsilon)
    {
        var e = Assert.Throws<InvalidSettingException>(() => new TrainOptions { LabelSmoothing = epsilon }.Validate());
        Assert.StartsWith("--label-smoothing must be at least 0 and below 1", ErrorReport.InOptionNames(e.Message));
        Assert.StartsWith("TrainOptions.LabelSmoothing must be at least 0 and below 1", e.Message);
    }
}
