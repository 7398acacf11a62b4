using System.Text.Json;

namespace GoogLeNet.Tests.Cli;

public class BenchCommandTests
{
    [Fact]
    public void JsonHasEveryKeyThePeerPrints()
    {
        var result = CliRunner.Run("bench", "--json", "--steps", "2", "--batch-size", "4", "--size", "32", "--threads", "1");
        Assert.True(result.ExitCode == 0, result.Stderr);
        using var doc = JsonDocument.Parse(result.Stdout);
        var r = doc.RootElement;
        foreach (var key in new[] { "model", "batch_size", "size", "threads", "precision", "train_img_s", "infer_img_s", "sgemm_gflops",
                                     "train_gflops", "efficiency", "peak_rss_mb", "rss_growth_pct" })
            Assert.True(r.TryGetProperty(key, out _), key);
        Assert.Equal(32, r.GetProperty("size").GetInt32());
        Assert.True(r.GetProperty("train_img_s").GetDouble() > 0);
        Assert.True(r.GetProperty("infer_img_s").GetDouble() > 0);
        Assert.True(r.GetProperty("sgemm_gflops").GetDouble() > 0);
        Assert.Equal(r.GetProperty("train_gflops").GetDouble() / r.GetProperty("sgemm_gflops").GetDouble(), r.GetProperty("efficiency").GetDouble(), 6);
    }

    [Fact]
    public void Bf16IsRefusedUntilItExists()
    {
        var result = CliRunner.Run("bench", "--precision", "bf16");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--precision bf16 is not supported yet", result.Stderr);
    }
}
