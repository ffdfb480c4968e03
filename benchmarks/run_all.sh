#!/usr/bin/env bash
# Every benchmark of the project, one after the other, in one run on one machine; the
# figures of the README's "Performance and reliability" table come from one such run.
# Usage: benchmarks/run_all.sh [OUT_FILE]   (QUICK=1 for a short smoke run)
# Needs the local PostgreSQL and Redis (throwaway databases) and Debian's wrk.
set -uo pipefail
cd "$(dirname "$0")/.."
out=${1:-benchmarks/results/$(date -u +%Y-%m-%d).txt}
py=.venv/bin/python
mkdir -p "$(dirname "$out")"
if [ "${QUICK:-0}" = 1 ]; then
  intake=(--docs 20 --big-docs 1 --http-docs 60) ivan=(--duration 5 --dossiers 300)
  audit=(--seconds 2 --writers 1,4,16) queue=(--sizes 10000 100000 --repeat 10)
  adoption=(--sizes 10000 100000 --repeat 5) closure=(--records 20000 --lookup-rows 200000 --lookups 100)
  mixed=(--levels 2,8 --seconds 4 --closures 5000 --dossiers 300)
  people=(--sizes 10000 50000 --repeat 10) closure_import=(--lines 100000)
else
  intake=(--docs 200 --big-docs 10 --http-docs 600) ivan=(--duration 15 --dossiers 3000)
  audit=(--seconds 4 --writers 1,4,16) queue=(--sizes 10000 1000000 --repeat 40)
  adoption=(--sizes 10000 1000000 --repeat 20) closure=(--records 1000000 --lookup-rows 10000000 --lookups 1000)
  mixed=(--levels 2,4,8,16,32 --seconds 8 --closures 20000 --dossiers 1500)
  people=(--sizes 10000 1000000 --repeat 40) closure_import=(--lines 1000000)
fi
run() {
  local name=$1; shift
  printf '\n## %s\n$ %s\n' "$name" "$*" | tee -a "$out"
  local t0=$SECONDS
  "$@" 2>&1 | grep -v -e 'WARNING' -e 'UserWarning' -e 'mw_instance = middleware' -e '^\s*$' | tee -a "$out"
  printf '(%s: %d s, load average %s)\n' "$name" $((SECONDS - t0)) "$(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out"
}
{
  echo "# Benchmarks, one run"
  echo "started $(date -u '+%Y-%m-%d %H:%M UTC') on $(nproc) CPU cores, $(free -g | awk '/Mem:/{print $2}') GB RAM, $(uname -sr)"
  echo "commit $(git rev-parse --short HEAD)$(git diff --quiet || echo ' (with uncommitted changes)')"
} | tee "$out"
run intake $py benchmarks/intake.py "${intake[@]}"
run ivan_load $py benchmarks/ivan_load.py "${ivan[@]}"
run audit_chain $py benchmarks/audit_chain.py "${audit[@]}"
run review_queue $py benchmarks/review_queue.py "${queue[@]}"
run accounts_report env DATABASE_URL="postgres://postgres@${PG_HOST:-127.0.0.1}:${PG_PORT:-5432}/bhxh_bench_accounts" $py benchmarks/accounts_report.py
run mixed_load $py benchmarks/mixed_load.py "${mixed[@]}"
run closure_push $py benchmarks/closure_push.py "${closure[@]}"
run closure_import $py benchmarks/closure_import.py "${closure_import[@]}"
run adoption $py benchmarks/adoption.py "${adoption[@]}"
run people $py benchmarks/people.py "${people[@]}"
echo "finished $(date -u '+%Y-%m-%d %H:%M UTC')" | tee -a "$out"
