#!/usr/bin/python3
"""lup benchmarks. How long `lup patch` (and `lup revert`) keeps a process frozen in place
(the default transport) and through a checkpoint (`--checkpoint`), interleaved on the same
targets, against CRIU's own dump + restore (the baseline): targets with 16 MiB, 256 MiB and
2 GiB of dirty memory and 1 and 8 threads, and a TCP echo server with 0, 20 and 100
established connections (each checked after every freeze). Also the rewrite alone, criu
restore from lup's parent-linked images and lup-mkpatch. Writes
bench/results/results.{json,md} and time-vs-memory.png."""
import json
import os
import shutil
import signal
import socket
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
# The server's established connections (empty: no connection runs), its memory, and how
# many checkpoint runs at more than 20 connections (each ~40 ms per connection frozen).
CONNS = [int(c) for c in os.environ.get("BENCH_CONNS", "0 20 100").split()]
CONN_MIB = int(os.environ.get("BENCH_CONN_MIB", "16"))
CKPT_CONN_RUNS = int(os.environ.get("BENCH_CKPT_CONN_RUNS", "3"))
# Images in memory by default: a 2 GiB dump to disk takes 0.9 to 5 s here depending on
# the writeback of earlier runs, which drowns what lup adds. BENCH_IMAGES_DIR=/var/tmp
# measures on disk.
IMAGES_DIR = os.environ.get("BENCH_IMAGES_DIR", "/dev/shm" if os.path.isdir("/dev/shm") else "/var/tmp")
OUT = os.environ.get("BENCH_OUT", os.path.join(TOP, "bench", "results"))
TARGET = os.path.join(BUILD, "bench", "target")
PATCH = os.path.join(BUILD, "bench", "fix.lup")
SERVER = os.path.join(BUILD, "bench", "server")
SERVER_PATCH = os.path.join(BUILD, "bench", "server-fix.lup")
BASELINE = os.path.join(BUILD, "bench", "baseline")
LUP = os.path.join(BUILD, "lup")
PLUGIN_DIR = os.path.join(BUILD, "plugin")
DEMO = os.path.join(BUILD, "patches", "demo", "greetd")
DEMO_FIX = os.path.join(TOP, "patches", "demo", "greetd-fix.c")

# Step times of each transport, as `lup patch --json` names them.
CKPT_STEPS = ("dump_ms", "reap_ms", "rewrite_ms", "restore_ms", "frozen_ms")
INPLACE_STEPS = ("stop_ms", "check_ms", "write_ms", "resume_ms", "frozen_ms")
LIVE = []   # targets alive, killed at the end whatever happens


def ms(t0, t1):
    return (t1 - t0) * 1000.0


def run(argv, **kw):
    r = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)
    if r.returncode:
        raise RuntimeError("%s: exit status %d\n%s%s" % (" ".join(argv), r.returncode, r.stdout, r.stderr))
    return r


class Target:
    """A benchmark target (bench/target.c, or bench/server.c with conns established
    connections from this script) started in its own session and orphaned at once."""

    def __init__(self, work, mib, threads, server=False, conns=0):
        self.mib, self.threads, self.conns, self.server = mib, threads, conns, server
        self.patch = SERVER_PATCH if server else PATCH
        self.socks, self.round = [], 0
        self.log = os.path.join(work, "target.out")
        # setsid -f: the target is orphaned at once and reaped by the subreaper that runs
        # the benchmark, not by this script (which is busy waiting for criu or lup).
        subprocess.run(["setsid", "-f", "sh", "-c", 'exec "$0" "$@" </dev/null >"%s" 2>&1' % self.log,
                        SERVER if server else TARGET, str(mib), str(threads)], check=True)
        deadline = time.time() + 120
        words = []
        while time.time() < deadline:
            words = open(self.log).read().split() if os.path.exists(self.log) else []
            if len(words) >= (3 if server else 2) and words[0] == "ready":
                break
            time.sleep(0.01)
        else:
            raise RuntimeError("bench target did not start: %s" % self.log)
        self.pid = int(words[1])
        LIVE.append(self)
        for _ in range(conns):
            s = socket.create_connection(("127.0.0.1", int(words[2])), timeout=10)
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.socks.append(s)
        self.check_conns()

    def check_conns(self):
        """Every connection still works: a message of its own sent and echoed on each."""
        self.round += 1
        for i, s in enumerate(self.socks):
            m = b"%06d:%06d;" % (self.round, i)
            s.sendall(m)
            got = b""
            while len(got) < len(m):
                b = s.recv(len(m) - len(got))
                if not b:
                    raise RuntimeError("connection %d to process %d closed" % (i, self.pid))
                got += b
            if got != m:
                raise RuntimeError("connection %d to process %d: sent %r, got %r" % (i, self.pid, m, got))

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
        for s in self.socks:
            s.close()
        self.socks = []
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.wait_gone()
        if self in LIVE:
            LIVE.remove(self)


