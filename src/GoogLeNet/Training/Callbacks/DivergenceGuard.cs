using static TorchSharp.torch;

namespace GoogLeNet.Training;

/// <summary>Training stopped because the loss or the weights stopped being finite; the last good checkpoint is kept.</summary>
public sealed class TrainingDivergedException(string message) : GoogLeNetException(message);

/// <summary>
/// Stops the run at the first step whose loss is not finite, with a message that says where, what rate to try and
/// which checkpoint is still good. <see cref="CheckpointSaver"/> checks the weights too before it writes them, so a
/// step that overflowed a gradient while its loss stayed finite never reaches a checkpoint either.
/// </summary>
public sealed class DivergenceGuard : ITrainingCallback
{
    /// <inheritdoc/>
    public void OnStepEnd(TrainingContext context, StepProgress step)
    {
        if (!double.IsFinite(step.BatchLoss))
            throw Diverged(context, $"the loss became {(float)step.BatchLoss}");
    }

    /// <summary>Throws <see cref="TrainingDivergedException"/> if any weight of the model is not finite.</summary>
    internal static void RequireFiniteWeights(TrainingContext context)
    {
        using var scope = NewDisposeScope();
        if (!context.Model.parameters().All(p => isfinite(p).all().item<bool>()))
            throw Diverged(context, "the weights became non-finite");
    }

    /// <param name="context">The run, for where it stands and its last checkpoint.</param>
    /// <param name="what">What stopped being finite: "the loss became NaN".</param>
    private static TrainingDivergedException Diverged(TrainingContext context, string what)
    {
        string kept = context.LastCheckpoint is { } saved
            ? $"the last good checkpoint ({saved.Position}) is kept in {saved.Path}"
            : "no checkpoint had been written yet";
        return new TrainingDivergedException(
            $"training diverged: {what} at epoch {context.Epoch}, step {context.Step} of {context.StepsPerEpoch}; " +
            $"try a lower learning rate (e.g. TrainOptions.Lr = {context.Options.Lr / 2:G3}); {kept}");
    }
}
