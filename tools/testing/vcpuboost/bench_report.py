#!/usr/bin/env python3
"""Aggregate a benchmark run (tools/testing/vcpuboost/guest/bench.sh and friends).

    bench_report.py OUTDIR [--smoke]

Reads OUTDIR/bench/runs.jsonl (one line per latency run), and if present
OUTDIR/bench/exits.json, engine.json and scale.json, and the same files of
the boot whose clock counts instructions under OUTDIR/icount; writes
OUTDIR/results.json, OUTDIR/results.md and, with gnuplot, the plots
OUTDIR/latency-idle.png, OUTDIR/latency-busy.png and OUTDIR/hog.png.
Medians over the repetitions, with their spread (min, max). The goals are
reported, never asserted: timings under emulation are inflated, and only
ratios within one run mean something. With --smoke, exits non-zero only if
the results are malformed (a run missing or without samples).
"""
import json
import os
import platform
import statistics
import subprocess
import sys

SCENARIOS = ["idle_host", "no_boost", "vcpuboost", "vcpuboost_budget", "static_fifo", "eevdf_slice"]
METRICS = [("lat_p50_us", "p50"), ("lat_p99_us", "p99"), ("lat_p999_us", "p999"),
           ("lat_max_us", "max"), ("hog_ops_per_s", "hog_ops_per_s"),
           ("host_p99_us", "host_p99_us"), ("host_max_us", "host_max_us"),
           ("vcpu_share", "vcpu_share"), ("hog_cpu_share", "hog_cpu_share")]
# Where the CPU of the vCPU's CPU went in a run's sampling window (bench.sh).
CPU_PARTS = ["vcpu_boosted", "vcpu_fair", "vcpu_halt_poll", "vcpu_wait"]


def med(values, digits=2):
    values = [v for v in values if v is not None]
    return round(statistics.median(values), digits) if values else None


def spread(values):
    values = [v for v in values if v is not None]
    return [min(values), max(values)] if values else None


def aggregate(runs):
    groups = {}
    for r in runs:
        groups.setdefault("%s/%s" % (r["scenario"], r["workload"]), []).append(r)
    out = {}
    for key, rs in groups.items():
        s = {"workload": rs[0]["workload"], "runs": len(rs)}
        for name, src in METRICS:
            s[name] = med([r.get(src) for r in rs], 4 if name.endswith("share") else 2)
            s.setdefault("spread", {})[name] = spread([r.get(src) for r in rs])
        s["samples"] = int(sum(r["samples"] or 0 for r in rs))
        stat = {}
        for r in rs:
            for k, v in r.get("stat", {}).items():
                stat[k] = stat.get(k, 0) + v
        s["stat"] = stat
        if any("cpu" in r for r in rs):
            cpu = {k: med([r.get("cpu", {}).get(k) for r in rs], 4) for k in CPU_PARTS}
            cpu["hog"] = s["hog_cpu_share"]
            if s["vcpu_share"] is not None and s["hog_cpu_share"] is not None:
                # Interrupts, cyclictest, the kernel's own threads, idle.
                cpu["other"] = round(1 - s["vcpu_share"] - s["hog_cpu_share"], 4)
            s["cpu"] = cpu
        out[key] = s
    for key, s in out.items():
        base = out.get("no_boost/" + s["workload"])
        if base and base.get("hog_ops_per_s") and s.get("hog_ops_per_s") is not None:
            s["hog_ratio"] = round(s["hog_ops_per_s"] / base["hog_ops_per_s"], 3)
        else:
            s["hog_ratio"] = None
        # How far the vCPU's share of its CPU rose above no_boost's, in
        # percentage points: what a budget of B% of a CPU must bound by B.
        if base and base.get("vcpu_share") is not None and s.get("vcpu_share") is not None:
            s["vcpu_share_gain_points"] = round(100 * (s["vcpu_share"] - base["vcpu_share"]), 2)
        else:
            s["vcpu_share_gain_points"] = None
    return out


def ratio(a, b):
    return round(a / b, 2) if a is not None and b not in (None, 0) else None


