using System.CommandLine;
using GoogLeNet.Interop;
using GoogLeNet.Training;

namespace GoogLeNet.Cli.Commands;

/// <summary><c>googlenet import</c>: a PyTorch state dict or safetensors file becomes a checkpoint the other verbs take.</summary>
internal static class ImportCommand
{
    public static Command Create()
    {
        var file = new Argument<string>("file") { Description = "A state dict saved by torch.save (.pt, .pth) or a safetensors file" };
        var format = new Option<string>("--format")
        {
            HelpName = "FORMAT",
            Description = "pytorch or safetensors (default: safetensors for a .safetensors file, pytorch otherwise)",
        }.OneOf(["pytorch", "safetensors"]);
        var model = new Option<string?>("--model")
        {
            HelpName = "NAME",
            Description = "The registered model the weights are for (see 'googlenet models'); a safetensors file written by this tool names its own",
        };
        var size = new Option<int?>("--size") { HelpName = "PIXELS", Description = "The input size the weights were trained at (default: the file's, else the model's)" };
        var output = new Option<string>("--out") { HelpName = "RUN", Description = "The run folder to create, which will hold checkpoint.bin", Required = true };
        var command = new Command("import", "Turn a PyTorch state dict (the book's code saves one) or a safetensors file into a checkpoint for evaluate, predict and export")
        {
            file, format, model, size, output,
        };
        command.SetAction(result =>
        {
            string path = result.GetValue(file)!;
            string formatName = result.GetValue(format)
                ?? (path.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase) ? "safetensors" : "pytorch");
            int? imageSize = result.GetValue(size) is { } s ? OptionLimits.InRange(s, "--size", 1, 4096) : null;
            string run = result.GetValue(output)!;
            string checkpoint = Path.Combine(run, RunFolder.CheckpointFile);
            if (File.Exists(checkpoint))
                throw new GoogLeNetException($"{run}: already holds a checkpoint; choose another --out (nothing was written)");
            if (File.Exists(run))
                throw new GoogLeNetException($"{run}: is a file, not a run folder");

            var (network, info) = StateDicts.Load(path, formatName == "safetensors" ? WeightsFormat.Safetensors : WeightsFormat.PyTorch,
                result.GetValue(model), imageSize);
            using (network)
            {
                try
                {
                    Directory.CreateDirectory(run);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    throw new GoogLeNetException($"{run}: the run folder cannot be created ({(e is UnauthorizedAccessException ? "permission denied" : e.Message.Split('\n')[0])})", e);
                }
                OutputFile.Write(checkpoint, target => Checkpoint.SaveWeights(target, network, info.ImageSize, info.Labels));
            }
            Console.WriteLine($"{info.Model} ({info.Channels} channel{(info.Channels == 1 ? "" : "s")}, {info.Labels.Count} classes, {info.ImageSize}x{info.ImageSize}) from {path} -> {checkpoint}");
            return ExitCodes.Success;
        });
        return command;
    }
}
