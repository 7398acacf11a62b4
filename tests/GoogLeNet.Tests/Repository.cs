namespace GoogLeNet.Tests;

/// <summary>The repository the tests were built from: its scripts, docs and shipped files.</summary>
internal static class Repository
{
    public static string Root
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "GoogLeNet.sln")))
                dir = dir.Parent;
            return dir?.FullName ?? throw new DirectoryNotFoundException("the repository (the folder of GoogLeNet.sln)");
        }
    }
}
