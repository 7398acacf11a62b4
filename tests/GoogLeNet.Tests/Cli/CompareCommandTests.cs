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
