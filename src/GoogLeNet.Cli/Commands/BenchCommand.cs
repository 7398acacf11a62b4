using System.CommandLine;
using System.Text.Json;
using GoogLeNet.Benchmarks;
using GoogLeNet.Cli.Rendering;
using GoogLeNet.Data;
using Spectre.Console;

namespace GoogLeNet.Cli.Commands;

/// <summary><c>googlenet bench</c>: training and inference throughput on synthetic data.</summary>
internal static class BenchCommand
{
    /// <summary>One line of snake_case keys, as the peer script prints them.</summary>
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static Command Create()
    {
        var model = new Option<string>("--model") { HelpName = "NAME", Description = "Registered model name", DefaultValueFactory = _ => "googlenet" };
        var batchSize = new Option<int>("--batch-size") { HelpName = "N", Description = "Images per step", DefaultValueFactory = _ => 128 };
        var size = new Option<int>("--size") { HelpName = "PIXELS", Description = "Input side in pixels", DefaultValueFactory = _ => 96 };
        var steps = new Option<int>("--steps") { HelpName = "N", Description = "Timed training steps and inference batches", DefaultValueFactory = _ => 10 };
        var threads = new Option<int>("--threads") { HelpName = "N", Description = "CPU threads for libtorch", DefaultValueFactory = _ => Environment.ProcessorCount };
        var precision = PrecisionOption.Create();
        var microBatch = MicroBatchOption.Create();
        var json = new Option<bool>("--json") { Description = "Print one JSON object" };
        var layout = new Option<string>("--layout") { Description = "Memory order: nhwc (channels last, what train, evaluate and predict use) or nchw (libtorch's default)", DefaultValueFactory = _ => "nhwc" };
        layout.OneOf("nhwc", "nchw");
        var profile = new Option<bool>("--profile") { Description = "Instead: where a training step's and an inference batch's time goes, by kind of layer (each layer timed on its own)" };
        var epoch = new Option<bool>("--epoch") { Description = "Then train one real epoch of Fashion-MNIST, timed whole, against the time the measured rates allow it (10 % over)" };
        var engine = new Option<string>("--engine")
        {
            HelpName = "ENGINE",
            Description = "libtorch (the default: training and inference), or onnxruntime: inference of the exported ONNX graph by ONNX Runtime beside libtorch's, at batch 1 and --batch-size",
            DefaultValueFactory = _ => "libtorch",
        }.OneOf("libtorch", "onnxruntime");
        var data = DataOptions.Folder("With --epoch: ", imageFolders: false);
        var trainLimit = DataOptions.TrainLimit("With --epoch: ");
        var testLimit = DataOptions.TestLimit("With --epoch: ");
        var command = new Command("bench", "Time training steps, inference batches and a float32 matmul on synthetic data")
        {
            model, batchSize, size, steps, threads, precision, microBatch, layout, profile, epoch, engine, data, trainLimit, testLimit, json,
        };
        command.SetAction(result =>
        {
            var arithmetic = PrecisionOption.Resolve(result.GetValue(precision)!);
            bool asJson = result.GetValue(json);
            bool channelsLast = result.GetValue(layout) == "nhwc";
            var progress = new SynchronousProgress<string>(m => { if (!asJson) Console.Error.WriteLine($"  {m}..."); });
            int? trainCount = OptionLimits.Limit(result.GetValue(trainLimit), trainLimit.Name);
            int? testCount = OptionLimits.Limit(result.GetValue(testLimit), testLimit.Name);
            bool timeEpoch = result.GetValue(epoch);
            if (!timeEpoch && result.FirstGiven(data, trainLimit, testLimit) is { } orphan)
                throw new GoogLeNetException($"{orphan.Name} applies only with --epoch");
            if (timeEpoch && result.GetValue(profile))
                throw new GoogLeNetException("--epoch and --profile cannot be combined");
            if (result.GetValue(profile) && result.FirstGiven(steps, microBatch) is { } unused)
                throw new GoogLeNetException($"{unused.Name} does not apply with --profile (it takes the median of a few runs of each layer and of the whole step, on whole batches)");
            if (timeEpoch)
            {
                if (!channelsLast)
                    throw new GoogLeNetException("--epoch times a real epoch, which trains channels-last as train does; leave out --layout nchw");
                Models.ModelRegistry.Get(result.GetValue(model)!); // an unknown model before any data is looked for
            }
            ErrorReport.WarnIfMoreThreadsThanCores(OptionLimits.Threads(result.GetValue(threads), "--threads"));
            // The data is read before anything is timed, so a missing or damaged file is reported at once.
            var (train, test) = timeEpoch
                ? FashionMnist.LoadBoth(DataSupport.FindOrFetch(result.GetValue(data)), trainCount, testCount)
                : default;

            if (result.GetValue(engine) == "onnxruntime")
            {
                if (result.FirstGiven(profile, epoch, microBatch, layout) is { } other)
                    throw new GoogLeNetException($"{other.Name} does not apply with --engine onnxruntime (it times inference only, channels-last for libtorch)");
                return Engines(result.GetValue(model)!, result.GetValue(batchSize), result.GetValue(size), result.GetValue(steps),
                    result.GetValue(threads), arithmetic, asJson, progress);
            }
            if (result.GetValue(profile))
                return Profile(result.GetValue(model)!, result.GetValue(batchSize), result.GetValue(size), result.GetValue(threads),
                    channelsLast, arithmetic, asJson, progress);
            int timedSteps = result.GetValue(steps);
            var r = Benchmark.Run(result.GetValue(model)!, result.GetValue(batchSize), result.GetValue(size), timedSteps,
                result.GetValue(threads), result.GetValue(microBatch), progress: progress, channelsLast: channelsLast, precision: arithmetic,
                int8: channelsLast && !timeEpoch && EngineOption.Auto(int.MaxValue, result.Given(precision), Precisions.CpuHasVnni) == "onnxruntime-int8");
            EpochCheckResult? e = null;
            if (timeEpoch)
            {
                progress.Report($"one real epoch: {train!.Count:N0} training and {test!.Count:N0} test images, as train runs it");
                using var stop = new StopSignals();
                try
                {
                    e = EpochCheck.Run(r, train, test, run => new TrainingConsole(run, r.Model, null, Console.Error), stop.Token);
                }
                catch (OperationCanceledException)
                {
                    Console.Error.WriteLine("googlenet: interrupted");
                    return stop.ExitCode;
                }
                r = r with { EpochTrainImages = e.TrainImages, EpochTestImages = e.TestImages, EpochSeconds = e.EpochSeconds, EpochBudgetSeconds = e.BudgetSeconds };
            }
            if (asJson)
            {
                Console.WriteLine(JsonSerializer.Serialize(r, Json));
                return ExitCodes.Success;
            }
            var table = new Table().Border(TableBorder.Rounded)
                .Title($"{r.Model}, batch {r.BatchSize} in slices of {r.MicroBatch}, {r.Size}x{r.Size}, {r.Threads} threads, {r.Precision}, {r.Layout}")
                .AddColumn("Measure").AddColumn(new TableColumn("Value").RightAligned());
            table.AddRow("training", $"{r.TrainImgS:F1} img/s");
            table.AddRow($"inference (libtorch, {r.Precision})", $"{r.InferImgS:F1} img/s");
            if (r.InferInt8ImgS is { } int8ImgS)
                table.AddRow("inference (ONNX Runtime, int8: evaluate's engine for large sets)", $"{int8ImgS:F1} img/s");
            table.AddRow("2048x2048 matmul", $"{r.SgemmGflops:F0} GFLOP/s");
            table.AddRow("training compute", $"{r.TrainGflops:F0} GFLOP/s ({r.Efficiency:P0} of matmul)");
            table.AddRow("peak resident memory", $"{r.PeakRssMb:F0} MB");
            table.AddRow("resident memory growth", $"{r.RssGrowthPct:F1} % over {timedSteps} steps, after {r.WarmupSteps} warm-up steps");
            if (e is not null)
                table.AddRow($"one real epoch ({e.TrainImages:N0} + {e.TestImages:N0} test images)",
                    $"{e.EpochSeconds:F0} s, allowed {e.BudgetSeconds:F0} s: {(e.WithinBudget ? "[green]within[/]" : "[red]over[/]")}");
            AnsiConsole.Write(table);
            return ExitCodes.Success;
        });
        return command;
    }

