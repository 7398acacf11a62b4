using GoogLeNet.Runtime;
using static TorchSharp.torch;

namespace GoogLeNet.Tests.Runtime;

public class NativeLoaderTests
{
    [Fact]
    public void TorchRunsARealTensorOperation()
    {
        TorchRuntime.EnsureInitialized();
        using var a = tensor(new float[] { 1, 2, 3, 4 }).reshape(2, 2);
        using var b = tensor(new float[] { 5, 6, 7, 8 }).reshape(2, 2);
        using var c = a.matmul(b);
        Assert.Equal(new float[] { 19, 22, 43, 50 }, c.data<float>().ToArray());
        Assert.DoesNotContain("not run", NativeLoader.Status);
    }

    [LinuxFact]
    public void PatchedCopyIsUsedOnlyWhereTheHostLacksAVersion()
    {
        TorchRuntime.EnsureInitialized();
        using var _ = ones(1); // the backend is loaded
        var original = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");

        var needs = ElfVersionPatch.ReadVersionNeeds(File.ReadAllBytes(original));
        bool hostHasAll = needs.Where(n => n.File.StartsWith("libstdc++")).All(n => HostHas(n.Version));
        // A fixed expectation beside the detection: Debian 12's libstdc++ (GCC 12) stops at GLIBCXX_3.4.30,
        // and TorchSharp 0.107's library asks for 3.4.32, so there the patched copy must be in use.
        if (File.Exists("/etc/os-release") && File.ReadLines("/etc/os-release").Contains("VERSION_ID=\"12\"")
            && File.ReadLines("/etc/os-release").Contains("ID=debian"))
        {
            Assert.False(hostHasAll, "Debian 12's libstdc++ lacks GLIBCXX_3.4.32");
            Assert.StartsWith("host libstdc++ lacks GLIBCXX_3.4.32", NativeLoader.Status);
        }
        if (hostHasAll)
        {
            Assert.Null(NativeLoader.PatchedLibrary);
        }
        else
        {
            Assert.NotNull(NativeLoader.PatchedLibrary);
            Assert.DoesNotContain(Path.Combine(".nuget", "packages"), NativeLoader.PatchedLibrary);
            Assert.False(NativeLoader.PatchedLibrary!.StartsWith(AppContext.BaseDirectory), "the build output is left as it is");
            var patched = ElfVersionPatch.ReadVersionNeeds(File.ReadAllBytes(NativeLoader.PatchedLibrary));
            Assert.All(patched.Where(n => n.File.StartsWith("libstdc++") && !HostHas(n.Version)), n => Assert.True(n.Weak, n.Version));
        }
    }

    [LinuxFact]
    public void MarkWeakSetsTheFlagOnTheNamedVersionOnly()
    {
        var original = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        byte[] image = File.ReadAllBytes(original);
        var before = ElfVersionPatch.ReadVersionNeeds(image);
        Assert.Contains(before, n => n.File == "libstdc++.so.6" && n.Version == "GLIBCXX_3.4.32" && !n.Weak);

        Assert.Equal(1, ElfVersionPatch.MarkWeak(image, ["GLIBCXX_3.4.32"]));

        var after = ElfVersionPatch.ReadVersionNeeds(image);
        Assert.Equal(before.Count, after.Count);
        for (int i = 0; i < before.Count; i++)
            Assert.Equal(before[i].Version == "GLIBCXX_3.4.32" || before[i].Weak, after[i].Weak);
        Assert.Equal(0, ElfVersionPatch.MarkWeak(image, ["GLIBCXX_3.4.32"]));
    }

    [Fact]
    public void NonElfInputIsRejected()
    {
        Assert.Throws<InvalidDataException>(() => ElfVersionPatch.ReadVersionNeeds(new byte[128]));
    }

    private static bool HostHas(string version)
    {
        var lib = File.ReadLines("/proc/self/maps").Select(l => l[(l.IndexOf('/') is var i && i >= 0 ? i : l.Length)..])
            .First(p => p.Contains("libstdc++.so"));
        return File.ReadAllBytes(lib).AsSpan().IndexOf(System.Text.Encoding.ASCII.GetBytes(version + "\0")) >= 0;
    }
}
