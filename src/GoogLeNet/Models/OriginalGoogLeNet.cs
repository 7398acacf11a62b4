using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace GoogLeNet.Models;

/// <summary>The main classifier's scores and, in training, the two auxiliary classifiers'.</summary>
public sealed record GoogLeNetOutput(Tensor Logits, Tensor? Aux1, Tensor? Aux2);

/// <summary>
/// The network the chapter simplifies: GoogLeNet as in Szegedy et al. 2014, "Going deeper with
/// convolutions" (Table 1 and Figure 3). Compared with the chapter's version it adds local response
/// normalisation (size 5, alpha 1e-4, beta 0.75) after the first max-pool and after the stem's 3x3
/// convolution, ceil-mode max-pools, dropout 0.4 before the classifier, and two auxiliary classifiers on
/// Inception 4a and 4d whose losses count 0.3 each in training; evaluation and prediction do not run them.
/// Without the auxiliary heads it has the chapter network's layers exactly (6,998,552 parameters for 3 x
/// 224 x 224 inputs and 1,000 classes; 13,378,280 with them).
/// </summary>
public sealed class OriginalGoogLeNet : Classifier
{
    /// <summary>Weight of each auxiliary loss in the training loss (the paper's 0.3).</summary>
    public const double AuxLossWeight = 0.3;

    private readonly Sequential conv1;
    private readonly Sequential conv2;
    private readonly InceptionBlock inception3a;
    private readonly InceptionBlock inception3b;
    private readonly MaxPool2d pool3;
    private readonly InceptionBlock inception4a;
    private readonly InceptionBlock inception4b;
    private readonly InceptionBlock inception4c;
    private readonly InceptionBlock inception4d;
    private readonly InceptionBlock inception4e;
    private readonly MaxPool2d pool4;
    private readonly InceptionBlock inception5a;
    private readonly InceptionBlock inception5b;
    private readonly Sequential head;
    private readonly InceptionAux aux1;
    private readonly InceptionAux aux2;

    /// <summary>The 2014 network with framework-default weights; by default for the paper's 3-channel images and 1,000 classes.</summary>
    /// <param name="inChannels">Channels of the input images.</param>
    /// <param name="numClasses">Number of classes, the length of each output score vector.</param>
    public OriginalGoogLeNet(int inChannels = 3, int numClasses = 1000) : base("googlenet-original", inChannels, numClasses)
    {
        conv1 = Sequential(
            Conv2d(inChannels, 64, 7, stride: 2, padding: 3), ReLU(),
            MaxPool2d(3, stride: 2, ceil_mode: true),
            LocalResponseNorm(5, alpha: 1e-4, beta: 0.75));
        conv2 = Sequential(
            Conv2d(64, 64, 1), ReLU(),
            Conv2d(64, 192, 3, padding: 1), ReLU(),
            LocalResponseNorm(5, alpha: 1e-4, beta: 0.75),
            MaxPool2d(3, stride: 2, ceil_mode: true));

        // The same nine blocks as the chapter's network (Table 1 of the paper).
        var specs = ChapterGoogLeNet.StageSpecs.SelectMany(s => s).ToList();
        int channels = 192;
        InceptionBlock Next(InceptionSpec spec)
        {
            var block = new InceptionBlock(channels, spec);
            channels = spec.OutChannels;
            return block;
        }
        inception3a = Next(specs[0]);
        inception3b = Next(specs[1]);
        pool3 = MaxPool2d(3, stride: 2, ceil_mode: true);
        inception4a = Next(specs[2]);
        int aux1Channels = channels;
        inception4b = Next(specs[3]);
        inception4c = Next(specs[4]);
        inception4d = Next(specs[5]);
        int aux2Channels = channels;
        inception4e = Next(specs[6]);
        pool4 = MaxPool2d(3, stride: 2, ceil_mode: true);
        inception5a = Next(specs[7]);
        inception5b = Next(specs[8]);
        head = Sequential(AdaptiveAvgPool2d(1), Flatten(start_dim: 1), Dropout(0.4), Linear(channels, numClasses));
        aux1 = new InceptionAux(aux1Channels, numClasses);
        aux2 = new InceptionAux(aux2Channels, numClasses);
        RegisterComponents();

        Stages =
        [
            ("conv1", conv1), ("conv2", conv2), ("3a", inception3a), ("3b", inception3b), ("pool3", pool3),
            ("4a", inception4a), ("4b", inception4b), ("4c", inception4c), ("4d", inception4d), ("4e", inception4e), ("pool4", pool4),
            ("5a", inception5a), ("5b", inception5b), ("head", head),
        ];
    }

    /// <summary>The main path only; the auxiliary heads are not part of it.</summary>
    public override IReadOnlyList<(string Name, Module<Tensor, Tensor> Module)> Stages { get; }

    /// <summary>Parameters of the two auxiliary heads (used in training only).</summary>
    public long AuxiliaryParameters => aux1.parameters().Concat(aux2.parameters()).Sum(p => p.numel());

    /// <summary>
    /// The main classifier, and in training mode the two auxiliary classifiers too (null in evaluation
    /// mode, where they are not run).
    /// </summary>
    public GoogLeNetOutput ForwardWithAux(Tensor x)
    {
        using var scope = NewDisposeScope();
        Tensor? a1 = null, a2 = null;
        var h = conv1.call(x);
        h = conv2.call(h);
        h = pool3.call(inception3b.call(inception3a.call(h)));
        h = inception4a.call(h);
        if (training)
            a1 = aux1.call(h);
        h = inception4d.call(inception4c.call(inception4b.call(h)));
        if (training)
            a2 = aux2.call(h);
        h = pool4.call(inception4e.call(h));
        h = inception5b.call(inception5a.call(h));
        var logits = head.call(h);
        return new GoogLeNetOutput(logits.MoveToOuterDisposeScope(), a1?.MoveToOuterDisposeScope(), a2?.MoveToOuterDisposeScope());
    }

    /// <summary>Training loss: main + 0.3 x (aux1 + aux2), as in the paper.</summary>
    public override (Tensor Logits, Tensor Loss) TrainingStep(Tensor x, Tensor target, Func<Tensor, Tensor, Tensor> loss)
    {
        var output = ForwardWithAux(x);
        var total = loss(output.Logits, target);
        if (output.Aux1 is not null && output.Aux2 is not null)
            total = total + AuxLossWeight * (loss(output.Aux1, target) + loss(output.Aux2, target));
        return (output.Logits, total);
    }
}
