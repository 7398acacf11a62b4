namespace GoogLeNet.Training;

/// <summary>
/// The learning rate of each SGD step. The book trains at a constant rate; <c>cosine</c> lowers it from the
/// given rate towards zero along half a cosine over the whole run (Loshchilov &amp; Hutter 2017, without
/// restarts), one value per step, so the last epochs take small steps and the test accuracy stops swinging
/// from one epoch to the next as it does at a constant 0.1 (RESULTS.md).
/// </summary>
public static class LearningRate
{
    /// <summary>The book's schedule: the same rate at every step.</summary>
    public const string Constant = "constant";
    /// <summary>Half a cosine from the given rate towards 0 over all the run's steps.</summary>
    public const string Cosine = "cosine";

    /// <summary>The schedules <see cref="TrainOptions.LrSchedule"/> accepts, the default first.</summary>
    public static readonly string[] Schedules = [Constant, Cosine];

    /// <summary>The rate for step <paramref name="step"/> (0-based) of <paramref name="totalSteps"/>.</summary>
    /// <param name="schedule"><see cref="Constant"/> or <see cref="Cosine"/>.</param>
    /// <param name="baseRate">The rate at the start of the schedule (<see cref="TrainOptions.Lr"/>).</param>
    /// <param name="step">The step, from 0.</param>
    /// <param name="totalSteps">Steps in the whole run.</param>
    /// <param name="warmupSteps">Steps at the start whose rate rises in equal steps to <paramref name="baseRate"/> (step k of them: base x (k + 1) / warmupSteps); the schedule then runs over the steps that remain.</param>
    /// <remarks>
    /// A function of the step's index alone: a resumed run gets the rate an uninterrupted one would have,
    /// with nothing to restore.
    /// </remarks>
    public static double At(string schedule, double baseRate, long step, long totalSteps, long warmupSteps = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(step, totalSteps);
        ArgumentOutOfRangeException.ThrowIfNegative(warmupSteps);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(warmupSteps, totalSteps);
        if (step < warmupSteps)
            return baseRate * (step + 1) / warmupSteps;
        step -= warmupSteps;
        totalSteps -= warmupSteps;
        return schedule switch
        {
            Constant => baseRate,
            Cosine => baseRate * 0.5 * (1 + Math.Cos(Math.PI * step / totalSteps)),
            _ => throw new ArgumentException($"unknown learning-rate schedule '{schedule}'", nameof(schedule)),
        };
    }

    /// <summary>
    /// Refuses to resume a decaying run with another number of epochs: its rate was falling towards zero at the
    /// end of the epochs it was started with, and a longer or shorter run would have had other rates all along.
    /// </summary>
    /// <exception cref="GoogLeNetException">The schedule decays and the epochs differ.</exception>
    public static void CheckResume(TrainOptions started, TrainOptions resumed)
    {
        if (started.LrSchedule != Constant && resumed.Epochs != started.Epochs)
            throw new GoogLeNetException(
                $"TrainOptions.Epochs cannot be changed when resuming a run with TrainOptions.LrSchedule = {started.LrSchedule}: its rate falls to 0 over the {started.Epochs} epochs it was started with");
    }
}