def goals(sc):
    """The issue's goals, each with the measured value and whether it holds."""
    g = []

    def get(k, m):
        return sc.get(k, {}).get(m)

    def add(name, value, ok):
        g.append({"goal": name, "value": value, "met": ok})

    nb, vb, fifo = (get("no_boost/busy", "lat_p99_us"), get("vcpuboost/busy", "lat_p99_us"),
                    get("static_fifo/busy", "lat_p99_us"))
    idle_host = get("idle_host/busy", "lat_p99_us")
    r = ratio(nb, vb)
    add("busy: vcpuboost p99 at least 10x lower than no_boost", r, r is not None and r >= 10)
    r = ratio(vb, fifo)
    add("busy: vcpuboost p99 within 2x of static_fifo", r, r is not None and r <= 2)
    r = ratio(vb, idle_host)
    add("busy: vcpuboost p99 within 1.1x of idle_host", r, r is not None and r <= 1.1)
    a, b = get("vcpuboost/busy", "lat_max_us"), get("static_fifo/busy", "lat_max_us")
    add("busy: vcpuboost max lower than static_fifo's", ratio(a, b),
        a is not None and b is not None and a < b)
    r = ratio(get("vcpuboost/idle", "lat_p99_us"), get("static_fifo/idle", "lat_p99_us"))
    add("idle: vcpuboost p99 within 2x of static_fifo", r, r is not None and r <= 2)
    for wl in ("idle", "busy"):
        h = get("vcpuboost/" + wl, "hog_ratio")
        add("%s: hog_ratio under vcpuboost at least 0.9" % wl, h, h is not None and h >= 0.9)
    h = get("vcpuboost_budget/busy", "hog_ratio")
    add("busy: hog_ratio under vcpuboost_budget at least 0.75", h, h is not None and h >= 0.75)
    h = get("static_fifo/busy", "hog_ratio")
    add("busy: static_fifo starves the hog (hog_ratio <= 0.2)", h, h is not None and h <= 0.2)
    # No tail made worse: a boost that ends before the work does must not
    # leave the vCPU waiting longer than if it had never been boosted.
    g += tail_goals(sc, "")
    # Linux 6.12's answer without vcpuboost: a 100 us custom slice on the
    # vCPU thread. vcpuboost has to beat it on the tail to be worth having.
    for wl in ("idle", "busy"):
        for m in ("lat_p99_us", "lat_max_us"):
            r = ratio(get("vcpuboost/" + wl, m), get("eevdf_slice/" + wl, m))
            add("%s: vcpuboost %s below eevdf_slice's (ratio < 1)" % (wl, m[4:-3]), r,
                r is not None and r < 1)
    return g


def tail_goals(sc, how):
    """No tail made worse: vcpuboost's max at most no_boost's in every run.

    The largest max of the vcpuboost runs against the least of no_boost's,
    so that no pairing of runs can hide one.
    """
    g = []
    for wl in ("idle", "busy"):
        a = (sc.get("vcpuboost/" + wl, {}).get("spread") or {}).get("lat_max_us")
        b = (sc.get("no_boost/" + wl, {}).get("spread") or {}).get("lat_max_us")
        r = ratio(a[1], b[0]) if a and b else None
        g.append({"goal": "%s%s: vcpuboost max at most no_boost's in every run" % (wl, how),
                  "value": r, "met": r is not None and r <= 1})
    return g


def share_goals(sh):
    """The goals read in the boot whose clock counts instructions."""
    g = []
    # The pair: the host keeps 0.9 of its throughput while the busy
    # guest's p99 stays within 1.1x of what an idle host gives it.
    vb = sh.get("vcpuboost/busy", {}).get("lat_p99_us")
    r = ratio(vb, sh.get("idle_host/busy", {}).get("lat_p99_us"))
    g.append({"goal": "busy (icount): vcpuboost p99 within 1.1x of idle_host", "value": r,
              "met": r is not None and r <= 1.1})
    g += tail_goals(sh, " (icount)")
    for wl in ("idle", "busy"):
        h = sh.get("vcpuboost/" + wl, {}).get("hog_ratio")
        g.append({"goal": "%s (icount): hog_ratio under vcpuboost at least %s" %
                  (wl, 0.95 if wl == "idle" else 0.9), "value": h,
                  "met": h is not None and h >= (0.95 if wl == "idle" else 0.9)})
    s = sh.get("vcpuboost_budget/busy", {})
    gain = s.get("vcpu_share_gain_points")
    g.append({"goal": "busy (icount): budget 20%: vCPU share at most 20 points above no_boost's",
              "value": gain, "met": gain is not None and gain <= 20})
    return g


