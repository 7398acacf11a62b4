using GoogLeNet.Models;
using System.Runtime.InteropServices;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace GoogLeNet.Analysis;

/// <summary>One row of a summary: a stage, or with detail any module inside it.</summary>
/// <param name="Name">Dotted module path (<c>b3.0.p2.2</c>); stages have no dot.</param>
/// <param name="Kind">Module type (<c>Conv2d</c>, <c>InceptionBlock</c>, ...).</param>
/// <param name="Depth">0 for stages, one more per level of nesting.</param>
/// <param name="Output">Output shape for the summarised input.</param>
/// <param name="Params">Parameters of the module and everything inside it.</param>
/// <param name="Macs">Multiply-adds the module and everything inside it performed on the input.</param>
public sealed record SummaryRow(string Name, string Kind, int Depth, long[] Output, long Params, long Macs);

/// <summary>What a network does to one input: every stage's output, parameters and multiply-adds.</summary>
public sealed record ModelSummary(string Model, long[] Input, IReadOnlyList<SummaryRow> Stages, IReadOnlyList<SummaryRow> Detail, long Params, long Macs)
{
    /// <summary>Parameters outside the inference path (auxiliary classifiers, used in training only).</summary>
    public long ParamsNotRun => Params - Stages.Sum(s => s.Params);

    /// <summary>
    /// Runs the model once on a zero input of shape 1 x channels x size x size and records, through forward
    /// hooks on every module, what each one produced. Multiply-adds are counted from the convolutions and
    /// linear layers as they ran (output elements x multiplications per element), so they follow any change
    /// to the network or the input size.
    /// </summary>
    /// <exception cref="GoogLeNetException">The input is too small (or too large) for the network.</exception>
    public static ModelSummary Of(string modelName, Classifier model, int size, int channels)
    {
        if (size < 1)
            throw new GoogLeNetException($"ModelSummary.Of(size) must be a positive number of pixels, got {size}");
        if (channels < 1)
            throw new GoogLeNetException($"ModelSummary.Of(channels) must be at least 1, got {channels}");

        var outputs = new Dictionary<string, long[]>();
        var leafMacs = new Dictionary<string, long>();
        var hooks = new List<Action>();
        var named = PreOrder(model, "").ToList();
        foreach (var (name, module) in named)
        {
            if (module is not nn.Module<Tensor, Tensor> typed)
                continue;
            string key = name;
            var remover = typed.register_forward_hook((m, input, output) =>
            {
                outputs[key] = output.shape;
                long macs = CountMacs(m, output);
                if (macs > 0)
                    leafMacs[key] = macs;
                return output;
            });
            hooks.Add(remover.remove);
        }

        long[] inputShape = [1, channels, size, size];
        try
        {
            using var _ = no_grad();
            bool wasTraining = model.training;
            model.eval();
            using var scope = NewDisposeScope();
            model.call(zeros(inputShape));
            if (wasTraining)
                model.train();
        }
        catch (Exception e) when (e is ExternalException or ArgumentException or InvalidOperationException)
        {
            throw new GoogLeNetException(
                $"a {size}x{size} input does not fit {modelName} ({FirstLine(e.Message)}); InputSizeProbe.Find(\"{modelName}\") finds the sizes it accepts");
        }
        finally
        {
            foreach (var remove in hooks)
                remove();
        }

        var rows = new List<SummaryRow>();
        foreach (var (name, module) in named)
        {
            if (!outputs.TryGetValue(name, out var shape))
                continue;
            string prefix = name + ".";
            long macs = leafMacs.Where(kv => kv.Key == name || kv.Key.StartsWith(prefix, StringComparison.Ordinal)).Sum(kv => kv.Value);
            long parameters = module.parameters().Sum(p => p.numel());
            rows.Add(new SummaryRow(name, module.GetType().Name, name.Count(c => c == '.'), shape, parameters, macs));
        }
        // Stages are matched by identity: their display names (3a, 4d) need not be their field names.
        var pathOf = named.ToDictionary(m => (object)m.module, m => m.name, ReferenceEqualityComparer.Instance);
        var byPath = rows.ToDictionary(r => r.Name);
        var stages = model.Stages.Select(s => byPath[pathOf[s.Module]] with { Name = s.Name, Depth = 0 }).ToList();
        long totalParams = model.parameters().Sum(p => p.numel());
        return new ModelSummary(modelName, inputShape, stages, rows, totalParams, leafMacs.Values.Sum());
    }

    // TorchSharp's named_modules() lists a level at a time; a summary reads better parent-first.
    private static IEnumerable<(string name, nn.Module module)> PreOrder(nn.Module module, string prefix)
    {
        foreach (var (name, child) in module.named_children())
        {
            string path = prefix.Length == 0 ? name : $"{prefix}.{name}";
            yield return (path, child);
            foreach (var nested in PreOrder(child, path))
                yield return nested;
        }
    }

    /// <summary>Multiply-adds of one convolution or linear layer that produced <paramref name="output"/>; 0 for other layers.</summary>
    internal static long CountMacs(nn.Module module, Tensor output) => module switch
    {
        Conv2d conv => output.numel() * (conv.weight.shape[1] * conv.weight.shape[2] * conv.weight.shape[3]),
        Linear linear => output.numel() * linear.weight.shape[1],
        _ => 0,
    };

    private static string FirstLine(string message)
    {
        var line = message.Split('\n', 2)[0].Trim();
        return line.Length > 200 ? line[..200] + "..." : line;
    }
}
