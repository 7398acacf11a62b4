using System.Text.Json;

namespace GoogLeNet.Tests.Cli;

public class SummaryCommandTests
{
    [Fact]
    public void JsonHasTheChaptersShapesAndTotals()
    {
        var result = CliRunner.Run("summary", "--json");
        Assert.True(result.ExitCode == 0, result.Stderr);
        using var doc = JsonDocument.Parse(result.Stdout);
        var root = doc.RootElement;
        Assert.Equal("googlenet", root.GetProperty("model").GetString());
        Assert.Equal([1, 1, 96, 96], root.GetProperty("input").EnumerateArray().Select(e => e.GetInt32()));
        var stages = root.GetProperty("stages").EnumerateArray().ToList();
        Assert.Equal(["b1", "b2", "b3", "b4", "b5", "head"], stages.Select(s => s.GetProperty("name").GetString()));
        int[][] shapes = [[1, 64, 24, 24], [1, 192, 12, 12], [1, 480, 6, 6], [1, 832, 3, 3], [1, 1024], [1, 10]];
        for (int i = 0; i < shapes.Length; i++)
            Assert.Equal(shapes[i], stages[i].GetProperty("output").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal(5_977_530, root.GetProperty("params").GetInt64());
        Assert.Equal(276_066_304, root.GetProperty("macs").GetInt64());
    }

    [Fact]
    public void TableNamesEveryStageAndTheTotals()
    {
        var result = CliRunner.Run("summary", "--size", "224");
        Assert.Equal(0, result.ExitCode);
        foreach (var text in new[] { "b1", "b5", "head", "(1, 832, 7, 7)", "5,977,530", "1,502,982,144" })
            Assert.Contains(text, result.Stdout);
    }

    [Theory]
    [InlineData("--size", "0")]
    [InlineData("--size", "-3")]
    [InlineData("--size", "big")]
    [InlineData("--channels", "0")]
    [InlineData("--model", "resnet")]
    [InlineData("--bogus", "1")]
    public void BadOptionsGiveOneLineAndExitCode2(string option, string value)
    {
        var result = CliRunner.Run("summary", option, value);
        Assert.Equal(2, result.ExitCode);
        Assert.Equal("", result.Stdout);
        var lines = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.StartsWith("googlenet: error:", lines[0]);
        Assert.DoesNotContain("   at ", result.Stderr);
    }
}
