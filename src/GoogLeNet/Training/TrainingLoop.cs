using System.Diagnostics;
using GoogLeNet.Analysis;
using GoogLeNet.Data;
using GoogLeNet.Models;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace GoogLeNet.Training;

/// <summary>The end of a run, as <c>summary.json</c> records it.</summary>
/// <param name="Model">The registered name of the network.</param>
/// <param name="Epochs">Epochs trained.</param>
/// <param name="TrainLoss">The last epoch's mean training loss.</param>
/// <param name="TrainAcc">The last epoch's training accuracy.</param>
/// <param name="TestAcc">The last epoch's test accuracy.</param>
/// <param name="ExamplesPerSec">Training images per second over the whole run, steps only.</param>
/// <param name="WallSeconds">The whole run's time, test passes included.</param>
/// <param name="Params">Parameters of the network.</param>
/// <param name="Precision">The arithmetic it trained in (<see cref="TrainOptions.Precision"/>).</param>
public sealed record TrainingSummary(string Model, int Epochs, double TrainLoss, double TrainAcc, double TestAcc,
    double ExamplesPerSec, double WallSeconds, long Params, Precision Precision = Precision.Fp32);

/// <summary>
/// The book's <c>train_ch6</c> as a loop with callbacks: mini-batch steps on the training data, running train loss
/// and accuracy per epoch, test accuracy after each epoch. The loop owns epochs, steps and cancellation; everything
/// around them (checkpoints, metrics, divergence, progress) is an <see cref="ITrainingCallback"/> in <see cref="Callbacks"/>.
/// </summary>
/// <remarks>
/// A run is a function of its options, its data and the state it starts from: the training order is reshuffled from
/// (seed, epoch), libtorch's generator is reseeded from them at every epoch, and part-way through an epoch the state
/// (<see cref="TrainingContext.State"/>) holds the generator's state, so a run restored from any checkpoint
/// (<see cref="Restore"/>) takes the same steps as one that was never stopped.
/// </remarks>
public sealed class TrainingLoop : IDisposable
{
    /// <summary>Plot points of the running training loss and accuracy per epoch, as in the book.</summary>
    public const int PointsPerEpoch = 5;

    private readonly ImageDataset _train;
    private readonly ImageDataset _test;
    private readonly Func<Tensor, Tensor, Tensor> _loss;
    private readonly int _microBatch;
    private readonly bool _ownsOptimizer;
    private readonly long _parameters;
    private readonly List<EpochResult> _epochs = [];
    private readonly List<MetricPoint> _history = [];
    private EpochProgress? _resumeAt;
    private bool _channelsLast;

    // The epoch in progress: its running sums and clocks (the time before a resume included).
    private bool _inEpoch;
    private double _lossSum;
    private long _correct;
    private long _seen;
    private double _trainBefore;
    private double _wallBefore;
    private readonly Stopwatch _steps = new();
    private readonly Stopwatch _wall = new();

