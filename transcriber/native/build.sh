#!/usr/bin/env bash
# Builds transcriber/native/build/ps-server from ps-server.c against the system libpocketsphinx.
# Called by scripts/bootstrap.sh on every start and test run: a no-op while the binary is newer
# than the source and this script.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
src="$here/ps-server.c"
out="$here/build/ps-server"

if [ -x "$out" ] && [ "$out" -nt "$src" ] && [ "$out" -nt "$here/build.sh" ]; then
  exit 0
fi

if ! command -v pkg-config >/dev/null 2>&1; then
  echo "ps-server build: pkg-config not found (install the Debian package pkg-config)" >&2
  exit 1
fi
if ! pkg-config --exists pocketsphinx sphinxbase; then
  echo "ps-server build: pocketsphinx headers not found (install libpocketsphinx-dev and libsphinxbase-dev)" >&2
  exit 1
fi
cc="${CC:-cc}"
if ! command -v "$cc" >/dev/null 2>&1; then
  echo "ps-server build: C compiler '$cc' not found (install gcc)" >&2
  exit 1
fi

mkdir -p "$here/build"
# Build to a temporary name so a failed or concurrent build never leaves a broken binary in place.
tmp="$out.tmp.$$"
# shellcheck disable=SC2046
if ! "$cc" -std=c11 -O2 -Wall -Wextra -Wno-unused-parameter -o "$tmp" "$src" \
  $(pkg-config --cflags --libs pocketsphinx sphinxbase) -lm; then
  rm -f "$tmp"
  echo "ps-server build: compiling $src failed (see the compiler output above)" >&2
  exit 1
fi
mv -f "$tmp" "$out"
echo "ps-server build: built $out" >&2
