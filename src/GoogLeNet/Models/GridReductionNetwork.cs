using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace GoogLeNet.Models;

/// <summary>
/// The layout that Inception-v3 and Inception-ResNet share at the chapter's scale: a stem down to a 12x12
/// grid, stage A, a grid reduction to 6x6, stage B, a grid reduction to 3x3, stage C, and the head. The
/// networks differ only in what the parts hold.
/// </summary>
public abstract class GridReductionNetwork : Classifier
{
    /// <summary>The parts, in forward order.</summary>
    protected sealed record Parts(Sequential Stem, Sequential StageA, ConcatBranches ReductionA, Sequential StageB,
        ConcatBranches ReductionB, Sequential StageC, Sequential Head);

    /// <summary>A network of the given parts, registered under their module names.</summary>
    /// <param name="name">The module name: the model's registered name, which checkpoints record.</param>
    /// <param name="inChannels">Channels of the input images.</param>
    /// <param name="numClasses">Number of classes, the length of each output score vector.</param>
    /// <param name="parts">The parts, which must fit together (each one's output channels the next one's input).</param>
    protected GridReductionNetwork(string name, int inChannels, int numClasses, Parts parts) : base(name, inChannels, numClasses)
    {
        // The module names (and so every state-dict key) are those the networks used when each declared its
        // own fields; ModelRegistryTests pins them, so older checkpoints keep loading.
        (string Module, string Stage, Module<Tensor, Tensor> Part)[] layout =
        [
            ("stem", "stem", parts.Stem), ("stageA", "stage-a", parts.StageA), ("reductionA", "reduction-a", parts.ReductionA),
            ("stageB", "stage-b", parts.StageB), ("reductionB", "reduction-b", parts.ReductionB),
            ("stageC", "stage-c", parts.StageC), ("head", "head", parts.Head),
        ];
        foreach (var (module, _, part) in layout)
            register_module(module, part);
        Stages = layout.Select(p => (p.Stage, p.Part)).ToArray();
    }

    /// <summary>stem, stage-a, reduction-a, stage-b, reduction-b, stage-c and head, in forward order.</summary>
    public sealed override IReadOnlyList<(string Name, Module<Tensor, Tensor> Module)> Stages { get; }
}
