using System.Diagnostics;
using System.Runtime.Versioning;
using GoogLeNet.Tests.Data;
using GoogLeNet.Training;

namespace GoogLeNet.Tests.Cli;

/// <summary>A short run of the real tool, trained once without interruption, that the fault tests compare with.</summary>
public sealed class ReferenceRun : IDisposable
{
    private readonly TempDirectory _dir = new();

    public ReferenceRun()
    {
        Data = IdxWriter.WriteDataset(_dir["data"], 128, 32);
        var result = CliRunner.Run(Args(_dir["run"]));
        if (result.ExitCode != 0)
            throw new InvalidOperationException($"the reference run failed: {result.Stderr}");
        Metrics = File.ReadAllText(Path.Combine(_dir["run"], "metrics.csv"));
        CheckpointPath = Path.Combine(_dir["run"], "checkpoint.bin");
        var epochs = Checkpoint.Read(Path.Combine(_dir["run"], "checkpoint.bin")).Metadata.Epochs;
        EpochMilliseconds = (int)(epochs.Average(e => e.WallSeconds) * 1000);
    }

    /// <summary>How long one epoch took, to aim kills inside an epoch.</summary>
    public int EpochMilliseconds { get; }

    public string Data { get; }

    /// <summary>The uninterrupted run's last checkpoint.</summary>
    public string CheckpointPath { get; }

    /// <summary>metrics.csv of the uninterrupted run.</summary>
    public string Metrics { get; }

    public const int Epochs = 6;

    public string[] Args(string output) =>
        ["train", "--model", "googlenet-bn", "--data", Data, "--out", output, "--resize", "16", "--batch-size", "32",
            "--epochs", Epochs.ToString(), "--threads", "2", "--seed", "5"];

    public void Dispose() => _dir.Dispose();
}

