#!/usr/bin/env bash
# The scaffolded Dialer.CX webhook receiver vs a hand-written axum handler, side by side in one run.
#
#   bench/receiver-vs-axum.sh
#
# Servers, each started fresh on 127.0.0.1 (port chosen by the server, read from its
# "listening on http://ADDR/PATH" line) for every measurement:
#   baseline  bench/receiver-baseline: axum 0.8, raw body, HMAC-SHA256 hex signature checked with
#             hmac's constant-time verify_slice (401), serde_json into the typed {event, timestamp,
#             data} envelope (400), 204
#   direct    `asyncgen scaffold receiver specs/dialer-cx/webhooks.yml`, built --release, run with
#             --delivery direct --quiet (verifies, parses, handles, then answers 204)
#   queued    the same binary with --delivery queued --quiet (verifies, parses, stores the event
#             durably in redb, answers 202; a worker handles it); data dir in the scratch directory
# Before measuring, each server must answer 2xx to one signed request and 401 to a badly signed one
# (curl), or the script fails. Load: wrk, POST of one signed `call.ended` event, CONNECTIONS
# connections over 2 threads, WARMUP seconds discarded then DURATION seconds measured; RUNS rounds,
# the order of the servers reversed every other round. Reported: per server the median over the
# rounds of requests/s, p99 latency and peak RSS (VmHWM just before the server is stopped), and the
# ratios scaffold / baseline against the goal (req/s ≥ 0.9×, p99 ≤ 1.2×). A missed goal is
# reported, never an error.
#
# Installs wrk (apt-get) when missing. Builds asyncgen and both receivers in release with
# CARGO_TARGET_DIR (default: the repository's target/). Everything else it writes goes to a scratch
# directory (mktemp -d; kept with KEEP=1).
#
# Environment: RUNS (default 5), DURATION (seconds measured, default 10), WARMUP (seconds, default
# 2), CONNECTIONS (default 50), THREADS (wrk threads, default 2), SECRET (the webhook secret),
# CARGO_TARGET_DIR, KEEP=1 keeps the scratch directory, BASELINE_ONLY=1 measures the baseline alone
# (also the fallback when this asyncgen has no `scaffold receiver` yet).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
. "$here/lib/common.sh"
runs="${RUNS:-5}"
duration="${DURATION:-10}"
warmup="${WARMUP:-2}"
connections="${CONNECTIONS:-50}"
threads="${THREADS:-2}"
secret="${SECRET:-bench-webhook-secret}"
build_limit=1800   # seconds one cargo build may take
start_limit=15     # seconds a server may take to print its address

for v in runs duration warmup connections threads; do
    [[ "${!v}" =~ ^[1-9][0-9]*$ ]] || die "${v^^} must be a positive integer (got '${!v}')"
done

echo "## Scaffolded Dialer.CX receiver vs hand-written axum"
echo
machine_note "$root"
echo

# ---- tools -------------------------------------------------------------------------------------
command -v cargo >/dev/null || die "cargo is required"
command -v curl >/dev/null || die "curl is required"
need_apt wrk   # https://github.com/wg/wrk

