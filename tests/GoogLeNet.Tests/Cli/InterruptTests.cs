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
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "googlenet.dll"), "train", "--data", dir["data"], "--out", dir["run"],
                     "--epochs", "1000", "--resize", "16", "--batch-size", "16", "--threads", "1" })
            start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();

        string checkpoint = Path.Combine(dir["run"], "checkpoint.bin");
        var waited = Stopwatch.StartNew();
        while (!File.Exists(checkpoint) && waited.Elapsed < TimeSpan.FromMinutes(2) && !process.HasExited)
            Thread.Sleep(100);
        Assert.True(File.Exists(checkpoint), "no checkpoint after two minutes");
        Process.Start("kill", [$"-{signal}", process.Id.ToString()])!.WaitForExit();
        Assert.True(process.WaitForExit(TimeSpan.FromMinutes(1)), $"the process did not stop after SIG{signal}");

        Assert.Equal(exitCode, process.ExitCode);
        Assert.Contains($"Resume with: googlenet train --resume {dir["run"]}", stderr.Result);
        Assert.DoesNotContain("   at ", stderr.Result + stdout.Result);
        var saved = Checkpoint.Read(checkpoint);
        Assert.InRange(saved.Metadata.Epoch, 1, 999);
        Assert.Empty(Directory.GetFiles(dir["run"], "*.tmp"));

        var more = CliRunner.Run("train", "--resume", dir["run"], "--epochs", (saved.Metadata.Epoch + 1).ToString(), "--data", dir["data"]);
        Assert.True(more.ExitCode == 0, more.Stderr);
        Assert.Equal(saved.Metadata.Epoch + 1, Checkpoint.Read(checkpoint).Metadata.Epoch);
    }
}
