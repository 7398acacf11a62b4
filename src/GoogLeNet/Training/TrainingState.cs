namespace GoogLeNet.Training;

/// <summary>
/// Everything a resumed run needs besides the weights and the optimiser: the epochs completed and their results, the
/// plot points so far and, part-way through an epoch, where that epoch stood. Checkpoints carry it
/// (<see cref="CheckpointMetadata.State"/>), so a run resumed from any checkpoint continues as if uninterrupted.
/// </summary>
/// <param name="Epoch">Completed epochs.</param>
/// <param name="Epochs">The results of the completed epochs.</param>
/// <param name="History">The plot points so far (<see cref="MetricPoint"/>).</param>
/// <param name="InEpoch">Where the epoch after <paramref name="Epoch"/> stood; null at an epoch's end.</param>
public sealed record TrainingState(int Epoch, IReadOnlyList<EpochResult> Epochs, IReadOnlyList<MetricPoint> History, EpochProgress? InEpoch = null)
{
    /// <summary>A run that has not started.</summary>
    public static TrainingState Start { get; } = new(0, [], []);

    /// <summary>Where the run stands, for messages: "epoch 3", or "epoch 4, step 120 of 469" part-way through one.</summary>
    public string Position => InEpoch is { } p ? $"epoch {Epoch + 1}, step {p.Steps} of {p.Batches}" : $"epoch {Epoch}";

    /// <summary>The same after "resuming" or "evaluated": "after epoch 3", "at epoch 4, step 120 of 469".</summary>
    public string When => InEpoch is null ? $"after {Position}" : $"at {Position}";
}
