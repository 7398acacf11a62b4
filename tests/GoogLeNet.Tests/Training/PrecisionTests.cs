using GoogLeNet.Models;
using GoogLeNet.Runtime;
using GoogLeNet.Training;
using static TorchSharp.torch;

namespace GoogLeNet.Tests.Training;

/// <summary>
/// bf16 mixed precision against the plain float32 computation, on small inputs (they run on every machine; where the CPU
/// has no bfloat16 arithmetic libtorch emulates it, slowly but with the same results). Tolerances: bfloat16 keeps 8
/// significant bits (a relative rounding of 2^-9 per value), and a forward pass through a deep network compounds that,
/// so outputs are compared at 5 % of their spread and gradients by direction: each parameter's at a cosine above 0.9 (the
/// first layers' gradients pass back through every later layer's rounding) and the whole gradient's above 0.99.
/// </summary>
public class PrecisionTests
{
    private static (Classifier A, Classifier B) TwoCopies(string model, int seed)
    {
        manual_seed(seed);
        var a = ModelRegistry.Get(model).Create(1, 10);
        Initialization.XavierUniform(a);
        var b = ModelRegistry.Get(model).Create(1, 10);
        b.load_state_dict(a.state_dict());
        foreach (var m in new[] { a, b })
        {
            using var _ = no_grad();
            foreach (var p in m.parameters().Where(p => p.dim() == 4).ToList())
            {
                using var reordered = ChannelsLast.Of(p);
                p.set_(reordered);
            }
        }
        return (a, b);
    }

    private static bool HasBatchNorm(nn.Module model) => model.modules().Any(m => m is TorchSharp.Modules.BatchNorm2d);

    private static double Cosine(Tensor a, Tensor b)
    {
        using var scope = NewDisposeScope();
        var x = a.flatten().to_type(ScalarType.Float64);
        var y = b.flatten().to_type(ScalarType.Float64);
        return (x.dot(y) / (x.norm() * y.norm() + 1e-30)).item<double>();
    }

    [LinuxFact]
    public void AnAutocastRegionRunsConvolutionsInBfloat16AndEndsWithItsScope()
    {
        manual_seed(1);
        using var conv = nn.Conv2d(3, 8, 3);
        using var x = rand(2, 3, 8, 8);
        Assert.False(Autocast.IsOn);
        using (Autocast.On(Precision.Bf16))
        {
            Assert.True(Autocast.IsOn);
            using (Autocast.On(Precision.Bf16)) // nested: the inner scope leaves it on
            {
            }
            Assert.True(Autocast.IsOn);
            using var y = conv.call(x);
            Assert.Equal(ScalarType.BFloat16, y.dtype);
        }
        Assert.False(Autocast.IsOn);
        using var z = conv.call(x);
        Assert.Equal(ScalarType.Float32, z.dtype);
        Assert.Equal(ScalarType.Float32, conv.weight!.dtype);
        using (Autocast.On(Precision.Fp32))
            Assert.False(Autocast.IsOn);
    }

