using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace GoogLeNet.Models;

/// <summary>
/// An Inception-ResNet block (Szegedy et al. 2017, Figures 16-19 for v1): parallel branches, their
/// concatenation projected back to the input's channels by a linear 1x1 convolution (no ReLU), scaled and
/// added to the input, then ReLU. The scaling (0.1-0.3, section 3.3) keeps the sum stable early in training.
/// </summary>
public sealed class ResidualInceptionBlock : Module<Tensor, Tensor>, Interop.IOnnxExportable
{
    private readonly ConcatBranches branches;
    private readonly Conv2d project;
    private readonly double _scale;

    /// <summary>A residual block around <paramref name="branches"/>.</summary>
    /// <param name="branches">The parallel branches on the block's input.</param>
    /// <param name="channels">Channels of the block's input and output, which the projection restores.</param>
    /// <param name="scale">Factor on the projected branches before they are added to the input (0.1 to 0.3 in the paper).</param>
    public ResidualInceptionBlock(ConcatBranches branches, int channels, double scale) : base(nameof(ResidualInceptionBlock))
    {
        this.branches = branches;
        project = Conv2d(branches.OutChannels, channels, 1); // linear: bias, no norm, no ReLU
        _scale = scale;
        RegisterComponents();
    }

    /// <summary>ReLU(<paramref name="x"/> + scale x projection(branches(<paramref name="x"/>))).</summary>
    /// <param name="x">The input, N x channels x H x W; the output has the same shape.</param>
    public override Tensor forward(Tensor x)
    {
        using var mixed = branches.call(x);
        using var up = project.call(mixed);
        using var sum = up.mul(_scale).add_(x); // out * scale + x
        return functional.relu(sum);
    }

    Interop.OnnxValue Interop.IOnnxExportable.ToOnnx(Interop.OnnxGraphBuilder graph, Interop.OnnxValue x, string path)
    {
        var mixed = graph.Run(branches, x, path + ".branches");
        var up = graph.Run(project, mixed, path + ".project");
        return graph.Relu(graph.ScaledSum(up, _scale, x, path), path);
    }
}
