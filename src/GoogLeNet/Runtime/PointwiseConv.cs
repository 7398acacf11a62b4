using TorchSharp.Modules;
using static TorchSharp.torch;

namespace GoogLeNet.Runtime;

/// <summary>
/// A 1x1 convolution of a small channels-last bfloat16 map computed as the matrix product it is: the batch's pixels
/// are the rows of an (N·H·W) x C_in matrix (a view of the channels-last input, no copy), multiplied by the
/// C_out x C_in weight, and the product is a view of the channels-last output. On maps of 6x6 pixels or fewer (the
/// chapter's network's last two stages) libtorch's convolution primitive spends a large part of its time on
/// blocking and reordering a few rows, and the product runs its forward and backward passes faster
/// (BENCHMARKS.md: 10-40 % per layer on the AVX-512/BF16 kind); on larger maps the convolution is the faster one.
/// The module, its parameters and their names stay those of the convolution; autograd differentiates the product
/// (and, under autocast, its casts) back to the same float32 weight and bias. Values and gradients agree with the
/// convolution's within bfloat16 rounding (the two sum the same products in another order).
/// </summary>
internal static class PointwiseConv
{
    /// <summary>The largest map (H·W pixels) computed as a matrix product: 6x6.</summary>
    internal const long MaxPixels = 36;

    [ThreadStatic]
    private static bool _disabled;

    /// <summary>False sends the calling thread's 1x1 convolutions to libtorch's convolution (the tests compare the two).</summary>
    internal static bool Enabled
    {
        get => !_disabled;
        set => _disabled = !value;
    }

    /// <summary><paramref name="layer"/> applied to <paramref name="x"/>: as a matrix product where <see cref="Handles"/> says so.</summary>
    public static Tensor Call(nn.Module<Tensor, Tensor> layer, Tensor x)
    {
        if (layer is not Conv2d conv || !Handles(conv, x))
            return layer.call(x);
        long[] shape = x.shape;
        long n = shape[0], h = shape[2], w = shape[3];
        using var pixels = x.permute(0, 2, 3, 1);
        using var rows = pixels.view(n * h * w, conv.in_channels);
        using var weight = conv.weight.view(conv.out_channels, conv.in_channels);
        using var product = nn.functional.linear(rows, weight, conv.bias);
        using var map = product.view(n, h, w, conv.out_channels);
        return map.permute(0, 3, 1, 2);
    }

    /// <summary>
    /// True for a plain 1x1 convolution (stride 1, no padding, one group) of a channels-last bfloat16 batch of at most
    /// <see cref="MaxPixels"/> pixels a map, on the CPU.
    /// </summary>
    internal static bool Handles(Conv2d conv, Tensor x) =>
        Enabled && x.dtype == ScalarType.BFloat16 && x.device_type == TorchSharp.DeviceType.CPU
        && x.shape is [_, var c, var h, var w] && h * w <= MaxPixels && c == conv.in_channels
        && conv.groups == 1 && !conv.transposed
        && conv.kernel_size is [1, 1] && conv.stride is [1, 1] && conv.dilation is [1, 1]
        && conv.padding is [0, 0] && conv.padding_type is null or TorchSharp.Padding.Valid
        && conv.padding_mode == TorchSharp.PaddingModes.Zeros
        && ChannelsLast.Is(x);
}
