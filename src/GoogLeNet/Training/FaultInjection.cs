using System.Diagnostics;

namespace GoogLeNet.Training;

/// <summary>
/// Deliberate failures for the reliability tests, switched on by the environment variable
/// <c>GOOGLENET_FAULT</c>. A kill at a random moment rarely lands inside the few milliseconds a checkpoint
/// takes to write; this lands there every time, so the test of that case is deterministic.
/// </summary>
internal static class FaultInjection
{
    public const string Variable = "GOOGLENET_FAULT";

    /// <summary>
    /// With <c>GOOGLENET_FAULT=kill-in-checkpoint-write:EPOCH</c>, writes half of the checkpoint at that epoch's end to
    /// the temporary file, flushes it to disk and kills the process with SIGKILL.
    /// </summary>
    public static void KillDuringCheckpointWrite(CheckpointMetadata metadata, Stream target, MemoryStream checkpoint)
    {
        if (metadata.InEpoch is not null || Environment.GetEnvironmentVariable(Variable) != $"kill-in-checkpoint-write:{metadata.Epoch}")
            return;
        target.Write(checkpoint.GetBuffer().AsSpan(0, (int)checkpoint.Length / 2));
        target.Flush();
        if (target is FileStream file)
            file.Flush(flushToDisk: true);
        Process.GetCurrentProcess().Kill();
        Thread.Sleep(Timeout.Infinite);
    }

    /// <summary>
    /// With <c>GOOGLENET_FAULT=fail-in-epoch-checkpoint-write</c>, every checkpoint written part-way through an epoch fails
    /// as on a full disk (those at an epoch's end are written).
    /// </summary>
    public static void FailInEpochCheckpointWrite(CheckpointMetadata metadata)
    {
        if (metadata.InEpoch is not null && Environment.GetEnvironmentVariable(Variable) == "fail-in-epoch-checkpoint-write")
            throw new IOException($"No space left on device ({Variable})");
    }
}
