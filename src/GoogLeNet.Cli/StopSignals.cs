using System.Runtime.InteropServices;

namespace GoogLeNet.Cli;

/// <summary>
/// Ctrl-C (SIGINT) and SIGTERM (what `kill`, systemd and container runtimes send) as a request to stop,
/// for the duration of a verb: the current training step finishes, the last checkpoint stays, and the
/// verb exits with <see cref="ExitCode"/>. (A job started in the background by a non-interactive shell
/// ignores SIGINT; SIGTERM still reaches it.)
/// </summary>
internal sealed class StopSignals : IDisposable
{
    private readonly CancellationTokenSource _cancel = new();
    private readonly PosixSignalRegistration _term;
    private volatile bool _terminated;

    public StopSignals()
    {
        Console.CancelKeyPress += OnCancelKeyPress;
        _term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true; // keep the process alive until the step ends
            _terminated = true;
            _cancel.Cancel();
        });
    }

    public CancellationToken Token => _cancel.Token;

    /// <summary>The exit code for the signal that arrived: 130 for SIGINT, 143 for SIGTERM.</summary>
    public int ExitCode => _terminated ? ExitCodes.Terminated : ExitCodes.Interrupted;

    private void OnCancelKeyPress(object? sender, ConsoleCancelEventArgs e)
    {
        e.Cancel = true; // keep the process alive until the step ends
        _cancel.Cancel();
    }

    public void Dispose()
    {
        Console.CancelKeyPress -= OnCancelKeyPress;
        _term.Dispose();
        _cancel.Dispose();
    }
}
