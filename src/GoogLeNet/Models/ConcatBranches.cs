using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace GoogLeNet.Models;

/// <summary>
/// Parallel branches on one input, concatenated on the channel axis: the shape shared by the Inception-v3
/// blocks and the reduction blocks, which differ only in what their branches hold.
/// </summary>
public sealed class ConcatBranches : Module<Tensor, Tensor>
{
    private readonly ModuleList<Module<Tensor, Tensor>> branches = new();

    public ConcatBranches(string name, int outChannels, params Module<Tensor, Tensor>[] parts) : base(name)
    {
        foreach (var part in parts)
            branches.Add(part);
        OutChannels = outChannels;
        RegisterComponents();
    }

    public int OutChannels { get; }

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
}
