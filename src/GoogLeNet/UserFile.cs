namespace GoogLeNet;

/// <summary>Reads a file the user named, turning each way that can fail into one line naming the problem.</summary>
internal static class UserFile
{
    /// <summary>The bytes of the file at <paramref name="path"/>; an empty file is refused too.</summary>
    /// <param name="path">The file, as the user named it.</param>
    /// <param name="fail">Builds the exception to throw from the problem (without the path) and its cause.</param>
    /// <param name="notFound">The problem when nothing is at the path.</param>
    /// <param name="isDirectory">The problem when the path is a folder.</param>
    public static byte[] ReadAllBytes(string path, Func<string, Exception?, Exception> fail,
        string notFound = "file not found", string isDirectory = "is a directory, not a file")
    {
        byte[] bytes = Read(path, File.ReadAllBytes, fail, notFound, isDirectory);
        if (bytes.Length == 0)
            throw fail("file is empty", null);
        return bytes;
    }

    /// <summary><paramref name="read"/> of the file, with the same messages as <see cref="ReadAllBytes"/> for what the file system refuses.</summary>
    public static T Read<T>(string path, Func<string, T> read, Func<string, Exception?, Exception> fail,
        string notFound = "file not found", string isDirectory = "is a directory, not a file")
    {
        if (Directory.Exists(path))
            throw fail(isDirectory, null);
        try
        {
            return read(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw fail(notFound, e);
        }
        catch (UnauthorizedAccessException e)
        {
            throw fail("permission denied", e);
        }
        catch (IOException e)
        {
            throw fail($"cannot be read: {e.Message}", e);
        }
    }
}
