using System.Text.Json;
using System.Text.Json.Serialization;

namespace GoogLeNet;

/// <summary>The arithmetic a network's convolutions and linear layers compute in; written as <c>fp32</c> or <c>bf16</c> in JSON.</summary>
[JsonConverter(typeof(PrecisionJsonConverter))]
public enum Precision
{
    /// <summary>float32 throughout, as the book runs it.</summary>
    Fp32,

    /// <summary>
    /// Mixed precision as <c>torch.autocast('cpu', dtype=torch.bfloat16)</c> runs it: convolutions and linear layers
    /// compute in bfloat16, weights are kept and updated in float32, the loss is computed in float32 and batch
    /// normalisation keeps float32 statistics. Checkpoints stay float32.
    /// </summary>
    Bf16,
}

/// <summary>Names, parsing and the machine's default of <see cref="Precision"/>.</summary>
public static class Precisions
{
    /// <summary>The names <see cref="Parse"/> accepts: <c>auto</c>, <c>fp32</c>, <c>bf16</c>.</summary>
    public static IReadOnlyList<string> Names { get; } = ["auto", "fp32", "bf16"];

    /// <summary>
    /// True when this CPU has bfloat16 arithmetic (AVX512_BF16 or AMX-BF16, read from <c>/proc/cpuinfo</c>). Elsewhere
    /// libtorch only emulates bfloat16, many times slower than float32.
    /// </summary>
    public static bool CpuHasBf16 { get; } = ReadCpuFlags().Overlaps(["avx512_bf16", "amx_bf16"]);

    /// <summary>
    /// True when this CPU has 8-bit integer dot products (AVX512_VNNI, AVX_VNNI or AMX-INT8, read from <c>/proc/cpuinfo</c>),
    /// which ONNX Runtime's int8 convolutions use; elsewhere int8 inference gains little over float32.
    /// </summary>
    public static bool CpuHasVnni { get; } = ReadCpuFlags().Overlaps(["avx512_vnni", "avx_vnni", "amx_int8"]);

    /// <summary>What <c>auto</c> means on this machine: <see cref="Precision.Bf16"/> where <see cref="CpuHasBf16"/>, else <see cref="Precision.Fp32"/>.</summary>
    public static Precision Default => CpuHasBf16 ? Precision.Bf16 : Precision.Fp32;

    /// <summary>The lower-case name (<c>fp32</c>, <c>bf16</c>), as config.json and <c>--precision</c> write it.</summary>
    /// <param name="precision">The precision to name.</param>
    public static string Name(this Precision precision) => precision switch
    {
        Precision.Fp32 => "fp32",
        Precision.Bf16 => "bf16",
        _ => throw new ArgumentOutOfRangeException(nameof(precision), precision, null),
    };

    /// <summary>The precision a name stands for; <c>auto</c> is <see cref="Default"/>.</summary>
    /// <param name="name">One of <see cref="Names"/>, case-insensitive.</param>
    /// <param name="setting">How the caller names the setting, for the error message.</param>
    /// <exception cref="InvalidSettingException">The name is not one of <see cref="Names"/>.</exception>
    public static Precision Parse(string name, string setting = "precision") =>
        name.Equals("auto", StringComparison.OrdinalIgnoreCase) ? Default
        : FromName(name.ToLowerInvariant()) ?? throw new InvalidSettingException($"{setting} '{name}' is not one of {string.Join(", ", Names)}");

    /// <summary>The precision <see cref="Name"/> gives <paramref name="name"/>; null for any other text.</summary>
    internal static Precision? FromName(string? name) => name switch
    {
        "fp32" => Precision.Fp32,
        "bf16" => Precision.Bf16,
        _ => null,
    };

    private static HashSet<string> ReadCpuFlags()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/cpuinfo"))
            {
                if (line.StartsWith("flags", StringComparison.Ordinal) && line.IndexOf(':') is int colon and > 0)
                    return [.. line[(colon + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries)];
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
        return [];
    }
}

/// <summary>Reads and writes a <see cref="Precision"/> by its name (<c>fp32</c>, <c>bf16</c>), as config.json records it.</summary>
internal sealed class PrecisionJsonConverter : JsonConverter<Precision>
{
    public override Precision Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.GetString() is var name && Precisions.FromName(name) is { } precision ? precision
        : throw new JsonException($"precision '{name}' is not fp32 or bf16");

    public override void Write(Utf8JsonWriter writer, Precision value, JsonSerializerOptions options) => writer.WriteStringValue(value.Name());
}
