#!/usr/bin/env bash
# The generated VoIPBIN websocket client vs a hand-written tokio-tungstenite + serde loop, side by
# side in one run.
#
#   bench/client-vs-tungstenite.sh
#
# One binary, bench/ws-client (a standalone package), run once per measurement in one of two modes,
# each in a fresh process so that peak RSS is per mode:
#   generated  the client `asyncgen generate specs/voipbin/websocket.yml --only types,ws-client,ws-mock`
#              writes: `Client::connect_with(Client::config(url))` with event_capacity 65536,
#              `subscribe([Topic::customer("abc123").all()])`, then `events.recv()` in a loop
#   baseline   tokio-tungstenite 0.30 by hand: `connect_async`, the subscribe JSON, wait for the
#              ack, then read frames; each text frame's `event_type` is read first (borrowed), then
#              the frame is decoded with serde_json into that event's complete payload struct (the
#              generated types module stands in for the structs a user would write), in a
#              hand-written enum: the same data the generated client delivers, decoded the way a
#              careful hand-written client does
# In both, the generated mock server runs in the same process on its own thread (current-thread
# tokio runtime) on 127.0.0.1:0, and the client on a multi-thread runtime in `block_on` (what
# `#[tokio::main]` does). Once the client's subscription to `customer_id:abc123:*:*` is acknowledged
# and the mock reports it, the mock publishes EVENTS events: the spec's examples for customer
# abc123 (17 kinds) in turn, serialised once, via `publish_text` (which waits while the
# connection's 1024-frame queue is full, so the server never outruns the client unboundedly). The
# client decodes and dispatches every event (a counter per kind and a checksum over the topic and
# resource id of each).
#
# Measured per run: events/s = (EVENTS - 1) / the time from the first event received to the last;
# peak RSS = the process's VmHWM at the end (client and mock server together; the mock's share is
# the same in both modes). A run fails (and so does the script) if any event is missing, if the
# generated client dropped events (its slow-consumer policy drops the oldest when the consumer
# lags: such a run is invalid), or if the per-kind counts and checksum differ between runs. RUNS
# rounds, the order of the modes reversed every other round. Reported: the medians per mode and
# the ratios generated / baseline for events/s (goal ≥ 0.9×) and peak RSS. A missed goal is
# reported, never an error.
#
# Builds asyncgen and the bench in release with CARGO_TARGET_DIR (default: the repository's
# target/); the generated module goes to bench/ws-client/src/api/ (gitignored, rewritten on every
# run). Everything else it writes goes to a scratch directory (mktemp -d; kept with KEEP=1).
#
# Environment: RUNS (default 5), EVENTS (per run, default 1000000), CARGO_TARGET_DIR, KEEP=1 keeps
# the scratch directory.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
. "$here/lib/common.sh"
package="$here/ws-client"
runs="${RUNS:-5}"
events="${EVENTS:-1000000}"
build_limit=1800   # seconds one cargo build may take

for v in runs events; do
    [[ "${!v}" =~ ^[1-9][0-9]*$ ]] || die "${v^^} must be a positive integer (got '${!v}')"
done

echo "## Generated VoIPBIN websocket client vs hand-written tokio-tungstenite"
echo
machine_note "$root"
echo
[ "$events" -ge 2 ] || die "EVENTS must be at least 2"
run_limit=$((120 + events / 20000))   # seconds one run may take (the binary also stops when stuck)

command -v cargo >/dev/null || die "cargo is required"

