using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace GoogLeNet.Models;

/// <summary>
/// VGG-11 as the book defines it (section "Networks Using Blocks"): five VGG blocks of 3x3 convolutions
/// with conv_arch ((1, 64), (1, 128), (2, 256), (2, 512), (2, 512)), each ending in a 2x2 max-pool, then
/// three fully connected layers. The first is sized for the 512 x 7 x 7 map of a 224x224 input.
/// The constructor's <c>channelDivisor</c> is the book's training shortcut (channels / 4, "small_conv_arch").
/// </summary>
public sealed class Vgg11 : Classifier
{
    /// <summary>(convolutions, output channels) of each block.</summary>
    public static readonly IReadOnlyList<(int Convs, int Channels)> ConvArch = [(1, 64), (1, 128), (2, 256), (2, 512), (2, 512)];

    private readonly ModuleList<Module<Tensor, Tensor>> blocks = new();
    private readonly Sequential fc6;
    private readonly Sequential fc7;
    private readonly Linear fc8;

    /// <summary>A VGG-11 with framework-default weights.</summary>
    /// <param name="inChannels">Channels of the input images.</param>
    /// <param name="numClasses">Number of classes, the length of each output score vector.</param>
    /// <param name="channelDivisor">Divides every block's channels: 1 for VGG-11 itself, 4 for the book's <c>small_conv_arch</c>.</param>
    public Vgg11(int inChannels = 1, int numClasses = 10, int channelDivisor = 1) : base("vgg11", inChannels, numClasses)
    {
        int channels = inChannels;
        var stages = new List<(string, Module<Tensor, Tensor>)>();
        foreach (var (convs, outChannels) in ConvArch)
        {
            int width = outChannels / channelDivisor;
            var block = Sequential();
            for (int i = 0; i < convs; i++)
            {
                block.append(Conv2d(channels, width, 3, padding: 1));
                block.append(ReLU());
                channels = width;
            }
            block.append(MaxPool2d(2, stride: 2));
            blocks.Add(block);
            stages.Add(($"block{blocks.Count}", block));
        }
        fc6 = Sequential(Flatten(start_dim: 1), Linear(channels * 7 * 7, 4096), ReLU(), Dropout(0.5));
        fc7 = Sequential(Linear(4096, 4096), ReLU(), Dropout(0.5));
        fc8 = Linear(4096, numClasses);
        RegisterComponents();
        stages.AddRange([("fc6", fc6), ("fc7", fc7), ("fc8", fc8)]);
        Stages = stages;
    }

    /// <summary>block1 to block5, fc6, fc7 and fc8, in forward order.</summary>
    public override IReadOnlyList<(string Name, Module<Tensor, Tensor> Module)> Stages { get; }
}
