using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace GoogLeNet.Tests;

/// <summary>
/// Ways to run the tool where the machine misbehaves: a tiny or read-only file system (a tmpfs mounted in
/// a private mount namespace, which needs no privileges on Debian), or a user who may not read a file.
/// </summary>
public static class Sandbox
{
    private static readonly Lazy<bool> UnshareWorks = new(() =>
    {
        try
        {
            using var p = Process.Start(new ProcessStartInfo("unshare", ["--user", "--map-root-user", "--mount", "true"])
            {
                RedirectStandardError = true,
                UseShellExecute = false,
            })!;
            p.WaitForExit(10_000);
            return p.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    });

    public static bool CanMountTmpfs => OperatingSystem.IsLinux() && UnshareWorks.Value;

    /// <summary>
    /// A wrapper that mounts a tmpfs with <paramref name="mountOptions"/> (e.g. <c>size=30m</c> or <c>ro</c>)
    /// on <paramref name="mountPoint"/> for the tool's process only, and afterwards copies what the tool
    /// left there to <paramref name="copyTo"/> (the tmpfs vanishes with the process).
    /// </summary>
    public static string[] InTmpfs(string mountPoint, string mountOptions, string? copyTo = null)
    {
        Directory.CreateDirectory(mountPoint);
        const string script = """
            mount -t tmpfs -o "$MOUNT_OPTIONS" none "$0" || exit 90
            "$@"; rc=$?
            if [ -n "$COPY_TO" ]; then cp -a "$0/." "$COPY_TO"; fi
            exit $rc
            """;
        return ["env", $"MOUNT_OPTIONS={mountOptions}", $"COPY_TO={copyTo ?? ""}",
            "unshare", "--user", "--map-root-user", "--mount", "sh", "-c", script, mountPoint];
    }

    /// <summary>
    /// A wrapper under which <paramref name="folder"/>, with what it holds, is a read-only mount for the tool's
    /// process only (a bind mount of the folder onto itself, remounted read-only in a private mount namespace).
    /// </summary>
    public static string[] ReadOnly(string folder) =>
        ["unshare", "--user", "--map-root-user", "--mount", "sh", "-c",
            """mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" || exit 90; exec "$@" """, folder];

    /// <summary>
    /// A wrapper that gives the tool a terminal of its own (a pseudo-terminal from util-linux's <c>script</c>,
    /// on every Debian), so that it behaves as it does in front of a user. Arguments must not hold a single quote.
    /// </summary>
    public static string[] InTerminal() =>
        ["sh", "-c", """c=''; for a; do c="$c '$a'"; done; exec script -qec "$c" /dev/null""", "sh"];

    public static bool IsRoot => OperatingSystem.IsLinux() && GetEffectiveUserId() == 0;

    /// <summary>
    /// A wrapper under which file permissions apply: none for an ordinary user; for root (who reads
    /// everything), the user nobody, with <paramref name="home"/> made writable as its home folder.
    /// </summary>
    [UnsupportedOSPlatform("windows")]
    public static (string[]? Wrapper, Dictionary<string, string>? Environment) AsOrdinaryUser(string home)
    {
        if (!IsRoot)
            return (null, null);
        Directory.CreateDirectory(home);
        File.SetUnixFileMode(home, (UnixFileMode)0b111_111_111);
        return (["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"], new() { ["HOME"] = home });
    }

    [DllImport("libc", EntryPoint = "geteuid")]
    private static extern uint GetEffectiveUserId();
}

/// <summary>A fact that needs a private tmpfs (see <see cref="Sandbox.InTmpfs"/>); skipped, with the reason, where unshare is refused.</summary>
public sealed class TmpfsFactAttribute : FactAttribute
{
    public TmpfsFactAttribute()
    {
        if (!Sandbox.CanMountTmpfs)
            Skip = "needs 'unshare --user --mount' (util-linux) with unprivileged user namespaces";
    }
}