def latency_floor(sh):
    """What a guest's latency is made of, read in instruction time.

    static_fifo is the floor without vcpuboost: the vCPU thread outranks
    the hog, is granted nothing, and a busy one is running when its timer
    fires. idle_host's vCPU has no hog but is granted, so a busy one pays
    the grant and class change of a running task. vcpuboost's busy vCPU
    pays that too, and where the timer finds the hog running, the switch
    away from it, which no mechanism that preempts the hog avoids. Reported
    as differences in instructions (1 us = 1000).
    """
    def lat(sc, wl, q):
        return sh.get("%s/%s" % (sc, wl), {}).get("lat_%s_us" % q)

    def insns(a, b):
        return None if a is None or b is None else int(round(1000 * (a - b)))

    f = {"method": "qemu -icount shift=0,sleep=off; medians of the runs, 1 us = 1000 instructions"}
    for wl in ("idle", "busy"):
        f[wl] = {"%s_%s_us" % (sc, q): lat(sc, wl, q)
                 for sc in ("static_fifo", "idle_host", "vcpuboost") for q in ("p50", "p99")}
    b = f["busy"]
    b["grant_running_p50_insns"] = insns(b["idle_host_p50_us"], b["static_fifo_p50_us"])
    b["switch_from_hog_p99_insns"] = insns(b["vcpuboost_p99_us"], b["idle_host_p99_us"])
    i = f["idle"]
    i["grant_waking_p50_insns"] = insns(i["vcpuboost_p50_us"], i["static_fifo_p50_us"])
    if all(v is None for wl in ("idle", "busy") for v in f[wl].values()):
        return None
    return f


def exit_goal(res):
    """The capability on, no request: under 1% of a VM-exit, beyond the noise."""
    e = res.get("exit_cost")
    if not e or "on_cost_percent" not in e:
        return None
    noise = max(e.get("spread_percent", {}).get(m, 100) for m in ("off", "on"))
    cost = e["on_cost_percent"]
    return {"goal": "exit path: capability on costs < 1%% of a VM-exit (noise %.2f%%)" % noise,
            "value": cost, "met": cost < 1 and noise < 1}


def scale_icount(out, exit_cost):
    """The cost of one report alone and at scale, in instructions.

    Both runs have the same policy shape, VM budgets below one tenant
    budget. The report path's own cost is what the function_graph tracer
    saw __vcpuboost_report() and __vcpuboost_retract() take (under -icount,
    instructions, tracer included alike in both); what a toggling exit
    costs the vCPU thread beyond an exit with an unchanged request also
    counts the context switches boosts and their ends cause.
    """
    d = os.path.join(out, "icount", "bench")
    runs = {}
    for name in ("scale_single", "scale_tenant"):
        path = os.path.join(d, name + ".json")
        if os.path.exists(path):
            runs[name] = json.load(open(path))
    if not runs:
        return None
    on = (exit_cost or {}).get("rates", {}).get("on", {}).get("exits_per_s")
    r = {"method": "qemu -icount shift=0,sleep=off; report path timed by function_graph",
         "on_ns_per_exit": round(1e9 / on, 1) if on else None}
    for name, v in runs.items():
        key = name[len("scale_"):]
        r[key] = {k: v.get(k) for k in ("vms", "vcpus_per_vm", "elapsed_s", "exits",
                                        "ns_per_exit", "ctxt_per_1k_exits", "report_path_ns",
                                        "all_budgets_hold", "tenant")}
        if on and v.get("ns_per_exit"):
            r[key]["toggle_cost_ns"] = round(v["ns_per_exit"] - 1e9 / on, 1)
    one, many = r.get("single", {}), r.get("tenant", {})
    for stat in ("mean", "p50", "p99", "mean_under_100us"):
        try:
            a = sum(one["report_path_ns"][f][stat] for f in ("report", "retract"))
            b = sum(many["report_path_ns"][f][stat] for f in ("report", "retract"))
            r["report_cost_ratio_" + stat] = round(b / a, 3)
        except (KeyError, TypeError, ZeroDivisionError):
            r["report_cost_ratio_" + stat] = None
    return r


