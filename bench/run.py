#!/usr/bin/python3
"""lup benchmarks: CRIU's own dump + restore (the baseline) against `lup patch`, the
rewrite alone and lup-mkpatch, on targets with 16 MiB, 256 MiB and 2 GiB of dirty memory
and 1 and 8 threads. Writes bench/results/results.{json,md} and time-vs-memory.png."""
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.environ.get("LUP_BUILD", os.path.join(TOP, "build"))
CRIU = os.environ.get("CRIU", "criu")
RUNS = int(os.environ.get("BENCH_RUNS", "10"))
SIZES = [int(s) for s in os.environ.get("BENCH_SIZES_MIB", "16 256 2048").split()]
THREADS = [int(t) for t in os.environ.get("BENCH_THREADS", "1 8").split()]
# Images in memory by default: a 2 GiB dump to disk takes 0.9 to 5 s here depending on
# the writeback of earlier runs, which drowns what lup adds. BENCH_IMAGES_DIR=/var/tmp
# measures on disk.
IMAGES_DIR = os.environ.get("BENCH_IMAGES_DIR", "/dev/shm" if os.path.isdir("/dev/shm") else "/var/tmp")
OUT = os.path.join(TOP, "bench", "results")
TARGET = os.path.join(BUILD, "bench", "target")
PATCH = os.path.join(BUILD, "bench", "fix.lup")
BASELINE = os.path.join(BUILD, "bench", "baseline")
LUP = os.path.join(BUILD, "lup")
PLUGIN_DIR = os.path.join(BUILD, "plugin")
DEMO = os.path.join(BUILD, "patches", "demo", "greetd")
DEMO_FIX = os.path.join(TOP, "patches", "demo", "greetd-fix.c")


def ms(t0, t1):
    return (t1 - t0) * 1000.0


def run(argv, **kw):
    return subprocess.run(argv, check=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)


class Target:
    """A benchmark target started in its own session and orphaned at once."""

    def __init__(self, work, mib, threads):
        self.log = os.path.join(work, "target.out")
        # setsid -f: the target is orphaned at once and reaped by the subreaper that runs
        # the benchmark, not by this script (which is busy waiting for criu or lup).
        subprocess.run(["setsid", "-f", "sh", "-c", 'exec "$0" "$@" </dev/null >"%s" 2>&1' % self.log,
                        TARGET, str(mib), str(threads)], check=True)
        deadline = time.time() + 120
        while time.time() < deadline:
            words = open(self.log).read().split() if os.path.exists(self.log) else []
            if len(words) >= 2 and words[0] == "ready":
                self.pid = int(words[1])
                return
            time.sleep(0.01)
        raise RuntimeError("bench target did not start: %s" % self.log)

    def wait_gone(self):
        while os.path.exists("/proc/%d" % self.pid):
            time.sleep(0.0005)

    def alive(self):
        try:
            with open("/proc/%d/stat" % self.pid) as f:
                return f.read().split(")")[1].split()[0] != "Z"
        except FileNotFoundError:
            return False

    def kill(self):
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.wait_gone()


def drop_images(path):
    """Removes a run's images and flushes what is still dirty, outside the timed part, so
    that no run pays for the writeback of an earlier one's images."""
    shutil.rmtree(path, ignore_errors=True)
    os.sync()


def baseline_run(work, mib, threads):
    t = Target(work, mib, threads)
    img = os.path.join(work, "img")
    os.mkdir(img)
    res = run([BASELINE, CRIU, str(t.pid), img])
    ok = t.alive()
    t.kill()
    drop_images(img)
    if not ok:
        raise RuntimeError("baseline restore lost the process")
    return json.loads(res.stdout)


def lup_run(work, mib, threads):
    t = Target(work, mib, threads)
    res = run([LUP, "patch", "--json", "--images", os.path.join(work, "lup"), "--criu", CRIU,
               "--plugin-dir", PLUGIN_DIR, "-p", PATCH, str(t.pid)])
    ok = t.alive()
    t.kill()
    drop_images(os.path.join(work, "lup"))
    r = json.loads(res.stdout)
    if not ok or r.get("state") != "patched" or r.get("tries") != 1:
        raise RuntimeError("lup patch lost the process or needed more than one try: %s" % res.stdout)
    return r