work="$(mktemp -d "${TMPDIR:-/tmp}/client-vs-tungstenite.XXXXXX")"
cleanup() {
    if [ "${KEEP:-0}" = 1 ]; then say "scratch directory: $work (kept)"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
target="$CARGO_TARGET_DIR/release"

# ---- build -------------------------------------------------------------------------------------
say "building asyncgen (release)"
(cd "$root" && timeout "$build_limit" cargo build --release -q -p asyncgen) || die "cargo build --release -p asyncgen failed"
asyncgen="$target/asyncgen"
[ -x "$asyncgen" ] || die "no binary at $asyncgen"
say "generating the VoIPBIN client and mock into ${package#"$root/"}/src/api/"
"$asyncgen" generate "$root/specs/voipbin/websocket.yml" -o "$package/src/api" --only types,ws-client,ws-mock \
    >"$work/generate.log" 2>&1 || die "asyncgen generate failed: $(head -c 2000 "$work/generate.log")"
say "building the bench (release)"
(cd "$package" && timeout "$build_limit" cargo build --release -q >"$work/build.log" 2>&1) \
    || die "building bench/ws-client failed: $(tail -20 "$work/build.log")"
bin="$target/ws-client-bench"
[ -x "$bin" ] || die "no binary at $bin"

# ---- runs --------------------------------------------------------------------------------------
field() { sed -n "s/^mode=.* $2=\([^ ]*\).*/\1/p" "$1"; }

modes=(generated baseline)
declare -A eps rss
check=""
for ((r = 1; r <= runs; r++)); do
    order=(generated baseline)
    ((r % 2 == 0)) && order=(baseline generated)
    for m in "${order[@]}"; do
        out="$work/$m-$r.out"
        timeout -k 5 "$run_limit" "$bin" "$m" "$events" >"$out" 2>"$work/$m-$r.err" \
            || die "$m run $r failed: $(tail -5 "$work/$m-$r.err")"
        x="$(field "$out" events_per_s)" k="$(field "$out" peak_rss_kib)"
        d="$(field "$out" dropped)" c="$(field "$out" check)" n="$(field "$out" events)"
        [ -n "$x" ] && [ -n "$k" ] && [ -n "$c" ] || die "no result line from $m: $(head -c 500 "$out")"
        [ "$n" = "$events" ] || die "$m run $r: $n events, not $events"
        [ "$d" = 0 ] || die "$m run $r is invalid: the client dropped $d events"
        [ -z "$check" ] && check="$c"
        [ "$c" = "$check" ] || die "$m run $r decoded different events (check $c, expected $check)"
        eps[$m]+="$x " rss[$m]+="$k "
        say "[$r/$runs] $m: $x events/s, peak RSS $(awk -v k="$k" 'BEGIN {printf "%.1f", k / 1024}') MiB"
    done
done

# ---- report ------------------------------------------------------------------------------------
declare -A m_eps m_rss
for m in "${modes[@]}"; do
    m_eps[$m]="$(median <<<"${eps[$m]}")"
    m_rss[$m]="$(median <<<"${rss[$m]}")"
done

tt="$(awk '/^name = "tokio-tungstenite"/ {getline; gsub(/[^0-9.]/, ""); print; exit}' "$package/Cargo.lock")"

echo "In-process mock server (own thread) publishing $events pre-serialised VoIPBIN example events (17 kinds)"
echo "over loopback to one client, which decodes and dispatches each; every run a fresh process; median of"
echo "$runs round(s), order reversed every other round. events/s from the first event received to the last;"
echo "peak RSS is the whole process (client + mock). Ratios: generated / baseline (goal: events/s ≥ 0.9×)."
echo
echo "| client | events/s | events/s ratio | goal | peak RSS MiB | RSS ratio |"
echo "|---|---:|---:|---|---:|---:|"
for m in "${modes[@]}"; do
    case "$m" in
        generated) what="generated \`client::Client\` (asyncgen-runtime ws supervisor)" ;;
        baseline) what="hand-written tokio-tungstenite $tt + serde" ;;
    esac
    awk -v what="$what" -v x="${m_eps[$m]}" -v k="${m_rss[$m]}" -v bx="${m_eps[baseline]}" \
        -v bk="${m_rss[baseline]}" -v base="$([ "$m" = baseline ] && echo 1 || echo 0)" 'BEGIN {
        if (base) { xr = "1.00×"; kr = "1.00×"; goal = "(reference)" }
        else {
            a = x / bx
            xr = sprintf("%.2f×", a); kr = sprintf("%.2f×", k / bk)
            goal = (a >= 0.9 ? "met" : "missed")
        }
        printf "| %s | %.0f | %s | %s | %.1f | %s |\n", what, x, xr, goal, k / 1024, kr
    }'
done
echo
echo "Every run: all $events events arrived, none dropped, identical per-kind counts and checksum ($check)."
echo "Client and mock share the CPUs; all builds release."