/// <summary>
/// What the machine does wrong (a kill at any moment, a full disk, a folder that cannot be written, a
/// file that cannot be read, a second process), on the real tool process.
/// </summary>
public class FaultTests(ReferenceRun reference) : IClassFixture<ReferenceRun>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

    [LinuxFact]
    public void TheSameSeedAndThreadsGiveTheSameMetrics()
    {
        using var dir = new TempDirectory();
        var result = CliRunner.Run(reference.Args(dir["run"]));
        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Equal(reference.Metrics, File.ReadAllText(Path.Combine(dir["run"], "metrics.csv")));
    }

    [LinuxFact]
    public void KilledAtRandomMomentsAndResumedEndsLikeAnUninterruptedRun()
    {
        using var dir = new TempDirectory();
        string run = dir["run"], checkpoint = Path.Combine(run, "checkpoint.bin");
        var random = new Random(11);
        int kills = 0, resumes = 0;
        // Kill once during start-up, then twice at a random moment of an epoch, then let it finish.
        for (int attempt = 0; ; attempt++)
        {
            bool resume = File.Exists(checkpoint);
            resumes += resume ? 1 : 0;
            using var running = CliRunner.Start(null, resume ? ["train", "--resume", run] : reference.Args(run));
            if (attempt < 3)
            {
                if (attempt == 0)
                {
                    Thread.Sleep(random.Next(200, 1200));
                }
                else
                {
                    // Wait for the next epoch's checkpoint, then a random part of an epoch.
                    DateTime before = File.Exists(checkpoint) ? File.GetLastWriteTimeUtc(checkpoint) : default;
                    var waited = Stopwatch.StartNew();
                    while (!running.Process.HasExited && waited.Elapsed < Timeout
                           && (!File.Exists(checkpoint) || File.GetLastWriteTimeUtc(checkpoint) == before))
                        Thread.Sleep(20);
                    Thread.Sleep(random.Next(0, reference.EpochMilliseconds));
                }
                if (!running.Process.HasExited)
                {
                    running.Process.Kill(); // SIGKILL: no handler runs, nothing is flushed
                    running.Process.WaitForExit();
                    kills++;
                    continue;
                }
            }
            var result = running.Wait(Timeout);
            Assert.True(result.ExitCode == 0, result.Stderr);
            break;
        }
        Assert.Equal(3, kills);
        Assert.True(resumes >= 2, $"only {resumes} of the kills came after a checkpoint");
        Assert.Equal(reference.Metrics, File.ReadAllText(Path.Combine(run, "metrics.csv")));
        Assert.Equal(ReferenceRun.Epochs, Checkpoint.Read(checkpoint).Metadata.Epoch);
        Assert.Empty(Directory.GetFiles(run, "*.tmp"));
    }

    [LinuxFact]
    public void KilledPartWayThroughAnEpochResumesFromItsLastTimedCheckpoint()
    {
        using var dir = new TempDirectory();
        string run = dir["run"], checkpoint = Path.Combine(run, "checkpoint.bin");
        // A checkpoint after every step (each takes longer than 6 ms). The process is frozen (SIGSTOP) to look at its
        // checkpoint, and killed (SIGKILL) once that one was written part-way through an epoch.
        CheckpointMetadata? stoppedAt = null;
        using (var running = CliRunner.Start(null, [.. reference.Args(run), "--checkpoint-every", "0.0001"]))
        {
            var waited = Stopwatch.StartNew();
            while (!running.Process.HasExited && waited.Elapsed < Timeout)
            {
                Thread.Sleep(20);
                Process.Start("kill", ["-STOP", running.Process.Id.ToString()])!.WaitForExit();
                stoppedAt = File.Exists(checkpoint) ? Checkpoint.Read(checkpoint).Metadata : null; // replaced by a rename: always whole
                if (stoppedAt?.InEpoch is not null)
                    break;
                Process.Start("kill", ["-CONT", running.Process.Id.ToString()])!.WaitForExit();
            }
            Assert.False(running.Process.HasExited, "the run ended before a checkpoint part-way through an epoch was seen");
            running.Process.Kill();
            running.Process.WaitForExit();
        }
        Assert.NotNull(stoppedAt?.InEpoch);
        Assert.Equal(stoppedAt.SavedUtc, Checkpoint.Read(checkpoint).Metadata.SavedUtc); // not replaced while frozen

        var resumed = CliRunner.Run("train", "--resume", run);
        Assert.True(resumed.ExitCode == 0, resumed.Stderr);
        Assert.Contains($"resuming googlenet-bn in {run} at epoch {stoppedAt.Epoch + 1}, step {stoppedAt.InEpoch.Steps} of 4", resumed.Stdout);
        Assert.Equal(reference.Metrics, File.ReadAllText(Path.Combine(run, "metrics.csv")));
        Assert.Empty(Directory.GetFiles(run, "*.tmp"));
    }

    [LinuxFact]
    public void KilledWhileWritingACheckpointKeepsThePreviousOneAndResumes()
    {
        using var dir = new TempDirectory();
        string run = dir["run"], checkpoint = Path.Combine(run, "checkpoint.bin");
        var killed = CliRunner.Run(Timeout, new Dictionary<string, string> { ["GOOGLENET_FAULT"] = "kill-in-checkpoint-write:2" }, reference.Args(run));
        Assert.Equal(128 + 9, killed.ExitCode);
        Assert.Single(Directory.GetFiles(run, "checkpoint.bin.*.tmp")); // the half-written epoch 2
        Assert.Equal(1, Checkpoint.Read(checkpoint).Metadata.Epoch);

        var resumed = CliRunner.Run("train", "--resume", run);
        Assert.True(resumed.ExitCode == 0, resumed.Stderr);
        Assert.Equal(reference.Metrics, File.ReadAllText(Path.Combine(run, "metrics.csv")));
        Assert.Empty(Directory.GetFiles(run, "*.tmp"));
    }

    [LinuxFact]
    public void ASecondProcessCannotTrainInTheSameFolder()
    {
        using var dir = new TempDirectory();
        string run = dir["run"], checkpoint = Path.Combine(run, "checkpoint.bin");
        string[] args = ["train", "--data", reference.Data, "--out", run, "--resize", "16", "--batch-size", "32", "--epochs", "1000"];
        using var first = CliRunner.Start(null, args);
        var waited = Stopwatch.StartNew();
        while (!File.Exists(checkpoint) && !first.Process.HasExited && waited.Elapsed < Timeout)
            Thread.Sleep(50);
        Assert.True(File.Exists(checkpoint), $"the first process wrote no checkpoint: {(first.Process.HasExited ? first.Wait(Timeout).Stderr : "")}");

        var second = CliRunner.Run("train", "--resume", run);
        OptionMatrixTests.AssertOneLineError(second, "another googlenet process is training in this folder");
        Assert.False(first.Process.HasExited, "the first process must not be disturbed");
    }

    [LinuxFact]
    public void DivergenceOnTheCommandLineIsOneLineWithExitCode3()
    {
        using var dir = new TempDirectory();
        var result = CliRunner.Run("train", "--model", "googlenet", "--data", reference.Data, "--out", dir["run"], "--resize", "16",
            "--batch-size", "32", "--epochs", "2", "--lr", "1000");
        Assert.Equal(3, result.ExitCode);
        string line = Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("googlenet: error: training diverged: the loss became ", line);
        Assert.Contains("try a lower learning rate (e.g. --lr 500)", line);
        Assert.DoesNotContain("   at ", result.Stdout);
    }

    [TmpfsFact]
    public void AFullDiskWhileWritingACheckpointIsOneLineAndKeepsThePreviousOne()
    {
        using var dir = new TempDirectory();
        // googlenet-bn's checkpoint is about 24 MB: room for the first, not for the second beside it.
        string[] wrapper = Sandbox.InTmpfs(dir["disk"], "size=36m", copyTo: dir["after"]);
        string run = Path.Combine(dir["disk"], "run");
        using var running = CliRunner.Start(null, reference.Args(run), wrapper);
        var result = running.Wait(Timeout);

        Assert.Equal(1, result.ExitCode);
        string line = Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Matches(@"^googlenet: error: .*checkpoint\.bin: the checkpoint of epoch 2 could not be written \(No space left on device.*\); the previous checkpoint is intact$", line);
        string kept = Path.Combine(dir["after"], "run");
        Assert.Equal(1, Checkpoint.Read(Path.Combine(kept, "checkpoint.bin")).Metadata.Epoch);
        Assert.Empty(Directory.GetFiles(kept, "*.tmp"));
    }

    [TmpfsFact]
    public void AnOutputFolderThatCannotBeWrittenIsRefusedBeforeTraining()
    {
        using var dir = new TempDirectory();
        string[] wrapper = Sandbox.InTmpfs(dir["readonly"], "ro");
        foreach (var args in new[]
                 {
                     reference.Args(Path.Combine(dir["readonly"], "run")),
                     ["compare", "--models", "googlenet", "--data", reference.Data, "--out", Path.Combine(dir["readonly"], "cmp"), "--resize", "16"],
                 })
        {
            using var running = CliRunner.Start(null, args, wrapper);
            var result = running.Wait(Timeout);
            Assert.Equal(2, result.ExitCode);
            string line = Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.Contains("output folder is not writable (Read-only file system", line);
            Assert.DoesNotContain("training", result.Stdout);
            Assert.DoesNotContain("comparing", result.Stdout);
        }
    }

    [TmpfsFact]
    public void ResumingOnAReadOnlyMountSaysSoRatherThanBlamingAnotherProcess()
    {
        using var dir = new TempDirectory();
        string run = dir["run"];
        Directory.CreateDirectory(run);
        File.Copy(reference.CheckpointPath, Path.Combine(run, "checkpoint.bin"));
        File.WriteAllText(Path.Combine(run, "run.lock"), ""); // as every run leaves it
        using var running = CliRunner.Start(null, ["train", "--resume", run, "--epochs", "7", "--data", reference.Data], Sandbox.ReadOnly(run));
        var result = running.Wait(Timeout);

        Assert.Equal(2, result.ExitCode);
        string line = Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal($"googlenet: error: {run}: folder is not writable (Read-only file system : '{run}/run.lock')", line);
    }

    [LinuxFact]
    [UnsupportedOSPlatform("windows")]
    public void AnUnreadableDataFileIsNamed()
    {
        using var dir = new TempDirectory();
        string data = IdxWriter.WriteDataset(dir["data"], 16, 8);
        string labels = Path.Combine(data, "train-labels-idx1-ubyte");
        File.SetUnixFileMode(labels, UnixFileMode.None);
        var (wrapper, environment) = Sandbox.AsOrdinaryUser(dir["home"]);
        using var running = CliRunner.Start(environment, ["train", "--data", data, "--out", dir["run"]], wrapper);
        var result = running.Wait(Timeout);
        OptionMatrixTests.AssertOneLineError(result, $"{labels}: permission denied");
        Assert.False(Directory.Exists(dir["run"]));
    }

    [LinuxFact]
    [UnsupportedOSPlatform("windows")]
    public void EvaluateInAFolderItCannotWriteGivesTheResultsAndWarnsAboutThePicture()
    {
        using var dir = new TempDirectory();
        string shared = dir["shared"];
        Directory.CreateDirectory(shared);
        File.Copy(reference.CheckpointPath, Path.Combine(shared, "checkpoint.bin"));
        const UnixFileMode readOnly = UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.GroupRead
            | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;
        File.SetUnixFileMode(shared, readOnly);
        try
        {
            var (wrapper, environment) = Sandbox.AsOrdinaryUser(dir["home"]);
            using var running = CliRunner.Start(environment, ["evaluate", "--checkpoint", shared, "--data", reference.Data, "--json"], wrapper);
            var result = running.Wait(Timeout);
            Assert.True(result.ExitCode == 0, result.Stderr);
            using (var json = System.Text.Json.JsonDocument.Parse(result.Stdout))
                Assert.Equal(32, json.RootElement.GetProperty("examples").GetInt32());
            string line = Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.Equal($"googlenet: warning: {Path.Combine(shared, "confusion.png")}: not written (permission denied); the results above are complete", line);
            Assert.Equal(["checkpoint.bin"], Directory.GetFiles(shared).Select(Path.GetFileName));
        }
        finally
        {
            File.SetUnixFileMode(shared, readOnly | UnixFileMode.UserWrite);
        }
    }
}
