using System.Diagnostics;
using GoogLeNet.Data;
using GoogLeNet.Training;

namespace GoogLeNet.Benchmarks;

/// <summary>One real epoch measured whole, and the time the benchmark's rates allow it.</summary>
/// <param name="TrainImages">Training images of the epoch.</param>
/// <param name="TestImages">Test images of its evaluation.</param>
/// <param name="EpochSeconds">The whole epoch as <c>train</c> runs it: batches read and resized, training steps,
/// the test evaluation, the checkpoint, the metrics and (through the observer) the plot.</param>
/// <param name="BudgetSeconds"><see cref="EpochCheck.Allowance"/> x (training images / training rate + test images / inference rate).</param>
/// <param name="TestAcc">Test accuracy after the epoch, 0 to 1.</param>
internal sealed record EpochCheckResult(int TrainImages, int TestImages, double EpochSeconds, double BudgetSeconds, double TestAcc)
{
    public bool WithinBudget => EpochSeconds <= BudgetSeconds;
}

/// <summary>
/// Whether anything besides the network's own computation (reading and resizing batches, evaluation
/// bookkeeping, checkpointing) slows a real epoch down: it may take at most 10 % more than the training
/// and inference rates measured on synthetic data predict.
/// </summary>
internal static class EpochCheck
{
    public const double Allowance = 1.1;

    /// <summary>A real epoch trains channels-last (as <c>train</c> does), so only rates in that order can set its budget.</summary>
    /// <exception cref="GoogLeNetException">The rates were, or would be, measured in NCHW order.</exception>
    public static void CheckLayout(bool channelsLast)
    {
        if (!channelsLast)
            throw new InvalidSettingException("EpochCheck.Run times a real epoch, which trains channels-last: its rates must be measured channels-last too");
    }

    /// <summary>
    /// The settings of the timed epoch: those the rates were measured with (model, batch, size, threads, slices and
    /// precision), one epoch, the given numbers of images.
    /// </summary>
    internal static TrainOptions OptionsFor(BenchmarkResult rates, int trainCount, int testCount) => new()
    {
        Model = rates.Model, Epochs = 1, BatchSize = rates.BatchSize, Resize = rates.Size, Threads = rates.Threads,
        MicroBatch = rates.MicroBatch == rates.BatchSize ? 0 : rates.MicroBatch, TrainLimit = trainCount, TestLimit = testCount,
        Precision = Precisions.Parse(rates.Precision),
    };

    /// <summary>Trains one epoch as <c>train</c> does, in a temporary run folder deleted afterwards, and times it whole.</summary>
    /// <param name="rates">Measured just before, with the same model, batch, size, threads and memory order.</param>
    /// <param name="train">The training images; the epoch trains on all of them.</param>
    /// <param name="test">The test images, evaluated after the epoch.</param>
    /// <param name="observer">What <c>train</c> would show and draw, given the run folder.</param>
    /// <param name="cancellationToken">Stops the epoch between two steps or during its test pass.</param>
    /// <exception cref="InvalidSettingException">The rates were measured in NCHW order.</exception>
    public static EpochCheckResult Run(BenchmarkResult rates, ImageDataset train, ImageDataset test,
        Func<RunFolder, ITrainingCallback> observer, CancellationToken cancellationToken = default)
    {
        CheckLayout(rates.Layout == "nhwc");
        var options = OptionsFor(rates, train.Count, test.Count);
        var folder = Directory.CreateTempSubdirectory("googlenet-epoch-");
        try
        {
            using var run = RunFolder.Create(folder.FullName);
            var clock = Stopwatch.StartNew();
            var summary = Trainer.Run(options, run, train, test, observer(run), cancellationToken: cancellationToken);
            double seconds = clock.Elapsed.TotalSeconds;
            double budget = Allowance * (train.Count / rates.TrainImgS + test.Count / rates.InferImgS);
            return new EpochCheckResult(train.Count, test.Count, seconds, budget, summary.TestAcc);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}
