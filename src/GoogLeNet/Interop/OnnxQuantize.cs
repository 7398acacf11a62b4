using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Onnx;

namespace GoogLeNet.Interop;

/// <summary>
/// Rewrites a float32 graph written by <see cref="OnnxExport"/> as an int8 graph in ONNX's QDQ form, which ONNX Runtime
/// runs with integer convolutions (VNNI where the CPU has it): every convolution's weight becomes int8 with one scale per
/// output channel (symmetric), its bias int32, and the activations around it uint8 with one scale per tensor, calibrated
/// on sample images (the smallest and largest value each tensor takes). A convolution followed by a ReLU quantizes the
/// ReLU's output range, whose lower end 0 the uint8 code clamps to, so the ReLU is dropped; max pooling keeps its input's
/// scale; concatenations quantize their own range. Batch norms right after a convolution are folded into it first. The
/// rest (pooling to one value, the classifier's linear layer) stays float32.
/// </summary>
internal static class OnnxQuantize
{
    private const float Int8Max = 127f;

    /// <summary>The QDQ graph of <paramref name="model"/>, calibrated on <paramref name="calibration"/>.</summary>
    /// <param name="model">A float32 graph from <see cref="OnnxExport.Build"/>; it is left unchanged.</param>
    /// <param name="calibration">Batches of N x C x S x S inputs (row-major values, and N).</param>
    /// <param name="threads">ONNX Runtime threads for the calibration passes.</param>
    public static ModelProto Quantize(ModelProto model, IEnumerable<(float[] Images, int Batch)> calibration, int threads)
    {
        var graph = model.Clone();
        FoldBatchNorms(graph.Graph);
        RemoveUnused(graph.Graph);
        var ranges = Calibrate(graph, calibration, threads);
        Rewrite(graph.Graph, ranges);
        RemoveUnused(graph.Graph);
        return graph;
    }

    /// <summary>Folds every batch norm that is the only consumer of a convolution's output into the convolution's weights.</summary>
    private static void FoldBatchNorms(GraphProto graph)
    {
        var initializers = graph.Initializer.ToDictionary(t => t.Name);
        foreach (var bn in graph.Node.Where(n => n.OpType == "BatchNormalization").ToList())
        {
            var conv = graph.Node.FirstOrDefault(n => n.Output.Contains(bn.Input[0]));
            if (conv is not { OpType: "Conv" } || Consumers(graph, conv.Output[0]).Count != 1 || bn.Input.Skip(1).Any(i => !initializers.ContainsKey(i)))
                continue;
            float epsilon = bn.Attribute.FirstOrDefault(a => a.Name == "epsilon")?.F ?? 1e-5f;
            float[] gamma = Floats(initializers[bn.Input[1]]), beta = Floats(initializers[bn.Input[2]]);
            float[] mean = Floats(initializers[bn.Input[3]]), variance = Floats(initializers[bn.Input[4]]);
            var weight = initializers[conv.Input[1]];
            float[] w = Floats(weight);
            int outChannels = gamma.Length, perChannel = w.Length / outChannels;
            float[] bias = conv.Input.Count > 2 ? Floats(initializers[conv.Input[2]]) : new float[outChannels];
            for (int c = 0; c < outChannels; c++)
            {
                float factor = (float)(gamma[c] / Math.Sqrt(variance[c] + epsilon));
                for (int i = 0; i < perChannel; i++)
                    w[c * perChannel + i] *= factor;
                bias[c] = (bias[c] - mean[c]) * factor + beta[c];
            }
            SetFloats(weight, w);
            var biasTensor = new TensorProto { Name = conv.Input[1] + ".folded_bias", DataType = (int)TensorProto.Types.DataType.Float };
            biasTensor.Dims.Add(outChannels);
            SetFloats(biasTensor, bias);
            graph.Initializer.Add(biasTensor);
            initializers[biasTensor.Name] = biasTensor;
            if (conv.Input.Count > 2)
                conv.Input[2] = biasTensor.Name;
            else
                conv.Input.Add(biasTensor.Name);
            conv.Output[0] = bn.Output[0];
            graph.Node.Remove(bn);
        }
    }

