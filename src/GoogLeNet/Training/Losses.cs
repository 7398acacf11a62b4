using static TorchSharp.torch;

namespace GoogLeNet.Training;

/// <summary>Training losses. Evaluation always uses plain cross-entropy (<see cref="Evaluator"/>).</summary>
public static class Losses
{
    /// <summary>The book's loss: mean cross-entropy of the class scores.</summary>
    public static readonly Func<Tensor, Tensor, Tensor> CrossEntropy = (logits, target) => nn.functional.cross_entropy(logits, target);

    /// <summary>The training loss a run's options ask for: the book's cross-entropy, or its smoothed form.</summary>
    public static Func<Tensor, Tensor, Tensor> For(TrainOptions options) =>
        options.LabelSmoothing == 0
            ? CrossEntropy
            : (logits, target) => LabelSmoothingCrossEntropy(logits, target, options.LabelSmoothing);

    /// <summary>
    /// Cross-entropy against the smoothed target (1 - eps) one-hot + eps / classes (Szegedy et al. 2016,
    /// section 7): (1 - eps) times the usual negative log-likelihood plus eps times the mean over classes of
    /// -log p, averaged over the batch.
    /// </summary>
    public static Tensor LabelSmoothingCrossEntropy(Tensor logits, Tensor target, double epsilon)
    {
        if (epsilon is < 0 or >= 1 || double.IsNaN(epsilon))
            throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "label smoothing must be in [0, 1)");
        using var scope = NewDisposeScope();
        var logProbabilities = nn.functional.log_softmax(logits, 1);
        var nll = -logProbabilities.gather(1, target.unsqueeze(1)).squeeze(1);
        var uniform = -logProbabilities.mean([1]);
        return ((1 - epsilon) * nll + epsilon * uniform).mean().MoveToOuterDisposeScope();
    }
}
