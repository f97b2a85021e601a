#!/bin/bash
# Guest payload of the fair-excess experiment in README: where the busy
# vCPU's excess of fair-class time under vcpuboost comes from. The
# no_boost and vcpuboost scenarios, busy guest, one run of 3000 samples
# each, in one boot of a kernel with fair-excess.patch applied:
#
#   default     as make bench runs them
#   no_probe    without the third fair task on the CPU, cyclictest
#   no_clamp    the lag clamp off at a dequeue that is not a sleep
#   no_zero     DELAY_ZERO off (a delayed task's positive lag is kept)
#   no_delay    DELAY_DEQUEUE off (a sleeping task leaves at once)
#   watch       default, with the lag (V - v) and the charged fair-class
#               runtime of the vCPU thread and of the hog read every 250 ms
#
# (XP_CONFIGS picks some), and, for each, what the patch counts: class changes whose lag the clamp
# changed, the error of the lag restored at the enqueue that follows, the
# sleeps whose lag the clamp changed and the lag DELAY_ZERO dropped.
P=/sys/module/kernel/parameters
# A core_param_cb() is named after its file: fair.sched_xp_watch.
W=/sys/module/fair/parameters/sched_xp_watch
COUNTERS="sched_xp_clamped sched_xp_clamped_ns sched_xp_placed sched_xp_placed_err_ns
	sched_xp_sleep_clamped sched_xp_sleep_clamped_ns sched_xp_zeroed sched_xp_zeroed_ns"
JUMPS="sched_xp_jump_ns sched_xp_jump_other sched_xp_jump_other_ns"
mkdir -p "$TMPDIR/bin"
# A stand-in for cyclictest that measures nothing, for no_probe (bench.sh
# stops it with SIGINT, which a background job of a script ignores unless
# it sets a handler).
printf '#!/usr/bin/python3\nimport signal, sys, time\nsignal.signal(signal.SIGINT, lambda *a: sys.exit(0))\ntime.sleep(1e6)\n' \
	>"$TMPDIR/bin/cyclictest"
chmod +x "$TMPDIR/bin/cyclictest"

run() {	# $1: configuration, $2: scenario
	local path=$PATH o=$VB_OUT/$1-$2 f line
	echo 1 >$P/sched_xp_clamp
	echo 1 >$P/sched_xp_zero
	echo 1 >$P/sched_xp_delay
	case $1 in
	no_probe) path=$TMPDIR/bin:$PATH ;;
	no_clamp) echo 0 >$P/sched_xp_clamp ;;
	no_zero) echo 0 >$P/sched_xp_zero ;;
	no_delay) echo 0 >$P/sched_xp_delay ;;
	esac
	for f in $COUNTERS; do eval "local a_$f=\$(cat $P/$f)"; done
	PATH=$path BENCH_MODE=latency BENCH_SCENARIOS=$2 BENCH_WORKLOADS=busy \
		BENCH_REPS=1 VB_OUT=$o \
		bash "$VB_REPO/tools/testing/vcpuboost/guest/bench.sh" >"$o.log" 2>&1
	line="$1 $2:"
	for f in $COUNTERS; do
		eval "line=\"\$line ${f#sched_xp_}=\$(( \$(cat $P/$f) - a_$f ))\""
	done
	echo "$line"
	python3 - "$o/bench/runs.jsonl" <<'PY'
import json, sys
for l in open(sys.argv[1]):
    r = json.loads(l)
    c = r.get("cpu") or {}
    print("  vcpu %.4f (fair %.4f, boosted %.4f)  hog %.4f  p99 %s" % (
        r["vcpu_share"], c.get("vcpu_fair"), c.get("vcpu_boosted"),
        r.get("hog_cpu_share"), r["p99"]))
PY
}

# One run of $1 with the vCPU thread and the hog watched: their lags and
# what the fair class charged them, as the run goes on.
watch() {
	local o=$VB_OUT/watch-$1 vcpu="" hog="" b
	BENCH_MODE=latency BENCH_SCENARIOS=$1 BENCH_WORKLOADS=busy BENCH_REPS=1 \
		VB_OUT=$o bash "$VB_REPO/tools/testing/vcpuboost/guest/bench.sh" \
		>"$o.log" 2>&1 &
	b=$!
	# The vCPU thread is the one that joins the VM's threaded cgroup.
	while kill -0 $b 2>/dev/null && [ -z "$vcpu" ]; do
		vcpu=$(head -1 /sys/fs/cgroup/bench_vm/vcpu0/cgroup.threads 2>/dev/null)
		sleep 0.1
	done
	hog=$(pgrep -n -f stress-ng-cpu)
	echo "$vcpu" >$P/sched_xp_pid0
	echo "$hog" >$P/sched_xp_pid1
	for f in $JUMPS; do eval "local a_$f=\$(cat $P/$f)"; done
	: >"$o.watch"
	while kill -0 $b 2>/dev/null; do
		echo "$(cut -d' ' -f1 /proc/uptime) $(cat $W)" >>"$o.watch"
		sleep 0.25
	done
	wait $b
	line="watch $1: vcpu $vcpu hog $hog; the vCPU thread's vruntime across its class changes:"
	for f in $JUMPS; do
		eval "line=\"\$line ${f#sched_xp_}=\$(( \$(cat $P/$f) - a_$f ))\""
	done
	echo "$line"
	python3 - "$o.watch" <<'PY'
import sys
rows = []
for l in open(sys.argv[1]):
    f = l.split()
    if len(f) == 7 and "-" not in f[1:]:
        rows.append([float(f[0])] + [int(x) for x in f[1:]])
if len(rows) < 3:
    sys.exit("  too few samples")
a, z = rows[0], rows[-1]
print("  %d samples over %.1f s" % (len(rows), z[0] - a[0]))
print("  charged fair: vcpu %.1f ms, hog %.1f ms; total: vcpu %.1f ms, hog %.1f ms" % (
    (z[1] - a[1]) / 1e6, (z[4] - a[4]) / 1e6, (z[3] - a[3]) / 1e6, (z[6] - a[6]) / 1e6))
for i, name in ((2, "vcpu"), (5, "hog")):
    lags = [r[i] / 1e6 for r in rows]
    print("  lag of %s (ms): first %.2f last %.2f min %.2f max %.2f" % (
        name, lags[0], lags[-1], min(lags), max(lags)))
PY
}

for cfg in ${XP_CONFIGS:-default no_probe no_clamp no_zero no_delay watch}; do
	for sc in no_boost vcpuboost; do
		case $cfg in
		watch)	watch $sc ;;
		*)	run $cfg $sc ;;
		esac
	done
done
dmesg | grep -E "WARNING|BUG" | grep -v srso | head
