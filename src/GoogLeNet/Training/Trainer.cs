using GoogLeNet.Analysis;
using GoogLeNet.Data;
using GoogLeNet.Models;
using static TorchSharp.torch;

namespace GoogLeNet.Training;

/// <summary>
/// A training run in a run folder, as <c>googlenet train</c> makes it: a registered model built and initialised as the
/// book does, trained by a <see cref="TrainingLoop"/> with the default callbacks (<see cref="DefaultCallbacks"/>) writing
/// the folder's files, and resumable from the folder's checkpoint.
/// </summary>
internal static class Trainer
{
    /// <summary>
    /// Refuses, before the data is read or a new run folder made, options their model cannot train with: an input size it
    /// does not take, or slices (micro-batches) of a network with batch normalisation.
    /// </summary>
    /// <exception cref="GoogLeNetException">The first such problem, in one line.</exception>
    public static void Check(TrainOptions options)
    {
        var info = ModelRegistry.Get(options.Model);
        using var probe = info.Create(1, 10);
        ModelSummary.Of(info.Name, probe, options.Resize, 1);
        SgdStep.Resolve(options.MicroBatch, options.BatchSize, probe, info.Name);
    }

    /// <summary>
    /// The callbacks a run folder's training uses, in their order: the divergence guard, the checkpoint (written before
    /// anything that describes it), metrics.csv, the heap trim, and then <paramref name="progress"/> (what the tool shows and draws),
    /// and at the end summary.json.
    /// </summary>
    public static IEnumerable<ITrainingCallback> DefaultCallbacks(RunFolder run, ITrainingCallback progress) =>
    [
        new DivergenceGuard(),
        new CheckpointSaver(run.CheckpointPath),
        new MetricsCsvWriter(run.MetricsPath),
        new HeapTrimmer(),
        progress,
        new SummaryWriter(run.SummaryPath),
    ];

    /// <summary>
    /// Builds the options' model from their seed (Xavier-uniform), continues it from <paramref name="resume"/> if given,
    /// and trains it with the <see cref="DefaultCallbacks"/>, holding the folder's lock throughout.
    /// </summary>
    /// <param name="options">The run's options, checked here.</param>
    /// <param name="run">The run folder, whose checkpoint, metrics.csv and summary.json the run writes.</param>
    /// <param name="train">The training images.</param>
    /// <param name="test">The test images, evaluated after every epoch.</param>
    /// <param name="progress">Shows the run (the tool's console and curves); told of every hook after the folder's own files are written.</param>
    /// <param name="resume">The folder's checkpoint, to continue from.</param>
    /// <param name="cancellationToken">Stops the run between two steps or during a test pass: the steps since the last checkpoint are saved, then <see cref="OperationCanceledException"/> is thrown.</param>
    /// <param name="loss">Overrides the training loss that the options choose (<see cref="Losses.For"/>); evaluation always uses plain cross-entropy.</param>
    public static TrainingSummary Run(TrainOptions options, RunFolder run, ImageDataset train, ImageDataset test,
        ITrainingCallback progress, Checkpoint? resume = null, CancellationToken cancellationToken = default,
        Func<Tensor, Tensor, Tensor>? loss = null)
    {
        using var folderLock = run.Lock();
        options.Validate();
        set_num_threads(options.Threads);
        var info = ModelRegistry.Get(options.Model);

        manual_seed(options.Seed);
        using var model = info.Create(train.Channels, train.NumClasses);
        Initialization.XavierUniform(model);
        using var loop = new TrainingLoop(model, train, test, options, loss: loss); // checks the fit again, for callers that skip Check
        if (resume is not null)
            loop.Restore(resume);
        foreach (var callback in DefaultCallbacks(run, progress))
            loop.Callbacks.Add(callback);
        return loop.Run(cancellationToken);
    }
}
