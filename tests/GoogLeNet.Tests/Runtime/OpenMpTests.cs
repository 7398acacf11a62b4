using GoogLeNet.Runtime;

namespace GoogLeNet.Tests.Runtime;

public class OpenMpTests
{
    /// <summary>The work runs once on each of libtorch's OpenMP threads, each knowing its number, the caller among them.</summary>
    [LinuxFact]
    public void TheBodyRunsOnceOnEachThread()
    {
        Assert.True(OpenMp.Available);
        var seen = new int[2];
        int caller = Environment.CurrentManagedThreadId;
        bool callerRan = false;
        OpenMp.Parallel(2, (thread, threads) =>
        {
            Assert.Equal(2, threads);
            Interlocked.Increment(ref seen[thread]);
            if (Environment.CurrentManagedThreadId == caller)
                callerRan = true;
        });
        Assert.Equal([1, 1], seen);
        Assert.True(callerRan);
    }

    /// <summary>An exception on any thread reaches the caller.</summary>
    [LinuxFact]
    public void AnExceptionOnAWorkerReachesTheCaller()
    {
        var e = Assert.Throws<InvalidOperationException>(() => OpenMp.Parallel(2, (thread, _) =>
        {
            if (thread == 1)
                throw new InvalidOperationException("from thread 1");
        }));
        Assert.Equal("from thread 1", e.Message);
    }
}
