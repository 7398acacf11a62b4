namespace GoogLeNet;

/// <summary>
/// A problem the user can fix: a bad option value, a missing or corrupt file, a checkpoint of another model.
/// The command-line tool prints its message as one line and exits with <see cref="ExitCode"/>.
/// </summary>
public class UserInputException(string message, int exitCode = 2, Exception? inner = null) : Exception(message, inner)
{
    public int ExitCode { get; } = exitCode;
}
