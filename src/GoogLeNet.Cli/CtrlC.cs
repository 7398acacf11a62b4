namespace GoogLeNet.Cli;

/// <summary>
/// Ctrl-C (SIGINT) as a cancellation request for the duration of a verb: the current training step
/// finishes, the last checkpoint stays, and the verb exits with <see cref="ExitCodes.Interrupted"/>.
/// </summary>
public sealed class CtrlC : IDisposable
{
    private readonly CancellationTokenSource _cancel = new();

    public CtrlC() => Console.CancelKeyPress += OnCancelKeyPress;

    public CancellationToken Token => _cancel.Token;

    private void OnCancelKeyPress(object? sender, ConsoleCancelEventArgs e)
    {
        e.Cancel = true; // keep the process alive until the step ends
        _cancel.Cancel();
    }

    public void Dispose()
    {
        Console.CancelKeyPress -= OnCancelKeyPress;
        _cancel.Dispose();
    }
}
