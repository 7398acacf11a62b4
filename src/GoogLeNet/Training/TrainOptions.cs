using System.Globalization;
using GoogLeNet.Models;

namespace GoogLeNet.Training;

/// <summary>Everything that defines a training run. The defaults are the book's recipe.</summary>
public sealed record TrainOptions
{
    /// <summary>The registered name of the model to train (<see cref="ModelRegistry"/>); the chapter's <c>googlenet</c> by default.</summary>
    public string Model { get; init; } = "googlenet";
    /// <summary>Passes over the training data, 1 to 100,000.</summary>
    public int Epochs { get; init; } = 10;
    /// <summary>The SGD learning rate, above 0 and at most 1,000 (the start of the schedule's decay, if it has one).</summary>
    public double Lr { get; init; } = 0.1;
    /// <summary>Images per SGD step; refused when this machine's memory cannot hold its activations at <see cref="Resize"/>.</summary>
    public int BatchSize { get; init; } = 128;
    /// <summary>Side of the square the images are resized to, in pixels, 1 to 1,024.</summary>
    public int Resize { get; init; } = 96;
    /// <summary>Seeds every epoch's order of batches and its dropout; <c>googlenet train</c> also draws the initial weights from it.</summary>
    public int Seed { get; init; } = 1;
    /// <summary>libtorch's CPU threads for <c>googlenet train</c>, 1 to 1,024; the processor count by default. <see cref="TrainingLoop"/> checks it but leaves the process's setting alone.</summary>
    public int Threads { get; init; } = Environment.ProcessorCount;
    /// <summary>Where the network trains: <c>cpu</c> or <c>cuda</c>.</summary>
    public string Device { get; init; } = "cpu";
    /// <summary>Train on the first this many training images only; null for all of them.</summary>
    public int? TrainLimit { get; init; }
    /// <summary>Test on the first this many test images only; null for all of them.</summary>
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

    /// <summary>SGD momentum, at least 0 and below 1 (0: the book's plain SGD).</summary>
    public double Momentum { get; init; }

    /// <summary>Nesterov's form of momentum; needs <see cref="Momentum"/> above 0.</summary>
    public bool Nesterov { get; init; }

    /// <summary>
    /// L2 weight decay, 0 to 0.1, of the weights of convolutions and linear layers; biases and batch-norm parameters
    /// are not decayed (<see cref="Optimizers.Sgd"/>). 0: none, as in the book.
    /// </summary>
    public double WeightDecay { get; init; }

    /// <summary>
    /// Epochs at the start over which the rate rises in equal steps to <see cref="Lr"/>, before the schedule
    /// (<see cref="LrSchedule"/>) runs over the epochs that remain (0: none). Fewer than <see cref="Epochs"/>.
    /// </summary>
    public int WarmupEpochs { get; init; }

    /// <summary>Augmentation of the training images: "crop", "flip", "erase" or several, comma-separated ("": none, the book's); see <see cref="Data.Augmentation"/>.</summary>
    public string Augment { get; init; } = "";

    /// <summary>
    /// The arithmetic of the forward passes, training and evaluation: <see cref="GoogLeNet.Precision.Fp32"/> (the book's,
    /// the default here; <c>googlenet train</c> defaults to <see cref="Precisions.Default"/>, the machine's faster one)
    /// or <see cref="GoogLeNet.Precision.Bf16"/>. Weights, updates and checkpoints are float32 either way.
    /// </summary>
    public Precision Precision { get; init; } = Precision.Fp32;

    /// <summary>For data in an image folder of class folders (no train and test folders): the fraction of its pictures to test on; see <see cref="Data.ImageFolder"/>.</summary>
    public double? ValSplit { get; init; }

    /// <summary>For data in an image folder: leave out pictures that do not decode (they are counted) instead of stopping at the first.</summary>
    public bool SkipBadImages { get; init; }

    /// <summary>The learning rate as the run's first line and compare.md state it.</summary>
    public string DescribeLr() => LrSchedule == LearningRate.Constant
        ? string.Create(CultureInfo.InvariantCulture, $"lr {Lr}")
        : string.Create(CultureInfo.InvariantCulture, $"lr {Lr} with {LrSchedule} decay");

