using GoogLeNet.Models;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace GoogLeNet.Training;

/// <summary>A checkpoint that has been written: where, and where the run stood in it.</summary>
/// <param name="Path">The checkpoint file.</param>
/// <param name="Position">Where the run stood: "epoch 3", "epoch 4, step 120 of 469".</param>
public sealed record SavedCheckpoint(string Path, string Position);

/// <summary>What every hook of an <see cref="ITrainingCallback"/> is given: the run, its parts and where it stands now.</summary>
public sealed class TrainingContext
{
    private readonly TrainingLoop _loop;

    internal TrainingContext(TrainingLoop loop) => _loop = loop;

    /// <summary>The network being trained.</summary>
    public Classifier Model => _loop.Model;

    /// <summary>The registered name of the network, as checkpoints record it.</summary>
    public string ModelName => _loop.ModelName;

    /// <summary>The optimiser that updates the weights.</summary>
    public OptimizerHelper Optimizer => _loop.Optimizer;

    /// <summary>The options of the run.</summary>
    public TrainOptions Options => _loop.Options;

    /// <summary>The class names of the training data, in the order of the network's outputs.</summary>
    public IReadOnlyList<string> ClassNames => _loop.ClassNames;

    /// <summary>The device the network runs on.</summary>
    public Device Device => _loop.Device;

    /// <summary>1-based number of the epoch in progress (or last finished, after <see cref="ITrainingCallback.OnEpochEnd"/>).</summary>
    public int Epoch => _loop.CurrentEpoch;

    /// <summary>Steps taken in the epoch in progress.</summary>
    public int Step => _loop.CurrentStep;

    /// <summary>Steps in a whole epoch.</summary>
    public int StepsPerEpoch => _loop.StepsPerEpoch;

    /// <summary>
    /// The state a resume needs, as of now: part-way through an epoch it includes the epoch's running sums and the state
    /// of libtorch's random generator, so a checkpoint of it continues exactly where the run is.
    /// </summary>
    public TrainingState State => _loop.Snapshot();

    /// <summary>The last checkpoint written in this run or the one it resumed from; null when there is none yet. Set by whoever writes checkpoints.</summary>
    public SavedCheckpoint? LastCheckpoint { get; set; }
}
