using System.Text.Json;

namespace GoogLeNet.Training;

/// <summary>
/// Where one run folder stands, read from its files without touching them: for <c>googlenet runs</c>, which answers
/// "is my background run still going, and how far is it?" for runs that last hours and outlive the terminal that started them.
/// </summary>
/// <param name="Folder">The folder as found under the folder listed.</param>
/// <param name="Model">The model; null when the folder records none that can be read.</param>
/// <param name="State">
/// <c>training</c> (another process holds the folder's lock now), <c>finished</c> (summary.json), <c>diverged</c> (a comparison
/// entry's diverged.json), <c>stopped</c> (a checkpoint and no process), <c>not started</c> (config.json only) or <c>unreadable</c>.
/// </param>
/// <param name="EpochsDone">Epochs its checkpoint has completed; 0 without a readable one.</param>
/// <param name="Epochs">Epochs the run was started for; null when they cannot be read.</param>
/// <param name="Progress">How far its checkpoint is: "4 of 10 epochs", or "epoch 5 of 10, step 120 of 469" part-way through one; null without one.</param>
/// <param name="TestAcc">The test accuracy of its last finished epoch.</param>
/// <param name="Lr">The learning rate as <see cref="TrainOptions.DescribeLr"/> states it; null when no options can be read.</param>
/// <param name="SavedUtc">When its checkpoint was written; null without one.</param>
/// <param name="Problem">Why the checkpoint or config could not be read, for <c>unreadable</c>.</param>
internal sealed record RunStatus(string Folder, string? Model, string State, int EpochsDone, int? Epochs, string? Progress, double? TestAcc,
    string? Lr, DateTime? SavedUtc, string? Problem = null)
{
    /// <summary>
    /// The run folders in <paramref name="directory"/>: itself if it is one, else its subfolders that are and those one level
    /// further down (the entries of a comparison), in name order.
    /// </summary>
    /// <exception cref="GoogLeNetException">The folder does not exist.</exception>
    public static IReadOnlyList<RunStatus> Find(string directory)
    {
        if (!Directory.Exists(directory))
            throw new GoogLeNetException(File.Exists(directory) ? $"{directory}: is a file, not a folder of runs" : $"{directory}: folder not found");
        if (IsRun(directory))
            return [Of(directory)];
        var found = new List<RunStatus>();
        foreach (string folder in Subfolders(directory))
        {
            if (IsRun(folder))
                found.Add(Of(folder));
            else // a comparison's folder, or any other that groups runs
                found.AddRange(Subfolders(folder).Where(IsRun).Select(Of));
        }
        return found;
    }

    /// <summary>The folders in <paramref name="directory"/> in name order; none when it cannot be read (another user's, gone meanwhile).</summary>
    private static IEnumerable<string> Subfolders(string directory)
    {
        try
        {
            return Directory.GetDirectories(directory).Order(StringComparer.Ordinal).ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    private static bool IsRun(string folder) =>
        File.Exists(Path.Combine(folder, RunFolder.CheckpointFile)) || File.Exists(Path.Combine(folder, RunFolder.ConfigFile));

    /// <summary>The state of one run folder.</summary>
    public static RunStatus Of(string folder)
    {
        bool training = RunFolder.IsTraining(folder);
        string checkpointPath = Path.Combine(folder, RunFolder.CheckpointFile);
        try
        {
            if (!File.Exists(checkpointPath))
            {
                var options = RunFolder.ReadConfig(Path.Combine(folder, RunFolder.ConfigFile))?.Options;
                return new RunStatus(folder, options?.Model, training ? "training" : "not started", 0, options?.Epochs, null, null, options?.DescribeLr(), null);
            }
            var saved = Checkpoint.ReadMetadata(checkpointPath);
            // summary.json stays when a finished run is extended with more epochs: finished only if the checkpoint is at the end.
            bool atEnd = saved.InEpoch is null && saved.Epoch >= saved.Options.Epochs;
            string state = training ? "training"
                : atEnd && File.Exists(Path.Combine(folder, RunFolder.SummaryFile)) ? "finished"
                : File.Exists(Path.Combine(folder, Comparison.DivergedFile)) ? "diverged"
                : "stopped";
            string progress = saved.InEpoch is { } p
                ? $"epoch {saved.Epoch + 1} of {saved.Options.Epochs}, step {p.Steps} of {p.Batches}"
                : $"{saved.Epoch} of {saved.Options.Epochs} epochs";
            return new RunStatus(folder, saved.Model, state, saved.Epoch, saved.Options.Epochs, progress,
                saved.Epochs.Count > 0 ? saved.Epochs[^1].TestAcc : null, saved.Options.DescribeLr(), saved.SavedUtc);
        }
        catch (GoogLeNetException e)
        {
            return new RunStatus(folder, null, training ? "training" : "unreadable", 0, null, null, null, null, null, e.Message);
        }
    }
}