    [LinuxTheory]
    [InlineData("googlenet")]
    [InlineData("googlenet-bn")]
    public void Bf16OutputsAndGradientsFollowFloat32AndReachTheFloat32Weights(string model)
    {
        var (a, b) = TwoCopies(model, 7);
        using var _a = a;
        using var _b = b;
        using var x = ChannelsLast.Of(rand(8, 1, 48, 48));
        using var y = randint(0, 10, [8]);
        using var optA = optim.SGD(a.parameters(), 0.1);
        using var optB = optim.SGD(b.parameters(), 0.1);
        // Batch statistics make the gradient of googlenet-bn at initialisation chaotic: a relative change of 0.4 % in the
        // input alone turns some layers' float32 gradients by 70 degrees. With the statistics fixed (evaluation mode, as
        // after a few steps of training) the gradients are stable, and compared here.
        a.train(!HasBatchNorm(a));
        b.train(!HasBatchNorm(b));

        manual_seed(11); // the same dropout in both
        var plain = SgdStep.Run(a, optA, x, y, Losses.CrossEntropy, 8, precision: Precision.Fp32);
        manual_seed(11);
        var mixed = SgdStep.Run(b, optB, x, y, Losses.CrossEntropy, 8, precision: Precision.Bf16);
        Assert.Equal(plain.Loss, mixed.Loss, 0.05f * plain.Loss);

        var gradsB = b.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        int compared = 0;
        foreach (var (name, p) in a.named_parameters())
        {
            var q = gradsB[name];
            Assert.Equal(ScalarType.Float32, q.dtype);
            Assert.NotNull(q.grad);
            Assert.Equal(ScalarType.Float32, q.grad!.dtype);
            if (p.grad!.abs().max().item<float>() > 0)
                Assert.True(Cosine(p.grad, q.grad) > 0.9, $"{model}: the gradient of {name} points elsewhere in bf16 (cosine {Cosine(p.grad, q.grad):F4})");
            compared++;
        }
        Assert.Equal(gradsB.Count, compared);
        // All gradients together, weighted by their size as the update is.
        using (var all = cat(a.parameters().Select(p => p.grad!.flatten()).ToList()))
        using (var allB = cat(b.parameters().Select(p => p.grad!.flatten()).ToList()))
            Assert.True(Cosine(all, allB) > 0.99, $"{model}: the whole gradient points elsewhere in bf16 (cosine {Cosine(all, allB):F4})");
        // Evaluation: float32 logits of the bf16 forward within 5 % of the float32 logits' spread.
        a.eval();
        b.eval();
        using (no_grad())
        {
            using var la = a.call(x);
            Tensor lb;
            using (Autocast.On(Precision.Bf16))
                lb = b.call(x);
            using var _lb = lb;
            Assert.Equal(ScalarType.BFloat16, lb.dtype);
            using var diff = (la - lb.to_type(ScalarType.Float32)).abs().max();
            using var spread = la.max() - la.min();
            Assert.True(diff.item<float>() <= 0.05f * spread.item<float>(), $"{model}: logits differ by {diff.item<float>()} of a spread of {spread.item<float>()}");
        }
        // Batch normalisation keeps and updates float32 statistics (a training-mode step, after the comparisons).
        if (HasBatchNorm(b))
        {
            b.train();
            var norms = b.modules().OfType<TorchSharp.Modules.BatchNorm2d>().ToList();
            var before = norms.Select(bn => bn.running_mean!.clone()).ToList();
            var trained = SgdStep.Run(b, optB, x, y, Losses.CrossEntropy, 8, precision: Precision.Bf16);
            Assert.True(float.IsFinite(trained.Loss));
            Assert.All(norms.Zip(before), pair =>
            {
                Assert.Equal(ScalarType.Float32, pair.First.running_mean!.dtype);
                Assert.Equal(ScalarType.Float32, pair.First.running_var!.dtype);
                Assert.False(pair.First.running_mean.equal(pair.Second).all().item<bool>());
            });
        }

    }

    [LinuxFact]
    public void NamesParseAndAutoIsTheMachinesDefault()
    {
        Assert.Equal(Precision.Fp32, Precisions.Parse("fp32"));
        Assert.Equal(Precision.Bf16, Precisions.Parse("BF16"));
        Assert.Equal(Precisions.CpuHasBf16 ? Precision.Bf16 : Precision.Fp32, Precisions.Parse("auto"));
        Assert.Equal("bf16", Precision.Bf16.Name());
        var e = Assert.Throws<InvalidSettingException>(() => Precisions.Parse("fp16", "--precision"));
        Assert.Equal("--precision 'fp16' is not one of auto, fp32, bf16", e.Message);
        bool flag = File.ReadAllText("/proc/cpuinfo").Split((char[])[' ', '\t', '\n'], StringSplitOptions.RemoveEmptyEntries)
            .Any(f => f is "avx512_bf16" or "amx_bf16");
        Assert.Equal(flag, Precisions.CpuHasBf16);
    }
}
