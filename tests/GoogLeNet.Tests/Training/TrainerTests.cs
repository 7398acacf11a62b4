using GoogLeNet.Cli;
using GoogLeNet.Data;
using GoogLeNet.Tests.Data;
using GoogLeNet.Training;

namespace GoogLeNet.Tests.Training;

public class TrainerTests
{
    /// <summary>A run small enough for the suite: 96 synthetic images, 16x16 inputs.</summary>
    private static readonly TrainOptions Small = new() { Epochs = 2, BatchSize = 32, Resize = 16, Seed = 5, Threads = 1 };

    private sealed class Recorder : ITrainingCallback
    {
        public List<StepProgress> Steps { get; } = [];
        public List<EpochResult> Epochs { get; } = [];
        public void OnStepEnd(TrainingContext context, StepProgress progress) => Steps.Add(progress);
        public void OnEpochEnd(TrainingContext context, EpochResult result) => Epochs.Add(result);
    }

    /// <summary>The two runs wrote the same metrics.csv and end with the same weights, tensor for tensor.</summary>
    private static void AssertSameRun(RunFolder expected, RunFolder actual)
    {
        Assert.Equal(File.ReadAllText(expected.MetricsPath), File.ReadAllText(actual.MetricsPath));
        using var a = Checkpoint.Read(expected.CheckpointPath).CreateModel();
        using var b = Checkpoint.Read(actual.CheckpointPath).CreateModel();
        var weightsB = b.state_dict();
        foreach (var (name, weight) in a.state_dict())
            Assert.True(weight.equal(weightsB[name]).all().item<bool>(), $"{name} differs");
    }

    /// <summary>
    /// The run of <paramref name="options"/> twice: uninterrupted, and stopped in the middle of epoch 2 (after its second
    /// step, which writes the checkpoint there) and resumed from that checkpoint.
    /// </summary>
    private static (RunFolder Straight, RunFolder Split, Recorder StraightSteps, Recorder ResumedSteps) StraightAndResumedInEpoch2(
        TrainOptions options, TempDirectory dir, ImageDataset train, ImageDataset test)
    {
        var straight = RunFolder.Create(dir["straight"]);
        var straightSteps = new Recorder();
        Trainer.Run(options, straight, train, test, straightSteps);

        var split = RunFolder.Create(dir["split"]);
        using (var cancel = new CancellationTokenSource())
            Assert.ThrowsAny<OperationCanceledException>(() =>
                Trainer.Run(options, split, train, test, new CancelAfter(3 + 2, cancel), null, cancel.Token));
        var checkpoint = Checkpoint.Read(split.CheckpointPath);
        Assert.Equal(1, checkpoint.Metadata.Epoch);
        Assert.Equal("epoch 2, step 2 of 3", checkpoint.Metadata.Position);
        var resumedSteps = new Recorder();
        Trainer.Run(options, RunFolder.Open(split.Directory), train, test, resumedSteps, checkpoint);
        return (straight, split, straightSteps, resumedSteps);
    }

    private static (ImageDataset Train, ImageDataset Test) Data(TempDirectory dir) =>
        FashionMnist.LoadBoth(IdxWriter.WriteDataset(dir["data"], 96, 40), null, null);

    [Fact]
    public void ARunWritesItsFilesAndTheBooksPlotPoints()
    {
        using var dir = new TempDirectory();
        var (train, test) = Data(dir);
        var run = RunFolder.Create(dir["run"]);
        var recorder = new Recorder();
        var summary = Trainer.Run(Small, run, train, test, recorder);

        Assert.Equal(2, summary.Epochs);
        Assert.Equal(5_977_530, summary.Params);
        Assert.True(summary.ExamplesPerSec > 0);
        Assert.Equal(2 * 3, recorder.Steps.Count); // 96 / 32 batches per epoch
        Assert.True(File.Exists(run.CheckpointPath));
        using (var written = System.Text.Json.JsonDocument.Parse(File.ReadAllText(run.SummaryPath)))
        {
            Assert.Equal(2, written.RootElement.GetProperty("epochs").GetInt32());
            Assert.Equal(5_977_530, written.RootElement.GetProperty("params").GetInt64());
            Assert.Equal(summary.TestAcc, written.RootElement.GetProperty("test_acc").GetDouble());
            Assert.Equal(summary.TrainLoss, written.RootElement.GetProperty("train_loss").GetDouble());
        }
        var points = MetricsCsv.Parse(File.ReadAllText(run.MetricsPath));
        // Three batches per epoch: a train point after each (every max(1, 3 / 5) batches) and one test point.
        Assert.Equal(2 * (3 + 1), points.Count);
        Assert.Equal([1.0 / 3, 2.0 / 3, 1.0, 1.0], points.Take(4).Select(p => p.Epoch));
        Assert.Equal(summary.TestAcc, points[^1].TestAcc);
        Assert.Equal(recorder.Epochs[^1].TrainLoss, summary.TrainLoss);
    }

