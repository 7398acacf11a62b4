using GoogLeNet.Models;
using GoogLeNet.Training;
using static TorchSharp.torch;

namespace GoogLeNet.Tests.Cli;

/// <summary>
/// Every numeric option of every verb at zero, negative, not a number and absurdly large; unknown verbs,
/// options and models. Each must give exactly one line on stderr that names the option, exit code 2, and
/// nothing on stdout.
/// </summary>
public sealed class OptionMatrixTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>verb, option, value, the fragment the message must contain.</summary>
    public static TheoryData<string, string, string, string> NumericCases()
    {
        var data = new TheoryData<string, string, string, string>();
        void Add(string verb, string option, string? zero, string? negative, string? absurd, string? absurdMessage)
        {
            if (zero is not null)
                data.Add(verb, option, "0", zero);
            if (negative is not null)
                data.Add(verb, option, "-1", negative);
            data.Add(verb, option, "abc", $"Cannot parse argument 'abc' for option '{option}'");
            if (absurd is not null)
                data.Add(verb, option, absurd, absurdMessage!);
        }
        foreach (var verb in new[] { "train", "compare" })
        {
            Add(verb, "--epochs", "--epochs must be at least 1, got 0", "--epochs must be at least 1, got -1", "1000000", "--epochs 1000000 is more than 100,000");
            Add(verb, "--lr", "--lr must be a positive number, got 0", "--lr must be a positive number, got -1", "1e9", "--lr 1000000000 is more than 1000");
            Add(verb, "--batch-size", "--batch-size must be at least 1, got 0", "--batch-size must be at least 1, got -1", "1000000", "--batch-size 1000000 is more than 65,536");
            Add(verb, "--resize", "--resize must be a positive number of pixels, got 0", "--resize must be a positive number of pixels, got -1", "100000", "--resize 100000 is more than 1024 pixels");
            Add(verb, "--threads", "--threads must be at least 1, got 0", "--threads must be at least 1, got -1", "100000", "--threads 100000 is more than 1,024");
            Add(verb, "--train-limit", "--train-limit must be at least 1, got 0", "--train-limit must be at least 1, got -1", "99999999999", "Cannot parse argument '99999999999' for option '--train-limit'");
            Add(verb, "--test-limit", "--test-limit must be at least 1, got 0", "--test-limit must be at least 1, got -1", "99999999999", "Cannot parse argument '99999999999' for option '--test-limit'");
            Add(verb, "--label-smoothing", null, "--label-smoothing must be at least 0 and below 1, got -1", "5", "--label-smoothing must be at least 0 and below 1, got 5");
            Add(verb, "--seed", null, null, "99999999999", "Cannot parse argument '99999999999' for option '--seed'");
            Add(verb, "--micro-batch", null, "--micro-batch must be at least 0, got -1", "1000000", "--micro-batch 1000000 is more than 65,536");
            Add(verb, "--checkpoint-every", null, "--checkpoint-every must be from 0 to 100000 minutes, got -1", "NaN", "--checkpoint-every must be from 0 to 100000 minutes, got NaN");
            // A batch within the hard limit that no memory of this size holds is refused, not tried.
            data.Add(verb, "--batch-size", "60000", "GiB of memory and this machine has");
        }
        Add("evaluate", "--test-limit", "--test-limit must be at least 1, got 0", "--test-limit must be at least 1, got -1", null, null);
        Add("evaluate", "--threads", "--threads must be at least 1, got 0", "--threads must be at least 1, got -1", "100000", "--threads 100000 is more than 1,024");
        Add("evaluate", "--batch-size", "--batch-size must be at least 1, got 0", "--batch-size must be at least 1, got -1", "1000000", "--batch-size 1000000 is more than 65,536");
        Add("predict", "--top", "--top must be at least 1, got 0", "--top must be at least 1, got -1", null, null);
        Add("bench", "--batch-size", "--batch-size must be at least 1, got 0", "--batch-size must be at least 1, got -1", "60000", "GiB of memory and this machine has");
        Add("bench", "--size", "--size must be a positive number of pixels, got 0", "--size must be a positive number of pixels, got -1", "100000", "--size 100000 is more than 1024 pixels");
        Add("bench", "--steps", "--steps must be at least 1, got 0", "--steps must be at least 1, got -1", "1000000", "--steps 1000000 is more than 100,000");
        Add("bench", "--micro-batch", null, "--micro-batch must be at least 0, got -1", "1000000", "--micro-batch 1000000 is more than 65,536");
        Add("bench", "--train-limit", "--train-limit must be at least 1, got 0", "--train-limit must be at least 1, got -1", null, null);
        Add("bench", "--test-limit", "--test-limit must be at least 1, got 0", "--test-limit must be at least 1, got -1", null, null);
        Add("bench", "--threads", "--threads must be at least 1, got 0", "--threads must be at least 1, got -1", "100000", "--threads 100000 is more than 1,024");
        Add("summary", "--size", "--size must be a positive number of pixels, got 0", "--size must be a positive number of pixels, got -1", "100000", "--size 100000 is more than 1024 pixels");
        Add("summary", "--channels", "--channels must be at least 1, got 0", "--channels must be at least 1, got -1", "100000", "--channels 100000 is more than 4,096");
        Add("params", "--size", "--size must be a positive number of pixels, got 0", "--size must be a positive number of pixels, got -1", "100000", "--size 100000 is more than 1024 pixels");
        return data;
    }

    [Theory]
    [MemberData(nameof(NumericCases))]
    public void NumericOptionsOutOfRangeAreOneLineAndExitCode2(string verb, string option, string value, string message)
    {
        var result = InProcessCli.Run([.. Required(verb), option, value]);
        AssertOneLineError(result, message);
        Assert.False(Directory.Exists(_dir["run"]), "a refused run must not leave a folder behind");
    }

    public static TheoryData<string[], string> NameCases() => new()
    {
        { ["frobnicate"], "Unrecognized command or argument 'frobnicate'" },
        { ["train", "--bogus"], "Unrecognized command or argument '--bogus'" },
        { ["evaluate", "--checkpoint", "x", "--bogus"], "Unrecognized command or argument '--bogus'" },
        { ["train", "--model", "lenet"], "unknown model 'lenet'" },
        { ["summary", "--model", "lenet"], "unknown model 'lenet'" },
        { ["bench", "--model", "lenet"], "unknown model 'lenet'" },
        { ["min-size", "--model", "lenet"], "unknown model 'lenet'" },
        { ["params", "--models", "googlenet,lenet"], "unknown model 'lenet'" },
        { ["params", "--models", "googlenet,GoogLeNet"], "--models names googlenet twice" },
        { ["compare", "--models", "googlenet,lenet"], "unknown model 'lenet'" },
        { ["train", "--device", "tpu"], "--device must be cpu or cuda, got 'tpu'" },
        { ["train", "--lr-schedule", "step"], "--lr-schedule must be constant or cosine, got 'step'" },
        { ["compare", "--models", "googlenet", "--lr-schedule", "Cosine"], "--lr-schedule must be constant or cosine, got 'Cosine'" },
        { ["bench", "--precision", "fp8"], "--precision must be auto, fp32 or bf16, got 'fp8'" },
        { ["train", "--precision", "fp16"], "--precision must be auto, fp32 or bf16, got 'fp16'" },
        { ["predict", "--checkpoint", "x", "y.png", "--precision", "half"], "--precision must be auto, fp32 or bf16, got 'half'" },
        { ["bench", "--layout", "nhcw"], "--layout must be nhwc or nchw, got 'nhcw'" },
        { ["evaluate"], "no model given: pass --checkpoint RUN (a training run) or --pretrained (the model that ships with the tool)" },
        { ["train", "--model", "googlenet-bn", "--micro-batch", "16"], "--micro-batch 16: googlenet-bn uses batch normalisation" },
        { ["compare", "--models", "googlenet,inception-v3", "--micro-batch", "16"], "--micro-batch 16: inception-v3 uses batch normalisation" },
        { ["bench", "--model", "inception-resnet", "--micro-batch", "16"], "--micro-batch 16: inception-resnet uses batch normalisation" },
        { ["predict", "--checkpoint", "x"], "Required argument missing for command: 'predict'" },
    };

    [Theory]
    [MemberData(nameof(NameCases))]
    public void UnknownNamesAndMissingArgumentsAreOneLineAndExitCode2(string[] args, string message)
    {
        AssertOneLineError(InProcessCli.Run(args), message);
    }

    /// <summary>The options a verb needs to get as far as checking the option under test.</summary>
    private string[] Required(string verb) => verb switch
    {
        "train" => ["train", "--data", _dir["no-data"], "--out", _dir["run"]],
        "compare" => ["compare", "--models", "googlenet", "--data", _dir["no-data"], "--out", _dir["run"]],
        "evaluate" => ["evaluate", "--checkpoint", Checkpoint(), "--data", _dir["no-data"]],
        "predict" => ["predict", "--checkpoint", Checkpoint(), _dir["no-image.png"]],
        _ => [verb],
    };

    private string Checkpoint()
    {
        string path = _dir["checkpoint.bin"];
        if (!File.Exists(path))
        {
            using var model = new ChapterGoogLeNet();
            using var optimizer = optim.SGD(model.parameters(), 0.1);
            var metadata = new CheckpointMetadata(GoogLeNet.Training.Checkpoint.CurrentFormat, "googlenet", 1, 10, 32, 1,
                new TrainOptions { Resize = 32 }, [], [], DateTime.UtcNow);
            GoogLeNet.Training.Checkpoint.Save(path, metadata, model, optimizer);
        }
        return path;
    }

    internal static void AssertOneLineError(CliRunner.Result result, string message)
    {
        Assert.Equal(2, result.ExitCode);
        Assert.Equal("", result.Stdout);
        string line = Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("googlenet: error: ", line);
        Assert.Contains(message, line);
    }
}
