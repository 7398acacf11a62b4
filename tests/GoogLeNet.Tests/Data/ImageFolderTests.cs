using System.Text.Json;
using GoogLeNet.Data;
using GoogLeNet.Tests.Cli;
using GoogLeNet.Training;
using SkiaSharp;

namespace GoogLeNet.Tests.Data;

/// <summary>Image-folder datasets: grey and RGB folders (PNG and JPEG) train, and every bad layout is one line naming the folder or file.</summary>
public class ImageFolderTests
{
    /// <summary>Writes a picture of <paramref name="size"/> pixels whose brightness (or colour) depends on its class, so classes can be told apart.</summary>
    private static void WritePicture(string path, int label, int index, bool colour, int size = 20, SKEncodedImageFormat format = SKEncodedImageFormat.Png)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var bitmap = new SKBitmap(size, size, SKColorType.Rgba8888, SKAlphaType.Opaque);
        var random = new Random(label * 1000 + index);
        for (int y = 0; y < size; y++)
            for (int x = 0; x < size; x++)
            {
                byte v = (byte)Math.Clamp(40 + 80 * label + random.Next(-30, 30) + (x < size / 2 ? 20 : 0), 0, 255);
                bitmap.SetPixel(x, y, colour ? new SKColor(v, (byte)(255 - v), (byte)(label * 60)) : new SKColor(v, v, v));
            }
        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(format, 95);
        File.WriteAllBytes(path, data.ToArray());
    }

    /// <summary>DIR/train and DIR/test with <paramref name="classes"/> class folders of <paramref name="perClass"/> pictures each.</summary>
    private static void WriteSplitFolder(string dir, string[] classes, int perClass, bool colour, int testPerClass = 4)
    {
        foreach (var (split, count) in new[] { ("train", perClass), ("test", testPerClass) })
            for (int c = 0; c < classes.Length; c++)
                for (int i = 0; i < count; i++)
                {
                    // Colour folders mix formats: every third picture is a JPEG.
                    bool jpeg = colour && i % 3 == 0;
                    WritePicture(Path.Combine(dir, split, classes[c], $"{split}{i:D3}.{(jpeg ? "jpg" : "png")}"), c, i, colour,
                        format: jpeg ? SKEncodedImageFormat.Jpeg : SKEncodedImageFormat.Png);
                }
    }

    private static readonly string[] Quick = ["--epochs", "1", "--resize", "32", "--batch-size", "8", "--threads", "1", "--precision", "fp32"];

    [Fact]
    public void AGreyFolderTrainsAndItsCheckpointRecordsChannelsSizeAndClassNames()
    {
        using var dir = new TempDirectory();
        WriteSplitFolder(dir["pics"], ["boots", "hats", "socks"], 8, colour: false);
        var run = CliRunner.Run(["train", "--data", dir["pics"], "--out", dir["run"], .. Quick]);
        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.Contains($"{dir["pics"]}: 3 classes (boots, hats, socks), grey pictures of 20x20", run.Stderr);
        Assert.Contains("training googlenet on 24 images (12 test)", run.Stdout);
        var metadata = Checkpoint.ReadMetadata(Path.Combine(dir["run"], "checkpoint.bin"));
        Assert.Equal(1, metadata.InChannels);
        Assert.Equal(3, metadata.NumClasses);
        Assert.Equal(32, metadata.ImageSize);
        Assert.Equal(["boots", "hats", "socks"], metadata.Labels);

        var predict = CliRunner.Run("predict", "--checkpoint", dir["run"], Path.Combine(dir["pics"], "test", "hats", "test000.png"), "--json", "--top", "3");
        Assert.True(predict.ExitCode == 0, predict.Stderr);
        using var p = JsonDocument.Parse(predict.Stdout);
        var labels = p.RootElement[0].GetProperty("top").EnumerateArray().Select(t => t.GetProperty("label").GetString()).ToList();
        Assert.Equal(["boots", "hats", "socks"], labels.Order());

        // evaluate takes the folder's test pictures, and its classes must be the checkpoint's.
        var evaluate = CliRunner.Run("evaluate", "--checkpoint", dir["run"], "--data", dir["pics"], "--json", "--precision", "fp32");
        Assert.True(evaluate.ExitCode == 0, evaluate.Stderr);
        using (var e = JsonDocument.Parse(evaluate.Stdout))
        {
            Assert.Equal(12, e.RootElement.GetProperty("examples").GetInt32());
            Assert.Equal(["boots", "hats", "socks"], e.RootElement.GetProperty("per_class").EnumerateArray().Select(c => c.GetProperty("label").GetString()));
        }
        WriteSplitFolder(dir["other"], ["boots", "caps", "socks"], 2, colour: false, testPerClass: 1);
        var other = CliRunner.Run("evaluate", "--checkpoint", dir["run"], "--data", dir["other"]);
        OptionMatrixTests.AssertOneLineError(other, $"{dir["other"]}: its classes (boots, caps, socks) are not those of googlenet after epoch 1 (boots, hats, socks)");
        // IDX images are grey: Fashion-MNIST's ten classes do not fit this three-class model.
        var idx = CliRunner.Run("evaluate", "--checkpoint", dir["run"], "--data", IdxWriter.WriteDataset(dir["idx"], 10, 10));
        OptionMatrixTests.AssertOneLineError(idx, "is a googlenet for 1-channel images and 3 classes; the IDX set in");
    }

    [Fact]
    public void AnRgbFolderOfPngAndJpegSplitByAFractionTrainsInThreeChannels()
    {
        using var dir = new TempDirectory();
        for (int c = 0; c < 2; c++)
            for (int i = 0; i < 10; i++)
            {
                bool jpeg = i % 2 == 0;
                WritePicture(Path.Combine(dir["pics"], c == 0 ? "apples" : "pears", $"p{i:D2}.{(jpeg ? "jpeg" : "png")}"), c, i, colour: true,
                    format: jpeg ? SKEncodedImageFormat.Jpeg : SKEncodedImageFormat.Png);
            }
        var (train, test, report) = ImageFolder.Load(dir["pics"], 32, valSplit: 0.25, seed: 3);
        Assert.Equal(3, train.Channels);
        Assert.Equal((15, 5), (train.Count, test.Count));
        Assert.Equal(["apples", "pears"], train.ClassNames);
        Assert.Equal(0, report.GreyAsRgb);
        // The split is fixed by the seed, and another seed draws other test pictures.
        Assert.Equal(test.Labels, ImageFolder.Load(dir["pics"], 32, 0.25, seed: 3).Test.Labels);
        Assert.NotEqual(test.Images, ImageFolder.Load(dir["pics"], 32, 0.25, seed: 4).Test.Images);

        var run = CliRunner.Run(["train", "--data", dir["pics"], "--val-split", "0.25", "--out", dir["run"], .. Quick]);
        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.Contains("2 classes (apples, pears), RGB pictures", run.Stderr);
        Assert.Equal(3, Checkpoint.ReadMetadata(Path.Combine(dir["run"], "checkpoint.bin")).InChannels);
        var predict = CliRunner.Run("predict", "--checkpoint", dir["run"], Path.Combine(dir["pics"], "pears", "p00.jpeg"), "--json");
        Assert.True(predict.ExitCode == 0, predict.Stderr);
        using var p = JsonDocument.Parse(predict.Stdout);
        Assert.Contains(p.RootElement[0].GetProperty("top")[0].GetProperty("label").GetString(), new[] { "apples", "pears" });

        // evaluate splits the folder as the run did (its --val-split and seed, from the checkpoint): the same five test pictures.
        var (same, _) = ImageFolder.LoadTest(dir["pics"], 32, 3, 0.25, seed: 1);
        Assert.Equal(ImageFolder.Load(dir["pics"], 32, 0.25, seed: 1).Test.Images, same.Images);
        var evaluate = CliRunner.Run("evaluate", "--checkpoint", dir["run"], "--data", dir["pics"], "--json", "--precision", "fp32");
        Assert.True(evaluate.ExitCode == 0, evaluate.Stderr);
        using var e = JsonDocument.Parse(evaluate.Stdout);
        Assert.Equal(5, e.RootElement.GetProperty("examples").GetInt32());
        var confusion = e.RootElement.GetProperty("confusion").EnumerateArray().Select(r => r.EnumerateArray().Select(n => n.GetInt32()).ToArray()).ToArray();
        Assert.Equal(same.Labels.Count(l => l == 0), confusion[0].Sum());
    }

    [Fact]
    public void GreyPicturesAmongColourOnesAreUsedAsRgbAndCounted()
    {
        using var dir = new TempDirectory();
        WriteSplitFolder(dir["pics"], ["a", "b"], 3, colour: true, testPerClass: 1);
        WritePicture(Path.Combine(dir["pics"], "train", "a", "grey1.png"), 0, 7, colour: false);
        WritePicture(Path.Combine(dir["pics"], "test", "b", "grey2.png"), 1, 8, colour: false);
        var (train, test, report) = ImageFolder.Load(dir["pics"], 32);
        Assert.Equal(3, train.Channels);
        Assert.Equal(3, test.Channels);
        Assert.Equal(2, report.GreyAsRgb);
        var run = CliRunner.Run(["train", "--data", dir["pics"], "--out", dir["run"], .. Quick]);
        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.Single(run.Stderr.Split('\n'), l => l == "googlenet: note: 2 grey pictures are among colour ones: used as RGB (grey in all three channels)");
    }

    [Fact]
    public void PicturesOfDifferentSizesAreResizedOnceToTheTrainingSize()
    {
        using var dir = new TempDirectory();
        WriteSplitFolder(dir["pics"], ["a", "b"], 2, colour: false, testPerClass: 1);
        WritePicture(Path.Combine(dir["pics"], "train", "b", "big.png"), 1, 3, colour: false, size: 50);
        var (train, _, report) = ImageFolder.Load(dir["pics"], 24);
        Assert.True(report.Resized);
        Assert.Equal((24, 24, 5), (train.Rows, train.Cols, train.Count));
    }

    [Fact]
    public void APictureThatDoesNotDecodeIsNamedOrWithSkippingCounted()
    {
        using var dir = new TempDirectory();
        WriteSplitFolder(dir["pics"], ["a", "b"], 3, colour: false, testPerClass: 1);
        string bad = Path.Combine(dir["pics"], "train", "b", "broken.png");
        File.WriteAllText(bad, "not a picture at all");
        var e = Assert.Throws<DataFileException>(() => ImageFolder.Load(dir["pics"], 32));
        Assert.Equal(bad, e.FilePath);
        OptionMatrixTests.AssertOneLineError(InProcessCli.Run(["train", "--data", dir["pics"], "--out", dir["run"], .. Quick]),
            $"{bad}: not an image in a format this tool reads");
        Assert.False(Directory.Exists(dir["run"]));

        var (train, _, report) = ImageFolder.Load(dir["pics"], 32, skipBadImages: true);
        Assert.Equal(6, train.Count);
        Assert.Equal(1, report.Skipped);
        Assert.StartsWith(bad, report.FirstSkipped);
        var run = CliRunner.Run(["train", "--data", dir["pics"], "--skip-bad-images", "--out", dir["run"], .. Quick]);
        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.Contains("googlenet: warning: skipped 1 picture that do not decode (--skip-bad-images); the first: " + bad, run.Stderr);
    }

    public static TheoryData<string, string> BadLayouts() => new()
    {
        { "empty class", "train/b: class folder has no pictures (PNG, JPEG, GIF, BMP, WebP)" },
        { "other classes", "test: has other classes than " },
        { "one class", "train: has only one class folder (a); a classifier needs two or more" },
        { "no pictures", "pics: has no class folders and no pictures" },
        { "loose pictures", "pics: has pictures but no class folders" },
        { "no test", "pics: has a train folder but no test folder beside it" },
        { "no split", "has no train and test folders: set --val-split to a fraction of its pictures to test on" },
    };

    [Theory]
    [MemberData(nameof(BadLayouts))]
    public void EveryBadLayoutIsOneLineNamingTheFolder(string layout, string message)
    {
        using var dir = new TempDirectory();
        string pics = dir["pics"];
        switch (layout)
        {
            case "empty class":
                WriteSplitFolder(pics, ["a", "b"], 2, colour: false, testPerClass: 1);
                foreach (var f in Directory.GetFiles(Path.Combine(pics, "train", "b")))
                    File.Delete(f);
                break;
            case "other classes":
                WriteSplitFolder(pics, ["a", "b"], 2, colour: false, testPerClass: 1);
                Directory.Move(Path.Combine(pics, "test", "b"), Path.Combine(pics, "test", "c"));
                break;
            case "one class":
                WriteSplitFolder(pics, ["a"], 2, colour: false, testPerClass: 1);
                break;
            case "no pictures":
                Directory.CreateDirectory(Path.Combine(pics, "train"));
                Directory.CreateDirectory(Path.Combine(pics, "test"));
                message = "train: has no class folders and no pictures";
                break;
            case "loose pictures":
                Directory.CreateDirectory(Path.Combine(pics, "train"));
                Directory.CreateDirectory(Path.Combine(pics, "test"));
                WritePicture(Path.Combine(pics, "train", "x.png"), 0, 0, colour: false);
                message = "train: has pictures but no class folders";
                break;
            case "no test":
                WriteSplitFolder(pics, ["a", "b"], 2, colour: false, testPerClass: 1);
                Directory.Delete(Path.Combine(pics, "test"), recursive: true);
                break;
            case "no split":
                WritePicture(Path.Combine(pics, "a", "1.png"), 0, 0, colour: false);
                WritePicture(Path.Combine(pics, "b", "1.png"), 1, 0, colour: false);
                break;
        }
        var result = InProcessCli.Run(["train", "--data", pics, "--out", dir["run"], .. Quick]);
        OptionMatrixTests.AssertOneLineError(result, message);
        Assert.False(Directory.Exists(dir["run"]), "a refused run must not leave a folder behind");
    }

    [FashionMnistFact]
    public void FashionMnistWrittenAsAFolderByTheScriptTrainsExactlyAsTheIdxFiles()
    {
        using var dir = new TempDirectory();
        string script = Path.Combine(Repository.Root, "scripts", "idx_to_image_folder.py");
        var write = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("python3",
            [script, FashionMnist.SystemDirectory, dir["folder"], "--train-limit", "200", "--test-limit", "100"]) { RedirectStandardOutput = true })!;
        write.WaitForExit();
        Assert.Equal(0, write.ExitCode);

        string[] run = ["--epochs", "1", "--resize", "32", "--batch-size", "40", "--threads", "1", "--precision", "fp32"];
        var viaFolder = CliRunner.Run(["train", "--data", dir["folder"], "--out", dir["a"], .. run]);
        Assert.True(viaFolder.ExitCode == 0, viaFolder.Stderr);
        var viaIdx = CliRunner.Run(["train", "--data", FashionMnist.SystemDirectory, "--train-limit", "200", "--test-limit", "100", "--out", dir["b"], .. run]);
        Assert.True(viaIdx.ExitCode == 0, viaIdx.Stderr);
        string metrics = File.ReadAllText(Path.Combine(dir["a"], "metrics.csv"));
        Assert.Equal(File.ReadAllText(Path.Combine(dir["b"], "metrics.csv")), metrics);
        Assert.True(metrics.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length > 2, "no points to compare");
    }
}
