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
# Then the output must compile: `cargo check` of the types up to COMPILE_MAX schemas (default 1,000),
# timed beside typify's types of the same schemas (see "the output compiles" below).
#
# Environment: RUNS (default 7), SIZES (schemas, default "100 1000 10000"), FORMATS (default
# "json yaml"), LIMIT (seconds one run may take, default 120), COMPILE_MAX (default 1000),
# CHECK_RUNS (default 3), TYPIFY_MAX (default 1000), CARGO_TARGET_DIR, KEEP=1.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
. "$here/lib/common.sh"
runs="${RUNS:-7}"
sizes="${SIZES:-100 1000 10000}"
formats="${FORMATS:-json yaml}"
limit="${LIMIT:-120}"
CHECK_RUNS="${CHECK_RUNS:-3}"
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

# ---- the output compiles ------------------------------------------------------------------------
# What is timed must be usable: the types of every size up to COMPILE_MAX schemas (default 1,000;
# the full run sets 10,000) are compiled (`cargo check`, serde and serde_json as the only
# dependencies), and the benchmark fails when they do not compile. `cargo check` of the types
# alone is timed (dependencies checked once before), beside the types typify generates from the
# same schemas when `cargo typify` is installed (`cargo install cargo-typify`): the components'
# schemas as one JSON Schema (`$defs`). Every check is a whole one, as a user's first build is:
# without CARGO_INCREMENTAL=0, the `touch` before each timed round would let rustc reuse the last
# round's results and time a re-check (about half the time at 1,000 schemas).
compile_max="${COMPILE_MAX:-1000}"
# typify's types of these documents stop compiling at 1,000 schemas (E0320 at every link of the
# chains, 64,000 errors); past TYPIFY_MAX its side is skipped, as its errors would only cost time.
typify_max="${TYPIFY_MAX:-1000}"
ctarget="$work/check-target"
checks=()
uncompiled=()
check_crate() { # NAME RUST_FILE_OR_MODULE [extra dependency lines]; fails unless NAME is typify's
    local name="$1" module="$2" extra="${3:-}"
    local dir="$work/check-$name"
    mkdir -p "$dir/src"
    printf '[package]\nname = "check-%s"\nversion = "0.0.0"\nedition = "2021"\npublish = false\n\n[dependencies]\nserde = { version = "1", features = ["derive"] }\nserde_json = "1"\n%s\n[workspace]\n' "$name" "$extra" >"$dir/Cargo.toml"
    printf '#![allow(dead_code, clippy::all)]\n#[path = "%s"]\nmod generated;\n' "$module" >"$dir/src/lib.rs"
    cp "$root/Cargo.lock" "$dir/Cargo.lock" 2>/dev/null || true
    if ! (cd "$dir" && CARGO_TARGET_DIR="$ctarget" CARGO_INCREMENTAL=0 timeout 3600 cargo check -q >"$work/check-$name.log" 2>&1); then
        local errors first
        errors="$(grep -c '^error\[' "$work/check-$name.log" || true)"
        first="$(grep -m1 '^error' "$work/check-$name.log")"
        case "$name" in
            typify-*)
                # The comparison's other side: reported, not a failure of ours.
                uncompiled+=("$name: $errors errors, first: $first")
                say "$name: does not compile ($errors errors, first: $first)"
                return 1
                ;;
            *) die "the code generated for $name does not compile: $errors errors, first: $first" ;;
        esac
    fi
    checks+=("{\"name\": \"check-$name\", \"argv\": [\"sh\", \"-c\", \"touch '$dir/src/lib.rs' && cd '$dir' && CARGO_TARGET_DIR='$ctarget' CARGO_INCREMENTAL=0 exec cargo check -q\"]}")
}
for n in $sizes; do
    [ "$n" -le "$compile_max" ] || continue
    first="$(printf '%s\n' $formats | head -n1)"
    check_crate "asyncgen-$n" "$work/out-$first-$n/mod.rs"
    say "asyncgen-$n: the generated types compile"
    if command -v cargo-typify >/dev/null && [ "$n" -le "$typify_max" ]; then
        doc="$work/synthetic-$n.$([ "$first" = json ] && echo json || echo yml)"
        python3 - "$doc" "$work/typify-$n.json" <<'PY' || die "could not extract the schemas for typify"
import json, sys
text = open(sys.argv[1]).read()
try:
    doc = json.loads(text)
except ValueError:
    import yaml  # only when the first format is YAML
    doc = yaml.safe_load(text)
def rewrite(v):
    if isinstance(v, dict):
        return {k: (x.replace("#/components/schemas/", "#/$defs/") if k == "$ref" and isinstance(x, str) else rewrite(x)) for k, x in v.items()}
    if isinstance(v, list):
        return [rewrite(x) for x in v]
    return v
json.dump({"$schema": "https://json-schema.org/draft/2020-12/schema", "$defs": rewrite(doc["components"]["schemas"])}, open(sys.argv[2], "w"))
PY
        (cd "$work" && timeout "$limit" cargo typify "typify-$n.json" -o "typify-$n.rs" >"$work/typify-$n.log" 2>&1) \
            || die "cargo typify failed at $n schemas: $(head -c 1000 "$work/typify-$n.log")"
        if check_crate "typify-$n" "$work/typify-$n.rs" 'regress = "0.10"
uuid = { version = "1", features = ["serde"] }
chrono = { version = "0.4", default-features = false, features = ["serde", "std"] }'; then
            say "typify-$n: the types compile"
        fi
    fi
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

if [ "${#checks[@]}" -gt 0 ]; then
    say "measuring cargo check of the generated types: $CHECK_RUNS rounds"
    (IFS=,; printf '{"runs": %s, "warmup": 0, "timeout": 3600, "commands": [%s]}\n' "$CHECK_RUNS" "${checks[*]}") >"$work/check-spec.json"
    python3 "$here/lib/measure.py" "$work/check-spec.json" "$work/check-times.json" || die "measuring cargo check failed"
    echo
    echo "\`cargo check\` of the generated types alone (dependencies checked before), medians of $CHECK_RUNS"
    echo "interleaved rounds; typify's types of the same schemas beside them when cargo-typify is installed."
    echo "Goal: 1,000 schemas under 30 s, and no slower than typify."
    echo
    python3 - "$work/check-times.json" <<'PY'
import json, sys
rows = json.load(open(sys.argv[1]))["commands"]
by = {c["name"]: c for c in rows}
print("| generator | schemas | median s | min–max s | peak RSS MiB | vs typify |")
print("|---|---:|---:|---:|---:|---:|")
for c in rows:
    _, gen, n = c["name"].split("-")
    other = by.get(f"check-typify-{n}") if gen == "asyncgen" else None
    ratio = f"{c['median_s'] / other['median_s']:.2f}×" if other else "–"
    print(f"| {gen} | {int(n):,} | {c['median_s']:.1f} | {c['min_s']:.1f}–{c['max_s']:.1f} | {c['median_maxrss_kib'] / 1024:.0f} | {ratio} |")
PY
    for line in "${uncompiled[@]}"; do
        echo "Does not compile, so not timed: $line"
    done
fi
