using System.Diagnostics;

namespace GoogLeNet.Tests;

/// <summary>Runs the real <c>googlenet</c> tool (built beside the tests) as a separate process.</summary>
public static class CliRunner
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr);

    /// <summary>A started tool process whose output is being collected.</summary>
    public sealed class Running(Process process, Task<string> stdout, Task<string> stderr) : IDisposable
    {
        public Process Process { get; } = process;

        /// <summary>Waits for the end (killing the process tree after <paramref name="timeout"/>).</summary>
        public Result Wait(TimeSpan timeout)
        {
            if (!Process.WaitForExit(timeout))
            {
                Process.Kill(entireProcessTree: true);
                throw new TimeoutException($"{Process.StartInfo.FileName} {string.Join(' ', Process.StartInfo.ArgumentList)} did not finish in {timeout}");
            }
            return new Result(Process.ExitCode, stdout.Result, stderr.Result);
        }

        public void Dispose()
        {
            if (!Process.HasExited)
                Process.Kill(entireProcessTree: true);
            Process.Dispose();
        }
    }

    /// <summary>The tool's path, for wrappers that start it themselves.</summary>
    public static string ToolPath => Path.Combine(AppContext.BaseDirectory, "googlenet.dll");

    public static Result Run(params string[] args) => Run(TimeSpan.FromMinutes(5), null, args);

    public static Result Run(TimeSpan timeout, IDictionary<string, string>? environment, params string[] args)
    {
        using var running = Start(environment, args);
        return running.Wait(timeout);
    }

    /// <summary>Runs the tool with <paramref name="workingDirectory"/> as its current folder.</summary>
    public static Result RunIn(string workingDirectory, params string[] args)
    {
        using var running = Start(null, args, workingDirectory: workingDirectory);
        return running.Wait(TimeSpan.FromMinutes(5));
    }

    /// <summary>Starts <c>dotnet googlenet.dll ARGS</c>, or <c>WRAPPER... dotnet googlenet.dll ARGS</c>.</summary>
    public static Running Start(IDictionary<string, string>? environment, string[] args, string[]? wrapper = null, string? workingDirectory = null)
    {
        string[] command = [.. wrapper ?? [], "dotnet", ToolPath, .. args];
        var start = new ProcessStartInfo(command[0])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? "",
        };
        foreach (var a in command[1..])
            start.ArgumentList.Add(a);
        if (environment is not null)
            foreach (var (k, v) in environment)
                start.Environment[k] = v;
        var process = Process.Start(start)!;
        return new Running(process, process.StandardOutput.ReadToEndAsync(), process.StandardError.ReadToEndAsync());
    }
}
