using System.Globalization;
using System.Text;
using System.Text.Json;
using GoogLeNet.Analysis;
using GoogLeNet.Data;
using GoogLeNet.Models;

namespace GoogLeNet.Training;

/// <summary>One entry of a comparison: a registered model, optionally with its own label smoothing.</summary>
/// <param name="Label">As given on the command line, e.g. <c>googlenet-bn:ls=0.1</c>.</param>
public sealed record ComparisonEntry(string Label, string Model, double? LabelSmoothing)
{
    /// <summary>Parses <c>NAME</c> or <c>NAME:ls=EPS</c>.</summary>
    public static ComparisonEntry Parse(string text)
    {
        var parts = text.Split(':', 2);
        var info = ModelRegistry.Get(parts[0]);
        if (parts.Length == 1)
            return new ComparisonEntry(text, info.Name, null);
        if (!parts[1].StartsWith("ls=", StringComparison.Ordinal)
            || !double.TryParse(parts[1][3..], NumberStyles.Float, CultureInfo.InvariantCulture, out double eps))
            throw new UserInputException($"--models: '{text}' is not NAME or NAME:ls=EPS (label smoothing)");
        return new ComparisonEntry(text, info.Name, eps);
    }
}

/// <summary>The outcome of one entry: its size, speed and final metrics, or how it failed.</summary>
public sealed record ComparisonRow(string Label, string Model, long Params, long Macs, double? TrainImgS, double? TrainLoss, double? TrainAcc,
    double? TestAcc, double WallSeconds, string Status, IReadOnlyList<double> TestAccPerEpoch);

/// <summary>What a comparison was started with, kept beside its results so that <c>compare --resume</c> can finish it.</summary>
/// <param name="Models">The entries as given, e.g. <c>googlenet-bn:ls=0.1</c>.</param>
/// <param name="Data">The data folder, as a full path.</param>
public sealed record ComparisonPlan(IReadOnlyList<string> Models, TrainOptions Options, string Data);

/// <summary>
/// Trains several models under one budget (same data, seed, epochs and options), one after another, each in
/// its own run folder. A model that diverges is recorded as such and the others still run. An interrupted
/// comparison continues where it stopped: models that finished are kept, the one in progress resumes from
/// its last checkpoint.
/// </summary>
public static class Comparison
{
    public const string PlanFile = "compare-config.json";

    public static void WritePlan(string directory, ComparisonPlan plan) =>
        AtomicFile.WriteAllText(Path.Combine(directory, PlanFile), JsonSerializer.Serialize(plan, RunFolder.Json));

