#!/bin/bash
# The latency benchmark, run inside the guest (make bench, make demo, and a
# smoke version in make check). A KVM guest arms its LAPIC timer every 1 ms
# and measures how late each interrupt is handled, while a CFS hog shares
# its vCPU thread's CPU and cyclictest measures the host's own latency on
# that CPU, under each scenario:
#
#   idle_host         no hog: the best this machine does
#   no_boost          hog; vcpuboost.prio.max 0 for the VM (a new cgroup's)
#   vcpuboost         hog; prio.max granted, boosts from the timer trigger
#   vcpuboost_budget  hog; a busy guest that asks for a boost all the time,
#                     budget 20% of a CPU
#   static_fifo       hog; the vCPU thread SCHED_FIFO 1 (chrt), no vcpuboost
#   eevdf_slice       hog; the vCPU thread SCHED_OTHER with Linux 6.12's
#                     custom slice of 100 us (sched_attr.sched_runtime), no
#                     vcpuboost: what a user of this kernel would try first
#
# BENCH_MODE: full (5000 samples, 3 runs each), smoke (a few hundred, once),
# demo (2000 samples, once, three scenarios), icount (for a boot whose
# clock counts instructions: the VM-exit rates, and latency and where the
# CPU goes under idle_host, no_boost, vcpuboost, vcpuboost_budget and
# static_fifo, 3000 samples, 3 runs each, which such a clock repeats to a
# fraction of a percent), latency (vcpuboost only, 3000 samples, 3 runs
# each: for the experiments under tools/testing/vcpuboost/experiments).
# BENCH_SAMPLES, BENCH_REPS, BENCH_SCENARIOS and BENCH_WORKLOADS override
# the mode's choice. Writes $VB_OUT/bench/runs.jsonl and one file of
# samples per run.
set -u
B=$VB_BUILD
KST=$B/kselftest/kvm/x86_64
CG=/sys/fs/cgroup
OUT=$VB_OUT/bench
CPU=0
SLICE=$VB_REPO/tools/testing/vcpuboost/guest/with-slice.py
mkdir -p "$OUT/samples"
: >"$OUT/runs.jsonl"

mode=${BENCH_MODE:-full}
workloads="idle busy"
case $mode in
full)	samples=5000 reps=3 scenarios="idle_host no_boost vcpuboost vcpuboost_budget static_fifo eevdf_slice" ;;
smoke)	samples=100 reps=1 scenarios="no_boost vcpuboost eevdf_slice" workloads=busy ;;
demo)	samples=2000 reps=1 scenarios="no_boost vcpuboost static_fifo" ;;
icount)	samples=3000 reps=3 scenarios="idle_host no_boost vcpuboost vcpuboost_budget static_fifo" ;;
latency) samples=3000 reps=3 scenarios="vcpuboost" ;;
*)	echo "unknown BENCH_MODE $mode"; exit 2 ;;
esac
samples=${BENCH_SAMPLES:-$samples}
reps=${BENCH_REPS:-$reps}
scenarios=${BENCH_SCENARIOS:-$scenarios}
workloads=${BENCH_WORKLOADS:-$workloads}

echo "+vcpuboost" >$CG/cgroup.subtree_control
mkfifo $TMPDIR/bench.never 2>/dev/null; exec 9<>$TMPDIR/bench.never
nap() { read -r -t "$1" -u 9 _; }

# Grant boosts to the cgroups $@: a new cgroup's prio.max is 0, and every
# level from the first below the root down has to allow a boost.
grant() {
	local cg
	for cg; do echo max >$cg/vcpuboost.prio.max; done
}

stat_json() {	# vcpuboost.stat of $1 as JSON
	local k v sep="" out="{"
	while read -r k v; do
		out+="$sep\"$k\": $v"
		sep=", "
	done <"$1/vcpuboost.stat"
	echo "$out}"
}

