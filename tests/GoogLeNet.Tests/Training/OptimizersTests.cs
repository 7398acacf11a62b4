using GoogLeNet.Models;
using GoogLeNet.Training;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace GoogLeNet.Tests.Training;

public class OptimizersTests
{
    [Fact]
    public void WeightDecayLeavesBiasesAndBatchNormAlone()
    {
        using var model = new ChapterGoogLeNet(1, 10, batchNorm: true);
        var (decayed, kept) = Optimizers.DecayedParameters(model);
        Assert.All(decayed, p => Assert.True(p.dim() == 4 || p.dim() == 2));
        Assert.All(kept, p => Assert.Equal(1, p.dim()));
        Assert.Equal(model.parameters().Count(), decayed.Count + kept.Count);
        Assert.Contains(kept, p => ReferenceEquals(p, ((BatchNorm2d)model.modules().First(m => m is BatchNorm2d)).weight));

        // One step from zero gradients: only weight decay moves a parameter, and only the decayed ones.
        using var optimizer = Optimizers.Sgd(model, new TrainOptions { Lr = 0.1, Momentum = 0.9, WeightDecay = 0.01 });
        var before = model.parameters().Select(p => p.detach().clone()).ToList();
        foreach (var p in model.parameters())
            p.grad = zeros_like(p);
        optimizer.step();
        var after = model.parameters().ToList();
        for (int i = 0; i < after.Count; i++)
        {
            bool moved = !after[i].equal(before[i]).all().item<bool>();
            Assert.Equal(decayed.Any(p => ReferenceEquals(p, after[i])) && before[i].abs().sum().item<float>() > 0, moved);
        }
    }

    [Fact]
    public void WithoutWeightDecayItIsOneGroupAsTheBookHas()
    {
        using var model = new ChapterGoogLeNet(1, 10);
        using var plain = Optimizers.Sgd(model, new TrainOptions());
        Assert.Single(plain.ParamGroups);
        using var decaying = Optimizers.Sgd(model, new TrainOptions { WeightDecay = 5e-4 });
        Assert.Equal(2, decaying.ParamGroups.Count());
    }
}
