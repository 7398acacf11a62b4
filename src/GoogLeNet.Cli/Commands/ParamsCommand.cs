using System.CommandLine;
using System.Text.Json;
using GoogLeNet.Analysis;
using GoogLeNet.Models;
using Spectre.Console;

namespace GoogLeNet.Cli.Commands;

/// <summary><c>googlenet params</c>: the chapter's third exercise, parameter counts side by side.</summary>
internal static class ParamsCommand
{
    public static Command Create()
    {
        var size = new Option<int>("--size") { HelpName = "PIXELS", Description = "Input side in pixels for the multiply-add column", DefaultValueFactory = _ => 224 };
        var models = new Option<string?>("--models") { HelpName = "a,b,c", Description = "Comma-separated model names (default: every registered model)" };
        var json = new Option<bool>("--json") { Description = "Print a JSON array instead of a table" };
        var command = new Command("params", "Compare parameter counts: fully connected vs convolution, multiply-adds, checkpoint size") { size, models, json };
        command.SetAction(result =>
        {
            int s = result.GetValue(size);
            OptionLimits.Side(s, "--size");
            var infos = result.GetValue(models) is { } list
                ? list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(ModelRegistry.Get).ToList()
                : ModelRegistry.All.ToList();
            if (infos.GroupBy(i => i.Name).FirstOrDefault(g => g.Count() > 1) is { } twice)
                throw new GoogLeNetException($"--models names {twice.Key} twice");
            var rows = infos.Select(i => ParameterReport.Of(i, s)).ToList();
            if (result.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(rows.Select(r => new
                {
                    model = r.Model, channels = r.Channels, classes = r.Classes, @params = r.Params, macs = r.Macs, fc_params = r.FcParams,
                    conv_params = r.ConvParams, other_params = r.OtherParams, training_only_params = r.TrainingOnlyParams,
                    checkpoint_bytes = r.CheckpointBytes,
                })));
                return ExitCodes.Success;
            }
            var table = new Table().Border(TableBorder.Rounded).Title($"Reference definitions (the book's: 1 channel, 10 classes), multiply-adds at {s}x{s}")
                .AddColumn("Model")
                .AddColumn(new TableColumn("Parameters").RightAligned())
                .AddColumn(new TableColumn("Fully connected").RightAligned())
                .AddColumn(new TableColumn("Convolution").RightAligned())
                .AddColumn(new TableColumn("Other").RightAligned())
                .AddColumn(new TableColumn("FC share").RightAligned())
                .AddColumn(new TableColumn("Multiply-adds").RightAligned())
                .AddColumn(new TableColumn("Checkpoint").RightAligned());
            foreach (var r in rows)
                table.AddRow(r.Classes == 10 && r.Channels == 1 ? r.Model : $"{r.Model} ({r.Channels} ch, {r.Classes:N0} cl)", r.Params.ToString("N0"), r.FcParams.ToString("N0"), r.ConvParams.ToString("N0"), r.OtherParams.ToString("N0"),
                    r.FcShare.ToString("P1"), r.Macs?.ToString("N0") ?? "[grey]size refused[/]", $"{r.CheckpointBytes / 1e6:F1} MB");
            AnsiConsole.Write(table);
            foreach (var line in ParameterReport.Explain(rows))
                Console.WriteLine(line);
            return ExitCodes.Success;
        });
        return command;
    }
}