def timed(argv):
    t0 = time.perf_counter()
    run(argv)
    return ms(t0, time.perf_counter())


def restore_timed(t, img):
    """criu restore of img, timed; the restored target is killed and reaped again."""
    took = timed(["timeout", "120", CRIU, "restore", "-d", "-D", img])
    if not t.alive():
        raise RuntimeError("restore from %s lost the process" % img)
    t.kill()
    return took


def rewrite_runs(work, mib, threads):
    """lup-rewrite alone on one dump, then criu restore from the original images against
    restore from the rewritten, parent-linked ones (what lup patch restores from)."""
    t = Target(work, mib, threads)
    img = os.path.join(work, "img")
    os.mkdir(img)
    run([CRIU, "dump", "-t", str(t.pid), "-D", img])
    t.wait_gone()
    rw, outs = [], []
    for i in range(RUNS):
        outs.append(os.path.join(work, "out%d" % i))
        rw.append(timed([os.path.join(BUILD, "lup-rewrite"), "-p", PATCH, "-D", img, "-o", outs[-1]]))
    os.sync()
    orig, parent = [], []
    for out in outs:
        orig.append(restore_timed(t, img))
        parent.append(restore_timed(t, out))
    drop_images(work)
    return rw, orig, parent


def mkpatch_runs(work, target, source):
    out = os.path.join(work, "p.lup")
    return [timed([os.path.join(BUILD, "lup-mkpatch"), "-t", target, "-o", out, source]) for _ in range(RUNS)]


def stats(xs):
    return {"median": statistics.median(xs), "min": min(xs), "max": max(xs), "runs": len(xs)}


def fresh(parent):
    return tempfile.mkdtemp(dir=parent)


STEPS = ("dump_ms", "reap_ms", "rewrite_ms", "restore_ms", "frozen_ms")


def bench_config(parent, mib, threads):
    base, lup = [], []
    # Interleaved, and each first in turn, so that a change of load hits both alike.
    for i in range(RUNS):
        pair = [lambda: base.append(baseline_run(fresh(parent), mib, threads)),
                lambda: lup.append(lup_run(fresh(parent), mib, threads))]
        for step in pair[::1 if i % 2 == 0 else -1]:
            step()
    rw, orig, linked = rewrite_runs(fresh(parent), mib, threads)
    r = {"mib": mib, "threads": threads,
         "baseline": {k: stats([b[k] for b in base]) for k in STEPS if k in base[0]},
         "lup": {k: stats([l[k] for l in lup]) for k in STEPS},
         "rewrite_alone": stats(rw),
         "restore_original": stats(orig), "restore_parent_linked": stats(linked)}
    r["ratio_frozen"] = r["lup"]["frozen_ms"]["median"] / r["baseline"]["frozen_ms"]["median"]
    return r


def machine():
    cpu = [l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")]
    mem = [l.split()[1] for l in open("/proc/meminfo") if l.startswith("MemTotal")][0]
    crv = run([CRIU, "--version"]).stdout.split()[1]
    return {"cpu": cpu[0] if cpu else "?", "cpus": len(cpu), "mem_gib": round(int(mem) / 2**20),
            "kernel": os.uname().release, "criu": crv, "images": IMAGES_DIR}


def fmt(s):
    return "%.1f (%.1f-%.1f)" % (s["median"], s["min"], s["max"])


def table(head, rows):
    return ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)] + \
        ["| " + " | ".join(r) + " |" for r in rows]


def targets(res):
    """The issue's targets, each with whether this run met it."""
    cs = res["configs"]
    worst_rw = max(max(c["rewrite_alone"]["max"], c["lup"]["rewrite_ms"]["max"]) for c in cs)
    worst_ratio = max(c["ratio_frozen"] for c in cs)
    worst_reap = max(c["lup"]["reap_ms"]["max"] for c in cs)
    yes = {True: "met", False: "NOT met"}
    return ["- rewrite below 10 ms at every size: slowest %.1f ms, %s" % (worst_rw, yes[worst_rw < 10]),
            "- lup frozen time within 1.05 x the baseline: largest ratio %.3f, %s" % (worst_ratio, yes[worst_ratio <= 1.05]),
            "- no wait for the dead process: longest reap wait %.1f ms" % worst_reap]


