#!/usr/bin/env bash
# Whole-process `asyncgen generate` on large synthetic documents: how the time and peak memory
# grow with the number of schemas (goal: linear, and under 1 s at 10,000 schemas).
#
#   bench/large-spec.sh
#
# Documents: asyncgen-synth (crates/asyncgen-synth, the generator the criterion benches use)
# writes deterministic AsyncAPI 3.1 documents of SIZES schemas (default 100, 1,000 and 10,000)
# with one channel, operation and message per 5 schemas (the reference shape: 2,000 channels for
# 10,000 schemas). Every schema is an object of 7 properties with `$ref`s forward and back (a
# cycle closes at the end), a string enum, and a nested inline object. Each size is written in
# every format of FORMATS (default "json yaml").
#
# Measured: `asyncgen generate DOC -o DIR` (release build, every output that applies, i.e. types),
# the whole process, by bench/lib/measure.py: 1 warm-up round, then RUNS rounds (default 7) in
# which every document is generated once, the order reversed every other round; output directory
# removed before every run; wall time from spawn to reaping, peak RSS from wait4's ru_maxrss.
# Before timing, one run per document must succeed and its types.rs must hold one struct per
# component schema (`pub struct SchemaN`), or the script fails.
# Reported per document: median, min and max ms, µs per schema, the ratio of time to the next
# smaller size next to the ratio of sizes (linear: equal ratios), median CPU time (user + sys:
# the formatting runs on every core, so CPU time exceeds wall time on an idle machine, and it is
# the steadier figure on a busy one), median peak RSS; and whether
# 10,000 schemas take under 1 s. At 100 schemas the process start-up dominates, so the µs per
# schema there is an upper bound, not a slope.
#
# Builds asyncgen and asyncgen-synth in release with CARGO_TARGET_DIR (default: the repository's
# target/). Documents and outputs go to a scratch directory (mktemp -d; kept with KEEP=1).
#
# Environment: RUNS (default 7), SIZES (schemas, default "100 1000 10000"), FORMATS (default
# "json yaml"), LIMIT (seconds one run may take, default 120), CARGO_TARGET_DIR, KEEP=1.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
. "$here/lib/common.sh"
runs="${RUNS:-7}"
sizes="${SIZES:-100 1000 10000}"
formats="${FORMATS:-json yaml}"
limit="${LIMIT:-120}"
build_limit=1800

[[ "$runs" =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive integer (got '$runs')"
[[ "$limit" =~ ^[1-9][0-9]*$ ]] || die "LIMIT must be a positive integer (got '$limit')"
for n in $sizes; do [[ "$n" =~ ^[1-9][0-9]*$ ]] || die "SIZES must be positive integers (got '$n')"; done
for f in $formats; do case "$f" in json | yaml) ;; *) die "FORMATS must be json and/or yaml (got '$f')" ;; esac; done
sizes="$(printf '%s\n' $sizes | sort -n | uniq | tr '\n' ' ')"

echo "## asyncgen generate on large synthetic documents"
echo
machine_note "$root"
echo

command -v cargo >/dev/null || die "cargo is required"
command -v python3 >/dev/null || die "python3 is required (bench/lib/measure.py)"

work="$(mktemp -d "${TMPDIR:-/tmp}/large-spec.XXXXXX")"
if [ "${KEEP:-0}" = 1 ]; then say "scratch directory: $work (kept)"; else trap 'rm -rf "$work"' EXIT; fi
trap 'exit 130' INT TERM

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
target="$CARGO_TARGET_DIR/release"

say "building asyncgen and asyncgen-synth (release)"
(cd "$root" && timeout "$build_limit" cargo build --release -q -p asyncgen -p asyncgen-synth) \
    || die "cargo build --release -p asyncgen -p asyncgen-synth failed"
asyncgen="$target/asyncgen"
synth="$target/asyncgen-synth"
[ -x "$asyncgen" ] || die "no binary at $asyncgen"
[ -x "$synth" ] || die "no binary at $synth"