    [Theory]
    [InlineData("constant")]
    [InlineData("cosine")]
    public void AResumedRunEndsExactlyLikeAnUninterruptedOne(string schedule)
    {
        using var dir = new TempDirectory();
        var (train, test) = Data(dir);
        var options = Small with { LrSchedule = schedule };
        var (straight, split, straightSteps, resumedSteps) = StraightAndResumedInEpoch2(options, dir, train, test);

        AssertSameRun(straight, split);

        // The rates the optimiser held, read back from it: the schedule's over all six steps, and the same
        // for the resumed epoch as for the uninterrupted one.
        if (schedule == "constant")
            Assert.All(straightSteps.Steps, step => Assert.Null(step.LearningRate));
        else
            Assert.Equal(Enumerable.Range(0, 6).Select(t => (double?)LearningRate.At(schedule, 0.1, t, 6)), straightSteps.Steps.Select(step => step.LearningRate));
        Assert.Equal(straightSteps.Steps.Skip(5).Select(step => step.LearningRate), resumedSteps.Steps.Select(step => step.LearningRate));
        // The running loss and accuracy of the epoch carry on from the saved sums.
        Assert.Equal(straightSteps.Steps[^1], Assert.Single(resumedSteps.Steps) with { ImagesPerSecond = straightSteps.Steps[^1].ImagesPerSecond });
    }

    [Fact]
    public void AnAugmentedRunWithMomentumWeightDecayAndWarmUpResumesExactly()
    {
        using var dir = new TempDirectory();
        var (train, test) = Data(dir);
        var options = Small with
        {
            LrSchedule = "cosine", Momentum = 0.9, Nesterov = true, WeightDecay = 5e-4, WarmupEpochs = 1, Augment = "crop,flip,erase",
        };
        var (straight, split, straightSteps, _) = StraightAndResumedInEpoch2(options, dir, train, test);

        AssertSameRun(straight, split);
        // Three warm-up steps rising to 0.1, then the cosine over the three that remain.
        double[] rates = [0.1 / 3, 0.2 / 3, 0.1, 0.1, 0.075, 0.025];
        Assert.Equal(rates.Length, straightSteps.Steps.Count);
        Assert.All(rates.Zip(straightSteps.Steps), p => Assert.Equal(p.First, p.Second.LearningRate!.Value, 1e-12));
        // Augmentation changes what is learned: the same run without it ends elsewhere.
        var plain = RunFolder.Create(dir["plain"]);
        Trainer.Run(options with { Augment = "" }, plain, train, test, new Recorder());
        Assert.NotEqual(File.ReadAllText(straight.MetricsPath), File.ReadAllText(plain.MetricsPath));
    }

    [LinuxFact]
    public void ABf16RunResumesExactlyAndItsCheckpointStaysFloat32()
    {
        using var dir = new TempDirectory();
        var (train, test) = Data(dir);
        var options = Small with { Precision = Precision.Bf16, Momentum = 0.9 };
        var (straight, split, _, _) = StraightAndResumedInEpoch2(options, dir, train, test);

        AssertSameRun(straight, split);
        using var model = Checkpoint.Read(straight.CheckpointPath).CreateModel();
        Assert.All(model.state_dict().Values.Where(t => t.is_floating_point()), t => Assert.Equal(TorchSharp.torch.ScalarType.Float32, t.dtype));
        using (var summary = System.Text.Json.JsonDocument.Parse(File.ReadAllText(straight.SummaryPath)))
            Assert.Equal("bf16", summary.RootElement.GetProperty("precision").GetString());
        // Not the float32 run: the same options in float32 end elsewhere.
        var plain = RunFolder.Create(dir["fp32"]);
        Trainer.Run(options with { Precision = Precision.Fp32 }, plain, train, test, new Recorder());
        Assert.NotEqual(File.ReadAllText(straight.MetricsPath), File.ReadAllText(plain.MetricsPath));
    }

