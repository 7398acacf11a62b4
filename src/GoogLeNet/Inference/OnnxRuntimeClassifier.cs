using GoogLeNet.Data;
using GoogLeNet.Models;
using Google.Protobuf;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace GoogLeNet.Inference;

/// <summary>
/// A trained network served by ONNX Runtime behind the <see cref="Classifier"/> interface, so that evaluation and
/// prediction run it as they run libtorch's: its forward pass exports nothing and trains nothing, it hands each
/// batch (float32, any memory layout) to ONNX Runtime and returns the logits as a tensor.
/// </summary>
internal sealed class OnnxRuntimeClassifier : Classifier
{
    private readonly OnnxRuntimeEngine _engine;

    /// <summary>Exports <paramref name="model"/> at <paramref name="imageSize"/> and opens it in ONNX Runtime.</summary>
    public OnnxRuntimeClassifier(Classifier model, int imageSize, IReadOnlyList<string> labels, int threads)
        : this(model, Interop.OnnxExport.ToBytes(model, imageSize, labels), threads)
    {
    }

    private OnnxRuntimeClassifier(Classifier model, byte[] onnx, int threads)
        : base(model.GetName(), model.InChannels, model.NumClasses)
    {
        _engine = new OnnxRuntimeEngine(onnx, threads);
    }

    /// <summary>
    /// Exports <paramref name="model"/>, quantizes it to int8 (<see cref="Interop.OnnxQuantize"/>) with activation ranges
    /// calibrated on <paramref name="calibration"/>, and opens the int8 graph in ONNX Runtime.
    /// </summary>
    /// <param name="model">The trained network.</param>
    /// <param name="imageSize">Side of the square input.</param>
    /// <param name="labels">Class names.</param>
    /// <param name="threads">ONNX Runtime threads.</param>
    /// <param name="calibration">Training images (not the ones to be evaluated), at least one; the first <see cref="CalibrationImages"/> are used.</param>
    public static OnnxRuntimeClassifier Int8(Classifier model, int imageSize, IReadOnlyList<string> labels, int threads, ImageDataset calibration)
    {
        var sample = calibration.Take(Math.Min(CalibrationImages, calibration.Count));
        var batches = new List<(float[] Images, int Batch)>();
        using (var source = new BatchSource(sample, 128, imageSize, shuffle: false, seed: 0))
        {
            foreach (var (x, _) in source.Epoch(0))
            {
                using var plain = x.to_type(ScalarType.Float32).contiguous();
                batches.Add((plain.data<float>().ToArray(), (int)x.shape[0]));
            }
        }
        return Int8(model, imageSize, labels, threads, batches);
    }

    /// <summary>As <see cref="Int8(Classifier, int, IReadOnlyList{string}, int, ImageDataset)"/>, calibrated on batches of model inputs.</summary>
    internal static OnnxRuntimeClassifier Int8(Classifier model, int imageSize, IReadOnlyList<string> labels, int threads,
        IReadOnlyList<(float[] Images, int Batch)> calibration)
    {
        var graph = Interop.OnnxExport.Build(model, imageSize, labels);
        var int8 = Interop.OnnxQuantize.Quantize(graph, calibration, threads);
        return new OnnxRuntimeClassifier(model, int8.ToByteArray(), threads);
    }

    /// <summary>How many training images calibrate the int8 activation ranges.</summary>
    public const int CalibrationImages = 256;

    /// <summary>None: the graph is ONNX Runtime's.</summary>
    public override IReadOnlyList<(string Name, Module<Tensor, Tensor> Module)> Stages => [];

    /// <summary>The logits ONNX Runtime computes for the batch.</summary>
    public override Tensor forward(Tensor x)
    {
        using var plain = x.to_type(ScalarType.Float32).contiguous();
        int batch = (int)plain.shape[0];
        float[] logits = _engine.Run(plain.data<float>().ToArray(), batch);
        return tensor(logits, [batch, NumClasses]);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
            _engine.Dispose();
        base.Dispose(disposing);
    }
}
