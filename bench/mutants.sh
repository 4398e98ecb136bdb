#!/usr/bin/env bash
# Mutation testing of the code whose tests must be able to fail: cargo-mutants plants one bug at
# a time (a function returning a default, an operator or comparison swapped, a `!` deleted, a
# match arm dropped) in the files below and runs the crate's own tests; a mutant no test notices
# ("missed") is behaviour nothing pins. The bar is zero missed. A mutant that cannot change
# behaviour is excluded in .cargo/mutants.toml, each with its reason (ARCHITECTURE.md, "Mutation
# testing").
#
#   bench/mutants.sh                                        # the four groups below, in order
#   bench/mutants.sh --group verify                         # one group: verify, queue, ir, signature
#   bench/mutants.sh --file crates/asyncgen-runtime/src/jwt.rs   # one file, with its group's tests
#   bench/mutants.sh --iterate                              # again, skipping what the last run caught
#   bench/mutants.sh --no-exclusions                        # .cargo/mutants.toml not read
#   bench/mutants.sh --excluded                             # list what the exclusions remove; no run
#   bench/mutants.sh --out DIR                              # results under DIR (default target/mutants)
#
# Groups, each mutated against its own crate's tests only:
#   verify     asyncgen-runtime verification and signing: signature.rs, jwt.rs, body_token.rs,
#              scheme.rs, secret.rs, key.rs, handshake.rs, receiver/verify.rs, receiver/form.rs,
#              sender/sign.rs; tests --lib, --test verification, --test forgeries, --test sender
#   queue      asyncgen-runtime queue acknowledgement and retry: receiver/ingress.rs,
#              receiver/worker.rs, receiver/retry.rs, queue/** (mod.rs, redb_queue/, postgres.rs);
#              tests --lib, --test queue (without the 10,000-request load test, which pins
#              throughput, not a verdict the other queue tests leave open), --test store,
#              --test conformance (both backends; it starts a PostgreSQL server), --test crash,
#              --test ingress, --test serve (the body deadline's 408 in ingress.rs)
#   ir         asyncgen-ir src/webhook.rs (security requirements lowered to endpoints); tests
#              --lib --tests of asyncgen-ir
#   signature  the whole asyncgen-signature crate; tests --lib --tests of asyncgen-signature
#
# Speed (measured, BENCHMARKS.md "Mutation testing"): the test targets are given to the build as
# well as the run, so a mutant rebuilds only the targets that run; asyncgen-runtime is built with
# `receiver,sender` only (its websocket modules are not under test); builds are incremental and
# without debug info (a mutant rebuilds in 3-5 s); every group shares one CARGO_TARGET_DIR
# (OUT/cargo-target), so the dependencies build once, not once per group; one job at a time
# (`--jobs 2` took the ir group 158 s against 101 s, and its two scratch copies, sharing the
# target directory, ran each other's builds: a mutant that cannot compile was reported caught;
# for the same reason, never run two of these scripts on one OUT at once); and a mutant's tests
# time out at 3 times the unmutated run's, at least 10 s (with cargo-mutants' default, 5 times
# and at least 20 s, 31 hanging mutants took 10 of the queue group's 25 minutes).
# The whole run took 50 min on 2 cores that other builds were sharing (load average 7-14), with
# the dependencies already built; the first run into a new OUT builds them first, about 10 min
# more.
#
# Prints, per group: mutants, caught, missed, unviable, timeouts and minutes; the lists
# (caught.txt, missed.txt, timeout.txt, unviable.txt), the diffs and the logs are in
# OUT/<group>/mutants.out. Exit status: 1 if any mutant was missed or a group could not run
# (its baseline failed), else 0.
#
# Needs cargo-mutants (`cargo install cargo-mutants --locked`; written against 27.1.0).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
. "$here/lib/common.sh"

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit "${1:-0}"; }

groups=(verify queue ir signature)
selected=()
file=""
out="$root/target/mutants"
iterate=()
config=()
list_excluded=0
while [ $# -gt 0 ]; do
    case "$1" in
        --group) selected+=("${2:?--group needs a name}"); shift 2 ;;
        --file) file="${2:?--file needs a path}"; shift 2 ;;
        --out) out="${2:?--out needs a directory}"; shift 2 ;;
        --iterate) iterate=(--iterate); shift ;;
        --no-exclusions) config=(--no-config); shift ;;
        --excluded) list_excluded=1; shift ;;
        -h | --help) usage 0 ;;
        *) say "unknown option '$1'"; usage 1 ;;
    esac
done
command -v cargo-mutants >/dev/null || die "cargo-mutants is not installed: cargo install cargo-mutants --locked"
mkdir -p "$out"
out="$(cd "$out" && pwd)"

