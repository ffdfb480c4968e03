#!/usr/bin/env bash
# Installs the portal, loads the demo data and starts it on the embedded default
# (SQLite, tasks in-process, e-mail on the console). No services needed.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
PORT=${PORT:-8000}
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
if [ ! -f .venv/.installed ] || [ pyproject.toml -nt .venv/.installed ]; then
  .venv/bin/python -m pip install -q --disable-pip-version-check -e . 2>&1 | grep -v -e 'WARNING: Location' -e BuildBackendWarning -e '^ *!!' -e '^ *\*\*\*' -e 'Please be careful' -e 'name as your package' -e 'WheelFile' -e '^ *$' || true
  touch .venv/.installed
fi
export DJANGO_SETTINGS_MODULE=portal.settings.dev
.venv/bin/python manage.py migrate --noinput -v0
.venv/bin/python manage.py migrate --database central --noinput -v0
.venv/bin/python manage.py seed_demo
echo
echo "Portal: http://127.0.0.1:${PORT}/   (admin: http://127.0.0.1:${PORT}/quan-tri/)"
echo
exec .venv/bin/python manage.py runserver "127.0.0.1:${PORT}"
