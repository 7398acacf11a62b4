using System.CommandLine;
using GoogLeNet.Inference;
using GoogLeNet.Models;
using GoogLeNet.Training;

namespace GoogLeNet.Cli.Commands;

/// <summary>
/// The trained network a command works on: a training run's checkpoint (<c>--checkpoint RUN</c>) or the model that
/// ships with the tool (<c>--pretrained</c>), with what it records (input size, class names).
/// </summary>
internal sealed class ModelSource : IDisposable
{
    private ModelSource(Classifier model, int imageSize, IReadOnlyList<string> labels, string description, Checkpoint? checkpoint)
    {
        Model = model;
        ImageSize = imageSize;
        Labels = labels;
        Description = description;
        Checkpoint = checkpoint;
    }

    /// <summary>The network, its weights loaded, channels-last.</summary>
    public Classifier Model { get; }

    /// <summary>Side of the square input it was trained at.</summary>
    public int ImageSize { get; }

    /// <summary>The class names in the order of its outputs.</summary>
    public IReadOnlyList<string> Labels { get; }

    /// <summary>"googlenet-bn after epoch 10", "the shipped googlenet-bn": for the first line of a report.</summary>
    public string Description { get; }

    /// <summary>The checkpoint it was read from; null for the shipped model.</summary>
    public Checkpoint? Checkpoint { get; }

    public static Option<string> CheckpointOption() =>
        new("--checkpoint") { HelpName = "RUN", Description = "checkpoint.bin of a training run (or the run folder); or use --pretrained" };

    public static Option<bool> PretrainedOption() =>
        new("--pretrained") { Description = $"Use the model that ships with the tool (googlenet-bn trained on Fashion-MNIST; docs/pretrained.md) instead of a checkpoint" };

    /// <summary>Reads the source the options name: exactly one of them.</summary>
    /// <param name="checkpoint">The value of --checkpoint, or null.</param>
    /// <param name="pretrained">Whether --pretrained was given.</param>
    /// <param name="requireFits">Checks the checkpoint before its weights are loaded (for data of a fixed kind); null for none.</param>
    public static ModelSource Open(string? checkpoint, bool pretrained, Func<Checkpoint, Checkpoint>? requireFits = null)
    {
        if (checkpoint is not null && pretrained)
            throw new GoogLeNetException("--checkpoint and --pretrained both name a model; give one");
        if (pretrained)
        {
            var (model, info) = Pretrained.Load();
            return new ModelSource(model, info.ImageSize, info.Labels, $"the shipped {info.Model}", null);
        }
        if (checkpoint is null)
            throw new GoogLeNetException("no model given: pass --checkpoint RUN (a training run) or --pretrained (the model that ships with the tool)");
        var read = EvaluateCommand.ReadCheckpoint(checkpoint);
        if (requireFits is not null)
            read = requireFits(read);
        var m = read.Metadata;
        // A checkpoint at epoch 0 with no steps taken holds weights imported from another file, not trained here.
        string when = m.Epoch == 0 && m.InEpoch is null ? "(imported weights)" : m.When;
        return new ModelSource(read.CreateModel(), m.ImageSize, m.Labels, $"{m.Model} {when}", read);
    }

    public void Dispose() => Model.Dispose();
}