# ---- documents and correctness -------------------------------------------------------------------
entries=()   # JSON command objects for measure.py
for n in $sizes; do
    channels=$(((n + 4) / 5))
    for f in $formats; do
        name="$f-$n"
        doc="$work/synthetic-$n.$([ "$f" = json ] && echo json || echo yml)"
        if [ "$f" = json ]; then "$synth" --json "$channels" "$n" >"$doc"; else "$synth" "$channels" "$n" >"$doc"; fi
        out="$work/out-$name"
        timeout "$limit" "$asyncgen" generate "$doc" -o "$out" >"$work/$name.log" 2>&1 \
            || die "asyncgen generate failed on $name: $(head -c 2000 "$work/$name.log")"
        structs="$(grep -Ec '^pub struct Schema[0-9]+ ' "$out/types.rs" || true)"
        [ "$structs" = "$n" ] || die "$name: types.rs has $structs structs SchemaN, expected $n"
        say "$name: $(du -k "$doc" | cut -f1) KiB, $channels channels; generated $structs schema structs ($(du -sk "$out" | cut -f1) KiB of Rust)"
        entries+=("{\"name\": \"$name\", \"argv\": [\"$asyncgen\", \"generate\", \"$doc\", \"-o\", \"$out\"], \"clean\": \"$out\"}")
        printf '%s %s %s %s\n' "$name" "$n" "$channels" "$(stat -c %s "$doc")" >>"$work/docs.txt"
    done
done

# ---- measure -------------------------------------------------------------------------------------
say "measuring: 1 warm-up round + $runs rounds of ${#entries[@]} documents"
(IFS=,; printf '{"runs": %s, "warmup": 1, "timeout": %s, "commands": [%s]}\n' "$runs" "$limit" "${entries[*]}") >"$work/spec.json"
python3 "$here/lib/measure.py" "$work/spec.json" "$work/times.json" || die "measurement failed"

# ---- report --------------------------------------------------------------------------------------
echo "Whole-process \`asyncgen generate DOC -o DIR\` (release), medians of $runs interleaved rounds after 1 warm-up"
echo "round (bench/lib/measure.py). Ratio columns: time over the next smaller size's time, next to the size"
echo "ratio (linear growth: the two are equal). Goal: linear, and < 1 s at 10,000 schemas."
echo
python3 - "$work/times.json" "$work/docs.txt" <<'PY'
import json, sys
times = {c["name"]: c for c in json.load(open(sys.argv[1]))["commands"]}
docs = [l.split() for l in open(sys.argv[2]) if l.strip()]
print("| format | schemas | channels | document MiB | median ms | min–max ms | µs per schema | time ratio | size ratio | CPU ms (user+sys) | peak RSS MiB |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
prev = {}
goal = []
for name, n, ch, size in docs:
    fmt, n, ch, size = name.split("-")[0], int(n), int(ch), int(size)
    c = times[name]
    ms = c["median_s"] * 1000
    if fmt in prev:
        pn, pms = prev[fmt]
        tr, sr = f"{ms / pms:.2f}×", f"{n / pn:.0f}×"
    else:
        tr = sr = "–"
    prev[fmt] = (n, ms)
    print(f"| {fmt} | {n:,} | {ch:,} | {size / 1048576:.1f} | {ms:.1f} | {c['min_s'] * 1000:.1f}–{c['max_s'] * 1000:.1f} | "
          f"{ms * 1000 / n:.1f} | {tr} | {sr} | {c['median_cpu_s'] * 1000:.0f} | {c['median_maxrss_kib'] / 1024:.1f} |")
    if n == 10000:
        goal.append(f"{fmt} {ms:.0f} ms ({'met' if ms < 1000 else 'MISSED'})")
print()
if goal:
    print("10,000 schemas under 1 s: " + "; ".join(goal) + ".")
PY
