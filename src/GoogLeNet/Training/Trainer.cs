using System.Diagnostics;
using GoogLeNet.Analysis;
using GoogLeNet.Data;
using GoogLeNet.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace GoogLeNet.Training;

/// <summary>The end of a run, as <c>summary.json</c> records it.</summary>
public sealed record TrainingSummary(string Model, int Epochs, double TrainLoss, double TrainAcc, double TestAcc,
    double ExamplesPerSec, double WallSeconds, long Params);

/// <summary>The loss stopped being finite; training was stopped at once.</summary>
public sealed class TrainingDivergedException(string message) : GoogLeNetException(message);

/// <summary>
/// The run was stopped (Ctrl-C, SIGTERM) and the checkpoint of the steps since its last one could not be written
/// (a full disk); the message says why and that the previous checkpoint is intact. Still a stop, not a failure:
/// the run resumes from that previous checkpoint.
/// </summary>
public sealed class StopNotSavedException(string message, Exception inner) : OperationCanceledException(message, inner);

/// <summary>
/// The book's <c>train_ch6</c>: mini-batch SGD on cross-entropy, running train loss and accuracy per epoch,
/// test accuracy after each epoch. Adds what a long run on a CPU needs: a checkpoint after every epoch, every
/// few minutes within one and when stopped, resumption from it with the same result as an uninterrupted run,
/// and a stop at the first non-finite loss.
/// </summary>
public static class Trainer
{
    /// <summary>Plot points per epoch for the training curves, as in the book.</summary>
    public const int PointsPerEpoch = 5;

    /// <summary>
    /// Refuses, before the data is read or a new run folder made, options their model cannot train with: an input size it
    /// does not take, or slices (--micro-batch) of a network with batch normalisation.
    /// </summary>
    /// <exception cref="GoogLeNetException">The first such problem, in one line.</exception>
    public static void Check(TrainOptions options)
    {
        var info = ModelRegistry.Get(options.Model);
        using var probe = info.Create(1, 10);
        SliceSize(info, probe, options);
    }

    /// <summary>The two checks of <see cref="Check"/> on a built model; returns the slice size each step uses.</summary>
    private static int SliceSize(ModelInfo info, Classifier model, TrainOptions options)
    {
        ModelSummary.Of(info.Name, model, options.Resize, 1);
        return SgdStep.Resolve(options.MicroBatch, options.BatchSize, model, info.Name);
    }

