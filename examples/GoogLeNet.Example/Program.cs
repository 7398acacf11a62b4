// Trains the chapter's GoogLeNet for one short epoch on part of Fashion-MNIST, evaluates it and classifies a picture,
// using only GoogLeNet.NET's public API:
//   dotnet run --project examples/GoogLeNet.Example -c Release [-- FASHION_MNIST_DIR [PICTURE]]
using GoogLeNet.Data;
using GoogLeNet.Inference;
using GoogLeNet.Models;
using GoogLeNet.Training;

string dataDir = args.Length > 0 ? args[0]
    : FashionMnist.Locate(null)?.Directory ?? throw new InvalidOperationException("Fashion-MNIST not found: pass its folder");
string picture = args.Length > 1 ? args[1] : Path.Combine(AppContext.BaseDirectory, "ankle-boot.png");
string checkpoint = Path.Combine(Directory.CreateTempSubdirectory("googlenet-example-").FullName, "checkpoint.bin");

var (train, test) = FashionMnist.LoadBoth(dataDir, trainLimit: 2048, testLimit: 500);
// The chapter's network with batch normalisation: it learns in a few dozen steps, where the plain one sits on its
// plateau near ln 10 for the first few hundred.
TorchSharp.torch.manual_seed(1); // the same initial weights, and so the same result, every run
using var model = new ChapterGoogLeNet(inChannels: 1, numClasses: 10, batchNorm: true);
Initialization.XavierUniform(model);

using var loop = new TrainingLoop(model, train, test, new TrainOptions { Epochs = 1, BatchSize = 64 });
loop.Callbacks.Add(new CheckpointSaver(checkpoint));
loop.Callbacks.Add(new PrintEpoch());
loop.Run();

var evaluation = Evaluator.Evaluate(model, test, imageSize: 96);
Console.WriteLine($"test accuracy {evaluation.Accuracy:F3} on {evaluation.Examples} images");

using var predictor = Predictor.FromCheckpoint(checkpoint);
foreach (var score in predictor.Predict(picture, top: 3))
    Console.WriteLine($"{Path.GetFileName(picture)}: {score.Label} {score.Probability:P1}");

/// <summary>A callback of the program's own: one line per epoch.</summary>
sealed class PrintEpoch : ITrainingCallback
{
    public void OnEpochEnd(TrainingContext context, EpochResult result) =>
        Console.WriteLine($"epoch {result.Epoch}: loss {result.TrainLoss:F3}, train acc {result.TrainAcc:F3}, test acc {result.TestAcc:F3}");
}
