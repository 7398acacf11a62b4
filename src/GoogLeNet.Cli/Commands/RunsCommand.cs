using System.CommandLine;
using System.Text.Json;
using GoogLeNet.Cli.Rendering;
using GoogLeNet.Training;
using Spectre.Console;

namespace GoogLeNet.Cli.Commands;

/// <summary><c>googlenet runs [DIR]</c>: the run folders under DIR, whether a process is training in each, and how far each is.</summary>
internal static class RunsCommand
{
    public static Command Create()
    {
        var folder = new Argument<string>("DIR") { Description = "A folder of runs (train's default: runs), or one run folder", DefaultValueFactory = _ => "runs" };
        var json = new Option<bool>("--json") { Description = "Print a JSON array" };
        var command = new Command("runs", "List the training runs in a folder: model, state (training, stopped, finished, diverged, not started, unreadable), progress, last test accuracy") { folder, json };
        command.SetAction(result =>
        {
            string directory = result.GetValue(folder)!;
            var runs = RunStatus.Find(directory);
            if (result.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(runs, RunFolder.Json));
                return ExitCodes.Success;
            }
            if (runs.Count == 0)
            {
                Console.WriteLine($"{directory}: no run folders (a run folder holds config.json or checkpoint.bin)");
                return ExitCodes.Success;
            }
            var table = new Table().Border(TableBorder.Rounded).AddColumn("Run").AddColumn("Model").AddColumn("State").AddColumn(new TableColumn("Progress").NoWrap())
                .AddColumn(new TableColumn("Test acc").RightAligned()).AddColumn("Learning rate").AddColumn("Saved");
            var now = DateTime.UtcNow;
            foreach (var run in runs)
            {
                table.AddRow(Markup.Escape(Path.GetRelativePath(directory, run.Folder)), Markup.Escape(run.Model ?? "?"),
                    Markup.Escape(run.Problem is null ? run.State : $"{run.State}: {run.Problem}"), Markup.Escape(run.Progress ?? ""),
                    run.TestAcc is { } acc ? acc.ToString("F3") : "", Markup.Escape(run.Lr ?? ""),
                    run.SavedUtc is { } saved ? $"{(saved.Date == now.Date ? $"{saved:HH:mm}" : $"{saved:yyyy-MM-dd HH:mm}")} UTC ({TrainingConsole.Duration(now - saved)} ago)" : "");
            }
            AnsiConsole.Write(table);
            return ExitCodes.Success;
        });
        return command;
    }
}
