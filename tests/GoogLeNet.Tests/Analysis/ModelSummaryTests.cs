using GoogLeNet.Analysis;
using GoogLeNet.Models;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace GoogLeNet.Tests.Analysis;

public class ModelSummaryTests
{
    [Theory]
    [InlineData(96, 276_066_304)]
    [InlineData(224, 1_502_982_144)]
    public void CountsTheChaptersMultiplyAdds(int size, long macs)
    {
        using var model = new ChapterGoogLeNet();
        var summary = ModelSummary.Of("googlenet", model, size, 1);
        Assert.Equal(macs, summary.Macs);
        Assert.Equal(5_977_530, summary.Params);
        Assert.Equal(["b1", "b2", "b3", "b4", "b5", "head"], summary.Stages.Select(s => s.Name));
        Assert.Equal(summary.Macs, summary.Stages.Sum(s => s.Macs));
        Assert.Equal(summary.Params, summary.Stages.Sum(s => s.Params));
    }

    [Fact]
    public void DetailListsEveryLayerParentFirst()
    {
        using var model = new ChapterGoogLeNet();
        var summary = ModelSummary.Of("googlenet", model, 96, 1);
        var names = summary.Detail.Select(r => r.Name).ToList();
        Assert.True(names.IndexOf("b3") < names.IndexOf("b3.0") && names.IndexOf("b3.0") < names.IndexOf("b3.0.p2.2"));
        var conv = summary.Detail.Single(r => r.Name == "b1.0");
        Assert.Equal("Conv2d", conv.Kind);
        Assert.Equal(new long[] { 1, 64, 48, 48 }, conv.Output);
        Assert.Equal(64L * 48 * 48 * 49, conv.Macs);
        // A path's multiply-adds, by hand: b3's first block sees 192 channels at 12x12; its second path is a
        // 1x1 convolution to 96 channels and a 3x3 one to 128.
        var path = summary.Detail.Single(r => r.Name == "b3.0.p2");
        Assert.Equal(96L * 12 * 12 * 192 + 128L * 12 * 12 * 96 * 9, path.Macs);
    }

    [Fact]
    public void AnInputTooSmallForTheNetworkIsAUserError()
    {
        using var model = new Unpadded();
        var e = Assert.Throws<GoogLeNetException>(() => ModelSummary.Of("unpadded", model, 2, 1));
        Assert.StartsWith("a 2x2 input does not fit unpadded (", e.Message);
        Assert.DoesNotContain("\n", e.Message);
        Assert.Equal(4 * 4 * 9, ModelSummary.Of("unpadded", model, 6, 1).Macs);
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(96, 0)]
    public void NonPositiveSizesAreRejected(int size, int channels)
    {
        using var model = new ChapterGoogLeNet();
        Assert.Throws<GoogLeNetException>(() => ModelSummary.Of("googlenet", model, size, channels));
    }

    /// <summary>One 3x3 convolution without padding: needs at least a 3x3 input.</summary>
    private sealed class Unpadded : Classifier
    {
        private readonly TorchSharp.Modules.Conv2d conv = Conv2d(1, 1, 3);

        public Unpadded() : base("unpadded", 1, 1)
        {
            RegisterComponents();
            Stages = [("conv", conv)];
        }

        public override IReadOnlyList<(string Name, Module<Tensor, Tensor> Module)> Stages { get; }
    }
}
