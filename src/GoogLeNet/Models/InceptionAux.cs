using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace GoogLeNet.Models;

/// <summary>
/// An auxiliary classifier of the 2014 GoogLeNet: average pool to 4x4 (the paper's 5x5/3 pool gives 4x4
/// on its 14x14 maps; an adaptive pool gives 4x4 from any map, so the network also trains at 96x96),
/// 1x1 conv 128 + ReLU, FC 1024 + ReLU, dropout 0.7, FC to the classes.
/// </summary>
public sealed class InceptionAux : Module<Tensor, Tensor>
{
    private readonly Sequential layers;

    /// <summary>An auxiliary classifier on a map of <paramref name="inChannels"/> channels.</summary>
    /// <param name="inChannels">Channels of the Inception block output it reads.</param>
    /// <param name="numClasses">Number of classes, the length of each output score vector.</param>
    public InceptionAux(int inChannels, int numClasses) : base(nameof(InceptionAux))
    {
        layers = Sequential(
            AdaptiveAvgPool2d(4),
            Conv2d(inChannels, 128, 1), ReLU(),
            Flatten(start_dim: 1),
            Linear(128 * 4 * 4, 1024), ReLU(),
            Dropout(0.7),
            Linear(1024, numClasses));
        RegisterComponents();
    }

    /// <summary>Class scores (logits) from a feature map of any height and width.</summary>
    /// <param name="x">The feature map, N x inChannels x H x W.</param>
    /// <returns>N x numClasses scores.</returns>
    public override Tensor forward(Tensor x) => layers.call(x);
}