def scale_goals(sc):
    if not sc:
        return []
    t = sc.get("tenant", {})
    g = []
    for stat in ("mean", "p50", "p99", "mean_under_100us"):
        v = sc.get("report_cost_ratio_" + stat)
        g.append({"goal": "scale (icount): a report and its retraction among %s VMs x %s vCPUs "
                          "below a tenant budget cost at most 1.5x one VM's (%s)" %
                          (t.get("vms"), t.get("vcpus_per_vm"), stat),
                  "value": v, "met": v is not None and v <= 1.5})
    g.append({"goal": "scale (icount): every VM and tenant budget holds",
              "value": t.get("all_budgets_hold"), "met": bool(t.get("all_budgets_hold"))})
    return g


def env():
    def sh(cmd):
        try:
            return subprocess.run(cmd, shell=True, capture_output=True, text=True).stdout.strip()
        except OSError:
            return None
    return {
        "host_kernel": platform.release(),
        "host_cpu": sh("grep -m1 'model name' /proc/cpuinfo | cut -d: -f2").strip(),
        "qemu": sh("qemu-system-x86_64 --version | head -1"),
        "emulation": "QEMU TCG, -accel tcg,thread=single -cpu EPYC,+svm -smp 2; KVM nested inside",
        "timer_interval_us": 1000,
        "note": "absolute times are inflated by emulation; compare ratios within one run",
    }


def md_table(sc, cols, row):
    """A markdown table of @sc, a line per scenario and workload that
    row(name, s) turns into a list of cells (None: leave it out)."""
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for wl in ("idle", "busy"):
        for name in SCENARIOS:
            s = sc.get("%s/%s" % (name, wl))
            cells = row("%s/%s" % (name, wl), s) if s else None
            if cells:
                lines.append("| " + " | ".join("-" if v is None else str(v)
                                               for v in cells) + " |")
    return "\n".join(lines)


def table(sc):
    return md_table(sc, ["scenario", "p50 us", "p99 us", "p99.9 us", "max us", "samples",
                         "hog ops/s", "hog_ratio", "host p99 us", "host max us", "grants"],
                    lambda key, s: [key, s["lat_p50_us"], s["lat_p99_us"], s["lat_p999_us"],
                                    s["lat_max_us"], s["samples"], s["hog_ops_per_s"],
                                    s["hog_ratio"], s["host_p99_us"], s["host_max_us"],
                                    s["stat"].get("grants")])


def cpu_table(sh):
    def row(key, s):
        c = s.get("cpu")
        return c and [key, s["vcpu_share"], s["vcpu_share_gain_points"], c["vcpu_boosted"],
                      c["vcpu_fair"], c["vcpu_halt_poll"], c["vcpu_wait"], c["hog"],
                      c.get("other"), s["hog_ratio"], s["lat_p99_us"]]
    return md_table(sh, ["scenario", "vcpu_share", "gain (points)", "boosted", "fair",
                         "halt poll", "vcpu waiting", "hog", "other", "hog_ratio", "p99 us"], row)


