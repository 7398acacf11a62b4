using System.Buffers.Binary;
using System.IO.Compression;

namespace GoogLeNet.Tests.Data;

/// <summary>Writes small hand-made IDX files (raw or gzip) for the tests.</summary>
public static class IdxWriter
{
    public static byte[] Images(int count, int rows, int cols, Func<int, int, int, byte> pixel)
    {
        var bytes = new byte[16 + count * rows * cols];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, 0x00000803);
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(4), (uint)count);
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(8), (uint)rows);
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(12), (uint)cols);
        for (int n = 0; n < count; n++)
            for (int r = 0; r < rows; r++)
                for (int c = 0; c < cols; c++)
                    bytes[16 + (n * rows + r) * cols + c] = pixel(n, r, c);
        return bytes;
    }

    public static byte[] Labels(IReadOnlyList<byte> labels)
    {
        var bytes = new byte[8 + labels.Count];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, 0x00000801);
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(4), (uint)labels.Count);
        for (int i = 0; i < labels.Count; i++)
            bytes[8 + i] = labels[i];
        return bytes;
    }

    public static byte[] Gzip(byte[] data)
    {
        using var output = new MemoryStream();
        using (var gz = new GZipStream(output, CompressionLevel.Fastest))
            gz.Write(data);
        return output.ToArray();
    }

    /// <summary>
    /// A tiny Fashion-MNIST look-alike whose classes are easy: class k has a bright 4x4 square at a
    /// position of its own, on a dark, slightly noisy background.
    /// </summary>
    public static string WriteDataset(string directory, int trainCount, int testCount, int size = 28, bool gzip = false)
    {
        Directory.CreateDirectory(directory);
        Write(directory, "train", trainCount, size, gzip, seed: 1);
        Write(directory, "t10k", testCount, size, gzip, seed: 2);
        return directory;
    }

    private static void Write(string directory, string prefix, int count, int size, bool gzip, int seed)
    {
        var random = new Random(seed);
        var labels = Enumerable.Range(0, count).Select(_ => (byte)random.Next(10)).ToArray();
        var noise = new byte[count * size * size];
        random.NextBytes(noise);
        var images = Images(count, size, size, (n, r, c) =>
        {
            int k = labels[n];
            int top = 2 + (k / 5) * (size / 2), left = 1 + (k % 5) * (size / 5);
            bool inSquare = r >= top && r < top + 4 && c >= left && c < left + 4;
            return inSquare ? (byte)230 : (byte)(noise[(n * size + r) * size + c] / 8);
        });
        string ext = gzip ? ".gz" : "";
        File.WriteAllBytes(Path.Combine(directory, $"{prefix}-images-idx3-ubyte{ext}"), gzip ? Gzip(images) : images);
        File.WriteAllBytes(Path.Combine(directory, $"{prefix}-labels-idx1-ubyte{ext}"), gzip ? Gzip(Labels(labels)) : Labels(labels));
    }
}