def drop_images(path):
    """Removes a run's images and flushes what is still dirty, outside the timed part, so
    that no run pays for the writeback of an earlier one's images."""
    shutil.rmtree(path, ignore_errors=True)
    os.sync()


def baseline_run(work, t):
    """criu dump + restore of the running target; it goes on with the same PID."""
    img = os.path.join(work, "img")
    os.mkdir(img)
    res = run([BASELINE, CRIU, str(t.pid), img])
    drop_images(img)
    if not t.alive():
        raise RuntimeError("baseline restore lost process %d" % t.pid)
    t.check_conns()
    return json.loads(res.stdout)


def lup_run(work, t, op, checkpoint):
    """One lup patch (op "patch") or lup revert --all (op "revert") of the running target,
    in place or through a checkpoint: the step times of the try that did it, and tries."""
    argv = [LUP, op, "--json"] + (["-p", t.patch] if op == "patch" else ["--all"])
    img = os.path.join(work, "lup")
    if checkpoint:
        argv += ["--checkpoint", "--images", img, "--criu", CRIU, "--plugin-dir", PLUGIN_DIR]
    argv.append(str(t.pid))
    if checkpoint and t.server:
        argv += ["--", "--tcp-established"]
    res = run(argv)
    if checkpoint:
        drop_images(img)
    r = json.loads(res.stdout)
    want = {"patch": "patched", "revert": "reverted"}[op]
    transport = "checkpoint" if checkpoint else "in-place"
    if not t.alive() or r.get("state") != want or r.get("transport") != transport:
        raise RuntimeError("lup %s lost process %d or did not finish: %s" % (op, t.pid, res.stdout))
    t.check_conns()
    last = dict(r["attempts"][-1])
    last["tries"] = r["tries"]
    return last


class Cell:
    """The runs of one configuration on one target: patch and revert freezes of each
    transport, and the baseline's dump + restore."""

    def __init__(self, work, t):
        self.work, self.t = work, t
        self.runs = {"in_place": [], "in_place_revert": [], "checkpoint": [], "checkpoint_revert": [],
                     "baseline": []}

    def in_place(self):
        self.runs["in_place"].append(lup_run(self.work, self.t, "patch", False))
        self.runs["in_place_revert"].append(lup_run(self.work, self.t, "revert", False))

    def checkpoint(self):
        self.runs["checkpoint"].append(lup_run(self.work, self.t, "patch", True))
        self.runs["checkpoint_revert"].append(lup_run(self.work, self.t, "revert", True))

    def baseline(self):
        self.runs["baseline"].append(baseline_run(self.work, self.t))

    def rounds(self, steps, ckpt_rounds=None):
        """RUNS rounds of steps, each first in turn, so that a change of load hits all
        alike; the checkpoint only in the rounds of ckpt_rounds when given."""
        for i in range(RUNS):
            todo = [s for s in steps if s != self.checkpoint or ckpt_rounds is None or i in ckpt_rounds]
            k = i % len(todo)
            for step in todo[k:] + todo[:k]:
                step()

    def stats(self):
        out = {}
        for name, rs in self.runs.items():
            if not rs:
                continue
            keys = (INPLACE_STEPS if name.startswith("in_place") else CKPT_STEPS)
            out[name] = {k: stats([r[k] for r in rs]) for k in keys if rs[0].get(k) is not None}
            if name != "baseline":
                out[name]["retries"] = sum(r["tries"] - 1 for r in rs)
        return out


