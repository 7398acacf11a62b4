using System.Globalization;
using System.Text;
using System.Text.Json;
using GoogLeNet.Analysis;
using GoogLeNet.Data;
using GoogLeNet.Models;

namespace GoogLeNet.Training;

/// <summary>One entry of a comparison: a registered model, optionally with its own label smoothing.</summary>
/// <param name="Label">As given on the command line, e.g. <c>googlenet-bn:ls=0.1</c>.</param>
/// <param name="Model">The registered name of the model, as the registry spells it.</param>
/// <param name="LabelSmoothing">The entry's own label smoothing; null for the comparison's.</param>
internal sealed record ComparisonEntry(string Label, string Model, double? LabelSmoothing)
{
    /// <summary>The comparison's options for this entry: its model, and its own label smoothing if it has one.</summary>
    public TrainOptions OptionsFrom(TrainOptions options) => options with { Model = Model, LabelSmoothing = LabelSmoothing ?? options.LabelSmoothing };

    /// <summary>Parses <c>NAME</c> or <c>NAME:ls=EPS</c>.</summary>
    public static ComparisonEntry Parse(string text)
    {
        var parts = text.Split(':', 2);
        var info = ModelRegistry.Get(parts[0]);
        if (parts.Length == 1)
            return new ComparisonEntry(text, info.Name, null);
        if (!parts[1].StartsWith("ls=", StringComparison.Ordinal)
            || !double.TryParse(parts[1][3..], NumberStyles.Float, CultureInfo.InvariantCulture, out double eps))
            throw new GoogLeNetException($"--models: '{text}' is not NAME or NAME:ls=EPS (label smoothing)");
        return new ComparisonEntry(text, info.Name, eps);
    }
}

/// <summary>The outcome of one entry: its size, speed and final metrics, or how it failed.</summary>
internal sealed record ComparisonRow(string Label, string Model, long Params, long Macs, double? TrainImgS, double? TrainLoss, double? TrainAcc,
    double? TestAcc, double WallSeconds, string Status, IReadOnlyList<double> TestAccPerEpoch);

/// <summary>What a comparison was started with, kept beside its results so that <c>compare --resume</c> can finish it.</summary>
/// <param name="Models">The entries as given, e.g. <c>googlenet-bn:ls=0.1</c>.</param>
/// <param name="Options">The options every entry trains with, before its own label smoothing.</param>
/// <param name="Data">The data folder, as a full path.</param>
internal sealed record ComparisonPlan(IReadOnlyList<string> Models, TrainOptions Options, string Data);

/// <summary>
/// Trains several models under one budget (same data, seed, epochs and options), one after another, each in
/// its own run folder. A model that diverges is recorded as such and the others still run. An interrupted
/// comparison continues where it stopped: models that finished are kept, the one in progress resumes from
/// its last checkpoint.
/// </summary>
internal static class Comparison
{
    public const string PlanFile = "compare-config.json";

    /// <summary>Where the comparison in <paramref name="directory"/> keeps its plan.</summary>
    public static string PlanPath(string directory) => Path.Combine(directory, PlanFile);

    public static void WritePlan(string directory, ComparisonPlan plan) =>
        AtomicFile.WriteAllText(PlanPath(directory), JsonSerializer.Serialize(plan, RunFolder.Json));

