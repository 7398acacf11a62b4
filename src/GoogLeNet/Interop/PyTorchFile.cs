using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace GoogLeNet.Interop;

/// <summary>
/// The file <c>torch.save(state_dict, f)</c> writes (PyTorch 1.6 and later): a zip archive holding a pickle of
/// an OrderedDict of tensors (<c>ARCHIVE/data.pkl</c>) and one entry of raw bytes per tensor storage
/// (<c>ARCHIVE/data/KEY</c>). Written and read here without Python.
/// </summary>
/// <remarks>
/// Reading is restricted as <c>torch.load(weights_only=True)</c> is: the pickle may build only tensors, numbers,
/// strings and the plain containers (tuple, list, dict, OrderedDict); a pickle that asks for any other Python
/// object (the way a pickle runs code) is refused before anything is built. Every tensor's size is checked against
/// the bytes its storage entry holds before memory is taken for it.
/// </remarks>
internal static class PyTorchFile
{
    private const string Archive = "archive";

    /// <summary>Writes <paramref name="entries"/>, in order, as <c>torch.save</c> of an OrderedDict would.</summary>
    public static void Write(Stream stream, IReadOnlyList<(string Key, StateDictTensor Tensor)> entries)
    {
        using var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true);
        WriteEntry(zip, $"{Archive}/data.pkl", Pickle(entries));
        for (int i = 0; i < entries.Count; i++)
            WriteEntry(zip, $"{Archive}/data/{i}", entries[i].Tensor.Data);
        WriteEntry(zip, $"{Archive}/version", "3\n"u8.ToArray());
        WriteEntry(zip, $"{Archive}/byteorder", "little"u8.ToArray());
    }

    private static void WriteEntry(ZipArchive zip, string name, byte[] data)
    {
        var entry = zip.CreateEntry(name, CompressionLevel.NoCompression);
        using var s = entry.Open();
        s.Write(data);
    }

    /// <summary>The pickle (protocol 2) of an OrderedDict whose values are tensors over storages "0", "1", ...</summary>
    private static byte[] Pickle(IReadOnlyList<(string Key, StateDictTensor Tensor)> entries)
    {
        var p = new MemoryStream();
        void Op(byte code) => p.WriteByte(code);
        void Global(string module, string name) { Op((byte)'c'); p.Write(Encoding.ASCII.GetBytes($"{module}\n{name}\n")); }
        void Text(string s)
        {
            var bytes = Encoding.UTF8.GetBytes(s);
            Op((byte)'X');
            Span<byte> n = stackalloc byte[4];
            BinaryPrimitives.WriteInt32LittleEndian(n, bytes.Length);
            p.Write(n);
            p.Write(bytes);
        }
        void Int(long v)
        {
            if (v is < int.MinValue or > int.MaxValue)
                throw new GoogLeNetException($"PyTorch export: {v} is beyond a 32-bit pickle integer");
            Op((byte)'J');
            Span<byte> n = stackalloc byte[4];
            BinaryPrimitives.WriteInt32LittleEndian(n, (int)v);
            p.Write(n);
        }
        void Tuple(IEnumerable<long> values) { Op((byte)'('); foreach (var v in values) Int(v); Op((byte)'t'); }
        void EmptyOrderedDict() { Global("collections", "OrderedDict"); Op((byte)')'); Op((byte)'R'); }

        Op(0x80); Op(2); // PROTO 2
        EmptyOrderedDict();
        Op((byte)'(');
        for (int i = 0; i < entries.Count; i++)
        {
            var (key, t) = entries[i];
            var type = StateDictTensor.Types.First(x => x.Type == t.Type);
            Text(key);
            Global("torch._utils", "_rebuild_tensor_v2");
            Op((byte)'(');
            // The storage, by persistent id: ('storage', torch.FloatStorage, key, location, size)
            Op((byte)'(');
            Text("storage");
            Global("torch", type.Storage);
            Text(i.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Text("cpu");
            Int(t.Count);
            Op((byte)'t');
            Op((byte)'Q'); // BINPERSID
            Int(0); // storage offset
            Tuple(t.Shape);
            var stride = new long[t.Shape.Length];
            long step = 1;
            for (int d = t.Shape.Length - 1; d >= 0; d--)
            {
                stride[d] = step;
                step *= Math.Max(1, t.Shape[d]);
            }
            Tuple(stride);
            Op(0x89); // NEWFALSE: requires_grad
            EmptyOrderedDict(); // backward hooks
            Op((byte)'t');
            Op((byte)'R');
        }
        Op((byte)'u'); // SETITEMS
        Op((byte)'.');
        return p.ToArray();
    }

    /// <summary>Reads the tensors of a state dict saved by <c>torch.save</c>, in the file's order.</summary>
    /// <exception cref="StateDictException">The file is not such a file, asks for objects other than tensors and containers, or is damaged.</exception>
    public static IReadOnlyList<(string Key, StateDictTensor Tensor)> Read(string path, Stream stream)
    {
        Span<byte> magic = stackalloc byte[4];
        stream.Position = 0;
        if (stream.ReadAtLeast(magic, 4, throwOnEndOfStream: false) < 4)
            throw new StateDictException(path, "file is too short to be a PyTorch file");
        stream.Position = 0;
        if (!(magic[0] == 'P' && magic[1] == 'K'))
            throw new StateDictException(path, magic[0] == 0x80
                ? "is in torch.save's legacy format (before PyTorch 1.6, or _use_new_zipfile_serialization=False); save it again with a current torch.save"
                : "not a PyTorch file (torch.save writes a zip archive; this is none)");
        ZipArchive zip;
        try
        {
            zip = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true);
        }
        catch (InvalidDataException e)
        {
            throw new StateDictException(path, $"zip archive is truncated or corrupt ({e.Message})", e);
        }
        using (zip)
        {
            var pickleEntry = zip.Entries.FirstOrDefault(e => e.FullName.EndsWith("/data.pkl", StringComparison.Ordinal) && e.FullName.IndexOf('/') == e.FullName.Length - 9)
                ?? throw new StateDictException(path, "zip archive has no data.pkl: not a file of torch.save");
            string prefix = pickleEntry.FullName[..^"data.pkl".Length];
            const long MaxPickle = 64 << 20;
            if (pickleEntry.Length > MaxPickle)
                throw new StateDictException(path, $"data.pkl is {pickleEntry.Length:N0} bytes, more than a state dict's pickle needs");
            byte[] pickle = ReadEntry(path, pickleEntry);
            object? root = new RestrictedUnpickler(path, pickle).Load();

            if (root is not PickleDict dict)
                throw new StateDictException(path, $"holds a {PickleDict.Describe(root)}, not a state dict (an OrderedDict of tensors)");
            var storages = new Dictionary<string, byte[]>();
            var result = new List<(string, StateDictTensor)>();
            foreach (var (k, v) in dict.Items)
            {
                if (k is not string key)
                    throw new StateDictException(path, $"has a key that is a {PickleDict.Describe(k)}, not a string");
                if (v is not TensorRef tensor)
                    throw new StateDictException(path, $"'{key}' is a {PickleDict.Describe(v)}, not a tensor (a state dict holds only tensors; for a checkpoint of a training script, save its model's state_dict())");
                if (!storages.TryGetValue(tensor.Storage.Key, out var bytes))
                {
                    var entry = zip.GetEntry(prefix + "data/" + tensor.Storage.Key)
                        ?? throw new StateDictException(path, $"'{key}': its storage data/{tensor.Storage.Key} is missing from the archive");
                    long expected = tensor.Storage.Count * StateDictTensor.SizeOf(tensor.Storage.Type);
                    if (entry.Length != expected)
                        throw new StateDictException(path, $"'{key}': its storage holds {entry.Length:N0} bytes where {tensor.Storage.Count:N0} {StateDictTensor.TypeName(tensor.Storage.Type)} values need {expected:N0}");
                    bytes = ReadEntry(path, entry);
                    storages[tensor.Storage.Key] = bytes;
                }
                result.Add((key, tensor.Materialize(path, key, bytes)));
            }
            return result;
        }
    }

    private static byte[] ReadEntry(string path, ZipArchiveEntry entry)
    {
        try
        {
            var bytes = new byte[entry.Length];
            using var s = entry.Open();
            if (s.ReadAtLeast(bytes, bytes.Length, throwOnEndOfStream: false) < bytes.Length)
                throw new StateDictException(path, $"{entry.FullName} is truncated");
            return bytes;
        }
        catch (InvalidDataException e)
        {
            throw new StateDictException(path, $"{entry.FullName} is corrupt ({e.Message})", e);
        }
    }
}