    [Fact]
    public void ACheckpointOfTheFormatBeforeResumesToTheSameResult()
    {
        using var dir = new TempDirectory();
        var (train, test) = Data(dir);
        var straight = RunFolder.Create(dir["straight"]);
        Trainer.Run(Small, straight, train, test, new Recorder());

        // One epoch, its checkpoint rewritten as the version before within-epoch checkpoints wrote it, then the second epoch.
        var split = RunFolder.Create(dir["split"]);
        Trainer.Run(Small with { Epochs = 1 }, split, train, test, new Recorder());
        CheckpointTests.RewriteAsFormat1(split.CheckpointPath);
        var old = Checkpoint.Read(split.CheckpointPath);
        Assert.Equal(1, old.Metadata.Format);
        Trainer.Run(Small, RunFolder.Open(split.Directory), train, test, new Recorder(), old);

        AssertSameRun(straight, split);
    }

    [Fact]
    public void ACrashPartWayThroughAnEpochLosesOnlyTheStepsSinceTheLastTimedCheckpoint()
    {
        using var dir = new TempDirectory();
        var (train, test) = Data(dir);
        // A loss that draws from libtorch's random generator, as dropout does: a resume that did not restore the
        // generator's state would take other steps.
        int calls = 0;
        bool crash = false;
        TorchSharp.torch.Tensor Noisy(TorchSharp.torch.Tensor logits, TorchSharp.torch.Tensor target)
        {
            if (crash && ++calls == 5)
                throw new InvalidOperationException("simulated crash");
            using var noise = TorchSharp.torch.rand(1);
            return TorchSharp.torch.nn.functional.cross_entropy(logits, target) * (1 + noise);
        }
        var straight = RunFolder.Create(dir["straight"]);
        Trainer.Run(Small, straight, train, test, new Recorder(), null, default, Noisy);

        // A checkpoint after every step (any time is past the interval), then a crash in the fifth step (epoch 2, step 2).
        var options = Small with { CheckpointMinutes = 1e-9 };
        var split = RunFolder.Create(dir["split"]);
        crash = true;
        Assert.Throws<InvalidOperationException>(() => Trainer.Run(options, split, train, test, new Recorder(), null, default, Noisy));
        var checkpoint = Checkpoint.Read(split.CheckpointPath);
        Assert.Equal("epoch 2, step 1 of 3", checkpoint.Metadata.Position);
        crash = false;
        var resumed = new Recorder();
        Trainer.Run(options, RunFolder.Open(split.Directory), train, test, resumed, checkpoint, default, Noisy);

        Assert.Equal(2, resumed.Steps.Count);
        AssertSameRun(straight, split);
    }

    [Fact]
    public void TheCosineScheduleChangesTheStepsFromItsSecondRateOn()
    {
        using var dir = new TempDirectory();
        var (train, test) = Data(dir);
        var constant = new Recorder();
        Trainer.Run(Small, RunFolder.Create(dir["constant"]), train, test, constant);
        var cosine = new Recorder();
        Trainer.Run(Small with { LrSchedule = "cosine" }, RunFolder.Create(dir["cosine"]), train, test, cosine);

        // Both take their first step at 0.1, so the running losses of the first two steps agree; the second
        // step is cosine's first at a lower rate, which the third step's loss shows.
        Assert.Equal(constant.Steps[0].Loss, cosine.Steps[0].Loss);
        Assert.Equal(constant.Steps[1].Loss, cosine.Steps[1].Loss);
        Assert.NotEqual(constant.Steps[2].Loss, cosine.Steps[2].Loss);
    }

    [Fact]
    public void AKillJustAfterTheLastCheckpointIsFinishedByResume()
    {
        using var dir = new TempDirectory();
        var (train, test) = Data(dir);
        var run = RunFolder.Create(dir["run"]);
        Trainer.Run(Small, run, train, test, new Recorder());
        string metrics = File.ReadAllText(run.MetricsPath);
        string summary = File.ReadAllText(run.SummaryPath);

        // Killed between checkpoint.bin and metrics.csv of the last epoch: metrics.csv still ends at epoch 1
        // (three train points and a test point), and there is no summary.json.
        File.WriteAllLines(run.MetricsPath, File.ReadAllLines(run.MetricsPath).Take(1 + 4));
        File.Delete(run.SummaryPath);
        var recorder = new Recorder();
        Trainer.Run(Small, RunFolder.Open(run.Directory), train, test, recorder, Checkpoint.Read(run.CheckpointPath));

        Assert.Empty(recorder.Steps);
        Assert.Equal(metrics, File.ReadAllText(run.MetricsPath));
        Assert.Equal(summary, File.ReadAllText(run.SummaryPath));
    }