    /// <summary>
    /// The recipe as the run's first line states it: the rate and, where set, momentum, weight decay, warm-up and
    /// augmentation ("lr 0.1 with cosine decay, momentum 0.9 (Nesterov), weight decay 0.0005, 1 warm-up epoch, augment crop,flip").
    /// </summary>
    public string DescribeRecipe()
    {
        var parts = new List<string> { DescribeLr() };
        if (Momentum > 0)
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"momentum {Momentum}{(Nesterov ? " (Nesterov)" : "")}"));
        if (WeightDecay > 0)
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"weight decay {WeightDecay}"));
        if (WarmupEpochs > 0)
            parts.Add($"{WarmupEpochs} warm-up epoch{(WarmupEpochs == 1 ? "" : "s")}");
        var augment = Data.Augmentation.Parse(Augment);
        if (!augment.IsNone)
            parts.Add($"augment {augment}");
        return string.Join(", ", parts);
    }

    /// <summary>Checks every value, and that <see cref="Model"/> names a registered model.</summary>
    /// <exception cref="GoogLeNetException">The model is unknown.</exception>
    /// <exception cref="InvalidSettingException">A value is out of range.</exception>
    public TrainOptions Validate()
    {
        ModelRegistry.Get(Model);
        return CheckRanges();
    }

    /// <summary>Checks every value but the model's name (a loop given a model instance does not look it up).</summary>
    /// <exception cref="InvalidSettingException">A value is out of range.</exception>
    public TrainOptions CheckRanges()
    {
        OptionLimits.InRange(Epochs, "TrainOptions.Epochs", 1, 100_000);
        Require(double.IsFinite(Lr) && Lr > 0, $"TrainOptions.Lr must be a positive number, got {Lr}");
        Require(Lr <= 1000, $"TrainOptions.Lr {Lr} is more than 1000");
        OptionLimits.Side(Resize, "TrainOptions.Resize");
        OptionLimits.Threads(Threads, "TrainOptions.Threads");
        OptionLimits.Limit(TrainLimit, "TrainOptions.TrainLimit");
        OptionLimits.Limit(TestLimit, "TrainOptions.TestLimit");
        Require(LabelSmoothing is >= 0 and < 1, $"TrainOptions.LabelSmoothing must be at least 0 and below 1, got {LabelSmoothing}");
        Require(LearningRate.Schedules.Contains(LrSchedule),
            $"TrainOptions.LrSchedule must be {string.Join(" or ", LearningRate.Schedules)}, got '{LrSchedule}'");
        Require(CheckpointMinutes is >= 0 and <= 100_000, $"TrainOptions.CheckpointMinutes must be from 0 to 100000 minutes, got {CheckpointMinutes}");
        Require(Device is "cpu" or "cuda", $"TrainOptions.Device must be cpu or cuda, got '{Device}'");
        OptionLimits.InRange(MicroBatch, "TrainOptions.MicroBatch", 0, OptionLimits.MaxBatch);
        Require(Momentum is >= 0 and < 1, $"TrainOptions.Momentum must be at least 0 and below 1, got {Momentum}");
        Require(!Nesterov || Momentum > 0, "TrainOptions.Nesterov needs TrainOptions.Momentum above 0");
        Require(WeightDecay is >= 0 and <= 0.1, $"TrainOptions.WeightDecay must be from 0 to 0.1, got {WeightDecay}");
        Require(WarmupEpochs >= 0 && WarmupEpochs < Epochs,
            $"TrainOptions.WarmupEpochs must be at least 0 and fewer than the {Epochs} TrainOptions.Epochs, got {WarmupEpochs}");
        Data.Augmentation.Parse(Augment);
        OptionLimits.Batch(BatchSize, Resize, training: true, "TrainOptions.BatchSize", MicroBatch, "TrainOptions.MicroBatch");
        return this;
    }

    private static void Require(bool condition, string message)
    {
        if (!condition)
            throw new InvalidSettingException(message);
    }
}
