#!/usr/bin/env bash
# Runs fuzz targets one after another or side by side, each for SECONDS (default 1860), and
# prints one summary line per target: executions, edge coverage, peak RSS, crashes found.
#   ./run-all.sh [SECONDS] TARGET...
# Logs land in logs/TARGET.log; crashes in artifacts/TARGET/.
set -euo pipefail
cd "$(dirname "$0")"
secs=${1:-1860}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(load_yaml load_json load_mutated verify_webhook decode_frame)
mkdir -p logs
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t" "artifacts/$t"
  cargo +nightly fuzz run -O "$t" -- -max_total_time="$secs" -rss_limit_mb=4096 -timeout=10 \
    -print_final_stats=1 >"logs/$t.log" 2>&1 &
done
status=0
for job in $(jobs -p); do
  wait "$job" || status=1
done
for t in "${targets[@]}"; do
  # A target that stopped on a crash prints no final stats: its fields stay `?`.
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "logs/$t.log" | awk '{print $2}' || true)
  rss=$(grep -o 'stat::peak_rss_mb: *[0-9]*' "logs/$t.log" | awk '{print $2}' || true)
  cov=$(grep -o 'cov: [0-9]*' "logs/$t.log" | tail -1 | awk '{print $2}' || true)
  secs_run=$(grep -o 'Done [0-9]* runs in [0-9]* second' "logs/$t.log" | awk '{print $5}' || true)
  crashes=$(find "artifacts/$t" -type f | wc -l)
  echo "$t: runs=${runs:-?} seconds=${secs_run:-?} cov=${cov:-?} peak_rss_mb=${rss:-?} crashes=$crashes"
done
exit $status