    [Fact]
    public void ANonFiniteLossStopsTheRunAndKeepsTheLastCheckpoint()
    {
        using var dir = new TempDirectory();
        var (train, test) = Data(dir);
        var run = RunFolder.Create(dir["run"]);
        Trainer.Run(Small with { Epochs = 1 }, run, train, test, new Recorder());
        byte[] good = File.ReadAllBytes(run.CheckpointPath);
        string metrics = File.ReadAllText(run.MetricsPath);

        // A loss that turns NaN at the second step of epoch 2, as the book's one diverged build did.
        int calls = 0;
        TorchSharp.torch.Tensor Poisoned(TorchSharp.torch.Tensor logits, TorchSharp.torch.Tensor target)
        {
            var plain = TorchSharp.torch.nn.functional.cross_entropy(logits, target);
            return ++calls == 2 ? plain * float.NaN : plain;
        }
        var recorder = new Recorder();
        var e = Assert.Throws<TrainingDivergedException>(() =>
            Trainer.Run(Small, RunFolder.Open(run.Directory), train, test, recorder, Checkpoint.Read(run.CheckpointPath), default, Poisoned));
        Assert.Equal(3, ErrorReport.ExitCode(e));
        Assert.StartsWith("training diverged: the loss became NaN at epoch 2, step 2 of 3; try a lower learning rate (e.g. --lr 0.05); the last good checkpoint (epoch 1) is kept in ", ErrorReport.InOptionNames(e.Message));
        Assert.DoesNotContain("\n", e.Message);
        Assert.Single(recorder.Steps);
        Assert.Equal(good, File.ReadAllBytes(run.CheckpointPath));
        Assert.Equal(metrics, File.ReadAllText(run.MetricsPath));
    }

    [Fact]
    public void AnEpochSavedPartWayIsNotResumedWithTooFewEpochsOrOnOtherData()
    {
        using var dir = new TempDirectory();
        var (train, test) = Data(dir);
        var run = RunFolder.Create(dir["run"]);
        using (var cancel = new CancellationTokenSource())
            Assert.ThrowsAny<OperationCanceledException>(() => Trainer.Run(Small, run, train, test, new CancelAfter(4, cancel), null, cancel.Token));
        var checkpoint = Checkpoint.Read(run.CheckpointPath);
        Assert.Equal("epoch 2, step 1 of 3", checkpoint.Metadata.Position);

        string metrics = File.ReadAllText(run.MetricsPath);
        var fewer = Assert.Throws<GoogLeNetException>(() =>
            Trainer.Run(Small with { Epochs = 1 }, RunFolder.Open(run.Directory), train, test, new Recorder(), checkpoint));
        Assert.Equal($"--epochs 1: the run has trained part of epoch 2 already ({run.CheckpointPath} is at epoch 2, step 1 of 3); pass --epochs 2 or more", ErrorReport.InOptionNames(fewer.Message));
        Assert.Equal(metrics, File.ReadAllText(run.MetricsPath)); // refused before anything is written
        // 95 images make as many batches of 32 as 96, but shuffle otherwise: the steps left would not be the ones not yet taken.
        var (other, _) = FashionMnist.LoadBoth(IdxWriter.WriteDataset(dir["other"], 95, 40), null, null);
        var e = Assert.Throws<CheckpointException>(() =>
            Trainer.Run(Small, RunFolder.Open(run.Directory), other, test, new Recorder(), checkpoint));
        Assert.Equal($"{run.CheckpointPath}: was saved part-way through an epoch on 96 training images; this data has 95", e.Message);
    }

