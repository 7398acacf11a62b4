using static TorchSharp.torch;

namespace GoogLeNet.Interop;

/// <summary>A state-dict file could not be read or does not fit the model: names the file and the problem.</summary>
public sealed class StateDictException(string path, string problem, Exception? inner = null)
    : GoogLeNetException($"{path}: {problem}", inner)
{
    /// <summary>The file.</summary>
    public string Path { get; } = path;

    /// <summary>What is wrong with it.</summary>
    public string Problem { get; } = problem;
}

/// <summary>One entry of a state dict as a file holds it: its element type, shape and bytes (little-endian, row-major).</summary>
/// <param name="Type">The element type.</param>
/// <param name="Shape">The dimensions.</param>
/// <param name="Data">The values, densely in row-major order.</param>
internal sealed record StateDictTensor(ScalarType Type, long[] Shape, byte[] Data)
{
    /// <summary>The element types a state-dict file may hold here, with their sizes and their names in each format.</summary>
    internal static readonly (ScalarType Type, int Size, string Storage, string Safetensors)[] Types =
    [
        (ScalarType.Float32, 4, "FloatStorage", "F32"),
        (ScalarType.Float64, 8, "DoubleStorage", "F64"),
        (ScalarType.Float16, 2, "HalfStorage", "F16"),
        (ScalarType.BFloat16, 2, "BFloat16Storage", "BF16"),
        (ScalarType.Int64, 8, "LongStorage", "I64"),
        (ScalarType.Int32, 4, "IntStorage", "I32"),
        (ScalarType.Int16, 2, "ShortStorage", "I16"),
        (ScalarType.Int8, 1, "CharStorage", "I8"),
        (ScalarType.Byte, 1, "ByteStorage", "U8"),
        (ScalarType.Bool, 1, "BoolStorage", "BOOL"),
    ];

    internal static int SizeOf(ScalarType type) => Types.First(t => t.Type == type).Size;

    /// <summary>Number of elements.</summary>
    public long Count => Shape.Aggregate(1L, (a, d) => a * d);

    /// <summary>A copy of a tensor's values in the standard layout.</summary>
    public static StateDictTensor Of(Tensor t)
    {
        using var plain = t.detach().cpu().contiguous();
        var bytes = new byte[plain.numel() * plain.element_size()];
        if (bytes.Length > 0)
            plain.bytes.CopyTo(bytes);
        return new StateDictTensor(plain.dtype, plain.shape, bytes);
    }

    /// <summary>The values as a new tensor.</summary>
    public Tensor ToTensor()
    {
        var t = empty(Shape, Type);
        if (Data.Length > 0)
            t.bytes = Data;
        return t;
    }

    /// <summary>"float32 [64, 1, 7, 7]", for messages.</summary>
    public string Describe() => $"{TypeName(Type)} [{string.Join(", ", Shape)}]";

    internal static string TypeName(ScalarType type) => type switch
    {
        ScalarType.Float32 => "float32",
        ScalarType.Float64 => "float64",
        ScalarType.Float16 => "float16",
        ScalarType.BFloat16 => "bfloat16",
        ScalarType.Int64 => "int64",
        ScalarType.Int32 => "int32",
        ScalarType.Int16 => "int16",
        ScalarType.Int8 => "int8",
        ScalarType.Byte => "uint8",
        ScalarType.Bool => "bool",
        _ => type.ToString().ToLowerInvariant(),
    };
}
