using System.Text.Json;
using GoogLeNet.Tests.Data;

namespace GoogLeNet.Tests.Cli;

/// <summary>The optimiser and augmentation options of train: refused when out of range, shown, recorded, fixed on resume.</summary>
public class RecipeOptionsTests
{
    public static TheoryData<string[], string> BadValues() => new()
    {
        { ["--momentum", "1"], "--momentum must be at least 0 and below 1, got 1" },
        { ["--momentum", "-0.1"], "--momentum must be at least 0 and below 1, got -0.1" },
        { ["--nesterov"], "--nesterov needs --momentum above 0" },
        { ["--weight-decay", "0.5"], "--weight-decay must be from 0 to 0.1, got 0.5" },
        { ["--warmup-epochs", "10"], "--warmup-epochs must be at least 0 and fewer than the 10 --epochs, got 10" },
        { ["--augment", "crop,rotate"], "--augment: unknown augmentation 'rotate'; known: crop, flip, erase" },
    };

    [Theory]
    [MemberData(nameof(BadValues))]
    public void OutOfRangeValuesAreOneLineAndExitCode2(string[] args, string message)
    {
        var result = InProcessCli.Run(["train", .. args]);
        Assert.Equal(2, result.ExitCode);
        Assert.Equal($"googlenet: error: {message}\n", result.Stderr);
    }

    [Fact]
    public void TheRecipeIsOnTheFirstLineInConfigJsonAndCannotChangeOnResume()
    {
        using var dir = new TempDirectory();
        IdxWriter.WriteDataset(dir["data"], 64, 20);
        string[] recipe = ["--momentum", "0.9", "--nesterov", "--weight-decay", "0.0005", "--warmup-epochs", "1", "--augment", "flip,crop"];
        var run = CliRunner.Run(["train", "--data", dir["data"], "--out", dir["run"], "--epochs", "2", "--resize", "16", "--batch-size", "32",
            "--threads", "1", .. recipe]);
        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.Contains("lr 0.1, momentum 0.9 (Nesterov), weight decay 0.0005, 1 warm-up epoch, augment crop,flip, batch 32", run.Stdout.Split('\n')[0]);
        using (var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir["run"], "config.json"))))
        {
            var options = config.RootElement.GetProperty("options");
            Assert.Equal(0.9, options.GetProperty("momentum").GetDouble());
            Assert.True(options.GetProperty("nesterov").GetBoolean());
            Assert.Equal(0.0005, options.GetProperty("weight_decay").GetDouble());
            Assert.Equal(1, options.GetProperty("warmup_epochs").GetInt32());
            Assert.Equal("flip,crop", options.GetProperty("augment").GetString());
        }
        var changed = InProcessCli.Run("train", "--resume", dir["run"], "--epochs", "3", "--momentum", "0.5");
        Assert.Equal(2, changed.ExitCode);
        Assert.StartsWith("googlenet: error: --momentum cannot be changed when resuming (the run was started with 0.9;", changed.Stderr);
        var reordered = InProcessCli.Run("train", "--resume", dir["run"], "--epochs", "3", "--augment", "crop,erase");
        Assert.StartsWith("googlenet: error: --augment cannot be changed when resuming (the run was started with crop,flip;", reordered.Stderr);
    }

    [LinuxFact]
    public void ThePrecisionIsOnTheFirstLineInConfigAndSummaryAndKeptOnResume()
    {
        using var dir = new TempDirectory();
        IdxWriter.WriteDataset(dir["data"], 64, 20);
        var run = CliRunner.Run(["train", "--data", dir["data"], "--out", dir["run"], "--epochs", "1", "--resize", "16", "--batch-size", "32",
            "--threads", "1", "--precision", "bf16"]);
        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.Contains(", batch 32, bf16, 1 threads;", run.Stdout.Split('\n')[0]);
        using (var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir["run"], "config.json"))))
            Assert.Equal("bf16", config.RootElement.GetProperty("options").GetProperty("precision").GetString());
        using (var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir["run"], "summary.json"))))
            Assert.Equal("bf16", summary.RootElement.GetProperty("precision").GetString());

        var changed = InProcessCli.Run("train", "--resume", dir["run"], "--epochs", "2", "--precision", "fp32");
        Assert.Equal(2, changed.ExitCode);
        Assert.StartsWith("googlenet: error: --precision cannot be changed when resuming (the run was started with bf16;", changed.Stderr);
        // Without --precision the run goes on in the precision it was started in, whatever auto is here.
        var resumed = CliRunner.Run("train", "--resume", dir["run"], "--epochs", "2");
        Assert.True(resumed.ExitCode == 0, resumed.Stderr);
        Assert.Contains("(2 epochs in all, bf16)", resumed.Stdout.Split('\n')[0]);
    }
}
