using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace GoogLeNet.Models;

/// <summary>
/// The layers of one convolution unit, to be spread into a Sequential: conv + ReLU, or with batch norm
/// conv (no bias: the norm's shift replaces it) + BatchNorm2d + ReLU. Kept flat rather than wrapped in a
/// module of its own so that the plain network's parameter names stay those of the chapter's layout.
/// </summary>
public static class ConvLayers
{
    /// <summary>The layers of one convolution unit with a square kernel, in order.</summary>
    /// <param name="inChannels">Channels of the input.</param>
    /// <param name="outChannels">Channels of the output.</param>
    /// <param name="kernel">Side of the kernel.</param>
    /// <param name="stride">Stride in both directions.</param>
    /// <param name="padding">Zero padding on every side.</param>
    /// <param name="bn">Add batch normalisation between the convolution (then without bias) and the ReLU.</param>
    public static Module<Tensor, Tensor>[] Of(int inChannels, int outChannels, int kernel, int stride = 1, int padding = 0, bool bn = false) =>
        bn
            ? [Conv2d(inChannels, outChannels, kernel, stride: stride, padding: padding, bias: false), BatchNorm2d(outChannels), ReLU()]
            : [Conv2d(inChannels, outChannels, kernel, stride: stride, padding: padding), ReLU()];
}
