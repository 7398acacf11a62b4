using GoogLeNet.Models;
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
        : base(model.GetName(), model.InChannels, model.NumClasses)
    {
        _engine = new OnnxRuntimeEngine(Interop.OnnxExport.ToBytes(model, imageSize, labels), threads);
    }

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