    /// <exception cref="UserInputException">The folder is not a comparison, or its plan cannot be read.</exception>
    public static ComparisonPlan ReadPlan(string directory, string shown)
    {
        string path = Path.Combine(directory, PlanFile);
        if (!Directory.Exists(directory))
            throw new UserInputException($"{shown}: comparison folder not found");
        if (!File.Exists(path))
            throw new UserInputException($"{shown}: no {PlanFile} in this folder, so no comparison to resume (compare writes one when it starts)");
        try
        {
            var plan = JsonSerializer.Deserialize<ComparisonPlan>(File.ReadAllText(path), RunFolder.Json);
            if (plan is not { Models.Count: > 0, Options: not null, Data: not null })
                throw new JsonException("models, options or data missing");
            return plan;
        }
        catch (JsonException e)
        {
            throw new UserInputException($"{path}: not a comparison's configuration ({e.Message})", 2, e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UserInputException($"{path}: cannot be read ({e.Message})", 2, e);
        }
    }

    /// <summary>The run folder of <paramref name="entry"/> inside the comparison's folder.</summary>
    private static string EntryDirectory(string directory, ComparisonEntry entry) =>
        Path.Combine(directory, entry.Label.Replace(':', '-').Replace('=', '-'));

    /// <param name="observer">Makes the observer of an entry's training; gets the checkpoint it resumes from, if any.</param>
    /// <param name="resume">Keep entries that finished and continue the one with a checkpoint (compare --resume).</param>
    /// <param name="kept">Told of each entry that had finished before and is not trained again.</param>
    public static IReadOnlyList<ComparisonRow> Run(IReadOnlyList<ComparisonEntry> entries, TrainOptions options, string directory,
        ImageDataset train, ImageDataset test, Func<ComparisonEntry, RunFolder, Checkpoint?, ITrainingObserver> observer,
        CancellationToken cancellationToken = default, bool resume = false, Action<ComparisonEntry, TrainingSummary>? kept = null)
    {
        var rows = new List<ComparisonRow>();
        foreach (var entry in entries)
        {
            var runOptions = (options with { Model = entry.Model, LabelSmoothing = entry.LabelSmoothing ?? options.LabelSmoothing }).Validate();
            var info = ModelRegistry.Get(entry.Model);
            long parameters, macs;
            using (var probe = info.Create(1, train.NumClasses))
            {
                var summary = ModelSummary.Of(info.Name, probe, runOptions.Resize, 1);
                parameters = summary.Params;
                macs = summary.Macs;
            }
            string folder = EntryDirectory(directory, entry);
            if (resume && Finished(folder, runOptions.Epochs) is { } done)
            {
                kept?.Invoke(entry, done);
                rows.Add(Row(entry, parameters, macs, done, Path.Combine(folder, "metrics.csv")));
                continue;
            }
            Checkpoint? checkpoint = null;
            var clock = System.Diagnostics.Stopwatch.StartNew();
            using var run = resume && File.Exists(Path.Combine(folder, "checkpoint.bin")) ? RunFolder.Open(folder) : RunFolder.Create(folder);
            try
            {
                if (resume && File.Exists(run.CheckpointPath))
                    checkpoint = Checkpoint.Read(run.CheckpointPath);
                var result = Trainer.Run(runOptions, run, train, test, observer(entry, run, checkpoint), checkpoint, cancellationToken);
                rows.Add(Row(entry, parameters, macs, result, run.MetricsPath));
            }
            catch (TrainingDivergedException e)
            {
                var history = File.Exists(run.MetricsPath) ? MetricsCsv.Parse(File.ReadAllText(run.MetricsPath)) : [];
                double before = checkpoint?.Metadata.Epochs.Sum(epoch => epoch.WallSeconds) ?? 0; // trained before an interruption
                rows.Add(new ComparisonRow(entry.Label, entry.Model, parameters, macs, null, null, null, null, before + clock.Elapsed.TotalSeconds,
                    $"diverged ({e.Message.Split(';')[0]})", TestAccuracies(history)));
            }
        }
        return rows;
    }

    /// <summary>The summary of a run in <paramref name="folder"/> that finished all <paramref name="epochs"/>, or null.</summary>
    private static TrainingSummary? Finished(string folder, int epochs)
    {
        string path = Path.Combine(folder, "summary.json");
        if (!File.Exists(path) || !File.Exists(Path.Combine(folder, "metrics.csv")))
            return null;
        try
        {
            var summary = JsonSerializer.Deserialize<TrainingSummary>(File.ReadAllText(path), RunFolder.Json);
            return summary is not null && summary.Epochs == epochs ? summary : null;
        }
        catch (JsonException)
        {
            return null; // trained again from its checkpoint, which writes a new summary
        }
    }

    private static ComparisonRow Row(ComparisonEntry entry, long parameters, long macs, TrainingSummary result, string metricsPath) =>
        new(entry.Label, entry.Model, parameters, macs, result.ExamplesPerSec, result.TrainLoss, result.TrainAcc, result.TestAcc,
            result.WallSeconds, "ok", TestAccuracies(MetricsCsv.Parse(File.ReadAllText(metricsPath))));

    private static List<double> TestAccuracies(IEnumerable<MetricPoint> history) =>
        history.Where(p => p.TestAcc is not null).Select(p => p.TestAcc!.Value).ToList();

    public static string Markdown(IReadOnlyList<ComparisonRow> rows, TrainOptions options, int trainCount, int testCount)
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"# Comparison\n\n{options.Epochs} epochs on {trainCount:N0} training images ({testCount:N0} test) at ")
          .Append(CultureInfo.InvariantCulture, $"{options.Resize}x{options.Resize}, batch {options.BatchSize}, {options.DescribeLr()}, seed {options.Seed}, {options.Threads} threads.\n\n");
        sb.Append("| model | parameters | multiply-adds | train img/s | train loss | train acc | test acc | wall time | status |\n");
        sb.Append("|---|---|---|---|---|---|---|---|---|\n");
        foreach (var r in rows)
            sb.Append(CultureInfo.InvariantCulture,
                $"| {r.Label} | {r.Params:N0} | {r.Macs:N0} | {F(r.TrainImgS, "F1")} | {F(r.TrainLoss, "F3")} | {F(r.TrainAcc, "F3")} | {F(r.TestAcc, "F3")} | {r.WallSeconds / 60:F1} min | {r.Status} |\n");
        return sb.ToString();
    }

    public static string Json(IReadOnlyList<ComparisonRow> rows) => JsonSerializer.Serialize(rows, RunFolder.Json);

    private static string F(double? value, string format) => value?.ToString(format, CultureInfo.InvariantCulture) ?? "-";
}
