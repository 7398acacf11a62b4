namespace GoogLeNet.Training;

/// <summary>
/// Writes a file so that readers (and a crash at any moment) see either the old content or the new,
/// never a mixture: write beside it, flush to disk, rename over it.
/// </summary>
internal static class AtomicFile
{
    public static void Write(string path, Action<Stream> write)
    {
        string temp = $"{path}.{Environment.ProcessId}{TempSuffix}";
        try
        {
            using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    /// <summary>
    /// Deletes the temporary files (NAME.PID.tmp) that writers killed mid-write left in
    /// <paramref name="directory"/>. Only for a folder no other process is writing into.
    /// </summary>
    public static void DeleteLeftovers(string directory)
    {
        foreach (var temp in Directory.EnumerateFiles(directory, "*" + TempSuffix))
        {
            string stem = Path.GetFileNameWithoutExtension(temp);
            if (Path.GetExtension(stem) is { Length: > 1 } pid && stem.Length > pid.Length && pid[1..].All(char.IsAsciiDigit))
                File.Delete(temp);
        }
    }

    private const string TempSuffix = ".tmp";

    /// <summary>True for the name of a temporary file this class writes (NAME.PID.tmp).</summary>
    public static bool IsLeftover(string fileName) => fileName.EndsWith(TempSuffix, StringComparison.Ordinal);

    public static void WriteAllText(string path, string text) =>
        Write(path, s => s.Write(System.Text.Encoding.UTF8.GetBytes(text)));

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
    }
}