    private static int Engines(string model, int batchSize, int size, int steps, int threads, Precision arithmetic, bool asJson, IProgress<string> progress)
    {
        var r = EngineBenchmark.Run(model, batchSize, size, steps, threads, arithmetic, progress);
        if (asJson)
        {
            Console.WriteLine(JsonSerializer.Serialize(r, Json));
            return ExitCodes.Success;
        }
        var table = new Table().Border(TableBorder.Rounded)
            .Title($"{r.Model} inference at {r.Size}x{r.Size}, {r.Threads} threads; logits agree within {r.MaxLogitDifference:E1}")
            .AddColumn("engine").AddColumn("precision").AddColumn(new TableColumn("batch").RightAligned())
            .AddColumn(new TableColumn("img/s").RightAligned()).AddColumn(new TableColumn("ms per batch").RightAligned())
            .AddColumn(new TableColumn("vs libtorch").RightAligned());
        foreach (var s in r.Speeds)
        {
            var libtorch = r.Speeds.First(o => o.Engine == "libtorch" && o.Batch == s.Batch);
            table.AddRow(s.Engine, s.Precision, s.Batch.ToString(), $"{s.ImgS:F1}", $"{s.MsPerBatch:F1}", $"{s.ImgS / libtorch.ImgS:F2}x");
        }
        AnsiConsole.Write(table);
        return ExitCodes.Success;
    }

