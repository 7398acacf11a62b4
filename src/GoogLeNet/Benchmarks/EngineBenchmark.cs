using GoogLeNet.Inference;
using GoogLeNet.Interop;
using static TorchSharp.torch;

namespace GoogLeNet.Benchmarks;

/// <summary>One engine's inference speed at one batch size.</summary>
/// <param name="Engine">"libtorch" or "onnxruntime".</param>
/// <param name="Precision">The arithmetic: fp32 or bf16 for libtorch, fp32 for ONNX Runtime (which has no bfloat16 on the CPU).</param>
/// <param name="Batch">Images per forward pass.</param>
/// <param name="ImgS">Images per second.</param>
/// <param name="MsPerBatch">Milliseconds per forward pass.</param>
internal sealed record EngineSpeed(string Engine, string Precision, int Batch, double ImgS, double MsPerBatch);

/// <summary>What <c>googlenet bench --engine onnxruntime</c> measures.</summary>
internal sealed record EngineBenchmarkResult(string Model, int Size, int Threads, double MaxLogitDifference, IReadOnlyList<EngineSpeed> Speeds);

/// <summary>
/// Inference of one network by libtorch (channels-last, in the given precision) and by ONNX Runtime (the graph
/// <see cref="OnnxExport"/> writes), at batch 1 and at a large batch, on the same synthetic images.
/// </summary>
internal static class EngineBenchmark
{
    public static EngineBenchmarkResult Run(string modelName, int batchSize, int size, int steps, int threads, Precision precision,
        IProgress<string>? progress = null)
    {
        OptionLimits.InRange(steps, "Benchmark.Run(steps)", 1, 100_000);
        using var run = SyntheticRun.Create(modelName, batchSize, size, threads, channelsLast: true);
        var model = run.Model;
        model.eval();
        progress?.Report("exporting the graph to ONNX");
        byte[] onnx = OnnxExport.ToBytes(model, size, Enumerable.Range(0, model.NumClasses).Select(i => i.ToString()).ToList());
        using var engine = new OnnxRuntimeEngine(onnx, threads);

        var speeds = new List<EngineSpeed>();
        double worst = 0;
        foreach (int batch in new[] { 1, batchSize }.Distinct())
        {
            using var scope = NewDisposeScope();
            var x = run.X.narrow(0, 0, batch).contiguous();
            float[] input = x.data<float>().ToArray();
            var xLast = Runtime.ChannelsLast.Of(x);
            // Batch 1 is quick: more repeats, so that the figure is not one scheduling hiccup.
            int repeats = batch == 1 ? Math.Max(steps, 20) : steps;

            progress?.Report($"libtorch ({precision.Name()}), batch {batch}");
            double torchSeconds;
            using (no_grad())
            {
                void Infer()
                {
                    using var s = NewDisposeScope();
                    using var autocast = Runtime.Autocast.On(precision);
                    model.call(xLast);
                }
                torchSeconds = Time(Infer, repeats);
            }
            progress?.Report($"ONNX Runtime (fp32), batch {batch}");
            double ortSeconds = Time(() => engine.Run(input, batch), repeats);

            float[] ours;
            using (no_grad())
                ours = model.call(xLast).contiguous().data<float>().ToArray();
            worst = Math.Max(worst, ours.Zip(engine.Run(input, batch), (a, b) => Math.Abs(a - b)).Max());
            speeds.Add(new EngineSpeed("libtorch", precision.Name(), batch, batch / torchSeconds, 1000 * torchSeconds));
            speeds.Add(new EngineSpeed("onnxruntime", "fp32", batch, batch / ortSeconds, 1000 * ortSeconds));
        }
        return new EngineBenchmarkResult(run.Info.Name, size, threads, worst, speeds);
    }

    /// <summary>Seconds per call: the median of <paramref name="repeats"/> timed calls after two untimed ones.</summary>
    private static double Time(Action call, int repeats)
    {
        call(); // the second untimed call is LayerProfile.Median's warm-up
        return LayerProfile.Median(repeats, call) / 1000;
    }
}
