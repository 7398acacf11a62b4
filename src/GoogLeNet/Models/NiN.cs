using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace GoogLeNet.Models;

/// <summary>
/// Network in Network as the book defines it (section "Network in Network"): four NiN blocks (a
/// convolution followed by two 1x1 convolutions, ReLU after each) with max-pools between them, the last
/// block producing one channel per class, then global average pooling instead of fully connected layers.
/// </summary>
public sealed class NiN : Classifier
{
    private readonly Sequential nin1;
    private readonly Sequential nin2;
    private readonly Sequential nin3;
    private readonly Sequential nin4;
    private readonly Sequential head;

    /// <summary>A Network in Network with framework-default weights.</summary>
    /// <param name="inChannels">Channels of the input images.</param>
    /// <param name="numClasses">Number of classes, the length of each output score vector.</param>
    public NiN(int inChannels = 1, int numClasses = 10) : base("nin", inChannels, numClasses)
    {
        nin1 = Sequential([.. Block(inChannels, 96, 11, 4, 0), MaxPool2d(3, stride: 2)]);
        nin2 = Sequential([.. Block(96, 256, 5, 1, 2), MaxPool2d(3, stride: 2)]);
        nin3 = Sequential([.. Block(256, 384, 3, 1, 1), MaxPool2d(3, stride: 2), Dropout(0.5)]);
        nin4 = Sequential(Block(384, numClasses, 3, 1, 1));
        head = Sequential(AdaptiveAvgPool2d(1), Flatten(start_dim: 1));
        RegisterComponents();
        Stages = [("nin1", nin1), ("nin2", nin2), ("nin3", nin3), ("nin4", nin4), ("head", head)];
    }

    /// <summary>nin1, nin2, nin3, nin4 and head (global average pooling, flattened), in forward order.</summary>
    public override IReadOnlyList<(string Name, Module<Tensor, Tensor> Module)> Stages { get; }

    private static Module<Tensor, Tensor>[] Block(int inChannels, int outChannels, int kernel, int stride, int padding) =>
    [
        Conv2d(inChannels, outChannels, kernel, stride: stride, padding: padding), ReLU(),
        Conv2d(outChannels, outChannels, 1), ReLU(),
        Conv2d(outChannels, outChannels, 1), ReLU(),
    ];
}
