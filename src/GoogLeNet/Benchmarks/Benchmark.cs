using System.Diagnostics;
using static TorchSharp.torch;

namespace GoogLeNet.Benchmarks;

/// <summary>
/// What <c>googlenet bench</c> measures; the JSON keys up to <see cref="RssGrowthPct"/> are shared with the
/// PyTorch peer script. The epoch figures are there only when a real epoch was timed (<see cref="EpochCheck"/>).
/// </summary>
internal sealed record BenchmarkResult(string Model, int BatchSize, int Size, int Threads, string Precision,
    double TrainImgS, double InferImgS, double SgemmGflops, double TrainGflops, double Efficiency, double PeakRssMb, double RssGrowthPct,
    int MicroBatch, string Layout, int WarmupSteps, int? EpochTrainImages = null, int? EpochTestImages = null, double? EpochSeconds = null,
    double? EpochBudgetSeconds = null, double? InferInt8ImgS = null)
{
    /// <summary>The engine <c>evaluate</c> picks by default for a large set on this machine: onnxruntime-int8 where it was timed, else libtorch.</summary>
    public string InferEngine => InferInt8ImgS is null ? "libtorch" : "onnxruntime-int8";

    /// <summary>Inference by <see cref="InferEngine"/>.</summary>
    public double InferAutoImgS => InferInt8ImgS ?? InferImgS;
}

/// <summary>
/// Times training steps (forward, loss, backward, SGD update) and inference batches on synthetic data,
/// and libtorch's float32 matrix product as the machine's reference speed.
/// </summary>
internal static class Benchmark
{
    /// <summary>
    /// Times <paramref name="steps"/> training steps and as many inference batches of a registered model on one synthetic
    /// batch, and libtorch's float32 matrix product for reference.
    /// </summary>
    /// <param name="modelName">The registered name of the model (case-insensitive).</param>
    /// <param name="batchSize">Images per training step and per inference batch.</param>
    /// <param name="size">Side of the square input, in pixels.</param>
    /// <param name="steps">Timed training steps, and timed inference batches: 1 to 100,000.</param>
    /// <param name="threads">libtorch's CPU threads, 1 to 1,024.</param>
    /// <param name="microBatch">Slice size of each training step (0: the whole batch), as <c>train --micro-batch</c>.</param>
    /// <param name="warmup">Fewest untimed training steps before the timed ones (see <see cref="WarmUp"/>), and untimed
    /// inference batches (at least one); not negative.</param>
    /// <param name="progress">Told of each phase as it begins; null for none.</param>
    /// <param name="channelsLast">Run in channels-last memory order, as train, evaluate and predict do.</param>
    /// <param name="precision">The arithmetic of training steps and inference batches, as <c>train --precision</c>.</param>
    /// <param name="int8">Also time inference of the network quantized to int8 and run by ONNX Runtime (calibrated on the
    /// synthetic batch itself), the engine <c>evaluate</c> picks by default for large sets on a CPU with VNNI.</param>
    /// <exception cref="InvalidSettingException">A size, batch size, slice, thread or step count is out of range.</exception>
    /// <exception cref="GoogLeNetException">The model is unknown or does not accept the size.</exception>
    public static BenchmarkResult Run(string modelName, int batchSize, int size, int steps, int threads, int microBatch = 0, int warmup = 3,
        IProgress<string>? progress = null, bool channelsLast = true, Precision precision = Precision.Fp32, bool int8 = false)
    {
        OptionLimits.InRange(steps, "Benchmark.Run(steps)", 1, 100_000);
        ArgumentOutOfRangeException.ThrowIfNegative(warmup);
        using var run = SyntheticRun.Create(modelName, batchSize, size, threads, channelsLast, microBatch);
        var (info, model, x, y, macs) = (run.Info, run.Model, run.X, run.Y, run.Macs);
        using var optimizer = optim.SGD(model.parameters(), 0.01);
        int slice = Training.SgdStep.Resolve(microBatch, batchSize, model, info.Name);

        // Exactly what a training step of `train` does, on a fixed batch.
        void TrainStep() => Training.SgdStep.Run(model, optimizer, x, y, Training.Losses.CrossEntropy, slice, precision: precision);

        model.train();
        progress?.Report($"training: at least {warmup} warm-up steps (more while resident memory still grows), then {steps} timed");
        int warmupSteps = WarmUp(TrainStep, warmup);
        double rssFirst = 0;
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < steps; i++)
        {
            TrainStep();
            if (i == 0)
                rssFirst = Rss();
        }
        double trainImgS = steps * batchSize / clock.Elapsed.TotalSeconds;
        double rssLast = Rss();