    [Fact]
    public void WeightsAStepMadeNonFiniteStopTheRunBeforeTheyAreSaved()
    {
        using var dir = new TempDirectory();
        var (train, test) = Data(dir);
        // The fifth step's loss is finite, but its gradient is not (the square root of |x - x|, 0, has an infinite slope), so
        // the weights that step leaves are NaN: the checkpoint due after it (one after every step here) stops the run instead.
        int calls = 0;
        TorchSharp.torch.Tensor Overflowing(TorchSharp.torch.Tensor logits, TorchSharp.torch.Tensor target)
        {
            var plain = TorchSharp.torch.nn.functional.cross_entropy(logits, target);
            return ++calls == 5 ? plain + (logits - logits.detach()).abs().sum().sqrt() : plain;
        }
        var run = RunFolder.Create(dir["run"]);
        var e = Assert.Throws<TrainingDivergedException>(() =>
            Trainer.Run(Small with { CheckpointMinutes = 1e-9 }, run, train, test, new Recorder(), null, default, Overflowing));
        Assert.StartsWith("training diverged: the weights became non-finite at epoch 2, step 2 of 3; ", e.Message);
        Assert.Contains($"the last good checkpoint (epoch 2, step 1 of 3) is kept in {run.CheckpointPath}", e.Message);
        using var model = Checkpoint.Read(run.CheckpointPath).CreateModel();
        Assert.All(model.parameters(), p => Assert.True(TorchSharp.torch.isfinite(p).all().item<bool>()));

        // The same at an epoch's end, without checkpoints within it: the third step is epoch 1's last.
        calls = 2;
        var atEnd = Assert.Throws<TrainingDivergedException>(() =>
            Trainer.Run(Small with { CheckpointMinutes = 0 }, RunFolder.Create(dir["end"]), train, test, new Recorder(), null, default, Overflowing));
        Assert.Equal("training diverged: the weights became non-finite at epoch 1, step 3 of 3; try a lower learning rate (e.g. --lr 0.05); no checkpoint had been written yet", ErrorReport.InOptionNames(atEnd.Message));
        Assert.False(File.Exists(Path.Combine(dir["end"], "checkpoint.bin")));
    }