    /// <summary>A loop that trains <paramref name="model"/> on <paramref name="train"/> and tests it on <paramref name="test"/> after every epoch.</summary>
    /// <param name="model">The network, initialised as the caller wants it (<see cref="Initialization.XavierUniform"/> is the book's); moved to the options' device here.</param>
    /// <param name="train">The training images.</param>
    /// <param name="test">The test images.</param>
    /// <param name="options">Epochs, batch size, input size, rate and the rest; the book's recipe when null.</param>
    /// <param name="optimizer">The optimiser of the model's parameters; SGD as the options say when null (<see cref="Optimizers.Sgd"/>). The loop sets its rate at every step as <see cref="TrainOptions.LrSchedule"/> says.</param>
    /// <param name="loss">The training loss of (logits, labels); the one <see cref="Losses.For"/> picks from the options when null. The test pass always reports plain cross-entropy.</param>
    /// <exception cref="InvalidSettingException">An option is out of range or does not fit the model (an input size it does not take, slices of a network with batch normalisation).</exception>
    public TrainingLoop(Classifier model, ImageDataset train, ImageDataset test, TrainOptions? options = null,
        OptimizerHelper? optimizer = null, Func<Tensor, Tensor, Tensor>? loss = null)
    {
        Options = (options ?? new TrainOptions()).CheckRanges();
        Model = model;
        ModelName = model.GetName();
        if (model.InChannels != train.Channels)
            throw new InvalidSettingException($"{ModelName} takes {model.InChannels}-channel images; the training data has {train.Channels} ({(train.Channels == 1 ? "grey" : "RGB")})");
        if (test.Channels != train.Channels)
            throw new InvalidSettingException($"the test images have {test.Channels} channels, the training images {train.Channels}");
        if (model.NumClasses != train.NumClasses)
            throw new InvalidSettingException($"{ModelName} was built for {model.NumClasses} classes; the training data has {train.NumClasses}");
        ModelSummary.Of(ModelName, model, Options.Resize, model.InChannels); // refuses an input size the network does not take
        _microBatch = SgdStep.Resolve(Options.MicroBatch, Options.BatchSize, model, ModelName);
        _train = train;
        _test = test;
        Device = Options.Device == "cuda" ? CUDA : CPU;
        model.to(Device);
        _ownsOptimizer = optimizer is null;
        Optimizer = optimizer ?? Optimizers.Sgd(model, Options);
        _loss = loss ?? Losses.For(Options);
        _parameters = model.parameters().Sum(p => p.numel());
        Context = new TrainingContext(this);
    }

    /// <summary>The network being trained.</summary>
    public Classifier Model { get; }

    /// <summary>The registered name of the network (its module name), as checkpoints record it.</summary>
    public string ModelName { get; }

    /// <summary>The optimiser that updates the weights.</summary>
    public OptimizerHelper Optimizer { get; }

    /// <summary>The options of the run, checked.</summary>
    public TrainOptions Options { get; }

    /// <summary>The device the network runs on.</summary>
    public Device Device { get; }

    /// <summary>The class names of the training data.</summary>
    public IReadOnlyList<string> ClassNames => _train.ClassNames;

    /// <summary>What the hooks are given; <see cref="TrainingContext.State"/> is the run's state at any moment.</summary>
    public TrainingContext Context { get; }

    /// <summary>The callbacks, called in this order at every hook.</summary>
    public IList<ITrainingCallback> Callbacks { get; } = new List<ITrainingCallback>();

    /// <summary>Steps in one epoch (the last, partial batch included, as in the book's loader).</summary>
    public int StepsPerEpoch => (_train.Count + Options.BatchSize - 1) / Options.BatchSize;

    internal int CurrentEpoch { get; private set; }

    internal int CurrentStep { get; private set; }

    /// <summary>
    /// Continues the run saved in <paramref name="checkpoint"/>: loads its weights, optimiser state and
    /// <see cref="TrainingState"/>. Call before <see cref="Run"/>.
    /// </summary>
    /// <exception cref="CheckpointException">The checkpoint is of another network, other inputs or classes, or was saved part-way through an epoch on other data.</exception>
    /// <exception cref="GoogLeNetException">The options differ from the checkpoint's in a way that would change the run (see <see cref="LearningRate.CheckResume"/>), or end before the epoch it is in.</exception>
    public void Restore(Checkpoint checkpoint)
    {
        var metadata = checkpoint.Metadata;
        if (!string.Equals(metadata.Model, ModelName, StringComparison.OrdinalIgnoreCase))
            throw new CheckpointException(checkpoint.Path, $"is a checkpoint of {metadata.Model}, not {ModelName}");
        checkpoint.RequireFits(Model.InChannels, _train.NumClasses, "this training data");
        LearningRate.CheckResume(metadata.Options, Options);
        checkpoint.RequireEpochsBeyond(Options.Epochs);
        // A checkpoint written part-way through an epoch continues from its step, on the same examples in the same order.
        if (metadata.InEpoch is { Examples: not 0 } inEpoch && inEpoch.Examples != _train.Count)
            throw new CheckpointException(checkpoint.Path, $"was saved part-way through an epoch on {inEpoch.Examples:N0} training images; this data has {_train.Count:N0}");
        checkpoint.LoadInto(Model);
        checkpoint.LoadOptimizer(Optimizer);
        _history.Clear();
        _history.AddRange(metadata.History);
        _epochs.Clear();
        _epochs.AddRange(metadata.Epochs);
        _resumeAt = metadata.InEpoch;
        Context.LastCheckpoint = new SavedCheckpoint(checkpoint.Path, metadata.Position);
    }

