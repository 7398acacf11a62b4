using System.Globalization;
using GoogLeNet.Models;

namespace GoogLeNet.Training;

/// <summary>Everything that defines a training run. The defaults are the book's recipe.</summary>
public sealed record TrainOptions
{
    public string Model { get; init; } = "googlenet";
    public int Epochs { get; init; } = 10;
    public double Lr { get; init; } = 0.1;
    public int BatchSize { get; init; } = 128;
    public int Resize { get; init; } = 96;
    public int Seed { get; init; } = 1;
    public int Threads { get; init; } = Environment.ProcessorCount;
    public string Device { get; init; } = "cpu";
    public int? TrainLimit { get; init; }
    public int? TestLimit { get; init; }

    /// <summary>
    /// Largest slice of a batch whose gradient is computed at once (0: the whole batch). The step is the
    /// whole batch's either way; see <see cref="SgdStep"/>.
    /// </summary>
    public int MicroBatch { get; init; }

    /// <summary>Label smoothing of the training loss (0: the book's plain cross-entropy).</summary>
    public double LabelSmoothing { get; init; }

    /// <summary>How the rate changes over the run: <c>constant</c> (the book's) or <c>cosine</c> (<see cref="LearningRate"/>).</summary>
    public string LrSchedule { get; init; } = LearningRate.Constant;

    /// <summary>
    /// Minutes of training after which the checkpoint is written again within an epoch, so that a kill loses at most this
    /// much (0: only at the end of each epoch). Like the thread count, it does not change the result.
    /// </summary>
    public double CheckpointMinutes { get; init; } = 10;

    /// <summary>The learning rate as the run's first line and compare.md state it.</summary>
    public string DescribeLr() => LrSchedule == LearningRate.Constant
        ? string.Create(CultureInfo.InvariantCulture, $"lr {Lr}")
        : string.Create(CultureInfo.InvariantCulture, $"lr {Lr} with {LrSchedule} decay");

    /// <summary>Checks every value; the message names the option as the command line spells it.</summary>
    /// <exception cref="UserInputException">A value is out of range.</exception>
    public TrainOptions Validate()
    {
        ModelRegistry.Get(Model);
        OptionLimits.InRange(Epochs, "--epochs", 1, 100_000);
        Require(double.IsFinite(Lr) && Lr > 0, $"--lr must be a positive number, got {Lr}");
        Require(Lr <= 1000, $"--lr {Lr} is more than 1000");
        OptionLimits.Side(Resize, "--resize");
        OptionLimits.Threads(Threads);
        OptionLimits.Limit(TrainLimit, "--train-limit");
        OptionLimits.Limit(TestLimit, "--test-limit");
        Require(LabelSmoothing is >= 0 and < 1, $"--label-smoothing must be at least 0 and below 1, got {LabelSmoothing}");
        Require(LearningRate.Schedules.Contains(LrSchedule),
            $"--lr-schedule must be {string.Join(" or ", LearningRate.Schedules)}, got '{LrSchedule}'");
        Require(CheckpointMinutes is >= 0 and <= 100_000, $"--checkpoint-every must be from 0 to 100000 minutes, got {CheckpointMinutes}");
        Require(Device is "cpu" or "cuda", $"--device must be cpu or cuda, got '{Device}'");
        OptionLimits.InRange(MicroBatch, "--micro-batch", 0, OptionLimits.MaxBatch);
        OptionLimits.Batch(BatchSize, Resize, training: true, slice: MicroBatch);
        return this;
    }

    private static void Require(bool condition, string message)
    {
        if (!condition)
            throw new UserInputException(message);
    }
}
