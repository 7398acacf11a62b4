using Google.Protobuf;
using Onnx;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace GoogLeNet.Interop;

/// <summary>
/// A value of the graph being written: its name in the graph and the tensor the network computes there for a
/// sample input, which gives every node its real input shape (ceil-mode pools and adaptive pools need it).
/// </summary>
internal readonly record struct OnnxValue(string Name, Tensor Sample);

/// <summary>A module of this project that writes its own inference computation as ONNX nodes.</summary>
internal interface IOnnxExportable
{
    /// <summary>Adds the module's nodes for input <paramref name="x"/> and returns its output.</summary>
    /// <param name="graph">The graph being written.</param>
    /// <param name="x">The module's input.</param>
    /// <param name="path">The module's state-dict prefix ("b3.0"), from which its weights and nodes are named.</param>
    OnnxValue ToOnnx(OnnxGraphBuilder graph, OnnxValue x, string path);
}

/// <summary>
/// Writes a network's inference computation (evaluation mode: batch norm with its running statistics, no
/// dropout, no auxiliary heads) as an ONNX graph, module by module, running each module on a sample input
/// beside it. Weights become initializers named by their state-dict keys.
/// </summary>
internal sealed class OnnxGraphBuilder
{
    private readonly Dictionary<string, int> _names = new();

    /// <summary>The graph written so far.</summary>
    public GraphProto Graph { get; } = new();

    /// <summary>Adds the nodes of <paramref name="module"/> applied to <paramref name="x"/>.</summary>
    /// <param name="module">A layer of TorchSharp's or a block of this project's.</param>
    /// <param name="x">Its input.</param>
    /// <param name="path">Its state-dict prefix.</param>
    /// <exception cref="GoogLeNetException">The module is of a kind with no ONNX form here.</exception>
    public OnnxValue Run(Module module, OnnxValue x, string path)
    {
        switch (module)
        {
            case IOnnxExportable own:
                return own.ToOnnx(this, x, path);
            case Models.Classifier classifier:
                foreach (var (stageName, stage) in classifier.Stages)
                    x = Run(stage, x, ChildPath(classifier, stage, path) ?? Join(path, stageName));
                return x;
            case Sequential sequential:
                foreach (var (name, child) in sequential.named_children())
                    x = Run(child, x, Join(path, name));
                return x;
            case Conv2d conv:
                return Conv(conv, x, path);
            case BatchNorm2d bn:
                return BatchNorm(bn, x, path);
            case TorchSharp.Modules.ReLU:
                return Relu(x, path);
            case MaxPool2d pool:
                return Pool("MaxPool", pool, x, path, pool.kernel_size, pool.stride ?? pool.kernel_size, pool.padding, pool.ceil_mode, pool.dilation,
                    countIncludePad: null);
            case Models.MaxPool pool:
                return Pool("MaxPool", pool, x, path, pool.kernel_size, pool.stride, pool.padding, pool.ceil_mode, pool.dilation,
                    countIncludePad: null);
            case AvgPool2d pool:
                if (pool.divisor_override is not null)
                    throw Unsupported(path, "an average pool with a divisor override");
                return Pool("AveragePool", pool, x, path, pool.kernel_size, pool.stride ?? pool.kernel_size, pool.padding, pool.ceil_mode, null,
                    countIncludePad: pool.count_include_pad);
            case AdaptiveAvgPool2d pool:
                return AdaptiveAvgPool(pool, x, path);
            case AdaptiveMaxPool2d pool when pool.output_size.All(s => s == 1):
                return Node("GlobalMaxPool", [x.Name], pool.call(x.Sample), path);
            case Flatten flatten:
                if (flatten.end_dim != -1 && flatten.end_dim != x.Sample.dim() - 1)
                    throw Unsupported(path, "a flatten that stops before the last axis");
                return Node("Flatten", [x.Name], flatten.call(x.Sample), path, Int("axis", flatten.start_dim));
            case TorchSharp.Modules.Dropout:
                return x; // the identity at inference
            case Linear linear:
                return Gemm(linear, x, path);
            case LocalResponseNorm lrn:
                if (lrn.size % 2 == 0)
                    throw Unsupported(path, $"local response normalisation over an even window ({lrn.size})");
                return Node("LRN", [x.Name], lrn.call(x.Sample), path,
                    Float("alpha", lrn.alpha), Float("beta", lrn.beta), Float("bias", lrn.k), Int("size", lrn.size));
            default:
                throw Unsupported(path, $"a {module.GetType().Name}");
        }
    }

