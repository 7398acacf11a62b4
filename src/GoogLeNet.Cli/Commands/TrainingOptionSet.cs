using System.CommandLine;
using GoogLeNet.Data;
using GoogLeNet.Training;

namespace GoogLeNet.Cli.Commands;

/// <summary>
/// The options that shape a training run, declared once for <c>train</c> and <c>compare</c> (which differ
/// only in the default number of epochs and the model options each adds itself).
/// </summary>
internal sealed class TrainingOptionSet
{
    public TrainingOptionSet(int defaultEpochs)
    {
        var defaults = new TrainOptions();
        Epochs = new("--epochs") { Description = "Training epochs", HelpName = "N", DefaultValueFactory = _ => defaultEpochs };
        Lr = new("--lr") { Description = "SGD learning rate", HelpName = "RATE", DefaultValueFactory = _ => defaults.Lr };
        BatchSize = new("--batch-size") { Description = "Mini-batch size", HelpName = "N", DefaultValueFactory = _ => defaults.BatchSize };
        Resize = new("--resize") { Description = "Side in pixels the 28x28 images are resized to (bilinear)", HelpName = "PIXELS", DefaultValueFactory = _ => defaults.Resize };
        Seed = new("--seed") { Description = "Random seed (initialisation, shuffling)", HelpName = "N", DefaultValueFactory = _ => defaults.Seed };
        Threads = new("--threads") { Description = "CPU threads for libtorch", HelpName = "N", DefaultValueFactory = _ => defaults.Threads };
        LabelSmoothing = new("--label-smoothing") { Description = "Label smoothing of the training loss, 0 <= EPS < 1 (0: the book's cross-entropy)", HelpName = "EPS", DefaultValueFactory = _ => 0 };
        LrSchedule = new Option<string>("--lr-schedule")
        {
            Description = "How the learning rate changes over the run: constant (the book's) or cosine (from --lr down to 0)",
            DefaultValueFactory = _ => defaults.LrSchedule,
        }.OneOf(LearningRate.Schedules);
        MicroBatch = MicroBatchOption.Create();
        Momentum = new("--momentum") { Description = "SGD momentum, 0 <= M < 1 (0: the book's plain SGD)", HelpName = "M", DefaultValueFactory = _ => defaults.Momentum };
        Nesterov = new("--nesterov") { Description = "Nesterov momentum (needs --momentum)" };
        WeightDecay = new("--weight-decay") { Description = "L2 weight decay of convolution and linear weights, not of biases or batch norm (0 to 0.1)", HelpName = "WD", DefaultValueFactory = _ => defaults.WeightDecay };
        WarmupEpochs = new("--warmup-epochs") { Description = "Epochs over which the rate rises to --lr before the schedule starts", HelpName = "N", DefaultValueFactory = _ => defaults.WarmupEpochs };
        Augment = new("--augment") { Description = "Augment training images: crop, flip, erase, comma-separated (random crop with 4-pixel padding, left-right flip, random erasing)", HelpName = "LIST", DefaultValueFactory = _ => defaults.Augment };
        CheckpointEvery = new("--checkpoint-every")
        {
            Description = "Also write the checkpoint during an epoch after this many minutes of training (0: only at epoch ends); Ctrl-C writes it at once",
            HelpName = "MINUTES", DefaultValueFactory = _ => defaults.CheckpointMinutes,
        };
    }

    public Option<int> Epochs { get; }
    public Option<double> Lr { get; }
    public Option<string> LrSchedule { get; }
    public Option<int> BatchSize { get; }
    public Option<int> Resize { get; }
    public Option<int> Seed { get; }
    public Option<int> Threads { get; }
    public Option<int?> TrainLimit { get; } = DataOptions.TrainLimit();
    public Option<int?> TestLimit { get; } = DataOptions.TestLimit();
    public Option<double> LabelSmoothing { get; }
    public Option<int> MicroBatch { get; }
    public Option<double> CheckpointEvery { get; }
    public Option<double> Momentum { get; }
    public Option<bool> Nesterov { get; }
    public Option<double> WeightDecay { get; }
    public Option<int> WarmupEpochs { get; }
    public Option<string> Augment { get; }
    public Option<string> Precision { get; } = PrecisionOption.Create("The arithmetic of training and evaluation");
    public Option<double?> ValSplit { get; } = new("--val-split")
    {
        Description = "For --data FOLDER of class folders (no train/ and test/): the fraction of its pictures to test on, drawn with --seed",
        HelpName = "FRACTION",
    };
    public Option<bool> SkipBadImages { get; } = new("--skip-bad-images") { Description = "For --data FOLDER: leave out pictures that do not decode (counted) instead of stopping" };
    public Option<string?> Data { get; } = DataOptions.Folder();

    /// <summary>Every option above, in the order help lists them.</summary>
    public IReadOnlyList<Option> All => [Epochs, Lr, LrSchedule, BatchSize, Resize, Seed, Threads, TrainLimit, TestLimit, LabelSmoothing, Momentum, Nesterov, WeightDecay, WarmupEpochs, Augment, Precision, MicroBatch, CheckpointEvery, Data, ValSplit, SkipBadImages];

