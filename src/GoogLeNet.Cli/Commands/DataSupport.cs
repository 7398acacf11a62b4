using GoogLeNet.Cli.Rendering;
using GoogLeNet.Data;
using Spectre.Console;

namespace GoogLeNet.Cli.Commands;

/// <summary>Finding Fashion-MNIST for a verb, and fetching it when no copy is found.</summary>
internal static class DataSupport
{
    /// <summary>The folder holding the four files: found, or downloaded into the user cache with progress.</summary>
    public static string FindOrFetch(string? dataOption)
    {
        var found = FashionMnist.Locate(dataOption);
        if (found is not null)
            return found.Directory;

        string target = FashionMnist.CacheDirectory;
        Console.Error.WriteLine($"Fashion-MNIST not found locally ({FashionMnist.SearchedDescription()}); downloading to {target}");
        if (Console.IsErrorRedirected || !Terminal.CanRedraw)
        {
            string last = "";
            var progress = new SynchronousProgress<(string File, long Bytes, long? Total)>(p =>
            {
                if (p.Total is { } total && p.Bytes == total && last != p.File)
                {
                    last = p.File;
                    Console.Error.WriteLine($"  {p.File}: {total / 1e6:F1} MB");
                }
            });
            FashionMnist.DownloadAsync(target, progress).GetAwaiter().GetResult();
        }
        else
        {
            AnsiConsole.Progress().Start(ctx =>
            {
                var tasks = new Dictionary<string, ProgressTask>();
                var progress = new SynchronousProgress<(string File, long Bytes, long? Total)>(p =>
                {
                    if (!tasks.TryGetValue(p.File, out var task))
                        tasks[p.File] = task = ctx.AddTask(p.File, maxValue: p.Total ?? 1);
                    task.Value = p.Bytes;
                });
                FashionMnist.DownloadAsync(target, progress).GetAwaiter().GetResult();
            });
        }
        return target;
    }
}
