using System.Text.Json;

namespace GoogLeNet.Tests.Cli;

public class BenchCommandTests
{
    /// <summary>
    /// The chapter's network's multiply-adds for one 1x32x32 image, counted outside this project: forward hooks
    /// on every convolution and linear layer of the book's PyTorch definition (the copy in bench/peer_googlenet.py;
    /// the same count gives the book's 276,066,304 at 96x96).
    /// </summary>
    private const long MacsAt32 = 30_683_136;

    [Fact]
    public void JsonHasEveryKeyThePeerPrints()
    {
        var result = CliRunner.Run("bench", "--json", "--steps", "2", "--batch-size", "4", "--size", "32", "--threads", "1");
        Assert.True(result.ExitCode == 0, result.Stderr);
        using var doc = JsonDocument.Parse(result.Stdout);
        var r = doc.RootElement;
        foreach (var key in new[] { "model", "batch_size", "size", "threads", "precision", "train_img_s", "infer_img_s", "sgemm_gflops",
                                     "train_gflops", "efficiency", "peak_rss_mb", "rss_growth_pct", "infer_engine", "infer_auto_img_s" })
            Assert.True(r.TryGetProperty(key, out _), key);
        // The inference figure compare.sh sets against the peer's: evaluate's engine for a large set, int8 where it was timed.
        string engine = r.GetProperty("infer_engine").GetString()!;
        Assert.Equal(engine == "onnxruntime-int8" ? r.GetProperty("infer_int8_img_s").GetDouble() : r.GetProperty("infer_img_s").GetDouble(),
            r.GetProperty("infer_auto_img_s").GetDouble());
        Assert.Equal(GoogLeNet.Precisions.CpuHasVnni ? "onnxruntime-int8" : "libtorch", engine);
        Assert.Equal(JsonValueKind.Null, r.GetProperty("epoch_seconds").ValueKind);
        Assert.InRange(r.GetProperty("warmup_steps").GetInt32(), 3, GoogLeNet.Benchmarks.Benchmark.MaxWarmupSteps);
        Assert.Equal(32, r.GetProperty("size").GetInt32());
        Assert.True(r.GetProperty("train_img_s").GetDouble() > 0);
        Assert.True(r.GetProperty("infer_img_s").GetDouble() > 0);
        Assert.True(r.GetProperty("sgemm_gflops").GetDouble() > 0);
        // A training step is three forward passes' worth of multiply-adds, two floating-point operations each.
        Assert.Equal(6.0 * MacsAt32 * r.GetProperty("train_img_s").GetDouble() / 1e9, r.GetProperty("train_gflops").GetDouble(), 6);
        Assert.Equal(r.GetProperty("train_gflops").GetDouble() / r.GetProperty("sgemm_gflops").GetDouble(), r.GetProperty("efficiency").GetDouble(), 6);
        // libtorch's CPU library alone maps more than 100 MB; a growth figure is a percentage of it.
        Assert.InRange(r.GetProperty("peak_rss_mb").GetDouble(), 100, 64 * 1024);
        Assert.True(double.IsFinite(r.GetProperty("rss_growth_pct").GetDouble()));
    }

    [Fact]
    public void EpochTimesARealEpochAgainstTheRatesBudget()
    {
        using var dir = new TempDirectory();
        string data = GoogLeNet.Tests.Data.IdxWriter.WriteDataset(dir.Path, 40, 20);
        string[] EpochFolders() => Directory.GetDirectories(Path.GetTempPath(), "googlenet-epoch-*");
        var before = EpochFolders();
        var result = CliRunner.Run("bench", "--json", "--epoch", "--data", data, "--steps", "2", "--batch-size", "8", "--size", "32", "--threads", "1");
        Assert.True(result.ExitCode == 0, result.Stderr);
        using var doc = JsonDocument.Parse(result.Stdout);
        var r = doc.RootElement;
        Assert.Equal(40, r.GetProperty("epoch_train_images").GetInt32());
        Assert.Equal(20, r.GetProperty("epoch_test_images").GetInt32());
        Assert.True(r.GetProperty("epoch_seconds").GetDouble() > 0);
        double budget = 1.1 * (40 / r.GetProperty("train_img_s").GetDouble() + 20 / r.GetProperty("infer_img_s").GetDouble());
        Assert.Equal(budget, r.GetProperty("epoch_budget_seconds").GetDouble(), 6);
        // The epoch is shown as train shows it, on standard error, so standard output stays one JSON object.
        Assert.Contains("epoch 1: loss", result.Stderr);
        // Its temporary run folder is gone.
        Assert.Equal(before.Order(), EpochFolders().Order());
    }

