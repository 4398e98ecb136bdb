#!/usr/bin/env bash
# Every benchmark behind BENCHMARKS.md, in sequence, with its default (full) settings: one command
# to reproduce the whole report.
#
#   bench/all.sh                      # everything
#   ONLY="large-spec modelina" bench/all.sh
#   SKIP="criterion" bench/all.sh
#
# Runs, in this order (names for ONLY/SKIP):
#   large-spec  bench/large-spec.sh             asyncgen generate at 100 / 1,000 / 10,000 schemas
#   modelina    bench/generate-vs-modelina.sh   asyncgen vs modelina, Dialpad + the public corpus
#   receiver    bench/receiver-vs-axum.sh       scaffolded receiver vs hand-written axum (wrk)
#   client      bench/client-vs-tungstenite.sh  generated ws client vs hand-written tungstenite
#   buildrs     bench/buildrs-noop.sh           no-op cargo build with build.rs vs without
#   criterion   cargo bench -p asyncgen-ir --bench load, then -p asyncgen-codegen --bench generate
#               (in-process load and generate times; the figures the earlier notes quote)
# The scripts' own variables (RUNS, EVENTS, DURATION, SIZES, ...) pass through to every script that
# reads them: leave them unset for the full run.
# Each script prints its own machine note and result table on stdout (progress on stderr); this
# script prints the machine once at the top, the wall time of each part, and a list of the parts
# that failed at the end (a failed part does not stop the others; the exit status is 1 if any
# failed). Everything printed on stdout is also written to REPORT (default
# bench-report-<UTC time>.md in the current directory).
#
# Tools: cargo (stable), python3, curl, node >= 18 and npm (modelina), wrk and /usr/bin/time
# (installed with apt-get when missing), and ../shared/corpus beside the repository for the
# corpus documents (skipped with a note when absent). CARGO_TARGET_DIR is passed on (default: the
# repository's target/). The whole run takes 35-45 min on an idle 2-CPU machine with warm builds,
# about 30 min more with cold ones (BENCHMARKS.md, Durations); the machine should be otherwise idle.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
. "$here/lib/common.sh"

all_parts=(large-spec modelina receiver client buildrs criterion)
only="${ONLY:-${all_parts[*]}}"
skip="${SKIP:-}"
for p in $only $skip; do
    case " ${all_parts[*]} " in *" $p "*) ;; *) die "unknown part '$p' (known: ${all_parts[*]})" ;; esac
done
report="${REPORT:-bench-report-$(date -u +%Y%m%dT%H%M%SZ).md}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"

exec > >(tee "$report")

echo "# asyncgen benchmarks: full run"
echo
machine_note "$root"
echo "Memory free at start: $(awk '/^MemAvailable/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)."
echo "CARGO_TARGET_DIR=$CARGO_TARGET_DIR"
echo

failed=()
run_part() { # name command...
    local name="$1" start rc
    shift
    case " $only " in *" $name "*) ;; *) return 0 ;; esac
    case " $skip " in *" $name "*) return 0 ;; esac
    say "==== $name: $*"
    start=$SECONDS
    set +e
    (cd "$root" && "$@")
    rc=$?
    set -e
    echo
    echo "_${name}: exit $rc after $((SECONDS - start)) s._"
    echo
    [ "$rc" = 0 ] || failed+=("$name")
}

criterion() {
    echo "## criterion: in-process load and generate"
    echo
    echo "\`cargo bench -p asyncgen-ir --bench load\` and \`cargo bench -p asyncgen-codegen --bench generate\`"
    echo "(criterion, 10 samples each, 10 s measurement; medians are the middle value of each [low mid high])."
    echo
    echo '```'
    cargo bench -p asyncgen-ir --bench load 2>&1 | grep -E '^(load|generate)/|time:' || return 1
    cargo bench -p asyncgen-codegen --bench generate 2>&1 | grep -E '^(load|generate)/|time:' || return 1
    echo '```'
}

run_part large-spec env COMPILE_MAX="${COMPILE_MAX:-10000}" bash "$here/large-spec.sh"
run_part modelina bash "$here/generate-vs-modelina.sh"
run_part receiver bash "$here/receiver-vs-axum.sh"
run_part client bash "$here/client-vs-tungstenite.sh"
run_part buildrs bash "$here/buildrs-noop.sh"
run_part criterion criterion

echo "Finished $(date -u '+%Y-%m-%d %H:%M UTC'); load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)."
if [ "${#failed[@]}" -gt 0 ]; then
    echo "FAILED: ${failed[*]}"
    exit 1
fi
echo "All parts succeeded. Report: $report"
