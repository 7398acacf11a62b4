using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace GoogLeNet.Interop;

/// <summary>
/// The safetensors format: an 8-byte little-endian header length, a JSON header naming each tensor's dtype,
/// shape and byte range, an optional <c>__metadata__</c> map of strings, and the tensors' bytes.
/// </summary>
internal static class SafetensorsFile
{
    /// <summary>Headers beyond this are refused (the format's own readers cap them at 100 MB).</summary>
    private const long MaxHeader = 100_000_000;

    /// <summary>Writes the tensors in order, with <paramref name="metadata"/> as <c>__metadata__</c>.</summary>
    public static void Write(Stream stream, IReadOnlyList<(string Key, StateDictTensor Tensor)> entries, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var header = new JsonObject();
        if (metadata is { Count: > 0 })
        {
            var meta = new JsonObject();
            foreach (var (k, v) in metadata)
                meta[k] = v;
            header["__metadata__"] = meta;
        }
        long offset = 0;
        foreach (var (key, t) in entries)
        {
            header[key] = new JsonObject
            {
                ["dtype"] = StateDictTensor.Types.First(x => x.Type == t.Type).Safetensors,
                ["shape"] = new JsonArray(t.Shape.Select(d => (JsonNode)d).ToArray()),
                ["data_offsets"] = new JsonArray(offset, offset + t.Data.Length),
            };
            offset += t.Data.Length;
        }
        var json = Encoding.UTF8.GetBytes(header.ToJsonString());
        int padded = (json.Length + 7) / 8 * 8; // the data starts 8-byte aligned; the header is padded with spaces
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(length, padded);
        stream.Write(length);
        stream.Write(json);
        for (int i = json.Length; i < padded; i++)
            stream.WriteByte((byte)' ');
        foreach (var (_, t) in entries)
            stream.Write(t.Data);
    }

    /// <summary>Reads every tensor and the metadata; each tensor's byte range is checked against the file before it is read.</summary>
    /// <exception cref="StateDictException">The file is not safetensors, or is truncated or inconsistent.</exception>
    public static (IReadOnlyList<(string Key, StateDictTensor Tensor)> Tensors, IReadOnlyDictionary<string, string> Metadata) Read(string path, Stream stream)
    {
        Span<byte> lengthBytes = stackalloc byte[8];
        stream.Position = 0;
        if (stream.ReadAtLeast(lengthBytes, 8, throwOnEndOfStream: false) < 8)
            throw new StateDictException(path, "file is too short to be safetensors");
        long headerLength = BinaryPrimitives.ReadInt64LittleEndian(lengthBytes);
        if (headerLength <= 1 || headerLength > MaxHeader || headerLength > stream.Length - 8)
            throw new StateDictException(path, headerLength > stream.Length - 8 && headerLength is > 1 and <= MaxHeader
                ? "safetensors header runs past the end of the file (truncated)"
                : "not a safetensors file (its first 8 bytes are not a plausible header length)");
        var json = new byte[headerLength];
        stream.ReadExactly(json);
        JsonObject header;
        try
        {
            header = JsonNode.Parse(json) as JsonObject ?? throw new JsonException("the header is not an object");
        }
        catch (JsonException e)
        {
            throw new StateDictException(path, $"not a safetensors file (its header is not JSON: {e.Message.Split('\n')[0]})", e);
        }

        long dataStart = 8 + headerLength, dataLength = stream.Length - dataStart;
        var metadata = new Dictionary<string, string>();
        var tensors = new List<(string, StateDictTensor)>();
        foreach (var (key, node) in header)
        {
            if (key == "__metadata__")
            {
                if (node is JsonObject meta)
                    foreach (var (k, v) in meta)
                        metadata[k] = v?.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : v?.ToJsonString() ?? "";
                continue;
            }
            try
            {
                string dtype = node!["dtype"]!.GetValue<string>();
                long[] shape = node["shape"]!.AsArray().Select(d => d!.GetValue<long>()).ToArray();
                long[] range = node["data_offsets"]!.AsArray().Select(d => d!.GetValue<long>()).ToArray();
                var type = StateDictTensor.Types.FirstOrDefault(t => t.Safetensors == dtype);
                if (type.Safetensors is null)
                    throw new StateDictException(path, $"'{key}' has dtype {dtype}, which this tool does not read");
                if (shape.Any(d => d < 0) || range.Length != 2 || range[0] < 0 || range[1] < range[0])
                    throw new StateDictException(path, $"'{key}' has an invalid shape or byte range");
                long need = checked(shape.Aggregate(1L, (a, d) => checked(a * d)) * type.Size);
                if (range[1] - range[0] != need)
                    throw new StateDictException(path, $"'{key}': its byte range holds {range[1] - range[0]:N0} bytes where [{string.Join(", ", shape)}] {dtype} needs {need:N0}");
                if (range[1] > dataLength)
                    throw new StateDictException(path, $"'{key}' lies past the end of the file (truncated)");
                var data = new byte[need];
                stream.Position = dataStart + range[0];
                stream.ReadExactly(data);
                tensors.Add((key, new StateDictTensor(type.Type, shape, data)));
            }
            catch (Exception e) when (e is InvalidOperationException or NullReferenceException or FormatException or OverflowException)
            {
                throw new StateDictException(path, $"'{key}' has a malformed header entry", e);
            }
        }
        return (tensors, metadata);
    }
}
