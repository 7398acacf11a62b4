using GoogLeNet.Models;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace GoogLeNet.Training;

/// <summary>What one training step reports: the batch's mean loss and how many it classified right.</summary>
internal readonly record struct StepResult(float Loss, long Correct);

/// <summary>
/// One optimiser step on a batch: forward, loss, backward, update. The batch's gradient may be computed in
/// slices ("micro-batches") whose gradients add up to the whole batch's: each slice's mean loss is weighted
/// by its share of the batch, so the sum of the slices' gradients is the gradient of the batch's mean loss
/// and the update is the same step, up to the order of floating-point additions. Only for networks whose
/// output for one example does not depend on the others in the batch (no batch normalisation). Slices
/// hold the activations of fewer examples at once: the book's batch of 128 in half the memory (measured
/// in BENCHMARKS.md, where they also turned out not to change the speed).
/// </summary>
internal static class SgdStep
{
    /// <summary>True when each example's output depends only on that example (no batch statistics).</summary>
    public static bool IsBatchIndependent(nn.Module model) =>
        !model.modules().Any(m => m is BatchNorm1d or BatchNorm2d or BatchNorm3d);

    /// <summary>The slice size to use: <paramref name="requested"/> (0: the whole batch), never more than the batch.</summary>
    /// <exception cref="GoogLeNetException">Slices were asked of a network with batch normalisation.</exception>
    public static int Resolve(int requested, int batchSize, Classifier model, string modelName)
    {
        if (requested == 0 || requested >= batchSize)
            return batchSize;
        if (!IsBatchIndependent(model))
            throw new InvalidSettingException(
                $"TrainOptions.MicroBatch {requested}: {modelName} uses batch normalisation, whose statistics would change with the slice size; leave TrainOptions.MicroBatch at 0");
        return requested;
    }

    /// <summary>One optimiser step on the batch (<paramref name="x"/>, <paramref name="y"/>).</summary>
    /// <param name="model">The network, in training mode.</param>
    /// <param name="optimizer">The optimiser of its parameters; its gradients are zeroed first.</param>
    /// <param name="x">The batch's images, N x C x H x W, on the model's device.</param>
    /// <param name="y">Their labels (N, int64).</param>
    /// <param name="loss">The training loss of (logits, labels), a mean over the examples it is given.</param>
    /// <param name="microBatch">Examples per slice, 1 or more (<see cref="Resolve"/> gives it); N or more for the whole batch at once.</param>
    /// <param name="checkLoss">Called with each slice's loss before its backward pass (the divergence check).</param>
    /// <param name="precision">The arithmetic of the forward pass: in <see cref="Precision.Bf16"/> the forward runs under
    /// autocast and the loss is computed in float32 from the logits; the backward pass follows the forward's casts back
    /// to the float32 weights, and the update is in float32.</param>
    /// <remarks>
    /// The step holds its own dispose scope, so every caller (train, bench, the layer profiler) releases what
    /// it made, the optimiser's handles on the gradients included, when it returns rather than at the next
    /// garbage collection.
    /// </remarks>
    /// <returns>The batch's mean loss and how many of its examples were classified right, before the update.</returns>
    public static StepResult Run(Classifier model, OptimizerHelper optimizer, Tensor x, Tensor y, Func<Tensor, Tensor, Tensor> loss,
        int microBatch, Action<float>? checkLoss = null, Precision precision = Precision.Fp32)
    {
        var result = RunInScope(model, optimizer, x, y, loss, microBatch, checkLoss, precision);
        ReleaseFinalizable();
        return result;
    }

    private static StepResult RunInScope(Classifier model, OptimizerHelper optimizer, Tensor x, Tensor y, Func<Tensor, Tensor, Tensor> loss,
        int microBatch, Action<float>? checkLoss, Precision precision)
    {
        using var stepScope = NewDisposeScope();
        optimizer.zero_grad();
        long n = y.shape[0];
        double lossSum = 0;
        long correct = 0;
        for (long start = 0; start < n; start += microBatch)
        {
            using var scope = NewDisposeScope();
            long length = Math.Min(microBatch, n - start);
            var (xs, ys) = length == n ? (x, y) : (x.narrow(0, start, length), y.narrow(0, start, length));
            Tensor logits, sliceLoss;
            using (Runtime.Autocast.On(precision))
                (logits, sliceLoss) = model.TrainingStep(xs, ys, precision == Precision.Fp32 ? loss : InFloat32(loss));
            float value = sliceLoss.item<float>();
            checkLoss?.Invoke(value);
            (length == n ? sliceLoss : sliceLoss * ((double)length / n)).backward();
            lossSum += (double)value * length;
            correct += logits.argmax(1).eq(ys).sum().item<long>();
        }
        optimizer.step();
        return new StepResult((float)(lossSum / n), correct);
    }

    /// <summary>
    /// Frees, at the end of every step, the native objects that are released only by a finalizer. TorchSharp's
    /// optimisers pass their rates and factors to libtorch as <c>Scalar</c> objects converted from <c>double</c> and
    /// never disposed (one or more per parameter and step); each is a few bytes that glibc carves from the holes the
    /// step's freed activations leave in the heap. Left to the next garbage collection, tens of steps away, they keep
    /// those holes from merging again, the next steps' activations no longer fit, and the heap grows by tens of MB a
    /// step, each new page faulted in (BENCHMARKS.md: resident memory 1,075 to 2,558 MB over 20 steps and a fifth of
    /// the step's time in the kernel's page clearing). A collection of the youngest generation and the finalizers it
    /// queues takes about a millisecond here.
    /// </summary>
    private static void ReleaseFinalizable()
    {
        GC.Collect(0, GCCollectionMode.Forced, blocking: true);
        GC.WaitForPendingFinalizers();
    }

    /// <summary>The loss of float32 copies of the logits, however the forward pass computed them.</summary>
    private static Func<Tensor, Tensor, Tensor> InFloat32(Func<Tensor, Tensor, Tensor> loss) =>
        (logits, target) => loss(Runtime.Autocast.InFloat32(logits), target);
}
