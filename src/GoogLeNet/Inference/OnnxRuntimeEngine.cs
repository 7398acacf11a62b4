using System.Text.Json;
using GoogLeNet.Data;
using GoogLeNet.Interop;
using Microsoft.ML.OnnxRuntime;

namespace GoogLeNet.Inference;

/// <summary>
/// Runs a graph written by <see cref="OnnxExport"/> with ONNX Runtime (float32 on the CPU): the inference
/// engine that needs no libtorch. The application supplies ONNX Runtime's native library (the
/// Microsoft.ML.OnnxRuntime package).
/// </summary>
public sealed class OnnxRuntimeEngine : IDisposable
{
    private readonly InferenceSession _session;
    private readonly string[] _inputNames = [OnnxExport.InputName];
    private readonly string[] _outputNames = [OnnxExport.OutputName];

    /// <summary>An engine for the exported file at <paramref name="path"/>.</summary>
    /// <param name="path">An ONNX file written by <see cref="OnnxExport"/>.</param>
    /// <param name="threads">Threads for one inference (0: ONNX Runtime's default, one per core).</param>
    /// <exception cref="DataFileException">The file is missing or ONNX Runtime cannot load it, or it was not written by this tool.</exception>
    public OnnxRuntimeEngine(string path, int threads = 0)
        : this(UserFile.ReadAllBytes(path, (problem, inner) => new DataFileException(path, problem, inner), isDirectory: "is a directory, not an ONNX file"),
            threads, path)
    {
    }

    /// <summary>An engine for an exported graph held in memory.</summary>
    /// <param name="model">The bytes of an ONNX file written by <see cref="OnnxExport"/>.</param>
    /// <param name="threads">Threads for one inference (0: ONNX Runtime's default).</param>
    public OnnxRuntimeEngine(byte[] model, int threads = 0) : this(model, threads, "(ONNX model in memory)")
    {
    }

    private OnnxRuntimeEngine(byte[] model, int threads, string source)
    {
        var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        if (threads > 0)
        {
            options.IntraOpNumThreads = threads;
            options.InterOpNumThreads = 1;
        }
        try
        {
            _session = new InferenceSession(model, options);
        }
        catch (OnnxRuntimeException e)
        {
            throw new DataFileException(source, $"ONNX Runtime cannot load it ({e.Message.Split('\n')[0].Trim()})", e);
        }
        finally
        {
            options.Dispose();
        }
        Metadata = _session.ModelMetadata.CustomMetadataMap;
        try
        {
            Channels = int.Parse(Metadata["channels"], System.Globalization.CultureInfo.InvariantCulture);
            ImageSize = int.Parse(Metadata["image_size"], System.Globalization.CultureInfo.InvariantCulture);
            Labels = JsonSerializer.Deserialize<string[]>(Metadata["classes"]) ?? [];
        }
        catch (Exception e) when (e is KeyNotFoundException or FormatException or JsonException)
        {
            _session.Dispose();
            throw new DataFileException(source, "is an ONNX model without this tool's metadata (channels, image_size, classes)", e);
        }
    }

    /// <summary>The file's metadata (<see cref="OnnxExport.MetadataKeys"/>).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Input channels (1 grey, 3 RGB).</summary>
    public int Channels { get; }

    /// <summary>Side of the square input.</summary>
    public int ImageSize { get; }

    /// <summary>Class names in the order of the logits.</summary>
    public IReadOnlyList<string> Labels { get; }

    /// <summary>The logits of a batch.</summary>
    /// <param name="images">N x C x S x S values in [0, 1], row-major (NCHW).</param>
    /// <param name="batch">N.</param>
    /// <returns>N x classes logits, row-major.</returns>
    public float[] Run(float[] images, int batch)
    {
        long expected = (long)batch * Channels * ImageSize * ImageSize;
        if (batch < 1 || images.LongLength != expected)
            throw new InvalidSettingException($"OnnxRuntimeEngine.Run: {images.LongLength} values for a batch of {batch} {Channels}x{ImageSize}x{ImageSize} images ({expected} expected)");
        using var input = OrtValue.CreateTensorValueFromMemory(images, [batch, Channels, ImageSize, ImageSize]);
        using var runOptions = new RunOptions();
        using var outputs = _session.Run(runOptions, _inputNames, [input], _outputNames);
        return outputs[0].GetTensorDataAsSpan<float>().ToArray();
    }

    /// <summary>Releases the ONNX Runtime session.</summary>
    public void Dispose() => _session.Dispose();
}