def timed(argv):
    t0 = time.perf_counter()
    run(argv)
    return ms(t0, time.perf_counter())


def restore_timed(t, img):
    """criu restore of img, timed; the restored target is killed and reaped again."""
    took = timed(["timeout", "120", CRIU, "restore", "-d", "-D", img])
    if not t.alive():
        raise RuntimeError("restore from %s lost the process" % img)
    os.kill(t.pid, signal.SIGKILL)
    t.wait_gone()
    return took


def rewrite_runs(work, t):
    """lup-rewrite alone on one dump of t (which ends it), then criu restore from the
    original images against restore from the rewritten, parent-linked ones (what lup
    patch restores from)."""
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
    t.kill()
    drop_images(work)
    return rw, orig, parent


def mkpatch_runs(work, target, source):
    out = os.path.join(work, "p.lup")
    return [timed([os.path.join(BUILD, "lup-mkpatch"), "-t", target, "-o", out, source]) for _ in range(RUNS)]


def stats(xs):
    return {"median": statistics.median(xs), "min": min(xs), "max": max(xs), "runs": len(xs)}


def fresh(parent):
    return tempfile.mkdtemp(dir=parent)


def ratio(a, b):
    return a / b if b else None


def frozen(c, name):
    return c[name]["frozen_ms"]["median"] if name in c else None


def bench_config(parent, mib, threads):
    """Memory and threads: in place, checkpoint and baseline interleaved on one target,
    then the rewrite alone and the restores on a dump of it."""
    work = fresh(parent)
    t = Target(work, mib, threads)
    cell = Cell(work, t)
    cell.rounds([cell.in_place, cell.checkpoint, cell.baseline])
    rw, orig, linked = rewrite_runs(fresh(parent), t)
    r = {"mib": mib, "threads": threads}
    r.update(cell.stats())
    # "lup": the checkpoint transport's patch, as the tables before the in-place one had it.
    r["lup"] = r["checkpoint"]
    r.update({"rewrite_alone": stats(rw), "restore_original": stats(orig), "restore_parent_linked": stats(linked)})
    r["ratio_frozen"] = ratio(frozen(r, "lup"), frozen(r, "baseline"))
    r["ratio_in_place_over_checkpoint"] = ratio(frozen(r, "in_place"), frozen(r, "checkpoint"))
    return r


