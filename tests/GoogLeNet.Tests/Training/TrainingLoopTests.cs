using GoogLeNet.Data;
using GoogLeNet.Inference;
using GoogLeNet.Models;
using GoogLeNet.Tests.Data;
using GoogLeNet.Training;
using static TorchSharp.torch;

namespace GoogLeNet.Tests.Training;

/// <summary>The loop on its own, as a library caller builds it: a model instance, callbacks of the caller's own.</summary>
public class TrainingLoopTests
{
    private static readonly TrainOptions Small = new() { Epochs = 2, BatchSize = 32, Resize = 16, Seed = 5, Threads = 1, CheckpointMinutes = 0 };

    /// <summary>Writes down every hook it is called with, and where the run stood.</summary>
    private sealed class HookRecorder : ITrainingCallback
    {
        public List<string> Hooks { get; } = [];
        public Exception? Failure { get; private set; }
        public void OnRunStart(TrainingContext c) => Hooks.Add($"run start (epoch {c.State.Epoch} done)");
        public void OnEpochStart(TrainingContext c) => Hooks.Add($"epoch {c.Epoch} start at step {c.Step}");
        public void OnStepEnd(TrainingContext c, StepProgress s) => Hooks.Add($"step {s.Batch} of {s.Batches}");
        public void OnEvaluationStart(TrainingContext c) => Hooks.Add($"epoch {c.Epoch} evaluation");
        public void OnEpochEnd(TrainingContext c, EpochResult r) => Hooks.Add($"epoch {r.Epoch} end ({c.State.Epoch} done)");
        public void OnRunEnd(TrainingContext c, TrainingSummary s) => Hooks.Add($"run end ({s.Epochs} epochs)");
        public void OnStop(TrainingContext c) => Hooks.Add($"stop at {c.State.Position}");
        public void OnFailure(TrainingContext c, Exception e)
        {
            Hooks.Add("failure");
            Failure = e;
        }
    }

    /// <summary>Throws at a given step, as a callback of the caller's might.</summary>
    private sealed class ThrowAt(int step) : ITrainingCallback
    {
        public void OnStepEnd(TrainingContext context, StepProgress progress)
        {
            if (progress.Batch == step)
                throw new InvalidOperationException($"callback failed at step {step}");
        }
    }

    private static (ImageDataset Train, ImageDataset Test) Data(TempDirectory dir) =>
        FashionMnist.LoadBoth(IdxWriter.WriteDataset(dir["data"], 96, 40), null, null);

    private static ChapterGoogLeNet NewModel(int seed = 5)
    {
        manual_seed(seed);
        var model = new ChapterGoogLeNet(1, 10);
        Initialization.XavierUniform(model);
        return model;
    }

    [Fact]
    public void ACallbackSeesEveryHookInOrder()
    {
        using var dir = new TempDirectory();
        var (train, test) = Data(dir);
        using var model = NewModel();
        using var loop = new TrainingLoop(model, train, test, Small);
        var recorder = new HookRecorder();
        loop.Callbacks.Add(recorder);
        var summary = loop.Run();

        string[] epoch(int e) =>
            [$"epoch {e} start at step 0", "step 1 of 3", "step 2 of 3", "step 3 of 3", $"epoch {e} evaluation", $"epoch {e} end ({e} done)"];
        Assert.Equal(["run start (epoch 0 done)", .. epoch(1), .. epoch(2), "run end (2 epochs)"], recorder.Hooks);
        Assert.Equal("googlenet", summary.Model);
        Assert.Equal(2, loop.Context.State.Epochs.Count);
        Assert.Equal(2 * (3 + 1), loop.Context.State.History.Count);
    }

    [Fact]
    public void AStopCallsOnStopWithTheStateWhereItStoppedAndAFailureCallsOnFailure()
    {
        using var dir = new TempDirectory();
        var (train, test) = Data(dir);
        using (var model = NewModel())
        {
            using var loop = new TrainingLoop(model, train, test, Small);
            var recorder = new HookRecorder();
            using var cancel = new CancellationTokenSource();
            loop.Callbacks.Add(recorder);
            loop.Callbacks.Add(new CancelAfter(4, cancel));
            Assert.ThrowsAny<OperationCanceledException>(() => loop.Run(cancel.Token));
            // Cancelled after the fourth step (the first of epoch 2): the run stops before the fifth.
            Assert.Equal("stop at epoch 2, step 1 of 3", recorder.Hooks[^1]);
            Assert.DoesNotContain(recorder.Hooks, h => h.StartsWith("run end", StringComparison.Ordinal));
        }
        using (var model = NewModel())
        {
            using var loop = new TrainingLoop(model, train, test, Small);
            var recorder = new HookRecorder();
            loop.Callbacks.Add(new ThrowAt(2));
            loop.Callbacks.Add(recorder);
            var e = Assert.Throws<InvalidOperationException>(() => loop.Run());
            Assert.Equal(["run start (epoch 0 done)", "epoch 1 start at step 0", "step 1 of 3", "failure"], recorder.Hooks);
            Assert.Same(e, recorder.Failure);
        }
    }

