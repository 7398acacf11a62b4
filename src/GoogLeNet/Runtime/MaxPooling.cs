using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using static TorchSharp.torch;

namespace GoogLeNet.Runtime;

/// <summary>
/// Max pooling of channels-last bfloat16 activations, the form every pooling of the networks takes under bf16
/// mixed precision, by kernels of this library; everything else goes to libtorch's <c>max_pool2d</c>. libtorch
/// 2.10's kernel for this form converts every element to float32 and back and keeps the window's winner as a 64-bit
/// index per output element; pooling was 15 % of a training step (BENCHMARKS.md). These kernels compare the
/// bfloat16 bit patterns directly, 32 channels at a time, and keep the winner as one byte (its position in the
/// window); the backward pass gathers each input element's gradient from the windows that chose it, summing in
/// float32. The outputs equal libtorch's bit for bit; the input gradients are within one bfloat16 rounding of its
/// (libtorch rounds after every addition). Ties go to the first position in the window, as in libtorch, and a NaN
/// in a window wins it.
/// </summary>
internal static unsafe class MaxPooling
{
    private const int Lanes = 32; // bfloat16 values in a 512-bit vector

    /// <summary>The window of a pooling: square kernel, stride and padding, no dilation, floor rounding.</summary>
    internal readonly record struct Window(int Kernel, int Stride, int Padding)
    {
        public int OutputSize(int input) => (input + 2 * Padding - Kernel) / Stride + 1;
    }

    /// <summary>
    /// Max pooling of <paramref name="x"/> (N x C x H x W) as <c>max_pool2d</c> computes it: by this library's kernels
    /// where <see cref="Handles"/> says so, by libtorch's otherwise. Differentiable either way.
    /// </summary>
    public static Tensor Apply(Tensor x, long[] kernel, long[] stride, long[] padding, long[] dilation, bool ceilMode)
    {
        if (WindowOf(kernel, stride, padding, dilation, ceilMode) is { } window && Handles(x, window))
        {
            return x.requires_grad && is_grad_enabled()
                ? MaxPoolFunction.apply(x, window)
                : Forward(x, window, keepWinners: false).Output;
        }
        return nn.functional.max_pool2d(x, kernel, stride, padding, dilation, ceilMode);
    }

    [ThreadStatic]
    private static bool _disabled;

    /// <summary>
    /// False sends every pooling of the calling thread to libtorch's kernel (the tests compare the two through whole
    /// networks).
    /// </summary>
    internal static bool Enabled
    {
        get => !_disabled;
        set => _disabled = !value;
    }

    /// <summary>The square, undilated, floor-rounded window these kernels run; null for any other.</summary>
    internal static Window? WindowOf(long[] kernel, long[] stride, long[] padding, long[] dilation, bool ceilMode)
    {
        static bool Square(long[] a) => a.Length == 2 && a[0] == a[1];
        if (ceilMode || !Square(kernel) || !Square(stride) || !Square(padding) || dilation.Any(d => d != 1))
            return null;
        if (kernel[0] is < 1 or > 15 || stride[0] < 1 || padding[0] < 0 || padding[0] > kernel[0] / 2)
            return null;
        return new Window((int)kernel[0], (int)stride[0], (int)padding[0]);
    }

    /// <summary>
    /// True when these kernels pool <paramref name="x"/>: a channels-last bfloat16 batch of at least 32 channels
    /// on the CPU, with 512-bit vectors in hardware and libtorch's OpenMP threads reachable.
    /// </summary>
    internal static bool Handles(Tensor x, Window window)
    {
        if (!Enabled || !Vector512.IsHardwareAccelerated || !OpenMp.Available
            || x.dtype != ScalarType.BFloat16 || x.device_type != TorchSharp.DeviceType.CPU || x.dim() != 4)
            return false;
        long[] shape = x.shape;
        return shape[1] >= Lanes && shape[2] + 2 * window.Padding >= window.Kernel && shape[3] + 2 * window.Padding >= window.Kernel
            && x.NumberOfElements * 2 < int.MaxValue && ChannelsLast.Is(x);
    }

    /// <summary>The pooled batch (channels-last) and, when asked, each output element's winner (its window position).</summary>
    internal static (Tensor Output, Tensor? Winners) Forward(Tensor x, Window window, bool keepWinners)
    {
        int n = (int)x.shape[0], c = (int)x.shape[1], h = (int)x.shape[2], w = (int)x.shape[3];
        int oh = window.OutputSize(h), ow = window.OutputSize(w);
        var output = ChannelsLast.EmptyBFloat16(n, c, oh, ow);
        var winners = keepWinners ? empty([n, oh, ow, c], dtype: ScalarType.Byte) : null;
        using var xView = x.permute(0, 2, 3, 1);
        using var yView = output.permute(0, 2, 3, 1);
        fixed (byte* xp = xView.bytes, yp = yView.bytes, ap = winners is null ? default : winners.bytes)
        {
            var shape = new Shape(n, c, h, w, oh, ow, window);
            nint xi = (nint)xp, yi = (nint)yp, ai = (nint)ap;
            OpenMp.Parallel(get_num_threads(), (t, threads) =>
            {
                var (from, to) = OpenMp.Share(n * oh, t, threads);
                ForwardRows((ushort*)xi, (ushort*)yi, (byte*)ai, from, to, shape);
            });
        }
        return (output, winners);
    }