def ckpt_rounds(conns):
    """The rounds with a checkpoint run: all up to 20 connections, else CKPT_CONN_RUNS
    of them spread over the run."""
    if conns <= 20 or CKPT_CONN_RUNS >= RUNS:
        return None
    n = max(CKPT_CONN_RUNS, 0)
    return {i * RUNS // n for i in range(n)} if n else set()


def conn_config(parent, conns, threads):
    """The echo server with conns established connections: in place and checkpoint
    (with --tcp-established) interleaved; every connection checked after each freeze."""
    work = fresh(parent)
    t = Target(work, CONN_MIB, threads, server=True, conns=conns)
    cell = Cell(work, t)
    try:
        cell.rounds([cell.in_place, cell.checkpoint], ckpt_rounds(conns))
    finally:
        t.kill()
        drop_images(work)
    r = {"mib": CONN_MIB, "threads": threads, "conns": conns}
    r.update(cell.stats())
    r["ratio_in_place_over_checkpoint"] = ratio(frozen(r, "in_place"), frozen(r, "checkpoint"))
    return r


def add_ratios(res):
    """Ratios of medians against a baseline of the same run: the largest size over the
    smallest (per thread count and transport), n connections over none."""
    cs, ks = res["configs"], res["conn_configs"]
    res["size_ratios"] = []
    if len(SIZES) > 1:
        lo, hi = min(SIZES), max(SIZES)
        for threads in THREADS:
            a = [c for c in cs if c["threads"] == threads and c["mib"] == lo][0]
            b = [c for c in cs if c["threads"] == threads and c["mib"] == hi][0]
            res["size_ratios"].append({"threads": threads, "from_mib": lo, "to_mib": hi, **{
                n: ratio(frozen(b, n), frozen(a, n)) for n in ("in_place", "in_place_revert", "checkpoint", "baseline")}})
    for k in ks:
        zero = [z for z in ks if z["threads"] == k["threads"] and z["conns"] == 0]
        k["ratio_over_no_conns"] = {n: ratio(frozen(k, n), frozen(zero[0], n)) if zero else None
                                    for n in ("in_place", "in_place_revert", "checkpoint", "checkpoint_revert")}


def machine():
    cpu = [l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")]
    mem = [l.split()[1] for l in open("/proc/meminfo") if l.startswith("MemTotal")][0]
    crv = run([CRIU, "--version"]).stdout.split()[1]
    return {"cpu": cpu[0] if cpu else "?", "cpus": len(cpu), "mem_gib": round(int(mem) / 2**20),
            "kernel": os.uname().release, "criu": crv, "images": IMAGES_DIR}


def fmt(s):
    if s is None:
        return "-"
    return "%.1f (%.1f-%.1f)" % (s["median"], s["min"], s["max"])


def fmt2(s):
    """Small times: two decimals."""
    if s is None:
        return "-"
    return "%.2f (%.2f-%.2f)" % (s["median"], s["min"], s["max"])


def fr(x, digits=3):
    return "-" if x is None else "%.*f" % (digits, x)


def step(c, name, key="frozen_ms"):
    return c.get(name, {}).get(key)


def table(head, rows):
    return ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)] + \
        ["| " + " | ".join(r) + " |" for r in rows]


YES = {True: "met", False: "NOT met"}


def targets(res):
    """The targets, each with whether this run met it (printed, never asserted)."""
    cs, ks = res["configs"], res["conn_configs"]
    lines = []
    for threads in THREADS:
        limit = 2.0 if threads == 1 else 5.0
        cells = [c for c in cs if c["threads"] == threads] + [k for k in ks if k["threads"] == threads]
        if not cells:
            continue
        worst = max(cells, key=lambda c: frozen(c, "in_place"))
        where = "%d MiB" % worst["mib"] + (", %d connections" % worst["conns"] if "conns" in worst else "")
        lines.append("- in-place frozen at most %.0f ms (median) with %d thread%s at every size: largest %.2f ms "
                     "(%s), %s" % (limit, threads, "s" if threads > 1 else "", frozen(worst, "in_place"), where,
                                   YES[frozen(worst, "in_place") <= limit]))
    for s in res["size_ratios"]:
        lines.append("- in-place %d MiB over %d MiB at most 1.2, %d thread%s: %.3f, %s" % (
            s["to_mib"], s["from_mib"], s["threads"], "s" if s["threads"] > 1 else "", s["in_place"],
            YES[s["in_place"] <= 1.2]))
    most = max(CONNS) if CONNS else 0
    for k in ks:
        if k["conns"] == most and most and k["ratio_over_no_conns"]["in_place"] is not None:
            x = k["ratio_over_no_conns"]["in_place"]
            lines.append("- in-place %d connections over none at most 1.2, %d thread%s: %.3f, %s" % (
                most, k["threads"], "s" if k["threads"] > 1 else "", x, YES[x <= 1.2]))
    if cs:
        worst_rw = max(max(c["rewrite_alone"]["max"], c["lup"]["rewrite_ms"]["max"]) for c in cs)
        worst_ratio = max(c["ratio_frozen"] for c in cs)
        worst_reap = max(c["lup"]["reap_ms"]["max"] for c in cs)
        lines += ["- checkpoint: rewrite below 10 ms at every size: slowest %.1f ms, %s" % (worst_rw, YES[worst_rw < 10]),
                  "- checkpoint: lup frozen time within 1.05 x the baseline: largest ratio %.3f, %s" % (
                      worst_ratio, YES[worst_ratio <= 1.05]),
                  "- checkpoint: no wait for the dead process: longest reap wait %.1f ms" % worst_reap]
    return lines


