using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace GoogLeNet.Models;

/// <summary>
/// The ideas of Inception-v3 (Szegedy et al. 2016, "Rethinking the Inception Architecture") at the
/// chapter's scale, for 1 x 96 x 96 inputs and 10 classes. Batch norm after every convolution.
/// <list type="bullet">
/// <item>Stem: 3x3 convolutions instead of the 7x7 (section 3.1), 96 -> 12 over two stride-2 steps.</item>
/// <item>Stage A, 12x12 (Figure 5): the 5x5 path factorised into two 3x3 convolutions; two blocks.</item>
/// <item>Grid reduction 12 -> 6 (Figure 10): stride-2 convolutions beside a stride-2 pool, concatenated,
/// instead of a plain max-pool that would lose information.</item>
/// <item>Stage B, 6x6 (Figure 6): n x n factorised into 1 x n then n x 1, with n = 5 (the paper's 7 is
/// sized for its 17x17 grid); two blocks (the paper has four).</item>
/// <item>Grid reduction 6 -> 3, then stage C, 3x3 (Figure 7): the expanded filter bank whose 3x3 paths
/// split into parallel 1x3 and 3x1 outputs; one block (the paper has two).</item>
/// <item>Global average pooling, dropout 0.2, one linear layer. No auxiliary classifier: at this depth
/// and with batch norm it is not needed (the paper found it acts mainly as a regulariser).</item>
/// </list>
/// Channel widths are those of torchvision's inception_v3 up to stage B, with stage B's 1 x n width at 128.
/// </summary>
public sealed class InceptionV3 : GridReductionNetwork
{
    private const int N = 5;

    /// <summary>An Inception-v3 with framework-default weights.</summary>
    /// <param name="inChannels">Channels of the input images.</param>
    /// <param name="numClasses">Number of classes, the length of each output score vector.</param>
    public InceptionV3(int inChannels = 1, int numClasses = 10) : base("inception-v3", inChannels, numClasses, Build(inChannels, numClasses))
    {
    }

    private static Parts Build(int inChannels, int numClasses)
    {
        var stem = Sequential(
            new ConvBnRelu(inChannels, 32, 3, stride: 2), // 48x48
            new ConvBnRelu(32, 32, 3),
            new ConvBnRelu(32, 64, 3),
            MaxPool2d(3, stride: 2, padding: 1), // 24x24
            new ConvBnRelu(64, 80, 1),
            new ConvBnRelu(80, 192, 3),
            MaxPool2d(3, stride: 2, padding: 1)); // 12x12

        var a1 = BlockA(192, poolFeatures: 32);
        var a2 = BlockA(a1.OutChannels, poolFeatures: 64);
        var stageA = Sequential(a1, a2); // 288 x 12 x 12
        var reductionA = GridReductionA(a2.OutChannels); // 768 x 6 x 6
        var b1 = BlockB(reductionA.OutChannels, 128);
        var b2 = BlockB(b1.OutChannels, 128);
        var stageB = Sequential(b1, b2); // 768 x 6 x 6
        var reductionB = GridReductionB(b2.OutChannels); // 1280 x 3 x 3
        var c1 = BlockC(reductionB.OutChannels);
        var stageC = Sequential(c1); // 2048 x 3 x 3
        var head = Sequential(AdaptiveAvgPool2d(1), Flatten(start_dim: 1), Dropout(0.2), Linear(c1.OutChannels, numClasses));
        return new Parts(stem, stageA, reductionA, stageB, reductionB, stageC, head);
    }

    /// <summary>
    /// Figure 5: 1x1 | 1x1 -> 3x3 | 1x1 -> 3x3 -> 3x3 (the 5x5 path, factorised) | pool -> 1x1.
    /// (Torchvision's inception_v3 keeps a 5x5 convolution in this block; the figure does not.)
    /// </summary>
    private static ConcatBranches BlockA(int cin, int poolFeatures) => new("InceptionA", 64 + 64 + 96 + poolFeatures,
        Sequential(new ConvBnRelu(cin, 64, 1)),
        Sequential(new ConvBnRelu(cin, 48, 1), new ConvBnRelu(48, 64, 3)),
        Sequential(new ConvBnRelu(cin, 64, 1), new ConvBnRelu(64, 96, 3), new ConvBnRelu(96, 96, 3)),
        Sequential(AvgPool2d(3, stride: 1, padding: 1), new ConvBnRelu(cin, poolFeatures, 1)));

    /// <summary>Figure 10: stride-2 convolutions beside a stride-2 max-pool.</summary>
    private static ConcatBranches GridReductionA(int cin) => new("ReductionA", 384 + 96 + cin,
        Sequential(new ConvBnRelu(cin, 384, 3, stride: 2)),
        Sequential(new ConvBnRelu(cin, 64, 1), new ConvBnRelu(64, 96, 3), new ConvBnRelu(96, 96, 3, stride: 2)),
        Sequential(MaxPool2d(3, stride: 2, padding: 1)));

    /// <summary>Figure 6: n x n as 1 x n followed by n x 1.</summary>
    private static ConcatBranches BlockB(int cin, int c) => new("InceptionB", 4 * 192,
        Sequential(new ConvBnRelu(cin, 192, 1)),
        Sequential(new ConvBnRelu(cin, c, 1), new ConvBnRelu(c, c, (1, N)), new ConvBnRelu(c, 192, (N, 1))),
        Sequential(new ConvBnRelu(cin, c, 1), new ConvBnRelu(c, c, (N, 1)), new ConvBnRelu(c, c, (1, N)),
                   new ConvBnRelu(c, c, (N, 1)), new ConvBnRelu(c, 192, (1, N))),
        Sequential(AvgPool2d(3, stride: 1, padding: 1), new ConvBnRelu(cin, 192, 1)));

    private static ConcatBranches GridReductionB(int cin) => new("ReductionB", 320 + 192 + cin,
        Sequential(new ConvBnRelu(cin, 192, 1), new ConvBnRelu(192, 320, 3, stride: 2)),
        Sequential(new ConvBnRelu(cin, 192, 1), new ConvBnRelu(192, 192, (1, N)), new ConvBnRelu(192, 192, (N, 1)),
                   new ConvBnRelu(192, 192, 3, stride: 2)),
        Sequential(MaxPool2d(3, stride: 2, padding: 1)));

    /// <summary>Figure 7: the 3x3 paths end in parallel 1x3 and 3x1 convolutions, all concatenated.</summary>
    private static ConcatBranches BlockC(int cin) => new("InceptionC", 320 + 2 * 384 + 2 * 384 + 192,
        Sequential(new ConvBnRelu(cin, 320, 1)),
        Sequential(new ConvBnRelu(cin, 384, 1), new ConcatBranches("Split", 768,
            new ConvBnRelu(384, 384, (1, 3)), new ConvBnRelu(384, 384, (3, 1)))),
        Sequential(new ConvBnRelu(cin, 448, 1), new ConvBnRelu(448, 384, 3), new ConcatBranches("Split", 768,
            new ConvBnRelu(384, 384, (1, 3)), new ConvBnRelu(384, 384, (3, 1)))),
        Sequential(AvgPool2d(3, stride: 1, padding: 1), new ConvBnRelu(cin, 192, 1)));
}
