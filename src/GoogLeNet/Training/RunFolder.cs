using System.Text.Json;

namespace GoogLeNet.Training;

/// <summary>
/// The folder of one training run: <c>config.json</c>, <c>metrics.csv</c>, <c>curves.png</c>,
/// <c>checkpoint.bin</c> and, when finished, <c>summary.json</c>.
/// </summary>
internal sealed class RunFolder : IDisposable
{
    /// <summary>The lock <see cref="Create"/> or <see cref="Open"/> took, kept until the training takes it over (<see cref="Lock"/>).</summary>
    private IDisposable? heldLock;

    private RunFolder(string directory) => Directory = directory;

    /// <summary>The names of the files a run writes into its folder.</summary>
    public const string ConfigFile = "config.json", MetricsFile = "metrics.csv", CurvesFile = "curves.png",
        CheckpointFile = "checkpoint.bin", SummaryFile = "summary.json";

    /// <summary>The file a training process holds locked while it trains in the folder.</summary>
    public const string LockFile = "run.lock";

    public string Directory { get; }
    public string ConfigPath => Path.Combine(Directory, ConfigFile);
    public string MetricsPath => Path.Combine(Directory, MetricsFile);
    public string CurvesPath => Path.Combine(Directory, CurvesFile);
    public string CheckpointPath => Path.Combine(Directory, CheckpointFile);
    public string SummaryPath => Path.Combine(Directory, SummaryFile);

    public static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>What a run writes into its folder (and evaluate beside its checkpoint); anything else is the user's.</summary>
    private static readonly HashSet<string> OwnFiles =
        [ConfigFile, MetricsFile, CurvesFile, CheckpointFile, SummaryFile, LockFile, "confusion.png", Comparison.DivergedFile];

    /// <summary>
    /// Creates a run folder, or reuses an empty one or one whose run stopped before its first checkpoint,
    /// and proves it writable before any training starts. A folder that already holds a checkpoint is
    /// refused (that run is continued with --resume), as is one that holds files of its own (a run would
    /// write over them) or that another process is training in.
    /// </summary>
    public static RunFolder Create(string directory)
    {
        var run = new RunFolder(Path.GetFullPath(directory));
        if (File.Exists(run.Directory))
            throw new GoogLeNetException($"{directory}: --out names a file, not a folder");
        run.RefuseIfTaken(directory); // before anything is written there
        PrepareOutput(run.Directory, directory);
        run.heldLock = run.Lock(); // a run still in its first epoch there has not written a checkpoint yet
        try
        {
            run.RefuseIfTaken(directory); // again under the lock: a run may have finished its first epoch meanwhile
        }
        catch
        {
            run.Dispose();
            throw;
        }
        return run;
    }

    /// <summary>
    /// Creates a new run folder at <paramref name="path"/>, or at PATH-2, PATH-3, ... when that name is taken:
    /// for the default names, which end in the time to the second, so that runs started within one second
    /// (one after another in a script, or side by side) each get a folder of their own.
    /// </summary>
    public static RunFolder CreateNew(string path) => TakeFirstFree(path, Create);

    /// <summary>
    /// <paramref name="take"/> of <paramref name="path"/>, or of PATH-2, PATH-3, ...: the first name that names
    /// nothing yet and that no other process takes at the same moment.
    /// </summary>
    public static T TakeFirstFree<T>(string path, Func<string, T> take)
    {
        while (true)
        {
            try
            {
                return take(FreeName(path));
            }
            catch (RunFolderInUseException)
            {
                // Another process made the same folder at the same moment and holds it: the next name is free.
            }
        }
    }

    /// <summary>The default folder of a run or comparison started now: <c>runs/NAME-yyyyMMdd-HHmmss</c>, local time.</summary>
    public static string DefaultPath(string name) => Path.Combine("runs", $"{name}-{DateTime.Now:yyyyMMdd-HHmmss}");

    /// <summary><paramref name="path"/>, or PATH-2, PATH-3, ..., the first that names nothing yet.</summary>
    public static string FreeName(string path)
    {
        string candidate = path;
        for (int n = 2; System.IO.Directory.Exists(candidate) || File.Exists(candidate); n++)
            candidate = $"{path}-{n}";
        return candidate;
    }

