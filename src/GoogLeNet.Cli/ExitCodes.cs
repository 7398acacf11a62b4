namespace GoogLeNet.Cli;

/// <summary>Process exit codes of the <c>googlenet</c> tool.</summary>
internal static class ExitCodes
{
    public const int Success = 0;
    /// <summary>The machine failed the run: a full disk, an unwritable file, memory exhausted.</summary>
    public const int Failure = 1;
    /// <summary>Bad input the user can fix: an option, a data file, a checkpoint.</summary>
    public const int Usage = 2;
    /// <summary>Training stopped because the loss stopped being finite.</summary>
    public const int Diverged = 3;
    /// <summary>Stopped by Ctrl-C (128 + SIGINT).</summary>
    public const int Interrupted = 130;
    /// <summary>Stopped by SIGTERM (128 + 15).</summary>
    public const int Terminated = 143;
}
