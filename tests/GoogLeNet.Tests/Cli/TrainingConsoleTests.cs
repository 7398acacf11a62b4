using GoogLeNet.Cli.Rendering;
using GoogLeNet.Training;

namespace GoogLeNet.Tests.Cli;

public class TrainingConsoleTests
{
    [Fact]
    public void PlainLinesShowEveryTenthOfAnEpochAndTheTimeTheRunStillNeeds()
    {
        using var dir = new TempDirectory();
        var run = RunFolder.Create(dir["run"]);
        var output = new StringWriter();
        var console = new TrainingConsole(run, "googlenet", null, output);
        List<MetricPoint> history = [new(1, 0.5, 0.8, null), new(1, null, null, 0.75)];

        console.EpochStarted(1, 3, 20, 0);
        for (int batch = 1; batch <= 20; batch++)
            console.StepCompleted(new StepProgress(1, 3, batch, 20, 0.5, 0.8, 50));
        // 20 min 30 s an epoch, two epochs to go: 41 minutes.
        console.EpochCompleted(new EpochResult(1, 0.5, 0.8, 0.6, 0.75, 1200, 60_000, 1230), history);
        console.EpochStarted(3, 3, 20, 0);
        console.EpochCompleted(new EpochResult(3, 0.4, 0.85, 0.5, 0.8, 1200, 60_000, 1230), history);

        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(10, lines.Count(l => l.StartsWith("epoch 1/3 step ")));
        Assert.StartsWith("epoch 1/3 step 2/20: loss 0.500, train acc 0.800, 50.0 img/s, epoch ends in ", lines[0]);
        Assert.Equal("epoch 1: loss 0.500, train acc 0.800, test acc 0.750, 50.0 img/s, 20m 30s; 2 more, about 41m 00s", lines[10]);
        Assert.Equal("epoch 3: loss 0.400, train acc 0.850, test acc 0.800, 50.0 img/s, 20m 30s", lines[11]);
        Assert.True(File.Exists(run.CurvesPath));
    }

    [Fact]
    public void AnEpochResumedPartWayShowsItsLinesFromWhereItContinued()
    {
        using var dir = new TempDirectory();
        var output = new StringWriter();
        var console = new TrainingConsole(RunFolder.Create(dir["run"]), "googlenet", null, output);

        console.EpochStarted(2, 3, 20, 10);
        for (int batch = 11; batch <= 20; batch++)
            console.StepCompleted(new StepProgress(2, 3, batch, 20, 0.5, 0.8, 50));

        var steps = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => int.Parse(l.Split(' ')[3].Split('/')[0])).ToList();
        Assert.Equal([12, 14, 16, 18, 20], steps);
    }
}

public class EpochTimeLeftColumnTests
{
    private sealed class Clock : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = new(2026, 11, 28, 12, 0, 0, TimeSpan.Zero);
        public override DateTimeOffset GetUtcNow() => Now;
    }

    [Fact]
    public void TheTimeLeftComesFromTheStepsThisProcessTookNotFromTheResumedOnes()
    {
        var clock = new Clock();
        var task = new Spectre.Console.ProgressTask(1, "epoch 2/3", 100, autoStart: true, timeProvider: clock);
        task.Value = 40; // resumed at step 40
        task.State.Update<double>(EpochTimeLeftColumn.ResumedAt, _ => 40);
        Assert.Null(EpochTimeLeftColumn.TimeLeft(task));

        clock.Now += TimeSpan.FromSeconds(60);
        EpochTimeLeftColumn.StepEnded(task, 50); // ten steps in a minute, fifty to go
        Assert.Equal(TimeSpan.FromMinutes(5), EpochTimeLeftColumn.TimeLeft(task));
        clock.Now += TimeSpan.FromSeconds(5); // between two steps the estimate holds still
        Assert.Equal(TimeSpan.FromMinutes(5), EpochTimeLeftColumn.TimeLeft(task));
        clock.Now += TimeSpan.FromSeconds(1);
        EpochTimeLeftColumn.StepEnded(task, 51); // eleven steps in 66 s, 49 to go
        Assert.Equal(TimeSpan.FromSeconds(294), EpochTimeLeftColumn.TimeLeft(task));
        EpochTimeLeftColumn.StepEnded(task, 100);
        Assert.Equal(TimeSpan.Zero, EpochTimeLeftColumn.TimeLeft(task));
    }
}
