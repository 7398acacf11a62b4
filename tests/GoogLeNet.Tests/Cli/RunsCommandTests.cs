using System.Text.Json;
using GoogLeNet.Tests.Data;

namespace GoogLeNet.Tests.Cli;

public class RunsCommandTests
{
    [Fact]
    public void RunsListsTheRunsOfAFolderAsATableAndAsJson()
    {
        using var dir = new TempDirectory();
        IdxWriter.WriteDataset(dir["data"], 32, 16);
        string run = Path.Combine(dir["runs"], "quick");
        var trained = CliRunner.Run("train", "--data", dir["data"], "--out", run, "--epochs", "1", "--resize", "16", "--batch-size", "32", "--threads", "1");
        Assert.True(trained.ExitCode == 0, trained.Stderr);

        var table = CliRunner.Run("runs", dir["runs"]);
        Assert.True(table.ExitCode == 0, table.Stderr);
        var row = Assert.Single(table.Stdout.Split('\n'), l => l.Contains("quick"));
        Assert.Matches(@"quick\s+│ googlenet\s+│ finished\s+│ 1 of 1 epochs\s+│\s+[01]\.\d{3} │ lr 0\.1\s+│ (\d{4}-\d\d-\d\d )?\d\d:\d\d UTC \(\S+( \S+)? ago\)", row);

        var json = CliRunner.Run("runs", dir["runs"], "--json");
        using var doc = JsonDocument.Parse(json.Stdout);
        var only = Assert.Single(doc.RootElement.EnumerateArray());
        Assert.Equal(run, only.GetProperty("folder").GetString());
        Assert.Equal("finished", only.GetProperty("state").GetString());
        Assert.Equal(1, only.GetProperty("epochs_done").GetInt32());

        var empty = CliRunner.Run("runs", dir["data"]);
        Assert.Equal(0, empty.ExitCode);
        Assert.Equal($"{dir["data"]}: no run folders (a run folder holds config.json or checkpoint.bin)", empty.Stdout.Trim());
        var missing = CliRunner.Run("runs", dir["nowhere"]);
        Assert.Equal(2, missing.ExitCode);
        Assert.Equal($"googlenet: error: {dir["nowhere"]}: folder not found", missing.Stderr.Trim());
    }
}
