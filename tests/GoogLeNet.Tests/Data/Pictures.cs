using SkiaSharp;

namespace GoogLeNet.Tests.Data;

/// <summary>Picture files of every kind predict must read, written for the tests.</summary>
public static class Pictures
{
    /// <summary>
    /// A 16-bit-per-channel RGB PNG, written by hand because Skia only encodes 8 bits: a horizontal ramp, so
    /// that a decoder that misreads the depth gives other grey levels.
    /// </summary>
    public static string WriteSixteenBitPng(string path, int width, int height)
    {
        var raw = new MemoryStream();
        for (int y = 0; y < height; y++)
        {
            raw.WriteByte(0); // filter: none
            for (int x = 0; x < width; x++)
                for (int channel = 0; channel < 3; channel++)
                {
                    int v = x * 65535 / (width - 1);
                    raw.WriteByte((byte)(v >> 8));
                    raw.WriteByte((byte)v);
                }
        }
        return WritePng(path, width, height, bitDepth: 16, colourType: 2 /* RGB */, raw.ToArray());
    }

    /// <summary>
    /// A 40x20 JPEG, black with its top-left quarter white, stored with EXIF orientation
    /// <paramref name="orientation"/> (1-8): an APP1 segment written by hand after the start-of-image marker,
    /// because Skia's encoder writes none. 6 is what a phone held upright stores.
    /// </summary>
    public static string WriteOrientedJpeg(string path, ushort orientation)
    {
        using var bitmap = new SKBitmap(40, 20, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        bitmap.Erase(SKColors.Black);
        using (var canvas = new SKCanvas(bitmap))
        using (var white = new SKPaint { Color = SKColors.White })
            canvas.DrawRect(0, 0, 20, 10, white);
        using var jpeg = bitmap.Encode(SKEncodedImageFormat.Jpeg, 95);
        byte[] encoded = jpeg.ToArray();
        byte[] exif =
        [
            0xFF, 0xE1, 0x00, 0x22,                         // APP1, 34 bytes with this length field
            (byte)'E', (byte)'x', (byte)'i', (byte)'f', 0, 0,
            (byte)'M', (byte)'M', 0x00, 0x2A, 0, 0, 0, 8,   // big-endian TIFF header, first IFD at offset 8
            0x00, 0x01,                                     // one entry:
            0x01, 0x12, 0x00, 0x03, 0, 0, 0, 1,             // Orientation, SHORT, one value,
            (byte)(orientation >> 8), (byte)orientation, 0, 0,
            0, 0, 0, 0,                                     // no next IFD
        ];
        File.WriteAllBytes(path, [.. encoded[..2], .. exif, .. encoded[2..]]);
        return path;
    }

    /// <summary>
    /// A PNG of a few hundred bytes whose header announces <paramref name="width"/> x <paramref name="height"/>
    /// grey pixels, with one row of data: what a decompression bomb or a damaged header looks like.
    /// </summary>
    public static string WriteHugeHeaderPng(string path, int width, int height) =>
        WritePng(path, width, height, bitDepth: 8, colourType: 0 /* grey */, new byte[1 + width]);

    /// <summary>A PNG of the given header whose image data is <paramref name="rows"/> (filter bytes included), compressed.</summary>
    private static string WritePng(string path, int width, int height, byte bitDepth, byte colourType, byte[] rows)
    {
        var compressed = new MemoryStream();
        using (var zlib = new System.IO.Compression.ZLibStream(compressed, System.IO.Compression.CompressionLevel.Optimal, leaveOpen: true))
            zlib.Write(rows);
        var png = new MemoryStream();
        png.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        var header = new byte[13];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(header, width);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        header[8] = bitDepth;
        header[9] = colourType;
        WriteChunk(png, "IHDR", header);
        WriteChunk(png, "IDAT", compressed.ToArray());
        WriteChunk(png, "IEND", []);
        File.WriteAllBytes(path, png.ToArray());
        return path;
    }

    private static void WriteChunk(Stream png, string type, byte[] data)
    {
        var buffer = new byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(buffer, data.Length);
        png.Write(buffer);
        byte[] typed = [.. System.Text.Encoding.ASCII.GetBytes(type), .. data];
        png.Write(typed);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(buffer, Crc32(typed));
        png.Write(buffer);
    }

    private static uint Crc32(byte[] data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in data)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++)
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320 : crc >> 1;
        }
        return ~crc;
    }

    public static string WritePicture(string path, int width, int height, SKColorType colorType, SKColor colour,
        SKEncodedImageFormat format = SKEncodedImageFormat.Png)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, colorType, SKAlphaType.Unpremul));
        bitmap.Erase(colour);
        using var data = bitmap.Encode(format, 90) ?? throw new InvalidOperationException($"Skia cannot encode {colorType} as {format}");
        File.WriteAllBytes(path, data.ToArray());
        return path;
    }
}
