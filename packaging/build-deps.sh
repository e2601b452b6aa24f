#!/usr/bin/env bash
# The Debian packages `make dist`, `make deb` and `make test-dist` need on the build machine, installed if
# missing (as scripts/system-deps.sh does for `make run` / `make test`).
#   - the xcb helper libraries Qt's X11 plugin links to: PyInstaller copies them into the bundle, so the
#     clerk's machine needs none of them (libxcb-cursor0 is missing on older Kylin/UOS);
#   - binutils (objdump) and dpkg-dev tools for the .deb; xvfb, desktop-file-utils and shared-mime-info to
#     test the X11 window, the menu entry and the file type.
# Without root it names the missing packages and goes on.
set -euo pipefail
want="libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0 libxcb-cursor0 libxkbcommon-x11-0
      libxcb-randr0 libxcb-shape0 libxcb-xkb1 libxcb-shm0 libxcb-sync1 libxcb-xfixes0 libx11-xcb1
      binutils xvfb xauth desktop-file-utils shared-mime-info"
command -v dpkg-query >/dev/null 2>&1 || { echo "build-deps: not a Debian system; see packaging/README.md"; exit 0; }
missing=""
for p in $want; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ]; then sudo=""; elif command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
  echo "build-deps: missing Debian packages:$missing (run as root: apt-get install$missing)"; exit 0
fi
echo "build-deps: installing$missing"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null
