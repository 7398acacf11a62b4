using System.Diagnostics;

namespace GoogLeNet.Tests;

/// <summary>Runs the real <c>googlenet</c> tool (built beside the tests) as a separate process.</summary>
public static class CliRunner
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr);

    public static Result Run(params string[] args) => Run(TimeSpan.FromMinutes(5), null, args);

    public static Result Run(TimeSpan timeout, IDictionary<string, string>? environment, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "googlenet.dll"));
        foreach (var a in args)
            start.ArgumentList.Add(a);
        if (environment is not null)
            foreach (var (k, v) in environment)
                start.Environment[k] = v;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"googlenet {string.Join(' ', args)} did not finish in {timeout}");
        }
        return new Result(process.ExitCode, stdout.Result, stderr.Result);
    }
}
