using GoogLeNet.Inference;
using GoogLeNet.Interop;
using GoogLeNet.Models;
using static TorchSharp.torch;

namespace GoogLeNet.Tests.Interop;

/// <summary>Every registered model's exported graph, run by ONNX Runtime and checked by the onnx package, against TorchSharp's own output.</summary>
public class OnnxExportTests
{
    /// <summary>The largest difference allowed between ONNX Runtime's logits and TorchSharp's, both float32.</summary>
    private const double Tolerance = 1e-4;

    public static TheoryData<string> Names() => new(ModelRegistry.Names);

    /// <summary>A model with random weights and, in its batch norms, random running statistics (so that they matter at inference).</summary>
    internal static Classifier RandomModel(string name, int seed = 7)
    {
        var info = ModelRegistry.Get(name);
        manual_seed(seed);
        var model = info.Create(info.DefaultChannels, 10);
        Initialization.XavierUniform(model);
        using (no_grad())
            foreach (var module in model.modules().OfType<TorchSharp.Modules.BatchNorm2d>())
            {
                module.running_mean!.copy_(randn_like(module.running_mean) * 0.1);
                module.running_var!.copy_(rand_like(module.running_var) + 0.5);
                module.weight!.copy_(rand_like(module.weight) + 0.5);
                module.bias!.copy_(randn_like(module.bias) * 0.1);
            }
        GoogLeNet.Runtime.ChannelsLast.Apply(model); // as checkpoints are loaded for inference: the exporter must not mind the layout
        model.eval();
        return model;
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void OnnxRuntimeGivesTorchSharpsLogitsAtBatchOneAndSeven(string name)
    {
        var info = ModelRegistry.Get(name);
        using var model = RandomModel(name);
        var labels = Enumerable.Range(0, 10).Select(i => $"class {i}").ToList();
        byte[] onnx = OnnxExport.ToBytes(model, info.DefaultSize, labels);
        using var engine = new OnnxRuntimeEngine(onnx, threads: 2);
        Assert.Equal(info.DefaultChannels, engine.Channels);
        Assert.Equal(info.DefaultSize, engine.ImageSize);
        Assert.Equal(labels, engine.Labels);

        foreach (int batch in new[] { 1, 7 })
        {
            using var scope = NewDisposeScope();
            var x = rand(batch, info.DefaultChannels, info.DefaultSize, info.DefaultSize);
            float[] expected;
            using (no_grad())
                expected = model.call(x).contiguous().data<float>().ToArray();
            float[] actual = engine.Run(x.data<float>().ToArray(), batch);
            Assert.Equal(batch * 10, actual.Length);
            double worst = expected.Zip(actual, (e, a) => Math.Abs(e - a)).Max();
            Assert.True(worst <= Tolerance, $"{name}, batch {batch}: logits differ by up to {worst:E2} (tolerance {Tolerance:E0}); largest logit {expected.Max(Math.Abs):F3}");
            // The check is not vacuous: the logits differ between images.
            Assert.True(expected.Take(10).Zip(expected.Skip(10 * (batch - 1)).Take(10), (a, b) => Math.Abs(a - b)).Max() > 0 || batch == 1);
        }
    }

    [Fact]
    public void TheOnnxCheckerAcceptsEveryModelsFileWithItsShapesInferred()
    {
        using var dir = new TempDirectory();
        var paths = new List<string>();
        foreach (var name in ModelRegistry.Names)
        {
            var info = ModelRegistry.Get(name);
            using var model = RandomModel(name);
            var path = dir[name + ".onnx"];
            OnnxExport.Save(model, info.DefaultSize, Enumerable.Range(0, 10).Select(i => i.ToString()).ToList(), path);
            paths.Add(path);
        }
        string output = Python.Run("""
            import sys, onnx
            from onnx import shape_inference
            for path in sys.argv[1:]:
                m = onnx.load(path)
                onnx.checker.check_model(m)
                inferred = shape_inference.infer_shapes(m, strict_mode=True)
                out = inferred.graph.output[0]
                dims = [d.dim_param or d.dim_value for d in out.type.tensor_type.shape.dim]
                meta = {p.key: p.value for p in m.metadata_props}
                print(path.rsplit('/', 1)[-1], m.ir_version, m.opset_import[0].version, m.graph.input[0].name, out.name, dims, meta['image_size'], meta['channels'])
            """, paths.ToArray());
        var lines = output.Trim().Split('\n');
        Assert.Equal(ModelRegistry.Names.Count(), lines.Length);
        foreach (var (name, line) in ModelRegistry.Names.Zip(lines))
        {
            var info = ModelRegistry.Get(name);
            Assert.Equal($"{name}.onnx 8 17 image logits ['N', 10] {info.DefaultSize} {info.DefaultChannels}", line.Trim());
        }
    }

    [Fact]
    public void TheGraphHasNoDropoutAndNoAuxiliaryHeads()
    {
        using var model = RandomModel("googlenet-original");
        var proto = OnnxExport.Build(model, 224, Enumerable.Range(0, 10).Select(i => i.ToString()).ToList());
        Assert.DoesNotContain(proto.Graph.Node, n => n.OpType == "Dropout");
        Assert.DoesNotContain(proto.Graph.Initializer, t => t.Name.StartsWith("aux", StringComparison.Ordinal));
        // Its weights are exactly the main path's: the state dict without the auxiliary heads.
        long exported = proto.Graph.Initializer.Where(t => !t.Name.EndsWith(".scale", StringComparison.Ordinal)).Sum(t => t.Dims.Aggregate(1L, (a, d) => a * d));
        long mainPath = model.parameters().Sum(p => p.numel()) - ((OriginalGoogLeNet)model).AuxiliaryParameters;
        Assert.Equal(mainPath, exported);
        Assert.Contains(proto.Graph.Node, n => n.OpType == "LRN");
    }
}
