#!/usr/bin/env python3
"""Whole-process wall time and peak RSS of several commands, in interleaved rounds.

    python3 bench/lib/measure.py SPEC.json OUT.json

SPEC.json:
    {"runs": 10, "warmup": 1, "timeout": 300,
     "commands": [{"name": "asyncgen", "argv": ["/path/asyncgen", "generate", ...],
                   "clean": "/dir/removed/before/each/run"}, ...]}

Each command is started directly (posix_spawnp, no shell), with stdin, stdout and stderr on
/dev/null, and reaped with wait4: the wall time is from just before the spawn to the reaping
(time.perf_counter), the CPU time is user + system time of the process and its reaped
descendants (less sensitive than wall time to other load on a shared machine, but blind to
parallelism), and the peak RSS is the kernel's ru_maxrss of that process (KiB on Linux, the
largest of the process and its reaped descendants). `clean` is removed before every run,
outside the timer. Rounds: `warmup` rounds first (not recorded), then `runs` rounds; within a
round every command runs once, in the listed order in odd rounds and in reverse order in even
rounds, so that slow drifts of a shared machine fall on every command alike. A run that exits
non-zero or outlives `timeout` seconds (it is then killed) fails the whole measurement: exit 1
with the reason on stderr.

OUT.json: {"commands": [{"name", "wall_s": [...], "cpu_s": [...], "maxrss_kib": [...],
"median_s", "min_s", "max_s", "median_cpu_s", "median_maxrss_kib"}]}
"""

import json
import os
import shutil
import signal
import statistics
import sys
import threading
import time


def run_once(cmd, limit):
    clean = cmd.get("clean")
    if clean:
        shutil.rmtree(clean, ignore_errors=True)
    argv = cmd["argv"]
    actions = [
        (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
        (os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0),
        (os.POSIX_SPAWN_OPEN, 2, os.devnull, os.O_WRONLY, 0),
    ]
    start = time.perf_counter()
    pid = os.posix_spawnp(argv[0], argv, os.environ, file_actions=actions)
    timer = threading.Timer(limit, lambda: os.kill(pid, signal.SIGKILL))
    timer.start()
    try:
        _, status, usage = os.wait4(pid, 0)
    finally:
        timer.cancel()
    wall = time.perf_counter() - start
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        why = f"killed after {limit} s" if sig == signal.SIGKILL else f"signal {sig}"
        raise RuntimeError(f"{cmd['name']}: {why}: {' '.join(argv)}")
    code = os.WEXITSTATUS(status)
    if code != 0:
        raise RuntimeError(f"{cmd['name']}: exit {code}: {' '.join(argv)}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss


def main(spec_path, out_path):
    with open(spec_path) as f:
        spec = json.load(f)
    cmds = spec["commands"]
    runs, warmup, limit = int(spec["runs"]), int(spec.get("warmup", 1)), float(spec.get("timeout", 300))
    results = {c["name"]: {"wall_s": [], "cpu_s": [], "maxrss_kib": []} for c in cmds}
    for r in range(warmup + runs):
        order = cmds if r % 2 == 0 else list(reversed(cmds))
        for c in order:
            wall, cpu, rss = run_once(c, limit)
            if r >= warmup:
                results[c["name"]]["wall_s"].append(wall)
                results[c["name"]]["cpu_s"].append(cpu)
                results[c["name"]]["maxrss_kib"].append(rss)
    out = []
    for c in cmds:
        res = results[c["name"]]
        out.append({
            "name": c["name"],
            **res,
            "median_s": statistics.median(res["wall_s"]),
            "min_s": min(res["wall_s"]),
            "max_s": max(res["wall_s"]),
            "median_cpu_s": statistics.median(res["cpu_s"]),
            "median_maxrss_kib": statistics.median(res["maxrss_kib"]),
        })
    with open(out_path, "w") as f:
        json.dump({"commands": out}, f, indent=1)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    try:
        main(sys.argv[1], sys.argv[2])
    except (RuntimeError, OSError) as e:
        print(f"measure.py: {e}", file=sys.stderr)
        sys.exit(1)
