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

    public sealed override IReadOnlyList<(string Name, Module<Tensor, Tensor> Module)> Stages { get; }
}
