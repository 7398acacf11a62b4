using GoogLeNet.Cli;
using Spectre.Console;

namespace GoogLeNet.Tests.Cli;

/// <summary>
/// Runs the tool's <c>Main</c> inside the test process with captured output: for the many cases that end
/// before any real work, where starting a process each time would make the suite slow.
/// </summary>
public static class InProcessCli
{
    public static CliRunner.Result Run(params string[] args)
    {
        var (stdout, stderr, spectre) = (Console.Out, Console.Error, AnsiConsole.Console);
        var output = new StringWriter();
        var error = new StringWriter();
        Console.SetOut(output);
        Console.SetError(error);
        // Spectre.Console keeps the writer it first saw; its tables and markup must land in this run's output too.
        AnsiConsole.Console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output) });
        try
        {
            int code = Program.Main(args);
            return new CliRunner.Result(code, output.ToString(), error.ToString());
        }
        finally
        {
            Console.SetOut(stdout);
            Console.SetError(stderr);
            AnsiConsole.Console = spectre;
        }
    }
}
