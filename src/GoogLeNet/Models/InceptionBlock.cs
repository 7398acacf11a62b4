using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace GoogLeNet.Models;

/// <summary>
/// The chapter's Inception block: four parallel paths whose outputs are concatenated on the channel axis.
/// Every path keeps the spatial size, so the block changes only the number of channels.
/// </summary>
public sealed class InceptionBlock : Module<Tensor, Tensor>, Interop.IOnnxExportable
{
    private readonly Sequential p1;
    private readonly Sequential p2;
    private readonly Sequential p3;
    private readonly Sequential p4;
    private readonly Module<Tensor, Tensor>[][] paths;

    /// <summary>A block on an input of <paramref name="inChannels"/> channels with the paths of <paramref name="spec"/>.</summary>
    /// <param name="inChannels">Channels of the input.</param>
    /// <param name="spec">Output channels of the four paths.</param>
    /// <param name="batchNorm">Conv (without bias), batch norm, ReLU instead of conv, ReLU (Ioffe and Szegedy 2015).</param>
    public InceptionBlock(int inChannels, InceptionSpec spec, bool batchNorm = false) : base(nameof(InceptionBlock))
    {
        Spec = spec;
        bool bn = batchNorm;
        paths =
        [
            [.. ConvLayers.Of(inChannels, spec.C1, 1, bn: bn)],
            [.. ConvLayers.Of(inChannels, spec.C2Reduce, 1, bn: bn), .. ConvLayers.Of(spec.C2Reduce, spec.C2, 3, padding: 1, bn: bn)],
            [.. ConvLayers.Of(inChannels, spec.C3Reduce, 1, bn: bn), .. ConvLayers.Of(spec.C3Reduce, spec.C3, 5, padding: 2, bn: bn)],
            [new MaxPool(3, stride: 1, padding: 1), .. ConvLayers.Of(inChannels, spec.C4, 1, bn: bn)],
        ];
        p1 = Sequential(paths[0]);
        p2 = Sequential(paths[1]);
        p3 = Sequential(paths[2]);
        p4 = Sequential(paths[3]);
        RegisterComponents();
    }

    /// <summary>Output channels of the four paths.</summary>
    public InceptionSpec Spec { get; }

    /// <summary>The four paths' outputs concatenated on the channel axis.</summary>
    /// <param name="x">The input, N x inChannels x H x W.</param>
    /// <returns>N x <see cref="InceptionSpec.OutChannels"/> x H x W.</returns>
    /// <remarks>
    /// Every path ends in a ReLU. Under bf16 mixed precision on channels-last activations the four ReLUs and the
    /// concatenation run as one pass of the library's kernels (<c>Runtime.ReluConcat</c>), with the same values and
    /// gradients; the ReLU modules are then not called. There, too, the 1x1 convolutions of maps of 6x6 or fewer
    /// pixels run as matrix products of the same parameters (<c>Runtime.PointwiseConv</c>).
    /// </remarks>
    public override Tensor forward(Tensor x)
    {
        if (Runtime.ReluConcat.Expects(x))
        {
            using var z1 = UpToLastRelu(paths[0], x);
            using var z2 = UpToLastRelu(paths[1], x);
            using var z3 = UpToLastRelu(paths[2], x);
            using var z4 = UpToLastRelu(paths[3], x);
            return Runtime.ReluConcat.Apply(z1, z2, z3, z4);
        }
        using var y1 = p1.call(x);
        using var y2 = p2.call(x);
        using var y3 = p3.call(x);
        using var y4 = p4.call(x);
        return cat([y1, y2, y3, y4], dim: 1);
    }

    /// <summary>
    /// A path's layers but its last (its ReLU) applied to <paramref name="x"/>, its 1x1 convolutions of small maps as
    /// matrix products (<c>Runtime.PointwiseConv</c>).
    /// </summary>
    private static Tensor UpToLastRelu(Module<Tensor, Tensor>[] layers, Tensor x)
    {
        var y = Runtime.PointwiseConv.Call(layers[0], x);
        for (int i = 1; i < layers.Length - 1; i++)
        {
            var next = Runtime.PointwiseConv.Call(layers[i], y);
            y.Dispose();
            y = next;
        }
        return y;
    }

    Interop.OnnxValue Interop.IOnnxExportable.ToOnnx(Interop.OnnxGraphBuilder graph, Interop.OnnxValue x, string path) =>
        graph.Concat([graph.Run(p1, x, path + ".p1"), graph.Run(p2, x, path + ".p2"), graph.Run(p3, x, path + ".p3"), graph.Run(p4, x, path + ".p4")], path);
}
