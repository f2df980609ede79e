#!/usr/bin/env bash
# Debian packages the browser tests need: Chromium (driven by Playwright) and a CJK font.
set -eu
need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
fc-list 2>/dev/null | grep -qi "wenquanyi\|wqy" || need+=(fonts-wqy-zenhei)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  echo "WARNING: missing ${need[*]} (needs root and apt-get); browser tests will skip" >&2
  [ "${CI:-}" = "true" ] && exit 1
  exit 0
fi
echo "Installing ${need[*]} from Debian ..."
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
