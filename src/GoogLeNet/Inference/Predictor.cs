using GoogLeNet.Data;
using GoogLeNet.Models;
using GoogLeNet.Training;
using static TorchSharp.torch;

namespace GoogLeNet.Inference;

/// <summary>One class and its probability.</summary>
/// <param name="Label">The class's name.</param>
/// <param name="Index">The class's number, the index of its output.</param>
/// <param name="Probability">Its softmax probability, 0 to 1.</param>
public sealed record ClassScore(string Label, int Index, double Probability);

/// <summary>Classifies grey pictures with a trained model, preprocessed as in training (resized to its input size, scaled to [0, 1]).</summary>
public sealed class Predictor : IDisposable
{
    private readonly Classifier _model;
    private readonly bool _ownsModel;

    /// <summary>A predictor of <paramref name="model"/>, which stays the caller's.</summary>
    /// <param name="model">A trained network.</param>
    /// <param name="imageSize">Side of the square input it was trained at.</param>
    /// <param name="labels">The classes' names, in the order of its outputs.</param>
    public Predictor(Classifier model, int imageSize, IReadOnlyList<string> labels) : this(model, imageSize, labels, ownsModel: false)
    {
    }

    private Predictor(Classifier model, int imageSize, IReadOnlyList<string> labels, bool ownsModel)
    {
        _model = model;
        _ownsModel = ownsModel;
        ImageSize = imageSize;
        Labels = labels;
    }

    /// <summary>
    /// A predictor of the network saved in a checkpoint, with the input size and class names the checkpoint records.
    /// </summary>
    /// <param name="path">A checkpoint file (<c>checkpoint.bin</c>).</param>
    /// <exception cref="CheckpointException">The file is missing, not a checkpoint, damaged, or of a model this version does not have.</exception>
    public static Predictor FromCheckpoint(string path)
    {
        var checkpoint = Checkpoint.Read(path);
        return new Predictor(checkpoint.CreateModel(), checkpoint.Metadata.ImageSize, checkpoint.Metadata.Labels, ownsModel: true);
    }

    /// <summary>Side of the square input pictures are resized to.</summary>
    public int ImageSize { get; }

    /// <summary>The classes' names, in the order of the network's outputs.</summary>
    public IReadOnlyList<string> Labels { get; }

    /// <summary>The arithmetic of the forward pass (float32 by default); the probabilities are computed in float32.</summary>
    public Precision Precision { get; set; } = Precision.Fp32;

    /// <summary>The <paramref name="top"/> most probable classes for one picture, most probable first.</summary>
    /// <param name="image">A grey picture of any size (<see cref="ImageFiles.ReadGrey"/> reads one from a file).</param>
    /// <param name="top">How many classes to return (all when more than there are).</param>
    /// <exception cref="InvalidSettingException">The network takes RGB pictures.</exception>
    public IReadOnlyList<ClassScore> Predict(GreyImage image, int top = 1)
    {
        if (_model.InChannels != 1)
            throw new InvalidSettingException($"Predictor.Predict(image): the network takes {_model.InChannels}-channel pictures, not grey ones");
        return Predict(image.Pixels, 1, image.Height, image.Width, top);
    }

    /// <summary>The <paramref name="top"/> most probable classes for one picture, most probable first.</summary>
    /// <param name="image">A picture of any size (<see cref="ImageFiles.ReadColour"/> reads one from a file); used as grey (its luma) by a network of grey pictures.</param>
    /// <param name="top">How many classes to return (all when more than there are).</param>
    public IReadOnlyList<ClassScore> Predict(ColourImage image, int top = 1)
    {
        if (_model.InChannels == 3)
            return Predict(image.Pixels, 3, image.Height, image.Width, top);
        int n = image.Width * image.Height;
        var grey = new byte[n];
        for (int i = 0; i < n; i++)
            grey[i] = (byte)Math.Clamp(Math.Round(ImageFiles.Luma(image.Pixels[i], image.Pixels[n + i], image.Pixels[2 * n + i])), 0, 255);
        return Predict(grey, 1, image.Height, image.Width, top);
    }

    private IReadOnlyList<ClassScore> Predict(byte[] pixels, int channels, int height, int width, int top)
    {
        if (top < 1)
            throw new InvalidSettingException($"Predictor.Predict(top) must be at least 1, got {top}");
        _model.eval();
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var bytes = tensor(pixels, [1, channels, height, width], ScalarType.Byte);
        var x = Runtime.ChannelsLast.Of(Preprocessing.ToModelInput(bytes, ImageSize));
        Tensor logits;
        using (Runtime.Autocast.On(Precision))
            logits = _model.call(x);
        var probabilities = nn.functional.softmax(Runtime.Autocast.InFloat32(logits), 1)[0].data<float>().ToArray();
        return probabilities
            .Select((p, i) => new ClassScore(i < Labels.Count ? Labels[i] : i.ToString(), i, p))
            .OrderByDescending(s => s.Probability)
            .Take(Math.Min(top, probabilities.Length))
            .ToList();
    }

    /// <summary>The most probable classes of a picture file (PNG, JPEG, GIF, BMP or WebP).</summary>
    /// <param name="path">The picture.</param>
    /// <param name="top">How many classes to return.</param>
    /// <param name="invert">Invert grey levels first (Fashion-MNIST is light garments on black).</param>
    /// <exception cref="DataFileException">The file is missing or not a picture this can decode.</exception>
    /// <remarks>The picture is read as the network takes it: in colour for an RGB network, grey otherwise.</remarks>
    public IReadOnlyList<ClassScore> Predict(string path, int top = 1, bool invert = false) =>
        _model.InChannels == 3 && !invert ? Predict(ImageFiles.ReadColour(path), top) : Predict(ImageFiles.ReadGrey(path, invert), top);

    /// <summary>Releases the network if the predictor built it (<see cref="FromCheckpoint"/>).</summary>
    public void Dispose()
    {
        if (_ownsModel)
            _model.Dispose();
    }
}