work="$(mktemp -d "${TMPDIR:-/tmp}/receiver-vs-axum.XXXXXX")"
pids=()
cleanup() {
    local p
    for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
    if [ "${KEEP:-0}" = 1 ]; then say "scratch directory: $work (kept)"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
target="$CARGO_TARGET_DIR/release"

# ---- build -------------------------------------------------------------------------------------
do_scaffold=1
[ "${BASELINE_ONLY:-0}" = 1 ] && do_scaffold=0
if [ "$do_scaffold" = 1 ]; then
    say "building asyncgen (release)"
    (cd "$root" && timeout "$build_limit" cargo build --release -q -p asyncgen) || die "cargo build --release -p asyncgen failed"
    asyncgen="$target/asyncgen"
    [ -x "$asyncgen" ] || die "no binary at $asyncgen"
    if ! "$asyncgen" scaffold receiver --help >/dev/null 2>&1; then
        do_scaffold=0
        say "note: this asyncgen has no \`scaffold receiver\` command yet: measuring the baseline alone"
    fi
fi
if [ "$do_scaffold" = 1 ]; then
    say "scaffolding the Dialer.CX receiver"
    "$asyncgen" scaffold receiver "$root/specs/dialer-cx/webhooks.yml" -o "$work/receiver" \
        --runtime-path "$root/crates/asyncgen-runtime" >"$work/scaffold.log" 2>&1 \
        || die "asyncgen scaffold receiver failed: $(head -c 2000 "$work/scaffold.log")"
    scaffold_name="$(sed -n 's/^name *= *"\(.*\)"/\1/p' "$work/receiver/Cargo.toml" | head -1)"
    [ -n "$scaffold_name" ] || die "no package name in $work/receiver/Cargo.toml"
    cp "$root/Cargo.lock" "$work/receiver/Cargo.lock"   # the versions the runtime is tested with
    say "building the scaffolded receiver ($scaffold_name, release)"
    (cd "$work/receiver" && timeout "$build_limit" cargo build --release -q >"$work/scaffold-build.log" 2>&1) \
        || die "building the scaffolded receiver failed: $(tail -20 "$work/scaffold-build.log")"
    scaffold_bin="$target/$scaffold_name"
    [ -x "$scaffold_bin" ] || die "no binary at $scaffold_bin"
fi
say "building the baseline (release)"
(cd "$here/receiver-baseline" && timeout "$build_limit" cargo build --release -q) || die "building bench/receiver-baseline failed"
baseline_bin="$target/receiver-baseline"
[ -x "$baseline_bin" ] || die "no binary at $baseline_bin"

# ---- request -----------------------------------------------------------------------------------
body='{"event":"call.ended","timestamp":"2026-03-07T15:30:00Z","data":{"call_id":"12345","agent":"jsmith","phone_number":"5551234567","duration":180,"disposition":"SALE","campaign":"Q1-Sales"}}'
hmac_hex() { # lowercase hex HMAC-SHA256 of stdin with key $1
    if command -v openssl >/dev/null; then
        openssl dgst -sha256 -hmac "$1" | awk '{print $NF}'
    else
        python3 -c 'import hashlib, hmac, sys; print(hmac.new(sys.argv[1].encode(), sys.stdin.buffer.read(), hashlib.sha256).hexdigest())' "$1"
    fi
}
signature="$(printf '%s' "$body" | hmac_hex "$secret")"
[[ "$signature" =~ ^[0-9a-f]{64}$ ]] || die "could not compute the signature (got '$signature')"
bad_signature="$(printf '%s' "$body" | hmac_hex "not-$secret")"

cat >"$work/post.lua" <<EOF
wrk.method = "POST"
wrk.body = [[$body]]
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-Webhook-Signature"] = "$signature"

function done(summary, latency, requests)
    local e = summary.errors
    local seconds = summary.duration / 1e6
    io.write(string.format("RESULT rps=%.1f ok_rps=%.1f p99_us=%d p50_us=%d requests=%d non2xx=%d errors=%d\n",
        summary.requests / seconds, (summary.requests - e.status) / seconds, latency:percentile(99),
        latency:percentile(50), summary.requests, e.status, e.connect + e.read + e.write + e.timeout))
end
EOF

# ---- servers -----------------------------------------------------------------------------------
server_pid="" server_url=""
# start VARIANT TAG: starts the server, sets server_pid and server_url.
start() {
    local variant="$1" tag="$2" log="$work/$2.log" deadline
    case "$variant" in
        baseline) WEBHOOK_SIGNATURE="$secret" "$baseline_bin" --listen 127.0.0.1:0 >"$log" 2>&1 & ;;
        direct | queued)
            WEBHOOK_SIGNATURE="$secret" "$scaffold_bin" --listen 127.0.0.1:0 --data-dir "$work/data-$tag" \
                --delivery "$variant" --quiet >"$log" 2>&1 & ;;
    esac
    server_pid=$!
    pids+=("$server_pid")
    server_url=""
    deadline=$((SECONDS + start_limit))
    while [ -z "$server_url" ]; do
        server_url="$(grep -m1 -o 'listening on http://127\.0\.0\.1:[0-9]*/[^ ]*' "$log" | cut -d' ' -f3 || true)"
        [ -n "$server_url" ] && break
        kill -0 "$server_pid" 2>/dev/null || die "$variant exited at start: $(tail -5 "$log")"
        [ "$SECONDS" -lt "$deadline" ] || die "$variant printed no address within ${start_limit}s: $(tail -5 "$log")"
        sleep 0.05
    done
}
# stop: sets server_rss to the server's peak RSS (KiB), then stops it (SIGTERM, SIGKILL after 5 s).
server_rss=0
stop() {
    local i state
    server_rss="$(awk '/^VmHWM:/ {print $2}' "/proc/$server_pid/status" 2>/dev/null || true)"
    server_rss="${server_rss:-0}"
    kill -TERM "$server_pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do
        state="$(awk '{print $3}' "/proc/$server_pid/stat" 2>/dev/null || true)"
        case "$state" in "" | Z) break ;; esac   # exited (a zombie until waited for)
        sleep 0.1
    done
    kill -KILL "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    pids=()
}
post() { # post SIGNATURE: prints the HTTP status
    curl -s -o /dev/null -w '%{http_code}' --max-time 5 -H 'Content-Type: application/json' \
        -H "X-Webhook-Signature: $1" --data-binary "$body" "$server_url" || true
}
check() {
    local variant="$1" ok bad
    ok="$(post "$signature")"
    [[ "$ok" =~ ^2[0-9][0-9]$ ]] || die "$variant answered $ok (not 2xx) to a signed request"
    bad="$(post "$bad_signature")"
    [ "$bad" = 401 ] || die "$variant answered $bad (not 401) to a badly signed request"
}
load() { # load SECONDS OUT
    timeout $(($1 + 30)) wrk -t "$threads" -c "$connections" -d "${1}s" --latency -s "$work/post.lua" \
        "$server_url" >"$2" 2>&1 || die "wrk failed: $(tail -5 "$2")"
}
field() { sed -n "s/^RESULT.* $2=\([0-9.]*\).*/\1/p" "$1"; }

