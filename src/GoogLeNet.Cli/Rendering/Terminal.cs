using Spectre.Console;

namespace GoogLeNet.Cli.Rendering;

/// <summary>What the console the tool writes to can show.</summary>
internal static class Terminal
{
    /// <summary>
    /// True for an interactive terminal that takes ANSI codes, where progress bars are redrawn in place.
    /// Elsewhere (a file, a CI log, <c>TERM=dumb</c> as in Emacs' shell) the plain lines serve: Spectre.Console's
    /// own fallback for a dumb terminal prints only at a few milestones and drops finished tasks, which hid every
    /// epoch's results line.
    /// </summary>
    public static bool CanRedraw =>
        AnsiConsole.Profile.Capabilities is { Interactive: true, Ansi: true } && !Console.IsOutputRedirected;
}
