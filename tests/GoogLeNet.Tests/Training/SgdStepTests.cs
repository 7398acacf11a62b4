using GoogLeNet.Cli;
using GoogLeNet.Models;
using GoogLeNet.Training;
using static TorchSharp.torch;

namespace GoogLeNet.Tests.Training;

public class SgdStepTests
{
    [Fact]
    public void AStepLeavesNoTensorAliveOutsideAnyScopeOfTheCaller()
    {
        manual_seed(4);
        using var model = new ChapterGoogLeNet();
        Initialization.XavierUniform(model);
        using var x = rand(4, 1, 16, 16);
        using var y = randint(0, 10, [4]);
        using var optimizer = optim.SGD(model.parameters(), 0.1);
        SgdStep.Run(model, optimizer, x, y, Losses.CrossEntropy, microBatch: 4); // the gradients now exist
        long before = TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        for (int i = 0; i < 3; i++)
            SgdStep.Run(model, optimizer, x, y, Losses.CrossEntropy, microBatch: 2);
        Assert.Equal(before, TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }

    [Fact]
    public void SlicedStepsGiveTheWholeBatchsGradientsAndUpdate()
    {
        manual_seed(3);
        using var whole = new ChapterGoogLeNet();
        Initialization.XavierUniform(whole);
        using var sliced = new ChapterGoogLeNet();
        sliced.load_state_dict(whole.state_dict());
        using var x = rand(10, 1, 32, 32);
        using var y = randint(0, 10, [10]);
        Func<Tensor, Tensor, Tensor> loss = (l, t) => nn.functional.cross_entropy(l, t);
        using var optA = optim.SGD(whole.parameters(), 0.1);
        using var optB = optim.SGD(sliced.parameters(), 0.1);

        using var firstBefore = whole.parameters().First().detach().clone();
        var a = SgdStep.Run(whole, optA, x, y, loss, microBatch: 10);
        var b = SgdStep.Run(sliced, optB, x, y, loss, microBatch: 4); // slices of 4, 4 and 2

        Assert.Equal(a.Loss, b.Loss, 1e-5f);
        Assert.Equal(a.Correct, b.Correct);
        var paramsB = sliced.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        int compared = 0;
        foreach (var (name, p) in whole.named_parameters())
        {
            var q = paramsB[name];
            Assert.True(p.grad!.allclose(q.grad!, rtol: 1e-4, atol: 1e-6), $"gradient of {name} differs");
            Assert.True(p.allclose(q, rtol: 1e-5, atol: 1e-7), $"{name} differs after the step");
            compared++;
        }
        Assert.Equal(paramsB.Count, compared);
        // Not vacuous: the step moved the weights.
        Assert.False(whole.parameters().First().allclose(firstBefore));
    }

    [Fact]
    public void OnlyNetworksWithoutBatchNormAreSliced()
    {
        using var plain = new ChapterGoogLeNet();
        using var bn = new ChapterGoogLeNet(batchNorm: true);
        Assert.True(SgdStep.IsBatchIndependent(plain));
        Assert.False(SgdStep.IsBatchIndependent(bn));
        Assert.Equal(128, SgdStep.Resolve(0, 128, plain, "googlenet"));
        Assert.Equal(64, SgdStep.Resolve(64, 128, plain, "googlenet"));
        Assert.Equal(128, SgdStep.Resolve(500, 128, plain, "googlenet"));
        Assert.Equal(128, SgdStep.Resolve(0, 128, bn, "googlenet-bn"));
        Assert.Equal(128, SgdStep.Resolve(128, 128, bn, "googlenet-bn"));
        var e = Assert.Throws<InvalidSettingException>(() => SgdStep.Resolve(16, 128, bn, "googlenet-bn"));
        Assert.StartsWith("--micro-batch 16: googlenet-bn uses batch normalisation", ErrorReport.InOptionNames(e.Message));
    }

    [Fact]
    public void SlicesLowerTheMemoryEstimate()
    {
        // The estimate is 12 MB of activations per 96x96 training image, held for the whole batch or for one
        // slice of it: 65,536 images (the largest batch) 732.4 GiB, slices of 32,768 half that, a quarter of the
        // pixels a quarter. (Refused where that is at least 80 % of the memory: on any machine below 228 GiB.)
        string Refusal(int microBatch, int side) =>
            Assert.Throws<InvalidSettingException>(() => new TrainOptions { BatchSize = 65_536, MicroBatch = microBatch, Resize = side }.Validate()).Message is var m ? ErrorReport.InOptionNames(m) : "";
        string whole = Refusal(0, 96);
        Assert.StartsWith("--batch-size 65536 at 96x96 needs about 732.4 GiB of memory and this machine has ", whole);
        Assert.EndsWith("use a smaller batch or --micro-batch", whole);
        Assert.StartsWith("--batch-size 65536 at 96x96 needs about 366.2 GiB", Refusal(32_768, 96));
        Assert.StartsWith("--batch-size 65536 at 48x48 needs about 183.1 GiB", Refusal(0, 48));
        // Slices of 64 images need 0.7 GiB: accepted.
        new TrainOptions { BatchSize = 65_536, MicroBatch = 64 }.Validate();
    }

    [Fact]
    public void ObjectsLeftToTheirFinalizerDuringAStepAreFinalizedBeforeItReturns()
    {
        manual_seed(5);
        using var model = new ChapterGoogLeNet();
        Initialization.XavierUniform(model);
        using var x = rand(2, 1, 16, 16);
        using var y = randint(0, 10, [2]);
        using var optimizer = optim.SGD(model.parameters(), 0.1);
        // The loss drops an object with a finalizer, as TorchSharp's optimisers drop the Scalars they convert from
        // double; each step must have it finalized before it returns, not at some later collection.
        Func<Tensor, Tensor, Tensor> loss = (logits, target) =>
        {
            _ = new FinalizerProbe();
            return nn.functional.cross_entropy(logits, target);
        };
        int before = FinalizerProbe.Finalized;
        for (int i = 0; i < 3; i++)
        {
            SgdStep.Run(model, optimizer, x, y, loss, microBatch: 2);
            Assert.Equal(before + i + 1, FinalizerProbe.Finalized);
        }
    }

    private sealed class FinalizerProbe
    {
        public static int Finalized;

        ~FinalizerProbe() => Interlocked.Increment(ref Finalized);
    }
}
