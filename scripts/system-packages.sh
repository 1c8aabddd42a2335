#!/usr/bin/env bash
# Install the Debian packages the tests need, when they are missing and we can (root + apt-get).
# Called by `make test` and `.ci/run`.  Never fails: without root or apt the tests that need a
# missing program are skipped, each with a one-line reason.
#
#   chromium, chromium-driver   browser tests (dash_duo)
#   libreoffice-calc-nogui      rendering the Excel report to PDF
#   libreoffice-writer-nogui    rendering the Word report to PDF
#   poppler-utils               pdftoppm: PNGs of the rendered report
#   postgresql                  the store tests against a real PostgreSQL server (initdb, pg_ctl)
#   nginx                       the reverse-proxy test (deploy/nginx)
#   openssl                     a throwaway certificate for `nginx -t` of the shipped TLS site
set -uo pipefail

have() { command -v "$1" >/dev/null 2>&1; }
# Debian's postgresql keeps initdb/pg_ctl in /usr/lib/postgresql/<version>/bin, off PATH.
have_pg() { have initdb && have pg_ctl && return 0; compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null; }
have_nginx() { have nginx || [ -x /usr/sbin/nginx ]; }

need=()
have chromium     || need+=(chromium)
have chromedriver || need+=(chromium-driver)
have soffice      || need+=(libreoffice-calc-nogui)
dpkg -s libreoffice-writer-nogui >/dev/null 2>&1 || dpkg -s libreoffice-writer >/dev/null 2>&1 \
                  || need+=(libreoffice-writer-nogui)
have pdftoppm     || need+=(poppler-utils)
have_pg           || need+=(postgresql)
have_nginx        || need+=(nginx)
have openssl      || need+=(openssl)

if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ] || ! have apt-get; then
  echo "system packages missing (${need[*]}): not root or no apt-get, so the tests that need them are skipped." \
       "Install them with: sudo apt-get install ${need[*]}" >&2
  exit 0
fi

echo "installing system packages for the tests: ${need[*]}" >&2
# Do not let package scripts start services (nginx, postgresql) on this machine: the tests start
# their own on loopback.  policy-rc.d is the Debian way to say so during an install.
policy=/usr/sbin/policy-rc.d
made_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod 755 "$policy" && made_policy=1
fi
status=0
{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}"; } || status=$?
[ "$made_policy" -eq 1 ] && rm -f "$policy"
if [ "$status" -ne 0 ]; then
  echo "apt-get failed (exit $status); the tests that need ${need[*]} are skipped." >&2
fi
exit 0
