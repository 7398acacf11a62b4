using System.CommandLine;
using System.Text.Json;
using GoogLeNet.Analysis;
using GoogLeNet.Data;
using GoogLeNet.Models;
using Spectre.Console;

namespace GoogLeNet.Cli.Commands;

/// <summary><c>googlenet models</c>: what the registry holds.</summary>
internal static class ModelsCommand
{
    public static Command Create()
    {
        var json = new Option<bool>("--json") { Description = "Print a JSON array" };
        int classes = FashionMnist.ClassNames.Count; // what every model is counted with: Fashion-MNIST's, as trained here
        var command = new Command("models", $"List the registered models with parameters and multiply-adds at their default input, with {classes} classes (Fashion-MNIST's)") { json };
        command.SetAction(result =>
        {
            var rows = ModelRegistry.All.Select(info =>
            {
                using var model = info.Create(info.DefaultChannels, classes);
                var summary = ModelSummary.Of(info.Name, model, info.DefaultSize, info.DefaultChannels);
                return (info, summary);
            }).ToList();
            if (result.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(rows.Select(r => new
                {
                    name = r.info.Name, description = r.info.Description, input = r.summary.Input, classes, @params = r.summary.Params, macs = r.summary.Macs,
                })));
                return ExitCodes.Success;
            }
            var table = new Table().Border(TableBorder.Rounded).AddColumn("Model").AddColumn("Description")
                .AddColumn(new TableColumn("Input").NoWrap()).AddColumn(new TableColumn("Parameters").RightAligned()).AddColumn(new TableColumn("Multiply-adds").RightAligned());
            foreach (var (info, summary) in rows)
                table.AddRow(info.Name, Markup.Escape(info.Description), string.Join("x", summary.Input.Skip(1)), summary.Params.ToString("N0"), summary.Macs.ToString("N0"));
            AnsiConsole.Write(table);
            Console.WriteLine($"Counted for {classes} classes, as trained here; googlenet params counts googlenet-original as its paper has it (3 channels, 1,000 classes).");
            return ExitCodes.Success;
        });
        return command;
    }
}
