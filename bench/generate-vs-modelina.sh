#!/usr/bin/env bash
# asyncgen generate vs modelina (@asyncapi/modelina, Rust models), side by side in one run.
#
#   bench/generate-vs-modelina.sh [SPEC...]
#
# Documents: specs/dialpad/webhooks.yml and every document in ../shared/corpus (skipped with a
# message when absent), then any SPEC given. For each: whole-process wall time and peak RSS of
#   asyncgen generate SPEC -o DIR      (release build of this checkout)
#   node bench/modelina/generate.js SPEC DIR   (node start-up, parsing and writing included)
# measured by bench/lib/measure.py: 1 warm-up round, then RUNS rounds (default 10) in which each
# tool runs once, the order reversed every other round (interleaved, so a busy spell of a shared
# machine falls on both); no shell; the output directory removed before every run; the wall time
# from spawn to reaping and the peak RSS from wait4's ru_maxrss. Medians are reported; then
# whether each output compiles: asyncgen's module is
# included by a scratch crate (`#[path = ".../mod.rs"] mod api;`, serde + serde_json), modelina's
# crate (its own Cargo.toml) is built as it is. Error counts are the compiler's own
# ("could not compile ... due to N previous errors").
#
# Needs cargo, python3, node (>= 18) and npm. Installs modelina (npm, pinned in
# bench/modelina/package.json) into bench/modelina/node_modules when missing. Everything
# it writes goes to a scratch directory (mktemp -d; kept with KEEP=1), never into the repository
# except bench/modelina/node_modules (ignored by git).
#
# Environment: RUNS (default 10), CORPUS (default ../shared/corpus), LIMIT (seconds per generator
# run before it counts as failed, default 300), KEEP=1 keeps the scratch directory,
# ASYNCGEN_ONLY=1 / MODELINA_ONLY=1 measure one side only.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
. "$here/lib/common.sh"
runs="${RUNS:-10}"
limit="${LIMIT:-300}"   # seconds one generator run may take before it counts as failed
corpus="${CORPUS:-$root/../shared/corpus}"
[ -d "$corpus" ] && corpus="$(cd "$corpus" && pwd)"