    /// <exception cref="GoogLeNetException">The folder is not a comparison, or its plan cannot be read.</exception>
    public static ComparisonPlan ReadPlan(string directory, string shown)
    {
        string path = PlanPath(directory);
        if (!Directory.Exists(directory))
            throw new GoogLeNetException($"{shown}: comparison folder not found");
        if (!File.Exists(path))
            throw new GoogLeNetException($"{shown}: no {PlanFile} in this folder, so not a comparison compare --resume can finish (versions before --resume wrote none; their models' run folders continue with train --resume)");
        try
        {
            var plan = JsonSerializer.Deserialize<ComparisonPlan>(File.ReadAllText(path), RunFolder.Json);
            if (plan is not { Models.Count: > 0, Options: not null, Data: not null })
                throw new JsonException("models, options or data missing");
            return plan;
        }
        catch (JsonException e)
        {
            throw new GoogLeNetException($"{path}: not a comparison's configuration ({e.Message})", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new GoogLeNetException($"{path}: cannot be read ({e.Message})", e);
        }
    }

    /// <summary>The run folder of <paramref name="entry"/> inside the comparison's folder.</summary>
    private static string EntryDirectory(string directory, ComparisonEntry entry) =>
        Path.Combine(directory, entry.Label.Replace(':', '-').Replace('=', '-'));

    /// <summary>Written into an entry's run folder when it diverges, so that a resumed comparison keeps that outcome.</summary>
    public const string DivergedFile = "diverged.json";

    /// <summary>Trains every entry in turn, each in its own run folder, and returns one row per entry, in their order.</summary>
    /// <param name="entries">The models to train.</param>
    /// <param name="options">The options every entry trains with, before its own label smoothing.</param>
    /// <param name="directory">The comparison's folder; each entry trains in a subfolder named after its label.</param>
    /// <param name="train">The training images.</param>
    /// <param name="test">The test images.</param>
    /// <param name="observer">Makes the observer of an entry's training; gets the checkpoint it resumes from, if any.</param>
    /// <param name="cancellationToken">Stops the entry in training, and with it the comparison.</param>
    /// <param name="resume">Keep entries that finished and continue the one with a checkpoint (compare --resume).</param>
    /// <param name="kept">Told of each entry that had finished (or diverged) before and is not trained again.</param>
    /// <param name="loss">Overrides every entry's training loss (see <see cref="Trainer.Run"/>).</param>
    /// <param name="dataDirectory">The data folder, recorded with each entry's options in its config.json (as train does),
    /// so that <c>googlenet runs</c> knows an entry before its first checkpoint and <c>train --resume</c> of an entry finds its data.</param>
    /// <exception cref="CheckpointException">On resume, an entry's checkpoint was trained with other options than the comparison's.</exception>
    public static IReadOnlyList<ComparisonRow> Run(IReadOnlyList<ComparisonEntry> entries, TrainOptions options, string directory,
        ImageDataset train, ImageDataset test, Func<ComparisonEntry, RunFolder, Checkpoint?, ITrainingCallback> observer,
        CancellationToken cancellationToken = default, bool resume = false, Action<ComparisonEntry, ComparisonRow>? kept = null,
        Func<TorchSharp.torch.Tensor, TorchSharp.torch.Tensor, TorchSharp.torch.Tensor>? loss = null, string? dataDirectory = null)
    {
        var rows = new List<ComparisonRow>();
        foreach (var entry in entries)
        {
            var runOptions = entry.OptionsFrom(options).Validate();
            var info = ModelRegistry.Get(entry.Model);
            long parameters, macs;
            using (var probe = info.Create(1, train.NumClasses))
            {
                var summary = ModelSummary.Of(info.Name, probe, runOptions.Resize, 1);
                parameters = summary.Params;
                macs = summary.Macs;
            }
            string folder = EntryDirectory(directory, entry);
            if (resume && Finished(folder, entry, runOptions.Epochs, parameters, macs) is { } done)
            {
                kept?.Invoke(entry, done);
                rows.Add(done);
                continue;
            }
            Checkpoint? checkpoint = null;
            var clock = System.Diagnostics.Stopwatch.StartNew();
            bool resuming = resume && File.Exists(Path.Combine(folder, RunFolder.CheckpointFile));
            using var run = resuming ? RunFolder.Open(folder) : RunFolder.Create(folder);
            try
            {
                if (resuming)
                {
                    checkpoint = Checkpoint.Read(run.CheckpointPath);
                    if (checkpoint.Metadata.Options with { Threads = runOptions.Threads, MicroBatch = runOptions.MicroBatch, CheckpointMinutes = runOptions.CheckpointMinutes } != runOptions)
                        throw new CheckpointException(checkpoint.Path, $"was trained with other options than {PlanPath(directory)} records for {entry.Label}");
                }
                if (dataDirectory is not null)
                    run.WriteConfig(runOptions, dataDirectory);
                var result = Trainer.Run(runOptions, run, train, test, observer(entry, run, checkpoint), checkpoint, cancellationToken, loss);
                rows.Add(Completed(entry, parameters, macs, result, run.MetricsPath));
            }
            catch (TrainingDivergedException e)
            {
                // trained before an interruption, in whole epochs and part of one
                double before = (checkpoint?.Metadata.Epochs.Sum(epoch => epoch.WallSeconds) ?? 0) + (checkpoint?.Metadata.InEpoch?.WallSeconds ?? 0);
                var row = new ComparisonRow(entry.Label, entry.Model, parameters, macs, null, null, null, null, before + clock.Elapsed.TotalSeconds,
                    $"diverged ({e.Message.Split(';')[0]})", TestAccuracies(run.MetricsPath));
                AtomicFile.WriteAllText(Path.Combine(run.Directory, DivergedFile), JsonSerializer.Serialize(row, RunFolder.Json));
                rows.Add(row);
            }
        }
        return rows;
    }

    /// <summary>
    /// The row of an entry whose run in <paramref name="folder"/> ended before: it finished all
    /// <paramref name="epochs"/> (its summary.json) or diverged (its diverged.json); null when it is still to be trained.
    /// </summary>
    private static ComparisonRow? Finished(string folder, ComparisonEntry entry, int epochs, long parameters, long macs)
    {
        try
        {
            string diverged = Path.Combine(folder, DivergedFile);
            if (File.Exists(diverged))
                return JsonSerializer.Deserialize<ComparisonRow>(File.ReadAllText(diverged), RunFolder.Json);
            string summaryPath = Path.Combine(folder, RunFolder.SummaryFile);
            if (!File.Exists(summaryPath))
                return null;
            var s = JsonSerializer.Deserialize<TrainingSummary>(File.ReadAllText(summaryPath), RunFolder.Json);
            if (s is null || s.Epochs != epochs || !string.Equals(s.Model, entry.Model, StringComparison.OrdinalIgnoreCase))
                return null;
            return Completed(entry, parameters, macs, s, Path.Combine(folder, RunFolder.MetricsFile));
        }
        catch (JsonException)
        {
            return null; // trained again from its checkpoint, which writes the file anew
        }
    }

    /// <summary>The row of an entry that trained all its epochs, from its summary and its metrics.csv.</summary>
    private static ComparisonRow Completed(ComparisonEntry entry, long parameters, long macs, TrainingSummary summary, string metricsPath) =>
        new(entry.Label, entry.Model, parameters, macs, summary.ExamplesPerSec, summary.TrainLoss, summary.TrainAcc, summary.TestAcc,
            summary.WallSeconds, "ok", TestAccuracies(metricsPath));

    /// <summary>The test accuracy after each epoch, from metrics.csv (none when a run diverged before writing one).</summary>
    private static List<double> TestAccuracies(string metricsPath) =>
        File.Exists(metricsPath)
            ? MetricsCsv.Parse(File.ReadAllText(metricsPath)).Where(p => p.TestAcc is not null).Select(p => p.TestAcc!.Value).ToList()
            : [];

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
