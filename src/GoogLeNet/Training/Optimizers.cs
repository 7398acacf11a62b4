using GoogLeNet.Models;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace GoogLeNet.Training;

/// <summary>The optimiser <see cref="TrainingLoop"/> makes from the options when it is given none.</summary>
public static class Optimizers
{
    /// <summary>
    /// SGD at <see cref="TrainOptions.Lr"/> with the options' <see cref="TrainOptions.Momentum"/>,
    /// <see cref="TrainOptions.Nesterov"/> and <see cref="TrainOptions.WeightDecay"/>. Weight decay applies to the
    /// weights of convolutions and linear layers only, not to biases or batch-norm scales and shifts (one parameter
    /// group each: <see cref="DecayedParameters"/>); without it the book's single group of plain SGD.
    /// </summary>
    /// <param name="model">The network whose parameters it updates.</param>
    /// <param name="options">The run's options.</param>
    public static OptimizerHelper Sgd(Classifier model, TrainOptions options)
    {
        if (options.WeightDecay == 0)
            return optim.SGD(model.parameters(), options.Lr, options.Momentum, nesterov: options.Nesterov);
        var (decayed, kept) = DecayedParameters(model);
        return optim.SGD(
        [
            new SGD.ParamGroup(decayed, options.Lr, options.Momentum, 0, options.WeightDecay, options.Nesterov, false),
            new SGD.ParamGroup(kept, options.Lr, options.Momentum, 0, 0, options.Nesterov, false),
        ], options.Lr, options.Momentum, nesterov: options.Nesterov);
    }

    /// <summary>
    /// The parameters weight decay applies to (those of two or more dimensions: convolution and linear weights) and
    /// the others (biases, batch-norm scales and shifts), each in the model's order.
    /// </summary>
    /// <param name="model">The network.</param>
    public static (IReadOnlyList<Parameter> Decayed, IReadOnlyList<Parameter> Kept) DecayedParameters(nn.Module model)
    {
        var all = model.parameters().ToList();
        return (all.Where(p => p.dim() > 1).ToList(), all.Where(p => p.dim() <= 1).ToList());
    }
}
