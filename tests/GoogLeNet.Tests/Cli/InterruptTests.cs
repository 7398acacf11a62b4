using System.Diagnostics;
using GoogLeNet.Tests.Data;
using GoogLeNet.Training;

namespace GoogLeNet.Tests.Cli;

/// <summary>Ctrl-C or SIGTERM on the real process: it stops, keeps the last checkpoint, and says how to resume.</summary>
public class InterruptTests
{
    [LinuxTheory]
    [InlineData("INT", 130)]
    [InlineData("TERM", 143)]
    public void AStopSignalEndsTheRunWithItsExitCodeAndTheRunResumes(string signal, int exitCode)
    {
        using var dir = new TempDirectory();
        IdxWriter.WriteDataset(dir["data"], 64, 16);
        // The tool starts with SIGINT at its default disposition even when this test process inherited it ignored
        // (a background job of a non-interactive shell), which the child would inherit in turn.
        using var running = CliRunner.Start(null,
            ["train", "--data", dir["data"], "--out", dir["run"], "--epochs", "1000", "--resize", "16", "--batch-size", "16", "--threads", "1"],
            wrapper: ["env", "--default-signal=INT"]);

        string checkpoint = Path.Combine(dir["run"], "checkpoint.bin");
        var waited = Stopwatch.StartNew();
        while (!File.Exists(checkpoint) && waited.Elapsed < TimeSpan.FromMinutes(2) && !running.Process.HasExited)
            Thread.Sleep(100);
        Assert.True(File.Exists(checkpoint), "no checkpoint after two minutes");
        Process.Start("kill", [$"-{signal}", running.Process.Id.ToString()])!.WaitForExit();
        var result = running.Wait(TimeSpan.FromMinutes(1)); // kills the process (and fails) if it does not stop

        Assert.Equal(exitCode, result.ExitCode);
        Assert.Contains($"Resume with: googlenet train --resume {dir["run"]}", result.Stderr);
        Assert.DoesNotContain("   at ", result.Stderr + result.Stdout);
        var saved = Checkpoint.Read(checkpoint);
        Assert.InRange(saved.Metadata.Epoch, 1, 999);
        Assert.Empty(Directory.GetFiles(dir["run"], "*.tmp"));

        var more = CliRunner.Run("train", "--resume", dir["run"], "--epochs", (saved.Metadata.Epoch + 1).ToString(), "--data", dir["data"]);
        Assert.True(more.ExitCode == 0, more.Stderr);
        // Stopped between two steps or in the test pass, the run was saved where it stood; just after an epoch's checkpoint, at that epoch.
        Assert.Contains($"resuming googlenet in {dir["run"]} {saved.Metadata.When} ({saved.Metadata.Epoch + 1} epochs in all, {Precisions.Default.Name()})", more.Stdout);
        Assert.Equal(saved.Metadata.Epoch + 1, Checkpoint.Read(checkpoint).Metadata.Epoch);
        Assert.Null(Checkpoint.Read(checkpoint).Metadata.InEpoch);
    }

    [LinuxFact]
    public void AStopWhoseCheckpointCannotBeWrittenIsStillAStopThatSaysHowToResume()
    {
        using var dir = new TempDirectory();
        IdxWriter.WriteDataset(dir["data"], 256, 16);
        // Every checkpoint within an epoch fails as on a full disk; those at an epoch's end are written.
        using var running = CliRunner.Start(new Dictionary<string, string> { ["GOOGLENET_FAULT"] = "fail-in-epoch-checkpoint-write" },
            ["train", "--data", dir["data"], "--out", dir["run"], "--epochs", "1000", "--resize", "16", "--batch-size", "16", "--threads", "1",
             "--checkpoint-every", "0"],
            wrapper: ["env", "--default-signal=INT"]);

        // curves.png is written after the first epoch's checkpoint; half a second later the second epoch is a few of its
        // 16 steps in (a signal in the moment between an epoch's checkpoint and the next step has nothing to save).
        string checkpoint = Path.Combine(dir["run"], "checkpoint.bin"), curves = Path.Combine(dir["run"], "curves.png");
        var waited = Stopwatch.StartNew();
        while (!File.Exists(curves) && waited.Elapsed < TimeSpan.FromMinutes(2) && !running.Process.HasExited)
            Thread.Sleep(100);
        Assert.True(File.Exists(curves), "no first epoch after two minutes");
        Thread.Sleep(500);
        Process.Start("kill", ["-TERM", running.Process.Id.ToString()])!.WaitForExit();
        var result = running.Wait(TimeSpan.FromMinutes(1));

        // Before, the failed save ended the run as a failure (exit 1) without the way to resume it.
        Assert.Equal(143, result.ExitCode);
        var saved = Checkpoint.Read(checkpoint).Metadata;
        Assert.Null(saved.InEpoch);
        string[] lines = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal($"googlenet: interrupted; the run is saved{(lines.Length == 2 ? $" {saved.When}" : " up to its last step")}. Resume with: googlenet train --resume {dir["run"]}", lines[^1]);
        if (lines.Length == 2)
            Assert.Matches($"^googlenet: warning: .*checkpoint.bin: the checkpoint of epoch {saved.Epoch + 1}, step [0-9]+ of 16 could not be written \\(No space left on device.*\\); the previous checkpoint is intact$", lines[0]);
        else
            Assert.Single(lines);
        Assert.Empty(Directory.GetFiles(dir["run"], "*.tmp"));
    }

    [LinuxFact]
    public void AStoppedComparisonSaysHowToResumeIt()
    {
        using var dir = new TempDirectory();
        IdxWriter.WriteDataset(dir["data"], 64, 16);
        using var running = CliRunner.Start(null,
            ["compare", "--models", "googlenet-bn,googlenet", "--data", dir["data"], "--out", dir["cmp"], "--epochs", "1000", "--resize", "16", "--batch-size", "16", "--threads", "1"],
            wrapper: ["env", "--default-signal=INT"]);

        string checkpoint = Path.Combine(dir["cmp"], "googlenet-bn", "checkpoint.bin");
        var waited = Stopwatch.StartNew();
        while (!File.Exists(checkpoint) && waited.Elapsed < TimeSpan.FromMinutes(2) && !running.Process.HasExited)
            Thread.Sleep(100);
        Assert.True(File.Exists(checkpoint), "no checkpoint after two minutes");
        Process.Start("kill", ["-TERM", running.Process.Id.ToString()])!.WaitForExit();
        var result = running.Wait(TimeSpan.FromMinutes(1));

        Assert.Equal(143, result.ExitCode);
        Assert.Equal($"googlenet: interrupted; finished models and the one in training up to its last step are kept. Resume with: googlenet compare --resume {dir["cmp"]}", result.Stderr.Trim());
        Assert.True(File.Exists(Path.Combine(dir["cmp"], "compare-config.json")));
    }
}
