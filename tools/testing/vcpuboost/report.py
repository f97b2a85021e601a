#!/usr/bin/env python3
"""Turn what guest runs left in OUTDIR... into one verdict.

    report.py OUTDIR [OUTDIR...]

For each OUTDIR (one boot: build/check, build/check-rt), reads OUTDIR/tap/*.tap (TAP from each kselftest and check script),
the KUnit results and the rest of the kernel log in OUTDIR/dmesg.txt,
prints one line per test and the closing line "N passed, N failed",
and exits non-zero on any failure.

The kernel log fails the run on any lockdep report, WARNING, BUG, Oops,
RCU stall or atomic-context violation; the SRSO mitigation notice that
this machine's CPU model prints at boot is not a failure.
"""
import os
import re
import sys

BAD = [
    r"WARNING:", r"BUG:", r"Oops", r"general protection fault",
    r"Kernel panic", r"kernel BUG at",
    r"possible recursive locking", r"possible circular locking",
    r"inconsistent lock state", r"possible irq lock inversion",
    r"suspicious RCU usage", r"invalid wait context",
    r"DEBUG_LOCKS_WARN_ON", r"INFO: lockdep is turned off", r"INFO: task .* blocked for more than",
    r"rcu: INFO", r"self-detected stall", r"detected stall",
    r"sleeping function called from invalid context",
    r"soft lockup", r"hard LOCKUP", r"UBSAN", r"KASAN",
    r"ODEBUG", r"list_add corruption", r"list_del corruption",
    r"Call Trace:",
]
IGNORE = [
    r"Speculative Return Stack Overflow: WARNING",
    r"kvm_intel: VMX not supported",
]
# Every suite tools/testing/vcpuboost/guest/run-tests.sh runs; a missing one fails the run.
EXPECTED_SUITES = ["cgroup_vcpuboost", "cgroup_vcpuboost_engine",
                   "cgroup_vcpuboost_stress", "kvm_vcpu_boost", "kvm_state_test",
                   "stock_qemu"]
# Suites of the userspace side, run once: the glue on the first kernel (as
# the bench smoke run), the tool on the second (run-tests.sh).
ONCE_SUITES = [["vcpuboost_glue"], ["vcpuboost_tool"]]
TS = re.compile(r"^\[\s*[0-9.]+\]\s?")
RESULT = re.compile(r"^(not ok|ok)\s+(\d+)\s*(?:-\s*)?([^#]*?)\s*(?:#\s*(.*))?$")


def parse_tap(lines):
    """Top-level results and the plan of a TAP stream."""
    plan, results = None, []
    for line in lines:
        if line.startswith((" ", "\t")):
            continue
        m = re.match(r"^1\.\.(\d+)", line)
        if m and plan is None:
            plan = int(m.group(1))
            continue
        m = RESULT.match(line.rstrip())
        if m:
            ok, num, name, directive = m.groups()
            directive = directive or ""
            skip = directive.upper().startswith("SKIP")
            results.append((ok == "ok", skip, name or "test %s" % num, directive))
    return plan, results


def kunit_results(dmesg):
    """The vcpuboost KUnit suite's cases, from the KTAP in the kernel log."""
    lines = [TS.sub("", l) for l in dmesg]
    suites = {}
    cur, indent = None, None
    for line in lines:
        m = re.match(r"^(\s*)# Subtest: (\S+)", line)
        if m:
            cur, indent = m.group(2), m.group(1)
            suites[cur] = {"plan": None, "cases": []}
            continue
        if cur is None:
            continue
        body = line[len(indent):] if line.startswith(indent) else line.lstrip()
        m = re.match(r"^1\.\.(\d+)", body)
        if m and suites[cur]["plan"] is None:
            suites[cur]["plan"] = int(m.group(1))
            continue
        m = RESULT.match(body.rstrip())
        if m and line.startswith(indent) and not body.startswith((" ", "\t")):
            ok, num, name, directive = m.groups()
            skip = (directive or "").upper().startswith("SKIP")
            suites[cur]["cases"].append((ok == "ok", skip, name, directive or ""))
        elif re.match(r"^(not ok|ok)\s+\d+\s+" + re.escape(cur), line.strip()) and \
                len(line) - len(line.lstrip()) < len(indent):
            cur = None
    return suites


