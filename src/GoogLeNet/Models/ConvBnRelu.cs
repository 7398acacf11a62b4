using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace GoogLeNet.Models;

/// <summary>Convolution without bias, batch normalisation, ReLU: the unit of the BN-era Inception networks.</summary>
public sealed class ConvBnRelu : Module<Tensor, Tensor>, Interop.IOnnxExportable
{
    private readonly Conv2d conv;
    private readonly BatchNorm2d bn;

    /// <summary>A unit with a rectangular kernel (1 x n, n x 1 in the factorised Inception blocks).</summary>
    /// <param name="inChannels">Channels of the input.</param>
    /// <param name="outChannels">Channels of the output.</param>
    /// <param name="kernel">Height and width of the kernel.</param>
    /// <param name="stride">Stride in both directions.</param>
    /// <param name="padding">Zero padding in height and width; null for half the kernel on each axis, which keeps the size for odd kernels at stride 1.</param>
    public ConvBnRelu(int inChannels, int outChannels, (int H, int W) kernel, int stride = 1, (int H, int W)? padding = null)
        : base(nameof(ConvBnRelu))
    {
        var pad = padding ?? (kernel.H / 2, kernel.W / 2); // "same" padding unless told otherwise
        conv = Conv2d(inChannels, outChannels, (kernel.H, kernel.W), stride: (stride, stride), padding: (pad.H, pad.W), bias: false);
        bn = BatchNorm2d(outChannels);
        RegisterComponents();
        OutChannels = outChannels;
    }

    /// <summary>A unit with a square kernel.</summary>
    /// <param name="inChannels">Channels of the input.</param>
    /// <param name="outChannels">Channels of the output.</param>
    /// <param name="kernel">Side of the kernel.</param>
    /// <param name="stride">Stride in both directions.</param>
    /// <param name="padding">Zero padding on every side; null for half the kernel, which keeps the size for odd kernels at stride 1.</param>
    public ConvBnRelu(int inChannels, int outChannels, int kernel, int stride = 1, int? padding = null)
        : this(inChannels, outChannels, (kernel, kernel), stride, padding is { } p ? (p, p) : null)
    {
    }

    /// <summary>Channels of the output.</summary>
    public int OutChannels { get; }

    /// <summary>Convolution, batch normalisation and ReLU of <paramref name="x"/>.</summary>
    /// <param name="x">The input, N x inChannels x H x W.</param>
    public override Tensor forward(Tensor x)
    {
        using var y = conv.call(x);
        using var z = bn.call(y);
        return functional.relu(z);
    }

    Interop.OnnxValue Interop.IOnnxExportable.ToOnnx(Interop.OnnxGraphBuilder graph, Interop.OnnxValue x, string path) =>
        graph.Relu(graph.Run(bn, graph.Run(conv, x, path + ".conv"), path + ".bn"), path);
}
