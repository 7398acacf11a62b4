using GoogLeNet.Data;
using GoogLeNet.Models;
using static TorchSharp.torch;

namespace GoogLeNet.Inference;

/// <summary>One class and its probability.</summary>
public sealed record ClassScore(string Label, int Index, double Probability);

/// <summary>Classifies grey pictures with a trained model, preprocessed as in training.</summary>
public sealed class Predictor(Classifier model, int imageSize, IReadOnlyList<string> labels)
{
    /// <summary>The <paramref name="top"/> most probable classes for one picture, most probable first.</summary>
    public IReadOnlyList<ClassScore> Predict(GreyImage image, int top)
    {
        model.eval();
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var bytes = tensor(image.Pixels, [1, 1, image.Height, image.Width], ScalarType.Byte);
        var x = Runtime.ChannelsLast.Of(Preprocessing.ToModelInput(bytes, imageSize));
        var probabilities = nn.functional.softmax(model.call(x), 1)[0].data<float>().ToArray();
        return probabilities
            .Select((p, i) => new ClassScore(i < labels.Count ? labels[i] : i.ToString(), i, p))
            .OrderByDescending(s => s.Probability)
            .Take(Math.Min(top, probabilities.Length))
            .ToList();
    }
}
