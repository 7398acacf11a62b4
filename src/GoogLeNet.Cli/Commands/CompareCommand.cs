using System.CommandLine;
using GoogLeNet.Cli.Rendering;
using GoogLeNet.Data;
using GoogLeNet.Training;

namespace GoogLeNet.Cli.Commands;

/// <summary><c>googlenet compare</c>: several models trained under one budget, side by side.</summary>
internal static class CompareCommand
{
    private const string LockName = "compare.lock";

    public static Command Create()
    {
        var models = new Option<string?>("--models") { Description = "Comma-separated models; NAME:ls=EPS gives one entry its own label smoothing", HelpName = "a,b,c" };
        var training = new TrainingOptionSet(defaultEpochs: 1);
        var output = new Option<string?>("--out") { HelpName = "DIR", Description = "Folder for compare.md/.json/.png and one run folder per model (default runs/compare-<timestamp>)" };
        var resume = new Option<string?>("--resume") { Description = "Finish the interrupted comparison in this folder: models that finished are kept, the one in progress continues from its last checkpoint", HelpName = "DIR" };
        var command = new Command("compare", "Train several models under the same budget (same data, seed and options) and compare them") { models };
        foreach (var option in training.All)
            command.Add(option);
        command.Add(output);
        command.Add(resume);
        command.SetAction(result =>
        {
            string? resumeDir = result.GetValue(resume);
            List<ComparisonEntry> entries;
            TrainOptions options;
            string? recordedData = null;
            if (resumeDir is not null)
            {
                if (result.Given(output))
                    throw new GoogLeNetException("--out and --resume cannot be combined: a resumed comparison stays in its folder");
                var plan = Comparison.ReadPlan(Path.GetFullPath(resumeDir), resumeDir);
                string planPath = Comparison.PlanPath(Path.GetFullPath(resumeDir));
                entries = ParseEntries(string.Join(',', plan.Models));
                if (result.GetValue(models) is { } typed && !ParseEntries(typed).Select(e => e.Label).SequenceEqual(plan.Models))
                    throw new GoogLeNetException($"--models cannot be changed when resuming (the comparison was started with {string.Join(',', plan.Models)}; see {planPath})");
                options = training.Resumed(result, training.Read(result), plan.Options, ("comparison", planPath), epochsMayGrow: false);
                recordedData = RunFolder.StillThere(plan.Data, planPath);
            }
            else
            {
                entries = ParseEntries(result.GetValue(models)
                    ?? throw new GoogLeNetException("Option '--models' is required (or --resume DIR to finish an interrupted comparison)"));
                options = training.Read(result).Validate();
            }
            // --label-smoothing applies to every entry without its own NAME:ls=EPS. Every entry is checked before
            // the first one trains: a size that doesn't fit the last model must not end a run hours in.
            foreach (var entry in entries)
                Trainer.Check(entry.OptionsFrom(options).Validate());
            ErrorReport.WarnIfMoreThreadsThanCores(options.Threads);

            var (dataDir, train, test) = DataSupport.LoadTraining(result.GetValue(training.Data) ?? recordedData, options);
            var (directory, folderLock) = resumeDir is not null
                ? TakeFolder(resumeDir)
                : result.GetValue(output) is { } chosen ? TakeFolder(chosen, isNew: true) : TakeNewDefaultFolder();
            using var held = folderLock;
            if (resumeDir is null)
                Comparison.WritePlan(directory, new ComparisonPlan(entries.Select(e => e.Label).ToList(), options, Path.GetFullPath(dataDir)));
            Console.WriteLine($"{(resumeDir is null ? "comparing" : "resuming the comparison of")} {string.Join(", ", entries.Select(e => e.Label))}: " +
                $"{options.Epochs} epochs each on {train.Count:N0} images at {options.Resize}x{options.Resize}; output in {directory}");

            using var stop = new StopSignals();
            try
            {
                var rows = Comparison.Run(entries, options, directory, train, test, (entry, run, checkpoint) =>
                {
                    Console.WriteLine(checkpoint is null ? $"-- {entry.Label}" : $"-- {entry.Label}, resuming {checkpoint.Metadata.When}");
                    return new TrainingConsole(run, entry.Label, null);
                }, stop.Token, resume: resumeDir is not null,
                kept: (entry, row) => Console.WriteLine($"-- {entry.Label}: {(row.TestAcc is { } acc ? $"finished before the interruption, kept (test acc {acc:F3})" : $"{row.Status} before the interruption, kept")}"),
                dataDirectory: dataDir);
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
            catch (OperationCanceledException e)
            {
                if (e is StopNotSavedException)
                    Console.Error.WriteLine($"googlenet: warning: {ErrorReport.Line(e)}");
                string kept = e is StopNotSavedException ? "its last checkpoint" : "its last step";
                Console.Error.WriteLine($"googlenet: interrupted; finished models and the one in training up to {kept} are kept. Resume with: googlenet compare --resume {directory}");
                return stop.ExitCode;
            }
        });
        return command;
    }

    private static List<ComparisonEntry> ParseEntries(string text)
    {
        var entries = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(ComparisonEntry.Parse).ToList();
        if (entries.Count == 0)
            throw new GoogLeNetException("--models names no model");
        if (entries.Select(e => e.Label).Distinct().Count() != entries.Count)
            throw new GoogLeNetException("--models names the same entry twice");
        return entries;
    }

    /// <summary>
    /// Makes the folder if needed, proves it writable and locks it for this process, so that two comparisons never
    /// write into one folder. A new comparison refuses a folder that holds one already.
    /// </summary>
    private static (string Directory, IDisposable Lock) TakeFolder(string shown, bool isNew = false)
    {
        string directory = Path.GetFullPath(shown);
        if (File.Exists(directory))
            throw new GoogLeNetException($"{shown}: names a file, not a folder");
        RunFolder.PrepareOutput(directory, shown);
        var folderLock = RunFolder.LockFolder(directory, LockName, "comparing");
        bool hasPlan = File.Exists(Comparison.PlanPath(directory));
        if (isNew && (hasPlan || File.Exists(Path.Combine(directory, "compare.md"))))
        {
            folderLock.Dispose();
            throw new GoogLeNetException(hasPlan
                ? $"{shown}: already holds a comparison; continue it with compare --resume {shown} or choose another --out"
                : $"{shown}: already holds a comparison; choose another --out");
        }
        return (directory, folderLock);
    }

    /// <summary>runs/compare-TIME, or -2, -3, ... when another comparison started in the same second holds that name.</summary>
    private static (string Directory, IDisposable Lock) TakeNewDefaultFolder() =>
        RunFolder.TakeFirstFree(RunFolder.DefaultPath("compare"), path => TakeFolder(path, isNew: true));
}
