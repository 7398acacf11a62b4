using Spectre.Console;
using Spectre.Console.Rendering;

namespace GoogLeNet.Cli.Rendering;

/// <summary>
/// The time an epoch still needs at the pace of the steps this process has taken in it. Spectre.Console's own
/// <see cref="RemainingTimeColumn"/> averages the progress of the last 30 seconds, so after a resume part-way through an
/// epoch it took the jump to the resumed step for speed and showed far too little time for half a minute.
/// </summary>
internal sealed class EpochTimeLeftColumn : ProgressColumn
{
    /// <summary>The task's state key for the step the epoch was resumed at (0 for a fresh epoch).</summary>
    public const string ResumedAt = "resumed-at";

    /// <summary>The task's state key for the seconds since the task started at which its last step ended.</summary>
    public const string SteppedAt = "stepped-at";

    /// <summary>Records that a step ended now; the estimate holds still until the next one.</summary>
    public static void StepEnded(ProgressTask task, int batch)
    {
        task.Value = batch;
        task.State.Update<double>(SteppedAt, _ => task.ElapsedTime?.TotalSeconds ?? 0);
    }

    public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime) =>
        TimeLeft(task) is { } left
            ? new Text($"{(int)left.TotalHours:D2}:{left.Minutes:D2}:{left.Seconds:D2}", new Style(Color.Blue))
            : new Text("--:--:--", new Style(Color.Blue));

    /// <summary>The time left as of the last step; null before the first step of this process.</summary>
    public static TimeSpan? TimeLeft(ProgressTask task)
    {
        double taken = task.Value - task.State.Get<double>(ResumedAt);
        if (task.IsFinished)
            return TimeSpan.Zero;
        if (taken <= 0)
            return null;
        return TimeSpan.FromSeconds(task.State.Get<double>(SteppedAt) / taken * (task.MaxValue - task.Value));
    }
}
