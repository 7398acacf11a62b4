using GoogLeNet.Data;
using GoogLeNet.Tests.Data;
using GoogLeNet.Training;

namespace GoogLeNet.Tests.Training;

public class RunStatusTests
{
    private static readonly TrainOptions Small = new() { Epochs = 2, BatchSize = 32, Resize = 16, Seed = 5, Threads = 1 };

    [Fact]
    public void EveryKindOfRunFolderIsToldApart()
    {
        using var dir = new TempDirectory();
        var (train, test) = FashionMnist.LoadBoth(IdxWriter.WriteDataset(dir["data"], 96, 40), null, null);
        string runs = dir["runs"];

        Trainer.Run(Small, RunFolder.Create(Path.Combine(runs, "a-finished")), train, test, new Quiet());
        using (var cancel = new CancellationTokenSource())
            Assert.ThrowsAny<OperationCanceledException>(() =>
                Trainer.Run(Small with { LrSchedule = "cosine" }, RunFolder.Create(Path.Combine(runs, "b-stopped")), train, test, new CancelAfter(4, cancel), null, cancel.Token));
        using (var config = RunFolder.Create(Path.Combine(runs, "c-not-started")))
            config.WriteConfig(Small with { Model = "inception-v3" }, dir["data"]);
        Directory.CreateDirectory(Path.Combine(runs, "d-damaged"));
        File.WriteAllText(Path.Combine(runs, "d-damaged", "checkpoint.bin"), "not a checkpoint");
        // A comparison's entries, one level down; a folder of other things is left out.
        File.Copy(Path.Combine(runs, "a-finished", "checkpoint.bin"), Path.Combine(Directory.CreateDirectory(Path.Combine(runs, "e-compare", "googlenet")).FullName, "checkpoint.bin"));
        Directory.CreateDirectory(Path.Combine(runs, "f-notes"));
        File.WriteAllText(Path.Combine(runs, "f-notes", "notes.txt"), "mine");

        var listed = RunStatus.Find(runs);
        Assert.Equal(["a-finished", "b-stopped", "c-not-started", "d-damaged", Path.Combine("e-compare", "googlenet")],
            listed.Select(r => Path.GetRelativePath(runs, r.Folder)));
        var (finished, stopped, notStarted, damaged, entry) = (listed[0], listed[1], listed[2], listed[3], listed[4]);

        Assert.Equal(("googlenet", "finished", "2 of 2 epochs", "lr 0.1"), (finished.Model, finished.State, finished.Progress, finished.Lr));
        Assert.Equal(Checkpoint.Read(Path.Combine(runs, "a-finished", "checkpoint.bin")).Metadata.Epochs[^1].TestAcc, finished.TestAcc);
        Assert.Equal(("stopped", "epoch 2 of 2, step 1 of 3", "lr 0.1 with cosine decay", 1), (stopped.State, stopped.Progress, stopped.Lr, stopped.EpochsDone));
        Assert.Equal(("inception-v3", "not started", (string?)null, (int?)2), (notStarted.Model, notStarted.State, notStarted.Progress, notStarted.Epochs));
        Assert.Equal("unreadable", damaged.State);
        Assert.Contains("not a GoogLeNet.NET checkpoint", damaged.Problem);
        Assert.Equal("stopped", entry.State); // a copied checkpoint without its summary.json
        // Listing only reads: no run.lock where no run made one.
        foreach (string untouched in new[] { "d-damaged", Path.Combine("e-compare", "googlenet") })
            Assert.False(File.Exists(Path.Combine(runs, untouched, RunFolder.LockFile)), $"the listing wrote a lock file in {untouched}");

        // A process holding the folder's lock is training there, whatever its files say; the listing takes no lock itself.
        using (RunFolder.LockFolder(Path.Combine(runs, "b-stopped"), "run.lock", "training"))
            Assert.Equal("training", RunStatus.Of(Path.Combine(runs, "b-stopped")).State);
        Assert.Equal("stopped", RunStatus.Of(Path.Combine(runs, "b-stopped")).State);

        // A finished run extended with more epochs keeps its summary.json: stopped part-way, it is not finished.
        using (var cancel = new CancellationTokenSource())
            Assert.ThrowsAny<OperationCanceledException>(() =>
                Trainer.Run(Small with { Epochs = 3 }, RunFolder.Open(Path.Combine(runs, "a-finished")), train, test, new CancelAfter(1, cancel),
                    Checkpoint.Read(Path.Combine(runs, "a-finished", "checkpoint.bin")), cancel.Token));
        var extended = RunStatus.Of(Path.Combine(runs, "a-finished"));
        Assert.Equal(("stopped", "epoch 3 of 3, step 1 of 3"), (extended.State, extended.Progress));

        // One run folder given: that run alone.
        Assert.Equal("not started", Assert.Single(RunStatus.Find(Path.Combine(runs, "c-not-started"))).State);
        Assert.Equal($"{dir["nowhere"]}: folder not found", Assert.Throws<GoogLeNetException>(() => RunStatus.Find(dir["nowhere"])).Message);
    }
}
