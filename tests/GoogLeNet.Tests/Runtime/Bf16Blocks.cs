using GoogLeNet.Models;
using GoogLeNet.Runtime;
using static TorchSharp.torch;

namespace GoogLeNet.Tests.Runtime;

/// <summary>What the tests of the bf16 kernels compare: tensors to the bit or by their distance, and one block's step.</summary>
internal static class Bf16Blocks
{
    /// <summary>Same type, shape and bytes.</summary>
    public static bool BitEqual(Tensor a, Tensor b)
    {
        using var ca = a.contiguous();
        using var cb = b.contiguous();
        return a.dtype == b.dtype && a.shape.SequenceEqual(b.shape) && ca.bytes.SequenceEqual(cb.bytes);
    }

    /// <summary>‖a - b‖ / ‖b‖, computed in float32.</summary>
    public static double RelativeError(Tensor a, Tensor b)
    {
        using var fa = a.to_type(ScalarType.Float32);
        using var fb = b.to_type(ScalarType.Float32);
        using var diff = fa - fb;
        return diff.norm().item<float>() / Math.Max(fb.norm().item<float>(), 1e-12f);
    }

    /// <summary>
    /// An Inception block of <paramref name="inChannels"/> inputs on 6x6 maps in training mode and channels-last, with a
    /// channels-last bfloat16 batch of 4 for it and a gradient for its output, all from <paramref name="seed"/>.
    /// </summary>
    public static (InceptionBlock Block, Tensor Input, Tensor OutputGrad) Case(int inChannels, bool batchNorm, int seed)
    {
        manual_seed(seed);
        var spec = new InceptionSpec(32, 24, 48, 8, 16, 40);
        var block = new InceptionBlock(inChannels, spec, batchNorm);
        block.train();
        ChannelsLast.Apply(block);
        var x = ChannelsLast.Of(randn(4, inChannels, 6, 6).to_type(ScalarType.BFloat16));
        var g = ChannelsLast.Of(randn(4, spec.OutChannels, 6, 6).to_type(ScalarType.BFloat16));
        return (block, x, g);
    }

    /// <summary>One forward pass of <paramref name="block"/> under bf16 autocast and its backward pass from <paramref name="g"/>.</summary>
    /// <returns>The output, the input's gradient and every parameter's gradient by name.</returns>
    public static (Tensor Output, Tensor InputGrad, Dictionary<string, Tensor> Grads) Step(InceptionBlock block, Tensor x0, Tensor g)
    {
        block.zero_grad();
        using var x = x0.detach().requires_grad_();
        Tensor y;
        using (Autocast.On(Precision.Bf16))
            y = block.call(x);
        y.backward([g]);
        return (y.detach(), x.grad!.clone(), block.named_parameters().ToDictionary(p => p.name, p => p.parameter.grad!.clone()));
    }
}
