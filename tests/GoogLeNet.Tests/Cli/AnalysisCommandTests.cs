using System.Text.Json;

namespace GoogLeNet.Tests.Cli;

public class AnalysisCommandTests
{
    [Fact]
    public void ParamsJsonHasTheBooksAndThePapersCounts()
    {
        var result = CliRunner.Run("params", "--json", "--models", "alexnet,vgg11,nin,googlenet,googlenet-original");
        Assert.True(result.ExitCode == 0, result.Stderr);
        using var doc = JsonDocument.Parse(result.Stdout);
        var rows = doc.RootElement.EnumerateArray().ToDictionary(r => r.GetProperty("model").GetString()!);
        Assert.Equal(46_764_746, rows["alexnet"].GetProperty("params").GetInt64());
        Assert.Equal(128_806_154, rows["vgg11"].GetProperty("params").GetInt64());
        Assert.Equal(1_992_166, rows["nin"].GetProperty("params").GetInt64());
        Assert.Equal(5_977_530, rows["googlenet"].GetProperty("params").GetInt64());
        var original = rows["googlenet-original"];
        Assert.Equal(13_378_280, original.GetProperty("params").GetInt64());
        Assert.Equal(6_998_552, original.GetProperty("params").GetInt64() - original.GetProperty("training_only_params").GetInt64());
        Assert.Equal(0, rows["nin"].GetProperty("fc_params").GetInt64());
        Assert.Equal(10_250, rows["googlenet"].GetProperty("fc_params").GetInt64());
        // By hand: AlexNet's five convolutions (1->96 11x11, 96->256 5x5, 256->384, 384->384, 384->256 3x3, with
        // biases) and three fully connected layers (6400->4096->4096->10); GoogLeNet's layers with weights are
        // all convolutions but the last; neither has any other parameter.
        Assert.Equal(96 * 121 + 96 + 256 * 96 * 25 + 256 + 384 * 256 * 9 + 384 + 384 * 384 * 9 + 384 + 256 * 384 * 9 + 256,
            rows["alexnet"].GetProperty("conv_params").GetInt64());
        Assert.Equal(6400 * 4096 + 4096 + 4096 * 4096 + 4096 + 4096 * 10 + 10, rows["alexnet"].GetProperty("fc_params").GetInt64());
        Assert.Equal(5_977_530 - 10_250, rows["googlenet"].GetProperty("conv_params").GetInt64());
        Assert.Equal(0, rows["alexnet"].GetProperty("other_params").GetInt64());
        Assert.Equal(0, rows["googlenet"].GetProperty("other_params").GetInt64());
    }

    [Fact]
    public void ParamsTableExplainsTheSavingsWithItsNumbers()
    {
        var result = CliRunner.Run("params", "--models", "alexnet,nin,googlenet");
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("alexnet: 43,040,778 of its 46,764,746 parameters", result.Stdout);
        Assert.Contains("global average pooling", result.Stdout);
        Assert.Contains("1x1 reductions", result.Stdout);
    }

    [Fact]
    public void MinSizeJsonForTheChaptersNetwork()
    {
        var result = CliRunner.Run("min-size", "--json");
        Assert.True(result.ExitCode == 0, result.Stderr);
        using var doc = JsonDocument.Parse(result.Stdout);
        Assert.Equal(1, doc.RootElement.GetProperty("min_size").GetInt32());
        Assert.Equal(JsonValueKind.Null, doc.RootElement.GetProperty("max_size").ValueKind);
        Assert.Equal(6, doc.RootElement.GetProperty("stages").GetArrayLength());
        Assert.Equal("", result.Stderr);
    }

    [Fact]
    public void MinSizeTableNamesTheReason()
    {
        var result = CliRunner.Run("min-size", "--model", "alexnet");
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("193 (min)", result.Stdout);
        Assert.Contains("accepts nothing above 224", result.Stdout);
        Assert.DoesNotContain("   at ", result.Stdout + result.Stderr);
    }

    [Fact]
    public void ModelsJsonListsEveryRegisteredModel()
    {
        var result = CliRunner.Run("models", "--json");
        Assert.True(result.ExitCode == 0, result.Stderr);
        using var doc = JsonDocument.Parse(result.Stdout);
        var names = doc.RootElement.EnumerateArray().Select(m => m.GetProperty("name").GetString()).ToList();
        Assert.Equal(["googlenet", "googlenet-bn", "inception-v3", "inception-resnet", "googlenet-original", "alexnet", "vgg11", "nin"], names);
        var googlenet = doc.RootElement.EnumerateArray().First();
        Assert.Equal(5_977_530, googlenet.GetProperty("params").GetInt64());
        Assert.Equal(276_066_304, googlenet.GetProperty("macs").GetInt64());
        Assert.Equal(10, googlenet.GetProperty("classes").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(googlenet.GetProperty("description").GetString()));
    }
}