    /// <summary>The gradient of the input (channels-last), from the output's gradient and the forward pass's winners.</summary>
    internal static Tensor Backward(Tensor gradOutput, Tensor winners, long[] inputShape, Window window)
    {
        int n = (int)inputShape[0], c = (int)inputShape[1], h = (int)inputShape[2], w = (int)inputShape[3];
        int oh = window.OutputSize(h), ow = window.OutputSize(w);
        var gradInput = ChannelsLast.EmptyBFloat16(n, c, h, w);
        using var scope = NewDisposeScope();
        var g = gradOutput.dtype == ScalarType.BFloat16 ? gradOutput : gradOutput.to_type(ScalarType.BFloat16);
        if (!ChannelsLast.Is(g))
            g = ChannelsLast.Of(g);
        var gView = g.permute(0, 2, 3, 1);
        var gxView = gradInput.permute(0, 2, 3, 1);
        fixed (byte* gp = gView.bytes, ap = winners.bytes, gxp = gxView.bytes)
        {
            var shape = new Shape(n, c, h, w, oh, ow, window);
            nint gi = (nint)gp, ai = (nint)ap, gxi = (nint)gxp;
            OpenMp.Parallel(get_num_threads(), (t, threads) =>
            {
                var (from, to) = OpenMp.Share(n * h, t, threads);
                BackwardRows((ushort*)gi, (byte*)ai, (ushort*)gxi, from, to, shape);
            });
        }
        return gradInput;
    }

    private readonly record struct Shape(int N, int C, int H, int W, int OH, int OW, Window Window);

    /// <summary>
    /// The channel offsets of the 32-lane chunks: 0, 32, ..., and, when C is not a multiple of 32, a last chunk
    /// ending at C that overlaps the one before it (both passes compute the same values for the shared lanes).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int NextChunk(int ch, int c) => ch + Lanes > c - Lanes && ch + Lanes < c ? c - Lanes : ch + Lanes;

    /// <summary>
    /// An order-preserving key of bfloat16 bit patterns as signed 16-bit integers: larger values get larger keys,
    /// -0 and +0 the same key, every NaN the largest.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<short> Key(Vector512<short> v)
    {
        var sign = Vector512.ShiftRightArithmetic(v, 15);
        var key = (v ^ (sign & Vector512.Create((short)0x7FFF))) - sign;
        var nan = Vector512.GreaterThan(v & Vector512.Create((short)0x7FFF), Vector512.Create((short)0x7F80));
        return Vector512.ConditionalSelect(nan, Vector512.Create(short.MaxValue), key);
    }

    /// <summary>
    /// Output rows [from, to) of the flattened N x OH: for each, the window's rows are read one input row at a time
    /// (sequentially, left to right), the running maxima kept in a small buffer of one output row.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ForwardRows(ushort* x, ushort* y, byte* winners, int from, int to, Shape s)
    {
        int c = s.C, k = s.Window.Kernel, stride = s.Window.Stride, pad = s.Window.Padding;
        int rowLength = s.OW * c;
        short* best = (short*)NativeMemory.Alloc((nuint)(rowLength * 2L * sizeof(short)));
        short* where = best + rowLength;
        try
        {
            for (int r = from; r < to; r++)
            {
                int b = r / s.OH, o = r % s.OH;
                int ih0 = o * stride - pad;
                int khLo = Math.Max(0, -ih0), khHi = Math.Min(k, s.H - ih0);
                short* yRow = (short*)(y + (long)r * rowLength);
                for (int kh = khLo; kh < khHi; kh++)
                {
                    short* inRow = (short*)(x + ((long)b * s.H + ih0 + kh) * s.W * c);
                    bool firstRow = kh == khLo;
                    for (int q = 0; q < s.OW; q++)
                    {
                        int iw0 = q * stride - pad;
                        int kwLo = Math.Max(0, -iw0), kwHi = Math.Min(k, s.W - iw0);
                        long at = (long)q * c;
                        for (int ch = 0; ch < c; ch = NextChunk(ch, c))
                        {
                            Vector512<short> top, bits, pos;
                            int kw = kwLo;
                            if (firstRow)
                            {
                                bits = Vector512.Load(inRow + (long)(iw0 + kw) * c + ch);
                                top = Key(bits);
                                pos = Vector512.Create((short)(kh * k + kw));
                                kw++;
                            }
                            else
                            {
                                top = Vector512.Load(best + at + ch);
                                bits = Vector512.Load(yRow + at + ch);
                                pos = Vector512.Load(where + at + ch);
                            }
                            for (; kw < kwHi; kw++)
                            {
                                var v = Vector512.Load(inRow + (long)(iw0 + kw) * c + ch);
                                var key = Key(v);
                                var better = Vector512.GreaterThan(key, top);
                                top = Vector512.Max(key, top);
                                bits = Vector512.ConditionalSelect(better, v, bits);
                                pos = Vector512.ConditionalSelect(better, Vector512.Create((short)(kh * k + kw)), pos);
                            }
                            top.Store(best + at + ch);
                            bits.Store(yRow + at + ch);
                            pos.Store(where + at + ch);
                        }
                    }
                }
                if (winners is not null)
                {
                    byte* wRow = winners + (long)r * rowLength;
                    for (int i = 0; i < rowLength; i = NextChunk(i, rowLength))
                    {
                        var p = Vector512.Load(where + i);
                        Vector256.Narrow(p.GetLower(), p.GetUpper()).AsByte().Store(wRow + i);
                    }
                }
            }
        }
        finally
        {
            NativeMemory.Free(best);
        }
    }

