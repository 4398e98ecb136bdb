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
# Each is built once (debug, as a developer iterates). Then RUNS rounds, alternating which goes
# first, each timing one `cargo build` that has nothing to do (wall clock, nanoseconds, and the
# peak RSS of cargo by /usr/bin/time when present). Each no-op build is checked: cargo must report
# the package fresh, and for buildrs the build script must not run. Reported: the median per
# variant and the ratio buildrs / direct (goal ≤ 1.05×). A missed goal is reported, not an
# error.
#
# Environment: RUNS (default 15), KEEP=1 keeps the scratch directory.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
runs="${RUNS:-15}"
scratch="$(mktemp -d)"
if [ "${KEEP:-0}" != 1 ]; then trap 'rm -rf "$scratch"' EXIT; fi
export CARGO_TARGET_DIR="$scratch/target"
export CARGO_TERM_COLOR=never

cargo build --quiet --release -p asyncgen --manifest-path "$repo/Cargo.toml" \
  --target-dir "$repo/target"
asyncgen="$repo/target/release/asyncgen"

manifest() { # name, with build.rs (yes/no)
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
direct="$scratch/direct"
manifest noop-buildrs yes > "$buildrs/Cargo.toml"
cp "$repo/examples/dialer-cx-receiver/build.rs" "$buildrs/build.rs"
manifest noop-direct no > "$direct/Cargo.toml"
"$asyncgen" generate "$repo/specs/dialer-cx/webhooks.yml" -o "$direct/src/api" --only types,receiver 2>/dev/null
python3 - "$direct/src/main.rs" <<'PY'
import sys, re
p = sys.argv[1]
s = open(p).read()
s2 = re.sub(r'mod api \{\n    asyncgen_runtime::include_spec!\("webhooks"\);\n\}',
            '#[allow(dead_code, unused_imports)]\n#[path = "api/mod.rs"]\nmod api;', s)
assert s2 != s, "main.rs no longer includes the module as expected"
open(p, "w").write(s2)
PY

echo "== first builds (not measured)"
(cd "$buildrs" && cargo build --quiet)
(cd "$direct" && cargo build --quiet)

timed() { # dir, package -> "nanoseconds peak_kib"; fails unless the build was a no-op
  local dir="$1" package="$2" log="$scratch/log" start end rss
  start=$(date +%s%N)
  if [ -x /usr/bin/time ]; then
    (cd "$dir" && /usr/bin/time -f '%M' -o "$scratch/rss" cargo build -v 2> "$log")
    rss=$(tail -1 "$scratch/rss")
  else
    (cd "$dir" && cargo build -v 2> "$log")
    rss=0
  fi
  end=$(date +%s%N)
  grep -q "Fresh $package" "$log" || { echo "$package was not fresh:"; cat "$log"; exit 1; }
  if grep -q 'build-script-build`' "$log" && grep 'Running' "$log" | grep -q build-script-build; then
    echo "$package reran its build script on a no-op build:"; cat "$log"; exit 1
  fi
  echo "$((end - start)) $rss"
}

: > "$scratch/buildrs.txt"; : > "$scratch/direct.txt"
echo "== $runs rounds of no-op builds"
for i in $(seq 1 "$runs"); do
  if [ $((i % 2)) = 1 ]; then order="buildrs direct"; else order="direct buildrs"; fi
  for v in $order; do
    if [ "$v" = buildrs ]; then timed "$buildrs" noop-buildrs >> "$scratch/buildrs.txt"
    else timed "$direct" noop-direct >> "$scratch/direct.txt"; fi
  done
done

python3 - "$scratch/buildrs.txt" "$scratch/direct.txt" <<'PY'
import statistics, sys
def load(p):
    rows = [l.split() for l in open(p) if l.strip()]
    return [int(r[0]) / 1e6 for r in rows], [int(r[1]) / 1024 for r in rows]
(bt, br), (dt, dr) = load(sys.argv[1]), load(sys.argv[2])
mb, md = statistics.median(bt), statistics.median(dt)
rb, rd = statistics.median(br), statistics.median(dr)
print(f"runs: {len(bt)} per variant")
print(f"buildrs  no-op cargo build: median {mb:7.1f} ms (min {min(bt):.1f}, max {max(bt):.1f}); cargo peak RSS {rb:.1f} MiB")
print(f"direct   no-op cargo build: median {md:7.1f} ms (min {min(dt):.1f}, max {max(dt):.1f}); cargo peak RSS {rd:.1f} MiB")
ratio = mb / md
print(f"ratio buildrs / direct: {ratio:.3f}x (goal <= 1.05x: {'met' if ratio <= 1.05 else 'MISSED'})")
PY
