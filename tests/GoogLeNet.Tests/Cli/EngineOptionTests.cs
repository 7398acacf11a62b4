using System.Text.Json;
using GoogLeNet.Cli.Commands;
using GoogLeNet.Models;
using GoogLeNet.Tests.Data;

namespace GoogLeNet.Tests.Cli;

/// <summary>evaluate's <c>--engine</c>: what auto picks, the int8 engine end to end, and what it refuses.</summary>
public sealed class EngineOptionTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData(10_000, false, true, "onnxruntime-int8")]
    [InlineData(EngineOption.AutoInt8Images, false, true, "onnxruntime-int8")]
    [InlineData(EngineOption.AutoInt8Images - 1, false, true, "libtorch")] // quantizing would not pay for itself
    [InlineData(10_000, true, true, "libtorch")] // --precision given: the user asked for libtorch's arithmetic
    [InlineData(10_000, false, false, "libtorch")] // no VNNI: int8 has no fast path
    public void AutoPicksInt8OnlyForLargeSetsOnVnniWithoutAPrecision(int images, bool precisionGiven, bool vnni, string expected) =>
        Assert.Equal(expected, EngineOption.Auto(images, precisionGiven, vnni));

    [Fact]
    public void EvaluateRunsTheInt8EngineAndSaysSo()
    {
        string data = IdxWriter.WriteDataset(_dir["data"], 16, 8);
        string checkpoint = _dir["run/checkpoint.bin"];
        BadInputTests.SaveCheckpoint(checkpoint, "googlenet", new ChapterGoogLeNet());

        var result = InProcessCli.Run("evaluate", "--checkpoint", checkpoint, "--data", data, "--engine", "onnxruntime-int8", "--json");
        Assert.True(result.ExitCode == 0, result.Stderr);
        using var json = JsonDocument.Parse(result.Stdout);
        Assert.Equal("onnxruntime-int8", json.RootElement.GetProperty("engine").GetString());
        Assert.Equal("int8", json.RootElement.GetProperty("precision").GetString());
        Assert.Equal(8, json.RootElement.GetProperty("examples").GetInt32());

        var table = InProcessCli.Run("evaluate", "--checkpoint", checkpoint, "--data", data, "--engine", "onnxruntime-int8");
        Assert.True(table.ExitCode == 0, table.Stderr);
        Assert.Contains("engine: onnxruntime-int8 (int8)", table.Stderr);
    }

    [Theory]
    [InlineData("onnxruntime")]
    [InlineData("onnxruntime-int8")]
    public void OnnxRuntimeWithBf16IsRefused(string engine)
    {
        string data = IdxWriter.WriteDataset(_dir["data"], 16, 8);
        string checkpoint = _dir["run/checkpoint.bin"];
        BadInputTests.SaveCheckpoint(checkpoint, "googlenet", new ChapterGoogLeNet());
        var result = InProcessCli.Run("evaluate", "--checkpoint", checkpoint, "--data", data, "--engine", engine, "--precision", "bf16");
        OptionMatrixTests.AssertOneLineError(result,
            $"--engine {engine} takes float32 input and has no bfloat16 arithmetic on the CPU; leave out --precision bf16");
    }
}