    /// <summary>
    /// The options a run or comparison was started with, for <c>--resume</c>. What the result depends on may be
    /// given again only with the value it was started with (so the first command with --resume added works);
    /// threads and micro-batches may change (they change only the order of floating-point additions), so may how often
    /// checkpoints are written, and
    /// --epochs when <paramref name="epochsMayGrow"/> (more epochs extend a run). Validated.
    /// </summary>
    /// <param name="typed">The options as typed (<see cref="Read"/>, with the command's own ones).</param>
    /// <param name="recordedIn">What was started and the file that records it, for the message: "run", ".../config.json".</param>
    /// <param name="alsoFixed">The command's own options the result depends on, with how to read them from the options.</param>
    /// <exception cref="GoogLeNetException">An option the result depends on was given another value.</exception>
    public TrainOptions Resumed(ParseResult result, TrainOptions typed, TrainOptions recorded, (string What, string File) recordedIn, bool epochsMayGrow,
        params (Option Option, Func<TrainOptions, object?> Value)[] alsoFixed)
    {
        (Option Option, Func<TrainOptions, object?> Value)[] fixedOptions =
        [
            (Lr, o => o.Lr), (LrSchedule, o => o.LrSchedule), (BatchSize, o => o.BatchSize), (Resize, o => o.Resize), (Seed, o => o.Seed),
            (TrainLimit, o => o.TrainLimit), (TestLimit, o => o.TestLimit), (LabelSmoothing, o => o.LabelSmoothing),
            (Momentum, o => o.Momentum), (Nesterov, o => o.Nesterov), (WeightDecay, o => o.WeightDecay), (WarmupEpochs, o => o.WarmupEpochs),
            (Augment, o => Augmentation.Parse(o.Augment).ToString()), (Precision, o => o.Precision.Name()), (ValSplit, o => o.ValSplit),
            (SkipBadImages, o => o.SkipBadImages), .. alsoFixed,
            .. epochsMayGrow ? [] : new (Option, Func<TrainOptions, object?>)[] { (Epochs, o => o.Epochs) },
        ];
        foreach (var (option, value) in fixedOptions)
        {
            if (result.Given(option) && !Equals(value(typed), value(recorded)))
                throw new GoogLeNetException(
                    $"{option.Name} cannot be changed when resuming (the {recordedIn.What} was started with {value(recorded) ?? "none"}; see {recordedIn.File})");
        }
        return (recorded with
        {
            Epochs = result.Given(Epochs) ? typed.Epochs : recorded.Epochs,
            Threads = result.Given(Threads) ? typed.Threads : recorded.Threads,
            MicroBatch = result.Given(MicroBatch) ? typed.MicroBatch : recorded.MicroBatch,
            CheckpointMinutes = result.Given(CheckpointEvery) ? typed.CheckpointMinutes : recorded.CheckpointMinutes,
        }).Validate();
    }

    /// <summary>The run's options as typed (or defaulted); not yet validated.</summary>
    public TrainOptions Read(ParseResult result) => new()
    {
        Epochs = result.GetValue(Epochs), Lr = result.GetValue(Lr), LrSchedule = result.GetValue(LrSchedule)!, BatchSize = result.GetValue(BatchSize),
        Resize = result.GetValue(Resize), Seed = result.GetValue(Seed), Threads = result.GetValue(Threads),
        TrainLimit = result.GetValue(TrainLimit), TestLimit = result.GetValue(TestLimit),
        LabelSmoothing = result.GetValue(LabelSmoothing), MicroBatch = result.GetValue(MicroBatch), CheckpointMinutes = result.GetValue(CheckpointEvery),
        Momentum = result.GetValue(Momentum), Nesterov = result.GetValue(Nesterov), WeightDecay = result.GetValue(WeightDecay),
        WarmupEpochs = result.GetValue(WarmupEpochs), Augment = result.GetValue(Augment) ?? "",
        Precision = PrecisionOption.Resolve(result.GetValue(Precision)!),
        ValSplit = result.GetValue(ValSplit), SkipBadImages = result.GetValue(SkipBadImages),
    };
}

/// <summary>Where Fashion-MNIST comes from and how much of it to use, for every verb that reads it.</summary>
internal static class DataOptions
{
    public static Option<string?> Folder(string prefix = "", bool imageFolders = true) => new("--data")
    {
        HelpName = "DIR",
        Description = Prefixed(prefix, (imageFolders ? "An image folder (train/ and test/ of class folders, or class folders alone), or a folder" : "Folder")
            + $" with the four IDX files of Fashion-MNIST or another set of its family ({FashionMnist.ClassNamesFile} beside them names the classes); "
            + $"without it, Fashion-MNIST from ${FashionMnist.EnvironmentVariable}, {FashionMnist.SystemDirectory}, the user cache, or a download"),
    };

    public static Option<int?> TrainLimit(string prefix = "") => new("--train-limit") { Description = Prefixed(prefix, "Use only the first N training images"), HelpName = "N" };

    public static Option<int?> TestLimit(string prefix = "") => new("--test-limit") { Description = Prefixed(prefix, "Use only the first N test images"), HelpName = "N" };

    /// <summary>"With --epoch: folder with ...": a description after a prefix continues its sentence.</summary>
    private static string Prefixed(string prefix, string description) =>
        prefix.Length == 0 ? description : prefix + char.ToLowerInvariant(description[0]) + description[1..];
}
