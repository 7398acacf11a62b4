using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using static TorchSharp.torch;

namespace GoogLeNet.Runtime;

/// <summary>
/// <c>cat([relu(z1), relu(z2), ...], dim: 1)</c>, the end of every Inception block, in one pass over memory when the
/// paths' outputs are channels-last bfloat16 (the form of bf16 mixed precision): each path's pre-activation is read
/// once and written rectified into its channels of the block's output. libtorch runs it as one ReLU per path, each
/// writing a tensor of its own, and a concatenation copying them again; its backward pass then hands each path a
/// strided slice of the output's gradient, which the ReLU's backward masks and the convolution's backward copies
/// into a dense tensor before use (BENCHMARKS.md). Here the backward pass writes each path's masked gradient, dense
/// and channels-last, straight from the output's gradient and the saved output. Values equal libtorch's to the bit
/// (a NaN passes through, -0 stays -0, as <c>clamp_min</c> does); gradients are libtorch's too (passed where the output
/// is positive or NaN). Every other form goes to libtorch's operations.
/// </summary>
internal static unsafe class ReluConcat
{
    private const int Lanes = 32; // bfloat16 values in a 512-bit vector

    [ThreadStatic]
    private static bool _disabled;

    /// <summary>False sends the calling thread's concatenations to libtorch's ReLU and cat (the tests compare the two).</summary>
    internal static bool Enabled
    {
        get => !_disabled;
        set => _disabled = !value;
    }

    /// <summary>
    /// True when a block whose input is <paramref name="x"/> should end in <see cref="Apply"/>: the kernels can run here
    /// and the input is a channels-last bfloat16 batch on the CPU, so the paths' outputs will be too.
    /// </summary>
    internal static bool Expects(Tensor x) =>
        Enabled && Vector512.IsHardwareAccelerated && OpenMp.Available && x.dtype == ScalarType.BFloat16
        && x.device_type == TorchSharp.DeviceType.CPU && x.dim() == 4 && ChannelsLast.Is(x);

    /// <summary>
    /// The paths' pre-activations <paramref name="z"/> (each N x Ci x H x W) rectified and concatenated on the channel
    /// axis: by this library's kernels where <see cref="Handles"/> says so, by libtorch's ReLU and cat otherwise.
    /// Differentiable either way.
    /// </summary>
    public static Tensor Apply(params Tensor[] z)
    {
        if (!Handles(z))
        {
            using var scope = NewDisposeScope();
            return cat(z.Select(t => nn.functional.relu(t)).ToArray(), 1).MoveToOuterDisposeScope();
        }
        return is_grad_enabled() && z.Any(t => t.requires_grad)
            ? ReluConcatFunction.apply(z.Cast<object>().ToArray())
            : Forward(z);
    }

    /// <summary>
    /// True when the kernels take <paramref name="z"/>: two or more channels-last bfloat16 CPU batches of the same N, H
    /// and W, with 512-bit vectors in hardware and libtorch's OpenMP threads reachable.
    /// </summary>
    internal static bool Handles(Tensor[] z)
    {
        if (z.Length < 2 || !Enabled || !Vector512.IsHardwareAccelerated || !OpenMp.Available)
            return false;
        long[] first = z[0].shape;
        long channels = 0;
        foreach (var t in z)
        {
            if (t.dtype != ScalarType.BFloat16 || t.device_type != TorchSharp.DeviceType.CPU || t.dim() != 4)
                return false;
            long[] s = t.shape;
            if (s[0] != first[0] || s[2] != first[2] || s[3] != first[3] || s[1] < 1 || !ChannelsLast.Is(t))
                return false;
            channels += s[1];
        }
        return first[0] * first[2] * first[3] * channels * 2 < int.MaxValue;
    }

    /// <summary>The rectified concatenation, channels-last.</summary>
    internal static Tensor Forward(Tensor[] z)
    {
        var layout = Layout.Of(z);
        var output = layout.EmptyOutput();
        var sources = new nint[z.Length];
        for (int b = 0; b < z.Length; b++)
            sources[b] = Address(z[b]);
        nint dst = Address(output);
        OpenMp.Parallel(get_num_threads(), (t, threads) =>
        {
            var (from, to) = OpenMp.Share(layout.Pixels, t, threads);
            ForwardPixels(sources, (ushort*)dst, layout, from, to);
        });
        return output;
    }

    /// <summary>Each path's gradient (channels-last), from the output's gradient and the output.</summary>
    internal static Tensor[] Backward(Tensor gradOutput, Tensor output, int[] channels)
    {
        var layout = new Layout(output.shape, channels);
        using var scope = NewDisposeScope();
        var g = gradOutput.dtype == ScalarType.BFloat16 ? gradOutput : gradOutput.to_type(ScalarType.BFloat16);
        if (!ChannelsLast.Is(g))
            g = ChannelsLast.Of(g);
        var grads = new Tensor[channels.Length];
        var targets = new nint[channels.Length];
        for (int b = 0; b < channels.Length; b++)
        {
            grads[b] = layout.EmptyPath(b).MoveToOuterDisposeScope();
            targets[b] = Address(grads[b]);
        }
        nint gi = Address(g), yi = Address(output);
        OpenMp.Parallel(get_num_threads(), (t, threads) =>
        {
            var (from, to) = OpenMp.Share(layout.Pixels, t, threads);
            BackwardPixels((ushort*)gi, (ushort*)yi, targets, layout, from, to);
        });
        return grads;
    }