    /// <summary>Trains the epochs that are left, calling the callbacks' hooks; returns the run's summary.</summary>
    /// <param name="cancellationToken">Stops the run between two steps or during a test pass; the callbacks' <see cref="ITrainingCallback.OnStop"/> is called, then <see cref="OperationCanceledException"/> thrown.</param>
    public TrainingSummary Run(CancellationToken cancellationToken = default)
    {
        // Channels-last order: the same network, faster on the CPU (Runtime/ChannelsLast.cs). Done here, after any
        // Restore: weights are loaded in the plain order.
        if (Device.type == DeviceType.CPU && !_channelsLast)
        {
            Runtime.ChannelsLast.Apply(Model);
            _channelsLast = true;
        }
        using var trainBatches = new BatchSource(_train, Options.BatchSize, Options.Resize, shuffle: true, Options.Seed, Augmentation.Parse(Options.Augment));
        using var testBatches = new BatchSource(_test, Options.BatchSize, Options.Resize, shuffle: false, Options.Seed);
        try
        {
            Raise(c => c.OnRunStart(Context));
            for (int epoch = _epochs.Count; epoch < Options.Epochs; epoch++)
                RunEpoch(epoch, trainBatches, testBatches, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Raise(c => c.OnStop(Context));
            throw;
        }
        catch (Exception e)
        {
            Raise(c => c.OnFailure(Context, e));
            throw;
        }

        var last = _epochs[^1];
        var summary = new TrainingSummary(ModelName, _epochs.Count, last.TrainLoss, last.TrainAcc, last.TestAcc,
            _epochs.Sum(e => e.TrainExamples) / _epochs.Sum(e => e.TrainSeconds), _epochs.Sum(e => e.WallSeconds), _parameters, Options.Precision);
        Raise(c => c.OnRunEnd(Context, summary));
        return summary;
    }

    private void RunEpoch(int epoch, BatchSource trainBatches, BatchSource testBatches, CancellationToken cancellationToken)
    {
        int batches = StepsPerEpoch;
        int pointEvery = Math.Max(1, batches / PointsPerEpoch);
        long totalSteps = (long)Options.Epochs * batches;
        long warmupSteps = (long)Options.WarmupEpochs * batches;
        bool rateChanges = Options.LrSchedule != LearningRate.Constant || warmupSteps > 0;

        // Reseeding per epoch makes dropout and any other randomness a function of (seed, epoch),
        // so a resumed run repeats exactly what an uninterrupted one does.
        manual_seed(Options.Seed * 100_003L + epoch);
        var resumed = _resumeAt;
        _resumeAt = null;
        if (resumed is not null)
            SetRandomState(resumed.RandomState);
        Model.train();
        CurrentEpoch = epoch + 1;
        CurrentStep = resumed?.Steps ?? 0;
        _lossSum = resumed?.LossSum ?? 0;
        _correct = resumed?.Correct ?? 0;
        _seen = resumed?.Seen ?? 0;
        _trainBefore = resumed?.TrainSeconds ?? 0;
        _wallBefore = resumed?.WallSeconds ?? 0;
        _steps.Reset();
        _wall.Restart();
        _inEpoch = true;
        Raise(c => c.OnEpochStart(Context));

        foreach (var (x0, y0) in trainBatches.Epoch(epoch, skip: CurrentStep))
        {
            using var scope = NewDisposeScope();
            scope.Attach([x0, y0]);
            cancellationToken.ThrowIfCancellationRequested();
            _steps.Start();
            var x = _channelsLast ? Runtime.ChannelsLast.Of(x0) : x0.to(Device);
            var y = y0.to(Device);
            double rate = LearningRate.At(Options.LrSchedule, Options.Lr, (long)epoch * batches + CurrentStep, totalSteps, warmupSteps);
            foreach (var group in Optimizer.ParamGroups)
                group.LearningRate = rate;
            var step = SgdStep.Run(Model, Optimizer, x, y, _loss, _microBatch, precision: Options.Precision);
            _steps.Stop();

            int n = (int)y0.shape[0];
            _lossSum += step.Loss * n;
            _correct += step.Correct;
            _seen += n;
            CurrentStep++;
            if (CurrentStep % pointEvery == 0 || CurrentStep == batches)
                _history.Add(new MetricPoint(epoch + (double)CurrentStep / batches, _lossSum / _seen, (double)_correct / _seen, null));
            var progress = new StepProgress(CurrentEpoch, Options.Epochs, CurrentStep, batches, _lossSum / _seen, (double)_correct / _seen,
                _seen / (_trainBefore + _steps.Elapsed.TotalSeconds), rateChanges ? rate : null, step.Loss);
            Raise(c => c.OnStepEnd(Context, progress));
        }

        Raise(c => c.OnEvaluationStart(Context));
        var evaluation = Evaluator.Evaluate(Model, testBatches, _train.NumClasses, Device, cancellationToken, Options.Precision);
        _history.Add(new MetricPoint(epoch + 1, null, null, evaluation.Accuracy));
        var result = new EpochResult(epoch + 1, _lossSum / _seen, (double)_correct / _seen, evaluation.Loss, evaluation.Accuracy,
            _trainBefore + _steps.Elapsed.TotalSeconds, _seen, _wallBefore + _wall.Elapsed.TotalSeconds);
        _epochs.Add(result);
        _inEpoch = false;
        Raise(c => c.OnEpochEnd(Context, result));
    }

    /// <summary>The run's state now (<see cref="TrainingContext.State"/>).</summary>
    internal TrainingState Snapshot()
    {
        EpochProgress? progress = _inEpoch
            ? new EpochProgress(CurrentStep, StepsPerEpoch, _train.Count, _lossSum, _correct, _seen, _trainBefore + _steps.Elapsed.TotalSeconds,
                _wallBefore + _wall.Elapsed.TotalSeconds, GetRandomState())
            : _resumeAt;
        return new TrainingState(_epochs.Count, _epochs.ToList(), _history.ToList(), progress);
    }

    private void Raise(Action<ITrainingCallback> hook)
    {
        foreach (var callback in Callbacks)
            hook(callback);
    }

    /// <summary>
    /// The state of libtorch's CPU random generator, which dropout draws from. (On a GPU dropout draws from the CUDA
    /// generator, which is not saved: a CUDA run resumed part-way through an epoch would take other dropout masks.)
    /// </summary>
    private static byte[] GetRandomState()
    {
        using var generator = Generator.Default;
        using var state = generator.get_state();
        return state.data<byte>().ToArray();
    }

    private static void SetRandomState(byte[] bytes)
    {
        using var generator = Generator.Default;
        using var state = tensor(bytes, ScalarType.Byte);
        generator.set_state(state);
    }

    /// <summary>Releases the optimiser the loop made (not the model, nor an optimiser the caller passed in).</summary>
    public void Dispose()
    {
        if (_ownsOptimizer)
            Optimizer.Dispose();
    }
}