[[ "$runs" =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive integer (got '$runs')"
[[ "$limit" =~ ^[1-9][0-9]*$ ]] || die "LIMIT must be a positive integer (got '$limit')"

echo "## asyncgen generate vs modelina (Rust)"
echo
machine_note "$root"
echo

# ---- tools -------------------------------------------------------------------------------------
command -v cargo >/dev/null || die "cargo is required"
command -v node >/dev/null || die "node (>= 18) is required for modelina"
command -v npm >/dev/null || die "npm is required for modelina"
command -v python3 >/dev/null || die "python3 is required (bench/lib/measure.py)"

pinned="$(node -p 'require(process.argv[1]).dependencies["@asyncapi/modelina"]' "$here/modelina/package.json")"
installed="$(node -p 'require(process.argv[1]).version' "$here/modelina/node_modules/@asyncapi/modelina/package.json" 2>/dev/null || true)"
if [ "$installed" != "$pinned" ]; then
    say "installing modelina (npm) into bench/modelina"
    if [ -f "$here/modelina/package-lock.json" ]; then
        (cd "$here/modelina" && npm ci --no-audit --no-fund --loglevel=error >&2)
    else
        (cd "$here/modelina" && npm install --no-audit --no-fund --loglevel=error >&2)
    fi
fi
modelina_version="$(node -p 'require(process.argv[1]).version' "$here/modelina/node_modules/@asyncapi/modelina/package.json")"
parser_version="$(cd "$here/modelina" && node -p 'require(require.resolve("@asyncapi/parser/package.json", {paths: [require.resolve("@asyncapi/modelina")]})).version' 2>/dev/null || echo '?')"

say "building asyncgen (release)"
(cd "$root" && cargo build --release -q -p asyncgen) || die "cargo build --release -p asyncgen failed"
target_dir="$(cd "$root" && cargo metadata --format-version 1 --no-deps | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).target_directory))')"
asyncgen="$target_dir/release/asyncgen"
[ -x "$asyncgen" ] || die "no binary at $asyncgen"
have_generate=1
if ! "$asyncgen" generate --help >/dev/null 2>&1; then
    have_generate=0
    say "note: this asyncgen has no \`generate\` command yet: its columns show n/a"
fi
[ "${MODELINA_ONLY:-0}" = 1 ] && have_generate=0
do_modelina=1
[ "${ASYNCGEN_ONLY:-0}" = 1 ] && do_modelina=0

# ---- documents ---------------------------------------------------------------------------------
docs=("$root/specs/dialpad/webhooks.yml")
if [ -d "$corpus" ]; then
    while IFS= read -r f; do docs+=("$f"); done < <(find "$corpus" -type f \( -name '*.yml' -o -name '*.yaml' -o -name '*.json' \) | LC_ALL=C sort)
else
    say "note: $corpus is absent: skipping the public corpus (only the Dialpad spec is measured)"
fi
for extra in "$@"; do
    [ -f "$extra" ] || die "no such document: $extra"
    docs+=("$(cd "$(dirname "$extra")" && pwd)/$(basename "$extra")")
done

work="$(mktemp -d "${TMPDIR:-/tmp}/asyncgen-vs-modelina.XXXXXX")"
if [ "${KEEP:-0}" = 1 ]; then say "scratch directory: $work (kept)"; else trap 'rm -rf "$work"' EXIT; fi
# One target directory for every scratch crate, so serde is compiled once.
export CARGO_TARGET_DIR="$work/target"

# Short display name of a document: path below the repo root or the corpus.
label() {
    case "$1" in
        "$corpus"/*) printf 'corpus/%s' "${1#"$corpus"/}" ;;
        "$root"/*) printf '%s' "${1#"$root"/}" ;;
        *) printf '%s' "$1" ;;
    esac
}

# Median of command $2 (its name) in measure.py's JSON $1: "MS CPU_MS MIB" (wall ms, user+sys
# ms, peak RSS MiB).
median_of() {
    node -e 'const r=require(process.argv[1]).commands.find(c => c.name === process.argv[2]); console.log(r ? (r.median_s*1000).toFixed(1) + " " + (r.median_cpu_s*1000).toFixed(0) + " " + (r.median_maxrss_kib/1024).toFixed(1) : "n/a n/a n/a")' "$1" "$2"
}

# Builds the crate in $1; prints "yes", "yes (N warnings)" or "no (N errors)".
compiles() {
    local log="$1/build.log" n w
    if (cd "$1" && cargo build --message-format short >"$log" 2>&1); then
        w="$(grep -Eo 'generated [0-9]+ warnings?' "$log" | grep -Eo '[0-9]+' | awk '{n += $1} END {if (NR) print n}' || true)"
        case "$w" in ""|0) echo "yes" ;; 1) echo "yes (1 warning)" ;; *) echo "yes ($w warnings)" ;; esac
        return
    fi
    n="$(grep -Eo 'due to [0-9]+ previous errors?' "$log" | grep -Eo '[0-9]+' | awk '{n += $1} END {if (NR) print n}' || true)"
    if [ -z "$n" ]; then
        # No summary line (a manifest or dependency problem): count the error lines themselves.
        n="$(grep -E '(^|: )error(\[[A-Z0-9]+\])?:' "$log" | grep -cv 'could not compile' || true)"
    fi
    if [ "$n" = 1 ]; then echo "no (1 error)"; else echo "no ($n errors)"; fi
}

# Scratch crate around asyncgen's generated module in $2 (crate dir $1).
asyncgen_crate() {
    local crate="$1" out="$2" name="$3"
    mkdir -p "$crate/src"
    {
        printf '[package]\nname = "%s"\nversion = "0.0.0"\nedition = "2021"\npublish = false\n\n[dependencies]\n' "$name"
        printf 'serde = { version = "1", features = ["derive"] }\nserde_json = "1"\n'
        if grep -rqs 'asyncgen_runtime' "$out"; then
            printf 'asyncgen-runtime = { path = "%s" }\n' "$root/crates/asyncgen-runtime"
        fi
        printf '\n[workspace]\n'
    } >"$crate/Cargo.toml"
    printf '#[path = "%s/mod.rs"]\npub mod api;\n' "$out" >"$crate/src/lib.rs"
}

# ---- measure -----------------------------------------------------------------------------------
rows=()
summary=()
i=0
for doc in "${docs[@]}"; do
    i=$((i + 1))
    name="$(label "$doc")"
    say "[$i/${#docs[@]}] $name"
    d="$work/$i"
    mkdir -p "$d"
    a_out="$d/asyncgen-out"
    m_out="$d/modelina-out"
    a_ms="n/a" m_ms="n/a" a_ok="n/a" m_ok="n/a" a_rss="n/a" m_rss="n/a" a_cpu="n/a" m_cpu="n/a"
    # One run each first: a generator that fails is reported, not timed (measure.py would abort).
    cmds=()
    if [ "$have_generate" = 1 ]; then
        if timeout "$limit" "$asyncgen" generate "$doc" -o "$a_out" >"$d/asyncgen.log" 2>&1; then
            cmds+=("$(node -e 'console.log(JSON.stringify({name: "asyncgen", argv: [process.argv[1], "generate", process.argv[2], "-o", process.argv[3]], clean: process.argv[3]}))' "$asyncgen" "$doc" "$a_out")")
        else
            a_ms="fails" a_ok="no (generate failed)"
            say "  asyncgen generate failed: $(grep -m1 . "$d/asyncgen.log" | cut -c1-200)"
        fi
    fi
    if [ "$do_modelina" = 1 ]; then
        if timeout "$limit" node "$here/modelina/generate.js" "$doc" "$m_out" >"$d/modelina.log" 2>&1; then
            cmds+=("$(node -e 'console.log(JSON.stringify({name: "modelina", argv: ["node", process.argv[1], process.argv[2], process.argv[3]], clean: process.argv[3]}))' "$here/modelina/generate.js" "$doc" "$m_out")")
        else
            m_ms="fails" m_ok="no (generate failed)"
            say "  modelina failed: $(grep -m1 . "$d/modelina.log" | cut -c1-200)"
        fi
    fi
    if [ "${#cmds[@]}" -gt 0 ]; then
        (IFS=,; printf '{"runs": %s, "warmup": 1, "timeout": %s, "commands": [%s]}\n' "$runs" "$limit" "${cmds[*]}") >"$d/spec.json"
        if python3 "$here/lib/measure.py" "$d/spec.json" "$d/times.json" 2>"$d/measure.log"; then
            if [ "$a_ms" = n/a ] && [ "$have_generate" = 1 ]; then read -r a_ms a_cpu a_rss <<<"$(median_of "$d/times.json" asyncgen)"; fi
            if [ "$m_ms" = n/a ] && [ "$do_modelina" = 1 ]; then read -r m_ms m_cpu m_rss <<<"$(median_of "$d/times.json" modelina)"; fi
        else
            say "  measurement failed: $(tail -3 "$d/measure.log")"
        fi
    fi
    # The last timed run left each output in place.
    if [ "$a_ok" = n/a ] && [ "$have_generate" = 1 ]; then
        [ -f "$a_out/mod.rs" ] || "$asyncgen" generate "$doc" -o "$a_out" >/dev/null 2>&1 || true
        asyncgen_crate "$d/asyncgen-crate" "$a_out" "check_asyncgen_$i"
        a_ok="$(compiles "$d/asyncgen-crate")"
    fi
    if [ "$m_ok" = n/a ] && [ "$do_modelina" = 1 ]; then
        [ -f "$m_out/Cargo.toml" ] || node "$here/modelina/generate.js" "$doc" "$m_out" >/dev/null 2>&1 || true
        grep -qs '^\[workspace\]' "$m_out/Cargo.toml" || printf '\n[workspace]\n' >>"$m_out/Cargo.toml"
        m_ok="$(compiles "$m_out")"
    fi
    ratio="n/a"
    if [[ "$a_ms" =~ ^[0-9.]+$ && "$m_ms" =~ ^[0-9.]+$ ]]; then
        ratio="$(node -p "(($m_ms) / Math.max($a_ms, 0.001)).toFixed(0) + '×'")"
    fi
    line="  asyncgen: $a_ms ms, $a_rss MiB, compiles: $a_ok; modelina: $m_ms ms, $m_rss MiB, compiles: $m_ok"
    line="${line//fails ms/fails}"; line="${line//n\/a ms/n\/a}"; line="${line//n\/a MiB/n\/a}"
    say "$line"
    rows+=("| \`$name\` | $a_ms | $m_ms | $ratio | $a_cpu | $m_cpu | $a_rss | $m_rss | $a_ok | $m_ok |")
    summary+=("$a_ms $m_ms ${a_ok%% *} ${m_ok%% *} $a_rss $m_rss")
done

# ---- report ------------------------------------------------------------------------------------
echo "Whole-process wall time, CPU time (user + sys) and peak RSS (ru_maxrss), medians of $runs interleaved"
echo "rounds after 1 warm-up round (bench/lib/measure.py: no shell, output directory removed before each run)."
echo "Ratio = modelina / asyncgen wall time. Compiles: \`cargo build\` of the output (asyncgen: \`#[path = \".../mod.rs\"] mod api;\`"
echo "in a crate with serde + serde_json; modelina: the crate it writes); errors as counted by rustc."
echo
echo "| document | asyncgen ms | modelina ms | ratio | asyncgen CPU ms | modelina CPU ms | asyncgen peak RSS MiB | modelina peak RSS MiB | asyncgen compiles | modelina compiles |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---|---|"
printf '%s\n' "${rows[@]}"
echo
# Totals: ratios over the documents both tools handled, and how many outputs compile.
printf '%s\n' "${summary[@]}" | awk '
    $1 ~ /^[0-9.]+$/ && $2 ~ /^[0-9.]+$/ && $1 > 0 { r = $2 / $1; n++; lg += log(r); if (!min || r < min) min = r; if (r > max) max = r }
    $3 == "yes" { ac++ } $4 == "yes" { mc++ } { docs++ }
    $5 ~ /^[0-9.]+$/ { if ($5 > amax) amax = $5 } $6 ~ /^[0-9.]+$/ { if ($6 > mmax) mmax = $6 }
    END {
        if (n) printf "Speed-up (modelina / asyncgen) over %d documents: geometric mean %.0f×, min %.0f×, max %.0f× (goal ≥ 100×: %s).\n", n, exp(lg / n), min, max, (min >= 100 ? "met for every document" : "MISSED for some document")
        printf "Outputs that compile: asyncgen %d of %d, modelina %d of %d.\n", ac, docs, mc, docs
        printf "Largest peak RSS (median per document): asyncgen %.1f MiB, modelina %.1f MiB.\n", amax, mmax
    }'
echo
echo "@asyncapi/modelina $modelina_version (@asyncapi/parser $parser_version), node $(node --version); asyncgen release build."