# Wait for the measuring process $1 for up to $2 seconds (a run takes a
# few): if it is still there, write what it and its cgroup $4 were doing
# into $3 and kill it, so that one stuck run costs minutes, not the whole
# benchmark, and leaves what is needed to find out why.
finish_or_dump() {
	local pid=$1 left=$2 out=$3 cg=$4 t
	while kill -0 "$pid" 2>/dev/null && [ "$left" -gt 0 ]; do
		nap 1
		left=$((left - 1))
	done
	kill -0 "$pid" 2>/dev/null || { wait "$pid"; return 0; }
	{
		echo "still running after $2 s"
		cat "$cg/vcpuboost.stat" "$cg/vcpu0/vcpuboost.stat"
		for t in /proc/$pid/task/*; do
			echo "== $t $(cat "$t/comm") $(cut -d' ' -f3,18,39 "$t/stat")"
			cat "$t/stack" "$t/sched" 2>/dev/null
		done
		dmesg | tail -40
	} >"$out" 2>&1
	kill -KILL "$pid" 2>/dev/null
	wait "$pid"
	echo "$(basename "$out"): stuck, see $out"
	return 1
}

# One measurement: scenario $1, workload $2, repetition $3.
run() {
	local sc=$1 wl=$2 rep=$3 vm=$CG/bench_vm tag="$1-$2-$3"
	local hog="" hogpid="" cyc="" req="" chrt="" line st0 st1

	mkdir $vm
	mkdir $vm/vcpu0
	echo threaded >$vm/vcpu0/cgroup.type
	echo "+vcpuboost" >$vm/cgroup.subtree_control
	case $sc in
	no_boost|static_fifo|eevdf_slice)
		echo 0 >$vm/vcpuboost.prio.max ;;
	*)
		grant $vm $vm/vcpu0 ;;
	esac
	if [ $sc = vcpuboost_budget ]; then
		echo "20000 100000" >$vm/vcpuboost.max
		req="-r 99"
	fi
	[ $sc = static_fifo ] && chrt="chrt -f 1"
	[ $sc = eevdf_slice ] && chrt="$SLICE 100000"

	if [ $sc != idle_host ]; then
		# A steady hog (one method, not stress-ng's changing mix), run
		# until told to stop; it reports its throughput when it stops.
		stress-ng --cpu 1 --cpu-method int64 --taskset $CPU -t 3600 \
			--metrics-brief --yaml "$OUT/hog-$tag.yaml" >/dev/null 2>&1 &
		hog=$!
		# It takes seconds to start under emulation: wait for its worker.
		until hogpid=$(pgrep -n -f stress-ng-cpu); do nap 0.2; done
		hogpid="-H $hogpid"
	fi
	# The host's own latency, as a normal task: rt-tests' cyclictest runs
	# SCHED_FIFO unless told otherwise, and any -p, even -p 0, makes its
	# measuring thread SCHED_FIFO again whatever --policy says.
	cyclictest -q -t 1 -a $CPU --policy=other -i 1000 -h 100000 \
		--histfile="$OUT/host-$tag.hist" >/dev/null 2>&1 &
	cyc=$!
	nap 0.5
	st0=$(stat_json $vm)

	bash -c "echo \$\$ >$vm/cgroup.procs; exec $chrt $KST/vcpu_boost_latency \
		-w $wl -i 1000 -n $samples -C $CPU -c $vm/vcpu0 $req $hogpid -o $OUT/samples/$tag.txt" \
		>"$OUT/lat-$tag.out" 2>&1 &
	finish_or_dump $! $((samples / 25 + 120)) "$OUT/stuck-$tag.txt" $vm
	line=$(grep '^samples' "$OUT/lat-$tag.out" | tail -1)

	st1=$(stat_json $vm)
	kill -INT $cyc 2>/dev/null
	[ -n "$hog" ] && kill -INT $hog 2>/dev/null
	wait $cyc $hog 2>/dev/null
	python3 - "$sc" "$wl" "$rep" "$line" "$OUT" "$tag" "$st0" "$st1" >>"$OUT/runs.jsonl" <<'PY'
import json, re, sys, os
sc, wl, rep, line, out, tag, st0, st1 = sys.argv[1:]
m = dict(re.findall(r"(\w+) ([\d.]+)", line))
r = {"scenario": sc, "workload": wl, "rep": int(rep), "raw": line,
     "stuck": os.path.exists(os.path.join(out, "stuck-%s.txt" % tag))}
for k in ("samples", "p50", "p99", "p999", "max", "window_s", "hog_cpu_s",
          "vcpu_cpu_s", "vcpu_wait_s", "boosted_s", "halt_poll_s"):
    r[k] = float(m[k]) if k in m else None
# Where the vCPU's CPU went in the sampling window, as shares of it: run
# boosted (SCHED_FIFO), run as a fair task (halt polling included), and
# runnable but waiting; the hog's share is hog_cpu_share below.
w = r["window_s"]
if w and r["vcpu_cpu_s"] is not None:
    r["vcpu_share"] = round(r["vcpu_cpu_s"] / w, 4)
    r["cpu"] = {"vcpu_boosted": round(r["boosted_s"] / w, 4),
                "vcpu_fair": round((r["vcpu_cpu_s"] - r["boosted_s"]) / w, 4),
                "vcpu_halt_poll": round(r["halt_poll_s"] / w, 4),
                "vcpu_wait": round(r["vcpu_wait_s"] / w, 4)}
hog = os.path.join(out, "hog-%s.yaml" % tag)
r["hog_ops_per_s"] = None
if os.path.exists(hog):
    t = open(hog).read()
    per_cpu_s = re.search(r"bogo-ops-per-second-usr-sys-time:\s*([\d.]+)", t)
    real = re.search(r"bogo-ops-per-second-real-time:\s*([\d.]+)", t)
    # The hog's throughput while the guest sampled: its rate per CPU
    # second times the CPU it got in that window (setup excluded).
    if per_cpu_s and r.get("window_s") and r.get("hog_cpu_s") is not None:
        r["hog_ops_per_s"] = round(float(per_cpu_s.group(1)) * r["hog_cpu_s"] / r["window_s"], 2)
        r["hog_cpu_share"] = round(r["hog_cpu_s"] / r["window_s"], 3)
    elif real:
        r["hog_ops_per_s"] = float(real.group(1))
hist, total = {}, 0
hp = os.path.join(out, "host-%s.hist" % tag)
if os.path.exists(hp):
    for l in open(hp):
        p = l.split()
        if len(p) == 2 and p[0].isdigit():
            hist[int(p[0])] = int(p[1]); total += int(p[1])
        mx = re.match(r"# Max Latencies:\s+(\d+)", l)
        if mx:
            r["host_max_us"] = int(mx.group(1))
    acc = 0
    for us in sorted(hist):
        acc += hist[us]
        if acc >= total * 0.99:
            r["host_p99_us"] = us
            break
r.setdefault("host_p99_us", None); r.setdefault("host_max_us", None)
a, b = json.loads(st0), json.loads(st1)
r["stat"] = {k: b[k] - a.get(k, 0) for k in b if k != "nr_boosted"}
print(json.dumps(r))
PY
	echo "$tag: $line"
	rmdir $vm/vcpu0 $vm 2>/dev/null
}

# The VM-exit rate with KVM_CAP_VCPU_BOOST off, on, and on with the guest's
# request toggled at every exit (a report each time), in a vcpuboost cgroup.
exits() {
	local vm=$CG/bench_exits secs=$1 rounds=$2
	mkdir $vm $vm/vcpu0
	echo threaded >$vm/vcpu0/cgroup.type
	echo "+vcpuboost" >$vm/cgroup.subtree_control
	grant $vm $vm/vcpu0
	bash -c "echo \$\$ >$vm/cgroup.procs; echo \$\$ >$vm/vcpu0/cgroup.threads; \
		exec taskset -c $CPU $KST/vcpu_boost_exits $secs $rounds" >"$OUT/exits.txt" 2>&1
	cat "$OUT/exits.txt"
	python3 - "$OUT/exits.txt" "$(stat_json $vm)" >"$OUT/exits.json" <<'PY'
import json, re, sys
rates = {}
for l in open(sys.argv[1]):
    m = re.match(r"(\w+) exits_per_s (\d+) min (\d+) max (\d+)", l)
    if m:
        rates[m.group(1)] = {"exits_per_s": int(m.group(2)), "min": int(m.group(3)), "max": int(m.group(4))}
r = {"rates": rates, "stat": json.loads(sys.argv[2])}
if "off" in rates and "on" in rates and "toggle" in rates:
    off, on, tog = (rates[k]["exits_per_s"] for k in ("off", "on", "toggle"))
    r["on_vs_off"] = round(on / off, 4)
    r["toggle_vs_off"] = round(tog / off, 4)
    r["on_cost_percent"] = round(100 * (1 - on / off), 2)
    # A toggling exit makes one report: its extra time, in VM-exits.
    r["report_cost_in_exits"] = round(on / tog - 1, 3)
# The method's own noise: how far the rounds of one mode spread, in percent
# of their median. A difference between modes smaller than that is noise.
r["spread_percent"] = {m: round(100 * (v["max"] - v["min"]) / v["exits_per_s"], 2)
                       for m, v in rates.items() if v["exits_per_s"]}
print(json.dumps(r, indent=2))
PY
	rmdir $vm/vcpu0 $vm
}

# NVM VMs of NVCPU vCPUs, each VM in its own cgroup with a budget of
# VM_BUDGET µs per 100 ms (default 5000, "max" for none), all toggling
# their requests on the two CPUs: each budget must hold. With TENANT_BUDGET
# the VM cgroups sit below one tenant cgroup with that budget, which all
# their reports charge. With TRACE "trace", the time each report and
# retraction takes inside the controller, from the function_graph tracer
# (under -icount, its instructions: what the report path costs, apart from
# the context switches that boosts and their ends cause). Writes
# $OUT/NAME.json.
scale() {
	local secs=$1 nvm=$2 nvcpu=$3 tenant_budget=${4:-} name=${5:-scale}
	local vm_budget=${6:-5000} trace=${7:-} top=$CG i j pids="" t0 t1 c0 c1
	local T=/sys/kernel/tracing
	[ -d $T/events ] || T=/sys/kernel/debug/tracing
	if [ -n "$tenant_budget" ]; then
		top=$CG/bench_tenant
		mkdir $top
		echo "+vcpuboost" >$top/cgroup.subtree_control
		grant $top
		echo "$tenant_budget 100000" >$top/vcpuboost.max
	fi
	for i in $(seq 1 $nvm); do
		mkdir $top/bench_scale$i
		for j in $(seq 0 $((nvcpu - 1))); do
			mkdir $top/bench_scale$i/vcpu$j
			echo threaded >$top/bench_scale$i/vcpu$j/cgroup.type
		done
		echo "+vcpuboost" >$top/bench_scale$i/cgroup.subtree_control
		grant $top/bench_scale$i $top/bench_scale$i/vcpu[0-9]*
		echo "$vm_budget 100000" >$top/bench_scale$i/vcpuboost.max
	done
	if [ "$trace" = trace ]; then
		echo 0 >$T/tracing_on; echo nop >$T/current_tracer
		echo "__vcpuboost_report __vcpuboost_retract" >$T/set_ftrace_filter
		echo "__vcpuboost_report __vcpuboost_retract" >$T/set_graph_function
		echo 1 >$T/max_graph_depth; echo 4096 >$T/buffer_size_kb
		echo function_graph >$T/current_tracer; echo >$T/trace
		echo 1 >$T/tracing_on
	fi
	c0=$(awk '/^ctxt/ {print $2}' /proc/stat)
	t0=$(date +%s.%N)
	for i in $(seq 1 $nvm); do
		bash -c "echo \$\$ >$top/bench_scale$i/cgroup.procs; \
			exec $KST/vcpu_boost_exits scale $nvcpu $secs $top/bench_scale$i" \
			>"$OUT/$name$i.txt" 2>&1 &
		pids="$pids $!"
	done
	wait $pids
	t1=$(date +%s.%N)
	c1=$(awk '/^ctxt/ {print $2}' /proc/stat)
	: >"$OUT/$name.trace"
	if [ "$trace" = trace ]; then
		echo 0 >$T/tracing_on
		cp $T/trace "$OUT/$name.trace"
		echo nop >$T/current_tracer; echo >$T/set_ftrace_filter; echo >$T/set_graph_function
	fi
	for i in $(seq 1 $nvm); do
		echo "{\"vm\": $i, \"exits\": $(awk '/^exits/ {print $2}' "$OUT/$name$i.txt" | head -1 | grep . || echo null), \"cpu_s\": $(awk '/^cpu_s/ {print $2}' "$OUT/$name$i.txt" | head -1 | grep . || echo null), \"stat\": $(stat_json $top/bench_scale$i)}"
		rmdir $top/bench_scale$i/vcpu[0-9] $top/bench_scale$i
	done >"$OUT/$name.jsonl"
	local tenant_stat=null
	if [ -n "$tenant_budget" ]; then
		tenant_stat=$(stat_json $top)
		rmdir $top
	fi
	python3 - "$OUT/$name.jsonl" "$t0" "$t1" "$(nproc)" "$nvcpu" "$tenant_budget" "$tenant_stat" "$vm_budget" \
		"$OUT/$name.trace" $((c1 - c0)) >"$OUT/$name.json" <<'PY'
import json, re, sys
vms = [json.loads(l) for l in open(sys.argv[1])]
elapsed = float(sys.argv[3]) - float(sys.argv[2])
ncpu = int(sys.argv[4])
periods = elapsed / 0.1 + 2
# SPEC §2: a budget may be overrun by at most 1 ms per CPU and period.
vm_budget = None if sys.argv[8] == "max" else int(sys.argv[8])
allowed = periods * (vm_budget + 1000 * ncpu) if vm_budget is not None else None
for v in vms:
    v["boosted_usec"] = v["stat"]["boosted_usec"]
    v["budget_holds"] = allowed is None or v["boosted_usec"] <= allowed
reports = sum(v["stat"]["reports_guest"] for v in vms)
exits = sum(v["exits"] or 0 for v in vms)
cpu_s = sum(v["cpu_s"] or 0 for v in vms)
r = {"vms": len(vms), "vcpus_per_vm": int(sys.argv[5]), "elapsed_s": round(elapsed, 2),
     "budget": "%s 100000" % sys.argv[8],
     "allowed_usec_per_vm": round(allowed) if allowed is not None else None,
     "all_budgets_hold": all(v["budget_holds"] for v in vms),
     "reports": reports, "reports_per_s": round(reports / elapsed),
     "exits": exits, "vcpu_cpu_s": round(cpu_s, 6),
     # Under -icount: instructions of the vCPU threads per toggling exit.
     "ns_per_exit": round(cpu_s * 1e9 / exits, 1) if exits else None,
     "ctxt_per_1k_exits": round(int(sys.argv[10]) * 1000 / exits, 1) if exits else None}
# The ring buffer keeps the last calls: a sample of the steady state.
calls = {}
for l in open(sys.argv[9]):
    m = re.search(r"([\d.]+) us\s+\|\s+__vcpuboost_(report|retract)\(\);", l)
    if m:
        calls.setdefault(m.group(2), []).append(float(m.group(1)) * 1000)
# Single-threaded TCG runs one vCPU at a time: a call that waits for a
# lock the other vCPU holds spins until QEMU switches vCPUs, at the next
# timer deadline, up to a millisecond; on hardware both run at once. Such
# waits, a few dozen calls in 10^5, move the mean from run to run.
SWITCH_WAIT_NS = 100000
for f, v in sorted(calls.items()):
    v.sort()
    short = [x for x in v if x <= SWITCH_WAIT_NS]
    r.setdefault("report_path_ns", {})[f] = {
        "calls": len(v), "mean": round(sum(v) / len(v)), "p50": round(v[len(v) // 2]),
        "p99": round(v[int(len(v) * 0.99)]), "max": round(v[-1]),
        "over_100us": len(v) - len(short),
        "mean_under_100us": round(sum(short) / len(short)) if short else None}
if sys.argv[6]:
    t = json.loads(sys.argv[7])
    tallowed = periods * (int(sys.argv[6]) + 1000 * ncpu)
    r["tenant"] = {"budget": "%s 100000" % sys.argv[6], "allowed_usec": round(tallowed),
                   "boosted_usec": t["boosted_usec"], "budget_holds": t["boosted_usec"] <= tallowed,
                   "stat": t}
    r["all_budgets_hold"] = r["all_budgets_hold"] and r["tenant"]["budget_holds"]
r["per_vm"] = vms
print(json.dumps(r, indent=2))
PY
	head -16 "$OUT/$name.json"
}

# The engine alone, through the test reporter: report-to-running latency
# beside a hog, and the cost of a report (controller off, denied, granted).
engine() {
	$B/kselftest/cgroup/vcpuboost_bench "$1" "$2" >"$OUT/engine.txt" 2>&1
	cat "$OUT/engine.txt"
	python3 -c '
import json, sys
r = {}
for l in open(sys.argv[1]):
    p = l.split()
    if len(p) == 2:
        r[p[0]] = float(p[1])
print(json.dumps(r, indent=2))' "$OUT/engine.txt" >"$OUT/engine.json"
}

for rep in $(seq 1 "$reps"); do
	for sc in $scenarios; do
		for wl in $workloads; do
			[ $sc = vcpuboost_budget ] && [ $wl = idle ] && continue
			run $sc $wl $rep
		done
	done
done

case $mode in
full)	exits 2 5; scale 10 8 4; engine 200 20000 ;;
smoke)	exits 0.3 1; scale 1 2 2; engine 10 200 ;;
icount)	exits 1 7
	# The cost of a report, alone and among 32 VMs of 4 vCPUs below one
	# tenant budget, in instructions per toggling exit.
	scale 3 1 1 20000 scale_single 5000 trace
	scale 3 32 4 20000 scale_tenant 5000 trace ;;
esac
