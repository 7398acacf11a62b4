using System.Text.Json;
using GoogLeNet.Tests.Data;

namespace GoogLeNet.Tests.Cli;

public class CompareCommandTests
{
    [Fact]
    public void TrainsEachEntryAndWritesTheTableJsonAndPlot()
    {
        using var dir = new TempDirectory();
        IdxWriter.WriteDataset(dir["data"], 32, 16);
        var result = CliRunner.Run("compare", "--models", "googlenet,googlenet-bn:ls=0.1", "--epochs", "1", "--resize", "16",
            "--batch-size", "16", "--threads", "1", "--data", dir["data"], "--out", dir["cmp"]);
        Assert.True(result.ExitCode == 0, result.Stderr);
        foreach (var file in new[] { "compare.md", "compare.json", "compare.png", "googlenet/checkpoint.bin", "googlenet-bn-ls-0.1/checkpoint.bin" })
            Assert.True(File.Exists(Path.Combine(dir["cmp"], file)), file);
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir["cmp"], "compare.json")));
        var rows = doc.RootElement.EnumerateArray().ToList();
        Assert.Equal(["googlenet", "googlenet-bn:ls=0.1"], rows.Select(r => r.GetProperty("label").GetString()));
        Assert.All(rows, r => Assert.Equal("ok", r.GetProperty("status").GetString()));
        Assert.Equal(5_984_810, rows[1].GetProperty("params").GetInt64());
        string table = File.ReadAllText(Path.Combine(dir["cmp"], "compare.md"));
        Assert.Contains("| googlenet-bn:ls=0.1 | 5,984,810 |", table);
        var smoothed = GoogLeNet.Training.Checkpoint.Read(Path.Combine(dir["cmp"], "googlenet-bn-ls-0.1", "checkpoint.bin"));
        Assert.Equal(0.1, smoothed.Metadata.Options.LabelSmoothing);
        Assert.Equal(0, GoogLeNet.Training.Checkpoint.Read(Path.Combine(dir["cmp"], "googlenet", "checkpoint.bin")).Metadata.Options.LabelSmoothing);
        using var png = SkiaSharp.SKBitmap.Decode(Path.Combine(dir["cmp"], "compare.png"));
        Assert.True(png is { Width: > 300, Height: > 200 }, "compare.png is a picture");
    }

    [Fact]
    public void AComparisonKilledMidwayIsFinishedByResume()
    {
        using var dir = new TempDirectory();
        IdxWriter.WriteDataset(dir["data"], 32, 16);
        string[] args = ["compare", "--models", "googlenet-bn:ls=0.1,googlenet-bn", "--epochs", "2", "--resize", "16",
            "--batch-size", "16", "--threads", "1", "--data", dir["data"], "--out", dir["cmp"]];
        // Killed while writing the first entry's second checkpoint: its first epoch is kept, the second entry never started.
        var killed = CliRunner.Run(TimeSpan.FromMinutes(5), new Dictionary<string, string> { ["GOOGLENET_FAULT"] = "kill-in-checkpoint-write:2" }, args);
        Assert.Equal(137, killed.ExitCode);
        Assert.False(File.Exists(Path.Combine(dir["cmp"], "compare.json")));

        var refusals = new (string[] Args, string Message)[]
        {
            (["--lr", "0.5"], "--lr cannot be changed when resuming"),
            (["--epochs", "3"], "--epochs cannot be changed when resuming"),
            (["--models", "googlenet-bn"], "--models cannot be changed when resuming (the comparison was started with googlenet-bn:ls=0.1,googlenet-bn; see "),
            (["--out", dir["other"]], "--out and --resume cannot be combined"),
        };
        foreach (var (more, message) in refusals)
        {
            var refused = CliRunner.Run(["compare", "--resume", dir["cmp"], .. more]);
            Assert.Equal(2, refused.ExitCode);
            Assert.Contains(message, Assert.Single(refused.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
        }
        var again = CliRunner.Run(args);
        Assert.Equal(2, again.ExitCode);
        Assert.Contains("already holds a comparison; continue it with compare --resume", again.Stderr);
        using (GoogLeNet.Training.RunFolder.LockFolder(dir["cmp"], "compare.lock", "comparing")) // as another compare --resume would
        {
            var busy = CliRunner.Run("compare", "--resume", dir["cmp"]);
            Assert.Equal(2, busy.ExitCode);
            Assert.Contains("another googlenet process is comparing in this folder", busy.Stderr);
        }

        // --threads may differ (here 2 instead of 1); every other option must be the one the comparison was started with.
        // The options given again with their first values are accepted; the data folder comes from the record.
        var resumed = CliRunner.Run("compare", "--resume", dir["cmp"], "--models", "googlenet-bn:ls=0.1,googlenet-bn", "--epochs", "2",
            "--resize", "16", "--batch-size", "16", "--threads", "2");
        Assert.True(resumed.ExitCode == 0, resumed.Stderr);
        Assert.Contains("-- googlenet-bn:ls=0.1, resuming after epoch 1", resumed.Stdout);
        Assert.Contains("-- googlenet-bn\n", resumed.Stdout);
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir["cmp"], "compare.json")));
        var rows = doc.RootElement.EnumerateArray().ToList();
        Assert.Equal(["googlenet-bn:ls=0.1", "googlenet-bn"], rows.Select(r => r.GetProperty("label").GetString()));
        Assert.All(rows, r => Assert.Equal(2, r.GetProperty("test_acc_per_epoch").GetArrayLength()));

        // Resumed once more, nothing is trained: the table is rebuilt from the entries' summaries, the same.
        string json = File.ReadAllText(Path.Combine(dir["cmp"], "compare.json"));
        var finished = CliRunner.Run("compare", "--resume", dir["cmp"]);
        Assert.True(finished.ExitCode == 0, finished.Stderr);
        Assert.Contains("-- googlenet-bn:ls=0.1: finished before the interruption, kept (test acc ", finished.Stdout);
        Assert.Contains("-- googlenet-bn: finished before the interruption, kept (test acc ", finished.Stdout);
        Assert.Equal(json, File.ReadAllText(Path.Combine(dir["cmp"], "compare.json")));
    }

    [Fact]
    public void ResumeNeedsAComparisonFolder()
    {
        using var dir = new TempDirectory();
        Directory.CreateDirectory(dir["plain"]);
        var result = CliRunner.Run("compare", "--resume", dir["plain"]);
        Assert.Equal(2, result.ExitCode);
        Assert.Equal($"googlenet: error: {dir["plain"]}: no compare-config.json in this folder, so not a comparison compare --resume can finish (versions before --resume wrote none; their models' run folders continue with train --resume)", result.Stderr.Trim());
        var none = CliRunner.Run("compare", "--epochs", "1");
        Assert.Equal(2, none.ExitCode);
        Assert.Contains("Option '--models' is required (or --resume DIR to finish an interrupted comparison)", none.Stderr);
    }

    [Theory]
    [InlineData("googlenet:xx", "is not NAME or NAME:ls=EPS")]
    [InlineData("resnet", "unknown model 'resnet'")]
    [InlineData("googlenet:ls=2", "--label-smoothing must be at least 0 and below 1")]
    [InlineData("googlenet,googlenet", "the same entry twice")]
    [InlineData("googlenet,alexnet", "a 96x96 input does not fit alexnet")]
    [InlineData("googlenet,googlenet-bn", "--micro-batch 8: googlenet-bn uses batch normalisation", "--micro-batch", "8")]
    public void BadEntriesAreRefusedBeforeTraining(string models, string message, params string[] more)
    {
        using var dir = new TempDirectory();
        // Refused before the data is looked for (there is none in no-data), let alone the first model trained.
        var result = CliRunner.Run(["compare", "--models", models, "--out", dir["cmp"], "--data", dir["no-data"], .. more]);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains(message, result.Stderr);
        Assert.False(Directory.Exists(dir["cmp"]));
    }
}
