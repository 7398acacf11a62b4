using GoogLeNet.Inference;
using GoogLeNet.Interop;
using GoogLeNet.Models;
using Microsoft.ML.OnnxRuntime;
using Google.Protobuf;
using Onnx;
using static TorchSharp.torch;

namespace GoogLeNet.Tests.Interop;

/// <summary>The int8 graph: its structure, what ONNX Runtime makes of it, and its logits against float32's.</summary>
public class OnnxQuantizeTests
{
    /// <summary>
    /// The int8 logits' root-mean-square difference from float32's, relative to the float32 logits' own
    /// root-mean-square, on images the calibration did not see: 0.5 % (googlenet) and 1.3 % (googlenet-bn) were measured on
    /// these random networks.
    /// </summary>
    private const double RelativeTolerance = 0.05;

    public static TheoryData<string> Models() => new("googlenet", "googlenet-bn");

    private static float[] Images(int batch, int channels, int size, int seed)
    {
        manual_seed(seed);
        using var x = rand(batch, channels, size, size);
        return x.data<float>().ToArray();
    }

    private static ModelProto Quantized(Classifier model, ModelInfo info, out ModelProto plain)
    {
        var labels = Enumerable.Range(0, 10).Select(i => $"class {i}").ToList();
        plain = OnnxExport.Build(model, info.DefaultSize, labels);
        return OnnxQuantize.Quantize(plain, [(Images(8, info.DefaultChannels, info.DefaultSize, seed: 1), 8)], threads: 2);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void EveryConvolutionGetsInt8WeightsPerChannelAndQuantizedInputs(string name)
    {
        var info = ModelRegistry.Get(name);
        using var model = OnnxExportTests.RandomModel(name);
        var int8 = Quantized(model, info, out var plain).Graph;
        var producers = int8.Node.SelectMany(n => n.Output.Select(o => (o, n))).ToDictionary(p => p.o, p => p.n);
        var initializers = int8.Initializer.ToDictionary(t => t.Name);
        var convs = int8.Node.Where(n => n.OpType == "Conv").ToList();
        Assert.Equal(plain.Graph.Node.Count(n => n.OpType == "Conv"), convs.Count);
        foreach (var conv in convs)
        {
            var weight = producers[conv.Input[1]];
            Assert.Equal("DequantizeLinear", weight.OpType);
            var q = initializers[weight.Input[0]];
            Assert.Equal((int)TensorProto.Types.DataType.Int8, q.DataType);
            Assert.Equal(q.Dims[0], initializers[weight.Input[1]].Dims.Single()); // one scale per output channel
            Assert.Equal("DequantizeLinear", producers[conv.Input[0]].OpType);
            Assert.Equal((int)TensorProto.Types.DataType.Int32, initializers[producers[conv.Input[2]].Input[0]].DataType);
            // The ReLU after it is folded into the output's uint8 range.
            Assert.DoesNotContain(int8.Node, n => n.OpType == "Relu" && n.Input.Contains(conv.Output[0]));
        }
        Assert.DoesNotContain(int8.Node, n => n.OpType == "BatchNormalization");
        if (name == "googlenet-bn")
            Assert.Contains(plain.Graph.Node, n => n.OpType == "BatchNormalization");
        Assert.Contains(plain.Graph.Node, n => n.OpType == "Relu");
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void OnnxRuntimeRunsItWithIntegerConvolutionsCloseToFloat32(string name)
    {
        var info = ModelRegistry.Get(name);
        using var model = OnnxExportTests.RandomModel(name);
        var int8 = Quantized(model, info, out var plain);

        using var dir = new TempDirectory();
        string optimized = Path.Combine(dir.Path, "optimized.onnx");
        using (var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_EXTENDED, OptimizedModelFilePath = optimized })
        using (new InferenceSession(int8.ToByteArray(), options)) { }
        var ops = ModelProto.Parser.ParseFrom(File.ReadAllBytes(optimized)).Graph.Node.Select(n => n.OpType).ToList();
        int integerConvs = ops.Count(o => o is "QLinearConv" or "ConvInteger");
        Assert.True(integerConvs == plain.Graph.Node.Count(n => n.OpType == "Conv"),
            $"{name}: ONNX Runtime made {integerConvs} of {plain.Graph.Node.Count(n => n.OpType == "Conv")} convolutions integer ones; its graph: {string.Join(",", ops.Distinct())}");
        Assert.DoesNotContain("Conv", ops);

        const int batch = 16;
        float[] images = Images(batch, info.DefaultChannels, info.DefaultSize, seed: 2);
        using var float32 = new OnnxRuntimeEngine(plain.ToByteArray(), threads: 2);
        using var quantized = new OnnxRuntimeEngine(int8.ToByteArray(), threads: 2);
        float[] expected = float32.Run(images, batch), actual = quantized.Run(images, batch);
        double rms = Math.Sqrt(expected.Average(v => (double)v * v));
        double diff = Math.Sqrt(expected.Zip(actual, (e, a) => (double)(e - a) * (e - a)).Average());
        Assert.True(rms > 0);
        Assert.True(diff / rms <= RelativeTolerance, $"{name}: int8 logits differ from float32's by {diff / rms:P1} (RMS), tolerance {RelativeTolerance:P0}");
        Assert.True(diff > 0, "the int8 logits equal float32's: nothing was quantized");
    }

    [Fact]
    public void CalibrationWithoutImagesIsRefused()
    {
        var info = ModelRegistry.Get("googlenet");
        using var model = OnnxExportTests.RandomModel("googlenet");
        var plain = OnnxExport.Build(model, info.DefaultSize, Enumerable.Range(0, 10).Select(i => $"{i}").ToList());
        Assert.Throws<InvalidSettingException>(() => OnnxQuantize.Quantize(plain, [], threads: 1));
    }

    [Fact]
    public void MinMaxIsTheSmallestAndLargestValueAtAnyLength()
    {
        var random = new Random(3);
        foreach (int length in new[] { 1, 7, 16, 33, 1000 })
        {
            float[] values = Enumerable.Range(0, length).Select(_ => (float)(random.NextDouble() * 10 - 5)).ToArray();
            Assert.Equal((values.Min(), values.Max()), OnnxQuantize.MinMax(values));
        }
    }
}