    [Fact]
    public void AMomentumRunStoppedPartWayResumesToTheSameWeights()
    {
        using var dir = new TempDirectory();
        var (train, test) = Data(dir);
        var options = Small with { Lr = 0.05 };

        TrainingLoop Loop(Classifier model, string checkpoint)
        {
            var loop = new TrainingLoop(model, train, test, options, optim.SGD(model.parameters(), options.Lr, momentum: 0.9));
            loop.Callbacks.Add(new CheckpointSaver(checkpoint));
            return loop;
        }

        using var straight = NewModel();
        using (var loop = Loop(straight, dir["straight.bin"]))
            loop.Run();

        using (var stopped = NewModel())
        using (var loop = Loop(stopped, dir["split.bin"]))
        using (var cancel = new CancellationTokenSource())
        {
            loop.Callbacks.Add(new CancelAfter(4, cancel));
            Assert.ThrowsAny<OperationCanceledException>(() => loop.Run(cancel.Token));
        }
        var checkpoint = Checkpoint.Read(dir["split.bin"]);
        Assert.Equal("epoch 2, step 1 of 3", checkpoint.Metadata.Position);
        using var resumed = NewModel(seed: 99); // other initial weights: the checkpoint must replace them all
        using (var loop = Loop(resumed, dir["split.bin"]))
        {
            loop.Restore(checkpoint);
            loop.Run();
        }

        var expected = straight.state_dict();
        foreach (var (name, weight) in resumed.state_dict())
            Assert.True(weight.equal(expected[name]).all().item<bool>(), $"{name} differs");
    }

    [Fact]
    public void ALibraryRunsCheckpointGivesAPredictorItsSizeAndClassNames()
    {
        using var dir = new TempDirectory();
        var (train, test) = Data(dir);
        using (var model = NewModel())
        using (var loop = new TrainingLoop(model, train, test, Small with { Epochs = 1 }))
        {
            loop.Callbacks.Add(new CheckpointSaver(dir["checkpoint.bin"]));
            loop.Callbacks.Add(new MetricsCsvWriter(dir["metrics.csv"]));
            loop.Run();
            Assert.Equal(4, MetricsCsv.Parse(File.ReadAllText(dir["metrics.csv"])).Count);
            Assert.Equal(loop.Context.State.Epochs[0].TestAcc, Evaluator.Evaluate(model, test, imageSize: 16).Accuracy);
        }

        using var predictor = Predictor.FromCheckpoint(dir["checkpoint.bin"]);
        Assert.Equal(16, predictor.ImageSize);
        Assert.Equal(FashionMnist.ClassNames, predictor.Labels);
        string picture = Pictures.WritePicture(dir["grey.png"], 40, 30, SkiaSharp.SKColorType.Gray8, new SkiaSharp.SKColor(90, 90, 90));
        var scores = predictor.Predict(picture, top: 3);
        Assert.Equal(3, scores.Count);
        Assert.True(scores[0].Probability >= scores[1].Probability && scores[1].Probability >= scores[2].Probability);
        Assert.Equal(FashionMnist.ClassNames[scores[0].Index], scores[0].Label);
        Assert.InRange(predictor.Predict(picture, top: 100).Sum(s => s.Probability), 0.999, 1.001);
        Assert.Equal("Predictor.Predict(top) must be at least 1, got 0",
            Assert.Throws<InvalidSettingException>(() => predictor.Predict(picture, top: 0)).Message);
    }

    [Fact]
    public void AModelThatDoesNotFitTheDataOrOptionsOutOfRangeAreRefusedInCSharpTerms()
    {
        using var dir = new TempDirectory();
        var (train, test) = Data(dir);
        using var rgb = new ChapterGoogLeNet(3, 10);
        Assert.Equal("googlenet takes 3-channel images; the training data has 1 (grey)",
            Assert.Throws<InvalidSettingException>(() => new TrainingLoop(rgb, train, test, Small)).Message);
        using var model = NewModel();
        Assert.Equal("TrainOptions.Epochs must be at least 1, got 0",
            Assert.Throws<InvalidSettingException>(() => new TrainingLoop(model, train, test, Small with { Epochs = 0 })).Message);
    }
}