    private static int Profile(string model, int batchSize, int size, int threads, bool channelsLast, Precision arithmetic, bool asJson,
        IProgress<string> progress)
    {
        var p = LayerProfile.Run(model, batchSize, size, threads, progress: progress, channelsLast: channelsLast, precision: arithmetic);
        if (asJson)
        {
            Console.WriteLine(JsonSerializer.Serialize(p, Json));
            return ExitCodes.Success;
        }
        var table = new Table().Border(TableBorder.Rounded)
            .Title($"{p.Model}, batch {p.BatchSize} at {p.Size}x{p.Size}, {p.Threads} threads, {p.Precision}, {p.Layout}: "
                + $"a training step {p.StepMilliseconds:N0} ms, an inference batch {p.InferenceMilliseconds:N0} ms")
            .AddColumn("layers").AddColumn(new TableColumn("count").RightAligned())
            .AddColumn(new TableColumn("training ms").RightAligned()).AddColumn(new TableColumn("share").RightAligned())
            .AddColumn(new TableColumn("GFLOP/s").RightAligned())
            .AddColumn(new TableColumn("inference ms").RightAligned()).AddColumn(new TableColumn("share").RightAligned())
            .AddColumn(new TableColumn("GFLOP/s").RightAligned());
        foreach (var row in p.Rows)
            table.AddRow(Markup.Escape(row.Kind), row.Layers == 0 ? "" : row.Layers.ToString(),
                $"{row.Milliseconds:N0}", $"{row.Share:P0}", row.Gflops is { } g ? $"{g:F0}" : "",
                $"{row.InferenceMilliseconds:N0}", $"{row.InferenceShare:P0}", row.InferenceGflops is { } i ? $"{i:F0}" : "");
        AnsiConsole.Write(table);
        return ExitCodes.Success;
    }
}