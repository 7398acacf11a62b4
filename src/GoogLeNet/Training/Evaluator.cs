using GoogLeNet.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace GoogLeNet.Training;

/// <summary>Accuracy, mean loss and the confusion matrix of a model on a dataset.</summary>
/// <param name="Accuracy">Fraction of the examples classified correctly, 0 to 1 (0 when there were none).</param>
/// <param name="Loss">Mean cross-entropy per example (0 when there were none).</param>
/// <param name="Examples">Examples evaluated.</param>
/// <param name="Confusion">Confusion[true][predicted] counts.</param>
public sealed record EvaluationResult(double Accuracy, double Loss, long Examples, long[][] Confusion)
{
    /// <summary>Accuracy on each true class (NaN for a class with no examples).</summary>
    public double[] PerClassAccuracy => Confusion.Select((row, i) => row.Sum() is var n && n > 0 ? (double)row[i] / n : double.NaN).ToArray();
}

/// <summary>Tests a network on a dataset: accuracy, plain cross-entropy and the confusion matrix.</summary>
public static class Evaluator
{
    /// <summary>Evaluates <paramref name="model"/> on every image of <paramref name="data"/>, resized to <paramref name="imageSize"/>.</summary>
    /// <param name="model">The network.</param>
    /// <param name="data">The test images.</param>
    /// <param name="imageSize">Side of the square input the network was trained at.</param>
    /// <param name="batchSize">Images per forward pass.</param>
    /// <param name="precision">The arithmetic of the forward passes; the loss is computed in float32 either way.</param>
    public static EvaluationResult Evaluate(Models.Classifier model, ImageDataset data, int imageSize, int batchSize = 128,
        Precision precision = Precision.Fp32)
    {
        OptionLimits.InRange(batchSize, "Evaluator.Evaluate(batchSize)", 1, OptionLimits.MaxBatch);
        OptionLimits.Side(imageSize, "Evaluator.Evaluate(imageSize)");
        using var batches = new BatchSource(data, batchSize, imageSize, shuffle: false, seed: 0);
        return Evaluate(model, batches, Math.Max(data.NumClasses, model.NumClasses), precision: precision);
    }

    /// <param name="model">The network.</param>
    /// <param name="data">The test batches.</param>
    /// <param name="numClasses">Classes of the confusion matrix.</param>
    /// <param name="device">Where the network is; the CPU, in channels-last order, when null.</param>
    /// <param name="cancellationToken">Stops the pass between two batches.</param>
    /// <param name="precision">The arithmetic of the forward passes; the loss is computed in float32 either way.</param>
    /// <summary>
    /// Runs the model in evaluation mode without gradients over every batch. The loss is always plain
    /// cross-entropy, whatever the training loss was. The model's train/eval mode is restored afterwards.
    /// </summary>
    public static EvaluationResult Evaluate(nn.Module<Tensor, Tensor> model, BatchSource data, int numClasses, Device? device = null,
        CancellationToken cancellationToken = default, Precision precision = Precision.Fp32)
    {
        bool wasTraining = model.training;
        model.eval();
        var confusion = new long[numClasses][];
        for (int i = 0; i < numClasses; i++)
            confusion[i] = new long[numClasses];
        double lossSum = 0;
        long n = 0;
        try
        {
            using var _ = no_grad();
            foreach (var (x0, y0) in data.Epoch(0))
            {
                using var scope = NewDisposeScope();
                scope.Attach([x0, y0]);
                cancellationToken.ThrowIfCancellationRequested();
                var x = device is null || device.type == DeviceType.CPU ? Runtime.ChannelsLast.Of(x0) : x0.to(device);
                var y = device is null ? y0 : y0.to(device);
                Tensor logits;
                using (Runtime.Autocast.On(precision))
                    logits = Runtime.Autocast.InFloat32(model.call(x));
                lossSum += nn.functional.cross_entropy(logits, y, reduction: nn.Reduction.Sum).cpu().item<float>();
                var predicted = logits.argmax(1).cpu().data<long>().ToArray();
                var actual = y0.data<long>().ToArray();
                for (int i = 0; i < actual.Length; i++)
                    confusion[actual[i]][predicted[i]]++;
                n += actual.Length;
            }
        }
        finally
        {
            if (wasTraining)
                model.train();
        }
        long correct = Enumerable.Range(0, numClasses).Sum(i => confusion[i][i]);
        return new EvaluationResult(n == 0 ? 0 : (double)correct / n, n == 0 ? 0 : lossSum / n, n, confusion);
    }
}