    /// <summary>The first element of a channels-last tensor, whose elements are one dense N x H x W x C block.</summary>
    private static nint Address(Tensor channelsLast)
    {
        using var view = channelsLast.permute(0, 2, 3, 1);
        return (nint)Unsafe.AsPointer(ref MemoryMarshal.GetReference(view.bytes));
    }

    private sealed class Layout
    {
        public Layout(long[] outputShape, int[] channels)
        {
            N = (int)outputShape[0];
            H = (int)outputShape[2];
            W = (int)outputShape[3];
            Channels = channels;
            Offsets = new int[channels.Length];
            for (int b = 1; b < channels.Length; b++)
                Offsets[b] = Offsets[b - 1] + channels[b - 1];
            Total = Offsets[^1] + channels[^1];
        }

        public static Layout Of(Tensor[] z)
        {
            long[] s = z[0].shape;
            var channels = z.Select(t => (int)t.shape[1]).ToArray();
            return new Layout([s[0], channels.Sum(), s[2], s[3]], channels);
        }

        public int N { get; }
        public int H { get; }
        public int W { get; }
        public int[] Channels { get; }
        public int[] Offsets { get; }
        public int Total { get; }
        public int Pixels => N * H * W;

        public Tensor EmptyOutput() => ChannelsLast.EmptyBFloat16(N, Total, H, W);

        public Tensor EmptyPath(int b) => ChannelsLast.EmptyBFloat16(N, Channels[b], H, W);
    }

    /// <summary>
    /// <c>clamp_min(v, 0)</c> of bfloat16 bit patterns read as signed 16-bit integers: negative numbers, -infinity
    /// among them (-32767..-128), become +0; -0 (-32768), negative NaNs (-127..-1) and everything positive stay.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<short> Relu(Vector512<short> v)
    {
        var negative = Vector512.LessThan(v, Vector512.Create((short)-127)) & Vector512.GreaterThan(v, Vector512.Create(short.MinValue));
        return Vector512.AndNot(v, negative);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static short Relu(short v) => v < -127 && v > short.MinValue ? (short)0 : v;

    /// <summary>
    /// The mask of <c>threshold_backward(g, y, 0)</c>: the gradient passes where the output is not &lt;= 0, that is where
    /// its pattern is positive (+infinity and positive NaNs included) or a negative NaN (-127..-1).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<short> Passes(Vector512<short> y) =>
        Vector512.GreaterThan(y, Vector512.Create((short)-128)) & ~Vector512.Equals(y, Vector512<short>.Zero);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Passes(short y) => y > -128 && y != 0;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ForwardPixels(nint[] sources, ushort* output, Layout layout, int from, int to)
    {
        int paths = sources.Length;
        for (long p = from; p < to; p++)
        {
            short* dst = (short*)output + p * layout.Total;
            for (int b = 0; b < paths; b++)
            {
                int c = layout.Channels[b];
                short* src = (short*)sources[b] + p * c;
                short* d = dst + layout.Offsets[b];
                if (c < Lanes)
                {
                    for (int j = 0; j < c; j++)
                        d[j] = Relu(src[j]);
                    continue;
                }
                int i = 0;
                for (; i + Lanes <= c; i += Lanes)
                    Relu(Vector512.Load(src + i)).Store(d + i);
                if (i < c) // a last vector ending at c, overlapping the one before
                    Relu(Vector512.Load(src + c - Lanes)).Store(d + c - Lanes);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void BackwardPixels(ushort* gradOutput, ushort* output, nint[] targets, Layout layout, int from, int to)
    {
        int paths = targets.Length;
        for (long p = from; p < to; p++)
        {
            short* g = (short*)gradOutput + p * layout.Total;
            short* y = (short*)output + p * layout.Total;
            for (int b = 0; b < paths; b++)
            {
                int c = layout.Channels[b], off = layout.Offsets[b];
                short* gb = g + off, yb = y + off;
                short* d = (short*)targets[b] + p * c;
                if (c < Lanes)
                {
                    for (int j = 0; j < c; j++)
                        d[j] = Passes(yb[j]) ? gb[j] : (short)0;
                    continue;
                }
                int i = 0;
                for (; i + Lanes <= c; i += Lanes)
                    (Vector512.Load(gb + i) & Passes(Vector512.Load(yb + i))).Store(d + i);
                if (i < c)
                    (Vector512.Load(gb + c - Lanes) & Passes(Vector512.Load(yb + c - Lanes))).Store(d + c - Lanes);
            }
        }
    }

    /// <summary>The fused ReLU and concatenation as an autograd function: the backward pass reads the saved output.</summary>
    private sealed class ReluConcatFunction : autograd.SingleTensorFunction<ReluConcatFunction>
    {
        public override string Name => "ReluConcatBFloat16ChannelsLast";

        public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
        {
            var z = vars.Cast<Tensor>().ToArray();
            var output = Forward(z);
            // A detached alias: the output itself would tie the saved tensor to this node.
            ctx.save_for_backward([output.detach()]);
            ctx.save_data("channels", z.Select(t => (int)t.shape[1]).ToArray());
            return output;
        }

        public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor grad_output)
        {
            using var output = ctx.get_saved_variables()[0];
            return [.. Backward(grad_output, output, (int[])ctx.get_data("channels"))];
        }
    }
}
