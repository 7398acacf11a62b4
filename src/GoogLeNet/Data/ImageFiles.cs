using SkiaSharp;

namespace GoogLeNet.Data;

/// <summary>A picture file turned into grey bytes, as Fashion-MNIST stores its images.</summary>
public sealed record GreyImage(int Width, int Height, byte[] Pixels);

/// <summary>A picture file decoded to RGB: three planes of Width x Height bytes (red, green, blue), and whether it is grey.</summary>
/// <param name="Width">Width in pixels.</param>
/// <param name="Height">Height in pixels.</param>
/// <param name="Pixels">The red plane, then the green, then the blue, each row-major.</param>
/// <param name="IsGrey">Every pixel has equal red, green and blue.</param>
public sealed record ColourImage(int Width, int Height, byte[] Pixels, bool IsGrey);

/// <summary>Reads PNG, JPEG and the other formats Skia decodes, into grey or RGB bytes.</summary>
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
        var (width, height, rgba, origin) = DecodeRgba(path);
        var grey = new byte[width * height];
        for (int i = 0; i < grey.Length; i++)
        {
            int r = rgba[4 * i], g = rgba[4 * i + 1], b = rgba[4 * i + 2], a = rgba[4 * i + 3];
            double luma = Luma(r, g, b) * a / 255.0;
            if (invert)
                luma = 255 - luma;
            grey[i] = (byte)Math.Clamp(Math.Round(luma), 0, 255);
        }
        var oriented = Orient(width, height, 1, grey, origin);
        return new GreyImage(oriented.Width, oriented.Height, oriented.Pixels);
    }

    /// <summary>
    /// Decodes a picture as <see cref="ReadGrey"/> does, keeping its colour: the pixels as three planes (red, green,
    /// blue), and whether the picture is grey (every pixel has equal red, green and blue).
    /// </summary>
    /// <exception cref="DataFileException">The file is missing, empty or not a picture.</exception>
    public static ColourImage ReadColour(string path)
    {
        var (width, height, rgba, origin) = DecodeRgba(path);
        int n = width * height;
        var planes = new byte[3 * n];
        bool grey = true;
        for (int i = 0; i < n; i++)
        {
            int a = rgba[4 * i + 3];
            for (int c = 0; c < 3; c++)
                planes[c * n + i] = a == 255 ? rgba[4 * i + c] : (byte)Math.Round(rgba[4 * i + c] * a / 255.0);
            grey &= planes[i] == planes[n + i] && planes[i] == planes[2 * n + i];
        }
        var oriented = Orient(width, height, 3, planes, origin);
        return new ColourImage(oriented.Width, oriented.Height, oriented.Pixels, grey);
    }

    /// <summary>The ITU-R 601 luma of a colour, the grey level <see cref="ReadGrey"/> gives it (PIL's "L" conversion).</summary>
    internal static double Luma(double r, double g, double b) => 0.299 * r + 0.587 * g + 0.114 * b;

    /// <summary>The picture at its full size (very large ones shrunk to <see cref="MaxSide"/>) in 8-bit RGBA, and its EXIF orientation.</summary>
    private static (int Width, int Height, byte[] Rgba, SKEncodedOrigin Origin) DecodeRgba(string path)
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
        if (scale >= 1)
            return (full.Width, full.Height, full.GetPixelSpan().ToArray(), codec.EncodedOrigin);
        using var scaled = full.Resize(new SKImageInfo(Math.Max(1, (int)(info.Width * scale)), Math.Max(1, (int)(info.Height * scale)),
            SKColorType.Rgba8888, SKAlphaType.Unpremul), new SKSamplingOptions(SKCubicResampler.Mitchell));
        return (scaled.Width, scaled.Height, scaled.GetPixelSpan().ToArray(), codec.EncodedOrigin);
    }

    /// <summary>The picture as it is meant to be seen, from the stored one (<paramref name="channels"/> planes) and its EXIF orientation.</summary>
    private static (int Width, int Height, byte[] Pixels) Orient(int w, int h, int channels, byte[] stored, SKEncodedOrigin origin)
    {
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
            return (w, h, stored);
        bool swap = origin >= SKEncodedOrigin.LeftTop;
        int shownWidth = swap ? h : w, shownHeight = swap ? w : h, plane = w * h;
        var pixels = new byte[stored.Length];
        for (int c = 0; c < channels; c++)
            for (int y = 0; y < shownHeight; y++)
                for (int x = 0; x < shownWidth; x++)
                {
                    var (sx, sy) = source(x, y);
                    pixels[c * plane + y * shownWidth + x] = stored[c * plane + sy * w + sx];
                }
        return (shownWidth, shownHeight, pixels);
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
