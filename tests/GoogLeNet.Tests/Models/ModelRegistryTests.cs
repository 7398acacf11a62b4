using GoogLeNet.Models;
using static TorchSharp.torch;

namespace GoogLeNet.Tests.Models;

/// <summary>Every registered model, forward and backward on a small batch, with its pinned size.</summary>
public class ModelRegistryTests
{
    private static readonly Dictionary<string, long> PinnedParameters = new()
    {
        ["googlenet"] = 5_977_530,
        ["googlenet-bn"] = 5_984_810, // convolutions lose 7,280 biases and gain 2 x 7,280 norm parameters
        ["inception-v3"] = 10_512_458,
        ["inception-resnet"] = 11_398_666,
        ["googlenet-original"] = 10_334_030, // 3 channels, 10 classes, auxiliary heads included
        ["alexnet"] = 46_764_746, // the book's figures (1 channel, 10 classes, 224x224)
        ["vgg11"] = 128_806_154,
        ["nin"] = 1_992_166,
    };

    /// <summary>
    /// The first 16 hex digits of the SHA-256 of every state-dict entry's name and shape, in order: a
    /// checkpoint of one version loads into the next only while these stay the same, so a refactoring
    /// that renames or reorders a layer fails here before it breaks anyone's saved runs.
    /// </summary>
    private static readonly Dictionary<string, string> PinnedStateDictLayout = new()
    {
        ["googlenet"] = "0DB46980907F9AAE",
        ["googlenet-bn"] = "BE6DE96140988F63",
        ["inception-v3"] = "A277F3ABEEB20D8A",
        ["inception-resnet"] = "A7E47B24EE535F15",
        ["googlenet-original"] = "FB4A4BEAB90F1270",
        ["alexnet"] = "2B688A97B015682E",
        ["vgg11"] = "A4225894624A043E",
        ["nin"] = "D2531EFEA45AF11F",
    };

    public static TheoryData<string> Names() => new(ModelRegistry.Names);

    [Theory]
    [MemberData(nameof(Names))]
    public void ForwardAndBackwardOnASmallBatchAreFinite(string name)
    {
        var info = ModelRegistry.Get(name);
        using var model = info.Create(info.DefaultChannels, 10);
        Initialization.XavierUniform(model);
        model.train();
        using var scope = NewDisposeScope();
        // The training path: a network with auxiliary heads trains them too.
        var (logits, loss) = model.TrainingStep(rand(2, info.DefaultChannels, info.DefaultSize, info.DefaultSize),
            tensor(new long[] { 1, 8 }), (l, t) => nn.functional.cross_entropy(l, t));
        Assert.Equal(new long[] { 2, 10 }, logits.shape);
        Assert.True(logits.isfinite().all().item<bool>());
        loss.backward();
        foreach (var (pname, p) in model.named_parameters())
            Assert.True(p.grad is not null && p.grad.isfinite().all().item<bool>(), $"{name}: {pname}");
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void ParameterCountIsPinned(string name)
    {
        var info = ModelRegistry.Get(name);
        using var model = info.Create(info.DefaultChannels, 10);
        Assert.True(PinnedParameters.ContainsKey(name), $"pin the parameter count of {name}");
        Assert.Equal(PinnedParameters[name], model.parameters().Sum(p => p.numel()));
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void StateDictLayoutIsPinned(string name)
    {
        var info = ModelRegistry.Get(name);
        using var model = info.Create(info.DefaultChannels, 10);
        string layout = string.Join("\n", model.state_dict().Select(e => $"{e.Key} [{string.Join(",", e.Value.shape)}]"));
        string fingerprint = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(layout)))[..16];
        Assert.True(PinnedStateDictLayout.TryGetValue(name, out var pinned), $"pin the state-dict layout of {name}: {fingerprint}");
        Assert.Equal(pinned, fingerprint);
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void AnyChannelsAndClassesWork(string name)
    {
        var info = ModelRegistry.Get(name);
        using var model = info.Create(3, 7);
        model.eval();
        using var _ = no_grad();
        using var y = model.call(rand(1, 3, info.DefaultSize, info.DefaultSize));
        Assert.Equal(new long[] { 1, 7 }, y.shape);
    }

    [Fact]
    public void UnknownNamesListTheKnownOnes()
    {
        var e = Assert.Throws<GoogLeNetException>(() => ModelRegistry.Get("inception-v9"));
        Assert.Contains("googlenet", e.Message);
        Assert.Same(ModelRegistry.Get("googlenet"), ModelRegistry.Get("GoogLeNet"));
    }
}
