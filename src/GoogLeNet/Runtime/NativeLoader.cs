using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

namespace GoogLeNet.Runtime;

/// <summary>
/// Makes TorchSharp's native library loadable on hosts whose libstdc++ is older than the one it was linked
/// against. TorchSharp 0.107.0's <c>libLibTorchSharp.so</c> asks for <c>GLIBCXX_3.4.32</c> (GCC 13) only for
/// <c>std::ios_base_library_init()</c>, a link-time anchor that nothing calls; Debian 12 stops at 3.4.30.
/// Where the host lacks a required version, a copy of the library with that requirement marked weak is
/// written to a per-user cache folder, beside links to its libtorch neighbours (its RUNPATH is $ORIGIN), and
/// loaded before TorchSharp looks for it. TorchSharp's own loader then finds it already in the process.
/// The NuGet cache and the build output are never modified.
/// </summary>
internal static class NativeLoader
{
    private const string TorchSharpLibrary = "libLibTorchSharp.so";

    /// <summary>What <see cref="Prepare"/> did, for diagnostics and tests.</summary>
    public static string Status { get; private set; } = "not run";

    /// <summary>Path of the patched copy that was loaded, or null when none was needed.</summary>
    public static string? PatchedLibrary { get; private set; }

    internal static void Prepare()
    {
        if (!OperatingSystem.IsLinux())
        {
            Status = "not Linux: nothing to do";
            return;
        }
        string? original = FindTorchSharpLibrary();
        if (original is null)
        {
            Status = $"{TorchSharpLibrary} not found beside the application: TorchSharp will search itself";
            return;
        }
        string? hostLibstdcxx = FindHostLibstdcxx();
        if (hostLibstdcxx is null)
        {
            Status = "no libstdc++ found on the host: nothing patched";
            return;
        }

        byte[] image = File.ReadAllBytes(original);
        byte[] host = File.ReadAllBytes(hostLibstdcxx);
        var missing = ElfVersionPatch.ReadVersionNeeds(image)
            .Where(n => n.File.StartsWith("libstdc++", StringComparison.Ordinal) && !n.Weak)
            .Select(n => n.Version)
            .Where(v => !ContainsVersionString(host, v))
            .ToHashSet();
        if (missing.Count == 0)
        {
            Status = $"host libstdc++ ({hostLibstdcxx}) has every version TorchSharp needs: no patch";
            return;
        }

        ElfVersionPatch.MarkWeak(image, missing);
        string folder = CacheFolder(image);
        string patched = Path.Combine(folder, TorchSharpLibrary);
        WriteIfChanged(patched, image);
        LinkNeighbours(Path.GetDirectoryName(original)!, folder);
        NativeLibrary.Load(patched);
        PatchedLibrary = patched;
        Status = $"host libstdc++ lacks {string.Join(", ", missing.Order())}: loaded patched copy {patched}";
    }

    private static string? FindTorchSharpLibrary()
    {
        var folders = new List<string>();
        if (AppContext.GetData("NATIVE_DLL_SEARCH_DIRECTORIES") is string searchDirs)
            folders.AddRange(searchDirs.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries));
        folders.Add(AppContext.BaseDirectory);
        folders.Add(Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native"));
        return folders.Select(f => Path.Combine(f, TorchSharpLibrary)).FirstOrDefault(File.Exists);
    }

    private static string? FindHostLibstdcxx()
    {
        // The libstdc++ already mapped into this process is the one the loader will bind against.
        if (MappedLibraries.PathOf(name => name.Contains("libstdc++.so", StringComparison.Ordinal)) is { } mapped)
            return mapped;
        string[] known = ["/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/usr/lib64/libstdc++.so.6", "/usr/lib/libstdc++.so.6"];
        return known.FirstOrDefault(File.Exists);
    }

    private static bool ContainsVersionString(byte[] library, string version)
    {
        byte[] needle = Encoding.ASCII.GetBytes(version + "\0");
        return library.AsSpan().IndexOf(needle) >= 0;
    }

    private static string CacheFolder(byte[] patchedImage)
    {
        string root = Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg
            ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        // Keyed by content so that another TorchSharp version never reuses a stale copy.
        string key = Convert.ToHexStringLower(SHA256.HashData(patchedImage))[..16];
        string folder = Path.Combine(root, "googlenet", "native", key);
        try
        {
            Directory.CreateDirectory(folder);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            folder = Path.Combine(Path.GetTempPath(), $"googlenet-native-{Environment.UserName}", key);
            Directory.CreateDirectory(folder);
        }
        return folder;
    }

    private static void WriteIfChanged(string path, byte[] content)
    {
        if (File.Exists(path) && new FileInfo(path).Length == content.Length && File.ReadAllBytes(path).AsSpan().SequenceEqual(content))
            return;
        // Several processes (parallel test hosts) may race here: write aside, then rename into place.
        string temp = $"{path}.{Environment.ProcessId}.tmp";
        File.WriteAllBytes(temp, content);
        File.Move(temp, path, overwrite: true);
    }

    private static void LinkNeighbours(string originalFolder, string cacheFolder)
    {
        foreach (var file in Directory.EnumerateFiles(originalFolder))
        {
            string name = Path.GetFileName(file);
            if (name == TorchSharpLibrary || !name.Contains(".so", StringComparison.Ordinal))
                continue;
            string link = Path.Combine(cacheFolder, name);
            var existing = new FileInfo(link);
            if (existing.LinkTarget == file)
                continue;
            try
            {
                if (existing.LinkTarget is not null || existing.Exists)
                    existing.Delete();
                File.CreateSymbolicLink(link, file);
            }
            catch (IOException) when (new FileInfo(link).LinkTarget == file)
            {
                // Another process made the same link first.
            }
        }
    }
}
