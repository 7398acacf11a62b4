using System.CommandLine;
using System.Text.Json;
using GoogLeNet.Cli.Rendering;
using GoogLeNet.Data;
using GoogLeNet.Training;
using Spectre.Console;
using static TorchSharp.torch;

namespace GoogLeNet.Cli.Commands;

/// <summary><c>googlenet evaluate</c>: test accuracy, loss, per-class accuracy and the confusion matrix.</summary>
internal static class EvaluateCommand
{
    public static Command Create()
    {
        var checkpointPath = ModelSource.CheckpointOption();
        var pretrained = ModelSource.PretrainedOption();
        var data = DataOptions.Folder();
        var testLimit = DataOptions.TestLimit();
        var batchSize = new Option<int>("--batch-size") { HelpName = "N", Description = "Images per forward pass", DefaultValueFactory = _ => 256 };
        var threads = new Option<int>("--threads") { HelpName = "N", Description = "CPU threads for libtorch", DefaultValueFactory = _ => Environment.ProcessorCount };
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of tables" };
        var precision = PrecisionOption.Create("The arithmetic of the forward passes");
        var engine = EngineOption.CreateWithInt8();

        var command = new Command("evaluate", "Evaluate a checkpoint (or the shipped model) on the test set of its data (Fashion-MNIST, an IDX set or an image folder); writes confusion.png beside the checkpoint")
        {
            checkpointPath, pretrained, data, testLimit, batchSize, threads, precision, engine, json,
        };
        command.SetAction(result =>
        {
            int? limit = OptionLimits.Limit(result.GetValue(testLimit), "--test-limit");
            int threadCount = OptionLimits.Threads(result.GetValue(threads), "--threads");
            using var source = ModelSource.Open(result.GetValue(checkpointPath), result.GetValue(pretrained));
            var model = source.Model;
            int batch = OptionLimits.Batch(result.GetValue(batchSize), source.ImageSize, training: false, "--batch-size");
            ErrorReport.WarnIfMoreThreadsThanCores(threadCount);
            set_num_threads(threadCount);
            var test = DataSupport.LoadTest(result.GetValue(data), source, limit);
            using var batches = new BatchSource(test, batch, source.ImageSize, shuffle: false, seed: 0);
            var resolved = EngineOption.Resolve(result.GetValue(engine)!, source, result.GetValue(precision)!, threadCount, result.Given(precision),
                test.Count, () => DataSupport.LoadCalibration(result.GetValue(data), source));
            var runner = resolved.Model;
            if (resolved.Engine != "libtorch" && !result.GetValue(json))
                Console.Error.WriteLine($"engine: {resolved.Engine} ({resolved.Arithmetic})");
            EvaluationResult evaluation;
            using (runner == model ? null : runner)
                evaluation = Evaluator.Evaluate(runner, batches, model.NumClasses, precision: resolved.Precision);

            var labels = source.Labels;
            // The picture goes beside the checkpoint; the shipped model's folder is the program's, not the user's.
            string? picture = source.Checkpoint is { } checkpoint
                ? Path.Combine(Path.GetDirectoryName(Path.GetFullPath(checkpoint.Path))!, "confusion.png")
                : null;
            // The results are shown first: a folder that cannot take the picture must not cost them.
            bool asJson = result.GetValue(json);
            if (asJson)
            {
                var perClass = evaluation.PerClassAccuracy;
                Console.WriteLine(JsonSerializer.Serialize(new
                {
                    test_acc = evaluation.Accuracy,
                    test_loss = double.IsFinite(evaluation.Loss) ? evaluation.Loss : (double?)null, // JSON has no infinity
                    examples = evaluation.Examples,
                    precision = resolved.Arithmetic,
                    engine = resolved.Engine,
                    per_class = labels.Select((l, i) => new { label = l, acc = double.IsNaN(perClass[i]) ? (double?)null : perClass[i] }),
                    confusion = evaluation.Confusion,
                }));
            }
            else
            {
                Render(evaluation, labels, source.Description);
            }
            if (picture is null)
                return ExitCodes.Success;
            string? notWritten = null;
            try
            {
                Plots.WriteConfusion(picture, evaluation.Confusion, labels,
                    $"{source.Checkpoint!.Metadata.Model}, {source.Checkpoint.Metadata.Position}: test acc {evaluation.Accuracy:F3}");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // .NET's messages on Unix read "REASON : 'PATH'", and the path is the temporary file's.
                notWritten = e is UnauthorizedAccessException ? "permission denied" : e.Message.Split(" : '")[0].Split('\n')[0];
            }
            // A checkpoint in a folder the user may read but not write (shared, mounted read-only) is still
            // evaluated: the figures are out, only the picture is missing, so this is not a failure.
            if (notWritten is not null)
                Console.Error.WriteLine($"googlenet: warning: {picture}: not written ({notWritten}); the results above are complete");
            else if (!asJson)
                Console.WriteLine($"confusion matrix picture: {picture}");
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>Reads a checkpoint given as a file or as the run folder that holds checkpoint.bin.</summary>
    public static Checkpoint ReadCheckpoint(string path)
    {
        string inFolder = Path.Combine(path, RunFolder.CheckpointFile);
        return Checkpoint.Read(Directory.Exists(path) && File.Exists(inFolder) ? inFolder : path);
    }

    private static void Render(EvaluationResult e, IReadOnlyList<string> labels, string description)
    {
        AnsiConsole.MarkupLine($"[bold]{Markup.Escape(description)}[/], {e.Examples:N0} test images: " +
                               $"test acc [bold]{e.Accuracy:F3}[/], test loss {e.Loss:F3}");
        var table = new Table().Border(TableBorder.Rounded).AddColumn("true \\ predicted");
        foreach (var (label, i) in labels.Select((l, i) => (l, i)))
            table.AddColumn(new TableColumn(Short(label)).RightAligned());
        table.AddColumn(new TableColumn("acc").RightAligned());
        var perClass = e.PerClassAccuracy;
        for (int i = 0; i < e.Confusion.Length; i++)
        {
            var cells = new List<string> { Markup.Escape(labels[i]) };
            cells.AddRange(e.Confusion[i].Select((n, j) => i == j ? $"[bold]{n}[/]" : n == 0 ? "[grey]0[/]" : n.ToString()));
            cells.Add(double.IsNaN(perClass[i]) ? "-" : perClass[i].ToString("F3"));
            table.AddRow(cells.ToArray());
        }
        AnsiConsole.Write(table);
    }

    private static string Short(string label) => Markup.Escape(label.Length > 8 ? label[..7] + "." : label);
}