rt=crates/asyncgen-runtime/src
# group_files GROUP: the files a group mutates (cargo-mutants globs, relative to the root).
group_files() {
    case "$1" in
        verify) printf '%s\n' "$rt/signature.rs" "$rt/jwt.rs" "$rt/body_token.rs" "$rt/scheme.rs" \
            "$rt/secret.rs" "$rt/key.rs" "$rt/handshake.rs" "$rt/receiver/verify.rs" \
            "$rt/receiver/form.rs" "$rt/sender/sign.rs" ;;
        queue) printf '%s\n' "$rt/receiver/ingress.rs" "$rt/receiver/worker.rs" \
            "$rt/receiver/retry.rs" "$rt/queue/mod.rs" "$rt/queue/redb_queue/*.rs" \
            "$rt/queue/postgres.rs" ;;
        ir) echo crates/asyncgen-ir/src/webhook.rs ;;
        signature) echo 'crates/asyncgen-signature/src/*.rs' ;;
        *) die "unknown group '$1' (known: ${groups[*]})" ;;
    esac
}

# group_args GROUP: the package, features and test targets (one argument a line). Targets go
# through --cargo-arg, so that the build before each test run builds only them.
group_args() {
    case "$1" in
        verify) printf '%s\n' -p asyncgen-runtime --no-default-features --features receiver,sender \
            -C --lib -C --test=verification -C --test=forgeries -C --test=sender ;;
        queue) printf '%s\n' -p asyncgen-runtime --no-default-features --features receiver,sender,queue-postgres \
            -C --lib -C --test=queue -C --test=store -C --test=conformance -C --test=crash -C --test=ingress \
            -C --test=serve \
            -- -- --skip load_10k_requests_50_connections ;;
        ir) printf '%s\n' -p asyncgen-ir -C --lib -C --tests ;;
        signature) printf '%s\n' -p asyncgen-signature -C --lib -C --tests ;;
    esac
}

if [ -n "$file" ]; then
    file="${file#./}"
    [ -f "$root/$file" ] || die "no such file: $file"
    for g in "${groups[@]}"; do
        while read -r pattern; do
            # shellcheck disable=SC2053 # the pattern is a glob on purpose
            if [[ "$file" == $pattern ]]; then selected=("$g"); break 2; fi
        done < <(group_files "$g")
    done
    [ ${#selected[@]} -gt 0 ] || die "$file is in no group (bench/mutants.sh --help lists them)"
fi
[ ${#selected[@]} -gt 0 ] || selected=("${groups[@]}")
for g in "${selected[@]}"; do group_files "$g" >/dev/null; done

cd "$root"
# Shared by every group, outside the scratch copies (which cargo-mutants makes without target/).
export CARGO_TARGET_DIR="$out/cargo-target"
export CARGO_PROFILE_DEV_DEBUG=0
unset CARGO_INCREMENTAL

# mutant_args GROUP: the cargo-mutants arguments of a group, one a line.
mutant_args() {
    if [ -n "$file" ]; then
        printf '%s\n' -f "$file"
    else
        group_files "$1" | while read -r f; do printf '%s\n' -f "$f"; done
    fi
    group_args "$1"
}

if [ "$list_excluded" = 1 ]; then
    for g in "${selected[@]}"; do
        mapfile -t args < <(mutant_args "$g")
        echo "== $g: mutants .cargo/mutants.toml excludes"
        comm -13 \
            <(cargo mutants --list "${args[@]}" | sort) \
            <(cargo mutants --list --no-config "${args[@]}" | sort)
    done
    exit 0
fi

machine_note "$root"
echo
summary=("| group | mutants | caught | missed | unviable | timeouts | minutes |" "|---|---:|---:|---:|---:|---:|---:|")
failed=0
count() { if [ -s "$1" ]; then grep -c . "$1"; else echo 0; fi; }
for g in "${selected[@]}"; do
    mapfile -t args < <(mutant_args "$g")
    say "== $g: cargo mutants ${args[*]}"
    start=$(date +%s)
    status=0
    cargo mutants --no-shuffle --minimum-test-timeout=10 --timeout-multiplier=3 -o "$out/$g" \
        "${config[@]}" "${iterate[@]}" "${args[@]}" || status=$?
    minutes=$(awk -v s="$(( $(date +%s) - start ))" 'BEGIN {printf "%.1f", s / 60}')
    dir="$out/$g/mutants.out"
    caught=$(count "$dir/caught.txt")
    missed=$(count "$dir/missed.txt")
    unviable=$(count "$dir/unviable.txt")
    timeouts=$(count "$dir/timeout.txt")
    total=$(( caught + missed + unviable + timeouts ))
    summary+=("| $g | $total | $caught | $missed | $unviable | $timeouts | $minutes |")
    # 0: all caught; 2: some missed; 3: some timed out (a hang is a caught bug); else it did not run.
    case "$status" in
        0 | 3) ;;
        2) failed=1 ;;
        *) failed=1; say "$g: cargo mutants exited with $status (see $dir/debug.log)" ;;
    esac
    if [ "$missed" -gt 0 ]; then
        failed=1
        say "$g: missed:"
        sed 's/^/  /' "$dir/missed.txt" >&2
    fi
done
printf '%s\n' "${summary[@]}"
exit "$failed"
