# Shared by the bench/*.sh scripts (sourced, not run): messages, medians and the machine note.
#
#   . "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
#
# machine_note prints, on stdout, the lines every report starts with: CPUs, CPU model, memory,
# kernel, the load average when the script started (the figures are only comparable on an
# otherwise idle machine), the checkout (commit, and whether it has uncommitted changes) and rustc.

say() { printf '%s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

# Median of the whitespace-separated numbers on stdin.
median() { tr ' ' '\n' | grep . | sort -g | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }

# machine_note ROOT: the machine and the checkout, one line each.
machine_note() {
    local root="$1" cpu mem rev dirty virt=""
    cpu="$(grep -m1 '^model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2- | sed 's/^ *//' || true)"
    mem="$(awk '/^MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo 2>/dev/null || true)"
    if command -v systemd-detect-virt >/dev/null 2>&1; then
        virt="$(systemd-detect-virt 2>/dev/null || true)"
        [ "$virt" = none ] && virt=""
    fi
    rev="$(cd "$root" && git rev-parse --short HEAD 2>/dev/null || echo '?')"
    dirty="$(cd "$root" && git --no-optional-locks status --porcelain 2>/dev/null | grep -q . && echo ' (+ uncommitted changes)' || true)"
    echo "Machine: $(nproc) CPUs, ${cpu:-unknown CPU}, ${mem:-unknown} memory${virt:+, virtualised ($virt)}; Linux $(uname -r)."
    echo "Load average at start: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?') (1, 5, 15 min); started $(date -u '+%Y-%m-%d %H:%M UTC')."
    echo "asyncgen $rev$dirty, $(rustc --version 2>/dev/null || echo 'rustc ?')."
}

# need_apt TOOL [PACKAGE]: installs PACKAGE (default TOOL) with apt-get when TOOL is missing.
need_apt() {
    local tool="$1" pkg="${2:-$1}" sudo=""
    command -v "$tool" >/dev/null && return 0
    say "installing $pkg (apt-get)"
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get install -y "$pkg" >/dev/null 2>&1 \
        || { $sudo apt-get update >/dev/null && $sudo apt-get install -y "$pkg" >/dev/null; } \
        || die "could not install $pkg; install it and re-run"
}
