namespace GoogLeNet.Data;

/// <summary>A data file that is missing, unreadable, corrupt or inconsistent with its partner.</summary>
public sealed class DataFileException(string path, string problem, Exception? inner = null)
    : GoogLeNetException($"{path}: {problem}", inner)
{
    /// <summary>The file the problem is with, as it was named.</summary>
    public string FilePath { get; } = path;
}