    /// <summary>The smallest and largest value of every node output over the calibration batches, by ONNX Runtime.</summary>
    private static Dictionary<string, (float Min, float Max)> Calibrate(ModelProto model, IEnumerable<(float[] Images, int Batch)> calibration, int threads)
    {
        var probe = model.Clone();
        var outputs = probe.Graph.Node.SelectMany(n => n.Output).Where(o => probe.Graph.Output.All(g => g.Name != o)).ToList();
        foreach (var name in outputs)
            probe.Graph.Output.Add(new ValueInfoProto
            {
                Name = name,
                Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float } },
            });
        var names = probe.Graph.Output.Select(o => o.Name).ToArray();
        var input = probe.Graph.Input[0];
        long[] dims = input.Type.TensorType.Shape.Dim.Skip(1).Select(d => d.DimValue).ToArray();
        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL, LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR };
        if (threads > 0)
            options.IntraOpNumThreads = threads;
        using var session = new InferenceSession(probe.ToByteArray(), options);
        var ranges = new Dictionary<string, (float Min, float Max)>();
        bool any = false;
        foreach (var (images, batch) in calibration)
        {
            any = true;
            using var value = OrtValue.CreateTensorValueFromMemory(images, [batch, .. dims]);
            using var runOptions = new RunOptions();
            using var results = session.Run(runOptions, [input.Name], [value], names);
            for (int i = 0; i < names.Length; i++)
            {
                var (min, max) = MinMax(results[i].GetTensorDataAsSpan<float>());
                ranges[names[i]] = ranges.TryGetValue(names[i], out var seen) ? (Math.Min(seen.Min, min), Math.Max(seen.Max, max)) : (min, max);
            }
        }
        if (!any)
            throw new InvalidSettingException("OnnxQuantize: no calibration images");
        // The graph input's range: pixels in [0, 1].
        ranges[input.Name] = (0f, 1f);
        return ranges;
    }

    /// <summary>The smallest and largest of <paramref name="values"/>, a vector at a time.</summary>
    internal static (float Min, float Max) MinMax(ReadOnlySpan<float> values)
    {
        var vectors = System.Runtime.InteropServices.MemoryMarshal.Cast<float, System.Numerics.Vector<float>>(values);
        var low = new System.Numerics.Vector<float>(float.PositiveInfinity);
        var high = new System.Numerics.Vector<float>(float.NegativeInfinity);
        foreach (var v in vectors)
        {
            low = System.Numerics.Vector.Min(low, v);
            high = System.Numerics.Vector.Max(high, v);
        }
        float min = float.PositiveInfinity, max = float.NegativeInfinity;
        for (int i = 0; i < System.Numerics.Vector<float>.Count; i++)
        {
            min = Math.Min(min, low[i]);
            max = Math.Max(max, high[i]);
        }
        for (int i = vectors.Length * System.Numerics.Vector<float>.Count; i < values.Length; i++)
        {
            min = Math.Min(min, values[i]);
            max = Math.Max(max, values[i]);
        }
        return (min, max);
    }

    /// <summary>uint8 scale and zero point covering [min, max] (and 0).</summary>
    private static (float Scale, byte Zero) Uint8(float min, float max)
    {
        min = Math.Min(min, 0f);
        max = Math.Max(max, 0f);
        float scale = (max - min) / 255f;
        if (scale <= 0 || !float.IsFinite(scale))
            return (1f, 0);
        return (scale, (byte)Math.Clamp(Math.Round(-min / scale), 0, 255));
    }

    private static void Rewrite(GraphProto graph, Dictionary<string, (float Min, float Max)> ranges)
    {
        var initializers = graph.Initializer.ToDictionary(t => t.Name);
        // Activation tensors already quantized: the float name -> (dequantized name, scale, zero point).
        var quantized = new Dictionary<string, (string Name, float Scale, byte Zero)>();
        var nodes = graph.Node.ToList();
        var result = new List<NodeProto>();

        (string Name, float Scale, byte Zero) QuantizeTensor(string name, float scale, byte zero, List<NodeProto> into)
        {
            if (quantized.TryGetValue(name, out var done))
                return done;
            string s = AddScalar(graph, name + ".q_scale", scale), z = AddUint8(graph, name + ".q_zero", zero);
            into.Add(NewNode("QuantizeLinear", [name, s, z], name + ".q"));
            into.Add(NewNode("DequantizeLinear", [name + ".q", s, z], name + ".dq"));
            return quantized[name] = (name + ".dq", scale, zero);
        }

        (string Name, float Scale, byte Zero) QuantizeInput(string name, List<NodeProto> into)
        {
            if (quantized.TryGetValue(name, out var done))
                return done;
            var (min, max) = ranges[name];
            var (scale, zero) = Uint8(min, max);
            return QuantizeTensor(name, scale, zero, into);
        }

        var dropped = new HashSet<NodeProto>();
        foreach (var node in nodes)
        {
            if (dropped.Contains(node))
                continue;
            switch (node.OpType)
            {
                case "Conv" when initializers.ContainsKey(node.Input[1]):
                {
                    var x = QuantizeInput(node.Input[0], result);
                    var weight = initializers[node.Input[1]];
                    float[] w = Floats(weight);
                    int outChannels = (int)weight.Dims[0], perChannel = w.Length / outChannels;
                    var wq = new sbyte[w.Length];
                    var wScales = new float[outChannels];
                    for (int c = 0; c < outChannels; c++)
                    {
                        float absMax = 0;
                        for (int i = 0; i < perChannel; i++)
                            absMax = Math.Max(absMax, Math.Abs(w[c * perChannel + i]));
                        float scale = absMax > 0 ? absMax / Int8Max : 1f;
                        wScales[c] = scale;
                        for (int i = 0; i < perChannel; i++)
                            wq[c * perChannel + i] = (sbyte)Math.Clamp(Math.Round(w[c * perChannel + i] / scale), -Int8Max, Int8Max);
                    }
                    string wName = node.Input[1];
                    AddTensor(graph, wName + ".int8", TensorProto.Types.DataType.Int8, weight.Dims, AsBytes(wq));
                    string wScale = AddVector(graph, wName + ".scale", wScales);
                    string wZero = AddTensorName(graph, wName + ".zero", TensorProto.Types.DataType.Int8, [outChannels], new byte[outChannels]);
                    result.Add(NewNode("DequantizeLinear", [wName + ".int8", wScale, wZero], wName + ".dq", Axis(0)));
                    var inputs = new List<string> { x.Name, wName + ".dq" };
                    if (node.Input.Count > 2)
                    {
                        string bName = node.Input[2];
                        float[] b = Floats(initializers[bName]);
                        var bq = new int[b.Length];
                        var bScales = new float[b.Length];
                        for (int c = 0; c < b.Length; c++)
                        {
                            bScales[c] = x.Scale * wScales[c];
                            bq[c] = (int)Math.Clamp(Math.Round(b[c] / bScales[c]), int.MinValue, int.MaxValue);
                        }
                        var bytes = new byte[bq.Length * 4];
                        Buffer.BlockCopy(bq, 0, bytes, 0, bytes.Length);
                        AddTensor(graph, bName + ".int32", TensorProto.Types.DataType.Int32, [b.Length], bytes);
                        string bScale = AddVector(graph, bName + ".scale", bScales);
                        string bZero = AddTensorName(graph, bName + ".zero", TensorProto.Types.DataType.Int32, [b.Length], new byte[b.Length * 4]);
                        result.Add(NewNode("DequantizeLinear", [bName + ".int32", bScale, bZero], bName + ".dq", Axis(0)));
                        inputs.Add(bName + ".dq");
                    }
                    node.Input.Clear();
                    node.Input.AddRange(inputs);
                    result.Add(node);
                    // A ReLU that alone consumes the output is folded into the output's quantization range.
                    string output = node.Output[0];
                    var consumers = Consumers(graph, output);
                    if (consumers.Count == 1 && consumers[0].OpType == "Relu")
                    {
                        var relu = consumers[0];
                        dropped.Add(relu);
                        var (_, max) = ranges[relu.Output[0]];
                        var (scale, zero) = Uint8(0, max);
                        node.Output[0] = relu.Output[0];
                        output = relu.Output[0];
                        QuantizeTensor(output, scale, zero, result);
                    }
                    else
                    {
                        QuantizeInput(output, result);
                    }
                    break;
                }
                case "MaxPool" when quantized.ContainsKey(node.Input[0]):
                {
                    var x = quantized[node.Input[0]];
                    node.Input[0] = x.Name;
                    result.Add(node);
                    QuantizeTensor(node.Output[0], x.Scale, x.Zero, result);
                    break;
                }
                case "Concat" when node.Input.All(quantized.ContainsKey):
                {
                    for (int i = 0; i < node.Input.Count; i++)
                        node.Input[i] = quantized[node.Input[i]].Name;
                    result.Add(node);
                    QuantizeInput(node.Output[0], result);
                    break;
                }
                default:
                    for (int i = 0; i < node.Input.Count; i++)
                        if (quantized.TryGetValue(node.Input[i], out var q))
                            node.Input[i] = q.Name;
                    result.Add(node);
                    break;
            }
        }
        graph.Node.Clear();
        graph.Node.AddRange(result);
    }

    /// <summary>Drops the initializers no node reads any more (folded batch norms, float weights replaced by int8 ones).</summary>
    private static void RemoveUnused(GraphProto graph)
    {
        var used = graph.Node.SelectMany(n => n.Input).ToHashSet();
        foreach (var t in graph.Initializer.Where(t => !used.Contains(t.Name)).ToList())
            graph.Initializer.Remove(t);
    }

    private static List<NodeProto> Consumers(GraphProto graph, string name) => graph.Node.Where(n => n.Input.Contains(name)).ToList();

    private static AttributeProto Axis(long axis) => new() { Name = "axis", Type = AttributeProto.Types.AttributeType.Int, I = axis };

    private static NodeProto NewNode(string op, string[] inputs, string output, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = op, Name = output };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        node.Attribute.AddRange(attributes);
        return node;
    }

    private static float[] Floats(TensorProto t)
    {
        if (t.DataType != (int)TensorProto.Types.DataType.Float)
            throw new GoogLeNetException($"OnnxQuantize: initializer '{t.Name}' is not float32");
        if (!t.RawData.IsEmpty)
        {
            var values = new float[t.RawData.Length / 4];
            Buffer.BlockCopy(t.RawData.ToByteArray(), 0, values, 0, t.RawData.Length);
            return values;
        }
        return t.FloatData.ToArray();
    }

    private static void SetFloats(TensorProto t, float[] values)
    {
        var bytes = new byte[values.Length * 4];
        Buffer.BlockCopy(values, 0, bytes, 0, bytes.Length);
        t.FloatData.Clear();
        t.RawData = ByteString.CopyFrom(bytes);
    }

    private static byte[] AsBytes(sbyte[] values)
    {
        var bytes = new byte[values.Length];
        Buffer.BlockCopy(values, 0, bytes, 0, bytes.Length);
        return bytes;
    }

    private static void AddTensor(GraphProto graph, string name, TensorProto.Types.DataType type, IEnumerable<long> dims, byte[] raw)
    {
        var t = new TensorProto { Name = name, DataType = (int)type, RawData = ByteString.CopyFrom(raw) };
        t.Dims.AddRange(dims);
        graph.Initializer.Add(t);
    }

    private static string AddTensorName(GraphProto graph, string name, TensorProto.Types.DataType type, long[] dims, byte[] raw)
    {
        AddTensor(graph, name, type, dims, raw);
        return name;
    }

    private static string AddVector(GraphProto graph, string name, float[] values)
    {
        var bytes = new byte[values.Length * 4];
        Buffer.BlockCopy(values, 0, bytes, 0, bytes.Length);
        return AddTensorName(graph, name, TensorProto.Types.DataType.Float, [values.Length], bytes);
    }

    private static string AddScalar(GraphProto graph, string name, float value)
    {
        AddTensor(graph, name, TensorProto.Types.DataType.Float, [], BitConverter.GetBytes(value));
        return name;
    }

    private static string AddUint8(GraphProto graph, string name, byte value)
    {
        AddTensor(graph, name, TensorProto.Types.DataType.Uint8, [], [value]);
        return name;
    }
}