    [Fact]
    public void CancellationStopsWithinAStepAndSavesTheRunUpToIt()
    {
        using var dir = new TempDirectory();
        var (train, test) = Data(dir);
        var run = RunFolder.Create(dir["run"]);
        using var cancel = new CancellationTokenSource();
        var observer = new CancelAfter(4, cancel);
        Assert.ThrowsAny<OperationCanceledException>(() => Trainer.Run(Small, run, train, test, observer, null, cancel.Token));
        Assert.Equal(4, observer.Steps);
        Assert.Equal("epoch 2, step 1 of 3", Checkpoint.Read(run.CheckpointPath).Metadata.Position);

        // Stopped again at once after resuming, before any step: the checkpoint is left as it was.
        byte[] saved = File.ReadAllBytes(run.CheckpointPath);
        using var already = new CancellationTokenSource();
        already.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() =>
            Trainer.Run(Small, RunFolder.Open(run.Directory), train, test, new Recorder(), Checkpoint.Read(run.CheckpointPath), already.Token));
        Assert.Equal(saved, File.ReadAllBytes(run.CheckpointPath));
    }

    [Fact]
    public void ARunFolderWithACheckpointIsNotOverwritten()
    {
        using var dir = new TempDirectory();
        var (train, test) = Data(dir);
        var run = RunFolder.Create(dir["run"]);
        Trainer.Run(Small with { Epochs = 1 }, run, train, test, new Recorder());
        Assert.Contains("--resume", Assert.Throws<GoogLeNetException>(() => RunFolder.Create(dir["run"])).Message);
    }

    [Fact]
    public void AFolderOfOtherFilesOrOfARunInProgressIsRefusedAndAStoppedFirstEpochsIsReused()
    {
        using var dir = new TempDirectory();
        Directory.CreateDirectory(dir["mine"]);
        File.WriteAllText(Path.Combine(dir["mine"], "notes.txt"), "keep me");
        var foreign = Assert.Throws<GoogLeNetException>(() => RunFolder.Create(dir["mine"]));
        Assert.Contains("holds other files (notes.txt)", foreign.Message);
        Assert.Equal("keep me", File.ReadAllText(Path.Combine(dir["mine"], "notes.txt")));

        // A run stopped in its first epoch left config.json, metrics.csv and the lock file: the same command may start again.
        var first = RunFolder.Create(dir["run"]);
        first.WriteConfig(Small, dir.Path);
        File.WriteAllText(first.MetricsPath, "epoch,train_loss,train_acc,test_acc\n");
        // From Create on, before its training starts, the folder is the first run's.
        Assert.Contains("another googlenet process", Assert.Throws<RunFolderInUseException>(() => RunFolder.Create(dir["run"])).Message);
        using (first.Lock()) // the training takes the lock over ...
            Assert.Contains("another googlenet process", Assert.Throws<RunFolderInUseException>(() => RunFolder.Create(dir["run"])).Message);
        Assert.Equal(first.Directory, RunFolder.Create(dir["run"]).Directory); // ... and releases it when it ends
    }

    [Fact]
    public void ARecordedDataFolderThatIsGoneIsRefusedUnlessItCanBeLookedForAgain()
    {
        using var dir = new TempDirectory();
        using var run = RunFolder.Create(dir["run"]);
        run.WriteConfig(Small, dir["data"]); // never made
        Assert.Contains($"{dir["data"]}: the data folder this run was trained on is gone",
            Assert.Throws<GoogLeNetException>(() => run.RecordedDataDirectory()).Message);
        // Runs from before full paths were recorded: a relative path says nothing from another folder.
        File.WriteAllText(run.ConfigPath, """{"data": "data-of-an-older-run"}""");
        Assert.Null(run.RecordedDataDirectory());
        Directory.CreateDirectory(dir["data"]);
        run.WriteConfig(Small, dir["data"]);
        Assert.Equal(dir["data"], run.RecordedDataDirectory());
    }

    [Fact]
    public void DefaultNamesTakenAlreadyGetANumber()
    {
        using var dir = new TempDirectory();
        string stem = dir["runs/googlenet-20261128-134700"];
        using var first = RunFolder.CreateNew(stem);
        Assert.Equal(stem, first.Directory);
        using var second = RunFolder.CreateNew(stem); // the same second, while the first is still being trained
        Assert.Equal($"{stem}-2", second.Directory);
        using var third = RunFolder.CreateNew(stem);
        Assert.Equal($"{stem}-3", third.Directory);
        File.WriteAllText(dir["runs/compare-x"], "a file");
        Assert.Equal(dir["runs/compare-x-2"], RunFolder.FreeName(dir["runs/compare-x"]));
    }

    [Fact]
    public void MemoryStaysFlatAcrossEpochs()
    {
        using var dir = new TempDirectory();
        var (train, test) = Data(dir);
        long LiveAfter(int epochs, string name)
        {
            long before = TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount;
            Trainer.Run(Small with { Epochs = epochs }, RunFolder.Create(dir[name]), train, test, new Recorder());
            return TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount - before;
        }
        // TorchSharp 0.107.0 leaves one tensor per disposed Conv2d (57 for this network) whatever the run's
        // length; what matters is that nothing accumulates per step or per epoch.
        long oneEpoch = LiveAfter(1, "one");
        long fourEpochs = LiveAfter(4, "four");
        Assert.Equal(oneEpoch, fourEpochs);
        Assert.True(oneEpoch <= 2 * 58, $"{oneEpoch} tensors left alive by one run");
    }

    [FashionMnistFact]
    public void TheLossFallsOnRealFashionMnist()
    {
        // The chapter's plain network sits on a plateau near ln 10 for its first ~200 steps at lr 0.1
        // (so does the same network in PyTorch), too long for the suite; with batch norm the same
        // pipeline learns within one epoch of 1,024 images.
        using var dir = new TempDirectory();
        var (train, test) = FashionMnist.LoadBoth(FashionMnist.SystemDirectory, 1024, 256);
        var recorder = new Recorder();
        var options = new TrainOptions { Model = "googlenet-bn", Epochs = 2, BatchSize = 32, Resize = 28, Seed = 1 };
        var summary = Trainer.Run(options, RunFolder.Create(dir["run"]), train, test, recorder);
        Assert.True(recorder.Epochs[^1].TrainLoss < recorder.Epochs[0].TrainLoss - 0.3,
            $"train loss went from {recorder.Epochs[0].TrainLoss:F3} to {recorder.Epochs[^1].TrainLoss:F3}");
        Assert.True(recorder.Steps[^1].Loss < 1.8, $"last running loss {recorder.Steps[^1].Loss:F3}");
        Assert.True(summary.TestAcc > 0.4, $"test accuracy {summary.TestAcc:F3}");
    }
}
