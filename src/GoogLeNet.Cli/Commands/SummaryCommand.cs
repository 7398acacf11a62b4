using System.CommandLine;
using System.Text.Json;
using GoogLeNet.Analysis;
using GoogLeNet.Models;
using Spectre.Console;

namespace GoogLeNet.Cli.Commands;

/// <summary><c>googlenet summary</c>: the network stage by stage, as the chapter prints it.</summary>
internal static class SummaryCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { HelpName = "NAME", Description = "Registered model name", DefaultValueFactory = _ => "googlenet" };
        var size = new Option<int?>("--size") { HelpName = "PIXELS", Description = "Side of the square input in pixels (default: the model's own, 96 for googlenet)" };
        var channels = new Option<int?>("--channels") { HelpName = "N", Description = "Input channels (default: the model's own, 1 for googlenet)" };
        var detail = new Option<bool>("--detail") { Description = "List every layer and every Inception path, not only the stages" };
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of a table" };

        var command = new Command("summary", "Print each stage's output shape, parameters and multiply-adds for one input")
        {
            model, size, channels, detail, json,
        };
        command.SetAction(result =>
        {
            var info = ModelRegistry.Get(result.GetValue(model)!);
            int c = result.GetValue(channels) ?? info.DefaultChannels;
            int s = result.GetValue(size) ?? info.DefaultSize;
            OptionLimits.InRange(c, "--channels", 1, 4096);
            OptionLimits.Side(s, "--size");
            using var network = info.Create(c, 10);
            var summary = ModelSummary.Of(info.Name, network, s, c);
            if (result.GetValue(json))
                Console.WriteLine(ToJson(summary));
            else
                Render(summary, result.GetValue(detail));
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>The JSON form: <c>{"model", "input", "stages": [{"name", "output", "params", "macs"}], "params", "macs"}</c>.</summary>
    public static string ToJson(ModelSummary summary) => JsonSerializer.Serialize(new
    {
        model = summary.Model,
        input = summary.Input,
        stages = summary.Stages.Select(r => new { name = r.Name, output = r.Output, @params = r.Params, macs = r.Macs }),
        @params = summary.Params,
        macs = summary.Macs,
    });

    private static void Render(ModelSummary summary, bool detail)
    {
        var table = new Table().Border(TableBorder.Rounded)
            .Title($"{summary.Model}, input {Shape(summary.Input)}")
            .AddColumn(new TableColumn("Stage").NoWrap())
            .AddColumn(new TableColumn("Layer").NoWrap())
            .AddColumn(new TableColumn("Output shape").NoWrap())
            .AddColumn(new TableColumn("Parameters").RightAligned().NoWrap())
            .AddColumn(new TableColumn("Multiply-adds").RightAligned().NoWrap());
        foreach (var row in detail ? summary.Detail : summary.Stages)
        {
            string name = new string(' ', 2 * row.Depth) + row.Name;
            table.AddRow(Markup.Escape(name), row.Kind, Shape(row.Output), row.Params.ToString("N0"), row.Macs.ToString("N0"));
        }
        if (summary.ParamsNotRun > 0)
            table.AddRow("[grey](training only)[/]", "[grey]auxiliary heads[/]", "", $"[grey]{summary.ParamsNotRun:N0}[/]", "[grey]0[/]");
        table.AddEmptyRow();
        table.AddRow("[bold]total[/]", "", "", $"[bold]{summary.Params:N0}[/]", $"[bold]{summary.Macs:N0}[/]");
        AnsiConsole.Write(table);
    }

    private static string Shape(long[] shape) => "(" + string.Join(", ", shape) + ")";
}
