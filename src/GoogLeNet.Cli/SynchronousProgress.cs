namespace GoogLeNet.Cli;

/// <summary>
/// Reports on the caller's thread, at once. <see cref="Progress{T}"/> posts each report to the thread pool
/// in a console program, so a line could print after what the next phase printed.
/// </summary>
internal sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
