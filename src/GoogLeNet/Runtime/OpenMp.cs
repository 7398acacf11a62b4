using System.Runtime.InteropServices;

namespace GoogLeNet.Runtime;

/// <summary>
/// Runs managed work on the OpenMP threads libtorch itself computes with, through the <c>GOMP_parallel</c> entry
/// of the OpenMP runtime libtorch bundles (already mapped into the process). Work spread over threads of our own
/// would compete with libtorch's: its OpenMP workers keep spinning for milliseconds after each operation, on
/// the cores ours need (a 2-thread pooling kernel ran at half speed right after a libtorch operation). On the
/// team's own threads the work starts at once and leaves no one spinning beside it.
/// </summary>
internal static unsafe class OpenMp
{
    private sealed class Entry(nint parallel, nint threadNum, nint numThreads)
    {
        public readonly delegate* unmanaged<delegate* unmanaged<void*, void>, void*, uint, uint, void> Parallel =
            (delegate* unmanaged<delegate* unmanaged<void*, void>, void*, uint, uint, void>)parallel;
        public readonly delegate* unmanaged<int> ThreadNum = (delegate* unmanaged<int>)threadNum;
        public readonly delegate* unmanaged<int> NumThreads = (delegate* unmanaged<int>)numThreads;
    }

    private sealed class Work(Action<int, int> body)
    {
        public readonly Action<int, int> Body = body;
        public Exception? Error;
    }

    private static readonly Lazy<Entry?> Functions = new(Find);

    /// <summary>True when libtorch's OpenMP runtime was found, so <see cref="Parallel"/> runs on its threads.</summary>
    public static bool Available => Functions.Value is not null;

    /// <summary>Thread <paramref name="thread"/>'s share [From, To) of <paramref name="rows"/> rows split evenly among <paramref name="threads"/>.</summary>
    public static (int From, int To) Share(int rows, int thread, int threads) =>
        ((int)((long)rows * thread / threads), (int)((long)rows * (thread + 1) / threads));

    /// <summary>
    /// Runs <paramref name="body"/>(thread, threads) once on each of <paramref name="threads"/> OpenMP threads, the
    /// calling thread among them, and returns when all have finished; the first exception any of them threw is
    /// rethrown here. Without the OpenMP runtime, runs <c>body(0, 1)</c> on the calling thread.
    /// </summary>
    public static void Parallel(int threads, Action<int, int> body)
    {
        if (Functions.Value is not { } entry || threads <= 1)
        {
            body(0, 1);
            return;
        }
        var work = new Work(body);
        var handle = GCHandle.Alloc(work);
        try
        {
            entry.Parallel(&Run, (void*)GCHandle.ToIntPtr(handle), (uint)threads, 0);
        }
        finally
        {
            handle.Free();
        }
        if (work.Error is not null)
            throw work.Error;
    }

    [UnmanagedCallersOnly]
    private static void Run(void* data)
    {
        var work = (Work)GCHandle.FromIntPtr((nint)data).Target!;
        try
        {
            var entry = Functions.Value!;
            work.Body(entry.ThreadNum(), entry.NumThreads());
        }
        catch (Exception e)
        {
            Interlocked.CompareExchange(ref work.Error, e, null);
        }
    }

    private static Entry? Find()
    {
        if (!OperatingSystem.IsLinux())
            return null;
        using (var _ = TorchSharp.torch.zeros(1)) { } // maps libtorch, and with it its OpenMP runtime
        string? path = MappedLibraries.PathOf(name => name.StartsWith("libgomp", StringComparison.Ordinal));
        if (path is null)
            return null;
        nint handle = NativeLibrary.Load(path);
        return NativeLibrary.TryGetExport(handle, "GOMP_parallel", out var parallel)
            && NativeLibrary.TryGetExport(handle, "omp_get_thread_num", out var threadNum)
            && NativeLibrary.TryGetExport(handle, "omp_get_num_threads", out var numThreads)
            ? new Entry(parallel, threadNum, numThreads)
            : null;
    }
}
