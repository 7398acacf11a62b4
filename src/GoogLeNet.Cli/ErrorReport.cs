using System.Text;
using System.Text.RegularExpressions;
using GoogLeNet.Training;

namespace GoogLeNet.Cli;

/// <summary>
/// How the tool reports the library's errors: the one place where the library's names for settings become this
/// tool's option names, and where an exception's type becomes an exit code.
/// </summary>
internal static partial class ErrorReport
{
    /// <summary>The library's names for settings (C# members and parameters) and the options that set them here.</summary>
    private static readonly (string Library, string Option)[] OptionNames =
    [
        ("TrainOptions.Model", "--model"),
        ("TrainOptions.Epochs", "--epochs"),
        ("TrainOptions.LrSchedule", "--lr-schedule"),
        ("TrainOptions.Lr", "--lr"),
        ("TrainOptions.BatchSize", "--batch-size"),
        ("TrainOptions.Resize", "--resize"),
        ("TrainOptions.Seed", "--seed"),
        ("TrainOptions.Threads", "--threads"),
        ("TrainOptions.Device", "--device"),
        ("TrainOptions.TrainLimit", "--train-limit"),
        ("TrainOptions.TestLimit", "--test-limit"),
        ("TrainOptions.MicroBatch", "--micro-batch"),
        ("TrainOptions.LabelSmoothing", "--label-smoothing"),
        ("TrainOptions.CheckpointMinutes", "--checkpoint-every"),
        ("TrainOptions.Momentum", "--momentum"),
        ("TrainOptions.Nesterov", "--nesterov"),
        ("TrainOptions.WeightDecay", "--weight-decay"),
        ("TrainOptions.WarmupEpochs", "--warmup-epochs"),
        ("TrainOptions.Augment", "--augment"),
        ("ImageFolder.Load(valSplit)", "--val-split"),
        ("ImageFolder.Load(resize)", "--resize"),
        ("ModelSummary.Of(size)", "--size"),
        ("ModelSummary.Of(channels)", "--channels"),
        ("Benchmark.Run(batchSize)", "--batch-size"),
        ("Benchmark.Run(size)", "--size"),
        ("Benchmark.Run(steps)", "--steps"),
        ("Benchmark.Run(threads)", "--threads"),
        ("Benchmark.Run(microBatch)", "--micro-batch"),
        ("FashionMnist.Locate(explicitDirectory)", "--data"),
        ("StateDicts.Load(model)", "--model"),
    ];

    /// <summary>
    /// Warns, in one line on standard error, when more threads are asked for than the machine has cores: libtorch then
    /// runs much slower (20x measured on 2 cores at 64 threads), not faster. The run goes on as asked.
    /// </summary>
    public static void WarnIfMoreThreadsThanCores(int threads, int? cores = null)
    {
        int available = cores ?? Environment.ProcessorCount;
        if (threads > available)
            Console.Error.WriteLine($"googlenet: warning: --threads {threads} is more than the {available} cores of this machine; libtorch runs slower, not faster, with more threads than cores");
    }

    /// <summary>The exit code for an error the library or the tool raised.</summary>
    public static int ExitCode(Exception e) => e switch
    {
        TrainingDivergedException => ExitCodes.Diverged,
        FileWriteException => ExitCodes.Failure,
        GoogLeNetException => ExitCodes.Usage,
        _ => ExitCodes.Failure,
    };

    /// <summary>
    /// The message as this tool shows it: in its option names, on one line (a control character in a file name, such as a
    /// newline, is shown escaped).
    /// </summary>
    public static string Line(Exception e) => Escape(InOptionNames(e.Message));

    /// <summary>The message with each library setting named as the option that sets it: <c>TrainOptions.Lr = 0.05</c> becomes <c>--lr 0.05</c>.</summary>
    public static string InOptionNames(string message)
    {
        message = SizeProbeHint().Replace(message, m => $"'googlenet min-size --model {m.Groups[1].Value}'");
        foreach (var (library, option) in OptionNames)
            message = message.Replace(library + " = ", option + " ", StringComparison.Ordinal)
                             .Replace(library, option, StringComparison.Ordinal);
        return message;
    }

    /// <summary>Control characters as C# escapes (<c>\n</c>, <c>\x1B</c>), so that a message is always one line and draws nothing.</summary>
    public static string Escape(string text)
    {
        if (!text.Any(char.IsControl))
            return text;
        var sb = new StringBuilder(text.Length + 8);
        foreach (char c in text)
            sb.Append(c switch
            {
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                _ when char.IsControl(c) => $"\\x{(int)c:X2}",
                _ => c.ToString(),
            });
        return sb.ToString();
    }

    [GeneratedRegex("""InputSizeProbe\.Find\("([^"]+)"\)""")]
    private static partial Regex SizeProbeHint();
}