    /// <summary>A ReLU of <paramref name="x"/>.</summary>
    public OnnxValue Relu(OnnxValue x, string path) => Node("Relu", [x.Name], functional.relu(x.Sample), path);

    /// <summary>The values concatenated on the channel axis.</summary>
    public OnnxValue Concat(IReadOnlyList<OnnxValue> parts, string path) =>
        Node("Concat", parts.Select(p => p.Name).ToArray(), cat(parts.Select(p => p.Sample).ToArray(), dim: 1), path, Int("axis", 1));

    /// <summary><paramref name="x"/> times <paramref name="scale"/>, plus <paramref name="residual"/>: a residual block's sum.</summary>
    public OnnxValue ScaledSum(OnnxValue x, double scale, OnnxValue residual, string path)
    {
        string factor = Constant(path + ".scale", [(float)scale], []);
        var scaled = Node("Mul", [x.Name, factor], x.Sample * scale, path + ".mul");
        return Node("Add", [scaled.Name, residual.Name], scaled.Sample + residual.Sample, path + ".add");
    }

    /// <summary>
    /// The state-dict prefix of a stage of <paramref name="parent"/>: its registered child name; null for a stage that is
    /// not registered (a parameterless layer held in a field), which has no weights to name.
    /// </summary>
    private static string? ChildPath(Module parent, Module child, string path) =>
        parent.named_children().Where(c => ReferenceEquals(c.module, child)).Select(c => Join(path, c.name)).FirstOrDefault();

    private static string Join(string path, string name) => path.Length == 0 ? name : $"{path}.{name}";

    private OnnxValue Conv(Conv2d conv, OnnxValue x, string path)
    {
        if (conv.padding is null || conv.padding_mode != TorchSharp.PaddingModes.Zeros)
            throw Unsupported(path, "a convolution with other than explicit zero padding");
        var inputs = new List<string> { x.Name, Initializer(path + ".weight", conv.weight) };
        if (conv.bias is { } bias)
            inputs.Add(Initializer(path + ".bias", bias));
        long[] pad = Pair(conv.padding);
        return Node("Conv", inputs.ToArray(), conv.call(x.Sample), path,
            Ints("kernel_shape", Pair(conv.kernel_size)), Ints("strides", Pair(conv.stride)), Ints("pads", [.. pad, .. pad]),
            Ints("dilations", Pair(conv.dilation)),
            Int("group", conv.groups));
    }

    private OnnxValue BatchNorm(BatchNorm2d bn, OnnxValue x, string path)
    {
        if (bn.running_mean is null || bn.running_var is null)
            throw Unsupported(path, "a batch norm without running statistics");
        long c = bn.num_features;
        string scale = bn.weight is { } w ? Initializer(path + ".weight", w) : Constant(path + ".weight", Enumerable.Repeat(1f, (int)c).ToArray(), [c]);
        string shift = bn.bias is { } b ? Initializer(path + ".bias", b) : Constant(path + ".bias", new float[c], [c]);
        string[] inputs = [x.Name, scale, shift, Initializer(path + ".running_mean", bn.running_mean), Initializer(path + ".running_var", bn.running_var)];
        return Node("BatchNormalization", inputs, bn.call(x.Sample), path, Float("epsilon", bn.eps));
    }

    private OnnxValue Gemm(Linear linear, OnnxValue x, string path)
    {
        var inputs = new List<string> { x.Name, Initializer(path + ".weight", linear.weight) };
        if (linear.bias is { } bias)
            inputs.Add(Initializer(path + ".bias", bias));
        return Node("Gemm", inputs.ToArray(), linear.call(x.Sample), path, Int("transB", 1));
    }

