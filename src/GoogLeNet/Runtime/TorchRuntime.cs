using System.Runtime.CompilerServices;

namespace GoogLeNet.Runtime;

/// <summary>
/// Process-wide set-up that must happen before the first use of <c>torch</c>: the allocator settings and
/// the native-library fix. It runs from the module initializer, so every program that references this
/// library (the CLI, the tests, a user's own program) gets it without calling anything.
/// </summary>
internal static class TorchRuntime
{
    private static int _initialized;

    /// <summary>Idempotent; safe to call from any entry point.</summary>
    public static void EnsureInitialized()
    {
        if (Interlocked.Exchange(ref _initialized, 1) == 1)
            return;
        Allocator.Apply();
        NativeLoader.Prepare();
    }

#pragma warning disable CA2255 // The initializer is the point: it must run before any TorchSharp call.
    [ModuleInitializer]
    internal static void OnModuleLoad() => EnsureInitialized();
#pragma warning restore CA2255
}
