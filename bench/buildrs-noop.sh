#!/usr/bin/env bash
# A no-op incremental `cargo build` of a crate that generates its module in build.rs, vs the same
# crate with the generated module committed and included directly, side by side in one run.
#
#   bench/buildrs-noop.sh
#
# Two standalone copies of examples/dialer-cx-receiver in a scratch directory, sharing one target
# directory and the workspace's Cargo.lock:
#   buildrs   as in the repository: build.rs calls asyncgen_build (types + receiver) and
#             src/main.rs has `mod api { asyncgen_runtime::include_spec!("webhooks"); }`
#   direct    no build.rs and no asyncgen-build; `asyncgen generate` wrote src/api/ once and
#             src/main.rs has `#[path = "api/mod.rs"] mod api;` instead
#   binary    buildrs with `asyncgen-build = { default-features = false }`: the build script runs
#             the installed asyncgen binary (ASYNCGEN) instead of linking the generator
#   graph     direct plus the build-dependency on asyncgen-build and a build.rs that does not
#             call it (`cargo:rerun-if-changed=build.rs` only): what the dependency graph alone
#             costs a no-op build, apart from anything the build script does
# Each is built once (debug, as a developer iterates), then checked with `cargo build -v`: the
# package must be reported fresh and, for buildrs, the build script must not run. Then RUNS
# rounds, alternating which goes first, each timing one `cargo build --quiet` (wall clock, and
# the peak RSS of cargo by /usr/bin/time when present); `-v` is not timed, since printing a line
# per unit is not what a developer waits for. After each timed build, nothing under the target
# directory may be newer than a stamp taken before it (no recompilation, no build script run),
# or the script fails. Reported: the median per variant and the ratio buildrs / direct
# (goal ≤ 1.05×), binary / direct and graph / direct. A missed goal is reported, not an
# error.
#
# The asyncgen binary (release) is built in CARGO_TARGET_DIR (default: the repository's
# target/). The four copies are built in their own target directory, NOOP_TARGET_DIR, by default
# a fresh one in the scratch directory, so the first builds compile every dependency in debug
# (minutes on 2 CPUs); pointing NOOP_TARGET_DIR at a kept directory reuses them. Needs cargo,
# python3, and /usr/bin/time for cargo's peak RSS (reported as 0 without it).
#
# Environment: RUNS (default 21), KEEP=1 keeps the scratch directory, CARGO_TARGET_DIR,
# NOOP_TARGET_DIR.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
. "$here/lib/common.sh"
runs="${RUNS:-21}"
[[ "$runs" =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive integer (got '$runs')"
command -v python3 >/dev/null || die "python3 is required"

echo "## No-op cargo build: build.rs generation vs the generated module included directly"
echo
machine_note "$repo"
echo

scratch="$(mktemp -d "${TMPDIR:-/tmp}/buildrs-noop.XXXXXX")"
if [ "${KEEP:-0}" != 1 ]; then trap 'rm -rf "$scratch"' EXIT; else say "scratch directory: $scratch (kept)"; fi
asyncgen_target="${CARGO_TARGET_DIR:-$repo/target}"
export CARGO_TARGET_DIR="${NOOP_TARGET_DIR:-$scratch/target}"
export CARGO_TERM_COLOR=never

say "building asyncgen (release)"
cargo build --quiet --release -p asyncgen --manifest-path "$repo/Cargo.toml" \
  --target-dir "$asyncgen_target"
asyncgen="$asyncgen_target/release/asyncgen"
export ASYNCGEN="$asyncgen"

manifest() { # name, with build.rs (yes/no/binary)
  cat <<TOML
[package]
name = "$1"
version = "0.1.0"
edition = "2024"
publish = false

[dependencies]
asyncgen-runtime = { path = "$repo/crates/asyncgen-runtime", default-features = false, features = ["receiver"] }
serde = { version = "1", features = ["derive"] }
serde_json = { version = "1", features = ["preserve_order"] }
tokio = { version = "1.47", features = ["rt-multi-thread", "macros", "net", "signal"] }
tokio-util = "0.7"
TOML
  if [ "$2" = yes ]; then
    printf '\n[build-dependencies]\nasyncgen-build = { path = "%s/crates/asyncgen-build" }\n' "$repo"
  elif [ "$2" = binary ]; then
    printf '\n[build-dependencies]\nasyncgen-build = { path = "%s/crates/asyncgen-build", default-features = false }\n' "$repo"
  fi
  printf '\n[workspace]\n'
}

for variant in buildrs direct; do
  dir="$scratch/$variant"
  mkdir -p "$dir/src" "$dir/../specs/dialer-cx"
  cp "$repo/examples/dialer-cx-receiver/src/main.rs" "$dir/src/main.rs"
  cp "$repo/Cargo.lock" "$dir/Cargo.lock"
done
# build.rs reads ../../specs/dialer-cx/webhooks.yml: give the copy the same layout.
mkdir -p "$scratch/x/specs/dialer-cx"
cp "$repo/specs/dialer-cx/webhooks.yml" "$scratch/x/specs/dialer-cx/"
mkdir -p "$scratch/x/examples"
mv "$scratch/buildrs" "$scratch/x/examples/buildrs"
buildrs="$scratch/x/examples/buildrs"
binary="$scratch/x/examples/binary"
direct="$scratch/direct"
manifest noop-buildrs yes > "$buildrs/Cargo.toml"
cp "$repo/examples/dialer-cx-receiver/build.rs" "$buildrs/build.rs"
mkdir -p "$binary"
cp -r "$buildrs/src" "$buildrs/build.rs" "$buildrs/Cargo.lock" "$binary/"
manifest noop-binary binary > "$binary/Cargo.toml"
manifest noop-direct no > "$direct/Cargo.toml"
"$asyncgen" generate "$repo/specs/dialer-cx/webhooks.yml" -o "$direct/src/api" --only types,receiver 2>/dev/null
graph="$scratch/graph"
python3 - "$direct/src/main.rs" <<'PY'
import sys, re
p = sys.argv[1]
s = open(p).read()
s2 = re.sub(r'mod api \{\n    asyncgen_runtime::include_spec!\("webhooks"\);\n\}',
            '#[allow(dead_code, unused_imports)]\n#[path = "api/mod.rs"]\nmod api;', s)
assert s2 != s, "main.rs no longer includes the module as expected"
open(p, "w").write(s2)
PY
mkdir -p "$graph"
cp -r "$direct/src" "$direct/Cargo.lock" "$graph/"
manifest noop-graph yes > "$graph/Cargo.toml"
echo 'fn main() { println!("cargo:rerun-if-changed=build.rs"); }' > "$graph/build.rs"

say "== first builds (not measured; a fresh NOOP_TARGET_DIR compiles every dependency)"
(cd "$buildrs" && cargo build --quiet)
(cd "$direct" && cargo build --quiet)
(cd "$graph" && cargo build --quiet)
(cd "$binary" && cargo build --quiet)
for pair in "$buildrs noop-buildrs" "$direct noop-direct" "$graph noop-graph" "$binary noop-binary"; do
  set -- $pair
  (cd "$1" && cargo build -v 2> "$scratch/log")
  grep -q "Fresh $2" "$scratch/log" || { say "$2 is not fresh after its first build:"; cat "$scratch/log" >&2; exit 1; }
  if grep 'Running' "$scratch/log" | grep -q build-script-build; then
    say "$2 reran its build script on a no-op build:"; cat "$scratch/log" >&2; exit 1
  fi
done

timed() { # dir -> "nanoseconds peak_kib"; fails unless the build was a no-op
  local dir="$1" start end rss=0
  touch "$scratch/stamp"
  sleep 0.01 # mtimes after the stamp must compare newer
  start=$(date +%s%N)
  if [ -x /usr/bin/time ]; then
    (cd "$dir" && /usr/bin/time -f '%M' -o "$scratch/rss" cargo build --quiet)
    rss=$(tail -1 "$scratch/rss")
  else
    (cd "$dir" && cargo build --quiet)
  fi
  end=$(date +%s%N)
  # Fingerprints, outputs and build-script output all live under debug/. Cargo rewrites its
  # lock file and the binary's uplifted dep-info (debug/NAME.d) on every run, no-op or not.
  changed=$(find "$CARGO_TARGET_DIR/debug" -newer "$scratch/stamp" -type f \
    ! -name .cargo-lock ! -path "$CARGO_TARGET_DIR/debug/noop-*.d" | head -5)

  if [ -n "$changed" ]; then { echo "not a no-op build in $dir; rewritten:"; echo "$changed"; } >&2; exit 1; fi
  echo "$((end - start)) $rss"
}

: > "$scratch/buildrs.txt"; : > "$scratch/direct.txt"; : > "$scratch/graph.txt"; : > "$scratch/binary.txt"
say "== $runs rounds of no-op builds"
for i in $(seq 1 "$runs"); do
  if [ $((i % 2)) = 1 ]; then order="buildrs direct binary graph"; else order="graph binary direct buildrs"; fi
  for v in $order; do
    timed "${!v}" >> "$scratch/$v.txt"
  done
done

count() { # dir -> packages in the graph (normal + build)
  (cd "$1" && cargo tree -e normal,build --prefix none 2>/dev/null | sed 's/ (\*)//' | sort -u | wc -l)
}
python3 - "$scratch" "$(count "$buildrs")" "$(count "$direct")" "$(count "$graph")" "$(count "$binary")" <<'PY'
import statistics, sys
scratch = sys.argv[1]
packages = dict(zip(["buildrs", "direct", "graph", "binary"], sys.argv[2:6]))
def load(v):
    rows = [l.split() for l in open(f"{scratch}/{v}.txt") if l.strip()]
    return [int(r[0]) / 1e6 for r in rows], [int(r[1]) / 1024 for r in rows]
what = {
    "direct": "generated module committed, included directly (reference)",
    "buildrs": "build.rs, asyncgen-build default (embedded generator)",
    "binary": "build.rs, asyncgen-build without `embedded` (runs the asyncgen binary)",
    "graph": "graph only: build-dependency on asyncgen-build, build.rs does nothing",
}
med, rows = {}, {}
for v in ["direct", "buildrs", "binary", "graph"]:
    t, r = load(v)
    med[v] = statistics.median(t)
    rows[v] = (t, r)
runs = len(rows["direct"][0])
print(f"Wall time of one quiet no-op `cargo build` (debug), median of {runs} interleaved rounds (order")
print("alternating); each timed build checked to have rewritten nothing under the target directory.")
print("Peak RSS is cargo's (/usr/bin/time %M). Goal: build.rs / direct <= 1.05x.")
print()
print("| variant | median ms | min ms | max ms | ratio to direct | goal | cargo peak RSS MiB | packages |")
print("|---|---:|---:|---:|---:|---|---:|---:|")
for v in ["direct", "buildrs", "binary", "graph"]:
    t, r = rows[v]
    ratio = med[v] / med["direct"]
    goal = "(reference)" if v == "direct" else ("(cost of the graph)" if v == "graph" else ("met" if ratio <= 1.05 else "MISSED"))
    print(f"| {what[v]} | {med[v]:.1f} | {min(t):.1f} | {max(t):.1f} | {ratio:.3f}x | {goal} | "
          f"{statistics.median(r):.1f} | {packages[v]} |")

PY

