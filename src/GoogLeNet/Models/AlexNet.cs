using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace GoogLeNet.Models;

/// <summary>
/// AlexNet as the book defines it for Fashion-MNIST (section "Deep Convolutional Neural Networks"):
/// 224x224 input, five convolutions, three fully connected layers with dropout. The first fully connected
/// layer is sized for the 256 x 5 x 5 map that a 224x224 input leaves, so only sizes that end in a 5x5
/// map are accepted (<c>googlenet min-size --model alexnet</c> finds the range).
/// </summary>
public sealed class AlexNet : Classifier
{
    private readonly Sequential conv1;
    private readonly Sequential conv2;
    private readonly Sequential conv3;
    private readonly Sequential fc6;
    private readonly Sequential fc7;
    private readonly Linear fc8;

    /// <summary>An AlexNet with framework-default weights.</summary>
    /// <param name="inChannels">Channels of the input images.</param>
    /// <param name="numClasses">Number of classes, the length of each output score vector.</param>
    public AlexNet(int inChannels = 1, int numClasses = 10) : base("alexnet", inChannels, numClasses)
    {
        conv1 = Sequential(Conv2d(inChannels, 96, 11, stride: 4, padding: 1), ReLU(), MaxPool2d(3, stride: 2));
        conv2 = Sequential(Conv2d(96, 256, 5, padding: 2), ReLU(), MaxPool2d(3, stride: 2));
        conv3 = Sequential(
            Conv2d(256, 384, 3, padding: 1), ReLU(),
            Conv2d(384, 384, 3, padding: 1), ReLU(),
            Conv2d(384, 256, 3, padding: 1), ReLU(),
            MaxPool2d(3, stride: 2));
        fc6 = Sequential(Flatten(start_dim: 1), Linear(256 * 5 * 5, 4096), ReLU(), Dropout(0.5));
        fc7 = Sequential(Linear(4096, 4096), ReLU(), Dropout(0.5));
        fc8 = Linear(4096, numClasses);
        RegisterComponents();
        Stages = [("conv1", conv1), ("conv2", conv2), ("conv3-5", conv3), ("fc6", fc6), ("fc7", fc7), ("fc8", fc8)];
    }

    /// <summary>conv1, conv2, conv3-5 (three convolutions and a max-pool), fc6, fc7 and fc8, in forward order.</summary>
    public override IReadOnlyList<(string Name, Module<Tensor, Tensor> Module)> Stages { get; }
}
