using GoogLeNet.Data;
using SkiaSharp;

namespace GoogLeNet.Tests.Data;

/// <summary>Every kind of picture becomes the grey levels Fashion-MNIST would give it.</summary>
public class ImageFilesTests
{
    [Fact]
    public void SixteenBitChannelsKeepTheirLevels()
    {
        using var dir = new TempDirectory();
        var image = ImageFiles.ReadGrey(Pictures.WriteSixteenBitPng(dir["deep.png"], 21, 13));
        Assert.Equal((21, 13), (image.Width, image.Height));
        Assert.Equal(0, image.Pixels[0]);
        Assert.InRange(image.Pixels[10], 126, 129); // the ramp's middle, 32767/65535 of white
        Assert.Equal(255, image.Pixels[20]);
    }

    [Fact]
    public void ColourGreyAndAlphaGiveTheirLuma()
    {
        using var dir = new TempDirectory();
        var grey = ImageFiles.ReadGrey(Pictures.WritePicture(dir["grey.png"], 4, 4, SKColorType.Gray8, new SKColor(200, 200, 200)));
        Assert.All(grey.Pixels, p => Assert.Equal(200, p));
        // ITU-R 601 weights: 0.299 R + 0.587 G + 0.114 B.
        var red = ImageFiles.ReadGrey(Pictures.WritePicture(dir["red.png"], 4, 4, SKColorType.Rgba8888, SKColors.Red));
        Assert.All(red.Pixels, p => Assert.Equal(76, p));
        // Transparency fades towards Fashion-MNIST's black background.
        var faint = ImageFiles.ReadGrey(Pictures.WritePicture(dir["faint.png"], 4, 4, SKColorType.Rgba8888, new SKColor(255, 255, 255, 100)));
        Assert.All(faint.Pixels, p => Assert.Equal(100, p));
        Assert.All(ImageFiles.ReadGrey(dir["faint.png"], invert: true).Pixels, p => Assert.Equal(155, p));
    }

    [Fact]
    public void GifBmpAndWebpAreReadAsPngAndJpegAre()
    {
        using var dir = new TempDirectory();
        // 1x1 GIF89a: a two-colour palette (white, black) and one pixel of colour 0, LZW-coded as clear, 0, end.
        File.WriteAllBytes(dir["dot.gif"], [
            .."GIF89a"u8, 1, 0, 1, 0, 0x80, 0, 0, 0xFF, 0xFF, 0xFF, 0, 0, 0,
            (byte)',', 0, 0, 0, 0, 1, 0, 1, 0, 0, 2, 2, 0x44, 0x01, 0, (byte)';']);
        Assert.Equal(new byte[] { 255 }, ImageFiles.ReadGrey(dir["dot.gif"]).Pixels);

        // 2x2 BMP, 24 bits, rows stored bottom-up (each padded to 4 bytes): a black bottom row, a grey top row.
        byte[] header = [.."BM"u8, 70, 0, 0, 0, 0, 0, 0, 0, 54, 0, 0, 0, 40, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 1, 0, 24, 0,
            0, 0, 0, 0, 16, 0, 0, 0, 0x13, 0x0B, 0, 0, 0x13, 0x0B, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        File.WriteAllBytes(dir["rows.bmp"], [..header, 0, 0, 0, 0, 0, 0, 0, 0, 90, 90, 90, 90, 90, 90, 0, 0]);
        var bmp = ImageFiles.ReadGrey(dir["rows.bmp"]);
        Assert.Equal((2, 2), (bmp.Width, bmp.Height));
        Assert.Equal(new byte[] { 90, 90, 0, 0 }, bmp.Pixels);

        var webp = ImageFiles.ReadGrey(Pictures.WritePicture(dir["grey.webp"], 4, 4, SKColorType.Rgba8888, new SKColor(200, 200, 200),
            SKEncodedImageFormat.Webp));
        Assert.All(webp.Pixels, p => Assert.InRange(p, 198, 202)); // lossy
    }

    [Theory]
    // EXIF orientation, the shown size, and the corner where the stored picture's white top-left quarter is shown.
    [InlineData(1, 40, 20, "top left")]
    [InlineData(2, 40, 20, "top right")]
    [InlineData(3, 40, 20, "bottom right")]
    [InlineData(4, 40, 20, "bottom left")]
    [InlineData(5, 20, 40, "top left")]
    [InlineData(6, 20, 40, "top right")]
    [InlineData(7, 20, 40, "bottom right")]
    [InlineData(8, 20, 40, "bottom left")]
    public void PhotosAreTurnedAsTheirExifOrientationSays(ushort orientation, int width, int height, string white)
    {
        using var dir = new TempDirectory();
        var image = ImageFiles.ReadGrey(Pictures.WriteOrientedJpeg(dir["photo.jpg"], orientation));
        Assert.Equal((width, height), (image.Width, image.Height));
        // The middle of each quarter, away from the edges where JPEG blurs.
        foreach (var corner in new[] { "top left", "top right", "bottom left", "bottom right" })
        {
            int x = corner.EndsWith("left") ? width / 4 : 3 * width / 4;
            int y = corner.StartsWith("top") ? height / 4 : 3 * height / 4;
            byte pixel = image.Pixels[y * width + x];
            if (corner == white)
                Assert.True(pixel >= 230, $"{corner}: {pixel}, expected white");
            else
                Assert.True(pixel <= 25, $"{corner}: {pixel}, expected black");
        }
    }

    [Fact]
    public void VeryLargePicturesAreScaledDownNotRefused()
    {
        using var dir = new TempDirectory();
        var image = ImageFiles.ReadGrey(Pictures.WritePicture(dir["huge.png"], 6000, 4000, SKColorType.Gray8, SKColors.White));
        Assert.Equal((ImageFiles.MaxSide, 1365), (image.Width, image.Height));
        Assert.All(image.Pixels, p => Assert.Equal(255, p));
    }

    [Fact]
    public void APictureAnnouncingGigapixelsIsRefusedBeforeDecoding()
    {
        using var dir = new TempDirectory();
        string path = Pictures.WriteHugeHeaderPng(dir["bomb.png"], 60_000, 50_000);
        Assert.True(new FileInfo(path).Length < 10_000);
        var e = Assert.Throws<DataFileException>(() => ImageFiles.ReadGrey(path));
        Assert.Equal($"{path}: picture is 60000x50000 pixels, more than the 150 megapixels this tool decodes", e.Message);
    }
}
