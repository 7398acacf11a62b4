using System.CommandLine;

namespace GoogLeNet.Cli.Commands;

/// <summary><c>--precision auto|fp32|bf16</c>, shared by train, compare, evaluate, predict and bench.</summary>
internal static class PrecisionOption
{
    public static Option<string> Create(string what = "The arithmetic") => new Option<string>("--precision")
    {
        Description = $"{what}: bf16 (bfloat16 convolutions and linear layers, float32 weights, loss and batch-norm statistics), "
            + "fp32, or auto: bf16 where the CPU has bfloat16 arithmetic (AVX512_BF16, AMX), fp32 elsewhere"
            + $" (here: {Precisions.Default.Name()})",
        DefaultValueFactory = _ => "auto",
    }.OneOf([.. Precisions.Names]);

    /// <summary>The precision the option names, <c>auto</c> resolved for this machine.</summary>
    public static Precision Resolve(string value) => Precisions.Parse(value, "--precision");
}
