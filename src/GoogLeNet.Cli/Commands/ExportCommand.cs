using System.CommandLine;
using GoogLeNet.Interop;

namespace GoogLeNet.Cli.Commands;

/// <summary><c>googlenet export</c>: a trained network as ONNX, a PyTorch state dict or safetensors.</summary>
internal static class ExportCommand
{
    /// <summary>The formats and the extension each file gets by default.</summary>
    private static readonly (string Name, string Extension)[] Formats = [("onnx", ".onnx"), ("pytorch", ".pt"), ("safetensors", ".safetensors")];

    public static Command Create()
    {
        var checkpointPath = ModelSource.CheckpointOption();
        var pretrained = ModelSource.PretrainedOption();
        var format = new Option<string>("--format")
        {
            HelpName = "FORMAT",
            Description = "onnx (the inference graph, opset 17, for ONNX Runtime), pytorch (a state dict for torch.load; the book's keys for googlenet) or safetensors",
            Required = true,
        }.OneOf([.. Formats.Select(f => f.Name)]);
        var output = new Option<string?>("--out")
        {
            HelpName = "FILE",
            Description = "The file to write (default: MODEL.onnx, .pt or .safetensors beside the checkpoint; in the current folder for --pretrained)",
        };
        var command = new Command("export", "Write a trained network for other programs: ONNX (ONNX Runtime), a PyTorch state dict, or safetensors")
        {
            checkpointPath, pretrained, format, output,
        };
        command.SetAction(result =>
        {
            string formatName = result.GetValue(format)!;
            using var source = ModelSource.Open(result.GetValue(checkpointPath), result.GetValue(pretrained));
            string extension = Formats.First(f => f.Name == formatName).Extension;
            string path = result.GetValue(output) ?? (source.Checkpoint is { } c
                ? Path.Combine(Path.GetDirectoryName(Path.GetFullPath(c.Path))!, source.Model.GetName() + extension)
                : Path.GetFileNameWithoutExtension(Inference.Pretrained.FileName) + extension);
            OutputFile.Write(path, file =>
            {
                var metadata = OnnxExport.Metadata(source.Model.GetName(), source.Model.InChannels, source.ImageSize, source.Labels);
                switch (formatName)
                {
                    case "onnx":
                        OnnxExport.Save(source.Model, source.ImageSize, source.Labels, file);
                        break;
                    case "pytorch":
                        StateDicts.Save(source.Model, WeightsFormat.PyTorch, file);
                        break;
                    default:
                        StateDicts.Save(source.Model, WeightsFormat.Safetensors, file, metadata);
                        break;
                }
            });
            var size = new FileInfo(path).Length;
            Console.WriteLine($"{source.Description} ({source.Model.InChannels} channel{(source.Model.InChannels == 1 ? "" : "s")}, {source.Model.NumClasses} classes, {source.ImageSize}x{source.ImageSize}) -> {path} ({formatName}, {size / 1e6:F1} MB)");
            return ExitCodes.Success;
        });
        return command;
    }
}

/// <summary>Writing a file the user named: a missing or unwritable folder is the user's to fix, and says so in one line.</summary>
internal static class OutputFile
{
    /// <summary>Runs <paramref name="write"/> (which writes atomically) and turns a failure to write into one line naming the file.</summary>
    public static void Write(string path, Action<string> write)
    {
        string? folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (Directory.Exists(path))
            throw new GoogLeNetException($"{path}: is a directory; name the file to write");
        if (folder is not null && !Directory.Exists(folder))
            throw new GoogLeNetException($"{path}: folder {folder} does not exist");
        try
        {
            write(path);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new GoogLeNetException($"{path}: cannot be written (permission denied)", e);
        }
        catch (IOException e)
        {
            throw new GoogLeNetException($"{path}: cannot be written ({e.Message.Split(" : '")[0].Split('\n')[0]})", e);
        }
    }
}
