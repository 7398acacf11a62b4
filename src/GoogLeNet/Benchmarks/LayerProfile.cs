using System.Diagnostics;
using GoogLeNet.Training;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace GoogLeNet.Benchmarks;

/// <summary>One kind of layer's share of a training step and of an inference batch.</summary>
/// <param name="Kind">The kind of layer (<c>convolution 3x3</c>, <c>max pooling</c>, ...), or the time outside the layers.</param>
/// <param name="Layers">Layers of that kind (0 for the time outside the layers).</param>
/// <param name="Milliseconds">Forward and backward, training mode.</param>
/// <param name="Share"><paramref name="Milliseconds"/> as a fraction of the whole training step.</param>
/// <param name="MultiplyAdds">Multiply-adds of those layers' forward passes on one batch (0 for layers that do none).</param>
/// <param name="Gflops">For convolutions and linear layers: 6 x multiply-adds / time (forward and backward), else null.</param>
/// <param name="InferenceMilliseconds">Forward only, evaluation mode, no gradients.</param>
/// <param name="InferenceShare"><paramref name="InferenceMilliseconds"/> as a fraction of the whole inference batch.</param>
/// <param name="InferenceGflops">For convolutions and linear layers: 2 x multiply-adds / inference time, else null.</param>
internal sealed record ProfileRow(string Kind, int Layers, double Milliseconds, double Share, long MultiplyAdds, double? Gflops,
    double InferenceMilliseconds, double InferenceShare, double? InferenceGflops);

/// <summary>Where a training step's and an inference batch's time goes, by kind of layer.</summary>
/// <param name="Model">The registered name of the model.</param>
/// <param name="BatchSize">Images per training step and per inference batch.</param>
/// <param name="Size">Side of the square input, in pixels.</param>
/// <param name="Threads">libtorch's CPU threads.</param>
/// <param name="Layout">Memory order: <c>nhwc</c> (channels-last) or <c>nchw</c>.</param>
/// <param name="StepMilliseconds">A whole training step (forward, loss, backward, SGD update), median.</param>
/// <param name="InferenceMilliseconds">A whole inference batch (evaluation mode, no gradients), median.</param>
/// <param name="Rows">One row per kind of layer, slowest in training first, then the time outside the layers.</param>
/// <param name="Precision">The arithmetic: <c>fp32</c> or <c>bf16</c>.</param>
internal sealed record StepProfile(string Model, int BatchSize, int Size, int Threads, string Layout, double StepMilliseconds,
    double InferenceMilliseconds, IReadOnlyList<ProfileRow> Rows, string Precision = "fp32");

