using SkiaSharp;

namespace GoogLeNet.Data;

/// <summary>A picture file turned into grey bytes, as Fashion-MNIST stores its images.</summary>
public sealed record GreyImage(int Width, int Height, byte[] Pixels);

/// <summary>Reads PNG, JPEG and the other formats Skia decodes, into grey bytes.</summary>
public static class ImageFiles
{
    /// <summary>Pictures larger than this on either side are scaled down after decoding.</summary>
    public const int MaxSide = 2048;

    /// <summary>
    /// Pictures of more pixels than this are refused before decoding: a file of a few bytes can announce
    /// gigapixels, and decoding holds the whole picture (4 bytes a pixel) in memory before it is scaled down.
    /// </summary>
    public const long MaxPixels = 150_000_000;

    /// <summary>
    /// Decodes a picture (colour, grey, with alpha, 8 or 16 bits per channel) to grey with the ITU-R 601
    /// luma weights that PIL's "L" conversion uses. Transparent pixels count as black, Fashion-MNIST's
    /// background. With <paramref name="invert"/>, dark-on-light pictures are turned light-on-dark. A photo
    /// whose EXIF data says how to turn it (a phone held upright stores its pictures on their side) is turned
    /// so, as picture viewers show it.
    /// </summary>
    /// <exception cref="DataFileException">The file is missing, empty or not a picture.</exception>
    public static GreyImage ReadGrey(string path, bool invert = false)
    {
        byte[] bytes = UserFile.ReadAllBytes(path, (problem, inner) => new DataFileException(path, problem, inner),
            isDirectory: "is a directory, not an image");

        using var data = SKData.CreateCopy(bytes);
        using var codec = SKCodec.Create(data)
            ?? throw new DataFileException(path, FormatOf(bytes) is { } format
                ? $"{format} data that is truncated or corrupt (its header cannot be read)"
                : "not an image in a format this tool reads (PNG, JPEG, GIF, BMP, WebP)");
        var info = codec.Info;
        if (info.Width < 1 || info.Height < 1)
            throw new DataFileException(path, "image has no pixels");
        if ((long)info.Width * info.Height > MaxPixels)
            throw new DataFileException(path, $"picture is {info.Width}x{info.Height} pixels, more than the {MaxPixels / 1e6:F0} megapixels this tool decodes");

        // Decode at full size into 8-bit RGBA whatever the source depth, then shrink very large pictures.
        using var full = new SKBitmap(new SKImageInfo(info.Width, info.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        var result = codec.GetPixels(full.Info, full.GetPixels());
        // A cut-off file decodes partly (IncompleteInput); a guess on half a picture is not an answer.
        if (result == SKCodecResult.IncompleteInput)
            throw new DataFileException(path, $"{codec.EncodedFormat.ToString().ToUpperInvariant()} data is truncated (only part of the picture could be decoded)");
        if (result != SKCodecResult.Success)
            throw new DataFileException(path, $"image cannot be decoded ({result})");

        double scale = Math.Min(1.0, (double)MaxSide / Math.Max(info.Width, info.Height));
        SKBitmap bitmap = full;
        SKBitmap? scaled = null;
        if (scale < 1)
        {
            scaled = full.Resize(new SKImageInfo(Math.Max(1, (int)(info.Width * scale)), Math.Max(1, (int)(info.Height * scale)),
                SKColorType.Rgba8888, SKAlphaType.Unpremul), new SKSamplingOptions(SKCubicResampler.Mitchell));
            bitmap = scaled;
        }
        try
        {
            var pixels = bitmap.GetPixelSpan();
            var grey = new byte[bitmap.Width * bitmap.Height];
            for (int i = 0; i < grey.Length; i++)
            {
                int r = pixels[4 * i], g = pixels[4 * i + 1], b = pixels[4 * i + 2], a = pixels[4 * i + 3];
                double luma = (0.299 * r + 0.587 * g + 0.114 * b) * a / 255.0;
                if (invert)
                    luma = 255 - luma;
                grey[i] = (byte)Math.Clamp(Math.Round(luma), 0, 255);
            }
            return Orient(new GreyImage(bitmap.Width, bitmap.Height, grey), codec.EncodedOrigin);
        }
        finally
        {
            scaled?.Dispose();
        }
    }

    /// <summary>The picture as it is meant to be seen, from the stored one and its EXIF orientation.</summary>
    private static GreyImage Orient(GreyImage stored, SKEncodedOrigin origin)
    {
        int w = stored.Width, h = stored.Height;
        // For each shown pixel (x, y), the stored pixel it comes from; the last four swap width and height.
        Func<int, int, (int X, int Y)>? source = origin switch
        {
            SKEncodedOrigin.TopRight => (x, y) => (w - 1 - x, y),            // mirrored left to right
            SKEncodedOrigin.BottomRight => (x, y) => (w - 1 - x, h - 1 - y), // upside down
            SKEncodedOrigin.BottomLeft => (x, y) => (x, h - 1 - y),          // mirrored top to bottom
            SKEncodedOrigin.LeftTop => (x, y) => (y, x),                     // transposed
            SKEncodedOrigin.RightTop => (x, y) => (y, h - 1 - x),            // shown turned a quarter clockwise
            SKEncodedOrigin.RightBottom => (x, y) => (w - 1 - y, h - 1 - x), // transposed across the other diagonal
            SKEncodedOrigin.LeftBottom => (x, y) => (w - 1 - y, x),          // shown turned a quarter anticlockwise
            _ => null,
        };
        if (source is null)
            return stored;
        bool swap = origin >= SKEncodedOrigin.LeftTop;
        int shownWidth = swap ? h : w, shownHeight = swap ? w : h;
        var pixels = new byte[stored.Pixels.Length];
        for (int y = 0; y < shownHeight; y++)
            for (int x = 0; x < shownWidth; x++)
            {
                var (sx, sy) = source(x, y);
                pixels[y * shownWidth + x] = stored.Pixels[sy * w + sx];
            }
        return new GreyImage(shownWidth, shownHeight, pixels);
    }

    /// <summary>The format a file's first bytes announce, for a clearer message when it cannot be decoded.</summary>
    private static string? FormatOf(ReadOnlySpan<byte> bytes) => bytes switch
    {
        [0x89, (byte)'P', (byte)'N', (byte)'G', ..] => "PNG",
        [0xFF, 0xD8, 0xFF, ..] => "JPEG",
        [(byte)'G', (byte)'I', (byte)'F', (byte)'8', ..] => "GIF",
        [(byte)'B', (byte)'M', ..] => "BMP",
        [(byte)'R', (byte)'I', (byte)'F', (byte)'F', _, _, _, _, (byte)'W', (byte)'E', (byte)'B', (byte)'P', ..] => "WebP",
        _ => null,
    };
}
