namespace GoogLeNet.Runtime;

/// <summary>The shared libraries mapped into this process, as <c>/proc/self/maps</c> lists them (Linux).</summary>
internal static class MappedLibraries
{
    /// <summary>
    /// The path of the first mapped file whose name satisfies <paramref name="fileName"/>; null when none does or the
    /// map cannot be read. A library loaded by this path again is the copy already mapped, not a second one.
    /// </summary>
    public static string? PathOf(Func<string, bool> fileName)
    {
        try
        {
            return File.ReadLines("/proc/self/maps")
                .Select(line => line.IndexOf('/') is int slash and >= 0 ? line[slash..] : null)
                .FirstOrDefault(path => path is not null && fileName(Path.GetFileName(path)));
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}
