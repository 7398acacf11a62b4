using System.CommandLine;
using GoogLeNet.Inference;
using GoogLeNet.Models;

namespace GoogLeNet.Cli.Commands;

/// <summary><c>--engine libtorch|onnxruntime</c> for evaluate and predict: which engine runs the forward passes.</summary>
internal static class EngineOption
{
    public static Option<string> Create() => new Option<string>("--engine")
    {
        HelpName = "ENGINE",
        Description = "libtorch (in --precision), or onnxruntime: the network exported to ONNX and run by ONNX Runtime in float32 (logits within 1e-4 of libtorch's float32)",
        DefaultValueFactory = _ => "libtorch",
    }.OneOf("libtorch", "onnxruntime");

    /// <summary>
    /// The network to run: the source's own for libtorch, or the source exported and opened in ONNX Runtime, which
    /// computes in float32 only (a bf16 asked for explicitly is refused; auto becomes fp32).
    /// </summary>
    public static (Classifier Model, Precision Precision) Resolve(string engine, ModelSource source, string precision, int threads, bool precisionGiven)
    {
        var arithmetic = PrecisionOption.Resolve(precision);
        if (engine != "onnxruntime")
            return (source.Model, arithmetic);
        if (precisionGiven && arithmetic != Precision.Fp32)
            throw new GoogLeNetException($"--engine onnxruntime computes in fp32 only (ONNX Runtime has no bfloat16 arithmetic on the CPU); leave out --precision {precision}");
        return (new OnnxRuntimeClassifier(source.Model, source.ImageSize, source.Labels, threads), Precision.Fp32);
    }
}
