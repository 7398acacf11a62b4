using GoogLeNet.Data;
using GoogLeNet.Tests.Data;
using GoogLeNet.Training;

namespace GoogLeNet.Tests.Training;

public class ComparisonTests
{
    private static readonly TrainOptions Small = new() { Epochs = 2, BatchSize = 32, Resize = 16, Seed = 3, Threads = 1 };

    private static readonly ComparisonEntry[] Entries =
        [ComparisonEntry.Parse("googlenet-bn"), ComparisonEntry.Parse("googlenet-bn:ls=0.1")];

    /// <summary>Cancels the comparison at the given step of the given entry (counting from 1).</summary>
    private sealed class StopAt(string label, int step, CancellationTokenSource cancel)
    {
        public List<(string Label, int? ResumedAfter)> Started { get; } = [];

        public ITrainingCallback For(ComparisonEntry entry, RunFolder run, Checkpoint? checkpoint)
        {
            Started.Add((entry.Label, checkpoint?.Metadata.Epoch));
            return entry.Label == label ? new CancelAfter(step, cancel) : new Quiet();
        }
    }

    [Fact]
    public void AnInterruptedComparisonKeepsWhatFinishedAndEndsLikeAnUninterruptedOne()
    {
        using var dir = new TempDirectory();
        var (train, test) = FashionMnist.LoadBoth(IdxWriter.WriteDataset(dir["data"], 96, 40), null, null);
        var straight = Comparison.Run(Entries, Small, dir["straight"], train, test, (_, _, _) => new Quiet());

        // Stopped at the second step of the second entry's second epoch (three steps an epoch).
        using var cancel = new CancellationTokenSource();
        var first = new StopAt("googlenet-bn:ls=0.1", 3 + 2, cancel);
        Assert.ThrowsAny<OperationCanceledException>(() =>
            Comparison.Run(Entries, Small, dir["split"], train, test, first.For, cancel.Token));
        var kept = new List<string>();
        var second = new StopAt("none", 0, cancel);
        var resumed = Comparison.Run(Entries, Small, dir["split"], train, test, second.For, default, resume: true,
            kept: (entry, _) => kept.Add(entry.Label));

        Assert.Equal(["googlenet-bn"], kept);
        Assert.Equal([("googlenet-bn:ls=0.1", (int?)1)], second.Started);
        Assert.Equal(straight.Select(r => (r.Label, r.Status, r.TrainLoss, r.TrainAcc, r.TestAcc)),
            resumed.Select(r => (r.Label, r.Status, r.TrainLoss, r.TrainAcc, r.TestAcc)));
        Assert.Equal(straight.Select(r => r.TestAccPerEpoch), resumed.Select(r => r.TestAccPerEpoch));
        Assert.All(resumed, r => Assert.Equal(2, r.TestAccPerEpoch.Count));
    }

    [Fact]
    public void AnEntryThatDivergedIsKeptAsDivergedOnResume()
    {
        using var dir = new TempDirectory();
        var (train, test) = FashionMnist.LoadBoth(IdxWriter.WriteDataset(dir["data"], 64, 16), null, null);
        var options = Small with { Epochs = 1 };
        // A loss that turns NaN at the second step, as a diverging run's does.
        int calls = 0;
        TorchSharp.torch.Tensor Poisoned(TorchSharp.torch.Tensor logits, TorchSharp.torch.Tensor target)
        {
            var plain = TorchSharp.torch.nn.functional.cross_entropy(logits, target);
            return ++calls == 2 ? plain * float.NaN : plain;
        }
        var first = Comparison.Run([Entries[0]], options, dir["cmp"], train, test, (_, _, _) => new Quiet(), loss: Poisoned);
        Assert.Equal("diverged (training diverged: the loss became NaN at epoch 1, step 2 of 2)", first[0].Status);

        var trained = new StopAt("none", 0, new CancellationTokenSource());
        var kept = new List<ComparisonRow>();
        var again = Comparison.Run([Entries[0]], options, dir["cmp"], train, test, trained.For, default, resume: true,
            kept: (_, row) => kept.Add(row));
        Assert.Empty(trained.Started);
        Assert.Equal(first[0], Assert.Single(kept), RowComparer);
        Assert.Equal(first[0], again[0], RowComparer);
    }

    /// <summary>Reads the listing of <c>googlenet runs</c> at the first step of the run it observes.</summary>
    private sealed class ListAtFirstStep(string directory) : ITrainingCallback
    {
        public IReadOnlyList<RunStatus>? Listed { get; private set; }

        public void OnStepEnd(TrainingContext context, StepProgress progress) => Listed ??= RunStatus.Find(directory);
    }

    [Fact]
    public void AnEntryIsListedWithItsModelAndDataBeforeItsFirstCheckpoint()
    {
        using var dir = new TempDirectory();
        var (train, test) = FashionMnist.LoadBoth(IdxWriter.WriteDataset(dir["data"], 64, 16), null, null);
        var listing = new ListAtFirstStep(dir["cmp"]);
        Comparison.Run([Entries[1]], Small with { Epochs = 1 }, dir["cmp"], train, test, (_, _, _) => listing, dataDirectory: dir["data"]);

        var entry = Assert.Single(listing.Listed!);
        Assert.Equal(("googlenet-bn", "training", null), (entry.Model, entry.State, entry.Progress));
        var config = RunFolder.ReadConfig(Path.Combine(entry.Folder, RunFolder.ConfigFile));
        Assert.Equal(Path.GetFullPath(dir["data"]), config!.Data);
        Assert.Equal(0.1, config.Options!.LabelSmoothing);
    }

    private static readonly IEqualityComparer<ComparisonRow> RowComparer = EqualityComparer<ComparisonRow>.Create(
        (a, b) => a!.Label == b!.Label && a.Status == b.Status && a.WallSeconds == b.WallSeconds && a.TestAccPerEpoch.SequenceEqual(b.TestAccPerEpoch));
}
