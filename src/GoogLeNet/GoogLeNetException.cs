namespace GoogLeNet;

/// <summary>
/// A problem the caller can fix: a setting out of range, a missing or damaged file, a checkpoint of another model.
/// The message is one line that names the setting or file and the problem.
/// </summary>
public class GoogLeNetException : Exception
{
    /// <summary>A problem described by <paramref name="message"/>.</summary>
    public GoogLeNetException(string message) : base(message) { }

    /// <summary>A problem described by <paramref name="message"/>, caused by <paramref name="inner"/>.</summary>
    public GoogLeNetException(string message, Exception? inner) : base(message, inner) { }
}

/// <summary>
/// A setting or argument is out of range or does not fit the rest. Settings are named as a C# caller writes them
/// (<c>TrainOptions.Epochs</c>, <c>ModelSummary.Of(size)</c>), so that a front end can put its own names in their place.
/// </summary>
public sealed class InvalidSettingException(string message) : GoogLeNetException(message);

/// <summary>
/// A file could not be written because of the machine, not the input: a full disk, a folder that became read-only.
/// Files are written atomically, so the previous version of the file is intact.
/// </summary>
public sealed class FileWriteException(string message, Exception inner) : GoogLeNetException(message, inner);