    /// <param name="loss">Overrides the training loss that the options choose (<see cref="Losses.For"/>); evaluation always uses plain cross-entropy.</param>
    public static TrainingSummary Run(TrainOptions options, RunFolder run, ImageDataset train, ImageDataset test,
        ITrainingObserver observer, Checkpoint? resume = null, CancellationToken cancellationToken = default,
        Func<Tensor, Tensor, Tensor>? loss = null)
    {
        using var folderLock = run.Lock();
        loss ??= Losses.For(options);
        options.Validate();
        set_num_threads(options.Threads);
        var device = options.Device == "cuda" ? CUDA : CPU;
        var info = ModelRegistry.Get(options.Model);

        manual_seed(options.Seed);
        using var model = info.Create(1, train.NumClasses);
        int microBatch = SliceSize(info, model, options); // checked again for callers of the library that skip Check
        Initialization.XavierUniform(model);
        model.to(device);
        using var optimizer = optim.SGD(model.parameters(), options.Lr);
        long parameters = model.parameters().Sum(p => p.numel());

        var history = new List<MetricPoint>();
        var epochs = new List<EpochResult>();
        if (resume is not null)
        {
            if (!string.Equals(resume.Metadata.Model, info.Name, StringComparison.OrdinalIgnoreCase))
                throw new CheckpointException(resume.Path, $"is a checkpoint of {resume.Metadata.Model}, not {info.Name}");
            resume.RequireFits(1, train.NumClasses, "this training data");
            LearningRate.CheckResume(resume.Metadata.Options, options);
            resume.RequireEpochsBeyond(options.Epochs);
            resume.LoadInto(model);
            resume.LoadOptimizer(optimizer);
            history.AddRange(resume.Metadata.History);
            epochs.AddRange(resume.Metadata.Epochs);
            // A process killed after its last checkpoint but before metrics.csv and summary.json: finish those.
            if (epochs.Count >= options.Epochs)
                run.WriteMetrics(history);
        }

        // Channels-last order: the same network, faster on the CPU (Runtime/ChannelsLast.cs).
        bool channelsLast = device.type == DeviceType.CPU;
        if (channelsLast)
            Runtime.ChannelsLast.Apply(model);

        using var trainBatches = new BatchSource(train, options.BatchSize, options.Resize, shuffle: true, options.Seed);
        using var testBatches = new BatchSource(test, options.BatchSize, options.Resize, shuffle: false, options.Seed);
        int batches = trainBatches.Batches;
        int pointEvery = Math.Max(1, batches / PointsPerEpoch);
        long totalSteps = (long)options.Epochs * batches;

        // A checkpoint written part-way through an epoch continues from its step, on the same examples in the same order.
        var inEpoch = resume?.Metadata.InEpoch;
        if (inEpoch is not null && inEpoch.Examples != 0 && inEpoch.Examples != train.Count)
            throw new CheckpointException(resume!.Path, $"was saved part-way through an epoch on {inEpoch.Examples:N0} training images; this data has {train.Count:N0}");
        string lastGood = resume?.Metadata.Position ?? "";

        void Save(int completed, IReadOnlyList<EpochResult> results, EpochProgress? progress)
        {
            var metadata = new CheckpointMetadata(Checkpoint.CurrentFormat, info.Name, 1, train.NumClasses, options.Resize,
                completed, options, history, results, DateTime.UtcNow, progress);
            Checkpoint.Save(run.CheckpointPath, metadata, model, optimizer);
            lastGood = metadata.Position;
        }

        for (int epoch = epochs.Count; epoch < options.Epochs; epoch++, inEpoch = null)
        {
            // Reseeding per epoch makes dropout and any other randomness a function of (seed, epoch),
            // so a resumed run repeats exactly what an uninterrupted one does.
            manual_seed(options.Seed * 100_003L + epoch);
            if (inEpoch is not null)
                SetRandomState(inEpoch.RandomState);
            model.train();
            int batch = inEpoch?.Steps ?? 0, savedAt = batch;
            double lossSum = inEpoch?.LossSum ?? 0, trainBefore = inEpoch?.TrainSeconds ?? 0, wallBefore = inEpoch?.WallSeconds ?? 0;
            long correct = inEpoch?.Correct ?? 0, seen = inEpoch?.Seen ?? 0;
            var wall = Stopwatch.StartNew();
            var steps = new Stopwatch();
            var sinceSave = Stopwatch.StartNew();
            observer.EpochStarted(epoch + 1, options.Epochs, batches, batch);

            // The run so far, written part-way through the epoch: every few minutes, and when the run is stopped.
            void SaveProgress()
            {
                RequireFiniteWeights(model, epoch + 1, batch, batches, options, run, lastGood);
                var progress = new EpochProgress(batch, batches, train.Count, lossSum, correct, seen, trainBefore + steps.Elapsed.TotalSeconds,
                    wallBefore + wall.Elapsed.TotalSeconds, GetRandomState());
                Save(epoch, epochs, progress);
                savedAt = batch;
                sinceSave.Restart();
            }

            EvaluationResult evaluation;
            try
            {
                foreach (var (x0, y0) in trainBatches.Epoch(epoch, skip: batch))
                {
                    using var scope = NewDisposeScope();
                    scope.Attach([x0, y0]);
                    cancellationToken.ThrowIfCancellationRequested();
                    steps.Start();
                    var x = channelsLast ? Runtime.ChannelsLast.Of(x0) : x0.to(device);
                    var y = y0.to(device);
                    int step = batch + 1;
                    double rate = LearningRate.At(options.LrSchedule, options.Lr, (long)epoch * batches + batch, totalSteps);
                    foreach (var group in optimizer.ParamGroups)
                        group.LearningRate = rate;
                    var stepResult = SgdStep.Run(model, optimizer, x, y, loss, microBatch, value =>
                    {
                        if (!float.IsFinite(value))
                            throw Diverged($"the loss became {value}", epoch + 1, step, batches, options, run, lastGood);
                    });
                    float lossValue = stepResult.Loss;
                    long batchCorrect = stepResult.Correct;
                    steps.Stop();

                    int n = (int)y0.shape[0];
                    lossSum += lossValue * n;
                    correct += batchCorrect;
                    seen += n;
                    batch++;
                    observer.StepCompleted(new StepProgress(epoch + 1, options.Epochs, batch, batches, lossSum / seen, (double)correct / seen,
                        seen / (trainBefore + steps.Elapsed.TotalSeconds), options.LrSchedule == LearningRate.Constant ? null : optimizer.ParamGroups.First().LearningRate));
                    if (batch % pointEvery == 0 || batch == batches)
                        history.Add(new MetricPoint(epoch + (double)batch / batches, lossSum / seen, (double)correct / seen, null));
                    if (options.CheckpointMinutes > 0 && batch < batches && sinceSave.Elapsed.TotalMinutes >= options.CheckpointMinutes)
                        SaveProgress();
                }

                observer.Evaluating(epoch + 1);
                evaluation = Evaluator.Evaluate(model, testBatches, train.NumClasses, device, cancellationToken);
            }
            catch (OperationCanceledException) when (batch > savedAt)
            {
                try
                {
                    SaveProgress(); // stopped between two steps or during the test pass: nothing trained is lost
                }
                catch (FileWriteException e)
                {
                    throw new StopNotSavedException(e.Message, e);
                }
                throw;
            }
            history.Add(new MetricPoint(epoch + 1, null, null, evaluation.Accuracy));
            var result = new EpochResult(epoch + 1, lossSum / seen, (double)correct / seen, evaluation.Loss, evaluation.Accuracy,
                trainBefore + steps.Elapsed.TotalSeconds, seen, 0);

            // The checkpoint is written first: metrics.csv never runs ahead of what --resume can restore.
            var epochsSoFar = epochs.Append(result with { WallSeconds = wallBefore + wall.Elapsed.TotalSeconds }).ToList();
            RequireFiniteWeights(model, epoch + 1, batch, batches, options, run, lastGood);
            Save(epoch + 1, epochsSoFar, null);
            run.WriteMetrics(history);
            Runtime.Allocator.Trim(); // memory the epoch's steps and test pass left free goes back to the system
            epochs.Clear();
            epochs.AddRange(epochsSoFar);
            observer.EpochCompleted(epochs[^1], history);
        }

        var last = epochs[^1];
        var summary = new TrainingSummary(info.Name, epochs.Count, last.TrainLoss, last.TrainAcc, last.TestAcc,
            epochs.Sum(e => e.TrainExamples) / epochs.Sum(e => e.TrainSeconds), epochs.Sum(e => e.WallSeconds), parameters);
        run.WriteSummary(summary);
        return summary;
    }