        model.eval();
        progress?.Report("inference");
        double inferImgS;
        using (no_grad())
        {
            void Infer()
            {
                using var scope = NewDisposeScope();
                using var autocast = Runtime.Autocast.On(precision);
                model.call(x);
            }
            for (int i = 0; i < Math.Max(1, warmup); i++)
                Infer();
            clock.Restart();
            for (int i = 0; i < steps; i++)
                Infer();
            inferImgS = steps * batchSize / clock.Elapsed.TotalSeconds;
        }

        double? int8ImgS = null;
        if (int8)
        {
            progress?.Report("inference, int8 by ONNX Runtime: quantizing");
            float[] images;
            using (var plain = x.to_type(ScalarType.Float32).contiguous())
                images = plain.data<float>().ToArray();
            var graph = Interop.OnnxExport.Build(model, size, Enumerable.Range(0, model.NumClasses).Select(i => i.ToString()).ToList());
            var quantized = Interop.OnnxQuantize.Quantize(graph, [(images, batchSize)], threads);
            using var engine = new Inference.OnnxRuntimeEngine(Google.Protobuf.MessageExtensions.ToByteArray(quantized), threads);
            progress?.Report("inference, int8 by ONNX Runtime");
            for (int i = 0; i < Math.Max(1, warmup); i++)
                engine.Run(images, batchSize);
            clock.Restart();
            for (int i = 0; i < steps; i++)
                engine.Run(images, batchSize);
            int8ImgS = steps * batchSize / clock.Elapsed.TotalSeconds;
        }

        progress?.Report("2048x2048 float32 matmul");
        double sgemm = MatmulGflops();
        double trainGflops = 6.0 * macs * trainImgS / 1e9;
        return new BenchmarkResult(info.Name, batchSize, size, threads, precision.Name(), trainImgS, inferImgS, sgemm, trainGflops,
            trainGflops / sgemm, PeakRss(), rssFirst == 0 ? 0 : 100 * (rssLast - rssFirst) / rssFirst, slice,
            channelsLast ? "nhwc" : "nchw", warmupSteps, InferInt8ImgS: int8ImgS);
    }

    /// <summary>Warm-up steps stop at most this many steps in, whether resident memory has settled or not.</summary>
    public const int MaxWarmupSteps = 20;

    /// <summary>A warm-up step that grows resident memory by more than this (per cent) is followed by another.</summary>
    public const double SettledGrowthPct = 0.5;

    /// <summary>
    /// Runs at least <paramref name="minimum"/> steps, then more while the last one still grew resident
    /// memory by over <see cref="SettledGrowthPct"/> %: glibc's heap (never trimmed, see Runtime/Allocator.cs)
    /// takes a few steps to find the layout it then keeps (measured in BENCHMARKS.md: about 100 MB a step
    /// for the first five or six steps at batch 128, then flat), and rss_growth_pct is meant to catch memory
    /// that keeps growing, not that settling. A leak still shows over the timed steps.
    /// </summary>
    /// <param name="step">One training step.</param>
    /// <param name="minimum">Fewest steps to run.</param>
    /// <param name="residentMb">Resident memory now (the process's, unless a test says otherwise).</param>
    /// <returns>The number of warm-up steps run.</returns>
    public static int WarmUp(Action step, int minimum, Func<double>? residentMb = null)
    {
        residentMb ??= Rss;
        int done = 0;
        bool grew = false;
        double before = residentMb();
        while (done < minimum || (grew && done < MaxWarmupSteps))
        {
            step();
            done++;
            double after = residentMb();
            grew = after > before * (1 + SettledGrowthPct / 100);
            before = after;
        }
        return done;
    }

    /// <summary>libtorch's float32 2048x2048 matrix product, in GFLOP/s (2 n^3 per product).</summary>
    public static double MatmulGflops(int n = 2048, int repeats = 10)
    {
        using var a = rand(n, n);
        using var b = rand(n, n);
        a.matmul(b).Dispose();
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < repeats; i++)
            a.matmul(b).Dispose();
        return repeats * 2.0 * n * n * n / clock.Elapsed.TotalSeconds / 1e9;
    }

    private static double Rss() => ReadStatusKb("VmRSS:") / 1024.0;

    private static double PeakRss() => ReadStatusKb("VmHWM:") / 1024.0;

    private static double ReadStatusKb(string key)
    {
        if (!File.Exists("/proc/self/status"))
            return Environment.WorkingSet / 1024.0;
        var line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith(key, StringComparison.Ordinal));
        return line is null ? 0 : double.Parse(line[key.Length..].Trim().Split(' ')[0]);
    }
}
