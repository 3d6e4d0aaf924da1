// /install.sh: what a host runs to install the pakyas binary from the server it reports to, with
// nothing but a POSIX sh, curl (or wget) and sha256sum (or shasum):
//   curl -fsSL https://pakyas.example.com/install.sh | sh
//   curl -fsSL https://pakyas.example.com/install.sh | sh -s -- --prefix ~/.local
// The server's URL is written into the script (server/downloads.ts checks it can hold no quote).
// Nothing is installed unless the download matches the server's SHA256SUMS, and the binary is
// moved into place in one rename, so a cron job starting meanwhile runs the old one or the new one.

export function installScript(serverUrl: string): string {
  return `#!/bin/sh
# Installs pakyas, the Pakyas CLI as one file (no Node.js needed), from the Pakyas server at
#   ${serverUrl}
# Usage: curl -fsSL ${serverUrl}/install.sh | sh [-s -- --prefix DIR]
# Installs DIR/bin/pakyas; DIR is --prefix, else $PAKYAS_PREFIX, else /usr/local.
set -eu

server='${serverUrl}'
prefix="\${PAKYAS_PREFIX:-/usr/local}"

say() { printf 'pakyas install: %s\\n' "$*"; }
die() { printf 'pakyas install: error: %s\\n' "$*" >&2; exit 1; }

while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) [ $# -ge 2 ] || die "--prefix needs a directory"; prefix="$2"; shift 2 ;;
    --prefix=*) prefix="\${1#--prefix=}"; shift ;;
    -h|--help) printf 'Installs DIR/bin/pakyas from %s\\nUsage: sh install.sh [--prefix DIR]   (DIR: --prefix, else $PAKYAS_PREFIX, else /usr/local)\\n' "$server"; exit 0 ;;
    *) die "unknown option '$1'; the options are --prefix DIR and --help" ;;
  esac
done
[ -n "$prefix" ] || die "--prefix is empty"

os=$(uname -s)
[ "$os" = Linux ] || die "pakyas binaries are built for Linux, and this is $os; install with npm instead (npm install -g pakyas)"
machine=$(uname -m)
case "$machine" in
  x86_64|amd64) arch=x64 ;;
  aarch64|arm64) arch=arm64 ;;
  *) die "no pakyas binary for $machine; pakyas is built for x86_64 and aarch64 (install with npm on others)" ;;
esac
name="pakyas-linux-$arch"

if command -v curl >/dev/null 2>&1; then
  fetch() { curl -fsSL --retry 2 -o "$2" "$1"; }
elif command -v wget >/dev/null 2>&1; then
  fetch() { wget -q -O "$2" "$1"; }
else
  die "neither curl nor wget is installed"
fi
if command -v sha256sum >/dev/null 2>&1; then
  sha256() { sha256sum "$1" | { read -r sum _rest; printf '%s' "$sum"; }; }
elif command -v shasum >/dev/null 2>&1; then
  sha256() { shasum -a 256 "$1" | { read -r sum _rest; printf '%s' "$sum"; }; }
else
  die "neither sha256sum nor shasum is installed, so the download cannot be verified"
fi

tmp=$(mktemp -d 2>/dev/null || { d="\${TMPDIR:-/tmp}/pakyas-install.$$"; mkdir -m 700 "$d" && printf '%s' "$d"; }) || die "cannot make a temporary directory"
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM

fetch "$server/download/SHA256SUMS" "$tmp/SHA256SUMS" \\
  || die "cannot download $server/download/SHA256SUMS: the server is unreachable, or has no binaries (see 'Install' in its README)"
expected=
while read -r sum file; do
  [ "$file" = "$name" ] && expected=$sum
done < "$tmp/SHA256SUMS"
[ -n "$expected" ] || die "the server at $server has no $name binary (it has: $(while read -r _s f; do printf '%s ' "$f"; done < "$tmp/SHA256SUMS"))"

say "downloading $server/download/$name"
fetch "$server/download/$name" "$tmp/$name" || die "cannot download $server/download/$name"
actual=$(sha256 "$tmp/$name")
if [ "$actual" != "$expected" ]; then
  die "checksum mismatch for $name: expected $expected, got $actual; nothing was installed"
fi
bindir="$prefix/bin"
mkdir -p "$bindir" 2>/dev/null || die "cannot create $bindir: run as root (curl -fsSL $server/install.sh | sudo sh) or pass --prefix ~/.local"
[ -w "$bindir" ] || die "cannot write to $bindir: run as root (curl -fsSL $server/install.sh | sudo sh) or pass --prefix ~/.local"
# Copied beside the target and tried there (a temporary directory may forbid running programs),
# then renamed over it: the same file system, so one atomic step.
new="$bindir/.pakyas.new.$$"
trap 'rm -rf "$tmp"; rm -f "$new"' EXIT
cp "$tmp/$name" "$new" || die "cannot write to $bindir"
chmod 755 "$new"
version=$("$new" --version 2>/dev/null) || die "the downloaded $name does not run on this host; nothing was installed"
mv -f "$new" "$bindir/pakyas" || die "cannot replace $bindir/pakyas; nothing was installed"

say "installed $version for linux-$arch at $bindir/pakyas (sha256 $actual)"
case ":\${PATH:-}:" in
  *":$bindir:"*) ;;
  *) say "note: $bindir is not on this shell's PATH; add it (cron's PATH is /usr/bin:/bin: set PATH=$bindir:/usr/bin:/bin in the crontab)" ;;
esac
say "report to this server with: export PAKYAS_SERVER=$server"
`;
}
