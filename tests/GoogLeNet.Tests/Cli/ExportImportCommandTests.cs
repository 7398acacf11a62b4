using System.IO.Compression;
using System.Text;
using GoogLeNet.Inference;
using GoogLeNet.Interop;
using GoogLeNet.Tests.Interop;
using GoogLeNet.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace GoogLeNet.Tests.Cli;

/// <summary>googlenet export and import: the three formats, the round trip, and every bad file a user can hand them.</summary>
public sealed class ExportImportCommandTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>A run folder holding a checkpoint of a googlenet-bn with random weights and statistics.</summary>
    private string Run(string name = "run", string model = "googlenet-bn")
    {
        Directory.CreateDirectory(_dir[name]);
        using var network = OnnxExportTests.RandomModel(model);
        Checkpoint.SaveWeights(Path.Combine(_dir[name], RunFolder.CheckpointFile), network, 96, GoogLeNet.Data.FashionMnist.ClassNames);
        return _dir[name];
    }

    private static Dictionary<string, float[]> Weights(string checkpoint)
    {
        using var model = EvaluateCommand_ReadModel(checkpoint);
        return model.state_dict().Where(kv => kv.Value.dtype == ScalarType.Float32)
            .ToDictionary(kv => kv.Key, kv => kv.Value.contiguous().data<float>().ToArray());
    }

    private static GoogLeNet.Models.Classifier EvaluateCommand_ReadModel(string run) =>
        Checkpoint.Read(Path.Combine(run, RunFolder.CheckpointFile)).CreateModel();

    [Fact]
    public void EachFormatExportsAndTheStateDictsImportBackToTheSameWeights()
    {
        string run = Run();
        foreach (var (format, file) in new[] { ("onnx", "m.onnx"), ("pytorch", "m.pt"), ("safetensors", "m.safetensors") })
        {
            var result = InProcessCli.Run("export", "--checkpoint", run, "--format", format, "--out", _dir[file]);
            Assert.True(result.ExitCode == 0, result.Stderr);
            Assert.Contains($"-> {_dir[file]} ({format}", result.Stdout);
        }
        // The default file name: the model's, beside the checkpoint.
        Assert.Equal(0, InProcessCli.Run("export", "--checkpoint", run, "--format", "onnx").ExitCode);
        Assert.True(File.Exists(Path.Combine(run, "googlenet-bn.onnx")));

        var original = Weights(run);
        // The .pt names no model, so import needs --model; the safetensors file names its own.
        var fromPt = InProcessCli.Run("import", _dir["m.pt"], "--model", "googlenet-bn", "--out", _dir["from-pt"]);
        Assert.True(fromPt.ExitCode == 0, fromPt.Stderr);
        var fromSafetensors = InProcessCli.Run("import", _dir["m.safetensors"], "--out", _dir["from-st"]);
        Assert.True(fromSafetensors.ExitCode == 0, fromSafetensors.Stderr);
        Assert.Contains("googlenet-bn (1 channel, 10 classes, 96x96)", fromSafetensors.Stdout);
        foreach (var imported in new[] { _dir["from-pt"], _dir["from-st"] })
        {
            var weights = Weights(imported);
            Assert.Equal(original.Keys.Order(), weights.Keys.Order());
            foreach (var (key, values) in original)
                Assert.True(values.AsSpan().SequenceEqual(weights[key]), $"{imported}: {key} differs");
        }

        // The ONNX file's metadata names the classes and the input, and ONNX Runtime runs it.
        using var engine = new OnnxRuntimeEngine(_dir["m.onnx"], threads: 2);
        Assert.Equal(GoogLeNet.Data.FashionMnist.ClassNames, engine.Labels);
        Assert.Equal("googlenet-bn", engine.Metadata["model"]);
        Assert.Equal(10, engine.Run(new float[96 * 96], 1).Length);
    }

    /// <summary>A PyTorch-style zip whose data.pkl is <paramref name="pickle"/> and which holds these storages.</summary>
    private string CraftedPt(string name, byte[] pickle, params (string Key, int Bytes)[] storages)
    {
        string path = _dir[name];
        using var zip = ZipFile.Open(path, ZipArchiveMode.Create);
        using (var s = zip.CreateEntry("archive/data.pkl").Open())
            s.Write(pickle);
        foreach (var (key, bytes) in storages)
            using (var s = zip.CreateEntry($"archive/data/{key}").Open())
                s.Write(new byte[bytes]);
        using (var s = zip.CreateEntry("archive/version").Open())
            s.Write("3\n"u8);
        return path;
    }

    private static byte[] Bytes(params object[] parts) =>
        parts.SelectMany(p => p switch
        {
            string s => Encoding.Latin1.GetBytes(s),
            byte b => [b],
            byte[] a => a,
            int i => BitConverter.GetBytes(i),
            _ => throw new ArgumentException(p.GetType().Name),
        }).ToArray();

    /// <summary>BINUNICODE of a string.</summary>
    private static byte[] U(string s) => Bytes("X", Encoding.UTF8.GetByteCount(s), Encoding.UTF8.GetBytes(s));

    /// <summary>An OrderedDict {key: tensor over storage "0" of <paramref name="storageNumel"/> floats, of this size}.</summary>
    private static byte[] OneTensorPickle(string key, byte[] storageNumel, int[] size, string storage = "FloatStorage") => Bytes(
        (byte)0x80, (byte)2, "ccollections\nOrderedDict\n)R(", U(key),
        "ctorch._utils\n_rebuild_tensor_v2\n((", U("storage"), $"ctorch\n{storage}\n", U("0"), U("cpu"), storageNumel, "tQ",
        "J", 0, "(", size.SelectMany(d => Bytes("J", d)).ToArray(), "t(", size.Select((_, i) => Bytes("J", size.Skip(i + 1).Aggregate(1, (a, b) => a * b))).SelectMany(b => b).ToArray(), "t",
        (byte)0x89, "ccollections\nOrderedDict\n)RtRu.");

    public static TheoryData<string, string> BadImports() => new()
    {
        { "not a file of torch.save", "not a PyTorch file (torch.save writes a zip archive; this is none)" },
        { "truncated", "zip archive is truncated or corrupt" },
        { "another model's", "has no '0.0.weight' (the first entry of a googlenet state dict) (its keys are those of a googlenet-bn)" },
        { "a pickle that runs a command", "pickle asks for the Python object posix.system; refused: only tensors and plain containers are read" },
        { "a storage that claims a terabyte", "'w': its storage holds 16 bytes where 1,099,511,627,776 float32 values need 4,398,046,511,104" },
        { "a tensor past its storage", "'w' reaches past the end of its storage (4 values)" },
        { "float64 weights", "'0.0.weight' is float64 [64, 1, 7, 7], where a googlenet has float32 [64, 1, 7, 7]" },
        { "a legacy torch.save file", "is in torch.save's legacy format" },
        { "safetensors cut short", "'5.weight' lies past the end of the file (truncated)" },
        { "safetensors with a bogus header", "not a safetensors file (its first 8 bytes are not a plausible header length)" },
    };

    [Theory]
    [MemberData(nameof(BadImports))]
    public void ABadStateDictIsOneLineNamingTheFileAndNothingIsWritten(string damage, string problem)
    {
        string file;
        string model = "googlenet";
        switch (damage)
        {
            case "not a file of torch.save":
                file = _dir["notes.pt"];
                File.WriteAllText(file, "weights, trust me\n");
                break;
            case "truncated":
            {
                InProcessCli.Run("export", "--checkpoint", Run(), "--format", "pytorch", "--out", _dir["whole.pt"]);
                file = _dir["cut.pt"];
                var bytes = File.ReadAllBytes(_dir["whole.pt"]);
                File.WriteAllBytes(file, bytes[..(bytes.Length / 2)]);
                model = "googlenet-bn";
                break;
            }
            case "another model's":
                file = _dir["bn.pt"];
                InProcessCli.Run("export", "--checkpoint", Run(), "--format", "pytorch", "--out", file);
                break;
            case "a pickle that runs a command":
                file = CraftedPt("evil.pt", Bytes((byte)0x80, (byte)2, "cposix\nsystem\n", U("touch pwned"), (byte)0x85, "R."));
                break;
            case "a storage that claims a terabyte":
                // 2^40 floats by LONG1, over a storage entry of 16 bytes: refused before any memory is taken for it.
                file = CraftedPt("huge.pt", OneTensorPickle("w", Bytes((byte)0x8a, (byte)6, new byte[] { 0, 0, 0, 0, 0, 1 }), [1 << 20, 1 << 20]), ("0", 16));
                break;
            case "a tensor past its storage":
                file = CraftedPt("past.pt", OneTensorPickle("w", Bytes("J", 4), [3, 3]), ("0", 16));
                break;
            case "float64 weights":
            {
                using var network = OnnxExportTests.RandomModel("googlenet");
                using (no_grad())
                    network.to(ScalarType.Float64);
                file = _dir["double.pt"];
                using var s = File.Create(file);
                PyTorchFile.Write(s, network.state_dict().Select(kv => (StateDicts.FileKey(network, kv.Key), StateDictTensor.Of(kv.Value))).ToList());
                break;
            }
            case "a legacy torch.save file":
                file = _dir["legacy.pt"];
                File.WriteAllBytes(file, [0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, 0x2e]);
                break;
            case "safetensors cut short":
            {
                InProcessCli.Run("export", "--checkpoint", Run(model: "googlenet"), "--format", "safetensors", "--out", _dir["whole.safetensors"]);
                file = _dir["cut.safetensors"];
                var bytes = File.ReadAllBytes(_dir["whole.safetensors"]);
                File.WriteAllBytes(file, bytes[..(bytes.Length - 1000)]);
                break;
            }
            default:
                file = _dir["bogus.safetensors"];
                File.WriteAllBytes(file, Encoding.ASCII.GetBytes("definitely not safetensors at all"));
                break;
        }
        var result = InProcessCli.Run("import", file, "--model", model, "--out", _dir["imported"]);
        Assert.True(result.Stderr.Contains($"{file}: {problem}"), result.Stderr);
        OptionMatrixTests.AssertOneLineError(result, $"{file}: {problem}");
        Assert.False(Directory.Exists(_dir["imported"]), "a failed import left a run folder behind");
        Assert.False(File.Exists(_dir["pwned"]));
    }

    public static TheoryData<string, string> BadExports() => new()
    {
        { "not a checkpoint", "not a GoogLeNet.NET checkpoint (unknown file header)" },
        { "missing folder", "folder" },
        { "a directory as the output", "is a directory; name the file to write" },
        { "both sources", "--checkpoint and --pretrained both name a model; give one" },
        { "no source", "no model given: pass --checkpoint RUN (a training run) or --pretrained" },
    };

    [Theory]
    [MemberData(nameof(BadExports))]
    public void ABadExportIsOneLineAndWritesNothing(string damage, string problem)
    {
        string run = Run();
        string output = _dir["out.onnx"];
        string[] args = damage switch
        {
            "not a checkpoint" => ["export", "--checkpoint", WriteJunk(), "--format", "onnx", "--out", output],
            "missing folder" => ["export", "--checkpoint", run, "--format", "onnx", "--out", output = Path.Combine(_dir["nowhere"], "m.onnx")],
            "a directory as the output" => ["export", "--checkpoint", run, "--format", "onnx", "--out", output = _dir.Path],
            "both sources" => ["export", "--checkpoint", run, "--pretrained", "--format", "onnx", "--out", output],
            _ => ["export", "--format", "onnx", "--out", output],
        };
        var result = InProcessCli.Run(args);
        OptionMatrixTests.AssertOneLineError(result, problem);
        if (damage != "a directory as the output")
            Assert.False(File.Exists(output));
        Assert.Empty(Directory.GetFiles(_dir.Path, "*.tmp", SearchOption.AllDirectories));
    }

    private string WriteJunk()
    {
        File.WriteAllText(_dir["junk.bin"], "junk");
        return _dir["junk.bin"];
    }

    [TmpfsFact]
    public void AnOutputFolderThatCannotBeWrittenIsOneLineNamingTheFile()
    {
        string run = Run();
        string[] wrapper = Sandbox.InTmpfs(_dir["readonly"], "ro");
        string target = Path.Combine(_dir["readonly"], "m.onnx");
        using var running = CliRunner.Start(null, ["export", "--checkpoint", run, "--format", "onnx", "--out", target], wrapper);
        var result = running.Wait(TimeSpan.FromMinutes(2));
        Assert.Equal(2, result.ExitCode);
        string line = Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"googlenet: error: {target}: cannot be written (Read-only file system", line);
    }
}
