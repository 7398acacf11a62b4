namespace GoogLeNet.Training;

/// <summary>Progress of one training step, for display.</summary>
/// <param name="Batch">1-based batch number within the epoch.</param>
/// <param name="Loss">Running mean train loss over the epoch so far.</param>
/// <param name="Accuracy">Running train accuracy over the epoch so far.</param>
/// <param name="ImagesPerSecond">Training throughput over the epoch so far (steps only).</param>
/// <param name="LearningRate">The rate the optimiser took this step with when a schedule changes it; null at the book's constant rate.</param>
public sealed record StepProgress(int Epoch, int Epochs, int Batch, int Batches, double Loss, double Accuracy, double ImagesPerSecond,
    double? LearningRate = null);

/// <summary>
/// How the trainer reports what it is doing. The trainer knows nothing of consoles or plots; the
/// command-line tool implements this to draw progress bars and redraw the training curves.
/// </summary>
public interface ITrainingObserver
{
    /// <param name="done">Batches already trained on before a resumed run continued the epoch (0 for a fresh one).</param>
    void EpochStarted(int epoch, int epochs, int batches, int done) { }
    void StepCompleted(StepProgress progress) { }
    void Evaluating(int epoch) { }
    void EpochCompleted(EpochResult result, IReadOnlyList<MetricPoint> history) { }
}
