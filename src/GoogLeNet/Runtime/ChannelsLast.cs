using static TorchSharp.torch;

namespace GoogLeNet.Runtime;

/// <summary>
/// Channels-last ("NHWC") memory order for images, activations and convolution weights. The tensors keep
/// their N x C x H x W shape and meaning; only the order of their elements in memory changes, to the one
/// oneDNN's CPU convolutions and libtorch's pooling kernels run fastest in (BENCHMARKS.md: 1.9x inference,
/// 1.2x training on the chapter's network). libtorch carries the order from a layer's input to its output,
/// so converting the weights and each input batch is enough. TorchSharp 0.107 has no
/// <c>memory_format</c> argument, so the order is made by a permute-copy-permute.
/// </summary>
internal static class ChannelsLast
{
    /// <summary>A 4-D tensor in channels-last order (the same tensor if it is not 4-D); a new tensor otherwise.</summary>
    /// <remarks>
    /// A batch of one channel has the same elements in both orders, and its usual strides (H*W, H*W, W, 1) leave
    /// libtorch to read it as the plain order: a convolution on it (the stem of a grey-image network) then runs
    /// oneDNN's plain-order kernel and gives its output in the plain order. It is returned as a view with the strides
    /// of channels-last (H*W, 1, W, 1), which libtorch reads as such: the stem's convolution of the chapter's network
    /// takes 14 ms instead of 35 ms forward and backward in bf16 (BENCHMARKS.md).
    /// </remarks>
    public static Tensor Of(Tensor x)
    {
        if (x.dim() != 4)
            return x.alias();
        using var scope = NewDisposeScope(); // the intermediate views
        long[] shape = x.shape;
        if (shape[1] == 1)
        {
            var plain = x.contiguous();
            return plain.as_strided(shape, [shape[2] * shape[3], 1, shape[3], 1], plain.storage_offset()).MoveToOuterDisposeScope();
        }
        return x.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2).MoveToOuterDisposeScope();
    }

    /// <summary>An uninitialised channels-last bfloat16 batch of N x C x H x W, for the library's bf16 kernels to write.</summary>
    public static Tensor EmptyBFloat16(int n, int c, int h, int w) =>
        empty_strided([n, c, h, w], [(long)h * w * c, 1, (long)w * c, c], dtype: ScalarType.BFloat16);

    /// <summary>True when a 4-D tensor's channels are adjacent in memory.</summary>
    public static bool Is(Tensor x)
    {
        if (x.dim() != 4)
            return false;
        using var view = x.permute(0, 2, 3, 1);
        return view.is_contiguous();
    }

    /// <summary>
    /// Runs <paramref name="action"/> with the model's parameters in the usual contiguous order, then
    /// restores channels-last: TorchSharp's <c>save</c> writes only contiguous tensors.
    /// </summary>
    public static void WhileContiguous(nn.Module model, Action action)
    {
        var reordered = model.parameters().Where(p => p.dim() == 4 && !p.is_contiguous()).ToList();
        using (no_grad())
        {
            foreach (var p in reordered)
            {
                using var plain = p.contiguous();
                p.set_(plain);
            }
        }
        try
        {
            action();
        }
        finally
        {
            using var _ = no_grad();
            foreach (var p in reordered)
            {
                using var back = Of(p);
                p.set_(back);
            }
        }
    }

    /// <summary>
    /// Re-lays, in the usual contiguous order and for good, every tensor the optimiser keeps per parameter (SGD's
    /// momentum buffers, Adam's averages), which take the channels-last order of the gradients they were made from:
    /// TorchSharp's <c>save_state_dict</c> writes only contiguous tensors. Element-wise updates give the same values in
    /// either order.
    /// </summary>
    public static void MakeStateContiguous(TorchSharp.Modules.OptimizerHelper optimizer)
    {
        using var _ = no_grad();
        foreach (var state in optimizer.state_dict().State)
        {
            foreach (var field in state.GetType().GetFields(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Instance))
            {
                if (field.GetValue(state) is Tensor t && !t.is_contiguous())
                {
                    using var plain = t.contiguous();
                    t.set_(plain);
                }
            }
        }
    }

    /// <summary>
    /// Re-lays every 4-D parameter of <paramref name="model"/> in channels-last order, in place, and makes the output of
    /// every convolution of one input channel channels-last.
    /// </summary>
    /// <remarks>
    /// A grey image batch made by <see cref="Of"/> carries the strides that make libtorch run the stem's convolution
    /// channels-last. One that keeps its usual strides (the same elements) would have the stem's convolution give its
    /// output, and the layers after it until the next convolution of a channels-last weight, in the plain order; the
    /// output of a convolution of one input channel is then re-laid once instead (BENCHMARKS.md has both effects).
    /// </remarks>
    public static void Apply(nn.Module model)
    {
        using (no_grad())
        {
            foreach (var p in model.parameters().Where(p => p.dim() == 4 && !Is(p)))
            {
                using var reordered = Of(p);
                p.set_(reordered);
            }
        }
        foreach (var conv in model.modules().OfType<TorchSharp.Modules.Conv2d>().Where(c => c.in_channels == 1))
            conv.register_forward_hook((_, _, output) => output.dim() == 4 && output.shape[1] > 1 && !Is(output) ? Of(output) : output);
    }
}
