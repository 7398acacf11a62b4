using System.CommandLine;
using GoogLeNet.Cli.Rendering;
using GoogLeNet.Data;
using GoogLeNet.Training;
using Spectre.Console;
using static TorchSharp.torch;

namespace GoogLeNet.Cli.Commands;

/// <summary><c>googlenet train</c>: the book's training run, with checkpoints and --resume.</summary>
public static class TrainCommand
{
    public static Command Create()
    {
        var defaults = new TrainOptions();
        var model = new Option<string>("--model") { Description = "Registered model name", DefaultValueFactory = _ => defaults.Model };
        var epochs = new Option<int>("--epochs") { Description = "Training epochs", DefaultValueFactory = _ => defaults.Epochs };
        var lr = new Option<double>("--lr") { Description = "SGD learning rate", DefaultValueFactory = _ => defaults.Lr };
        var batchSize = new Option<int>("--batch-size") { Description = "Mini-batch size", DefaultValueFactory = _ => defaults.BatchSize };
        var resize = new Option<int>("--resize") { Description = "Side in pixels the 28x28 images are resized to (bilinear)", DefaultValueFactory = _ => defaults.Resize };
        var seed = new Option<int>("--seed") { Description = "Random seed (initialisation, shuffling)", DefaultValueFactory = _ => defaults.Seed };
        var threads = new Option<int>("--threads") { Description = "CPU threads for libtorch", DefaultValueFactory = _ => defaults.Threads };
        var device = new Option<string>("--device") { Description = "cpu or cuda", DefaultValueFactory = _ => defaults.Device };
        var trainLimit = new Option<int?>("--train-limit") { Description = "Use only the first N training images" };
        var testLimit = new Option<int?>("--test-limit") { Description = "Use only the first N test images" };
        var data = new Option<string?>("--data") { Description = $"Folder with the Fashion-MNIST IDX files (else ${FashionMnist.EnvironmentVariable}, {FashionMnist.SystemDirectory}, the user cache, or a download)" };
        var output = new Option<string?>("--out") { Description = "Run folder (default runs/<model>-<timestamp>)" };
        var smoothing = new Option<double>("--label-smoothing") { Description = "Label smoothing of the training loss, 0 <= EPS < 1 (0: the book's cross-entropy)", DefaultValueFactory = _ => 0 };
        var microBatch = MicroBatchOption.Create();
        var resume = new Option<string?>("--resume") { Description = "Continue the run in this folder from its last completed epoch" };

        var command = new Command("train", "Train a model on Fashion-MNIST with the book's recipe (the defaults)")
        {
            model, epochs, lr, batchSize, resize, seed, threads, device, trainLimit, testLimit, smoothing, microBatch, data, output, resume,
        };
        command.SetAction(result =>
        {
            var fromCommandLine = new TrainOptions
            {
                Model = result.GetValue(model)!, Epochs = result.GetValue(epochs), Lr = result.GetValue(lr),
                BatchSize = result.GetValue(batchSize), Resize = result.GetValue(resize), Seed = result.GetValue(seed),
                Threads = result.GetValue(threads), Device = result.GetValue(device)!,
                TrainLimit = result.GetValue(trainLimit), TestLimit = result.GetValue(testLimit),
                LabelSmoothing = result.GetValue(smoothing), MicroBatch = result.GetValue(microBatch),
            };

            // Options with defaults always have a result; only an explicit one was typed by the user.
            bool Given(Option option) => result.GetResult(option) is { Implicit: false };

            RunFolder? run = null;
            Checkpoint? checkpoint = null;
            TrainOptions options;
            if (result.GetValue(resume) is { } resumeDir)
            {
                if (Given(output))
                    throw new UserInputException("--out and --resume cannot be combined: a resumed run stays in its folder");
                run = RunFolder.Open(resumeDir);
                checkpoint = Checkpoint.Read(run.CheckpointPath).RequireFits(1, FashionMnist.ClassNames.Count, "Fashion-MNIST");
                options = checkpoint.Metadata.Options;
                // Only what does not change the result may differ on resume (threads and micro-batches change
                // only the order of floating-point additions); more epochs extend the run.
                var fixedOptions = new Option[] { model, lr, batchSize, resize, seed, device, trainLimit, testLimit, smoothing };
                foreach (var option in fixedOptions.Where(Given))
                {
                    if (option == model && string.Equals(fromCommandLine.Model, options.Model, StringComparison.OrdinalIgnoreCase))
                        continue;
                    throw new UserInputException(option == model
                        ? $"{resumeDir}: is a run of {options.Model}, not {fromCommandLine.Model}"
                        : $"{option.Name} cannot be changed when resuming (the run was started with its own value; see {run.ConfigPath})");
                }
                options = options with
                {
                    Epochs = Given(epochs) ? fromCommandLine.Epochs : options.Epochs,
                    Threads = Given(threads) ? fromCommandLine.Threads : options.Threads,
                    MicroBatch = Given(microBatch) ? fromCommandLine.MicroBatch : options.MicroBatch,
                };
                options.Validate();
                SgdStep.Check(options);
                if (checkpoint.Metadata.Epoch >= options.Epochs)
                    throw new UserInputException($"{resumeDir}: all {options.Epochs} epochs are done; pass --epochs N (more than {checkpoint.Metadata.Epoch}) to train further");
            }
            else
            {
                options = fromCommandLine.Validate();
                // Refuse a size the model cannot take before anything is written.
                using (var probe = Models.ModelRegistry.Get(options.Model).Create(1, 10))
                {
                    Analysis.ModelSummary.Of(options.Model, probe, options.Resize, 1);
                    SgdStep.Resolve(options.MicroBatch, options.BatchSize, probe, options.Model);
                }
            }
            if (options.Device == "cuda" && !cuda.is_available())
                throw new UserInputException("--device cuda: CUDA is not available (this build references TorchSharp-cpu; the CUDA build needs TorchSharp-cuda-linux and an NVIDIA GPU)");

            // The data is checked before the run folder is made: a bad data file leaves nothing behind.
            // A resumed run reads the data it was started with unless told otherwise.
            string dataDir = DataSupport.FindOrFetch(result.GetValue(data) ?? run?.RecordedDataDirectory());
            var (train, test) = FashionMnist.LoadBoth(dataDir, options.TrainLimit, options.TestLimit);
            if (run is null)
            {
                run = RunFolder.Create(result.GetValue(output) ?? Path.Combine("runs", $"{options.Model}-{DateTime.Now:yyyyMMdd-HHmmss}"));
                run.WriteConfig(options, dataDir);
            }

            Console.WriteLine(checkpoint is null
                ? $"training {options.Model} on {train.Count:N0} images ({test.Count:N0} test) at {options.Resize}x{options.Resize}, {options.Epochs} epochs, lr {options.Lr}, batch {options.BatchSize}, {options.Threads} threads; run folder {run.Directory}"
                : $"resuming {options.Model} in {run.Directory} after epoch {checkpoint.Metadata.Epoch} of {options.Epochs}");

            using var ctrlC = new CtrlC();
            try
            {
                TrainingSummary summary;
                if (AnsiConsole.Profile.Capabilities.Interactive && !Console.IsOutputRedirected)
                {
                    summary = AnsiConsole.Progress()
                        .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                        .Start(ctx => Trainer.Run(options, run, train, test, new TrainingConsole(run, options.Model, ctx), checkpoint, ctrlC.Token));
                }
                else
                {
                    summary = Trainer.Run(options, run, train, test, new TrainingConsole(run, options.Model, null), checkpoint, ctrlC.Token);
                }
                Console.WriteLine($"loss {summary.TrainLoss:F3}, train acc {summary.TrainAcc:F3}, test acc {summary.TestAcc:F3}");
                Console.WriteLine($"{summary.ExamplesPerSec:F1} examples/sec on {options.Device}");
                Console.WriteLine($"run folder: {run.Directory} (curves.png, metrics.csv, checkpoint.bin, summary.json)");
                return ExitCodes.Success;
            }
            catch (OperationCanceledException)
            {
                Console.Error.WriteLine($"googlenet: interrupted; the last completed epoch is kept. Resume with: googlenet train --resume {run.Directory}");
                return ExitCodes.Interrupted;
            }
        });
        return command;
    }
}
