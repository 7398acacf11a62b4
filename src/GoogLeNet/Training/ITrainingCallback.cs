namespace GoogLeNet.Training;

/// <summary>Progress of one training step.</summary>
/// <param name="Epoch">1-based epoch number.</param>
/// <param name="Epochs">Epochs in the whole run.</param>
/// <param name="Batch">1-based batch number within the epoch.</param>
/// <param name="Batches">Batches in a whole epoch.</param>
/// <param name="Loss">Running mean train loss over the epoch so far.</param>
/// <param name="Accuracy">Running train accuracy over the epoch so far.</param>
/// <param name="ImagesPerSecond">Training throughput over the epoch so far (steps only).</param>
/// <param name="LearningRate">The rate the optimiser took this step with when a schedule changes it; null at the book's constant rate.</param>
/// <param name="BatchLoss">This step's own mean loss over its batch.</param>
public sealed record StepProgress(int Epoch, int Epochs, int Batch, int Batches, double Loss, double Accuracy, double ImagesPerSecond,
    double? LearningRate = null, double BatchLoss = double.NaN);

/// <summary>
/// Something that happens around training: saving checkpoints, writing metrics, guarding against divergence, showing
/// progress. <see cref="TrainingLoop"/> calls every callback's hooks in the order the callbacks were added; each hook
/// has an empty default, so a callback implements only the ones it needs.
/// </summary>
/// <remarks>
/// The order of hooks in a run: <see cref="OnRunStart"/>; for each epoch <see cref="OnEpochStart"/>, <see cref="OnStepEnd"/>
/// after every step, <see cref="OnEvaluationStart"/> before the test pass and <see cref="OnEpochEnd"/>; then
/// <see cref="OnRunEnd"/>. A run cancelled through its token calls <see cref="OnStop"/> instead of the rest, and one
/// that fails calls <see cref="OnFailure"/>. An exception thrown by a hook ends the run (after <see cref="OnFailure"/>).
/// </remarks>
public interface ITrainingCallback
{
    /// <summary>Before the first step; <see cref="TrainingContext.State"/> says where a resumed run starts.</summary>
    void OnRunStart(TrainingContext context) { }

    /// <summary>An epoch begins (or continues, in a run resumed part-way through it: <see cref="TrainingContext.Step"/> is then above 0).</summary>
    void OnEpochStart(TrainingContext context) { }

    /// <summary>A step has updated the weights.</summary>
    void OnStepEnd(TrainingContext context, StepProgress step) { }

    /// <summary>The epoch's steps are done and its test pass begins.</summary>
    void OnEvaluationStart(TrainingContext context) { }

    /// <summary>The epoch is done and tested; <see cref="TrainingContext.State"/> already includes it.</summary>
    void OnEpochEnd(TrainingContext context, EpochResult result) { }

    /// <summary>Every epoch is done.</summary>
    void OnRunEnd(TrainingContext context, TrainingSummary summary) { }

    /// <summary>
    /// The run was cancelled, between two steps or during a test pass; <see cref="TrainingContext.State"/> is where it
    /// stopped. The run ends with an <see cref="OperationCanceledException"/> after every callback has been told.
    /// </summary>
    void OnStop(TrainingContext context) { }

    /// <summary>The run ends with <paramref name="error"/> (a callback's, the data's or libtorch's).</summary>
    void OnFailure(TrainingContext context, Exception error) { }
}
