#!/usr/bin/env bash
# Chromium and a CJK font (for the book's 中文 terms) from Debian/Ubuntu packages, for the
# browser tests in tests/browser. Nothing else is downloaded: Playwright drives this Chromium.
# Where it cannot install (no apt-get, not root), it says so; the browser tests then skip,
# except under CI=true, where they fail so that a missing browser is never mistaken for a pass.
set -euo pipefail
have_browser() { command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 \
                 || [ -n "${D2LITE_CHROMIUM:-}" ]; }
have_font() { ! command -v fc-list >/dev/null 2>&1 || fc-list :lang=zh | grep -q . ; }
if have_browser && have_font; then exit 0; fi
SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo -n"
if command -v apt-get >/dev/null 2>&1 && { [ -z "$SUDO" ] || sudo -n true 2>/dev/null; }; then
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
        chromium fonts-wqy-zenhei >/dev/null
    echo "installed Chromium and a CJK font for the browser tests"
else
    echo "No Chromium found and no way to install it here: the browser tests will be skipped." >&2
    echo "Install Chromium (Debian/Ubuntu: sudo apt-get install chromium fonts-wqy-zenhei), or point" >&2
    echo "D2LITE_CHROMIUM at a Chrome/Chromium binary, then run make test again." >&2
fi