def plots(out, runs, sc):
    if subprocess.run("command -v gnuplot", shell=True, capture_output=True).returncode:
        return []
    made = []
    for wl in ("idle", "busy"):
        series = []
        for name in SCENARIOS:
            vals = []
            for r in runs:
                if r["scenario"] == name and r["workload"] == wl:
                    p = os.path.join(out, "bench", "samples",
                                     "%s-%s-%d.txt" % (name, wl, r["rep"]))
                    if os.path.exists(p):
                        vals += [max(float(x), 0.1) for x in open(p) if x.strip()]
            if not vals:
                continue
            vals.sort()
            dat = os.path.join(out, "bench", "cdf-%s-%s.dat" % (name, wl))
            with open(dat, "w") as f:
                n = len(vals)
                for i, v in enumerate(vals):
                    f.write("%g %g\n" % (v, (i + 1) / n))
            series.append("'%s' using 1:2 with lines lw 2 title '%s'" % (dat, name))
        if series:
            png = os.path.join(out, "latency-%s.png" % wl)
            script = ("set terminal png noenhanced size 900,560; set output '%s';"
                      "set logscale x; set xrange [10:*]; set xlabel 'guest timer latency (us, log)';"
                      "set ylabel 'fraction of samples'; set key bottom right;"
                      "set title 'Guest timer latency CDF, %s guest, CFS hog on the vCPU''s CPU';"
                      "plot %s" % (png, wl, ", ".join(series)))
            subprocess.run(["gnuplot", "-e", script], check=False)
            made.append(png)
    dat = os.path.join(out, "bench", "hog.dat")
    rows = []
    for name in SCENARIOS:
        vals = [sc.get("%s/%s" % (name, wl), {}).get("hog_ops_per_s") for wl in ("idle", "busy")]
        if name != "idle_host" and any(v is not None for v in vals):
            rows.append("%s %s %s" % (name, *["0" if v is None else v for v in vals]))
    if rows:
        with open(dat, "w") as f:
            f.write("\n".join(rows) + "\n")
        png = os.path.join(out, "hog.png")
        script = ("set terminal png noenhanced size 900,500; set output '%s'; set style data histograms;"
                  "set style fill solid 0.8; set ylabel 'hog bogo ops/s'; set yrange [0:*];"
                  "set title 'CFS hog throughput beside the vCPU';"
                  "plot '%s' using 2:xtic(1) title 'idle guest', '' using 3 title 'busy guest'"
                  % (png, dat))
        subprocess.run(["gnuplot", "-e", script], check=False)
        made.append(png)
    return made


def glance(out, sc, made):
    """What make demo prints: latency and the hog's share, side by side."""
    print()
    print("%-12s %-6s %9s %9s %9s %9s   %s" % ("scenario", "guest", "p50 us", "p99 us",
                                             "p99.9 us", "max us", "hog throughput"))
    for wl in ("busy", "idle"):
        for name in ("no_boost", "vcpuboost", "static_fifo"):
            s = sc.get("%s/%s" % (name, wl))
            if not s:
                continue
            h = s.get("hog_ratio")
            print("%-12s %-6s %9s %9s %9s %9s   %s" % (
                name, wl, s["lat_p50_us"], s["lat_p99_us"], s["lat_p999_us"], s["lat_max_us"],
                "-" if h is None else "%d%% of no_boost" % round(100 * h)))
    s = sc.get("vcpuboost/busy", {}).get("stat")
    if s:
        print()
        print("vcpuboost.stat of the VM during vcpuboost/busy (deltas):")
        for k, v in s.items():
            print("  %-16s %s" % (k, v))
    print()
    print("Times are inflated by software emulation: compare the rows, not the numbers.")
    print("Results: %s; plots: %s" % (os.path.join(out, "results.json"),
                                      ", ".join(made) if made else "none (no gnuplot)"))


