#!/usr/bin/env bash
# Make sure Debian's Chromium is installed for the Playwright browser tests (tests/browser).
# Idempotent: does nothing when /usr/bin/chromium exists. Never runs `playwright install`:
# the tests launch this browser through executable_path.
set -eu
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  SUDO=sudo
else
  SUDO=
fi
echo "Installing Debian's chromium for the browser tests..."
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q chromium
