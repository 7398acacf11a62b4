using System.Text.Json;
using Google.Protobuf;
using Onnx;
using GoogLeNet.Models;
using static TorchSharp.torch;

namespace GoogLeNet.Interop;

/// <summary>
/// Writes a network as an ONNX model that ONNX Runtime (or any ONNX consumer) runs without this library:
/// the inference graph (evaluation mode, no dropout, no auxiliary heads), opset 17, input <c>image</c>
/// (N x C x H x W float32 in [0, 1], N free) and output <c>logits</c> (N x classes), with the class names and
/// the preprocessing in the model's metadata (<see cref="MetadataKeys"/>).
/// </summary>
public static class OnnxExport
{
    /// <summary>The ONNX operator set the graph uses.</summary>
    public const int Opset = 17;

    /// <summary>The ONNX IR version written, the one that goes with opset 17.</summary>
    public const long IrVersion = 8;

    /// <summary>The name of the graph's input.</summary>
    public const string InputName = "image";

    /// <summary>The name of the graph's output.</summary>
    public const string OutputName = "logits";

    /// <summary>The metadata every exported file carries, key and meaning.</summary>
    public static IReadOnlyDictionary<string, string> MetadataKeys { get; } = new Dictionary<string, string>
    {
        ["model"] = "the registered model name (googlenet, googlenet-bn, ...)",
        ["classes"] = "the class names in the order of the logits, as a JSON array of strings",
        ["channels"] = "1 for grey pictures, 3 for RGB (planes in the order red, green, blue)",
        ["image_size"] = "the side of the square input in pixels",
        ["colour"] = "grey or rgb: how to read a picture (grey as ITU-R 601 luma, 0.299 R + 0.587 G + 0.114 B)",
        ["resize"] = "how a picture becomes image_size x image_size",
        ["scale"] = "how a pixel becomes an input value",
    };

    /// <summary>The metadata of a model of <paramref name="channels"/> channels at <paramref name="imageSize"/> with these classes.</summary>
    /// <param name="model">The registered model name.</param>
    /// <param name="channels">Input channels, 1 or 3.</param>
    /// <param name="imageSize">Side of the square input.</param>
    /// <param name="labels">Class names in the order of the outputs.</param>
    public static IReadOnlyDictionary<string, string> Metadata(string model, int channels, int imageSize, IReadOnlyList<string> labels) =>
        new Dictionary<string, string>
        {
            ["model"] = model,
            ["classes"] = JsonSerializer.Serialize(labels),
            ["channels"] = channels.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["image_size"] = imageSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["colour"] = channels == 3 ? "rgb" : "grey",
            ["resize"] = "stretched to a square of image_size, bilinear (half-pixel centres, as align_corners=false), antialiased when shrinking; no crop",
            ["scale"] = "value = pixel / 255, so 0 is black and 1 white; no mean or deviation is subtracted",
        };

    /// <summary>The network's inference graph as ONNX bytes.</summary>
    /// <param name="model">The network; it is put in evaluation mode for the export and left as it was.</param>
    /// <param name="imageSize">Side of the square input the graph takes.</param>
    /// <param name="labels">Class names, one per output.</param>
    /// <exception cref="GoogLeNetException">The network holds a layer this exporter does not write.</exception>
    public static byte[] ToBytes(Classifier model, int imageSize, IReadOnlyList<string> labels) => Build(model, imageSize, labels).ToByteArray();

    /// <summary>Writes the network's inference graph to <paramref name="path"/>, atomically.</summary>
    /// <param name="model">The network.</param>
    /// <param name="imageSize">Side of the square input the graph takes.</param>
    /// <param name="labels">Class names, one per output.</param>
    /// <param name="path">The file to write (replaced only once the new one is complete).</param>
    public static void Save(Classifier model, int imageSize, IReadOnlyList<string> labels, string path)
    {
        var bytes = ToBytes(model, imageSize, labels);
        Training.AtomicFile.Write(path, stream => stream.Write(bytes));
    }

    internal static ModelProto Build(Classifier model, int imageSize, IReadOnlyList<string> labels)
    {
        if (labels.Count != model.NumClasses)
            throw new InvalidSettingException($"OnnxExport: {labels.Count} class names for a network of {model.NumClasses} outputs");
        bool wasTraining = model.training;
        model.eval();
        try
        {
            using var _ = no_grad();
            using var scope = NewDisposeScope();
            var builder = new OnnxGraphBuilder();
            var graph = builder.Graph;
            graph.Name = model.GetName();
            var sample = zeros(1, model.InChannels, imageSize, imageSize);
            var output = builder.Run(model, new OnnxValue(InputName, sample), "");

            // The last node's output is the graph's.
            var last = graph.Node.Last(n => n.Output.Contains(output.Name));
            last.Output[last.Output.IndexOf(output.Name)] = OutputName;
            graph.Input.Add(Value(InputName, ["N", model.InChannels, imageSize, imageSize]));
            graph.Output.Add(Value(OutputName, ["N", model.NumClasses]));

            var proto = new ModelProto
            {
                IrVersion = IrVersion,
                ProducerName = "GoogLeNet.NET",
                ProducerVersion = typeof(OnnxExport).Assembly.GetName().Version?.ToString() ?? "",
                DocString = $"{model.GetName()} for {model.InChannels}-channel {imageSize}x{imageSize} pictures, {model.NumClasses} classes",
                Graph = graph,
            };
            proto.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = Opset });
            foreach (var (key, value) in Metadata(model.GetName(), model.InChannels, imageSize, labels))
                proto.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
            return proto;
        }
        finally
        {
            model.train(wasTraining);
        }
    }

    /// <summary>A float32 tensor value of the given dimensions, a string for a symbolic one.</summary>
    private static ValueInfoProto Value(string name, object[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var d in dims)
            shape.Dim.Add(d is string symbol
                ? new TensorShapeProto.Types.Dimension { DimParam = symbol }
                : new TensorShapeProto.Types.Dimension { DimValue = Convert.ToInt64(d, System.Globalization.CultureInfo.InvariantCulture) });
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } },
        };
    }
}
