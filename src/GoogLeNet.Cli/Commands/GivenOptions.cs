using System.CommandLine;

namespace GoogLeNet.Cli.Commands;

/// <summary>Which options the user typed: options with defaults always have a result, only an explicit one was given.</summary>
internal static class GivenOptions
{
    public static bool Given(this ParseResult result, Option option) => result.GetResult(option) is { Implicit: false };

    /// <summary>The first of <paramref name="options"/> that the user typed, or null.</summary>
    public static Option? FirstGiven(this ParseResult result, params Option[] options) => options.FirstOrDefault(result.Given);
}
