using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace GoogLeNet.Models;

/// <summary>
/// Inception-ResNet (Szegedy et al. 2017, "Inception-v4, Inception-ResNet and the Impact of Residual
/// Connections") at the chapter's scale, for 1 x 96 x 96 inputs and 10 classes, batch norm throughout.
/// Follows the layout of Inception-ResNet-v1 (Figure 15) with fewer repeats and channels:
/// a 3x3-convolution stem to 256 x 12 x 12; three Inception-ResNet-A blocks (Figure 16, scale 0.17);
/// reduction A (Figure 7) to 896 x 6 x 6; four Inception-ResNet-B blocks (Figure 17, 1x5 and 5x1 where
/// the paper's 17x17 grid has 1x7 and 7x1; scale 0.10); reduction B (Figure 18) to 1792 x 3 x 3; two
/// Inception-ResNet-C blocks (Figure 19, scale 0.20); global average pooling, dropout 0.2, linear.
/// The paper has 5, 10 and 5 blocks and a 35x35 / 17x17 / 8x8 grid for 299x299 inputs.
/// </summary>
public sealed class InceptionResNet : GridReductionNetwork
{
    /// <summary>An Inception-ResNet with framework-default weights.</summary>
    /// <param name="inChannels">Channels of the input images.</param>
    /// <param name="numClasses">Number of classes, the length of each output score vector.</param>
    public InceptionResNet(int inChannels = 1, int numClasses = 10)
        : base("inception-resnet", inChannels, numClasses, Build(inChannels, numClasses))
    {
    }

    private static Parts Build(int inChannels, int numClasses)
    {
        var stem = Sequential(
            new ConvBnRelu(inChannels, 32, 3, stride: 2), // 48x48
            new ConvBnRelu(32, 64, 3),
            MaxPool2d(3, stride: 2, padding: 1), // 24x24
            new ConvBnRelu(64, 128, 1),
            new ConvBnRelu(128, 192, 3),
            MaxPool2d(3, stride: 2, padding: 1), // 12x12
            new ConvBnRelu(192, 256, 1));

        var stageA = Repeat(3, () => new ResidualInceptionBlock(new ConcatBranches("BranchesA", 32 + 32 + 64,
            Sequential(new ConvBnRelu(256, 32, 1)),
            Sequential(new ConvBnRelu(256, 32, 1), new ConvBnRelu(32, 32, 3)),
            Sequential(new ConvBnRelu(256, 32, 1), new ConvBnRelu(32, 48, 3), new ConvBnRelu(48, 64, 3))), 256, scale: 0.17));
        var reductionA = new ConcatBranches("ReductionA", 384 + 256 + 256,
            Sequential(new ConvBnRelu(256, 384, 3, stride: 2)),
            Sequential(new ConvBnRelu(256, 192, 1), new ConvBnRelu(192, 192, 3), new ConvBnRelu(192, 256, 3, stride: 2)),
            Sequential(MaxPool2d(3, stride: 2, padding: 1))); // 896 x 6 x 6

        var stageB = Repeat(4, () => new ResidualInceptionBlock(new ConcatBranches("BranchesB", 128 + 128,
            Sequential(new ConvBnRelu(896, 128, 1)),
            Sequential(new ConvBnRelu(896, 128, 1), new ConvBnRelu(128, 128, (1, 5)), new ConvBnRelu(128, 128, (5, 1)))), 896, scale: 0.10));
        var reductionB = new ConcatBranches("ReductionB", 384 + 256 + 256 + 896,
            Sequential(new ConvBnRelu(896, 256, 1), new ConvBnRelu(256, 384, 3, stride: 2)),
            Sequential(new ConvBnRelu(896, 256, 1), new ConvBnRelu(256, 256, 3, stride: 2)),
            Sequential(new ConvBnRelu(896, 256, 1), new ConvBnRelu(256, 256, 3), new ConvBnRelu(256, 256, 3, stride: 2)),
            Sequential(MaxPool2d(3, stride: 2, padding: 1))); // 1792 x 3 x 3

        var stageC = Repeat(2, () => new ResidualInceptionBlock(new ConcatBranches("BranchesC", 192 + 192,
            Sequential(new ConvBnRelu(1792, 192, 1)),
            Sequential(new ConvBnRelu(1792, 192, 1), new ConvBnRelu(192, 192, (1, 3)), new ConvBnRelu(192, 192, (3, 1)))), 1792, scale: 0.20));
        var head = Sequential(AdaptiveAvgPool2d(1), Flatten(start_dim: 1), Dropout(0.2), Linear(1792, numClasses));
        return new Parts(stem, stageA, reductionA, stageB, reductionB, stageC, head);
    }

    private static Sequential Repeat(int count, Func<Module<Tensor, Tensor>> block)
    {
        var stage = Sequential();
        for (int i = 0; i < count; i++)
            stage.append(block());
        return stage;
    }
}
