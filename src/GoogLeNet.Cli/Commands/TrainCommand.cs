using System.CommandLine;
using GoogLeNet.Cli.Rendering;
using GoogLeNet.Data;
using GoogLeNet.Training;
using Spectre.Console;
using static TorchSharp.torch;

namespace GoogLeNet.Cli.Commands;

/// <summary><c>googlenet train</c>: the book's training run, with checkpoints and --resume.</summary>
internal static class TrainCommand
{
    public static Command Create()
    {
        var defaults = new TrainOptions();
        var model = new Option<string>("--model") { HelpName = "NAME", Description = "Registered model name", DefaultValueFactory = _ => defaults.Model };
        var training = new TrainingOptionSet(defaults.Epochs);
        var device = new Option<string>("--device") { HelpName = "cpu|cuda", Description = "cpu or cuda", DefaultValueFactory = _ => defaults.Device };
        var output = new Option<string?>("--out") { HelpName = "DIR", Description = "Run folder (default runs/<model>-<timestamp>)" };
        var resume = new Option<string?>("--resume") { HelpName = "DIR", Description = "Continue the run in this folder from its last checkpoint" };

        var command = new Command("train", "Train a model on Fashion-MNIST with the book's recipe (the defaults)") { model };
        foreach (var option in training.All)
            command.Add(option);
        command.Add(device);
        command.Add(output);
        command.Add(resume);
        command.SetAction(result =>
        {
            var fromCommandLine = training.Read(result) with { Model = result.GetValue(model)!, Device = result.GetValue(device)! };

            RunFolder? run = null;
            try
            {
                Checkpoint? checkpoint = null;
                TrainOptions options;
                if (result.GetValue(resume) is { } resumeDir)
                {
                    if (result.Given(output))
                        throw new GoogLeNetException("--out and --resume cannot be combined: a resumed run stays in its folder");
                    run = RunFolder.Open(resumeDir);
                    checkpoint = Checkpoint.Read(run.CheckpointPath); // its fit to the data is checked when the data is read
                    options = checkpoint.Metadata.Options;
                    if (result.Given(model) && !string.Equals(fromCommandLine.Model, options.Model, StringComparison.OrdinalIgnoreCase))
                        throw new GoogLeNetException($"{resumeDir}: is a run of {options.Model}, not {fromCommandLine.Model}");
                    options = training.Resumed(result, fromCommandLine, options, ("run", run.ConfigPath), epochsMayGrow: true, (device, o => o.Device));
                    LearningRate.CheckResume(checkpoint.Metadata.Options, options);
                    checkpoint.RequireEpochsBeyond(options.Epochs); // before the data is read, and before "all epochs are done"
                    // All epochs done and summary.json written: finished. Without it the process was killed just
                    // after the last checkpoint, and the trainer writes what is missing.
                    if (checkpoint.Metadata.Epoch >= options.Epochs && File.Exists(run.SummaryPath))
                        throw new GoogLeNetException(options.LrSchedule == LearningRate.Constant
                            ? $"{resumeDir}: all {options.Epochs} epochs are done; pass --epochs N (more than {checkpoint.Metadata.Epoch}) to train further"
                            : $"{resumeDir}: all {options.Epochs} epochs are done, and a run with --lr-schedule {options.LrSchedule} ends with them; start a new run to train longer");
                }
                else
                {
                    options = fromCommandLine.Validate();
                }
                Trainer.Check(options);
                ErrorReport.WarnIfMoreThreadsThanCores(options.Threads);
                if (options.Device == "cuda" && !cuda.is_available())
                    throw new GoogLeNetException("--device cuda: CUDA is not available (this build carries libtorch's CPU backend; the CUDA build needs libtorch's CUDA backend and an NVIDIA GPU)");

                // The data is checked before the run folder is made: a bad data file leaves nothing behind.
                // A resumed run reads the data it was started with unless told otherwise.
                var (dataDir, train, test) = DataSupport.LoadTraining(result.GetValue(training.Data) ?? run?.RecordedDataDirectory(), options);
                checkpoint?.RequireFits(train.Channels, train.NumClasses, dataDir);
                if (run is null)
                {
                    run = result.GetValue(output) is { } chosen
                        ? RunFolder.Create(chosen)
                        : RunFolder.CreateNew(RunFolder.DefaultPath(options.Model));
                    run.WriteConfig(options, dataDir);
                }

                Console.WriteLine(checkpoint is null
                    ? $"training {options.Model} on {train.Count:N0} images ({test.Count:N0} test) at {options.Resize}x{options.Resize}, {options.Epochs} epochs, {options.DescribeRecipe()}, batch {options.BatchSize}, {options.Precision.Name()}, {options.Threads} threads; run folder {run.Directory}"
                    : $"resuming {options.Model} in {run.Directory} {checkpoint.Metadata.When} ({options.Epochs} epochs in all, {options.Precision.Name()})");

                using var stop = new StopSignals();
                try
                {
                    TrainingSummary summary;
                    if (Terminal.CanRedraw)
                    {
                        summary = AnsiConsole.Progress()
                            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new EpochTimeLeftColumn())
                            .Start(ctx => Trainer.Run(options, run, train, test, new TrainingConsole(run, options.Model, ctx), checkpoint, stop.Token));
                    }
                    else
                    {
                        summary = Trainer.Run(options, run, train, test, new TrainingConsole(run, options.Model, null), checkpoint, stop.Token);
                    }
                    Console.WriteLine($"loss {summary.TrainLoss:F3}, train acc {summary.TrainAcc:F3}, test acc {summary.TestAcc:F3}");
                    Console.WriteLine($"{summary.ExamplesPerSec:F1} examples/sec on {options.Device}");
                    Console.WriteLine($"run folder: {run.Directory} (curves.png, metrics.csv, checkpoint.bin, summary.json)");
                    return ExitCodes.Success;
                }
                catch (OperationCanceledException e)
                {
                    if (e is StopNotSavedException)
                        Console.Error.WriteLine($"googlenet: warning: {ErrorReport.Line(e)}");
                    Console.Error.WriteLine(!File.Exists(run.CheckpointPath)
                        ? "googlenet: interrupted before the first checkpoint; nothing to resume: run the same command again to start over"
                        : e is StopNotSavedException
                            ? $"googlenet: interrupted; the run is saved {Checkpoint.ReadMetadata(run.CheckpointPath).When}. Resume with: googlenet train --resume {run.Directory}"
                            : $"googlenet: interrupted; the run is saved up to its last step. Resume with: googlenet train --resume {run.Directory}");
                    return stop.ExitCode;
                }
            }
            finally
            {
                run?.Dispose(); // a run refused before its training began leaves its folder free
            }
        });
        return command;
    }
}
