using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace GoogLeNet.Runtime;

/// <summary>
/// libtorch's own CPU autocast, the machinery behind <c>torch.autocast('cpu')</c>: while it is on for a thread,
/// libtorch runs convolutions and linear layers of that thread in bfloat16 (casting their float32 inputs and
/// weights, and keeping the casts of the weights for the step) and the precision-sensitive operations in float32;
/// autograd differentiates back through the casts to the float32 weights. TorchSharp 0.107 does not expose it, so it
/// is called through the C++ functions that libtorch_cpu.so 2.10 exports, on the copy of that library already mapped
/// into the process (loading it by another path would map a second copy, which libtorch refuses).
/// </summary>
internal static unsafe class Autocast
{
    private const sbyte CpuDevice = 0;   // c10::DeviceType::CPU
    private const sbyte BFloat16 = 15;   // c10::ScalarType::BFloat16

    internal sealed class Entry(nint setEnabled, nint setDtype, nint isEnabled, nint clearCache)
    {
        public readonly delegate* unmanaged<sbyte, byte, void> SetEnabled = (delegate* unmanaged<sbyte, byte, void>)setEnabled;
        public readonly delegate* unmanaged<sbyte, sbyte, void> SetDtype = (delegate* unmanaged<sbyte, sbyte, void>)setDtype;
        public readonly delegate* unmanaged<sbyte, byte> IsEnabled = (delegate* unmanaged<sbyte, byte>)isEnabled;
        public readonly delegate* unmanaged<void> ClearCache = (delegate* unmanaged<void>)clearCache;
    }

    private static readonly Lazy<(Entry? Entry, string? Why)> Functions = new(Find);

    /// <summary>Why bfloat16 autocast cannot run in this process, or null when it can.</summary>
    public static string? Unavailable => Functions.Value.Why;

    /// <summary>True while autocast is on for the calling thread.</summary>
    public static bool IsOn => Functions.Value.Entry is { } e && e.IsEnabled(CpuDevice) != 0;

    /// <summary>
    /// Turns bfloat16 autocast on for the calling thread until the result is disposed (then off again, and the step's
    /// cast weights released), when <paramref name="precision"/> is <see cref="Precision.Bf16"/>; does nothing for
    /// <see cref="Precision.Fp32"/>. Nested scopes are allowed: only the outermost one turns it off.
    /// </summary>
    /// <exception cref="GoogLeNetException">bfloat16 was asked for and this libtorch has no reachable autocast.</exception>
    public static Scope On(Precision precision)
    {
        if (precision == Precision.Fp32)
            return default;
        var entry = Functions.Value.Entry ?? throw new GoogLeNetException($"bf16 precision is not available here: {Functions.Value.Why}");
        if (entry.IsEnabled(CpuDevice) != 0)
            return default;
        entry.SetDtype(CpuDevice, BFloat16);
        entry.SetEnabled(CpuDevice, 1);
        return new Scope(entry);
    }

    /// <summary>
    /// <paramref name="logits"/> in float32, as the loss and probabilities are computed whatever the precision of the
    /// forward pass: the tensor itself when it is float32 already, else a float32 copy.
    /// </summary>
    public static Tensor InFloat32(Tensor logits) => logits.dtype == ScalarType.Float32 ? logits : logits.to_type(ScalarType.Float32);

    /// <summary>An autocast region; disposing it ends the region it began, if it began one.</summary>
    public readonly struct Scope : IDisposable
    {
        private readonly Entry? _entry;

        internal Scope(Entry entry) => _entry = entry;

        /// <summary>Turns autocast off for this thread and drops the cached bfloat16 copies of the weights.</summary>
        public void Dispose()
        {
            if (_entry is null)
                return;
            _entry.SetEnabled(CpuDevice, 0);
            _entry.ClearCache();
        }
    }

    private static (Entry?, string?) Find()
    {
        if (!OperatingSystem.IsLinux())
            return (null, "libtorch's autocast is reached only on Linux");
        // The library is mapped once the first tensor exists.
        using (var _ = zeros(1)) { }
        string? path = MappedLibraries.PathOf(name => name == "libtorch_cpu.so");
        if (path is null)
            return (null, "libtorch_cpu.so is not mapped into this process");
        // dlopen of a path already loaded returns the loaded copy.
        nint handle = NativeLibrary.Load(path);
        string[] names =
        [
            "_ZN2at8autocast20set_autocast_enabledEN3c1010DeviceTypeEb",
            "_ZN2at8autocast18set_autocast_dtypeEN3c1010DeviceTypeENS1_10ScalarTypeE",
            "_ZN2at8autocast19is_autocast_enabledEN3c1010DeviceTypeE",
            "_ZN2at8autocast11clear_cacheEv",
        ];
        var found = new nint[names.Length];
        for (int i = 0; i < names.Length; i++)
        {
            if (!NativeLibrary.TryGetExport(handle, names[i], out found[i]))
                return (null, $"{path} does not export {names[i]} (a libtorch other than 2.10?)");
        }
        return (new Entry(found[0], found[1], found[2], found[3]), null);
    }
}
