using GoogLeNet.Models;
using GoogLeNet.Runtime;
using GoogLeNet.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace GoogLeNet.Tests.Runtime;

public class ChannelsLastTests
{
    /// <summary>
    /// In float64 the two orders must give the same function to rounding (1e-9); in float32, where
    /// oneDNN sums in another order and the plain network's 22 layers amplify that through its ReLUs,
    /// within a percent (this catches a wrong layout, not a rounding difference). Networks with batch norm are checked in
    /// float64 only: over a batch of four, the norm's statistics amplify float32's rounding differences by more than that
    /// percent from one run to the next.
    /// </summary>
    [Theory]
    [InlineData("googlenet", ScalarType.Float64, 1e-9)]
    [InlineData("googlenet-bn", ScalarType.Float64, 1e-9)]
    [InlineData("inception-v3", ScalarType.Float64, 1e-9)]
    [InlineData("googlenet", ScalarType.Float32, 1e-2)]
    [InlineData("inception-resnet", ScalarType.Float64, 1e-9)]
    public void OutputsAndGradientsEqualThoseOfTheUsualOrder(string name, ScalarType type, double tolerance)
    {
        var info = ModelRegistry.Get(name);
        manual_seed(5);
        using var usual = info.Create(1, 10);
        Initialization.XavierUniform(usual);
        usual.to(type);
        using var reordered = info.Create(1, 10);
        reordered.to(type);
        reordered.load_state_dict(usual.state_dict());
        ChannelsLast.Apply(reordered);
        Assert.All(reordered.parameters().Where(p => p.dim() == 4), p => Assert.True(ChannelsLast.Is(p)));
        Assert.Equal(usual.state_dict().Keys, reordered.state_dict().Keys);

        using var x = rand(4, 1, 48, 48, dtype: type);
        using var y = randint(0, 10, [4]);
        usual.train();
        reordered.train();
        manual_seed(9); // the same dropout masks
        using var a = usual.call(x);
        manual_seed(9);
        using var b = reordered.call(ChannelsLast.Of(x));
        Assert.True(RelativeError(a, b) < tolerance, $"outputs differ by {RelativeError(a, b):E1} of their norm");
        nn.functional.cross_entropy(a, y).backward();
        nn.functional.cross_entropy(b, y).backward();
        var grads = reordered.named_parameters().ToDictionary(p => p.name, p => p.parameter.grad!);
        foreach (var (n, p) in usual.named_parameters())
        {
            double error = RelativeError(p.grad!, grads[n]);
            Assert.True(error < tolerance, $"gradient of {n} differs by {error:E1} of its norm");
        }
    }

    /// <summary>
    /// A grey batch has the same strides in both orders, so without help libtorch would run the stem (its 7x7
    /// convolution, ReLU, pooling) and the next 1x1 convolution in the plain order: every 4-D activation of more than
    /// one channel, stem included, is channels-last.
    /// </summary>
    [Theory]
    [InlineData("googlenet")]
    [InlineData("googlenet-bn")]
    public void EveryActivationOfAGreyBatchIsChannelsLast(string name)
    {
        manual_seed(2);
        using var model = ModelRegistry.Get(name).Create(1, 10);
        ChannelsLast.Apply(model);
        model.eval();
        var plain = new List<string>();
        int seen = 0;
        foreach (var m in model.modules().OfType<nn.Module<Tensor, Tensor>>().Where(m => !m.children().Any()))
            m.register_forward_hook((module, _, output) =>
            {
                if (output.dim() == 4 && output.shape[1] > 1)
                {
                    seen++;
                    if (!ChannelsLast.Is(output))
                        plain.Add($"{module.GetType().Name} {string.Join("x", output.shape)}");
                }
                return output;
            });
        using var _ = no_grad();
        using var x = ChannelsLast.Of(rand(2, 1, 96, 96));
        using var logits = model.call(x);
        Assert.True(seen > 50, $"only {seen} activations seen");
        Assert.Empty(plain);
    }

    /// <summary>
    /// A grey batch comes back as a view with the strides of channels-last (the same elements), offset kept for a slice of
    /// a larger batch, and a convolution on it gives its output channels-last by itself, with the plain order's values.
    /// </summary>
    [Fact]
    public void AGreyBatchGetsTheStridesOfChannelsLast()
    {
        manual_seed(8);
        using var batch = rand(6, 1, 9, 7);
        using var slice = batch.narrow(0, 2, 3);
        using var x = ChannelsLast.Of(slice);
        Assert.Equal([63L, 1, 7, 1], x.stride());
        Assert.Equal(slice.storage_offset(), x.storage_offset());
        Assert.True(x.eq(slice).all().item<bool>());

        using var conv = nn.Conv2d(1, 8, 3, stride: 2, padding: 1);
        ChannelsLast.Apply(conv);
        using var _ = no_grad();
        using var expected = nn.functional.conv2d(slice, conv.weight!.contiguous(), conv.bias, strides: [2, 2], padding: [1, 1]);
        using var actual = nn.functional.conv2d(x, conv.weight!, conv.bias, strides: [2, 2], padding: [1, 1]);
        Assert.True(ChannelsLast.Is(actual), "the convolution's own output is not channels-last");
        Assert.True(RelativeError(expected, actual) < 1e-6);
    }

    private static double RelativeError(Tensor expected, Tensor actual) =>
        (expected - actual).norm().to_type(ScalarType.Float64).item<double>()
        / Math.Max(1e-30, expected.norm().to_type(ScalarType.Float64).item<double>());

    [Fact]
    public void AReorderedModelSavesAndLoadsTheSameWeights()
    {
        using var dir = new TempDirectory();
        manual_seed(6);
        using var model = new ChapterGoogLeNet();
        Initialization.XavierUniform(model);
        ChannelsLast.Apply(model);
        using var optimizer = optim.SGD(model.parameters(), 0.1);
        var metadata = new CheckpointMetadata(Checkpoint.CurrentFormat, "googlenet", 1, 10, 32, 1, new TrainOptions { Resize = 32 }, [], [], DateTime.UtcNow);
        Checkpoint.Save(dir["c.bin"], metadata, model, optimizer);

        using var loaded = new ChapterGoogLeNet();
        Checkpoint.Read(dir["c.bin"]).LoadInto(loaded);
        var weights = loaded.state_dict();
        foreach (var (n, w) in model.state_dict())
            Assert.True(w.equal(weights[n]).all().item<bool>(), $"{n} differs after the round trip");
        // Saving leaves the model as it was: still channels-last.
        Assert.All(model.parameters().Where(p => p.dim() == 4), p => Assert.True(ChannelsLast.Is(p)));
    }
}
