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

/// <summary>
/// Trains several models under one budget (same data, seed, epochs and options), one after another, each in
/// its own run folder. A model that diverges is recorded as such and the others still run.
/// </summary>
public static class Comparison
{
    public static IReadOnlyList<ComparisonRow> Run(IReadOnlyList<ComparisonEntry> entries, TrainOptions options, string directory,
        ImageDataset train, ImageDataset test, Func<ComparisonEntry, RunFolder, ITrainingObserver> observer,
        CancellationToken cancellationToken = default)
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
            using var run = RunFolder.Create(Path.Combine(directory, entry.Label.Replace(':', '-').Replace('=', '-')));
            var clock = System.Diagnostics.Stopwatch.StartNew();
            try
            {
                var result = Trainer.Run(runOptions, run, train, test, observer(entry, run), null, cancellationToken);
                var history = MetricsCsv.Parse(File.ReadAllText(run.MetricsPath));
                rows.Add(new ComparisonRow(entry.Label, entry.Model, parameters, macs, result.ExamplesPerSec, result.TrainLoss, result.TrainAcc,
                    result.TestAcc, clock.Elapsed.TotalSeconds, "ok", TestAccuracies(history)));
            }
            catch (TrainingDivergedException e)
            {
                var history = File.Exists(run.MetricsPath) ? MetricsCsv.Parse(File.ReadAllText(run.MetricsPath)) : [];
                rows.Add(new ComparisonRow(entry.Label, entry.Model, parameters, macs, null, null, null, null, clock.Elapsed.TotalSeconds,
                    $"diverged ({e.Message.Split(';')[0]})", TestAccuracies(history)));
            }
        }
        return rows;
    }

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
