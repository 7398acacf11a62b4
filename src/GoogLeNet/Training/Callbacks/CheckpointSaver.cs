using System.Diagnostics;

namespace GoogLeNet.Training;

/// <summary>
/// The run was stopped (Ctrl-C, SIGTERM) and the checkpoint of the steps since its last one could not be written
/// (a full disk); the message says why and that the previous checkpoint is intact. Still a stop, not a failure:
/// the run resumes from that previous checkpoint.
/// </summary>
public sealed class StopNotSavedException(string message, Exception inner) : OperationCanceledException(message, inner);

/// <summary>
/// Writes the run's checkpoint (<see cref="Checkpoint"/>: weights, optimiser state and <see cref="TrainingState"/>) at
/// the end of every epoch, every few minutes within one, and when the run is stopped, so that a kill loses at most
/// those minutes and a stop nothing. Each write replaces the file atomically; weights that are not finite are never
/// written (<see cref="TrainingDivergedException"/>).
/// </summary>
/// <param name="path">The checkpoint file.</param>
/// <param name="everyMinutes">Minutes of training after which it is written again within an epoch (0: only at an epoch's end and at a stop); <see cref="TrainOptions.CheckpointMinutes"/> when null.</param>
public sealed class CheckpointSaver(string path, double? everyMinutes = null) : ITrainingCallback
{
    private readonly Stopwatch _sinceSave = new();
    private (int Epoch, int Step) _saved = (-1, -1);

    /// <summary>The checkpoint file.</summary>
    public string Path { get; } = path;

    /// <inheritdoc/>
    public void OnRunStart(TrainingContext context)
    {
        var state = context.State;
        _saved = context.LastCheckpoint is null ? (-1, -1) : Where(state);
    }

    /// <inheritdoc/>
    public void OnEpochStart(TrainingContext context) => _sinceSave.Restart();

    /// <inheritdoc/>
    public void OnStepEnd(TrainingContext context, StepProgress step)
    {
        double minutes = everyMinutes ?? context.Options.CheckpointMinutes;
        if (minutes > 0 && step.Batch < step.Batches && _sinceSave.Elapsed.TotalMinutes >= minutes)
            Save(context);
    }

    /// <inheritdoc/>
    public void OnEpochEnd(TrainingContext context, EpochResult result) => Save(context);

    /// <summary>Saves the steps since the last checkpoint, if any; a failed write is reported as a <see cref="StopNotSavedException"/>.</summary>
    public void OnStop(TrainingContext context)
    {
        if (Where(context.State) == _saved)
            return;
        try
        {
            Save(context);
        }
        catch (FileWriteException e)
        {
            throw new StopNotSavedException(e.Message, e);
        }
    }

    /// <summary>Writes the checkpoint of the run as it stands now.</summary>
    /// <exception cref="TrainingDivergedException">A weight is not finite; the previous checkpoint is kept.</exception>
    /// <exception cref="FileWriteException">The file could not be written (a full disk); the previous checkpoint is intact.</exception>
    public void Save(TrainingContext context)
    {
        DivergenceGuard.RequireFiniteWeights(context);
        var state = context.State;
        var model = context.Model;
        var metadata = CheckpointMetadata.Now(context.ModelName, model.InChannels, model.NumClasses, context.Options.Resize, context.Options,
            state, context.ClassNames);
        Checkpoint.Save(Path, metadata, model, context.Optimizer);
        context.LastCheckpoint = new SavedCheckpoint(Path, metadata.Position);
        _saved = Where(state);
        _sinceSave.Restart();
    }

    /// <summary>Where a state stands: (completed epochs, steps into the next one).</summary>
    private static (int Epoch, int Step) Where(TrainingState state) => (state.Epoch, state.InEpoch?.Steps ?? 0);
}
