#!/usr/bin/env bash
# Install the Debian packages a target needs, if any are missing. Used by `make run` and `make test`.
#   scripts/system-deps.sh run    Qt's libraries and Chinese fonts (the window)
#   scripts/system-deps.sh test   the same, plus what the tests render with
#   scripts/system-deps.sh dist   what `make dist`, `make deb` and `make test-dist` need on the build machine:
#     the xcb helper libraries Qt's X11 plugin links to (PyInstaller copies them into the bundle, so the clerk's
#     machine needs none of them; libxcb-cursor0 is missing on older Kylin/UOS), binutils (objdump) for the .deb,
#     and xvfb, desktop-file-utils, shared-mime-info to test the X11 window, the menu entry and the file type
# Without root (and without sudo) it names what is missing and goes on.
set -euo pipefail
run_pkgs="libegl1 libgl1 libxkbcommon0 libfontconfig1 libglib2.0-0 libdbus-1-3 fonts-noto-cjk fonts-wqy-zenhei"
test_pkgs="$run_pkgs"
dist_pkgs="libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0 libxcb-cursor0 libxkbcommon-x11-0
  libxcb-randr0 libxcb-shape0 libxcb-xkb1 libxcb-shm0 libxcb-sync1 libxcb-xfixes0 libx11-xcb1
  binutils xvfb xauth desktop-file-utils shared-mime-info"
case "${1:-test}" in
  run) want=$run_pkgs ;;
  test) want=$test_pkgs ;;
  dist) want="$run_pkgs $dist_pkgs" ;;
  *) echo "usage: $0 run|test|dist" >&2; exit 2 ;;
esac
command -v dpkg-query >/dev/null 2>&1 || { echo "system-deps: not a Debian system; install Qt's libraries and CJK fonts yourself"; exit 0; }
missing=""
for p in $want; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ]; then sudo=""; elif command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
  echo "system-deps: missing Debian packages:$missing (run as root: apt-get install$missing)"; exit 0
fi
echo "system-deps: installing$missing"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null
