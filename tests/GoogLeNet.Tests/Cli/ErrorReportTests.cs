using GoogLeNet.Cli;
using GoogLeNet.Training;

namespace GoogLeNet.Tests.Cli;

/// <summary>How the tool turns the library's errors into its one line and exit code.</summary>
public class ErrorReportTests
{
    [Fact]
    public void LibrarySettingsBecomeTheToolsOptionNames()
    {
        Assert.Equal("--epochs 1: pass --epochs 2 or more", ErrorReport.InOptionNames("TrainOptions.Epochs 1: pass TrainOptions.Epochs = 2 or more"));
        Assert.Equal("--lr-schedule must be constant or cosine; --lr 0.05", ErrorReport.InOptionNames("TrainOptions.LrSchedule must be constant or cosine; TrainOptions.Lr = 0.05"));
        Assert.Equal("a 2x2 input does not fit nin; 'googlenet min-size --model nin' finds the sizes it accepts",
            ErrorReport.InOptionNames("a 2x2 input does not fit nin; InputSizeProbe.Find(\"nin\") finds the sizes it accepts"));
        Assert.Equal("Epochs are counted from 1", ErrorReport.InOptionNames("Epochs are counted from 1")); // prose is left alone
    }

    [Fact]
    public void ExitCodesFollowTheErrorsType()
    {
        Assert.Equal(3, ErrorReport.ExitCode(new TrainingDivergedException("diverged")));
        Assert.Equal(1, ErrorReport.ExitCode(new FileWriteException("disk full", new IOException("No space left on device"))));
        Assert.Equal(2, ErrorReport.ExitCode(new InvalidSettingException("TrainOptions.Epochs must be at least 1, got 0")));
        Assert.Equal(2, ErrorReport.ExitCode(new CheckpointException("x.bin", "checkpoint not found")));
    }

    [Fact]
    public void AFileNameWithANewlineStaysOnOneLine()
    {
        using var dir = new TempDirectory();
        string odd = dir["two\nlines\u001b[31m.bin"];
        var result = InProcessCli.Run("evaluate", "--checkpoint", odd);
        Assert.Equal(2, result.ExitCode);
        string line = Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("two\\nlines\\x1B[31m.bin: checkpoint not found", line);
    }

    [Fact]
    public void MoreThreadsThanCoresIsSaidInOneLineAndTheRunGoesOn()
    {
        var error = new StringWriter();
        var saved = Console.Error;
        Console.SetError(error);
        try
        {
            ErrorReport.WarnIfMoreThreadsThanCores(64, cores: 2);
            ErrorReport.WarnIfMoreThreadsThanCores(2, cores: 2);
        }
        finally
        {
            Console.SetError(saved);
        }
        Assert.Equal("googlenet: warning: --threads 64 is more than the 2 cores of this machine; libtorch runs slower, not faster, with more threads than cores\n",
            error.ToString());

        // Through a verb: the warning, and the verb's own work still done (summary is quick; bench --steps 1 at a tiny size).
        var bench = InProcessCli.Run("bench", "--model", "nin", "--size", "64", "--batch-size", "2", "--steps", "1", "--threads", "4096");
        Assert.Contains("--threads 4096 is more than 1,024", bench.Stderr); // beyond the limit: refused, as before
        var ran = InProcessCli.Run("bench", "--model", "googlenet", "--size", "32", "--batch-size", "2", "--steps", "1", "--threads", $"{Environment.ProcessorCount + 1}");
        Assert.Equal(0, ran.ExitCode);
        Assert.Contains($"googlenet: warning: --threads {Environment.ProcessorCount + 1} is more than the {Environment.ProcessorCount} cores of this machine", ran.Stderr);
    }
}
