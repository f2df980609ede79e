#!/usr/bin/env bash
# Debian packages outside the virtualenv.
#   scripts/system-deps.sh            the browser tests: Chromium (Playwright) + a CJK font
#   scripts/system-deps.sh --scale    PROFILE=scale and its fault tests: nginx (the proxy)
#   scripts/system-deps.sh --browser --scale   both (what `make test` needs)
set -eu
browser=0
scale=0
[ $# -eq 0 ] && browser=1
for arg in "$@"; do
  case "$arg" in
    --browser) browser=1 ;;
    --scale) scale=1 ;;
    *) echo "usage: $0 [--browser] [--scale]" >&2; exit 2 ;;
  esac
done
need=()
if [ "$browser" = 1 ]; then
  [ -x /usr/bin/chromium ] || need+=(chromium)
  fc-list 2>/dev/null | grep -qi "wenquanyi\|wqy" || need+=(fonts-wqy-zenhei)
fi
if [ "$scale" = 1 ]; then
  command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || need+=(nginx)
fi
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  echo "WARNING: missing ${need[*]} (needs root and apt-get); the tests that need them will skip" >&2
  [ "${CI:-}" = "true" ] && exit 1
  exit 0
fi
echo "Installing ${need[*]} from Debian ..."
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
