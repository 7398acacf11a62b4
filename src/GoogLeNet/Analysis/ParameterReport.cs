using GoogLeNet.Models;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace GoogLeNet.Analysis;

/// <summary>Where one model's parameters sit, and what one forward pass costs.</summary>
/// <param name="Model">The registered name of the model.</param>
/// <param name="Channels">Input channels of the reference definition (<see cref="ModelInfo.DefaultChannels"/>).</param>
/// <param name="Classes">Classes of the reference definition (<see cref="ModelInfo.ReferenceClasses"/>).</param>
/// <param name="Params">All parameters, auxiliary heads included.</param>
/// <param name="Macs">Multiply-adds at the report's input size; null when the model does not accept that size.</param>
/// <param name="FcParams">Parameters of the fully connected (<c>Linear</c>) layers.</param>
/// <param name="ConvParams">Parameters of the convolutions, biases included.</param>
/// <param name="OtherParams">The remaining parameters (batch normalisation's scales and shifts).</param>
/// <param name="CheckpointBytes">Size of the model's weights saved in TorchSharp's format.</param>
/// <param name="TrainingOnlyParams">Parameters of auxiliary heads that inference does not run.</param>
public sealed record ParameterRow(string Model, int Channels, int Classes, long Params, long? Macs, long FcParams, long ConvParams, long OtherParams,
    long TrainingOnlyParams, long CheckpointBytes)
{
    /// <summary>Fraction of <see cref="Params"/> in fully connected layers, 0 to 1 (0 for a model without parameters).</summary>
    public double FcShare => Params == 0 ? 0 : (double)FcParams / Params;
}

/// <summary>The chapter's third exercise: parameter counts of AlexNet, VGG, NiN and GoogLeNet compared.</summary>
public static class ParameterReport
{
    /// <summary>The model in its reference definition (<see cref="ModelInfo.DefaultChannels"/>, <see cref="ModelInfo.ReferenceClasses"/>).</summary>
    public static ParameterRow Of(ModelInfo info, int size)
    {
        int channels = info.DefaultChannels, classes = info.ReferenceClasses;
        using var model = info.Create(channels, classes);
        long fc = 0, conv = 0, all = 0;
        foreach (var module in model.modules())
        {
            long own = module.named_parameters(recurse: false).Sum(p => p.parameter.numel());
            all += own;
            if (module is Linear)
                fc += own;
            else if (module is Conv2d)
                conv += own;
        }
        long? macs = null, trainingOnly = 0;
        try
        {
            var summary = ModelSummary.Of(info.Name, model, size, channels);
            macs = summary.Macs;
            trainingOnly = summary.ParamsNotRun;
        }
        catch (GoogLeNetException)
        {
            trainingOnly = model is OriginalGoogLeNet original ? original.AuxiliaryParameters : 0;
        }
        var stream = new MemoryStream();
        model.save(stream);
        return new ParameterRow(info.Name, channels, classes, all, macs, fc, conv, all - fc - conv, trainingOnly.Value, stream.ToArray().LongLength);
    }

    /// <summary>
    /// A short explanation, with the numbers of the rows, of where GoogLeNet and NiN save parameters:
    /// 1x1 reductions before large kernels, and global average pooling instead of big dense layers.
    /// </summary>
    public static IReadOnlyList<string> Explain(IReadOnlyList<ParameterRow> rows)
    {
        var lines = new List<string>();
        var byName = rows.ToDictionary(r => r.Model);
        var dense = rows.Where(r => r.Model is "alexnet" or "vgg11").ToList();
        foreach (var r in rows.Where(r => r.TrainingOnlyParams > 0))
            lines.Add($"{r.Model} ({r.Channels} channels, {r.Classes:N0} classes, as in its paper): {r.Params:N0} parameters, of which {r.TrainingOnlyParams:N0} " +
                      $"belong to auxiliary classifiers used only in training; inference uses {r.Params - r.TrainingOnlyParams:N0}.");
        foreach (var r in dense)
            lines.Add($"{r.Model}: {r.FcParams:N0} of its {r.Params:N0} parameters ({r.FcShare:P0}) are in fully connected layers, " +
                      "whose first layer connects every value of the last feature map to 4,096 units.");
        if (byName.TryGetValue("nin", out var nin))
            lines.Add($"nin: {nin.Params:N0} parameters, {nin.FcParams:N0} in fully connected layers: its last block outputs one channel per class " +
                      "and global average pooling turns each channel into a score, so no dense layer is needed.");
        if (byName.TryGetValue("googlenet", out var g))
        {
            using var model = new ChapterGoogLeNet();
            long naive = 0, actual = 0;
            int channels = 192;
            foreach (var spec in ChapterGoogLeNet.StageSpecs.SelectMany(s => s))
            {
                // Weights of the 3x3 and 5x5 paths with and without their 1x1 reductions.
                actual += channels * spec.C2Reduce + spec.C2Reduce * spec.C2 * 9 + channels * spec.C3Reduce + spec.C3Reduce * spec.C3 * 25;
                naive += channels * spec.C2 * 9 + channels * spec.C3 * 25;
                channels = spec.OutChannels;
            }
            lines.Add($"googlenet: {g.Params:N0} parameters, {g.FcParams:N0} in its one fully connected layer (global average pooling feeds it 1,024 values). " +
                      $"The 1x1 reductions before the 3x3 and 5x5 convolutions of its nine Inception blocks hold those paths to {actual:N0} weights; " +
                      $"the same convolutions applied directly to the block inputs would need {naive:N0} ({(double)naive / actual:F1}x).");
        }
        if (dense.Count > 0 && byName.TryGetValue("googlenet", out var gn))
        {
            var big = dense.MaxBy(r => r.Params)!;
            lines.Add($"So googlenet has {(double)big.Params / gn.Params:F0}x fewer parameters than {big.Model} while doing " +
                      (big.Macs is { } bm && gn.Macs is { } gm ? $"{(double)gm / bm:P0} of its multiply-adds." : "comparable work."));
        }
        return lines;
    }
}
