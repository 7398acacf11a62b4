using System.CommandLine;
using GoogLeNet.Data;
using GoogLeNet.Inference;
using GoogLeNet.Models;

namespace GoogLeNet.Cli.Commands;

/// <summary>The engine that runs the forward passes, and the arithmetic it computes in.</summary>
/// <param name="Model">The network to call: the source's own for libtorch, else one served by ONNX Runtime.</param>
/// <param name="Precision">libtorch's arithmetic (fp32 for ONNX Runtime, whose int8 graph takes and gives float32).</param>
/// <param name="Engine">libtorch, onnxruntime or onnxruntime-int8.</param>
/// <param name="Arithmetic">What the convolutions compute in: fp32, bf16 or int8.</param>
internal sealed record ResolvedEngine(Classifier Model, Precision Precision, string Engine, string Arithmetic);

/// <summary><c>--engine</c> for evaluate and predict: which engine runs the forward passes.</summary>
internal static class EngineOption
{
    /// <summary>int8 is chosen by <c>auto</c> only for sets at least this large, where quantizing pays for itself.</summary>
    public const int AutoInt8Images = 5_000;

    /// <summary>predict's option: libtorch or ONNX Runtime in float32.</summary>
    public static Option<string> Create() => new Option<string>("--engine")
    {
        HelpName = "ENGINE",
        Description = "libtorch (in --precision), or onnxruntime: the network exported to ONNX and run by ONNX Runtime in float32 (logits within 1e-4 of libtorch's float32)",
        DefaultValueFactory = _ => "libtorch",
    }.OneOf("libtorch", "onnxruntime");

    /// <summary>evaluate's option, which adds int8 and picks the fastest by default.</summary>
    public static Option<string> CreateWithInt8() => new Option<string>("--engine")
    {
        HelpName = "ENGINE",
        Description = "libtorch (in --precision); onnxruntime (float32, logits within 1e-4 of libtorch's float32); onnxruntime-int8 "
            + $"(int8 convolutions calibrated on {OnnxRuntimeClassifier.CalibrationImages} training images; the shipped model's top-1 answers agree with float32's on 99.5 % of "
            + "the test set, its accuracy within 0.1 point); or auto: onnxruntime-int8 where the CPU has VNNI, --precision is not given and "
            + $"the set has {AutoInt8Images:N0} images or more, libtorch elsewhere (here: {(Precisions.CpuHasVnni ? "int8 for large sets" : "libtorch")})",
        DefaultValueFactory = _ => "auto",
    }.OneOf("auto", "libtorch", "onnxruntime", "onnxruntime-int8");

    /// <summary>What auto means for a set of <paramref name="images"/> pictures.</summary>
    public static string Auto(int images, bool precisionGiven, bool cpuHasVnni) =>
        cpuHasVnni && !precisionGiven && images >= AutoInt8Images ? "onnxruntime-int8" : "libtorch";

    /// <summary>
    /// The network to run: the source's own for libtorch, or the source exported and opened in ONNX Runtime, which
    /// computes in float32 (or int8, calibrated on <paramref name="calibration"/>'s images) only: a bf16 asked for
    /// explicitly is refused.
    /// </summary>
    public static ResolvedEngine Resolve(string engine, ModelSource source, string precision, int threads, bool precisionGiven,
        int images = 0, Func<ImageDataset>? calibration = null)
    {
        var arithmetic = PrecisionOption.Resolve(precision);
        if (engine == "auto")
            engine = Auto(images, precisionGiven, Precisions.CpuHasVnni);
        if (engine == "libtorch")
            return new ResolvedEngine(source.Model, arithmetic, engine, arithmetic.Name());
        if (precisionGiven && arithmetic != Precision.Fp32)
            throw new GoogLeNetException($"--engine {engine} takes float32 input and has no bfloat16 arithmetic on the CPU; leave out --precision {precision}");
        if (engine == "onnxruntime")
            return new ResolvedEngine(new OnnxRuntimeClassifier(source.Model, source.ImageSize, source.Labels, threads), Precision.Fp32, engine, "fp32");
        var sample = calibration?.Invoke() ?? throw new GoogLeNetException($"--engine {engine} needs training images to calibrate on");
        return new ResolvedEngine(OnnxRuntimeClassifier.Int8(source.Model, source.ImageSize, source.Labels, threads, sample), Precision.Fp32, engine, "int8");
    }
}
