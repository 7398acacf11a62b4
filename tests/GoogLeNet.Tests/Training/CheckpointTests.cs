using GoogLeNet.Models;
using GoogLeNet.Training;
using static TorchSharp.torch;

namespace GoogLeNet.Tests.Training;

public class CheckpointTests
{
    private static string SaveOne(TempDirectory dir, out ChapterGoogLeNet model)
    {
        manual_seed(7);
        model = new ChapterGoogLeNet();
        Initialization.XavierUniform(model);
        using var optimizer = optim.SGD(model.parameters(), 0.1);
        var metadata = new CheckpointMetadata(Checkpoint.CurrentFormat, "googlenet", 1, 10, 32, 2, new TrainOptions { Resize = 32 },
            [new MetricPoint(1, 2.3, 0.1, null), new MetricPoint(1, null, null, 0.2)], [], DateTime.UtcNow);
        string path = dir["checkpoint.bin"];
        Checkpoint.Save(path, metadata, model, optimizer);
        return path;
    }

    [Fact]
    public void RoundTripRestoresTheSameNetworkAndMetadata()
    {
        using var dir = new TempDirectory();
        string path = SaveOne(dir, out var original);
        using (original)
        {
            var checkpoint = Checkpoint.Read(path);
            Assert.Equal("googlenet", checkpoint.Metadata.Model);
            Assert.Equal(2, checkpoint.Metadata.Epoch);
            Assert.Equal(32, checkpoint.Metadata.ImageSize);
            Assert.Equal(0.2, checkpoint.Metadata.History[1].TestAcc);
            using var restored = checkpoint.CreateModel();
            var weights = restored.state_dict();
            foreach (var (name, w) in original.state_dict())
                Assert.True(w.equal(weights[name]).all().item<bool>(), $"{name} differs");
            // The restored model runs channels-last (the CPU's faster order): the same function to rounding.
            original.eval();
            restored.eval();
            using var x = rand(2, 1, 32, 32);
            using var a = original.call(x);
            using var b = restored.call(x);
            Assert.True(a.allclose(b, rtol: 1e-4, atol: 1e-5));
            Assert.Empty(Directory.GetFiles(dir.Path, "*.tmp"));
        }
    }

    [Fact]
    public void AnEpochsProgressIsSavedAndReadBackAndAFormat1FileStillReads()
    {
        using var dir = new TempDirectory();
        using var model = new ChapterGoogLeNet();
        using var optimizer = optim.SGD(model.parameters(), 0.1);
        var progress = new EpochProgress(120, 469, 60_000, 51.5, 101, 15_360, 300.5, 320.25, [1, 2, 3, 250]);
        var metadata = new CheckpointMetadata(Checkpoint.CurrentFormat, "googlenet", 1, 10, 32, 3, new TrainOptions { Resize = 32, CheckpointMinutes = 2.5 },
            [], [], DateTime.UtcNow, progress);
        string path = dir["checkpoint.bin"];
        Checkpoint.Save(path, metadata, model, optimizer);
        var read = Checkpoint.Read(path).Metadata;
        byte[] none = []; // records compare arrays by reference: the state's bytes are compared on their own
        Assert.Equal(progress with { RandomState = none }, read.InEpoch! with { RandomState = none });
        Assert.Equal(progress.RandomState, read.InEpoch!.RandomState);
        Assert.Equal(2.5, read.Options.CheckpointMinutes);
        Assert.Equal("epoch 4, step 120 of 469", read.Position);
        Assert.Equal("at epoch 4, step 120 of 469", read.When);

        RewriteAsFormat1(path);
        var old = Checkpoint.Read(path).Metadata;
        Assert.Null(old.InEpoch);
        Assert.Equal("after epoch 3", old.When);
        Assert.Equal(new TrainOptions().CheckpointMinutes, old.Options.CheckpointMinutes);
    }

    [Fact]
    public void AnInfiniteOrUndefinedTestLossIsSavedAndReadBack()
    {
        // googlenet-bn at lr 1000 keeps a finite training loss while its test loss overflows: that epoch's
        // checkpoint could not be written (System.Text.Json refuses infinite numbers) and the run ended there.
        using var dir = new TempDirectory();
        using var model = new ChapterGoogLeNet();
        using var optimizer = optim.SGD(model.parameters(), 0.1);
        var metadata = new CheckpointMetadata(Checkpoint.CurrentFormat, "googlenet", 1, 10, 32, 2, new TrainOptions { Resize = 32 }, [],
            [new EpochResult(1, 2.3, 0.1, double.PositiveInfinity, 0.1, 10, 64, 11), new EpochResult(2, 2.3, 0.1, double.NaN, 0.1, 10, 64, 11)],
            DateTime.UtcNow);
        Checkpoint.Save(dir["checkpoint.bin"], metadata, model, optimizer);
        var epochs = Checkpoint.Read(dir["checkpoint.bin"]).Metadata.Epochs;
        Assert.Equal(double.PositiveInfinity, epochs[0].TestLoss);
        Assert.True(double.IsNaN(epochs[1].TestLoss));
    }

    public static TheoryData<string, string> Damage() => new()
    {
        { "empty", "file is empty" },
        { "random", "not a GoogLeNet.NET checkpoint" },
        { "truncated", "checkpoint is truncated or corrupt" },
        { "flipped", "checkpoint is truncated or corrupt" },
    };

