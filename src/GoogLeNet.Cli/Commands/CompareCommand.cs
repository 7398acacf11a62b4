using System.CommandLine;
using GoogLeNet.Cli.Rendering;
using GoogLeNet.Data;
using GoogLeNet.Training;
using Spectre.Console;

namespace GoogLeNet.Cli.Commands;

/// <summary><c>googlenet compare</c>: several models trained under one budget, side by side.</summary>
public static class CompareCommand
{
    public static Command Create()
    {
        var models = new Option<string>("--models") { Description = "Comma-separated models; NAME:ls=EPS gives one entry its own label smoothing", Required = true };
        var training = new TrainingOptionSet(defaultEpochs: 1);
        var output = new Option<string?>("--out") { Description = "Folder for compare.md/.json/.png and one run folder per model (default runs/compare-<timestamp>)" };
        var command = new Command("compare", "Train several models under the same budget (same data, seed and options) and compare them") { models };
        foreach (var option in training.All)
            command.Add(option);
        command.Add(output);
        command.SetAction(result =>
        {
            var entries = result.GetValue(models)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(ComparisonEntry.Parse).ToList();
            if (entries.Count == 0)
                throw new UserInputException("--models names no model");
            if (entries.Select(e => e.Label).Distinct().Count() != entries.Count)
                throw new UserInputException("--models names the same entry twice");
            // --label-smoothing applies to every entry without its own NAME:ls=EPS. Every entry is checked before
            // the first one trains: a size that doesn't fit the last model must not end a run hours in.
            var options = training.Read(result).Validate();
            foreach (var entry in entries)
                Trainer.Check((options with { Model = entry.Model, LabelSmoothing = entry.LabelSmoothing ?? options.LabelSmoothing }).Validate());

            string dataDir = DataSupport.FindOrFetch(result.GetValue(training.Data));
            var (train, test) = FashionMnist.LoadBoth(dataDir, options.TrainLimit, options.TestLimit);
            string shown = result.GetValue(output) ?? RunFolder.FreeName(RunFolder.DefaultPath("compare"));
            string directory = Path.GetFullPath(shown);
            RunFolder.PrepareOutput(directory, shown);
            Console.WriteLine($"comparing {string.Join(", ", entries.Select(e => e.Label))}: {options.Epochs} epochs each on {train.Count:N0} images at {options.Resize}x{options.Resize}; output in {directory}");

            using var stop = new StopSignals();
            try
            {
                var rows = Comparison.Run(entries, options, directory, train, test, (entry, run) =>
                {
                    Console.WriteLine($"-- {entry.Label}");
                    return new TrainingConsole(run, entry.Label, null);
                }, stop.Token);
                // The table reaches the console before anything can fail writing files, after hours of training.
                string markdown = Comparison.Markdown(rows, options, train.Count, test.Count);
                Console.WriteLine();
                Console.Write(markdown);
                AtomicFile.WriteAllText(Path.Combine(directory, "compare.md"), markdown);
                AtomicFile.WriteAllText(Path.Combine(directory, "compare.json"), Comparison.Json(rows));
                Plots.WriteComparison(Path.Combine(directory, "compare.png"), rows.Select(r => (r.Label, r.TestAccPerEpoch)).ToList(),
                    $"test accuracy, {options.Epochs} epochs on {train.Count:N0} images");
                return ExitCodes.Success;
            }
            catch (OperationCanceledException)
            {
                Console.Error.WriteLine($"googlenet: interrupted; finished models keep their run folders in {directory}");
                return stop.ExitCode;
            }
        });
        return command;
    }
}
