using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace GoogLeNet.Models;

/// <summary>
/// The chapter's Inception block: four parallel paths whose outputs are concatenated on the channel axis.
/// Every path keeps the spatial size, so the block changes only the number of channels.
/// </summary>
public sealed class InceptionBlock : Module<Tensor, Tensor>
{
    private readonly Sequential p1;
    private readonly Sequential p2;
    private readonly Sequential p3;
    private readonly Sequential p4;

    public InceptionBlock(int inChannels, InceptionSpec spec) : base(nameof(InceptionBlock))
    {
        Spec = spec;
        p1 = Sequential(
            Conv2d(inChannels, spec.C1, kernel_size: 1), ReLU());
        p2 = Sequential(
            Conv2d(inChannels, spec.C2Reduce, kernel_size: 1), ReLU(),
            Conv2d(spec.C2Reduce, spec.C2, kernel_size: 3, padding: 1), ReLU());
        p3 = Sequential(
            Conv2d(inChannels, spec.C3Reduce, kernel_size: 1), ReLU(),
            Conv2d(spec.C3Reduce, spec.C3, kernel_size: 5, padding: 2), ReLU());
        p4 = Sequential(
            MaxPool2d(kernel_size: 3, stride: 1, padding: 1),
            Conv2d(inChannels, spec.C4, kernel_size: 1), ReLU());
        RegisterComponents();
    }

    public InceptionSpec Spec { get; }

    public override Tensor forward(Tensor x)
    {
        using var y1 = p1.call(x);
        using var y2 = p2.call(x);
        using var y3 = p3.call(x);
        using var y4 = p4.call(x);
        return cat([y1, y2, y3, y4], dim: 1);
    }
}