    /// <summary>
    /// Input rows [from, to) of the flattened N x H: each input element's gradient is the float32 sum, in the order
    /// of the output elements, of the output gradients whose window chose it, rounded once to bfloat16.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void BackwardRows(ushort* gy, byte* winners, ushort* gx, int from, int to, Shape s)
    {
        int c = s.C, k = s.Window.Kernel, stride = s.Window.Stride, pad = s.Window.Padding;
        for (int r = from; r < to; r++)
        {
            int b = r / s.H, ih = r % s.H;
            int ohLo = Math.Max(0, CeilDiv(ih + pad - k + 1, stride)), ohHi = Math.Min(s.OH - 1, (ih + pad) / stride);
            ushort* gxRow = gx + (long)r * s.W * c;
            long outBase = (long)b * s.OH * s.OW;
            for (int iw = 0; iw < s.W; iw++)
            {
                int owLo = Math.Max(0, CeilDiv(iw + pad - k + 1, stride)), owHi = Math.Min(s.OW - 1, (iw + pad) / stride);
                for (int ch = 0; ch < c; ch = NextChunk(ch, c))
                {
                    var lo = Vector512<float>.Zero;
                    var hi = Vector512<float>.Zero;
                    for (int o = ohLo; o <= ohHi; o++)
                    {
                        int kh = ih + pad - o * stride;
                        for (int q = owLo; q <= owHi; q++)
                        {
                            int kw = iw + pad - q * stride;
                            long at = (outBase + (long)o * s.OW + q) * c + ch;
                            var pos = Vector512.WidenLower(Vector256.Load(winners + at).ToVector512()).AsInt16();
                            var chosen = Vector512.Equals(pos, Vector512.Create((short)(kh * k + kw))).AsUInt16();
                            var g = Vector512.Load(gy + at) & chosen;
                            lo += Vector512.ShiftLeft(Vector512.WidenLower(g), 16).AsSingle();
                            hi += Vector512.ShiftLeft(Vector512.WidenUpper(g), 16).AsSingle();
                        }
                    }
                    Vector512.Narrow(ToBFloat16(lo), ToBFloat16(hi)).Store(gxRow + (long)iw * c + ch);
                }
            }
        }
    }

    private static int CeilDiv(int a, int b) => a >= 0 ? (a + b - 1) / b : -(-a / b);

    /// <summary>float32 to bfloat16 bits, rounded to nearest even as libtorch rounds; NaN stays NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<uint> ToBFloat16(Vector512<float> f)
    {
        var u = f.AsUInt32();
        var rounded = (u + Vector512.Create(0x7FFFu) + ((u >> 16) & Vector512<uint>.One)) >> 16;
        var nan = ~Vector512.Equals(f, f).AsUInt32();
        return Vector512.ConditionalSelect(nan, Vector512.Create(0x7FC0u), rounded);
    }

    /// <summary>The pooling as an autograd function: the forward keeps the winners for the backward.</summary>
    private sealed class MaxPoolFunction : autograd.SingleTensorFunction<MaxPoolFunction>
    {
        public override string Name => "MaxPoolBFloat16ChannelsLast";

        public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
        {
            var x = (Tensor)vars[0];
            var window = (Window)vars[1];
            var (output, winners) = Forward(x, window, keepWinners: true);
            ctx.save_for_backward([winners!]);
            ctx.save_data("shape", x.shape);
            ctx.save_data("window", window);
            return output;
        }

        public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor grad_output)
        {
            using var winners = ctx.get_saved_variables()[0];
            return [Backward(grad_output, winners, (long[])ctx.get_data("shape"), (Window)ctx.get_data("window")), null!];
        }
    }
}