    [Fact]
    public void EpochOptionsThatCannotApplyAreRefused()
    {
        var refused = CliRunner.Run("bench", "--train-limit", "100");
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("--train-limit applies only with --epoch", refused.Stderr);
        var nchw = CliRunner.Run("bench", "--epoch", "--layout", "nchw");
        Assert.Equal(2, nchw.ExitCode);
        Assert.Contains("leave out --layout nchw", nchw.Stderr);
        var profile = CliRunner.Run("bench", "--epoch", "--profile");
        Assert.Equal(2, profile.ExitCode);
        Assert.Contains("--epoch and --profile cannot be combined", profile.Stderr);
        var steps = CliRunner.Run("bench", "--profile", "--steps", "5");
        Assert.Equal(2, steps.ExitCode);
        Assert.Contains("--steps does not apply with --profile", steps.Stderr);
    }

    [Theory]
    [InlineData("--model", "alexnet")]
    [InlineData("--model", "alexnet", "--profile")]
    public void ASizeTheModelCannotTakeIsOneLine(params string[] args)
    {
        // alexnet needs at least 193x193; the default --size is 96.
        OptionMatrixTests.AssertOneLineError(InProcessCli.Run(["bench", .. args]), "a 96x96 input does not fit alexnet");
    }

    [LinuxTheory]
    [InlineData("bf16", "bf16")]
    [InlineData("fp32", "fp32")]
    public void ThePrecisionIsMeasuredAndRecorded(string option, string recorded)
    {
        var result = CliRunner.Run("bench", "--json", "--steps", "1", "--batch-size", "2", "--size", "32", "--threads", "1", "--precision", option);
        Assert.True(result.ExitCode == 0, result.Stderr);
        using var doc = JsonDocument.Parse(result.Stdout);
        Assert.Equal(recorded, doc.RootElement.GetProperty("precision").GetString());
        Assert.True(doc.RootElement.GetProperty("train_img_s").GetDouble() > 0);
    }

    [LinuxFact]
    public void AutoIsBf16OnlyWhereTheCpuHasBfloat16Arithmetic()
    {
        var result = CliRunner.Run("bench", "--json", "--steps", "1", "--batch-size", "2", "--size", "32", "--threads", "1");
        Assert.True(result.ExitCode == 0, result.Stderr);
        using var doc = JsonDocument.Parse(result.Stdout);
        Assert.Equal(Precisions.CpuHasBf16 ? "bf16" : "fp32", doc.RootElement.GetProperty("precision").GetString());
    }

    [Fact]
    public void ProfileCountsEveryLayerOfTheChaptersNetworkByKind()
    {
        var result = CliRunner.Run("bench", "--profile", "--json", "--batch-size", "4", "--size", "32", "--threads", "1");
        Assert.True(result.ExitCode == 0, result.Stderr);
        using var doc = JsonDocument.Parse(result.Stdout);
        var p = doc.RootElement;
        Assert.Equal("nhwc", p.GetProperty("layout").GetString());
        var rows = p.GetProperty("rows").EnumerateArray().ToDictionary(r => r.GetProperty("kind").GetString()!);
        // The chapter's network: 57 convolutions (37 1x1, 10 3x3, 9 5x5, the 7x7 stem), each with its ReLU, 13 max pools.
        Assert.Equal(37, rows["convolution 1x1"].GetProperty("layers").GetInt32());
        Assert.Equal(10, rows["convolution 3x3"].GetProperty("layers").GetInt32());
        Assert.Equal(9, rows["convolution 5x5"].GetProperty("layers").GetInt32());
        Assert.Equal(1, rows["convolution 7x7"].GetProperty("layers").GetInt32());
        Assert.Equal(57, rows["ReLU"].GetProperty("layers").GetInt32());
        Assert.Equal(13, rows["max pooling"].GetProperty("layers").GetInt32());
        // The layers' multiply-adds are the network's, for a batch of 4.
        Assert.Equal(4 * MacsAt32, rows.Values.Sum(r => r.GetProperty("multiply_adds").GetInt64()));
        // The time outside the layers (the whole step's minus the layers timed one by one; it can come out
        // slightly negative) has its own row.
        Assert.Single(rows.Values, r => r.GetProperty("kind").GetString()!.StartsWith("outside the layers"));
        Assert.True(p.GetProperty("step_milliseconds").GetDouble() > 0);
        Assert.True(p.GetProperty("inference_milliseconds").GetDouble() > 0);
        // Every kind of layer was timed in both passes.
        Assert.All(rows.Values.Where(r => r.GetProperty("layers").GetInt32() > 0),
            r => Assert.True(r.GetProperty("inference_milliseconds").GetDouble() > 0, r.GetProperty("kind").GetString()));
    }
}