    [Theory]
    [MemberData(nameof(Damage))]
    public void DamagedFilesAreRecognised(string damage, string message)
    {
        using var dir = new TempDirectory();
        string path = SaveOne(dir, out var model);
        model.Dispose();
        byte[] bytes = File.ReadAllBytes(path);
        byte[] damaged = damage switch
        {
            "empty" => [],
            "random" => Enumerable.Range(0, 5000).Select(i => (byte)(i * 31 + 7)).ToArray(),
            "truncated" => bytes[..(bytes.Length / 2)],
            _ => bytes.Select((b, i) => i == bytes.Length / 2 ? (byte)(b ^ 0x10) : b).ToArray(),
        };
        File.WriteAllBytes(path, damaged);
        var e = Assert.Throws<CheckpointException>(() => Checkpoint.Read(path));
        Assert.Equal($"{path}: {message}", e.Message.Split(" (")[0]);

        // Reading only the metadata (googlenet runs) recognises all but a flipped bit inside the weights, which only the checksum shows.
        if (damage == "flipped")
        {
            Assert.Equal(2, Checkpoint.ReadMetadata(path).Epoch);
            return;
        }
        var peek = Assert.Throws<CheckpointException>(() => Checkpoint.ReadMetadata(path));
        Assert.Equal($"{path}: {message}", peek.Message.Split(" (")[0]);
    }

    [Fact]
    public void TheMetadataAloneIsReadAsTheWholeCheckpointHasIt()
    {
        using var dir = new TempDirectory();
        string path = SaveOne(dir, out var model);
        model.Dispose();
        var whole = Checkpoint.Read(path).Metadata;
        var alone = Checkpoint.ReadMetadata(path);
        Assert.Equal((whole.Model, whole.Epoch, whole.Options, whole.SavedUtc), (alone.Model, alone.Epoch, alone.Options, alone.SavedUtc));
        Assert.Equal(whole.History, alone.History);
        File.AppendAllText(path, "x"); // one byte too many is not a checkpoint this version wrote either
        Assert.Equal($"{path}: checkpoint is truncated or corrupt (its length does not match its sections)",
            Assert.Throws<CheckpointException>(() => Checkpoint.ReadMetadata(path)).Message);
        Assert.Equal($"{dir["none"]}: checkpoint not found", Assert.Throws<CheckpointException>(() => Checkpoint.ReadMetadata(dir["none"])).Message);
    }

    /// <summary>
    /// The checkpoint at <paramref name="path"/> with its metadata as the version before format 2 wrote it: format 1, no
    /// progress within an epoch, no checkpoint interval among the options. The weights are kept.
    /// </summary>
    internal static void RewriteAsFormat1(string path)
    {
        var metadata = Checkpoint.Read(path).Metadata;
        string json = System.Text.Json.JsonSerializer.Serialize(metadata with { Format = 1, InEpoch = null },
            new System.Text.Json.JsonSerializerOptions { NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals });
        json = json.Replace(",\"InEpoch\":null", "");
        json = System.Text.RegularExpressions.Regex.Replace(json, ",\"CheckpointMinutes\":[^,}]+", "");
        Assert.DoesNotContain("InEpoch", json);
        Assert.DoesNotContain("CheckpointMinutes", json);
        RewriteMetadata(path, json);
    }

    /// <summary>The checkpoint at <paramref name="path"/> with its metadata replaced and its checksum made valid again, as another version would write it.</summary>
    private static void RewriteMetadata(string path, string json)
    {
        byte[] bytes = File.ReadAllBytes(path);
        const int magic = 8;
        long length = BitConverter.ToInt64(bytes, magic);
        byte[] metadata = System.Text.Encoding.UTF8.GetBytes(json);
        byte[] body = [.. bytes[..magic], .. BitConverter.GetBytes((long)metadata.Length), .. metadata, .. bytes[(magic + 8 + (int)length)..^32]];
        File.WriteAllBytes(path, [.. body, .. System.Security.Cryptography.SHA256.HashData(body)]);
    }

    [Theory]
    [InlineData("""{"Format":3,"Architecture":{"name":"googlenet"}}""", "checkpoint format 3 is not supported (this version reads formats 1 to 2)")]
    [InlineData("""{"Model":"googlenet"}""", "checkpoint metadata has no format number")]
    [InlineData("""{"Format":1,"Model":{"name":"googlenet"}}""", "checkpoint is not readable by this version")]
    [InlineData("""{"Format":1,""", "checkpoint is not readable by this version")]
    public void MetadataOfAnotherVersionIsOneClearError(string json, string message)
    {
        using var dir = new TempDirectory();
        string path = SaveOne(dir, out var model);
        model.Dispose();
        RewriteMetadata(path, json);
        var e = Assert.Throws<CheckpointException>(() => Checkpoint.Read(path));
        Assert.StartsWith($"{path}: {message}", e.Message);
    }

    [Fact]
    public void MissingFileAndFolderAreNamed()
    {
        using var dir = new TempDirectory();
        Assert.EndsWith("checkpoint not found", Assert.Throws<CheckpointException>(() => Checkpoint.Read(dir["none.bin"])).Message);
        Assert.Contains("is a directory", Assert.Throws<CheckpointException>(() => Checkpoint.Read(dir.Path)).Message);
    }

    [Fact]
    public void WeightsOfAnotherShapeAreRefused()
    {
        using var dir = new TempDirectory();
        string path = SaveOne(dir, out var model);
        model.Dispose();
        using var threeChannels = new ChapterGoogLeNet(inChannels: 3);
        var e = Assert.Throws<CheckpointException>(() => Checkpoint.Read(path).LoadInto(threeChannels));
        Assert.Contains("weights do not fit a googlenet model", e.Message);
    }
}
