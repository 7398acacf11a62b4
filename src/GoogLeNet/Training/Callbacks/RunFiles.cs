using System.Text.Json;

namespace GoogLeNet.Training;

/// <summary>
/// Writes the book's plot points as <c>metrics.csv</c> (<see cref="MetricsCsv"/>) after every epoch, always behind the
/// checkpoint when it follows a <see cref="CheckpointSaver"/>: the file never runs ahead of what a resume restores.
/// </summary>
/// <param name="path">The CSV file.</param>
public sealed class MetricsCsvWriter(string path) : ITrainingCallback
{
    /// <inheritdoc/>
    public void OnEpochEnd(TrainingContext context, EpochResult result) => Write(context);

    /// <summary>Writes it again at the end, for a run resumed after a process was killed between its last checkpoint and this file.</summary>
    public void OnRunEnd(TrainingContext context, TrainingSummary summary) => Write(context);

    private void Write(TrainingContext context) => AtomicFile.WriteAllText(path, MetricsCsv.Format(context.State.History));
}

/// <summary>Writes the run's <see cref="TrainingSummary"/> as <c>summary.json</c> when every epoch is done.</summary>
/// <param name="path">The JSON file.</param>
public sealed class SummaryWriter(string path) : ITrainingCallback
{
    /// <inheritdoc/>
    public void OnRunEnd(TrainingContext context, TrainingSummary summary) =>
        AtomicFile.WriteAllText(path, JsonSerializer.Serialize(summary, RunFolder.Json));
}

/// <summary>
/// Gives the memory that an epoch's steps and test pass left free back to the system after every epoch
/// (<see cref="Runtime.Allocator"/>), so a long run's resident size stays that of one epoch.
/// </summary>
public sealed class HeapTrimmer : ITrainingCallback
{
    /// <inheritdoc/>
    public void OnEpochEnd(TrainingContext context, EpochResult result) => Runtime.Allocator.Trim();
}
