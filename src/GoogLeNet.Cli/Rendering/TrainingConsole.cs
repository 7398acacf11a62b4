using System.Diagnostics;
using GoogLeNet.Training;
using Spectre.Console;

namespace GoogLeNet.Cli.Rendering;

/// <summary>
/// Shows training as it goes: on a terminal a live progress bar per epoch with loss, accuracy, images/s
/// and time left; otherwise (a CI log, a file) a plain line every tenth of an epoch. Each finished epoch's
/// line says how long the rest of the run will take at that epoch's pace. Redraws curves.png after every epoch.
/// </summary>
/// <param name="plain">Where the plain lines go (standard output unless told otherwise).</param>
internal sealed class TrainingConsole(RunFolder run, string model, ProgressContext? live, TextWriter? plain = null) : ITrainingCallback
{
    private readonly TextWriter _plain = plain ?? Console.Out;
    private ProgressTask? _task;
    private int _nextPlainLine;
    private int _epochs;
    private int _done; // batches of the epoch trained before a resume, which the clock did not see
    private readonly Stopwatch _epochClock = new();

    public void OnEpochStart(TrainingContext context) => EpochStarted(context.Epoch, context.Options.Epochs, context.StepsPerEpoch, context.Step);

    public void OnStepEnd(TrainingContext context, StepProgress step) => StepCompleted(step);

    public void OnEvaluationStart(TrainingContext context) => Evaluating(context.Epoch);

    public void OnEpochEnd(TrainingContext context, EpochResult result) => EpochCompleted(result, context.State.History);

    /// <param name="done">Batches already trained on before a resumed run continued the epoch (0 for a fresh one).</param>
    public void EpochStarted(int epoch, int epochs, int batches, int done)
    {
        _epochClock.Restart();
        _epochs = epochs;
        _done = done;
        _nextPlainLine = done + Math.Max(1, batches / 10);
        if (live is not null)
        {
            _task = live.AddTask($"epoch {epoch}/{epochs}", maxValue: batches).Value(done);
            _task.State.Update<double>(EpochTimeLeftColumn.ResumedAt, _ => done);
        }
    }

    public void StepCompleted(StepProgress p)
    {
        string stats = $"loss {p.Loss:F3}, train acc {p.Accuracy:F3}, {p.ImagesPerSecond:F1} img/s";
        if (p.LearningRate is { } rate)
            stats += $", lr {rate:G3}";
        if (_task is not null)
        {
            _task.Description = $"epoch {p.Epoch}/{p.Epochs}  {stats}";
            EpochTimeLeftColumn.StepEnded(_task, p.Batch);
        }
        else if (p.Batch >= _nextPlainLine || p.Batch == p.Batches)
        {
            var left = TimeSpan.FromSeconds(_epochClock.Elapsed.TotalSeconds / (p.Batch - _done) * (p.Batches - p.Batch));
            _plain.WriteLine($"epoch {p.Epoch}/{p.Epochs} step {p.Batch}/{p.Batches}: {stats}, epoch ends in {Duration(left)}");
            _nextPlainLine = p.Batch + Math.Max(1, p.Batches / 10);
        }
    }

    public void Evaluating(int epoch)
    {
        if (_task is not null)
            _task.Description += "  (testing)";
    }

    public void EpochCompleted(EpochResult r, IReadOnlyList<MetricPoint> history)
    {
        string line = $"epoch {r.Epoch}: loss {r.TrainLoss:F3}, train acc {r.TrainAcc:F3}, test acc {r.TestAcc:F3}, " +
                      $"{r.TrainExamples / r.TrainSeconds:F1} img/s, {Duration(TimeSpan.FromSeconds(r.WallSeconds))}";
        if (r.Epoch < _epochs)
            line += $"; {_epochs - r.Epoch} more, about {Duration(TimeSpan.FromSeconds(r.WallSeconds * (_epochs - r.Epoch)))}";
        if (_task is not null)
        {
            _task.Description = line;
            _task.StopTask();
        }
        else
        {
            _plain.WriteLine(line);
        }
        Plots.WriteCurves(run.CurvesPath, history, $"{model} on Fashion-MNIST");
    }

    public static string Duration(TimeSpan t) =>
        t.TotalHours >= 1 ? $"{(int)t.TotalHours}h {t.Minutes:D2}m" : t.TotalMinutes >= 1 ? $"{t.Minutes}m {t.Seconds:D2}s" : $"{t.TotalSeconds:F1}s";
}
