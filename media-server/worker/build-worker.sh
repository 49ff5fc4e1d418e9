#!/usr/bin/env bash
# Makes the mediasoup-worker binary available to the mediasoup npm package.
# Order: MEDIASOUP_WORKER_BIN (user's own binary) > binary already in the package >
# local cache > mediasoup's prebuilt release (needs GitHub) > offline build from the
# package's own sources against Debian libraries (see docs/mediasoup-worker.md).
# Called by scripts/bootstrap.sh; a no-op once the binary is in place.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
pkg="$(realpath "$here/../node_modules/mediasoup")"
version="$(node -p "require('$pkg/package.json').version")"
target="$pkg/worker/out/Release/mediasoup-worker"
log() { echo "mediasoup-worker: $*" >&2; }

# The worker exits with 41 when started without MEDIASOUP_VERSION: proof that it runs here.
runs() { [ -x "$1" ] || return 1; set +e; env -i "$1" >/dev/null 2>&1; local rc=$?; set -e; [ "$rc" = 41 ]; }

if [ -n "${MEDIASOUP_WORKER_BIN:-}" ]; then
  runs "$MEDIASOUP_WORKER_BIN" || { log "MEDIASOUP_WORKER_BIN=$MEDIASOUP_WORKER_BIN does not run"; exit 1; }
  exit 0
fi
runs "$target" && exit 0

# The cache key covers the mediasoup version and everything that shapes the build.
key="$(cat "$here/build-worker.sh" $(find "$here/shims" -type f | sort) | sha256sum | cut -c1-12)"
cache="${MEDIASOUP_WORKER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mediaintel}/mediasoup-worker-$version-$key"
install_bin() { mkdir -p "$(dirname "$target")"; cp "$1" "$target.tmp.$$"; chmod 755 "$target.tmp.$$"; mv -f "$target.tmp.$$" "$target"; }

if runs "$cache/mediasoup-worker"; then
  install_bin "$cache/mediasoup-worker"; log "from cache $cache"; exit 0
fi

# 1. mediasoup's own prebuilt release (users with internet).
if [ "${MEDIASOUP_SKIP_WORKER_PREBUILT_DOWNLOAD:-}" = "" ]; then
  base="${MEDIASOUP_WORKER_PREBUILT_DOWNLOAD_BASE_URL:-https://github.com/versatica/mediasoup/releases/download}"
  tarname="mediasoup-worker-$version-linux-$(node -p 'process.arch')-kernel$(uname -r | cut -d. -f1).tgz"
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  if curl -fsSL --connect-timeout 5 --max-time 120 -o "$tmp/w.tgz" "$base/$version/$tarname" 2>/dev/null \
    && tar -xzf "$tmp/w.tgz" -C "$tmp" && runs "$tmp/mediasoup-worker"; then
    mkdir -p "$cache" && cp "$tmp/mediasoup-worker" "$cache/mediasoup-worker"
    install_bin "$tmp/mediasoup-worker"; log "prebuilt $tarname"; exit 0
  fi
  rm -rf "$tmp"
  trap - EXIT
  log "no prebuilt worker reachable; building from the package's sources (about 5 minutes on 2 cores)"
fi

# 2. Offline build. Debian build dependencies first.
need=()
for p in build-essential pkg-config ninja-build python3 libuv1-dev libssl-dev libsrtp2-dev \
  libabsl-dev libflatbuffers-dev flatbuffers-compiler; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then SUDO=sudo; else SUDO=; fi
  log "installing Debian build packages: ${need[*]}"
  $SUDO apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/mediasoup-build.XXXXXX")"
trap 'rm -rf "$work"' EXIT

# meson >= 1.1 is required and bookworm has 1.0: take the pure-Python meson from
# bookworm-backports with a private apt configuration (system sources stay untouched).
if python3 -c 'import mesonbuild.coredata as c, sys; v=tuple(map(int,c.version.split(".")[:2])); sys.exit(0 if v>=(1,1) else 1)' 2>/dev/null; then
  MESON=(python3 -m mesonbuild.mesonmain)
else
  archive=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
  [ -n "$archive" ] || archive=$(awk '$1 == "deb" && $3 == "bookworm" {print $2; exit}' /etc/apt/sources.list)
  mkdir -p "$work/apt/lists/partial" "$work/apt/cache/archives/partial" "$work/tools"
  echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $archive bookworm-backports main" >"$work/apt/sources.list"
  aptopts=(-o APT::Sandbox::User=root -o Dir::Etc::SourceList="$work/apt/sources.list" -o Dir::Etc::SourceParts=/nonexistent
    -o Dir::State::Lists="$work/apt/lists" -o Dir::Cache="$work/apt/cache")
  apt-get "${aptopts[@]}" -qq update
  (cd "$work/tools" && apt-get "${aptopts[@]}" -qq download meson/bookworm-backports && dpkg-deb -x meson_*.deb meson)
  export PYTHONPATH="$work/tools/meson/usr/lib/python3/dist-packages"
  MESON=(python3 "$work/tools/meson/usr/bin/meson")
fi

# The package's worker sources, copied so node_modules stays pristine.
cp -r "$pkg/worker" "$work/worker"
rm -rf "$work/worker/out"
W="$work/worker"

# Download-only wraps become shims over the system libraries.
bash "$here/shims/install-shims.sh" "$W"

# DTLS crash with Debian's kTLS-enabled OpenSSL: the worker's BIO callback answers 1 to the
# return call of control queries (BIO_CB_CTRL | BIO_CB_RETURN), so OpenSSL thinks kTLS is on
# for the memory BIO and writes the first handshake flight through a NULL buffer.
f="$W/src/RTC/DtlsTransport.cpp"
sed -i 's/(operationType == BIO_CB_RETURN) ? static_cast<long>(ret) : 1/(operationType \& BIO_CB_RETURN) ? static_cast<long>(ret) : 1/' "$f"
grep -q '(operationType & BIO_CB_RETURN)' "$f" || { log "DTLS patch no longer applies to $f (mediasoup $version)"; exit 1; }

"${MESON[@]}" setup "$work/build" "$W" --wrap-mode=nodownload --buildtype=release -Dms_build_tests=false >"$work/meson.log" 2>&1 \
  || { cat "$work/meson.log" >&2; exit 1; }
# libwebrtc includes flatc-generated headers without depending on the generator.
ninja -C "$work/build" fbs/FBS/worker.h >/dev/null
ninja -C "$work/build" mediasoup-worker | awk 'NR % 50 == 0 { print "mediasoup-worker: compiling, " $1 > "/dev/stderr" }'
runs "$work/build/mediasoup-worker" || { log "the built worker does not run"; exit 1; }
mkdir -p "$cache" && cp "$work/build/mediasoup-worker" "$cache/mediasoup-worker"
install_bin "$work/build/mediasoup-worker"
log "built from source, cached in $cache"