    /// <summary>
    /// The state of libtorch's CPU random generator, which dropout draws from. (On a GPU dropout draws from the CUDA
    /// generator, which is not saved: a CUDA run resumed part-way through an epoch would take other dropout masks.)
    /// </summary>
    private static byte[] GetRandomState()
    {
        using var generator = Generator.Default;
        using var state = generator.get_state();
        return state.data<byte>().ToArray();
    }

    private static void SetRandomState(byte[] bytes)
    {
        using var generator = Generator.Default;
        using var state = tensor(bytes, ScalarType.Byte);
        generator.set_state(state);
    }

    /// <summary>
    /// Stops the run as diverged when a step left non-finite weights although its loss was finite (a gradient that
    /// overflowed): they are never written over the last good checkpoint.
    /// </summary>
    private static void RequireFiniteWeights(nn.Module model, int epoch, int step, int steps, TrainOptions options, RunFolder run, string lastGood)
    {
        using var scope = NewDisposeScope();
        if (!model.parameters().All(p => isfinite(p).all().item<bool>()))
            throw Diverged("the weights became non-finite", epoch, step, steps, options, run, lastGood);
    }

    /// <param name="lastGood">Where the last checkpoint stands (<see cref="CheckpointMetadata.Position"/>); empty when none was written.</param>
    /// <param name="what">What stopped being finite: "the loss became NaN".</param>
    private static TrainingDivergedException Diverged(string what, int epoch, int step, int steps, TrainOptions options, RunFolder run, string lastGood)
    {
        string kept = lastGood != ""
            ? $"the last good checkpoint ({lastGood}) is kept in {run.CheckpointPath}"
            : "no checkpoint had been written yet";
        return new TrainingDivergedException(
            $"training diverged: {what} at epoch {epoch}, step {step} of {steps}; " +
            $"try a lower learning rate (e.g. TrainOptions.Lr = {options.Lr / 2:G3}); {kept}");
    }
}
