using GoogLeNet.Models;
using GoogLeNet.Runtime;
using TorchSharp;
using static GoogLeNet.Tests.Runtime.Bf16Blocks;
using static TorchSharp.torch;

namespace GoogLeNet.Tests.Runtime;

public class ReluConcatTests
{
    /// <summary>Pre-activations of the given channel counts, channels-last bfloat16, with every special value among them.</summary>
    private static Tensor[] Paths(int[] channels, int size, int seed)
    {
        manual_seed(seed);
        var z = new Tensor[channels.Length];
        for (int b = 0; b < channels.Length; b++)
        {
            using var values = randn(2, channels[b], size, size);
            values[0, 0, 0, 0] = tensor(float.PositiveInfinity);
            values[0, 0, 0, 1] = tensor(float.NegativeInfinity);
            values[0, 0, 1, 0] = tensor(float.NaN);
            values[0, 0, 1, 1] = tensor(-float.NaN);
            values[1, 0, 0, 0] = tensor(-0.0f);
            values[1, 0, 0, 1] = tensor(0.0f);
            values[1, channels[b] - 1, size - 1, size - 1] = tensor(-1e-30f); // a negative that rounds to a subnormal
            z[b] = ChannelsLast.Of(values.to_type(ScalarType.BFloat16)).requires_grad_();
        }
        return z;
    }

    /// <summary>
    /// Paths of the blocks' channel counts and of others (fewer than 32 channels, counts that are not multiples of 32):
    /// the output is libtorch's ReLU-then-cat to the bit (NaNs of both signs, infinities, both zeros), channels-last, and
    /// each path's gradient is libtorch's to the bit, whether the output's gradient comes channels-last or not.
    /// </summary>
    [Vector512Theory]
    [InlineData(new[] { 64, 128, 32, 32 }, 5)]
    [InlineData(new[] { 16, 40, 33, 96 }, 4)]
    [InlineData(new[] { 208, 48 }, 3)]
    public void ValuesAndGradientsAreLibtorchs(int[] channels, int size)
    {
        var z = Paths(channels, size, seed: channels.Sum());
        Assert.True(ReluConcat.Handles(z));
        using var ours = ReluConcat.Apply(z);
        using var theirs = cat(z.Select(t => nn.functional.relu(t)).ToArray(), 1);
        Assert.True(ChannelsLast.Is(ours));
        Assert.True(BitEqual(ours, theirs), "outputs differ");

        foreach (bool channelsLastGrad in new[] { true, false })
        {
            manual_seed(9);
            using var g0 = randn(ours.shape).to_type(ScalarType.BFloat16);
            g0[0, 0, 1, 0] = tensor(3.0f); // at a NaN
            using var g = channelsLastGrad ? ChannelsLast.Of(g0) : g0.contiguous();
            var ourGrads = autograd.grad([ours], z, [g], retain_graph: true);
            var theirGrads = autograd.grad([theirs], z, [g], retain_graph: true);
            for (int b = 0; b < z.Length; b++)
            {
                Assert.True(ChannelsLast.Is(ourGrads[b]), $"path {b}'s gradient is not channels-last");
                Assert.True(BitEqual(ourGrads[b], theirGrads[b]), $"path {b}'s gradient differs (output gradient channels-last: {channelsLastGrad})");
            }
        }
        foreach (var t in z)
            t.Dispose();
    }

    /// <summary>Without gradients the forward kernel alone runs, with the same output.</summary>
    [Vector512Fact]
    public void InferenceGivesTheSameOutput()
    {
        var z = Paths([64, 96, 32], 4, seed: 2);
        using var _ = no_grad();
        using var ours = ReluConcat.Apply(z);
        using var theirs = cat(z.Select(t => nn.functional.relu(t)).ToArray(), 1);
        Assert.False(ours.requires_grad);
        Assert.True(BitEqual(ours, theirs));
    }

    /// <summary>float32, the plain order, different sizes or a single path go to libtorch's ReLU and cat, with its values.</summary>
    [Fact]
    public void OtherFormsGoToLibtorch()
    {
        using var a = randn(2, 32, 4, 4);
        using var b = randn(2, 48, 4, 4);
        Assert.False(ReluConcat.Handles([a, b]));
        using var plain = ReluConcat.Apply(a, b);
        Assert.True(BitEqual(plain, cat([a.relu(), b.relu()], 1)));

        using var abf = a.to_type(ScalarType.BFloat16);
        using var bbf = b.to_type(ScalarType.BFloat16);
        Assert.False(ReluConcat.Handles([abf, bbf])); // not channels-last (32 channels of 4 x 4 are not)
        using var acl = ChannelsLast.Of(abf);
        using var small = ChannelsLast.Of(randn(2, 48, 3, 3).to_type(ScalarType.BFloat16));
        Assert.False(ReluConcat.Handles([acl, small]));
        Assert.False(ReluConcat.Handles([acl]));
        Assert.False(ReluConcat.Expects(a));
    }

    /// <summary>
    /// An Inception block (plain and with batch norm) trained one step in bf16 with the fused kernel and with libtorch's
    /// ReLUs and cat: the same output to the bit and the same gradients, for its parameters and its input.
    /// </summary>
    [Vector512Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ABlockComputesTheSameEitherWay(bool batchNorm)
    {
        var (block, x0, g) = Case(48, batchNorm, seed: 4);
        using var disposeBlock = block;
        using var disposeInput = x0;
        using var disposeGrad = g;

        (Tensor Output, Tensor InputGrad, Dictionary<string, Tensor> Grads) Run(bool fused)
        {
            ReluConcat.Enabled = fused;
            PointwiseConv.Enabled = false; // the 1x1 convolutions as libtorch's either way, so the outputs can match to the bit
            try
            {
                Assert.Equal(fused, ReluConcat.Expects(x0));
                return Step(block, x0, g);
            }
            finally
            {
                ReluConcat.Enabled = true;
                PointwiseConv.Enabled = true;
            }
        }

        var (ourY, ourGx, ourGrads) = Run(fused: true);
        var (theirY, theirGx, theirGrads) = Run(fused: false);
        Assert.True(BitEqual(ourY, theirY), "outputs differ");
        // The input's gradient sums the four paths' in bfloat16, in an order autograd chooses: within a few roundings.
        Assert.True(RelativeError(ourGx, theirGx) < 1e-2, $"input gradients differ by {RelativeError(ourGx, theirGx):E2} of their norm");
        foreach (var (name, theirs) in theirGrads)
            Assert.True(RelativeError(ourGrads[name], theirs) < 1e-3, $"gradient of {name} differs by {RelativeError(ourGrads[name], theirs):E2} of its norm");
    }
}
