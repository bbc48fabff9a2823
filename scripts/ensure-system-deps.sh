#!/usr/bin/env bash
# Installs or starts what the test suite needs beyond Python: Debian's Chromium (browser
# tests), LibreOffice and poppler (visual check of the exports), pandoc (export benchmark),
# npm packages (bundle check), and, in CI, the PostgreSQL and Redis servers.
# As root with apt-get it installs what is missing; elsewhere it says what is missing
# and the tests that need it skip with a clear reason (in CI they fail).
set -u
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v soffice >/dev/null 2>&1 || missing+=(libreoffice-writer-nogui libreoffice-impress-nogui)
command -v pdftoppm >/dev/null 2>&1 || missing+=(poppler-utils)
command -v pandoc >/dev/null 2>&1 || missing+=(pandoc)
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing+=(fonts-dejavu-core)
[ -d /usr/share/fonts/truetype/liberation2 ] || missing+=(fonts-liberation2)

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing with apt-get: ${missing[*]}"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "Not installed (the tests needing them will skip): ${missing[*]}"
  fi
fi

if [ -f package-lock.json ] && command -v npm >/dev/null 2>&1 && [ ! -d node_modules ]; then
  npm ci --no-audit --no-fund --silent || echo "npm ci failed: the bundle check will skip"
fi

if [ "${CI:-}" = "true" ]; then
  if ! (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null && command -v pg_ctlcluster >/dev/null; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
  fi
  if ! (exec 3<>/dev/tcp/127.0.0.1/6379) 2>/dev/null && command -v redis-server >/dev/null; then
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no || true
  fi
fi
exit 0