def main():
    outs = sys.argv[1:]
    expect_kunit = ["vcpuboost"]
    passed = failed = skipped = 0
    label = ""

    def report(ok, skip, name, why=""):
        nonlocal passed, failed, skipped
        name = label + name
        if skip:
            skipped += 1
            print("SKIP  %s%s" % (name, "  # " + why if why else ""))
        elif ok:
            passed += 1
            print("PASS  %s" % name)
        else:
            failed += 1
            print("FAIL  %s%s" % (name, "  # " + why if why else ""))

    for i, out in enumerate(outs):
        # The first boot's lines carry no label; later ones their directory's.
        label = "[%s] " % os.path.basename(out.rstrip("/")) if i else ""
        check_boot(out, expect_kunit, report,
                   EXPECTED_SUITES + (ONCE_SUITES[i] if i < len(ONCE_SUITES) else []))

    if skipped:
        print("%d skipped" % skipped)
    print("%d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed else 0)


def show_stderr(path, lines=15):
    """A failed suite's last words: CI keeps only what is printed."""
    if not os.path.exists(path):
        return
    with open(path, errors="replace") as f:
        tail = f.read().splitlines()[-lines:]
    for l in tail:
        print("      | %s" % l)


def check_boot(out, expect_kunit, report, suites):
    """Report every result of one guest run."""
    rc_path = os.path.join(out, "payload.rc")
    rc = open(rc_path).read().strip() if os.path.exists(rc_path) else None
    report(rc == "0", False, "harness: the guest ran its job to the end",
           "no payload.rc: the guest crashed or timed out" if rc is None else
           "" if rc == "0" else "the job exited with %s (see payload.log)" % rc)

    tapdir = os.path.join(out, "tap")
    for suite in suites:
        if not os.path.exists(os.path.join(tapdir, suite + ".tap")):
            report(False, False, "%s: suite ran" % suite, "no TAP output")
    for fn in sorted(os.listdir(tapdir)) if os.path.isdir(tapdir) else []:
        if not fn.endswith(".tap"):
            continue
        suite = fn[:-4]
        with open(os.path.join(tapdir, fn), errors="replace") as f:
            plan, results = parse_tap(f.read().splitlines())
        for ok, skip, name, directive in results:
            report(ok, skip, "%s: %s" % (suite, name), directive)
        if any(not ok for ok, skip, _, _ in results) or plan is None or len(results) < plan:
            show_stderr(os.path.join(tapdir, suite + ".err"))
        if plan is None or len(results) < plan:
            report(False, False, "%s: ran every planned test" % suite,
                   "%d of %s results" % (len(results), plan))

    dmesg_path = os.path.join(out, "dmesg.txt")
    dmesg = []
    if os.path.exists(dmesg_path):
        with open(dmesg_path, errors="replace") as f:
            dmesg = f.read().splitlines()
    suites = kunit_results(dmesg)
    for name in expect_kunit:
        s = suites.get(name)
        if not s:
            report(False, False, "kunit %s: suite ran" % name, "not in the kernel log")
            continue
        for ok, skip, case, directive in s["cases"]:
            report(ok, skip, "kunit %s: %s" % (name, case), directive)
        if s["plan"] is None or len(s["cases"]) < s["plan"]:
            report(False, False, "kunit %s: ran every case" % name)

    if os.path.exists(os.path.join(out, "bench", "runs.jsonl")):
        import subprocess
        here = os.path.dirname(os.path.abspath(__file__))
        r = subprocess.run([sys.executable, os.path.join(here, "bench_report.py"), out, "--smoke"],
                           capture_output=True, text=True)
        report(r.returncode == 0, False, "bench smoke: every scenario ran and produced results",
               (r.stdout + r.stderr).strip().splitlines()[-1:] and
               (r.stdout + r.stderr).strip().splitlines()[-1] if r.returncode else "")

    bad = re.compile("|".join(BAD))
    ignore = re.compile("|".join(IGNORE))
    hits = [l for l in dmesg if bad.search(l) and not ignore.search(l)]
    report(bool(dmesg) and not hits, False, "kernel log: no lockdep, WARN, BUG, Oops, stall or atomic-sleep report",
           "no kernel log" if not dmesg else
           "%d lines, first: %s" % (len(hits), hits[0].strip()) if hits else "")
    if hits:
        for l in hits[:20]:
            print("      | " + l)


if __name__ == "__main__":
    main()