def main():
    out = sys.argv[1]
    smoke = "--smoke" in sys.argv
    demo = "--demo" in sys.argv
    path = os.path.join(out, "bench", "runs.jsonl")
    runs = [json.loads(l) for l in open(path) if l.strip()] if os.path.exists(path) else []
    sc = aggregate(runs)
    res = {"scenarios": sc, "env": env()}
    res["env"]["repetitions"] = max([r["rep"] for r in runs], default=0)
    extra = os.path.join(out, "bench", "exits.json")
    if os.path.exists(extra):
        res["overhead"] = json.load(open(extra))
    # The same measurement in a boot whose clock counts instructions.
    extra = os.path.join(out, "icount", "bench", "exits.json")
    if os.path.exists(extra):
        res["exit_cost"] = json.load(open(extra))
        res["exit_cost"]["method"] = "qemu -icount shift=0,sleep=off: 1 ns per instruction"
    # Where the CPU goes, measured in the same boot: an instruction clock
    # makes the runs repeat where wall-clock runs spread by +-20%.
    extra = os.path.join(out, "icount", "bench", "runs.jsonl")
    if os.path.exists(extra):
        sh = aggregate([json.loads(l) for l in open(extra) if l.strip()])
        res["share"] = {k: {m: v.get(m) for m in ("workload", "runs", "vcpu_share",
                                                   "vcpu_share_gain_points", "hog_cpu_share",
                                                   "hog_ratio", "cpu", "lat_p50_us", "lat_p99_us",
                                                   "lat_max_us",
                                                   "spread", "stat")}
                        for k, v in sh.items()}
        res["share_method"] = "qemu -icount shift=0,sleep=off; shares of the sampling window"
        floor = latency_floor(res["share"])
        if floor:
            res["latency_floor"] = floor
    extra = os.path.join(out, "bench", "engine.json")
    if os.path.exists(extra):
        res["engine"] = json.load(open(extra))
    extra = os.path.join(out, "bench", "scale.json")
    if os.path.exists(extra):
        res["scale"] = json.load(open(extra))
    sci = scale_icount(out, res.get("exit_cost"))
    if sci:
        res.setdefault("scale", {})["icount"] = sci
    res["goals"] = goals(sc)
    res["stuck_runs"] = ["%s-%s-%d" % (r["scenario"], r["workload"], r["rep"])
                         for r in runs if r.get("stuck")]
    g = exit_goal(res)
    if g:
        res["goals"].append(g)
    if "share" in res:
        res["goals"] += share_goals(res["share"])
    res["goals"] += scale_goals(res.get("scale", {}).get("icount"))
    with open(os.path.join(out, "results.json"), "w") as f:
        json.dump(res, f, indent=2)
    made = plots(out, runs, sc)
    md = ["# vcpuboost latency benchmark", "", table(sc), "", "## Goals", ""]
    for g in res["goals"]:
        md.append("- %s: %s (%s)" % (g["goal"], g["value"], "met" if g["met"] else "missed"))
    if "overhead" in res:
        md += ["", "## VM-exit rate", "", "```", json.dumps(res["overhead"], indent=2), "```"]
    if "share" in res:
        md += ["", "## Where the CPU went (-icount)", "", cpu_table(res["share"])]
    if "latency_floor" in res:
        md += ["", "## What the latency is made of (-icount)", "", "```",
               json.dumps(res["latency_floor"], indent=2), "```"]
    if "exit_cost" in res:
        md += ["", "## VM-exit cost, in instructions (-icount)", "", "```",
               json.dumps(res["exit_cost"], indent=2), "```"]
    if "engine" in res:
        md += ["", "## Engine (test reporter)", "", "```", json.dumps(res["engine"], indent=2), "```"]
    if "scale" in res:
        md += ["", "## Scale", "", "```", json.dumps(res["scale"], indent=2), "```"]
    md += ["", "Plots: " + ", ".join(os.path.basename(p) for p in made) if made else ""]
    with open(os.path.join(out, "results.md"), "w") as f:
        f.write("\n".join(md) + "\n")
    if demo:
        glance(out, sc, made)
        return
    print(table(sc))
    for g in res["goals"]:
        print("goal %-60s %-8s %s" % (g["goal"], g["value"], "met" if g["met"] else "MISSED"))
    if smoke:
        bad = [k for k, s in sc.items() if not s["samples"] or s["lat_p99_us"] is None]
        if not sc or bad:
            print("benchmark smoke: malformed results: %s" % (bad or "no runs"))
            sys.exit(1)


if __name__ == "__main__":
    main()