    /// <summary>
    /// A max or average pool. A ceil-mode pool is written as the floor-mode pool with the extra padding at the
    /// bottom and right that ceil mode implies (ONNX Runtime computes ceil mode right, but its shape inference
    /// disagrees with it); for an average pool that padding would count as zeros, so only max pools take that route.
    /// </summary>
    private OnnxValue Pool(string op, Module<Tensor, Tensor> pool, OnnxValue x, string path, long[] kernel, long[] stride, long[]? padding,
        bool ceilMode, long[]? dilation, bool? countIncludePad)
    {
        var output = pool.call(x.Sample);
        long[] pad = Pair(padding ?? [0]);
        kernel = Pair(kernel);
        stride = Pair(stride);
        long[] end = [pad[0], pad[1]];
        if (ceilMode)
        {
            if (countIncludePad is not null)
                throw Unsupported(path, "a ceil-mode average pool");
            for (int axis = 0; axis < 2; axis++)
            {
                long inSize = x.Sample.shape[2 + axis], outSize = output.shape[2 + axis];
                end[axis] = Math.Max(pad[axis], (outSize - 1) * stride[axis] + kernel[axis] - inSize - pad[axis]);
            }
        }
        if (dilation is not null && dilation.Any(d => d != 1))
            throw Unsupported(path, "a dilated pool");
        var attributes = new List<AttributeProto> { Ints("kernel_shape", kernel), Ints("strides", stride), Ints("pads", [pad[0], pad[1], end[0], end[1]]) };
        if (countIncludePad is { } include)
            attributes.Add(Int("count_include_pad", include ? 1 : 0));
        return Node(op, [x.Name], output, path, attributes.ToArray());
    }

    private OnnxValue AdaptiveAvgPool(AdaptiveAvgPool2d pool, OnnxValue x, string path)
    {
        var output = pool.call(x.Sample);
        long h = x.Sample.shape[2], w = x.Sample.shape[3], oh = output.shape[2], ow = output.shape[3];
        if (oh == 1 && ow == 1)
            return Node("GlobalAveragePool", [x.Name], output, path);
        if (h % oh != 0 || w % ow != 0)
            throw Unsupported(path, $"an adaptive average pool from {h}x{w} to {oh}x{ow} (no single ONNX node computes it exactly)");
        long[] kernel = [h / oh, w / ow];
        return Node("AveragePool", [x.Name], output, path, Ints("kernel_shape", kernel), Ints("strides", kernel));
    }

    /// <summary>Adds a node with one output, named after <paramref name="path"/>, whose value is <paramref name="sample"/>.</summary>
    private OnnxValue Node(string op, string[] inputs, Tensor sample, string path, params AttributeProto[] attributes)
    {
        string name = Unique(path.Length == 0 ? op : $"{path}.{op}");
        var node = new NodeProto { OpType = op, Name = name };
        node.Input.AddRange(inputs);
        node.Output.Add(name);
        node.Attribute.AddRange(attributes);
        Graph.Node.Add(node);
        return new OnnxValue(name, sample);
    }

    private string Unique(string name)
    {
        if (!_names.TryGetValue(name, out int seen))
        {
            _names[name] = 1;
            return name;
        }
        _names[name] = seen + 1;
        return $"{name}_{seen}";
    }

    /// <summary>A weight as a float32 initializer, in the standard (contiguous) layout whatever its memory format.</summary>
    private string Initializer(string name, Tensor weight)
    {
        using var plain = weight.detach().to_type(ScalarType.Float32).contiguous();
        return Constant(name, plain.data<float>().ToArray(), plain.shape);
    }

    private string Constant(string name, float[] values, long[] shape)
    {
        var tensor = new TensorProto { Name = Unique(name), DataType = (int)TensorProto.Types.DataType.Float };
        tensor.Dims.AddRange(shape);
        var bytes = new byte[values.Length * sizeof(float)];
        Buffer.BlockCopy(values, 0, bytes, 0, bytes.Length);
        if (!BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException("ONNX raw data is little-endian");
        tensor.RawData = ByteString.CopyFrom(bytes);
        Graph.Initializer.Add(tensor);
        return tensor.Name;
    }

    /// <summary>A per-axis setting for height and width, given once for both or once each.</summary>
    private static long[] Pair(long[] values) => values.Length == 1 ? [values[0], values[0]] : values;

    private static AttributeProto Int(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    private static AttributeProto Float(string name, double value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = (float)value };

    private static AttributeProto Ints(string name, IEnumerable<long> values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.AddRange(values);
        return attribute;
    }

    private static GoogLeNetException Unsupported(string path, string what) =>
        new($"ONNX export: '{path}' is {what}, which this exporter does not write");
}
