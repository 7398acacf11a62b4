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
        var defaults = new TrainOptions();
        var models = new Option<string>("--models") { Description = "Comma-separated models; NAME:ls=EPS gives one entry its own label smoothing", Required = true };
        var epochs = new Option<int>("--epochs") { Description = "Training epochs per model", DefaultValueFactory = _ => 1 };
        var trainLimit = new Option<int?>("--train-limit") { Description = "Use only the first N training images" };
        var testLimit = new Option<int?>("--test-limit") { Description = "Use only the first N test images" };
        var resize = new Option<int>("--resize") { Description = "Input side in pixels", DefaultValueFactory = _ => defaults.Resize };
        var smoothing = new Option<double>("--label-smoothing") { Description = "Label smoothing for every entry without its own", DefaultValueFactory = _ => 0 };
        var lr = new Option<double>("--lr") { Description = "SGD learning rate", DefaultValueFactory = _ => defaults.Lr };
        var batchSize = new Option<int>("--batch-size") { Description = "Mini-batch size", DefaultValueFactory = _ => defaults.BatchSize };
        var seed = new Option<int>("--seed") { Description = "Random seed, the same for every model", DefaultValueFactory = _ => defaults.Seed };
        var threads = new Option<int>("--threads") { Description = "CPU threads for libtorch", DefaultValueFactory = _ => defaults.Threads };
        var microBatch = MicroBatchOption.Create();
        var data = new Option<string?>("--data") { Description = "Folder with the Fashion-MNIST IDX files" };
        var output = new Option<string?>("--out") { Description = "Folder for compare.md/.json/.png and one run folder per model (default runs/compare-<timestamp>)" };
        var command = new Command("compare", "Train several models under the same budget and compare them")
        {
            models, epochs, trainLimit, testLimit, resize, smoothing, lr, batchSize, seed, threads, microBatch, data, output,
        };
        command.SetAction(result =>
        {
            var entries = result.GetValue(models)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(ComparisonEntry.Parse).ToList();
            if (entries.Count == 0)
                throw new UserInputException("--models names no model");
            if (entries.Select(e => e.Label).Distinct().Count() != entries.Count)
                throw new UserInputException("--models names the same entry twice");
            var options = new TrainOptions
            {
                Epochs = result.GetValue(epochs), TrainLimit = result.GetValue(trainLimit), TestLimit = result.GetValue(testLimit),
                Resize = result.GetValue(resize), LabelSmoothing = result.GetValue(smoothing), Lr = result.GetValue(lr),
                BatchSize = result.GetValue(batchSize), Seed = result.GetValue(seed), Threads = result.GetValue(threads),
                MicroBatch = result.GetValue(microBatch),
            }.Validate();
            foreach (var entry in entries)
                SgdStep.Check((options with { Model = entry.Model, LabelSmoothing = entry.LabelSmoothing ?? options.LabelSmoothing }).Validate());

            string dataDir = DataSupport.FindOrFetch(result.GetValue(data));
            var (train, test) = FashionMnist.LoadBoth(dataDir, options.TrainLimit, options.TestLimit);
            string shown = result.GetValue(output) ?? Path.Combine("runs", $"compare-{DateTime.Now:yyyyMMdd-HHmmss}");
            string directory = Path.GetFullPath(shown);
            RunFolder.PrepareOutput(directory, shown);
            Console.WriteLine($"comparing {string.Join(", ", entries.Select(e => e.Label))}: {options.Epochs} epochs each on {train.Count:N0} images at {options.Resize}x{options.Resize}; output in {directory}");

            using var ctrlC = new CtrlC();
            try
            {
                var rows = Comparison.Run(entries, options, directory, train, test, (entry, run) =>
                {
                    Console.WriteLine($"-- {entry.Label}");
                    return new TrainingConsole(run, entry.Label, null);
                }, ctrlC.Token);
                File.WriteAllText(Path.Combine(directory, "compare.md"), Comparison.Markdown(rows, options, train.Count, test.Count));
                File.WriteAllText(Path.Combine(directory, "compare.json"), Comparison.Json(rows));
                Plots.WriteComparison(Path.Combine(directory, "compare.png"), rows.Select(r => (r.Label, r.TestAccPerEpoch)).ToList(),
                    $"test accuracy, {options.Epochs} epochs on {train.Count:N0} images");
                Console.WriteLine();
                Console.Write(Comparison.Markdown(rows, options, train.Count, test.Count));
                return ExitCodes.Success;
            }
            catch (OperationCanceledException)
            {
                Console.Error.WriteLine($"googlenet: interrupted; finished models keep their run folders in {directory}");
                return ExitCodes.Interrupted;
            }
        });
        return command;
    }
}