def write_md(res, path):
    cs, ks = res["configs"], res["conn_configs"]
    head = lambda c: ["%d MiB" % c["mib"], str(c["threads"])]
    lines = ["# lup benchmark", "",
             "Machine: %(cpu)s, %(cpus)d CPUs, %(mem_gib)d GiB, kernel %(kernel)s, CRIU %(criu)s; "
             "images in %(images)s" % res["machine"],
             "Runs per figure: %d (fewer where a column says so); figures are median (min-max) in ms; "
             "ratio: of the medians. Patch and revert freezes alternate on one target process per "
             "configuration; the transports' runs (and the baseline's) are interleaved, each first in turn."
             % res["runs"], ""]
    if cs:
        lines += ["## Time frozen: lup in place against lup through a checkpoint", ""]
        lines += table(["memory", "threads", "in place: patch", "in place: revert", "checkpoint: patch",
                        "checkpoint: revert", "in place / checkpoint"],
                       [head(c) + [fmt2(step(c, "in_place")), fmt2(step(c, "in_place_revert")),
                                   fmt(step(c, "checkpoint")), fmt(step(c, "checkpoint_revert")),
                                   fr(c["ratio_in_place_over_checkpoint"], 5)] for c in cs])
        lines += ["", "## In place: the parts of the freeze (patch; revert below)", "",
                  "stop: every thread stopped with libcompel; check: the plan over the stopped threads and "
                  "the stack check; write: the plan committed into the process; resume: every thread let go.", ""]
        lines += table(["memory", "threads", "stop", "check", "write", "resume", "frozen"],
                       [head(c) + [fmt2(step(c, "in_place", k)) for k in INPLACE_STEPS] for c in cs])
        lines += [""]
        lines += table(["memory", "threads", "revert: stop", "check", "write", "resume", "frozen"],
                       [head(c) + [fmt2(step(c, "in_place_revert", k)) for k in INPLACE_STEPS] for c in cs])
    if res["size_ratios"]:
        lines += ["", "## Largest memory over smallest (medians, same run)", ""]
        lines += table(["threads", "sizes", "in place: patch", "in place: revert", "checkpoint: patch", "baseline"],
                       [[str(s["threads"]), "%d / %d MiB" % (s["to_mib"], s["from_mib"]), fr(s["in_place"]),
                         fr(s["in_place_revert"]), fr(s["checkpoint"]), fr(s["baseline"])]
                        for s in res["size_ratios"]])
    if ks:
        lines += ["", "## Established TCP connections (bench/server.c, %d MiB), each checked after every freeze"
                  % CONN_MIB, "",
                  "The checkpoint runs with `-- --tcp-established`; above 20 connections only %d of them "
                  "(each freeze holds ~40 ms per connection). Ratio: over the same thread count with no "
                  "connection." % min(CKPT_CONN_RUNS, RUNS), ""]
        lines += table(["connections", "threads", "in place: patch", "ratio", "in place: revert",
                        "checkpoint: patch", "ratio", "checkpoint runs", "in place / checkpoint"],
                       [[str(k["conns"]), str(k["threads"]), fmt2(step(k, "in_place")),
                         fr(k["ratio_over_no_conns"]["in_place"]), fmt2(step(k, "in_place_revert")),
                         fmt(step(k, "checkpoint")), fr(k["ratio_over_no_conns"]["checkpoint"]),
                         str(step(k, "checkpoint")["runs"]) if step(k, "checkpoint") else "0",
                         fr(k["ratio_in_place_over_checkpoint"], 5)] for k in ks])
        lines += [""]
        lines += table(["connections", "threads", "in place: stop", "check", "write", "resume",
                        "checkpoint: dump", "restore"],
                       [[str(k["conns"]), str(k["threads"])] + [fmt2(step(k, "in_place", s)) for s in INPLACE_STEPS[:4]] +
                        [fmt(step(k, "checkpoint", s)) for s in ("dump_ms", "restore_ms")] for k in ks])
    if cs:
        lines += ["", "## Time frozen: plain criu dump + restore against lup patch --checkpoint", ""]
        lines += table(["memory", "threads", "baseline frozen", "lup frozen", "ratio", "lup-rewrite alone"],
                       [head(c) + [fmt(c["baseline"]["frozen_ms"]), fmt(c["lup"]["frozen_ms"]),
                                   "%.3f" % c["ratio_frozen"], fmt(c["rewrite_alone"])] for c in cs])
        lines += ["", "## Steps of the checkpoint", ""]
        lines += table(["memory", "threads", "baseline dump", "baseline reap", "baseline restore",
                        "lup dump", "lup reap", "lup rewrite", "lup restore"],
                       [head(c) + [fmt(c["baseline"][k]) for k in ("dump_ms", "reap_ms", "restore_ms")] +
                        [fmt(c["lup"][k]) for k in ("dump_ms", "reap_ms", "rewrite_ms", "restore_ms")] for c in cs])
        lines += ["", "## criu restore from the original images and from lup's parent-linked ones", ""]
        lines += table(["memory", "threads", "original", "parent-linked"],
                       [head(c) + [fmt(c["restore_original"]), fmt(c["restore_parent_linked"])] for c in cs])
    retries = sum(c[n]["retries"] for c in cs + ks for n in ("in_place", "in_place_revert", "checkpoint",
                                                               "checkpoint_revert") if n in c)
    lines += ["", "## lup-mkpatch", "",
              "- the benchmark patch (bench/fix.c): %s ms" % fmt(res["mkpatch"]),
              "- the demo patch (patches/demo/greetd-fix.c): %s ms" % fmt(res["mkpatch_demo"]),
              "", "## Targets", ""] + targets(res) + [
              "", "Tries again because a thread was busy (the figures are those of the try that did it): %d." % retries,
              "", "`make bench` took %d s." % res["duration_s"], ""]
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
        ax.plot(x, [r["lup"]["frozen_ms"]["median"] for r in rs], "s--", label="lup patch --checkpoint frozen, %d thr" % threads)
        ax.plot(x, [r["rewrite_alone"]["median"] for r in rs], "^:", label="lup-rewrite alone, %d thr" % threads)
        ax.plot(x, [r["in_place"]["frozen_ms"]["median"] for r in rs], "D-.", label="lup patch in place frozen, %d thr" % threads)
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xlabel("dirty memory (MiB)")
    ax.set_ylabel("time (ms, median)")
    ax.set_title("Time a process is frozen: CRIU baseline vs lup (checkpoint, in place)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100)


def main():
    os.makedirs(OUT, exist_ok=True)
    parent = tempfile.mkdtemp(prefix="lup-bench.", dir=IMAGES_DIR)
    start = time.time()
    try:
        res = {"machine": machine(), "runs": RUNS, "configs": [], "conn_configs": [],
               "mkpatch": stats(mkpatch_runs(fresh(parent), TARGET, os.path.join(TOP, "bench", "fix.c"))),
               "mkpatch_demo": stats(mkpatch_runs(fresh(parent), DEMO, DEMO_FIX))}
        for mib in SIZES:
            for threads in THREADS:
                print("bench: %d MiB, %d threads" % (mib, threads), file=sys.stderr, flush=True)
                res["configs"].append(bench_config(parent, mib, threads))
        for conns in CONNS:
            for threads in THREADS:
                print("bench: server, %d connections, %d threads" % (conns, threads), file=sys.stderr, flush=True)
                res["conn_configs"].append(conn_config(parent, conns, threads))
    finally:
        for t in list(LIVE):
            t.kill()
        shutil.rmtree(parent, ignore_errors=True)
    add_ratios(res)
    res["duration_s"] = round(time.time() - start)
    json.dump(res, open(os.path.join(OUT, "results.json"), "w"), indent=2)
    write_md(res, os.path.join(OUT, "results.md"))
    if res["configs"]:
        plot(res, os.path.join(OUT, "time-vs-memory.png"))
    print(open(os.path.join(OUT, "results.md")).read())
    print("bench: %d s" % res["duration_s"], file=sys.stderr)


if __name__ == "__main__":
    main()
