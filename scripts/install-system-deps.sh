#!/usr/bin/env bash
# Installs the Debian packages the product and its tests need, only when missing.
# Safe to run repeatedly; used by `pnpm start` (via scripts/bootstrap.sh) and `.ci/run`.
set -euo pipefail
need=()
have() { command -v "$1" >/dev/null 2>&1; }
have pocketsphinx_continuous || need+=(pocketsphinx)
[ -d /usr/share/pocketsphinx/model/en-us ] || need+=(pocketsphinx-en-us)
have ffmpeg || need+=(ffmpeg)
[ -f /usr/include/pocketsphinx/pocketsphinx.h ] || need+=(libpocketsphinx-dev libsphinxbase-dev)
have pkg-config || need+=(pkg-config)
have cc || need+=(gcc libc6-dev)
have curl || need+=(curl ca-certificates)
# OCR of slide text in video key frames (offline model from Debian).
have tesseract || need+=(tesseract-ocr)
[ -f /usr/share/tesseract-ocr/5/tessdata/eng.traineddata ] || need+=(tesseract-ocr-eng)
# Clips: burned-in captions and title cards of audio-only sources are drawn with this font.
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need+=(fonts-dejavu-core)
if [ "${WITH_TEST_DEPS:-0}" = 1 ]; then
  # The distributed tests start a real nats-server (Debian puts it in /usr/sbin).
  [ -x /usr/sbin/nats-server ] || have nats-server || need+=(nats-server)
  have espeak-ng || need+=(espeak-ng)
  have sox || need+=(sox)
  have festival || need+=(festival)
  # Festival voices that pocketsphinx recognises well (espeak-ng's WER on the test script is ~68 %).
  [ -d /usr/share/festival/voices/us/cmu_us_slt_arctic_hts ] || need+=(festvox-us-slt-hts)
  [ -d /usr/share/festival/voices/english/kal_diphone ] || need+=(festvox-kallpc16k)
  # Browser tests (web console) drive a real headless Chromium through playwright-core.
  [ -x /usr/bin/chromium ] || need+=(chromium)
fi
if [ ${#need[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" != 0 ]; then SUDO=sudo; else SUDO=; fi
echo "installing Debian packages: ${need[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
