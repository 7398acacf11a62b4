using TorchSharp;
using static TorchSharp.torch;

namespace GoogLeNet.Models;

/// <summary>
/// Max pooling over square windows, computed as TorchSharp's <c>MaxPool2d</c> computes it, on this library's
/// kernels when the activations are channels-last bfloat16 (the form of bf16 mixed precision) and on libtorch's
/// otherwise. Without parameters, so checkpoints and state dicts are those of a network built with <c>MaxPool2d</c>.
/// </summary>
public sealed class MaxPool : TorchSharp.Modules.ParameterLessModule<Tensor, Tensor>
{
    /// <summary>A pooling of <paramref name="kernelSize"/> x <paramref name="kernelSize"/> windows.</summary>
    /// <param name="kernelSize">The window's side.</param>
    /// <param name="stride">The step between windows; the window's side when null.</param>
    /// <param name="padding">Implicit negative-infinity padding on each side, at most half the window.</param>
    /// <param name="ceilMode">Round the output size up instead of down (libtorch's kernel then computes it).</param>
    public MaxPool(long kernelSize, long? stride = null, long padding = 0, bool ceilMode = false) : base(nameof(MaxPool))
    {
        kernel_size = [kernelSize, kernelSize];
        this.stride = [stride ?? kernelSize, stride ?? kernelSize];
        this.padding = [padding, padding];
        ceil_mode = ceilMode;
    }

    /// <summary>The window's height and width.</summary>
    public long[] kernel_size { get; }

    /// <summary>The step between windows, vertically and horizontally.</summary>
    public long[] stride { get; }

    /// <summary>The padding above and below, left and right.</summary>
    public long[] padding { get; }

    /// <summary>The distance between a window's elements: always 1.</summary>
    public long[] dilation { get; } = [1, 1];

    /// <summary>Whether the output size is rounded up.</summary>
    public bool ceil_mode { get; }

    /// <summary>The pooled batch.</summary>
    /// <param name="input">N x C x H x W.</param>
    public override Tensor forward(Tensor input) =>
        Runtime.MaxPooling.Apply(input, kernel_size, stride, padding, dilation, ceil_mode);
}