/// <summary>
/// Profiles a training step and an inference batch by timing every layer on its own: each leaf layer
/// (convolution, pooling, ReLU, ...) runs forward and backward in training mode, and forward alone in
/// evaluation mode without gradients, on an input of the shape it receives inside the network; the
/// medians are summed by kind. What the network does outside its layers (concatenating the Inception
/// paths, the loss, the SGD update, autograd's bookkeeping, allocation) is the whole step's or batch's
/// time minus the sum. Under bf16 the whole step runs the blocks' last ReLUs fused into the concatenation
/// (<c>Runtime.ReluConcat</c>); here they are timed as layers, like every other ReLU. The 1x1 convolutions of small
/// bf16 maps are timed as the network computes them, as matrix products (<c>Runtime.PointwiseConv</c>).
/// </summary>
internal static class LayerProfile
{
    public static StepProfile Run(string modelName, int batchSize, int size, int threads, int repeats = 3, IProgress<string>? progress = null,
        bool channelsLast = true, Precision precision = Precision.Fp32)
    {
        using var run = SyntheticRun.Create(modelName, batchSize, size, threads, channelsLast);
        var (info, model, x, y) = (run.Info, run.Model, run.X, run.Y);
        model.train();

        // The input every leaf layer receives, from one forward pass: its shape, and whether a gradient
        // flows back into it (not into the image, so the stem's backward computes only its weights').
        var leaves = model.modules().OfType<nn.Module<Tensor, Tensor>>().Where(m => !m.children().Any()).ToList();
        // In bf16 also the type it receives (bfloat16 after a convolution, float32 after the image).
        var inputs = new Dictionary<nn.Module, (long[] Shape, bool NeedsGrad, ScalarType Type)>(ReferenceEqualityComparer.Instance);
        var hooks = leaves.Select(m => m.register_forward_pre_hook((module, input) =>
        {
            inputs.TryAdd(module, (input.shape, input.requires_grad, input.dtype));
            return input;
        })).ToList();
        // With the Inception blocks' last ReLUs as layers of their own: under bf16 the whole step runs them fused into
        // the concatenation (Runtime.ReluConcat), and each is timed here on its own like every other layer.
        bool fusing = Runtime.ReluConcat.Enabled;
        Runtime.ReluConcat.Enabled = false;
        try
        {
            using (NewDisposeScope())
            using (Runtime.Autocast.On(precision))
                model.call(x);
        }
        finally
        {
            Runtime.ReluConcat.Enabled = fusing;
            foreach (var hook in hooks)
                hook.remove();
        }

        progress?.Report("whole training steps and inference batches");
        using var optimizer = optim.SGD(model.parameters(), 0.01);
        double step = Median(repeats + 1, () => SgdStep.Run(model, optimizer, x, y, Losses.CrossEntropy, batchSize, precision: precision));
        double inference = Inference(model, () => model.call(x), repeats, precision);

        var byKind = new Dictionary<string, KindTimes>();
        int done = 0;
        foreach (var layer in leaves.Where(inputs.ContainsKey))
        {
            if (++done % 20 == 0)
                progress?.Report($"layers: {done} of {inputs.Count}");
            var (shape, needsGrad, type) = inputs[layer];
            using var random = randn(shape, type);
            using var input = (channelsLast ? Runtime.ChannelsLast.Of(random) : random.alias()).requires_grad_(needsGrad);
            long macs = 0;
            double ms = Median(repeats + 1, () =>
            {
                using var scope = NewDisposeScope();
                Tensor output;
                using (Runtime.Autocast.On(precision))
                    output = Runtime.PointwiseConv.Call(layer, input);
                macs = Analysis.ModelSummary.CountMacs(layer, output);
                output.backward([ones_like(output)]);
                input.grad?.zero_();
            });
            string name = Kind(layer);
            var kind = byKind.GetValueOrDefault(name) ?? (byKind[name] = new KindTimes());
            kind.Layers++;
            kind.TrainMs += ms;
            kind.Macs += macs;
            kind.InferenceMs += Inference(layer, () => Runtime.PointwiseConv.Call(layer, input), repeats, precision);
        }
        model.zero_grad();

        double trainLayers = byKind.Values.Sum(v => v.TrainMs);
        double inferenceLayers = byKind.Values.Sum(v => v.InferenceMs);
        double? Gflops(long macs, double flopsPerMac, double ms) => macs > 0 ? flopsPerMac * macs / (ms / 1000) / 1e9 : null;
        var rows = byKind
            .OrderByDescending(kv => kv.Value.TrainMs)
            .Select(kv => new ProfileRow(kv.Key, kv.Value.Layers, kv.Value.TrainMs, kv.Value.TrainMs / step, kv.Value.Macs,
                Gflops(kv.Value.Macs, 6, kv.Value.TrainMs), kv.Value.InferenceMs, kv.Value.InferenceMs / inference,
                Gflops(kv.Value.Macs, 2, kv.Value.InferenceMs)))
            .Append(new ProfileRow("outside the layers (concatenation, loss, SGD update, autograd)", 0, step - trainLayers,
                (step - trainLayers) / step, 0, null, inference - inferenceLayers, (inference - inferenceLayers) / inference, null))
            .ToList();
        return new StepProfile(info.Name, batchSize, size, threads, channelsLast ? "nhwc" : "nchw", step, inference, rows, precision.Name());
    }

    private sealed class KindTimes
    {
        public int Layers;
        public double TrainMs;
        public double InferenceMs;
        public long Macs;
    }

    /// <summary>Median time of a forward pass as evaluate and predict run it: evaluation mode, no gradients.</summary>
    private static double Inference(nn.Module module, Func<Tensor> forward, int repeats, Precision precision)
    {
        module.eval();
        try
        {
            using var _ = no_grad();
            return Median(repeats + 1, () =>
            {
                using var scope = NewDisposeScope();
                using var autocast = Runtime.Autocast.On(precision);
                forward();
            });
        }
        finally
        {
            module.train();
        }
    }

    private static string Kind(nn.Module layer) => layer switch
    {
        Conv2d c => $"convolution {c.weight.shape[2]}x{c.weight.shape[3]}",
        MaxPool2d or Models.MaxPool => "max pooling",
        AvgPool2d or AdaptiveAvgPool2d => "average pooling",
        ReLU => "ReLU",
        BatchNorm2d => "batch normalisation",
        Linear => "fully connected",
        _ => "other layers",
    };

    /// <summary>Median wall time of <paramref name="runs"/> runs after one warm-up, in milliseconds.</summary>
    internal static double Median(int runs, Action action)
    {
        action();
        var times = new double[runs];
        for (int i = 0; i < runs; i++)
        {
            var clock = Stopwatch.StartNew();
            action();
            times[i] = clock.Elapsed.TotalMilliseconds;
        }
        Array.Sort(times);
        return times[runs / 2];
    }
}
