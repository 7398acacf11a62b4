using System.Text.Json;
using GoogLeNet.Models;
using GoogLeNet.Tests.Data;
using GoogLeNet.Training;
using SkiaSharp;
using TorchSharp;
using static TorchSharp.torch;

namespace GoogLeNet.Tests.Cli;

/// <summary>
/// Bad data folders, bad checkpoints and bad pictures, through the verbs a user runs: one line on stderr
/// naming the file and the problem, exit code 2, nothing left half-written, and for predict the good
/// pictures of the same call still answered.
/// </summary>
public sealed class BadInputTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    public static TheoryData<string, string, string> DataDamage() => new()
    {
        // case, file the message names (relative to the data folder; "" for the folder), problem
        { "folder missing", "", "folder not found (from --data)" },
        { "a file, not a folder", "", "is a file, not a folder (from --data); name the folder that holds the four IDX files" },
        { "file missing", "t10k-labels-idx1-ubyte", "file not found (neither t10k-labels-idx1-ubyte nor t10k-labels-idx1-ubyte.gz; from --data)" },
        { "empty file", "train-images-idx3-ubyte", "file is empty" },
        { "truncated gzip", "train-images-idx3-ubyte.gz", "corrupt or truncated gzip data" },
        { "gz that is not gzip", "train-labels-idx1-ubyte.gz", "the name ends in .gz but the file is not gzip data" },
        { "wrong magic", "train-images-idx3-ubyte", "not an IDX file of unsigned bytes (magic 0x00000903, expected 0x00000803)" },
        { "counts differ", "train-labels-idx1-ubyte", "has 15 labels but train-images-idx3-ubyte has 16 images" },
        { "label out of range", "t10k-labels-idx1-ubyte", "label 10 at index 3 is outside 0..9" },
        { "sizes differ", "t10k-images-idx3-ubyte", "test images are 20x20 but training images are 28x28" },
    };

    [Theory]
    [MemberData(nameof(DataDamage))]
    public void DamagedDataIsOneLineNamingTheFile(string damage, string file, string problem)
    {
        string data = IdxWriter.WriteDataset(_dir["data"], 16, 8);
        string P(string name) => Path.Combine(data, name);
        switch (damage)
        {
            case "folder missing":
                Directory.Delete(data, recursive: true);
                break;
            case "a file, not a folder":
                byte[] labels = File.ReadAllBytes(P("train-labels-idx1-ubyte"));
                Directory.Delete(data, recursive: true);
                File.WriteAllBytes(data, labels);
                break;
            case "file missing":
                File.Delete(P(file));
                break;
            case "empty file":
                File.WriteAllBytes(P(file), []);
                break;
            case "truncated gzip":
                byte[] gz = IdxWriter.Gzip(File.ReadAllBytes(P("train-images-idx3-ubyte")));
                File.Delete(P("train-images-idx3-ubyte"));
                File.WriteAllBytes(P(file), gz[..(gz.Length / 2)]);
                break;
            case "gz that is not gzip":
                File.Move(P("train-labels-idx1-ubyte"), P(file));
                break;
            case "wrong magic":
                byte[] images = File.ReadAllBytes(P(file));
                images[2] = 0x09;
                File.WriteAllBytes(P(file), images);
                break;
            case "counts differ":
                File.WriteAllBytes(P(file), IdxWriter.Labels(new byte[15]));
                break;
            case "label out of range":
                File.WriteAllBytes(P(file), IdxWriter.Labels([1, 2, 3, 10, 4, 5, 6, 7]));
                break;
            case "sizes differ":
                File.WriteAllBytes(P(file), IdxWriter.Images(8, 20, 20, (_, _, _) => 0));
                break;
        }
        string named = file == "" ? data : P(file);
        foreach (var verb in new[] { "train", "compare" })
        {
            string[] args = verb == "train"
                ? ["train", "--data", data, "--out", _dir["run"]]
                : ["compare", "--models", "googlenet", "--data", data, "--out", _dir["run"]];
            var result = InProcessCli.Run(args);
            OptionMatrixTests.AssertOneLineError(result, $"{named}: {problem}");
            Assert.False(Directory.Exists(_dir["run"]), "a refused run must not leave a folder behind");
        }
    }

    public static TheoryData<string, string> CheckpointDamage() => new()
    {
        { "missing", "checkpoint not found" },
        { "folder without checkpoint", "is a directory, not a checkpoint file (did you mean its checkpoint.bin?)" },
        { "empty", "file is empty" },
        { "truncated", "checkpoint is truncated or corrupt (checksum mismatch)" },
        { "random bytes", "not a GoogLeNet.NET checkpoint (unknown file header)" },
        { "weights of another model", "weights do not fit a googlenet model" },
        { "unknown model", "is a checkpoint of 'resnet-9000', a model this version does not have" },
        { "three channels", "is a googlenet for 3-channel images and 10 classes;" },
        { "five classes", "is a googlenet for 1-channel images and 5 classes;" },
    };

    [Theory]
    [MemberData(nameof(CheckpointDamage))]
    public void DamagedCheckpointsAreOneLineForEveryVerbThatReadsThem(string damage, string problem)
    {
        string data = IdxWriter.WriteDataset(_dir["data"], 16, 8);
        string run = _dir["run"];
        Directory.CreateDirectory(run);
        string path = Path.Combine(run, "checkpoint.bin");
        switch (damage)
        {
            case "missing":
                break;
            case "folder without checkpoint":
                path = run;
                break;
            case "empty":
                File.WriteAllBytes(path, []);
                break;
            case "truncated":
                SaveCheckpoint(path, "googlenet", new ChapterGoogLeNet());
                File.WriteAllBytes(path, File.ReadAllBytes(path)[..^1000]);
                break;
            case "random bytes":
                File.WriteAllBytes(path, Enumerable.Range(0, 4096).Select(i => (byte)(i * 37 + 11)).ToArray());
                break;
            case "weights of another model":
                SaveCheckpoint(path, "googlenet", new ChapterGoogLeNet(batchNorm: true));
                break;
            case "unknown model":
                SaveCheckpoint(path, "resnet-9000", new ChapterGoogLeNet());
                break;
            case "three channels":
                SaveCheckpoint(path, "googlenet", new ChapterGoogLeNet(inChannels: 3), inChannels: 3);
                break;
            case "five classes":
                SaveCheckpoint(path, "googlenet", new ChapterGoogLeNet(numClasses: 5), numClasses: 5);
                break;
        }
        Pictures.WritePicture(_dir["picture.png"], 20, 20, SKColorType.Rgba8888, SKColors.White);
        byte[]? before = File.Exists(path) ? File.ReadAllBytes(path) : null;

        List<string[]> runs = [["evaluate", "--checkpoint", path, "--data", data]];
        // predict takes a network of any channels and classes: those are what a model trained on an image folder has.
        if (damage is not ("three channels" or "five classes"))
            runs.Add(["predict", "--checkpoint", path, _dir["picture.png"]]);
        if (damage is not ("missing" or "folder without checkpoint" or "unknown model" or "weights of another model"))
            runs.Add(["train", "--resume", run, "--data", data]);
        foreach (var args in runs)
        {
            var result = InProcessCli.Run(args);
            OptionMatrixTests.AssertOneLineError(result, $"{path}: {problem}");
        }
        Assert.Equal(before, File.Exists(path) ? File.ReadAllBytes(path) : null);
        Assert.False(File.Exists(Path.Combine(run, "confusion.png")));
    }

    [Fact]
    public void ResumingWithAnotherModelIsRefused()
    {
        string data = IdxWriter.WriteDataset(_dir["data"], 16, 8);
        SaveCheckpoint(Path.Combine(_dir["run"], "checkpoint.bin"), "googlenet", new ChapterGoogLeNet());
        var result = InProcessCli.Run("train", "--resume", _dir["run"], "--model", "googlenet-bn", "--data", data);
        OptionMatrixTests.AssertOneLineError(result, $"{_dir["run"]}: is a run of googlenet, not googlenet-bn");
    }

    [Fact]
    public void PredictAnswersEveryGoodPictureAndNamesEveryBadOne()
    {
        string checkpoint = _dir["checkpoint.bin"];
        SaveCheckpoint(checkpoint, "googlenet", new ChapterGoogLeNet());
        var good = new List<string>
        {
            Pictures.WritePicture(_dir["colour.png"], 40, 30, SKColorType.Rgba8888, SKColors.Orange),
            Pictures.WritePicture(_dir["grey.png"], 28, 28, SKColorType.Gray8, new SKColor(200, 200, 200)),
            Pictures.WritePicture(_dir["alpha.png"], 33, 17, SKColorType.Rgba8888, new SKColor(255, 255, 255, 100)),
            Pictures.WriteSixteenBitPng(_dir["deep.png"], 21, 13),
            Pictures.WritePicture(_dir["photo.jpg"], 64, 48, SKColorType.Rgba8888, SKColors.Gray, SKEncodedImageFormat.Jpeg),
            Pictures.WritePicture(_dir["huge.png"], 6000, 4000, SKColorType.Gray8, SKColors.White),
            Pictures.WritePicture(_dir["a folder with spaces/éte 夏 shirt.png"], 28, 28, SKColorType.Rgba8888, SKColors.Red),
        };
        // The 16-bit picture really is 16 bits per channel (PNG IHDR: bit depth at byte 24).
        Assert.Equal(16, File.ReadAllBytes(_dir["deep.png"])[24]);

        File.WriteAllText(_dir["notes.png"], "not a picture");
        File.WriteAllBytes(_dir["empty.png"], []);
        byte[] png = File.ReadAllBytes(_dir["colour.png"]);
        File.WriteAllBytes(_dir["cut.png"], png[..40]);
        byte[] large = File.ReadAllBytes(_dir["huge.png"]);
        File.WriteAllBytes(_dir["half.png"], large[..(large.Length / 2)]);
        var bad = new Dictionary<string, string>
        {
            [_dir["notes.png"]] = "not an image in a format this tool reads (PNG, JPEG, GIF, BMP, WebP)",
            [_dir["empty.png"]] = "file is empty",
            [_dir["cut.png"]] = "PNG data that is truncated or corrupt (its header cannot be read)",
            [_dir["half.png"]] = "PNG data is truncated (only part of the picture could be decoded)",
            [_dir["missing.png"]] = "file not found",
            [_dir.Path] = "is a directory, not an image",
        };
        string[] files = [.. good.Take(3), .. bad.Keys, .. good.Skip(3)];

        var result = InProcessCli.Run(["predict", "--checkpoint", checkpoint, "--json", .. files]);

        Assert.Equal(2, result.ExitCode);
        var lines = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(bad.Count, lines.Length);
        var expected = bad.Select(b => $"googlenet: error: {b.Key}: {b.Value}").ToList();
        Assert.Equal(expected, lines.Zip(expected, (line, e) => line[..Math.Min(line.Length, e.Length)]));
        using var json = JsonDocument.Parse(result.Stdout);
        var answered = json.RootElement.EnumerateArray().ToList();
        Assert.Equal(good, answered.Select(a => a.GetProperty("file").GetString()));
        foreach (var answer in answered)
        {
            var top = answer.GetProperty("top").EnumerateArray().ToList();
            var probs = top.Select(t => t.GetProperty("prob").GetDouble()).ToList();
            Assert.Equal(3, top.Count);
            // Three different classes, most likely first, their probabilities part of one softmax.
            Assert.Equal(3, top.Select(t => t.GetProperty("index").GetInt32()).Distinct().Count());
            Assert.Equal(probs.OrderDescending(), probs);
            Assert.All(probs, p => Assert.InRange(p, 0, 1));
            Assert.InRange(probs.Sum(), 0, 1 + 1e-6);
            Assert.All(top, t => Assert.Equal(GoogLeNet.Data.FashionMnist.ClassNames[t.GetProperty("index").GetInt32()], t.GetProperty("label").GetString()));
        }
    }

    internal static void SaveCheckpoint(string path, string modelName, Classifier model, int inChannels = 1, int numClasses = 10)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using (model)
        {
            using var optimizer = optim.SGD(model.parameters(), 0.1);
            var metadata = new CheckpointMetadata(Checkpoint.CurrentFormat, modelName, inChannels, numClasses, 16, 1,
                new TrainOptions { Resize = 16, Epochs = 2 }, [], [], DateTime.UtcNow);
            Checkpoint.Save(path, metadata, model, optimizer);
        }
    }
}
