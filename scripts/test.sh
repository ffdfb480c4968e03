#!/usr/bin/env bash
# Installs what the tests need and runs lint and the whole test suite against this
# machine's real PostgreSQL and Redis (a throwaway database per run).
# Usage: scripts/test.sh [pytest args...]
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
PG_HOST=${PG_HOST:-127.0.0.1}
PG_PORT=${PG_PORT:-5432}
REDIS_HOST=${REDIS_HOST:-127.0.0.1}
REDIS_PORT=${REDIS_PORT:-6379}

say() { printf '\n==> %s\n' "$*"; }

say "Python environment"
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
# signer/: the employer's local signer, a package of its own (its tests run it, lint-imports reads it).
if [ ! -f .venv/.installed-test ] || [ pyproject.toml -nt .venv/.installed-test ] || [ signer/pyproject.toml -nt .venv/.installed-test ]; then
  .venv/bin/python -m pip install -q --disable-pip-version-check -e ".[test]" -e ./signer 2>&1 | grep -v -e 'WARNING: Location' -e BuildBackendWarning -e '^ *!!' -e '^ *\*\*\*' -e 'Please be careful' -e 'name as your package' -e 'WheelFile' -e '^ *$' || true
  touch .venv/.installed-test
fi

say "Browser and tools (Debian packages)"
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium chromium-driver)
command -v docker-compose >/dev/null 2>&1 || missing+=(docker-compose)
command -v msgfmt >/dev/null 2>&1 || missing+=(gettext)
command -v npm >/dev/null 2>&1 || missing+=(npm)
# A real PKCS#11 token for the local signer's tests: SoftHSM2, and pkcs11-tool to load it.
command -v softhsm2-util >/dev/null 2>&1 || missing+=(softhsm2)
command -v pkcs11-tool >/dev/null 2>&1 || missing+=(opensc)
# PgBouncer for the fault suite's transaction-pooling test (tests/faults/test_pgbouncer.py);
# RabbitMQ's server comes with the machine (the broker test starts a private node of it).
command -v pgbouncer >/dev/null 2>&1 || [ -x /usr/sbin/pgbouncer ] || missing+=(pgbouncer)
# Vietnamese glyphs in the PDF notices and reports.
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing+=(fonts-dejavu-core)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
fi

say "Browser test tools (npm)"
# axe-core, which the accessibility test injects into Chromium (tests/browser/package.json).
if [ ! -f tests/browser/node_modules/axe-core/axe.min.js ] \
   || [ tests/browser/package-lock.json -nt tests/browser/node_modules/.package-lock.json ]; then
  if command -v npm >/dev/null 2>&1; then
    (cd tests/browser && npm ci --no-audit --no-fund --silent) \
      || echo "WARNING: npm ci failed; the accessibility test skips (fails with CI=true)." >&2
  else
    echo "WARNING: npm not found; the accessibility test skips (install Node.js and npm)." >&2
  fi
fi

pg_up() { .venv/bin/python - "$PG_HOST" "$PG_PORT" <<'PY'
import sys, psycopg
try:
    psycopg.connect(host=sys.argv[1], port=sys.argv[2], user="postgres", dbname="postgres",
                    connect_timeout=3).close()
except Exception:
    sys.exit(1)
PY
}
redis_up() { .venv/bin/python -c "import redis,sys; redis.Redis(host='$REDIS_HOST', port=$REDIS_PORT, socket_timeout=3).ping()" >/dev/null 2>&1; }

say "Services"
if ! pg_up; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start >/dev/null 2>&1 || true
  for _ in $(seq 1 20); do pg_up && break; sleep 1; done
fi
if ! redis_up; then
  redis-server --daemonize yes --bind 127.0.0.1 --port "$REDIS_PORT" --save "" --appendonly no >/dev/null 2>&1 || true
  for _ in $(seq 1 10); do redis_up && break; sleep 1; done
fi
run_id="$(date +%s)_$$"
if pg_up; then
  export DATABASE_URL="postgres://postgres@${PG_HOST}:${PG_PORT}/bhxh_${run_id}"
  export CENTRAL_DATABASE_URL="postgres://postgres@${PG_HOST}:${PG_PORT}/bhxh_central_${run_id}"
  echo "PostgreSQL: ok (throwaway databases test_bhxh_${run_id}, test_bhxh_central_${run_id})"
elif [ "${CI:-}" = "true" ]; then
  echo "FATAL: PostgreSQL at ${PG_HOST}:${PG_PORT} is unreachable after trying to start it." >&2
  exit 1
else
  echo "WARNING: PostgreSQL unreachable; tests run on SQLite and PostgreSQL-only tests skip." >&2
fi
if redis_up; then
  export TEST_REDIS_URL="redis://${REDIS_HOST}:${REDIS_PORT}/0"
  echo "Redis: ok"
elif [ "${CI:-}" = "true" ]; then
  echo "FATAL: Redis at ${REDIS_HOST}:${REDIS_PORT} is unreachable after trying to start it." >&2
  exit 1
else
  echo "WARNING: Redis unreachable; tests that need the broker skip." >&2
fi
export CELERY_TASK_DEFAULT_QUEUE="bhxh-test-${run_id}"

say "Lint"
.venv/bin/ruff check .
.venv/bin/ruff format --check . >/dev/null || { echo "ruff format: files need formatting (run .venv/bin/ruff format)"; .venv/bin/ruff format --check .; exit 1; }
# The import contracts of pyproject.toml: each app imports only the apps below it.
.venv/bin/lint-imports --no-cache >/dev/null || .venv/bin/lint-imports --no-cache

say "Tests"
set +e
.venv/bin/python -m pytest "$@"
status=$?
set -e
# Drop this run's throwaway databases even if a stray connection kept pytest from it.
if [ -n "${DATABASE_URL:-}" ]; then
  .venv/bin/python - "$PG_HOST" "$PG_PORT" "$run_id" <<'PY' || true
import sys, psycopg
with psycopg.connect(host=sys.argv[1], port=sys.argv[2], user="postgres", dbname="postgres",
                     autocommit=True, connect_timeout=3) as conn:
    names = [r[0] for r in conn.execute(
        "SELECT datname FROM pg_database WHERE datname LIKE %s", (f"%bhxh%{sys.argv[3]}%",))]
    for name in names:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
PY
fi
# pytest exits 5 when it collected nothing: that is a failure here, not a pass.
exit $status