    /// <summary>Refuses a folder that holds a checkpoint or files that are not a run's.</summary>
    private void RefuseIfTaken(string shown)
    {
        if (File.Exists(CheckpointPath))
            throw new GoogLeNetException($"{shown}: already holds a training run; continue it with train --resume {shown} or choose another --out");
        if (System.IO.Directory.Exists(Directory)
            && System.IO.Directory.EnumerateFileSystemEntries(Directory).Select(Path.GetFileName)
                .FirstOrDefault(name => !OwnFiles.Contains(name!) && !AtomicFile.IsLeftover(name!) && !name!.StartsWith(WriteProbe, StringComparison.Ordinal)) is { } foreign)
            throw new GoogLeNetException($"{shown}: --out names a folder that holds other files ({foreign}); choose a new or empty folder");
    }

    /// <summary>The file <see cref="PrepareOutput"/> writes and deletes (another process starting beside this one may see it).</summary>
    private const string WriteProbe = ".write-test-";

    /// <summary>
    /// Creates <paramref name="fullPath"/> if needed and proves it writable by writing and deleting a file,
    /// so that an unwritable output folder is refused before any work starts.
    /// </summary>
    /// <param name="fullPath">The folder, as a full path.</param>
    /// <param name="shown">The folder as the user typed it, for the message.</param>
    /// <exception cref="GoogLeNetException">The folder cannot be created or written to.</exception>
    public static void PrepareOutput(string fullPath, string shown)
    {
        try
        {
            System.IO.Directory.CreateDirectory(fullPath);
            string probe = Path.Combine(fullPath, $"{WriteProbe}{Environment.ProcessId}");
            File.WriteAllText(probe, "");
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new GoogLeNetException($"{shown}: output folder is not writable ({e.Message})", e);
        }
    }

