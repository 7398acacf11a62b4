using System.Diagnostics;

namespace GoogLeNet.Tests.Interop;

/// <summary>
/// Debian's Python 3 with its python3-torch and python3-onnx packages (/usr/bin/python3; .ci/run installs them):
/// the other side that exported files are checked against.
/// </summary>
internal static class Python
{
    public const string Executable = "/usr/bin/python3";

    /// <summary>Runs <paramref name="script"/> with the arguments and returns its standard output; fails the test on a non-zero exit.</summary>
    public static string Run(string script, params string[] args)
    {
        Assert.True(File.Exists(Executable), $"{Executable} is missing: apt-get install python3-torch python3-onnx");
        var start = new ProcessStartInfo(Executable) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(script);
        foreach (var a in args)
            start.ArgumentList.Add(a);
        // Two threads, as the tests' own libtorch uses; no user site-packages that could shadow Debian's.
        start.Environment["OMP_NUM_THREADS"] = "2";
        start.Environment["PYTHONNOUSERSITE"] = "1";
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"python exited with {process.ExitCode}: {stderr.Result}");
        return stdout;
    }
}
