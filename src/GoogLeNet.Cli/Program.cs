using System.CommandLine;
using System.Globalization;
using GoogLeNet;
using GoogLeNet.Cli.Commands;

namespace GoogLeNet.Cli;

internal static class Program
{
    public static int Main(string[] args)
    {
        // Numbers are read and written with a decimal point whatever the user's locale, as in the book and the
        // shell: under de_DE, `--lr 0.05` was read as 5 (the point is a digit-group separator there) and the
        // book's lines came out as `loss 2,338`.
        CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

        var root = new RootCommand("GoogLeNet.NET: the GoogLeNet / Inception family of image classifiers, on TorchSharp.")
        {
            ModelsCommand.Create(),
            SummaryCommand.Create(),
            TrainCommand.Create(),
            EvaluateCommand.Create(),
            PredictCommand.Create(),
            ExportCommand.Create(),
            ImportCommand.Create(),
            ParamsCommand.Create(),
            MinSizeCommand.Create(),
            BenchCommand.Create(),
            CompareCommand.Create(),
            RunsCommand.Create(),
        };

        // Spectre.Console assumes 80 columns when output is not a terminal; tables are wider than that.
        if (Console.IsOutputRedirected)
            Spectre.Console.AnsiConsole.Profile.Width = 160;

        // An argument that starts with @ is a name (a folder `@work`, a picture `@home.png`), not a response file to
        // read arguments from, as System.CommandLine would have it by default.
        var parsed = root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
        // System.CommandLine prints errors followed by the whole help text; one line per problem reads better
        // in a terminal and in a CI log, and the exit code marks it as a usage error.
        if (parsed.Errors.Count > 0 && parsed.Action is not System.CommandLine.Help.HelpAction)
        {
            // Later errors usually follow from the first (an unknown option's value is an unknown token too).
            var error = parsed.Errors.FirstOrDefault(e => e.Message.StartsWith("Unrecognized", StringComparison.Ordinal)) ?? parsed.Errors[0];
            string help = parsed.CommandResult.Command == root ? "googlenet --help" : $"googlenet {parsed.CommandResult.Command.Name} --help";
            Console.Error.WriteLine($"googlenet: error: {error.Message} (see '{help}')");
            return ExitCodes.Usage;
        }
        try
        {
            return parsed.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (GoogLeNetException e)
        {
            Console.Error.WriteLine($"googlenet: error: {ErrorReport.Line(e)}");
            return ErrorReport.ExitCode(e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or OutOfMemoryException)
        {
            // The machine, not the input: a full disk, a folder that became unwritable, memory exhausted.
            // Checkpoints are written atomically, so the last complete one is still in place.
            Console.Error.WriteLine($"googlenet: error: {ErrorReport.Escape(e.Message.Split('\n')[0])}");
            return ExitCodes.Failure;
        }
    }
}
