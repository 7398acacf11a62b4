using System.Globalization;
using System.Text.Json;
using GoogLeNet.Tests.Data;
using SkiaSharp;

namespace GoogLeNet.Tests.Cli;

/// <summary>The train, evaluate and predict verbs run as a user runs them, on tiny synthetic data.</summary>
public class TrainCommandTests
{
    private static readonly string[] Quick = ["--epochs", "1", "--resize", "16", "--batch-size", "32", "--threads", "1"];

    /// <summary>The book's results line (and each epoch's, after "epoch N: ").</summary>
    private const string Results = @"loss \d\.\d{3}, train acc \d\.\d{3}, test acc \d\.\d{3}";

    [Fact]
    public void TrainWritesTheRunFolderAndEvaluateAndPredictUseItsCheckpoint()
    {
        using var dir = new TempDirectory();
        IdxWriter.WriteDataset(dir["data"], 64, 30, gzip: true);
        var train = CliRunner.Run(["train", "--data", dir["data"], "--out", dir["run"], .. Quick]);
        double testAcc;
        Assert.True(train.ExitCode == 0, train.Stderr);
        Assert.Matches(Results, train.Stdout);
        Assert.Matches(@"\d+\.\d examples/sec on cpu", train.Stdout);
        foreach (var file in new[] { "config.json", "metrics.csv", "curves.png", "checkpoint.bin", "summary.json" })
            Assert.True(File.Exists(Path.Combine(dir["run"], file)), file);
        using (var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir["run"], "summary.json"))))
        {
            foreach (var key in new[] { "model", "epochs", "train_loss", "train_acc", "test_acc", "examples_per_sec", "wall_seconds", "params" })
                Assert.True(summary.RootElement.TryGetProperty(key, out _), key);
            Assert.Equal(5_977_530, summary.RootElement.GetProperty("params").GetInt64());
            Assert.Equal(1, summary.RootElement.GetProperty("epochs").GetInt32());
            Assert.Equal("googlenet", summary.RootElement.GetProperty("model").GetString());
            Assert.Contains($"test acc {summary.RootElement.GetProperty("test_acc").GetDouble():F3}", train.Stdout);
            testAcc = summary.RootElement.GetProperty("test_acc").GetDouble();
        }
        using (var png = SKBitmap.Decode(Path.Combine(dir["run"], "curves.png")))
            Assert.True(png.Width > 300 && png.Height > 200);

        var evaluate = CliRunner.Run("evaluate", "--checkpoint", dir["run"], "--data", dir["data"], "--json");
        Assert.True(evaluate.ExitCode == 0, evaluate.Stderr);
        using (var e = JsonDocument.Parse(evaluate.Stdout))
        {
            Assert.Equal(30, e.RootElement.GetProperty("examples").GetInt32());
            Assert.Equal(10, e.RootElement.GetProperty("per_class").GetArrayLength());
            var confusion = e.RootElement.GetProperty("confusion").EnumerateArray().Select(r => r.EnumerateArray().Select(c => c.GetInt64()).ToList()).ToList();
            Assert.Equal(30, confusion.Sum(r => r.Sum()));
            // Accuracy is the confusion matrix's diagonal, and the checkpoint scores what training reported
            // for it (within one of the 30 images: evaluate runs on every core by default, training ran on 1).
            double acc = e.RootElement.GetProperty("test_acc").GetDouble();
            Assert.Equal(Enumerable.Range(0, 10).Sum(i => confusion[i][i]) / 30.0, acc, 9);
            Assert.InRange(acc, testAcc - 1.5 / 30, testAcc + 1.5 / 30);
        }
        using (var png = SKBitmap.Decode(Path.Combine(dir["run"], "confusion.png")))
            Assert.True(png.Width > 300 && png.Height > 300);

        string good = dir["shirt photo é.png"];
        WritePng(good, 50, 70, SKColors.Orange);
        File.WriteAllText(dir["notes.png"], "not a picture");
        var predict = CliRunner.Run("predict", "--checkpoint", Path.Combine(dir["run"], "checkpoint.bin"), good, dir["notes.png"], "--top", "2", "--json");
        Assert.Equal(2, predict.ExitCode);
        Assert.Equal($"googlenet: error: {dir["notes.png"]}: not an image in a format this tool reads (PNG, JPEG, GIF, BMP, WebP)", predict.Stderr.Trim());
        using var p = JsonDocument.Parse(predict.Stdout);
        var only = Assert.Single(p.RootElement.EnumerateArray());
        Assert.Equal(good, only.GetProperty("file").GetString());
        var top = only.GetProperty("top").EnumerateArray().ToList();
        Assert.Equal(2, top.Count);
        Assert.True(top[0].GetProperty("prob").GetDouble() >= top[1].GetProperty("prob").GetDouble());
    }

    [Fact]
    public void ResumeContinuesARunAndRefusesChangedSettings()
    {
        using var dir = new TempDirectory();
        IdxWriter.WriteDataset(dir["data"], 32, 16);
        Assert.Equal(0, CliRunner.Run(["train", "--data", dir["data"], "--out", dir["run"], .. Quick]).ExitCode);

        Refused("all 1 epochs are done; pass --epochs N", "train", "--resume", dir["run"], "--data", dir["data"]);
        Refused("--lr cannot be changed when resuming (the run was started with 0.1; see ", "train", "--resume", dir["run"], "--lr", "0.5", "--data", dir["data"]);
        // Killed just after its last checkpoint, before summary.json: resuming finishes it.
        string summary = Path.Combine(dir["run"], "summary.json");
        File.Delete(summary);
        var finish = CliRunner.Run("train", "--resume", dir["run"], "--data", dir["data"]);
        Assert.True(finish.ExitCode == 0, finish.Stderr);
        Assert.True(File.Exists(summary));

        // The first command again with --resume and more epochs: the same values may be given, and how often to checkpoint may change.
        var more = CliRunner.Run(["train", "--resume", dir["run"], "--data", dir["data"], .. Quick[2..], "--epochs", "2", "--checkpoint-every", "0"]);
        Assert.True(more.ExitCode == 0, more.Stderr);
        Assert.Contains($"resuming googlenet in {dir["run"]} after epoch 1 (2 epochs in all, {Precisions.Default.Name()})", more.Stdout);
        Assert.Contains("epoch 2:", more.Stdout);
        Assert.DoesNotContain("epoch 1:", more.Stdout);

        var empty = CliRunner.Run("train", "--resume", dir["data"]);
        Assert.Equal(2, empty.ExitCode);
        Assert.Contains("no checkpoint.bin in this folder", empty.Stderr);
    }

    [Fact]
    public void ResumeFindsTheRunsDataFromAnyFolderAndRefusesWhenItIsGone()
    {
        using var dir = new TempDirectory();
        IdxWriter.WriteDataset(dir["data"], 32, 16);
        // Started with relative paths from the folder that holds the data ...
        var first = CliRunner.RunIn(dir.Path, ["train", "--data", "data", "--out", "run", .. Quick]);
        Assert.True(first.ExitCode == 0, first.Stderr);
        using (var config = JsonDocument.Parse(File.ReadAllText(dir["run/config.json"])))
            Assert.Equal(dir["data"], config.RootElement.GetProperty("data").GetString());

        // ... and resumed from another one, without --data: the run's own data is found.
        var resumed = CliRunner.Run("train", "--resume", dir["run"], "--epochs", "2");
        Assert.True(resumed.ExitCode == 0, resumed.Stderr);
        Assert.Contains("epoch 2:", resumed.Stdout);

        // Once that folder is gone the run does not go on with whatever copy is found next.
        Directory.Move(dir["data"], dir["moved"]);
        var gone = CliRunner.Run("train", "--resume", dir["run"], "--epochs", "3");
        OptionMatrixTests.AssertOneLineError(gone, $"{dir["data"]}: the data folder this run was trained on is gone");
        var moved = CliRunner.Run("train", "--resume", dir["run"], "--epochs", "3", "--data", dir["moved"]);
        Assert.True(moved.ExitCode == 0, moved.Stderr);
        Assert.Contains("epoch 3:", moved.Stdout);
    }

    [Fact]
    public void NamesThatStartWithAnAtSignAreNames()
    {
        using var dir = new TempDirectory();
        IdxWriter.WriteDataset(dir["@data"], 32, 16);
        var result = CliRunner.RunIn(dir.Path, ["train", "--data", "@data", "--out", "@run", .. Quick]);
        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.True(File.Exists(dir["@run/checkpoint.bin"]));
    }

    [LinuxFact]
    public void ADumbTerminalShowsEveryEpochsResults()
    {
        // TERM=dumb (Emacs' shell, some IDE consoles): a terminal that cannot redraw a progress bar.
        using var dir = new TempDirectory();
        IdxWriter.WriteDataset(dir["data"], 64, 30);
        using var running = CliRunner.Start(new Dictionary<string, string> { ["TERM"] = "dumb" },
            ["train", "--data", dir["data"], "--out", dir["run"], .. Quick[2..], "--epochs", "2"], Sandbox.InTerminal());
        var result = running.Wait(TimeSpan.FromMinutes(5));
        Assert.True(result.ExitCode == 0, result.Stdout + result.Stderr);
        Assert.Matches("epoch 1: " + Results, result.Stdout);
        Assert.Matches("epoch 2: " + Results, result.Stdout);
        Assert.DoesNotContain("\u001b[", result.Stdout);
    }

    [Fact]
    public void ACosineScheduleIsShownRecordedAndKeptOnResume()
    {
        using var dir = new TempDirectory();
        IdxWriter.WriteDataset(dir["data"], 64, 16);
        var train = CliRunner.Run(["train", "--lr-schedule", "cosine", "--data", dir["data"], "--out", dir["run"], .. Quick]);
        Assert.True(train.ExitCode == 0, train.Stderr);
        Assert.Contains("epochs, lr 0.1 with cosine decay, batch 32", train.Stdout);
        // Two steps of 32: the plain progress lines show each step's rate, 0.1 then 0.05.
        Assert.Matches(@"step 1/2: .*, lr 0\.1\b", train.Stdout);
        Assert.Matches(@"step 2/2: .*, lr 0\.05\b", train.Stdout);
        using (var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir["run"], "config.json"))))
            Assert.Equal("cosine", config.RootElement.GetProperty("options").GetProperty("lr_schedule").GetString());

        Refused("googlenet: error: --epochs cannot be changed when resuming a run with --lr-schedule cosine: its rate falls to 0 over the 1 epochs it was started with",
            "train", "--resume", dir["run"], "--epochs", "2", "--data", dir["data"]);
        Refused("all 1 epochs are done, and a run with --lr-schedule cosine ends with them; start a new run to train longer",
            "train", "--resume", dir["run"], "--data", dir["data"]);
        Refused("--lr-schedule cannot be changed when resuming", "train", "--resume", dir["run"], "--lr-schedule", "constant", "--data", dir["data"]);
    }

    /// <summary>Runs the tool and expects exit code 2 and one line on stderr containing <paramref name="message"/>.</summary>
    private static void Refused(string message, params string[] args)
    {
        var result = CliRunner.Run(args);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains(message, Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
    }

    [Fact]
    public void AnInfiniteTestLossIsRecordedAndEvaluatedRatherThanEndingTheRun()
    {
        // googlenet-bn at lr 1000: the training loss stays finite (batch statistics renormalise it) while the
        // test pass, on running statistics, overflows. Writing that epoch's checkpoint threw before.
        using var dir = new TempDirectory();
        IdxWriter.WriteDataset(dir["data"], 64, 16);
        var train = CliRunner.Run(["train", "--model", "googlenet-bn", "--lr", "1000", "--seed", "3", "--data", dir["data"], "--out", dir["run"], .. Quick]);
        Assert.True(train.ExitCode == 0, train.Stderr);
        string checkpoint = Path.Combine(dir["run"], "checkpoint.bin");
        Assert.False(double.IsFinite(GoogLeNet.Training.Checkpoint.Read(checkpoint).Metadata.Epochs[0].TestLoss), "the premise: an overflowing test loss");

        var evaluate = CliRunner.Run("evaluate", "--checkpoint", checkpoint, "--data", dir["data"], "--json");
        Assert.True(evaluate.ExitCode == 0, evaluate.Stderr);
        using var doc = JsonDocument.Parse(evaluate.Stdout);
        Assert.Equal(JsonValueKind.Null, doc.RootElement.GetProperty("test_loss").ValueKind);
    }

    [Fact]
    public void AGermanLocaleReadsAndWritesNumbersWithADecimalPoint()
    {
        // The premise: German reads "0.05" as 5, so the config below tells the two readings apart.
        Assert.Equal(5, double.Parse("0.05", CultureInfo.GetCultureInfo("de-DE")));
        using var dir = new TempDirectory();
        IdxWriter.WriteDataset(dir["data"], 64, 30);
        var german = new Dictionary<string, string> { ["LANG"] = "de_DE.UTF-8", ["LC_ALL"] = "de_DE.UTF-8" };
        var train = CliRunner.Run(TimeSpan.FromMinutes(5), german, ["train", "--lr", "0.05", "--data", dir["data"], "--out", dir["run"], .. Quick]);
        Assert.True(train.ExitCode == 0, train.Stderr);
        using (var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir["run"], "config.json"))))
            Assert.Equal(0.05, config.RootElement.GetProperty("options").GetProperty("lr").GetDouble());
        Assert.Matches(Results, train.Stdout);
    }

    [Theory]
    [InlineData("--epochs", "0", "--epochs must be at least 1, got 0")]
    [InlineData("--lr", "-0.1", "--lr must be a positive number, got -0.1")]
    [InlineData("--lr", "NaN", "--lr must be a positive number")]
    [InlineData("--batch-size", "0", "--batch-size must be at least 1, got 0")]
    [InlineData("--batch-size", "10000000", "--batch-size 10000000 is more than 65,536")]
    [InlineData("--resize", "-1", "--resize must be a positive number of pixels")]
    [InlineData("--threads", "0", "--threads must be at least 1")]
    [InlineData("--train-limit", "0", "--train-limit must be at least 1")]
    [InlineData("--model", "lenet", "unknown model 'lenet'")]
    [InlineData("--device", "tpu", "--device must be cpu or cuda")]
    [InlineData("--device", "cuda", "CUDA is not available")]
    [InlineData("--epochs", "ten", "Cannot parse argument 'ten' for option '--epochs'")]
    [InlineData("--model", "alexnet", "a 96x96 input does not fit alexnet")]
    [InlineData("--label-smoothing", "1", "--label-smoothing must be at least 0 and below 1, got 1")]
    public void BadOptionsAreRefusedBeforeTraining(string option, string value, string message)
    {
        using var dir = new TempDirectory();
        var result = CliRunner.Run("train", option, value, "--out", dir["run"], "--data", dir["no-data"]);
        Assert.Equal(2, result.ExitCode);
        var line = Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(message, line);
        Assert.False(File.Exists(Path.Combine(dir["run"], "checkpoint.bin")));
    }

    [Fact]
    public void MissingDataIsOneLineWithExitCode2()
    {
        using var dir = new TempDirectory();
        IdxWriter.WriteDataset(dir["data"], 8, 8);
        File.WriteAllBytes(dir["data/train-images-idx3-ubyte"], [0, 0, 8, 3, 0, 0]);
        var result = CliRunner.Run("train", "--data", dir["data"], "--out", dir["run"]);
        Assert.Equal(2, result.ExitCode);
        Assert.Equal($"googlenet: error: {dir["data/train-images-idx3-ubyte"]}: truncated: the header needs 16 bytes, the file has 6", result.Stderr.Trim());
    }

    private static void WritePng(string path, int width, int height, SKColor color)
    {
        using var bitmap = new SKBitmap(width, height);
        bitmap.Erase(color);
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        File.WriteAllBytes(path, data.ToArray());
    }
}