def write_md(res, path):
    cs = res["configs"]
    head = lambda c: ["%d MiB" % c["mib"], str(c["threads"])]
    lines = ["# lup benchmark", "",
             "Machine: %(cpu)s, %(cpus)d CPUs, %(mem_gib)d GiB, kernel %(kernel)s, CRIU %(criu)s; "
             "images in %(images)s" % res["machine"],
             "Runs per figure: %d; figures are median (min-max) in ms; ratio: of the medians." % res["runs"], "",
             "## Time frozen: plain criu dump + restore against lup patch", ""]
    lines += table(["memory", "threads", "baseline frozen", "lup frozen", "ratio", "lup-rewrite alone"],
                   [head(c) + [fmt(c["baseline"]["frozen_ms"]), fmt(c["lup"]["frozen_ms"]),
                               "%.3f" % c["ratio_frozen"], fmt(c["rewrite_alone"])] for c in cs])
    lines += ["", "## Steps", ""]
    lines += table(["memory", "threads", "baseline dump", "baseline reap", "baseline restore",
                    "lup dump", "lup reap", "lup rewrite", "lup restore"],
                   [head(c) + [fmt(c["baseline"][k]) for k in ("dump_ms", "reap_ms", "restore_ms")] +
                    [fmt(c["lup"][k]) for k in ("dump_ms", "reap_ms", "rewrite_ms", "restore_ms")] for c in cs])
    lines += ["", "## criu restore from the original images and from lup's parent-linked ones", ""]
    lines += table(["memory", "threads", "original", "parent-linked"],
                   [head(c) + [fmt(c["restore_original"]), fmt(c["restore_parent_linked"])] for c in cs])
    lines += ["", "## lup-mkpatch", "",
              "- the benchmark patch (bench/fix.c): %s ms" % fmt(res["mkpatch"]),
              "- the demo patch (patches/demo/greetd-fix.c): %s ms" % fmt(res["mkpatch_demo"]),
              "", "## Targets", ""] + targets(res) + [""]
    open(path, "w").write("\n".join(lines))


def plot(res, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(8, 5))
    for threads in THREADS:
        rs = [r for r in res["configs"] if r["threads"] == threads]
        x = [r["mib"] for r in rs]
        ax.plot(x, [r["baseline"]["frozen_ms"]["median"] for r in rs], "o-", label="criu dump+restore, %d thr" % threads)
        ax.plot(x, [r["lup"]["frozen_ms"]["median"] for r in rs], "s--", label="lup patch frozen, %d thr" % threads)
        ax.plot(x, [r["rewrite_alone"]["median"] for r in rs], "^:", label="lup-rewrite alone, %d thr" % threads)
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xlabel("dirty memory (MiB)")
    ax.set_ylabel("time (ms, median)")
    ax.set_title("Time a process is frozen: CRIU baseline vs lup")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100)


def main():
    os.makedirs(OUT, exist_ok=True)
    parent = tempfile.mkdtemp(prefix="lup-bench.", dir=IMAGES_DIR)
    start = time.time()
    try:
        res = {"machine": machine(), "runs": RUNS, "configs": [],
               "mkpatch": stats(mkpatch_runs(fresh(parent), TARGET, os.path.join(TOP, "bench", "fix.c"))),
               "mkpatch_demo": stats(mkpatch_runs(fresh(parent), DEMO, DEMO_FIX))}
        for mib in SIZES:
            for threads in THREADS:
                print("bench: %d MiB, %d threads" % (mib, threads), file=sys.stderr, flush=True)
                res["configs"].append(bench_config(parent, mib, threads))
    finally:
        shutil.rmtree(parent, ignore_errors=True)
    res["duration_s"] = round(time.time() - start)
    json.dump(res, open(os.path.join(OUT, "results.json"), "w"), indent=2)
    write_md(res, os.path.join(OUT, "results.md"))
    plot(res, os.path.join(OUT, "time-vs-memory.png"))
    print(open(os.path.join(OUT, "results.md")).read())
    print("bench: %d s" % res["duration_s"], file=sys.stderr)


if __name__ == "__main__":
    main()
