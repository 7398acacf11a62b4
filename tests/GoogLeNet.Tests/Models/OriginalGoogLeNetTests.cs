using GoogLeNet.Analysis;
using GoogLeNet.Models;
using static TorchSharp.torch;

namespace GoogLeNet.Tests.Models;

public class OriginalGoogLeNetTests
{
    [Fact]
    public void HasThePapersParameterCountsWithAndWithoutTheAuxiliaryHeads()
    {
        using var model = new OriginalGoogLeNet(inChannels: 3, numClasses: 1000);
        long total = model.parameters().Sum(p => p.numel());
        Assert.Equal(13_378_280, total);
        Assert.Equal(6_998_552, total - model.AuxiliaryParameters);
    }

    [Fact]
    public void StageShapesFollowTable1OfThePaper()
    {
        using var model = new OriginalGoogLeNet(3, 1000);
        var summary = ModelSummary.Of("googlenet-original", model, 224, 3);
        var shapes = summary.Stages.ToDictionary(s => s.Name, s => s.Output);
        Assert.Equal(new long[] { 1, 64, 56, 56 }, shapes["conv1"]);
        Assert.Equal(new long[] { 1, 192, 28, 28 }, shapes["conv2"]);
        Assert.Equal(new long[] { 1, 480, 28, 28 }, shapes["3b"]);
        Assert.Equal(new long[] { 1, 528, 14, 14 }, shapes["4d"]);
        Assert.Equal(new long[] { 1, 1024, 7, 7 }, shapes["5b"]);
        Assert.Equal(new long[] { 1, 1000 }, shapes["head"]);
        Assert.Equal(6_998_552, summary.Stages.Sum(s => s.Params));
        Assert.InRange(summary.Macs, 1_570_000_000, 1_590_000_000); // "about 1.58 G" (the paper counts 1.5 G)
    }

    [Fact]
    public void AuxiliaryHeadsRunOnlyInTrainingAndAddTheirWeightedLoss()
    {
        using var model = new OriginalGoogLeNet(1, 10);
        using var scope = NewDisposeScope();
        var x = rand(2, 1, 96, 96);
        var y = tensor(new long[] { 3, 4 });
        model.train();
        var output = model.ForwardWithAux(x);
        Assert.NotNull(output.Aux1);
        Assert.NotNull(output.Aux2);
        Assert.Equal(new long[] { 2, 10 }, output.Aux1!.shape);

        manual_seed(3);
        var (logits, loss) = model.TrainingStep(x, y, (l, t) => nn.functional.cross_entropy(l, t));
        manual_seed(3);
        var again = model.ForwardWithAux(x);
        double expected = nn.functional.cross_entropy(again.Logits, y).item<float>()
            + 0.3 * (nn.functional.cross_entropy(again.Aux1!, y).item<float>() + nn.functional.cross_entropy(again.Aux2!, y).item<float>());
        Assert.Equal(expected, loss.item<float>(), 4);
        Assert.Equal(new long[] { 2, 10 }, logits.shape);

        model.eval();
        var inference = model.ForwardWithAux(x);
        Assert.Null(inference.Aux1);
        Assert.Null(inference.Aux2);
        Assert.True(model.call(x).allclose(inference.Logits));
    }
}
