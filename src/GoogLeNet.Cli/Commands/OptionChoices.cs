using System.CommandLine;

namespace GoogLeNet.Cli.Commands;

/// <summary>
/// Restricts a string option to a few values with a one-line error that names the option
/// (System.CommandLine's own <c>AcceptOnlyFromAmong</c> lists the values over several lines without it).
/// </summary>
internal static class OptionChoices
{
    public static Option<string> OneOf(this Option<string> option, params string[] values)
    {
        string allowed = values.Length == 1 ? values[0] : $"{string.Join(", ", values[..^1])} or {values[^1]}";
        option.HelpName = string.Join('|', values);
        option.CompletionSources.Add(values);
        option.Validators.Add(result =>
        {
            string? value = result.GetValueOrDefault<string>();
            if (value is not null && !values.Contains(value, StringComparer.Ordinal))
                result.AddError($"{option.Name} must be {allowed}, got '{value}'");
        });
        return option;
    }
}
