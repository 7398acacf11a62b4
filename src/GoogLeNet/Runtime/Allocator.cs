using System.Runtime.InteropServices;

namespace GoogLeNet.Runtime;

/// <summary>
/// Keeps glibc malloc from handing libtorch's large activation buffers back to the kernel after every
/// step. By default glibc serves blocks above 128 KiB..32 MiB with fresh mmap calls and unmaps them on
/// free, so every training step page-faults its activations in again; that costs 13-25 % of training
/// throughput on the machine BENCHMARKS.md measures (half on another of the same kind). The settings are applied through mallopt at start-up, from the program
/// itself, so no environment variable is needed.
/// </summary>
internal static partial class Allocator
{
    private const int MTrimThreshold = -1;
    private const int MMmapMax = -4;

    /// <summary>What <see cref="Apply"/> did, for diagnostics.</summary>
    public static string Status { get; private set; } = "not run";

    [LibraryImport("libc", EntryPoint = "mallopt")]
    private static partial int Mallopt(int param, int value);

    [LibraryImport("libc", EntryPoint = "malloc_trim")]
    private static partial int MallocTrim(nuint pad);

    [LibraryImport("libc", EntryPoint = "gnu_get_libc_version")]
    private static partial IntPtr GnuGetLibcVersion();

    internal static void Apply()
    {
        if (!OperatingSystem.IsLinux())
        {
            Status = "not Linux: system allocator unchanged";
            return;
        }
        if (Environment.GetEnvironmentVariable("GOOGLENET_MALLOC") == "system")
        {
            Status = "GOOGLENET_MALLOC=system: glibc defaults kept";
            return;
        }
        string? version;
        try
        {
            version = Marshal.PtrToStringAnsi(GnuGetLibcVersion());
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            Status = "not glibc: system allocator unchanged";
            return;
        }
        // mallopt caps M_MMAP_THRESHOLD at 32 MiB, below the largest activations (a batch of 128 at 96x96
        // has 75 MB tensors), so mmap is switched off instead: every block comes from the heap, and a heap
        // that is never trimmed keeps its pages mapped from one step to the next.
        bool ok = Mallopt(MMmapMax, 0) == 1 & Mallopt(MTrimThreshold, int.MaxValue) == 1;
        Status = ok ? $"glibc {version}: mmap off, trim threshold 2 GiB" : $"glibc {version}: mallopt refused";
    }

    /// <summary>
    /// Hands the free pages of glibc's heaps back to the kernel (malloc_trim). The untrimmed heap that keeps
    /// steps fast can also grow in jumps: when a step's allocations no longer fit the holes the previous
    /// steps left, the heap extends by up to a whole step's activations and the holes stay resident
    /// (seen in a full training run: +1 GB at once, mid-epoch; BENCHMARKS.md). The trainer calls this
    /// between epochs, where it costs the next step its page faults once: about 0.7 s, going by the
    /// glibc-defaults measurement in BENCHMARKS.md, against 20-30 minutes per epoch.
    /// Does nothing where the C library is not glibc.
    /// </summary>
    /// <returns>True when memory was handed back.</returns>
    public static bool Trim()
    {
        if (!OperatingSystem.IsLinux())
            return false;
        try
        {
            return MallocTrim(0) == 1;
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            return false;
        }
    }
}
