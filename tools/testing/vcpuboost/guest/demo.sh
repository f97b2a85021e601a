#!/bin/bash
# The demo, run inside the guest: a VM's cgroup with one threaded child per
# vCPU thread, a sample policy, and the controller at work on a vCPU-like
# busy thread that shares its CPU with a CFS hog.
set -u
CG=/sys/fs/cgroup
REPORT=/sys/kernel/debug/vcpuboost/report
say() { printf '\n== %s\n' "$*"; }
# /proc/PID/stat field N into $REPLY, without forking: fork and exec take
# longer under emulation than a boost lasts.
statf() { local l f; read -r l <"/proc/$1/stat"; read -ra f <<<"${l##*) }"; REPLY=${f[$2 - 3]}; }
cputicks() { local u; statf "$1" 14; u=$REPLY; statf "$1" 15; REPLY=$((u + REPLY)); }
spin() { exec bash -c 'while :; do :; done'; }

say "kernel $(uname -r); controllers: $(cat $CG/cgroup.controllers)"
echo "+vcpuboost" >$CG/cgroup.subtree_control

say "a VM cgroup with per-vCPU threaded children"
mkdir -p $CG/vm1
# A VMM process would live in vm1 and move each vCPU thread to vm1/vcpuN.
for i in 0 1; do
	mkdir $CG/vm1/vcpu$i
	echo threaded >$CG/vm1/vcpu$i/cgroup.type
done
echo "+vcpuboost" >$CG/vm1/cgroup.subtree_control
# Limits (budget, ceiling) bind the whole VM; triggers and slice are each
# cgroup's own, so they are set where the vCPU threads are.
echo "20000 100000" >$CG/vm1/vcpuboost.max       # 20% of a CPU boosted, per VM
# A new cgroup grants no boost (prio.max 0): every level down to the vCPU's
# has to allow it, and the lowest ceiling on the way binds.
echo 10 >$CG/vm1/vcpuboost.prio.max              # never above SCHED_FIFO 10
echo max >$CG/vm1/vcpu0/vcpuboost.prio.max       # vCPU 0: what the VM allows
for i in 0 1; do
	printf 'guest 5\ntimer 2\nirq 2\n' >$CG/vm1/vcpu$i/vcpuboost.triggers
	echo 100000 >$CG/vm1/vcpu$i/vcpuboost.slice  # one boost lasts at most 100ms
done
echo 3 >$CG/vm1/vcpu1/vcpuboost.prio.max         # vCPU 1: at most SCHED_FIFO 3
show() { printf '%-34s %s\n' "$1" "$(tr '\n' ' ' <$CG/$1)"; }
for f in max prio.max; do show vm1/vcpuboost.$f; done
for f in triggers slice prio.effective; do show vm1/vcpu0/vcpuboost.$f; done
show vm1/vcpu1/vcpuboost.prio.effective

say "a busy 'vCPU' thread and a CFS hog pinned to CPU 0"
(echo $BASHPID >$CG/vm1/cgroup.procs; taskset -pc 0 $BASHPID >/dev/null; spin) &
vcpu=$!
sleep 0.2
echo $vcpu >$CG/vm1/vcpu0/cgroup.threads
taskset -c 0 bash -c 'while :; do :; done' &
hog=$!
taskset -pc 1 $$ >/dev/null
sleep 0.5

# A sleep that forks nothing.
mkfifo $TMPDIR/never; exec 9<>$TMPDIR/never
nap() { read -r -t "$1" -u 9 _; }

share() {	# CPU share of the vCPU over 3 s into $REPLY, reporting $1 every 10ms
	local v0 h0 v1 h1 end=$((SECONDS + 3))
	cputicks $vcpu; v0=$REPLY; cputicks $hog; h0=$REPLY
	while [ $SECONDS -lt $end ]; do
		[ -n "$1" ] && echo "$vcpu $1" >$REPORT
		nap 0.01
	done
	cputicks $vcpu; v1=$REPLY; cputicks $hog; h1=$REPLY
	REPLY=$(( 100 * (v1 - v0) / (v1 - v0 + h1 - h0 + 1) ))
}
share ''
pct=$REPLY
statf $vcpu 18
echo "no reports:               the vCPU gets $pct% of CPU 0, priority $REPLY (SCHED_OTHER)"
echo "$vcpu guest 99" >$REPORT
statf $vcpu 18
echo "the guest asks for 99:    priority $REPLY, i.e. SCHED_FIFO $((-1 - REPLY)): its trigger value, 5, caps it"
echo "$vcpu guest 0" >$REPORT
statf $vcpu 18
echo "the guest withdraws it:   priority $REPLY"
echo max >$CG/vm1/vcpuboost.max
share 'timer 99'
echo "$vcpu timer 0" >$REPORT
echo "timer reported every 10ms, no budget:   the vCPU gets $REPLY% of CPU 0"
echo "20000 100000" >$CG/vm1/vcpuboost.max
share 'timer 99'
echo "$vcpu timer 0" >$REPORT
echo "timer reported every 10ms, 20% budget:  the vCPU gets $REPLY% of CPU 0, the hog keeps $((100 - REPLY))%"

say "vm1/vcpuboost.stat"
cat $CG/vm1/vcpuboost.stat
say "vm1/vcpuboost.events"
cat $CG/vm1/vcpuboost.events
kill $vcpu $hog
wait 2>/dev/null

say "a KVM guest's timer latency beside a CFS hog: no boost, vcpuboost, static SCHED_FIFO"
echo "(a guest arms its LAPIC timer every 1 ms and records how late each interrupt is handled)"
BENCH_MODE=demo bash "$VB_REPO/tools/testing/vcpuboost/guest/bench.sh"
