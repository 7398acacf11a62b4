using GoogLeNet.Runtime;
using TorchSharp.Modules;
using static GoogLeNet.Tests.Runtime.Bf16Blocks;
using static TorchSharp.torch;

namespace GoogLeNet.Tests.Runtime;

public class PointwiseConvTests
{
    /// <summary>The output and the gradients of input, weight and bias of <paramref name="conv"/> on <paramref name="x0"/> under bf16 autocast.</summary>
    private static (Tensor Y, Tensor Gx, Tensor Gw, Tensor Gb) Run(Conv2d conv, Tensor x0, Tensor g, bool asProduct)
    {
        PointwiseConv.Enabled = asProduct;
        try
        {
            conv.zero_grad();
            using var x = x0.detach().requires_grad_();
            Assert.Equal(asProduct, PointwiseConv.Handles(conv, x));
            Tensor y;
            using (Autocast.On(Precision.Bf16))
                y = PointwiseConv.Call(conv, x);
            y.backward([g]);
            return (y.detach(), x.grad!.clone(), conv.weight.grad!.clone(), conv.bias!.grad!.clone());
        }
        finally
        {
            PointwiseConv.Enabled = true;
        }
    }

    /// <summary>
    /// A 1x1 convolution of channels-last bfloat16 maps of 6x6 and 3x3 pixels, under autocast, as a matrix product and as
    /// libtorch's convolution: the output is channels-last bfloat16 either way and the two agree within bfloat16 rounding
    /// (relative error under 1e-2, a few units of bfloat16's 2^-8), as do the gradients of the input and of the float32
    /// weight and bias; and the product is about as close to the float32 convolution as the bfloat16 convolution is.
    /// </summary>
    [Theory]
    [InlineData(48, 40, 6)]
    [InlineData(832, 48, 3)]
    public void AProductIsTheConvolutionWithinBfloat16Rounding(int inChannels, int outChannels, int size)
    {
        manual_seed(inChannels + size);
        using var conv = nn.Conv2d(inChannels, outChannels, 1);
        using var x0 = ChannelsLast.Of(randn(4, inChannels, size, size).to_type(ScalarType.BFloat16));
        using var g = ChannelsLast.Of(randn(4, outChannels, size, size).to_type(ScalarType.BFloat16));

        var ours = Run(conv, x0, g, asProduct: true);
        var theirs = Run(conv, x0, g, asProduct: false);
        Assert.Equal(ScalarType.BFloat16, ours.Y.dtype);
        Assert.True(ChannelsLast.Is(ours.Y), "the product's output is not channels-last");
        Assert.Equal(ScalarType.Float32, ours.Gw.dtype);
        Assert.Equal(conv.weight.shape, ours.Gw.shape);
        foreach (var (name, a, b) in new[] { ("output", ours.Y, theirs.Y), ("input gradient", ours.Gx, theirs.Gx),
                     ("weight gradient", ours.Gw, theirs.Gw), ("bias gradient", ours.Gb, theirs.Gb) })
            Assert.True(RelativeError(a, b) < 1e-2, $"{name}s differ by {RelativeError(a, b):E2} of their norm");

        // The plain float32 computation: the product is within 1e-2 of it, or at most twice as far as the bfloat16 convolution.
        using var xf = x0.to_type(ScalarType.Float32);
        using var exact = nn.functional.conv2d(xf, conv.weight, conv.bias);
        Assert.True(RelativeError(ours.Y, exact) < Math.Max(2 * RelativeError(theirs.Y, exact), 1e-2),
            $"product {RelativeError(ours.Y, exact):E2}, convolution {RelativeError(theirs.Y, exact):E2} from float32");
    }

    /// <summary>Any other convolution or input goes to libtorch's convolution, with its values to the bit.</summary>
    [Fact]
    public void OtherFormsGoToTheConvolution()
    {
        using var pointwise = nn.Conv2d(16, 8, 1);
        using var wide = nn.Conv2d(16, 8, 3, padding: 1);
        using var strided = nn.Conv2d(16, 8, 1, stride: 2);
        using var small = ChannelsLast.Of(randn(2, 16, 6, 6).to_type(ScalarType.BFloat16));
        using var large = ChannelsLast.Of(randn(2, 16, 7, 7).to_type(ScalarType.BFloat16));
        using var plainOrder = randn(2, 16, 6, 6).to_type(ScalarType.BFloat16);
        using var single = ChannelsLast.Of(randn(2, 16, 6, 6));
        Assert.True(PointwiseConv.Handles(pointwise, small));
        Assert.False(PointwiseConv.Handles(pointwise, large));      // more than 36 pixels
        Assert.False(PointwiseConv.Handles(pointwise, plainOrder)); // not channels-last
        Assert.False(PointwiseConv.Handles(pointwise, single));     // float32
        Assert.False(PointwiseConv.Handles(wide, small));
        Assert.False(PointwiseConv.Handles(strided, small));
        using var _ = no_grad();
        using var byConv = nn.functional.conv2d(single, pointwise.weight, pointwise.bias);
        using var byCall = PointwiseConv.Call(pointwise, single);
        Assert.True(BitEqual(byCall, byConv));
        using var relu = nn.ReLU();
        using var r = PointwiseConv.Call(relu, small);
        Assert.True(BitEqual(r, small.relu()));
    }

    /// <summary>
    /// An Inception block on a 6x6 map (plain, and with batch norm, whose convolutions have no bias) trained one step in
    /// bf16 with its 1x1 convolutions as products and as libtorch's convolutions: outputs and every parameter's
    /// gradient within bfloat16 rounding of each other, the parameters' names the same.
    /// </summary>
    [Vector512Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ABlockComputesTheSameWithProducts(bool batchNorm)
    {
        var (block, x0, g) = Case(64, batchNorm, seed: 5);
        using var disposeBlock = block;
        using var disposeInput = x0;
        using var disposeGrad = g;
        var names = block.named_parameters().Select(p => p.name).ToArray();

        (Tensor Output, Tensor InputGrad, Dictionary<string, Tensor> Grads) Run(bool asProducts)
        {
            PointwiseConv.Enabled = asProducts;
            try
            {
                return Step(block, x0, g);
            }
            finally
            {
                PointwiseConv.Enabled = true;
            }
        }

        var (ourY, ourGx, ourGrads) = Run(asProducts: true);
        var (theirY, theirGx, theirGrads) = Run(asProducts: false);
        Assert.Equal(names, block.named_parameters().Select(p => p.name).ToArray());
        Assert.True(RelativeError(ourY, theirY) < 1e-2, $"outputs differ by {RelativeError(ourY, theirY):E2} of their norm");
        Assert.True(RelativeError(ourGx, theirGx) < 2e-2, $"input gradients differ by {RelativeError(ourGx, theirGx):E2} of their norm");
        foreach (var (name, theirs) in theirGrads)
            Assert.True(RelativeError(ourGrads[name], theirs) < 2e-2, $"gradient of {name} differs by {RelativeError(ourGrads[name], theirs):E2} of its norm");
    }
}
