#!/usr/bin/env bash
# Packs the library (GoogLeNet.Core) and the `googlenet` tool (GoogLeNet.Cli, linux-x64) into
# artifacts/packages (or $PACKAGE_OUTPUT), installs the tool from that folder into a temporary tool path, and
# checks that the installed tool runs: `googlenet summary --json` must print JSON naming the chapter's
# network. Needs only the .NET SDK; runs from any folder.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${PACKAGE_OUTPUT:-$root/artifacts/packages}"
configuration="${CONFIGURATION:-Release}"
start=$SECONDS

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

version="$(dotnet msbuild "$root/src/GoogLeNet.Cli/GoogLeNet.Cli.csproj" -getProperty:Version)"
[ -n "$version" ] || { echo "pack.sh: could not read the version from Directory.Build.props" >&2; exit 1; }

mkdir -p "$out"
rm -f "$out"/GoogLeNet.Core.*.nupkg "$out"/GoogLeNet.Cli.*.nupkg

echo "== pack $version ($configuration) into $out"
dotnet pack "$root/src/GoogLeNet/GoogLeNet.csproj" -c "$configuration" -o "$out" -p:ContinuousIntegrationBuild=true
dotnet pack "$root/src/GoogLeNet.Cli/GoogLeNet.Cli.csproj" -c "$configuration" -o "$out" -p:ContinuousIntegrationBuild=true

for id in GoogLeNet.Core GoogLeNet.Cli GoogLeNet.Cli.linux-x64; do
  [ -f "$out/$id.$version.nupkg" ] || { echo "pack.sh: $id.$version.nupkg was not made" >&2; exit 1; }
done

# Install from the folder alone: a throwaway NuGet config with no other source, and a throwaway package
# cache, so that neither a registry nor a stale copy of this version in ~/.nuget/packages is consulted.
work="$(mktemp -d "${TMPDIR:-/tmp}/googlenet-pack.XXXXXX")"
trap 'rm -rf "$work"' EXIT
cat >"$work/nuget.config" <<'XML'
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <clear />
  </packageSources>
</configuration>
XML

echo "== install GoogLeNet.Cli $version from $out"
NUGET_PACKAGES="$work/nuget-packages" dotnet tool install --tool-path "$work/tools" \
  --configfile "$work/nuget.config" --add-source "$out" GoogLeNet.Cli --version "$version"
rm -rf "$work/nuget-packages"

# The tool package must carry Linux x64 natives only (no .dll natives, .dylib or runtimes/win*, osx*).
foreign="$(find "$work/tools/.store" \( -name '*.dylib' -o -path '*/runtimes/win*' -o -path '*/runtimes/osx*' \
  -o -name 'LibTorchSharp.dll' -o -name 'libSkiaSharp.dll' -o -name 'torch_cpu.dll' \) -print)"
if [ -n "$foreign" ]; then
  echo "pack.sh: the tool package carries Windows or macOS native libraries:" >&2
  echo "$foreign" >&2
  exit 1
fi

# The installed tool must find its native libraries from its own layout and write nothing there: the
# TorchSharp fix goes to a cache folder (here a fresh one), so a read-only install folder shared by other
# users works.
before="$(find "$work/tools" -printf '%p %s %T@\n' | sort)"
echo "== googlenet summary --json (installed tool)"
json="$(XDG_CACHE_HOME="$work/cache" "$work/tools/googlenet" summary --json)"
after="$(find "$work/tools" -printf '%p %s %T@\n' | sort)"
echo "$json"
if [ "$before" != "$after" ]; then
  echo "pack.sh: running the tool changed files in its install folder:" >&2
  diff <(echo "$before") <(echo "$after") >&2 || true
  exit 1
fi
if command -v python3 >/dev/null; then
  printf '%s' "$json" | python3 -c 'import json, sys; d = json.load(sys.stdin); assert d["model"] == "googlenet" and d["params"] > 0, d' \
    || { echo "pack.sh: the tool's output is not JSON naming googlenet" >&2; exit 1; }
else
  printf '%s' "$json" | grep -q '^{"model":"googlenet",' \
    || { echo "pack.sh: the tool's output is not JSON naming googlenet" >&2; exit 1; }
fi

echo "== made (in $out)"
for f in "$out"/GoogLeNet.Core."$version".nupkg "$out"/GoogLeNet.Cli."$version".nupkg "$out"/GoogLeNet.Cli.linux-x64."$version".nupkg; do
  size=$(stat -c %s "$f")
  printf '  %-40s %12s bytes (%s)\n' "$(basename "$f")" "$size" "$(numfmt --to=iec --suffix=B "$size")"
done
printf '  installed tool: %s\n' "$(du -sh "$work/tools" | cut -f1)"
echo "pack.sh: ok in $((SECONDS - start)) s"
