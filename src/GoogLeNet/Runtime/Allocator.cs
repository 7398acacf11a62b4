using System.Runtime.InteropServices;

namespace GoogLeNet.Runtime;

/// <summary>
/// Keeps glibc malloc from handing libtorch's large activation buffers back to the kernel after every
/// step. By default glibc serves blocks above 128 KiB..32 MiB with fresh mmap calls and unmaps them on
/// free, so every training step page-faults its activations in again; measured here, that halves training
/// throughput (see BENCHMARKS.md). The settings are applied through mallopt at start-up, from the program
/// itself, so no environment variable is needed.
/// </summary>
public static partial class Allocator
{
    private const int MTrimThreshold = -1;
    private const int MMmapMax = -4;

    /// <summary>What <see cref="Apply"/> did, for diagnostics.</summary>
    public static string Status { get; private set; } = "not run";

    [LibraryImport("libc", EntryPoint = "mallopt")]
    private static partial int Mallopt(int param, int value);

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
}
