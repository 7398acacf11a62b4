using GoogLeNet.Runtime;
using static TorchSharp.torch;

namespace GoogLeNet.Tests.Runtime;

public class AllocatorTests
{
    private static double ResidentMb() =>
        double.Parse(File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmRSS:"))[6..].Trim().Split(' ')[0]) / 1024;

    [LinuxFact]
    public void FreedTensorMemoryStaysResidentUntilTrimHandsItBack()
    {
        ones(1).Dispose(); // loads libtorch, and with it the allocator setting
        Assert.StartsWith("glibc", Allocator.Status);
        Assert.Contains("mmap off", Allocator.Status);

        // 576 MB written and freed: with mmap off and no automatic trimming it stays in the heap, resident.
        double start = ResidentMb();
        double allocated;
        using (NewDisposeScope())
        {
            // Twelve 48 MB blocks, the size of a training step's activations.
            var blocks = Enumerable.Range(0, 12).Select(_ => ones(12 * 1024 * 1024)).ToList();
            Assert.Equal(12f, blocks.Sum(b => b[^1].item<float>()));
            allocated = ResidentMb();
        }
        double beforeTrim = ResidentMb();
        Assert.True(Allocator.Trim(), "malloc_trim handed nothing back");
        double afterTrim = ResidentMb();
        Assert.True(afterTrim < beforeTrim - 400, $"resident memory {start:F0} MB, {allocated:F0} with the tensor, {beforeTrim:F0} after freeing it, {afterTrim:F0} after trimming");
    }
}
