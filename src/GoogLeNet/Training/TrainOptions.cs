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

    /// <summary>Label smoothing of the training loss (0: the book's plain cross-entropy).</summary>
    public double LabelSmoothing { get; init; }

    /// <summary>Checks every value; the message names the option as the command line spells it.</summary>
    /// <exception cref="UserInputException">A value is out of range.</exception>
    public TrainOptions Validate()
    {
        ModelRegistry.Get(Model);
        Require(Epochs >= 1, $"--epochs must be at least 1, got {Epochs}");
        Require(Epochs <= 100_000, $"--epochs {Epochs} is more than 100,000");
        Require(double.IsFinite(Lr) && Lr > 0, $"--lr must be a positive number, got {Lr}");
        Require(Lr <= 1000, $"--lr {Lr} is more than 1000");
        Require(BatchSize >= 1, $"--batch-size must be at least 1, got {BatchSize}");
        Require(BatchSize <= 65_536, $"--batch-size {BatchSize} is more than 65,536");
        Require(Resize >= 1, $"--resize must be a positive number of pixels, got {Resize}");
        Require(Resize <= 1024, $"--resize {Resize} is more than 1024 pixels");
        Require(Threads >= 1, $"--threads must be at least 1, got {Threads}");
        Require(Threads <= 1024, $"--threads {Threads} is more than 1024");
        Require(TrainLimit is null or >= 1, $"--train-limit must be at least 1, got {TrainLimit}");
        Require(TestLimit is null or >= 1, $"--test-limit must be at least 1, got {TestLimit}");
        Require(LabelSmoothing is >= 0 and < 1, $"--label-smoothing must be at least 0 and below 1, got {LabelSmoothing}");
        Require(Device is "cpu" or "cuda", $"--device must be cpu or cuda, got '{Device}'");
        // Activations of the chapter's network take about 12 MB per 96x96 training image (forward and
        // backward, float32); refuse what cannot fit rather than let the allocator fail half-way.
        double gib = BatchSize * 12e6 * Math.Pow(Resize / 96.0, 2) / (1 << 30);
        Require(gib < 200, $"--batch-size {BatchSize} at --resize {Resize} needs about {gib:N0} GiB of memory; use a smaller batch");
        return this;
    }

    private static void Require(bool condition, string message)
    {
        if (!condition)
            throw new UserInputException(message);
    }
}
