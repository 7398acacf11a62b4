using GoogLeNet.Models;
using static TorchSharp.torch;

namespace GoogLeNet.Tests.Models;

public class ChapterGoogLeNetTests
{
    [Theory]
    [InlineData(96, 24, 12, 6, 3)]
    [InlineData(224, 56, 28, 14, 7)]
    public void StagesProduceTheChaptersShapes(int size, int s1, int s2, int s3, int s4)
    {
        using var model = new ChapterGoogLeNet();
        model.eval();
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        Tensor x = zeros(1, 1, size, size);
        var shapes = new List<long[]>();
        foreach (var (_, stage) in model.Stages)
        {
            x = stage.call(x);
            shapes.Add(x.shape);
        }
        Assert.Equal(new long[] { 1, 64, s1, s1 }, shapes[0]);
        Assert.Equal(new long[] { 1, 192, s2, s2 }, shapes[1]);
        Assert.Equal(new long[] { 1, 480, s3, s3 }, shapes[2]);
        Assert.Equal(new long[] { 1, 832, s4, s4 }, shapes[3]);
        Assert.Equal(new long[] { 1, 1024 }, shapes[4]);
        Assert.Equal(new long[] { 1, 10 }, shapes[5]);
    }

    [Fact]
    public void HasTheChaptersParameterCount()
    {
        using var model = new ChapterGoogLeNet();
        Assert.Equal(5_977_530, model.parameters().Sum(p => p.numel()));
    }

    [Fact]
    public void ParameterCountFollowsChannelsAndClasses()
    {
        using var model = new ChapterGoogLeNet(inChannels: 3, numClasses: 1000);
        // 7x7 conv gains 2 x 64 x 49 weights; the head grows to 1024 x 1000 + 1000.
        long expected = 5_977_530 + 2 * 64 * 49 + (1024 * 1000 + 1000) - (1024 * 10 + 10);
        Assert.Equal(expected, model.parameters().Sum(p => p.numel()));
        using var y = model.call(randn(1, 3, 64, 64));
        Assert.Equal(new long[] { 1, 1000 }, y.shape);
    }

    [Fact]
    public void StateDictNamesArePinned()
    {
        using var model = new ChapterGoogLeNet();
        var names = model.state_dict().Keys.ToList();
        Assert.Equal(116, names.Count); // 58 convolutions and linear layers, weight and bias each
        Assert.Equal("b1.0.weight", names[0]);
        Assert.Contains("b3.0.p2.2.weight", names);
        Assert.Contains("b4.4.p4.1.bias", names);
        Assert.Contains("b5.1.p3.2.weight", names);
        Assert.Equal("head.bias", names[^1]);
    }

    [Fact]
    public void ForwardAndBackwardGiveFiniteValuesAndAGradientOnEveryParameter()
    {
        using var model = new ChapterGoogLeNet();
        Initialization.XavierUniform(model);
        model.train();
        using var scope = NewDisposeScope();
        var x = rand(4, 1, 96, 96);
        var y = tensor(new long[] { 0, 3, 7, 9 });
        var logits = model.call(x);
        Assert.Equal(new long[] { 4, 10 }, logits.shape);
        Assert.True(logits.isfinite().all().item<bool>());
        var loss = nn.functional.cross_entropy(logits, y);
        loss.backward();
        foreach (var (name, p) in model.named_parameters())
        {
            Assert.NotNull(p.grad);
            Assert.True(p.grad!.isfinite().all().item<bool>(), $"{name} has a non-finite gradient");
            Assert.True(p.grad.abs().sum().item<float>() > 0, $"{name} has an all-zero gradient");
        }
    }

    [Fact]
    public void XavierInitialisationReplacesTheDefaultWeightRange()
    {
        using var model = new ChapterGoogLeNet();
        Initialization.XavierUniform(model);
        var head = model.named_parameters().First(p => p.name == "head.weight").parameter;
        double bound = Math.Sqrt(6.0 / (1024 + 10));
        Assert.True(head.abs().max().item<float>() <= bound + 1e-6);
        // The framework default for this layer is +-1/sqrt(1024) = 0.031; Xavier's bound is 0.076.
        Assert.True(head.abs().max().item<float>() > 1 / Math.Sqrt(1024));
    }
}
