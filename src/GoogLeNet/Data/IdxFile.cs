using System.Buffers.Binary;
using System.IO.Compression;

namespace GoogLeNet.Data;

/// <summary>The contents of one IDX file of unsigned bytes: its dimensions and its payload.</summary>
internal sealed record IdxData(string Path, int[] Dims, byte[] Data)
{
    public int Count => Dims[0];
}

/// <summary>
/// Reads IDX files (the MNIST / Fashion-MNIST format), plain or gzip-compressed, and checks every part of
/// them: the magic number, the rank, and that the payload is exactly as long as the header promises.
/// </summary>
internal static class IdxFile
{
    private const byte UnsignedByte = 0x08;

    /// <summary>Reads and validates an IDX file of the given rank (3 for images, 1 for labels).</summary>
    /// <exception cref="DataFileException">The file is missing, unreadable or not a valid IDX file of that rank.</exception>
    public static IdxData Read(string path, int expectedRank)
    {
        byte[] bytes = ReadDecompressed(path);
        if (bytes.Length < 4)
            throw new DataFileException(path, $"too short to be an IDX file ({bytes.Length} bytes)");
        if (bytes[0] != 0 || bytes[1] != 0 || bytes[2] != UnsignedByte || bytes[3] is 0 or > 4)
            throw new DataFileException(path, $"not an IDX file of unsigned bytes (magic 0x{BinaryPrimitives.ReadUInt32BigEndian(bytes):X8}, expected 0x0000080{expectedRank})");
        int rank = bytes[3];
        if (rank != expectedRank)
            throw new DataFileException(path, $"expected an IDX file of rank {expectedRank} ({(expectedRank == 1 ? "labels" : "images")}), found rank {rank}");
        int header = 4 + 4 * rank;
        if (bytes.Length < header)
            throw new DataFileException(path, $"truncated: the header needs {header} bytes, the file has {bytes.Length}");

        var dims = new int[rank];
        long expected = 1;
        for (int i = 0; i < rank; i++)
        {
            uint d = BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(4 + 4 * i));
            if (d == 0 || d > int.MaxValue)
                throw new DataFileException(path, $"dimension {i} is {d}");
            dims[i] = (int)d;
            expected *= d;
        }
        long actual = bytes.Length - header;
        if (actual < expected)
            throw new DataFileException(path, $"truncated: the header promises {expected:N0} bytes of data ({string.Join(" x ", dims)}), found {actual:N0}");
        if (actual > expected)
            throw new DataFileException(path, $"{actual - expected:N0} unexpected bytes after the {string.Join(" x ", dims)} data");
        return new IdxData(path, dims, bytes[header..]);
    }

    /// <summary>The file's bytes, decompressed when it is gzip data.</summary>
    public static byte[] ReadDecompressed(string path)
    {
        byte[] raw = UserFile.ReadAllBytes(path, (problem, inner) => new DataFileException(path, problem, inner));

        bool gzipMagic = raw.Length >= 2 && raw[0] == 0x1f && raw[1] == 0x8b;
        if (!gzipMagic)
        {
            if (path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase))
                throw new DataFileException(path, "the name ends in .gz but the file is not gzip data");
            return raw;
        }
        try
        {
            using var input = new GZipStream(new MemoryStream(raw), CompressionMode.Decompress);
            using var output = new MemoryStream();
            input.CopyTo(output);
            // GZipStream stops quietly at the end of a cut-off file. The gzip trailer's last four bytes hold
            // the uncompressed length (mod 2^32); a truncated file ends in compressed data instead.
            uint trailerLength = BinaryPrimitives.ReadUInt32LittleEndian(raw.AsSpan(raw.Length - 4));
            if (raw.Length < 18 || trailerLength != (uint)output.Length)
                throw new InvalidDataException("gzip trailer does not match the data");
            return output.ToArray();
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or IOException)
        {
            throw new DataFileException(path, "corrupt or truncated gzip data", e);
        }
    }
}
