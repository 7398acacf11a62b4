using GoogLeNet.Data;
using GoogLeNet.Tests.Data;
using GoogLeNet.Training;

namespace GoogLeNet.Tests.Training;

/// <summary>The callbacks a run folder's training uses, and the files they write.</summary>
public class DefaultCallbacksTests
{
    private static readonly TrainOptions Small = new() { Epochs = 1, BatchSize = 32, Resize = 16, Seed = 5, Threads = 1 };

    [Fact]
    public void ARunFolderGetsItsCheckpointMetricsAndSummaryAndNothingElse()
    {
        using var dir = new TempDirectory();
        var (train, test) = FashionMnist.LoadBoth(IdxWriter.WriteDataset(dir["data"], 96, 40), null, null);
        var run = RunFolder.Create(dir["run"]);
        Trainer.Run(Small, run, train, test, new Quiet());
        // run.lock is the folder's lock file, left in place (its lock is released when the process lets go of it).
        Assert.Equal(["checkpoint.bin", "metrics.csv", "run.lock", "summary.json"],
            Directory.GetFiles(run.Directory).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        var metadata = Checkpoint.ReadMetadata(run.CheckpointPath);
        Assert.Equal(FashionMnist.ClassNames, metadata.ClassNames);
        Assert.Equal("epoch 1", metadata.Position);
    }

    [Fact]
    public void TheDefaultOrderWritesTheCheckpointBeforeWhatDescribesItAndShowsProgressAfterThem()
    {
        using var dir = new TempDirectory();
        var run = RunFolder.Create(dir["run"]);
        var progress = new Quiet();
        var order = Trainer.DefaultCallbacks(run, progress).Select(c => c.GetType().Name).ToList();
        Assert.Equal(["DivergenceGuard", "CheckpointSaver", "MetricsCsvWriter", "HeapTrimmer", "Quiet", "SummaryWriter"], order);
        run.Dispose();
    }
}
