#!/usr/bin/env python3
"""Times commands for scripts/bench/run: wall with time.perf_counter, CPU and peak RSS with
resource.getrusage(RUSAGE_CHILDREN).

  measure.py run NAME RUNS OUT.jsonl OUTPUT_FILE -- CMD...   one warm-up, then RUNS timed runs
  measure.py table FILES BYTES OUT.jsonl BASE                 prints the table, ratios to BASE

Each timed run happens in a fresh python process (`measure.py once`), so that the peak RSS of
RUSAGE_CHILDREN is that run's alone: the largest resident set of any process of the command
that was waited for (for semgrep: the larger of its python CLI and semgrep-core).
"""
import json
import os
import resource
import statistics
import subprocess
import sys
import time


def once(output, cmd):
    with open(output, "wb") as out:
        start = time.perf_counter()
        rc = subprocess.call(cmd, stdout=out, stderr=subprocess.DEVNULL)
        wall = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    json.dump({"wall": wall, "user": usage.ru_utime, "sys": usage.ru_stime,
               "maxrss_kb": usage.ru_maxrss, "rc": rc}, sys.stdout)


def run(name, runs, results, output, cmd):
    samples = []
    for i in range(runs + 1):
        child = subprocess.run([sys.executable, __file__, "once", output, "--", *cmd],
                               check=True, capture_output=True, text=True)
        sample = json.loads(child.stdout)
        if sample["rc"] not in (0, 1):
            sys.exit(f"{name}: `{' '.join(cmd)}` exited {sample['rc']}; see {output}")
        if i > 0:  # the first run warms the page cache
            samples.append(sample)
    record = {
        "name": name,
        "cmd": cmd,
        "runs": runs,
        "wall": statistics.median(s["wall"] for s in samples),
        "wall_min": min(s["wall"] for s in samples),
        "cpu": statistics.median(s["user"] + s["sys"] for s in samples),
        "maxrss_mb": max(s["maxrss_kb"] for s in samples) / 1024,
    }
    with open(results, "a") as f:
        f.write(json.dumps(record) + "\n")
    print(f"  {name:<22} median {record['wall']:.3f} s  (min {record['wall_min']:.3f} s, "
          f"cpu {record['cpu']:.2f} s, peak RSS {record['maxrss_mb']:.1f} MB)", flush=True)


def table(files, size, results, base):
    records = [json.loads(line) for line in open(results)]
    base_wall = next(r["wall"] for r in records if r["name"] == base)
    mb = size / 1e6
    print(f"| tool | wall (median) | CPU | files/s | MB/s | peak RSS | wall ÷ {base} |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for r in records:
        print(f"| {r['name']} | {r['wall']:.3f} s | {r['cpu']:.2f} s | "
              f"{files / r['wall']:,.0f} | {mb / r['wall']:.1f} | {r['maxrss_mb']:.0f} MB | "
              f"{r['wall'] / base_wall:.2f}× |")


def main():
    args = sys.argv[1:]
    if args[0] == "once":
        once(args[1], args[args.index("--") + 1:])
    elif args[0] == "run":
        run(args[1], int(args[2]), args[3], args[4], args[args.index("--") + 1:])
    elif args[0] == "table":
        table(int(args[1]), int(args[2]), args[3], args[4])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
