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
RUNS = int(os.environ.get("BENCH_RUNS", "5"))
SIZES = [int(s) for s in os.environ.get("BENCH_SIZES_MIB", "16 256 2048").split()]
THREADS = [int(t) for t in os.environ.get("BENCH_THREADS", "1 8").split()]
OUT = os.path.join(TOP, "bench", "results")
TARGET = os.path.join(BUILD, "bench", "target")
PATCH = os.path.join(BUILD, "bench", "fix.lup")


def ms(t0, t1):
    return (t1 - t0) * 1000.0


def run(argv, **kw):
    return subprocess.run(argv, check=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)


class Target:
    """A benchmark target started in its own session, so that init reaps it after a dump."""

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


def baseline_run(work, mib, threads):
    t = Target(work, mib, threads)
    img = os.path.join(work, "img")
    os.mkdir(img)
    t0 = time.perf_counter()
    run([CRIU, "dump", "-t", str(t.pid), "-D", img])
    t1 = time.perf_counter()
    t.wait_gone()
    t2 = time.perf_counter()
    run(["timeout", "120", CRIU, "restore", "-d", "-D", img])
    t3 = time.perf_counter()
    ok = t.alive()
    t.kill()
    if not ok:
        raise RuntimeError("baseline restore lost the process")
    return {"dump": ms(t0, t1), "reap": ms(t1, t2), "restore": ms(t2, t3), "frozen": ms(t0, t3)}


def lup_run(work, mib, threads):
    t = Target(work, mib, threads)
    res = run([os.path.join(BUILD, "lup"), "patch", "--json", "--images", os.path.join(work, "lup"),
               "--criu", CRIU, "-p", PATCH, str(t.pid)])
    ok = t.alive()
    t.kill()
    if not ok:
        raise RuntimeError("lup patch lost the process")
    return json.loads(res.stdout)


def rewrite_runs(work, mib, threads):
    t = Target(work, mib, threads)
    img = os.path.join(work, "img")
    os.mkdir(img)
    run([CRIU, "dump", "-t", str(t.pid), "-D", img])
    t.wait_gone()
    run(["timeout", "120", CRIU, "restore", "-d", "-D", img])
    t.kill()
    times = []
    for i in range(RUNS):
        out = os.path.join(work, "out%d" % i)
        t0 = time.perf_counter()
        run([os.path.join(BUILD, "lup-rewrite"), "-p", PATCH, "-D", img, "-o", out])
        times.append(ms(t0, time.perf_counter()))
    return times


def mkpatch_runs(work):
    times = []
    for i in range(RUNS):
        out = os.path.join(work, "p%d.lup" % i)
        t0 = time.perf_counter()
        run([os.path.join(BUILD, "lup-mkpatch"), "-t", TARGET, "-o", out, os.path.join(TOP, "bench", "fix.c")])
        times.append(ms(t0, time.perf_counter()))
    return times


def stats(xs):
    return {"median": statistics.median(xs), "min": min(xs), "max": max(xs), "runs": len(xs)}


def fresh(parent):
    return tempfile.mkdtemp(dir=parent)


def bench_config(parent, mib, threads):
    base = [baseline_run(fresh(parent), mib, threads) for _ in range(RUNS)]
    lup = [lup_run(fresh(parent), mib, threads) for _ in range(RUNS)]
    rw = rewrite_runs(fresh(parent), mib, threads)
    r = {"mib": mib, "threads": threads,
         "baseline": {k: stats([b[k] for b in base]) for k in base[0]},
         "lup": {k: stats([l[k] for l in lup]) for k in lup[0] if isinstance(lup[0][k], (int, float))},
         "rewrite_alone": stats(rw)}
    r["ratio_frozen"] = r["lup"]["frozen_ms"]["median"] / r["baseline"]["frozen"]["median"]
    return r


def machine():
    cpu = [l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")]
    mem = [l.split()[1] for l in open("/proc/meminfo") if l.startswith("MemTotal")][0]
    crv = run([CRIU, "--version"]).stdout.split()[1]
    return {"cpu": cpu[0] if cpu else "?", "cpus": len(cpu), "mem_gib": round(int(mem) / 2**20),
            "kernel": os.uname().release, "criu": crv}


def fmt(s):
    return "%.1f (%.1f-%.1f)" % (s["median"], s["min"], s["max"])


def write_md(res, path):
    lines = ["# lup benchmark", "",
             "Machine: %(cpu)s, %(cpus)d CPUs, %(mem_gib)d GiB, kernel %(kernel)s, CRIU %(criu)s" % res["machine"],
             "Runs per figure: %d; figures are median (min-max) in ms." % RUNS, "",
             "| memory | threads | baseline dump | baseline restore | baseline frozen | lup dump | lup rewrite | lup restore | lup frozen | frozen ratio | lup-rewrite alone |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for r in res["configs"]:
        b, l = r["baseline"], r["lup"]
        lines.append("| %d MiB | %d | %s | %s | %s | %s | %s | %s | %s | %.3f | %s |" % (
            r["mib"], r["threads"], fmt(b["dump"]), fmt(b["restore"]), fmt(b["frozen"]),
            fmt(l["dump_ms"]), fmt(l["rewrite_ms"]), fmt(l["restore_ms"]), fmt(l["frozen_ms"]),
            r["ratio_frozen"], fmt(r["rewrite_alone"])))
    lines += ["", "lup-mkpatch of the benchmark patch: %s ms" % fmt(res["mkpatch"]), ""]
    open(path, "w").write("\n".join(lines))


def plot(res, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(8, 5))
    for threads in THREADS:
        rs = [r for r in res["configs"] if r["threads"] == threads]
        x = [r["mib"] for r in rs]
        ax.plot(x, [r["baseline"]["frozen"]["median"] for r in rs], "o-", label="criu dump+restore, %d thr" % threads)
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
    parent = tempfile.mkdtemp(prefix="lup-bench.", dir="/var/tmp")
    try:
        res = {"machine": machine(), "runs": RUNS, "configs": [], "mkpatch": stats(mkpatch_runs(fresh(parent)))}
        for mib in SIZES:
            for threads in THREADS:
                print("bench: %d MiB, %d threads" % (mib, threads), file=sys.stderr, flush=True)
                res["configs"].append(bench_config(parent, mib, threads))
                shutil.rmtree(parent)
                os.mkdir(parent)
    finally:
        shutil.rmtree(parent, ignore_errors=True)
    json.dump(res, open(os.path.join(OUT, "results.json"), "w"), indent=2)
    write_md(res, os.path.join(OUT, "results.md"))
    plot(res, os.path.join(OUT, "time-vs-memory.png"))
    print(open(os.path.join(OUT, "results.md")).read())


if __name__ == "__main__":
    main()
