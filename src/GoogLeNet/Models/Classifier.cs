using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace GoogLeNet.Models;

/// <summary>
/// An image classifier built as a chain of named stages. The forward pass runs the stages in order; the
/// summary and analysis tools walk the same list, so what they report is what the network runs.
/// </summary>
public abstract class Classifier : Module<Tensor, Tensor>
{
    /// <summary>A classifier whose module name is <paramref name="name"/>.</summary>
    /// <param name="name">The module name: the model's registered name, which checkpoints record.</param>
    /// <param name="inChannels">Channels of the input images.</param>
    /// <param name="numClasses">Number of classes, the length of each output score vector.</param>
    protected Classifier(string name, int inChannels, int numClasses) : base(name)
    {
        InChannels = inChannels;
        NumClasses = numClasses;
    }

    /// <summary>Channels of the input images the network was built for.</summary>
    public int InChannels { get; }

    /// <summary>Number of classes, the length of each output score vector.</summary>
    public int NumClasses { get; }

    /// <summary>The stages in forward order, named as in the book (b1..b5, head).</summary>
    public abstract IReadOnlyList<(string Name, Module<Tensor, Tensor> Module)> Stages { get; }

    /// <summary>
    /// One training forward pass: the class scores and the loss to minimise. By default the loss of the
    /// scores; a network with auxiliary classifiers adds theirs.
    /// </summary>
    public virtual (Tensor Logits, Tensor Loss) TrainingStep(Tensor x, Tensor target, Func<Tensor, Tensor, Tensor> loss)
    {
        var logits = call(x);
        return (logits, loss(logits, target));
    }

    /// <summary>Runs the <see cref="Stages"/> in order, releasing each intermediate output.</summary>
    /// <param name="x">A batch of images, N x <see cref="InChannels"/> x H x W.</param>
    /// <returns>The class scores (logits, before softmax), N x <see cref="NumClasses"/>.</returns>
    public override Tensor forward(Tensor x)
    {
        var stages = Stages;
        Tensor current = stages[0].Module.call(x);
        for (int i = 1; i < stages.Count; i++)
        {
            var next = stages[i].Module.call(current);
            current.Dispose();
            current = next;
        }
        return current;
    }
}