variants=(baseline)
[ "$do_scaffold" = 1 ] && variants+=(direct queued)
declare -A rps p99 rss bad
for ((r = 1; r <= runs; r++)); do
    order=("${variants[@]}")
    if ((r % 2 == 0)); then
        order=(); for ((k = ${#variants[@]} - 1; k >= 0; k--)); do order+=("${variants[k]}"); done
    fi
    for v in "${order[@]}"; do
        tag="$v-$r"
        start "$v" "$tag"
        check "$v"
        load "$warmup" "$work/$tag.warmup"
        load "$duration" "$work/$tag.wrk"
        stop
        kib="$server_rss"
        x="$(field "$work/$tag.wrk" ok_rps)" l="$(field "$work/$tag.wrk" p99_us)"
        [ -n "$x" ] && [ -n "$l" ] || die "no result line from wrk: $(tail -5 "$work/$tag.wrk")"
        n="$(field "$work/$tag.wrk" requests)" n2="$(field "$work/$tag.wrk" non2xx)" ne="$(field "$work/$tag.wrk" errors)"
        rps[$v]+="$x " p99[$v]+="$l " rss[$v]+="$kib " bad[$v]+="$(awk -v a="$n2" -v n="$n" 'BEGIN {print 100 * a / n}') "
        note=""
        if [ "$n2" != 0 ]; then
            note+=", $n2 of $n answers not 2xx"
            grep -q 'queue full' "$work/$tag.log" && note+=" (503: queue full)"
        fi
        [ "$ne" != 0 ] && note+=", $ne socket errors"
        say "[$r/$runs] $v: $x req/s answered 2xx, p99 $(awk -v u="$l" 'BEGIN {printf "%.2f", u / 1000}') ms, peak RSS $((kib / 1024)) MiB$note"
    done
done

# ---- report ------------------------------------------------------------------------------------
declare -A m_rps m_p99 m_rss m_bad
for v in "${variants[@]}"; do
    m_rps[$v]="$(median <<<"${rps[$v]}")"
    m_p99[$v]="$(median <<<"${p99[$v]}")"
    m_rss[$v]="$(median <<<"${rss[$v]}")"
    m_bad[$v]="$(median <<<"${bad[$v]}")"
done

fs="$(df --output=fstype "$work" 2>/dev/null | tail -1 || echo '?')"

echo "wrk on loopback: POST of one signed \`call.ended\` event ($(printf '%s' "$body" | wc -c) bytes), $connections connections,"
echo "$threads threads, ${warmup} s warm-up then ${duration} s measured; every server started fresh; median of $runs round(s),"
echo "order reversed every other round. req/s counts 2xx answers only; p99 is over all answers. Ratios: scaffold /"
echo "baseline (goal: req/s ≥ 0.9×, p99 ≤ 1.2×)."
echo
echo "| server | answers | req/s (2xx) | p99 ms | not 2xx | req/s ratio | p99 ratio | goal | peak RSS MiB |"
echo "|---|---|---:|---:|---:|---:|---:|---|---:|"
for v in "${variants[@]}"; do
    case "$v" in
        baseline) what="hand-written axum 0.8"; answer=204 ;;
        direct) what="scaffold \`--delivery direct\`"; answer=204 ;;
        queued) what="scaffold \`--delivery queued\`"; answer="202 (redb on $fs)" ;;
    esac
    awk -v what="$what" -v answer="$answer" -v x="${m_rps[$v]}" -v l="${m_p99[$v]}" -v k="${m_rss[$v]}" \
        -v nb="${m_bad[$v]}" -v bx="${m_rps[baseline]}" -v bl="${m_p99[baseline]}" \
        -v base="$([ "$v" = baseline ] && echo 1 || echo 0)" 'BEGIN {
        if (base) { rr = "1.00×"; lr = "1.00×"; goal = "(reference)" }
        else {
            a = x / bx; b = l / bl
            rr = sprintf("%.2f×", a); lr = sprintf("%.2f×", b)
            goal = (a >= 0.9 ? "req/s met" : "req/s missed") ", " (b <= 1.2 ? "p99 met" : "p99 missed")
        }
        printf "| %s | %s | %.0f | %.2f | %.1f%% | %s | %s | %s | %.1f |\n", what, answer, x, l / 1000, nb, rr, lr, goal, k / 1024
    }'
done
echo
echo "wrk and the servers share the CPUs; peak RSS is the server's VmHWM; all builds release;"
echo "$(wrk --version 2>&1 | head -1 | cut -d' ' -f1-2)."
