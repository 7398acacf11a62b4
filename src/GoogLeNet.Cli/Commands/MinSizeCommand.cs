using System.CommandLine;
using System.Text.Json;
using GoogLeNet.Analysis;
using GoogLeNet.Models;
using Spectre.Console;

namespace GoogLeNet.Cli.Commands;

/// <summary><c>googlenet min-size</c>: the chapter's second exercise, answered by running the network.</summary>
internal static class MinSizeCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { HelpName = "NAME", Description = "Registered model name", DefaultValueFactory = _ => "googlenet" };
        var json = new Option<bool>("--json") { Description = "Print one JSON object" };
        var command = new Command("min-size", "Find the smallest (and, where bounded, largest) square input a model accepts") { model, json };
        command.SetAction(result =>
        {
            var info = ModelRegistry.Get(result.GetValue(model)!);
            int channels = info.DefaultChannels;
            var range = InputSizeProbe.Find(info, channels);
            using var network = info.Create(channels, 10);
            ModelSummary? At(int size)
            {
                try
                {
                    return ModelSummary.Of(info.Name, network, size, channels);
                }
                catch (GoogLeNetException)
                {
                    return null;
                }
            }
            var atMin = At(range.MinSize)!;
            if (result.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(new
                {
                    model = info.Name, min_size = range.MinSize, max_size = range.MaxSize,
                    stages = atMin.Stages.Select(s => new { name = s.Name, output = s.Output }),
                }));
                return ExitCodes.Success;
            }

            int[] sizes = [.. new[] { range.MinSize, 28, 96, 224 }.Distinct().Order()];
            var summaries = sizes.Select(At).ToList();
            var table = new Table().Border(TableBorder.Rounded).Title($"{info.Name}: spatial size after each stage").AddColumn("Stage");
            foreach (var s in sizes)
                table.AddColumn(new TableColumn(s == range.MinSize ? $"{s} (min)" : s.ToString()).RightAligned());
            foreach (var (stage, i) in atMin.Stages.Select((s, i) => (s, i)))
                table.AddRow([stage.Name, .. summaries.Select(m => m is null ? "[grey]refused[/]" : Spatial(m.Stages[i].Output))]);
            AnsiConsole.Write(table);
            Console.WriteLine(Explain(info, range));
            return ExitCodes.Success;
        });
        return command;
    }

    private static string Spatial(long[] shape) => shape.Length == 4 ? $"{shape[2]}x{shape[3]}" : $"{shape[1]} values";

    /// <summary>One or two sentences on why the limits are where they are, from what the probe saw.</summary>
    public static string Explain(ModelInfo info, SizeRange range)
    {
        string min = range.MinSize == 1
            ? $"{info.Name} runs even on a 1x1 input: every convolution and pooling window is padded, so each stride-2 stage maps H to ceil(H/2) and never below 1."
            : range.RefusalAtMin?.Contains("mat1 and mat2", StringComparison.Ordinal) == true
                ? $"{info.Name} needs at least {range.MinSize}x{range.MinSize}: below that the last feature map is smaller than its fully connected layer expects ({Reason(range.RefusalAtMin)})."
                : $"{info.Name} needs at least {range.MinSize}x{range.MinSize}: its unpadded strided windows shrink the map faster than ceil(H/2), and at {range.MinSize - 1} a fixed window no longer fits the map it is given ({Reason(range.RefusalAtMin)}).";
        string max = range.MaxSize is null
            ? $" Nothing above that was refused up to {InputSizeProbe.Limit}: global average pooling turns a map of any size into one value per channel."
            : $" It accepts nothing above {range.MaxSize}: its first fully connected layer is sized for the last feature map of a 224x224 input, so only sizes that end in a map of that size fit ({Reason(range.RefusalAboveMax)}).";
        return min + max;
    }

    private static string Reason(string? refusal)
    {
        if (refusal is null)
            return "no reason recorded";
        int colon = refusal.IndexOf(": ", StringComparison.Ordinal);
        return colon >= 0 ? refusal[(colon + 2)..] : refusal;
    }
}
