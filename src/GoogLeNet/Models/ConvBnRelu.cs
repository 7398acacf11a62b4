using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace GoogLeNet.Models;

/// <summary>Convolution without bias, batch normalisation, ReLU: the unit of the BN-era Inception networks.</summary>
public sealed class ConvBnRelu : Module<Tensor, Tensor>
{
    private readonly Conv2d conv;
    private readonly BatchNorm2d bn;

    public ConvBnRelu(int inChannels, int outChannels, (int H, int W) kernel, int stride = 1, (int H, int W)? padding = null)
        : base(nameof(ConvBnRelu))
    {
        var pad = padding ?? (kernel.H / 2, kernel.W / 2); // "same" padding unless told otherwise
        conv = Conv2d(inChannels, outChannels, (kernel.H, kernel.W), stride: (stride, stride), padding: (pad.H, pad.W), bias: false);
        bn = BatchNorm2d(outChannels);
        RegisterComponents();
        OutChannels = outChannels;
    }

    public ConvBnRelu(int inChannels, int outChannels, int kernel, int stride = 1, int? padding = null)
        : this(inChannels, outChannels, (kernel, kernel), stride, padding is { } p ? (p, p) : null)
    {
    }

    public int OutChannels { get; }

    public override Tensor forward(Tensor x)
    {
        using var y = conv.call(x);
        using var z = bn.call(y);
        return functional.relu(z);
    }
}
