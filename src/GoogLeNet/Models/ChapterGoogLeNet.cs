using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace GoogLeNet.Models;

/// <summary>
/// The simplified GoogLeNet of "Dive into Deep Learning" (section "Networks with Parallel Concatenations"):
/// a stem of plain convolutions (b1, b2), nine Inception blocks in three stages (b3..b5) with stride-2
/// max-pools between them, global average pooling and one linear layer. For a 1 x 96 x 96 input the stages
/// give 64x24x24, 192x12x12, 480x6x6, 832x3x3, 1024 and the class scores.
/// </summary>
/// <remarks>
/// Follows the chapter's text (and the 2014 paper) where the chapter's PyTorch cell departs from it:
/// that cell has no ReLU after b2's 3x3 convolution and uses adaptive max pooling at the end of b5.
/// Here every convolution is followed by a ReLU and b5 ends with global average pooling, as in the text and
/// in the chapter's MXNet and TensorFlow cells. The parameter count is the same either way.
/// </remarks>
public sealed class ChapterGoogLeNet : Classifier
{
    /// <summary>The nine Inception blocks of the chapter, stage by stage.</summary>
    public static readonly IReadOnlyList<IReadOnlyList<InceptionSpec>> StageSpecs =
    [
        // b3
        [new(64, 96, 128, 16, 32, 32), new(128, 128, 192, 32, 96, 64)],
        // b4
        [new(192, 96, 208, 16, 48, 64), new(160, 112, 224, 24, 64, 64), new(128, 128, 256, 24, 64, 64),
         new(112, 144, 288, 32, 64, 64), new(256, 160, 320, 32, 128, 128)],
        // b5
        [new(256, 160, 320, 32, 128, 128), new(384, 192, 384, 48, 128, 128)],
    ];

    private readonly Sequential b1;
    private readonly Sequential b2;
    private readonly Sequential b3;
    private readonly Sequential b4;
    private readonly Sequential b5;
    private readonly Linear head;

    /// <summary>The chapter's network with framework-default weights.</summary>
    /// <param name="inChannels">Channels of the input images.</param>
    /// <param name="numClasses">Number of classes, the length of each output score vector.</param>
    /// <param name="batchNorm">
    /// Batch normalisation after every convolution (the chapter's first exercise; Ioffe and Szegedy 2015):
    /// the registry's <c>googlenet-bn</c>.
    /// </param>
    public ChapterGoogLeNet(int inChannels = 1, int numClasses = 10, bool batchNorm = false)
        : base(batchNorm ? "googlenet-bn" : "googlenet", inChannels, numClasses)
    {
        bool bn = batchNorm;
        b1 = Sequential([
            .. ConvLayers.Of(inChannels, 64, 7, stride: 2, padding: 3, bn: bn),
            new MaxPool(3, stride: 2, padding: 1)]);
        b2 = Sequential([
            .. ConvLayers.Of(64, 64, 1, bn: bn),
            .. ConvLayers.Of(64, 192, 3, padding: 1, bn: bn), // the chapter's PyTorch cell has no ReLU after this conv
            new MaxPool(3, stride: 2, padding: 1)]);

        int channels = 192;
        b3 = InceptionStage(StageSpecs[0], ref channels, bn, pool: new MaxPool(3, stride: 2, padding: 1));
        b4 = InceptionStage(StageSpecs[1], ref channels, bn, pool: new MaxPool(3, stride: 2, padding: 1));
        // The chapter's PyTorch cell uses AdaptiveMaxPool2d here; the text says global average pooling.
        b5 = InceptionStage(StageSpecs[2], ref channels, bn, pool: AdaptiveAvgPool2d(1));
        b5.append(Flatten(start_dim: 1));
        head = Linear(channels, numClasses);
        RegisterComponents();

        Stages = [("b1", b1), ("b2", b2), ("b3", b3), ("b4", b4), ("b5", b5), ("head", head)];
    }

    /// <summary>b1, b2, b3, b4, b5 (ending in global average pooling, flattened) and head, in forward order.</summary>
    public override IReadOnlyList<(string Name, Module<Tensor, Tensor> Module)> Stages { get; }

    private static Sequential InceptionStage(IReadOnlyList<InceptionSpec> specs, ref int channels, bool bn, Module<Tensor, Tensor> pool)
    {
        var stage = Sequential();
        foreach (var spec in specs)
        {
            stage.append(new InceptionBlock(channels, spec, bn));
            channels = spec.OutChannels;
        }
        stage.append(pool);
        return stage;
    }
}
