using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace GoogLeNet.Models;

/// <summary>
/// Parallel branches on one input, concatenated on the channel axis: the shape shared by the Inception-v3
/// blocks and the reduction blocks, which differ only in what their branches hold.
/// </summary>
public sealed class ConcatBranches : Module<Tensor, Tensor>, Interop.IOnnxExportable
{
    private readonly ModuleList<Module<Tensor, Tensor>> branches = new();

    /// <summary>A module named <paramref name="name"/> that runs <paramref name="parts"/> side by side.</summary>
    /// <param name="name">The module name.</param>
    /// <param name="outChannels">Channels of the concatenated output: the sum of the branches' output channels (not checked).</param>
    /// <param name="parts">The branches, each applied to the same input; they must give outputs of the same height and width.</param>
    public ConcatBranches(string name, int outChannels, params Module<Tensor, Tensor>[] parts) : base(name)
    {
        foreach (var part in parts)
            branches.Add(part);
        OutChannels = outChannels;
        RegisterComponents();
    }

    /// <summary>Channels of the concatenated output, as given to the constructor.</summary>
    public int OutChannels { get; }

    /// <summary>Every branch's output for <paramref name="x"/>, concatenated on the channel axis.</summary>
    /// <param name="x">The block's input, N x C x H x W.</param>
    public override Tensor forward(Tensor x)
    {
        var outputs = branches.Select(b => b.call(x)).ToArray();
        try
        {
            return cat(outputs, dim: 1);
        }
        finally
        {
            foreach (var o in outputs)
                o.Dispose();
        }
    }

    Interop.OnnxValue Interop.IOnnxExportable.ToOnnx(Interop.OnnxGraphBuilder graph, Interop.OnnxValue x, string path) =>
        graph.Concat(branches.Select((b, i) => graph.Run(b, x, $"{path}.branches.{i}")).ToArray(), path);
}
