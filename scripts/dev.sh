#!/usr/bin/env bash
# Installs the portal, loads the demo data and starts it on the embedded default
# (SQLite, tasks in-process, e-mail on the console). No services needed.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
# Exported: the settings build the e-mails' absolute links (SITE_URL) on this port.
export PORT=${PORT:-8000}
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
if [ ! -f .venv/.installed ] || [ pyproject.toml -nt .venv/.installed ]; then
  .venv/bin/python -m pip install -q --disable-pip-version-check -e . 2>&1 | grep -v -e 'WARNING: Location' -e BuildBackendWarning -e '^ *!!' -e '^ *\*\*\*' -e 'Please be careful' -e 'name as your package' -e 'WheelFile' -e '^ *$' || true
  touch .venv/.installed
fi
export DJANGO_SETTINGS_MODULE=portal.settings.dev
# The central store is served by this same server (/central/): the closure push, lookup
# and receive reach it over HTTP on the port it listens on.
export CENTRAL_API_URL=${CENTRAL_API_URL:-http://127.0.0.1:${PORT}}
.venv/bin/python manage.py migrate --noinput -v0
.venv/bin/python manage.py migrate --database central --noinput -v0
.venv/bin/python manage.py seed_demo
# A development credential file for both sides of the link, and the central store's demo data.
.venv/bin/python manage.py demo_central
echo
echo "Portal: http://127.0.0.1:${PORT}/   (admin: http://127.0.0.1:${PORT}/quan-tri/)"
echo
exec .venv/bin/python manage.py runserver "127.0.0.1:${PORT}"
