using TorchSharp.Modules;
using static TorchSharp.torch;

namespace GoogLeNet.Models;

/// <summary>Weight initialisation schemes applied by the caller after a model is built.</summary>
public static class Initialization
{
    /// <summary>
    /// The book's <c>train_ch6</c> initialisation: Xavier-uniform on the weights of every Conv2d and Linear
    /// layer; biases keep the framework default (uniform in +-1/sqrt(fan_in)).
    /// </summary>
    public static void XavierUniform(nn.Module model)
    {
        using var _ = no_grad();
        foreach (var module in model.modules())
        {
            switch (module)
            {
                case Conv2d conv:
                    nn.init.xavier_uniform_(conv.weight);
                    break;
                case Linear linear:
                    nn.init.xavier_uniform_(linear.weight);
                    break;
            }
        }
    }
}