    /// <summary>
    /// Takes the folder for one training process (an advisory lock on <c>run.lock</c>, released by the
    /// kernel if the process dies) and removes temporary files a killed process left half-written. The first
    /// call after <see cref="Create"/> or <see cref="Open"/> returns the lock they took; disposing it releases the folder.
    /// </summary>
    /// <exception cref="RunFolderInUseException">Another process is training in this folder.</exception>
    public IDisposable Lock()
    {
        if (Interlocked.Exchange(ref heldLock, null) is { } held)
            return held;
        var stream = LockFolder(Directory, LockFile, "training");
        try
        {
            AtomicFile.DeleteLeftovers(Directory);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
        return stream;
    }

    /// <summary>
    /// Takes an advisory lock on <paramref name="lockName"/> in <paramref name="directory"/> (released by the kernel if
    /// the process dies), for one process at a time.
    /// </summary>
    /// <param name="directory">The folder to lock.</param>
    /// <param name="lockName">The name of the lock file in it, created if missing.</param>
    /// <param name="activity">What the holder does there, for the message: "training".</param>
    /// <exception cref="RunFolderInUseException">Another process holds it.</exception>
    /// <exception cref="GoogLeNetException">The lock file cannot be opened for writing (a read-only mount).</exception>
    public static FileStream LockFolder(string directory, string lockName, string activity)
    {
        string lockPath = Path.Combine(directory, lockName);
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                return new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                if (e is IOException && HeldElsewhere(lockPath))
                    throw new RunFolderInUseException($"{directory}: another googlenet process is {activity} in this folder", e);
                // Not held: released between the two opens, or held shared for a moment by another process probing it
                // (IsTraining, for googlenet runs), and a later attempt takes it; or not writable.
                if (e is UnauthorizedAccessException || attempt == 5)
                    throw new GoogLeNetException($"{directory}: folder is not writable ({e.Message})", e);
                Thread.Sleep(20 * attempt);
            }
        }
    }

    /// <summary>
    /// Whether a process is training in <paramref name="directory"/> now (holds its <c>run.lock</c>). Writes nothing; the probe
    /// holds the lock shared for a moment, which a training starting at that moment waits out (<see cref="LockFolder"/>).
    /// </summary>
    public static bool IsTraining(string directory)
    {
        string lockPath = Path.Combine(directory, LockFile);
        return File.Exists(lockPath) && HeldElsewhere(lockPath);
    }

    /// <summary>
    /// Whether another process holds the lock on <paramref name="lockPath"/>, rather than the file failing to open
    /// for writing (a read-only mount): a shared, read-only open of it fails only while another holds it exclusively.
    /// </summary>
    private static bool HeldElsewhere(string lockPath)
    {
        try
        {
            using var probe = new FileStream(lockPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            return false;
        }
        catch (IOException) when (File.Exists(lockPath))
        {
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>
    /// Opens an existing run for --resume and locks it, as <see cref="Create"/> does, so that a folder another
    /// process is training in is refused before anything is read or printed.
    /// </summary>
    public static RunFolder Open(string directory)
    {
        var run = new RunFolder(Path.GetFullPath(directory));
        if (!System.IO.Directory.Exists(run.Directory))
            throw new GoogLeNetException($"{directory}: run folder not found");
        if (!File.Exists(run.CheckpointPath))
            throw new GoogLeNetException($"{directory}: no checkpoint.bin in this folder, nothing to resume (a run writes its first checkpoint after its first epoch, after --checkpoint-every minutes of training or at a Ctrl-C, whichever comes first)");
        run.heldLock = run.Lock();
        return run;
    }

    /// <summary>Releases the folder if no training took its lock over (a command refused after Create or Open).</summary>
    public void Dispose() => Interlocked.Exchange(ref heldLock, null)?.Dispose();

    /// <summary>Records the options and the data folder, as a full path: --resume may run from another folder.</summary>
    public void WriteConfig(TrainOptions options, string dataDirectory) =>
        AtomicFile.WriteAllText(ConfigPath, JsonSerializer.Serialize(new RunConfig(options, Path.GetFullPath(dataDirectory)), Json));

    /// <summary>
    /// The data folder <c>config.json</c> records; null when it records none, cannot be read, or the folder is
    /// gone and may be looked for again (a relative path, the download cache).
    /// </summary>
    /// <exception cref="GoogLeNetException">The recorded folder is gone: resuming on whatever copy is found next
    /// could continue the run on other data.</exception>
    public string? RecordedDataDirectory() => StillThere(ReadConfig(ConfigPath)?.Data, ConfigPath);

    /// <summary>What a run's <c>config.json</c> records (<see cref="WriteConfig"/>); null when it cannot be read.</summary>
    public static RunConfig? ReadConfig(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<RunConfig>(File.ReadAllText(path), Json);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            return null;
        }
    }

    /// <summary>
    /// <paramref name="recorded"/>, the data folder a run or comparison was started on, if it is still there; null when
    /// it records none or is gone and may be looked for again (a relative path, the download cache).
    /// </summary>
    /// <param name="recorded">The recorded data folder; null when none was recorded.</param>
    /// <param name="recordedIn">The file that records it, for the message.</param>
    /// <exception cref="GoogLeNetException">The recorded folder is gone.</exception>
    public static string? StillThere(string? recorded, string recordedIn)
    {
        if (recorded is null || System.IO.Directory.Exists(recorded))
            return recorded;
        // Gone, but nothing is lost by looking again: a relative path (runs from before full paths were recorded)
        // means nothing from another folder, and the download cache is filled again with the same checked files.
        if (!Path.IsPathRooted(recorded) || Path.GetFullPath(recorded) == Path.GetFullPath(Data.FashionMnist.CacheDirectory))
            return null;
        throw new GoogLeNetException($"{recorded}: the data folder this run was trained on is gone (see {recordedIn}); pass --data DIR to continue on another copy");
    }

}

/// <summary>A run's <c>config.json</c>: the resolved options and the data folder it was started on (either may be missing in a damaged file).</summary>
internal sealed record RunConfig(TrainOptions? Options, string? Data);

/// <summary>Another process holds the run folder (see <see cref="RunFolder.Lock"/>).</summary>
internal sealed class RunFolderInUseException(string message, Exception inner) : GoogLeNetException(message, inner);
