using System.CommandLine;

namespace GoogLeNet.Cli.Commands;

/// <summary><c>--micro-batch N</c>, shared by train, compare and bench; 0 in the options means the whole batch.</summary>
internal static class MicroBatchOption
{
    public static Option<int> Create() => new("--micro-batch")
    {
        Description = "Compute each batch's gradient in slices of at most N examples: the same SGD step in less memory (networks without batch norm; default: the whole batch)",
        HelpName = "N",
    };
}
