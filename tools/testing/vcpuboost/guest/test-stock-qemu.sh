#!/bin/bash
# Stock QEMU, no opt-in: run Debian's qemu-system-x86_64 with KVM inside the
# booted patched kernel on a tiny guest (tools/testing/vcpuboost/guest/tinyguest, a LAPIC
# timer at 1 ms, built on the host by `make selftests`) and check that its
# events reach vcpuboost only when the administrator had turned on the kvm
# module parameter vcpu_boost when the VM was created: a VM started with it
# off reports nothing, even once it is turned on; one started with it on
# reports. Run as root inside the guest; prints TAP 13 and exits 0 only if
# every test passes.
#
# Environment: VB_REPO (the repository), VB_BUILD (its build dir), cgroup2
# on /sys/fs/cgroup, /dev/kvm, kvm_amd loaded.
set -u
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

CG=/sys/fs/cgroup
VM=$CG/stockvm
PARAM=/sys/module/kvm/parameters/vcpu_boost
GUEST=${VB_REPO:-}/tools/testing/vcpuboost/guest/tinyguest/tinyguest.elf
QEMU=qemu-system-x86_64
WORK=${TMPDIR:-/run/tmp}/stock-qemu.$$
DC=$WORK/dc.log
QLOG=$WORK/qemu.log
NTESTS=8

echo "TAP version 13"
if ! command -v $QEMU >/dev/null 2>&1; then
	echo "1..0 # SKIP $QEMU not installed"
	exit 0
fi
if [ ! -c /dev/kvm ]; then
	echo "1..0 # SKIP no /dev/kvm"
	exit 0
fi
echo "1..$NTESTS"

. "$(dirname "$0")/tap.sh"
. "$(dirname "$0")/qemu.sh"
qpid=
param_orig=
cleaned=0

ticks() { debugcon_ticks "$DC"; }
stat_get() {	# stat_get KEY: a counter of stockvm's vcpuboost.stat (empty if absent)
	awk -v k="$1" '$1 == k { print $2 }' "$VM/vcpuboost.stat" 2>/dev/null
}
reports_sum() {	# every reports_* counter of stockvm, summed
	awk '/^reports_/ { s += $2 } END { print s + 0 }' "$VM/vcpuboost.stat" 2>/dev/null
}

diag() {	# diag: what to look at when something failed
	{
		echo "--- vcpu_boost parameter: $(cat $PARAM 2>/dev/null || echo absent)"
		echo "--- stockvm/vcpuboost.stat:"
		cat "$VM/vcpuboost.stat" 2>&1
		echo "--- stockvm/vcpu0/vcpuboost.stat:"
		cat "$VM/vcpu0/vcpuboost.stat" 2>&1
		echo "--- stockvm/vcpu0/cgroup.threads: $(cat "$VM/vcpu0/cgroup.threads" 2>&1 | tr '\n' ' ')"
		echo "--- qemu (pid ${qpid:-none}) $(qemu_alive && echo running || echo not running), threads:"
		[ -n "$qpid" ] && for t in /proc/$qpid/task/*; do
			[ -r "$t/comm" ] && echo "$(basename "$t") $(cat "$t/comm" 2>/dev/null)"
		done
		echo "--- dc.log ($(ticks) ticks), tail:"
		tail -c 300 "$DC" 2>&1
		echo
		echo "--- qemu log, tail:"
		tail -n 20 "$QLOG" 2>&1
	} | comment
}

set_param() {	# set_param Y|N
	[ -w "$PARAM" ] && echo "$1" >"$PARAM" 2>/dev/null
}

stop_vm() {	# stop_vm: end QEMU, and remove its cgroups
	local i
	if qemu_alive; then
		kill -TERM "$qpid" 2>/dev/null
		for i in $(seq 1 100); do
			qemu_alive || break
			sleep 0.1
		done
		qemu_alive && kill -KILL "$qpid" 2>/dev/null
	fi
	[ -n "$qpid" ] && wait "$qpid" 2>/dev/null
	# A cgroup whose last task just exited may stay busy for a moment.
	for i in $(seq 1 50); do
		[ -d "$VM/vcpu0" ] && rmdir "$VM/vcpu0" 2>/dev/null
		[ -d "$VM" ] && rmdir "$VM" 2>/dev/null
		[ -d "$VM" ] || break
		sleep 0.1
	done
}

cleanup() {
	[ "$cleaned" = 1 ] && return 0
	cleaned=1
	stop_vm
	[ -n "$param_orig" ] && set_param "$param_orig"
	rm -rf "$WORK"
}
trap 'cleanup' EXIT
trap 'exit 130' INT TERM

# A previous run of this script in the same boot may have left its cgroups.
rmdir "$VM/vcpu0" "$VM" 2>/dev/null

# start_vm: QEMU in stockvm from its first instruction, its vCPU thread in
# the threaded child vcpu0, boosts granted, the guest ticking. Sets qpid;
# on failure, why. Now and then a nested guest never starts under the
# emulation: QEMU and its vCPU thread run, and the guest writes nothing, in
# about one boot in five here, with vcpu_boost N (nothing reported) as well
# as Y. A guest that has not ticked within a minute, where it takes a
# second, is booted again, twice at most; each failed boot is shown.
start_vm() {
	local try
	for try in 1 2 3; do
		start_vm_once || return 1
		wait_ticks 1 60 && return 0
		why="the guest did not tick in $waited s, in 3 boots"
		echo "# boot $try: the guest did not tick in $waited s"
		diag
		stop_vm
	done
	return 1
}

start_vm_once() {
	local i t
	why='' vcpu=''
	rm -f "$DC"
	if ! echo +vcpuboost >$CG/cgroup.subtree_control; then
		why="cannot enable vcpuboost on the root"
		return 1
	elif ! mkdir "$VM"; then
		why="cannot create $VM"
		return 1
	fi
	# bash moves itself, then becomes QEMU: $! is QEMU's pid.
	bash -c 'echo $$ >"$1/cgroup.procs" || exit 99; shift; exec "$@"' \
		stock-qemu "$VM" \
		$QEMU -enable-kvm -cpu host -m 64 -smp 1 -name stockvm,debug-threads=on \
		-nodefaults -no-user-config -display none -no-reboot \
		-kernel "$GUEST" -debugcon file:"$DC" \
		</dev/null >"$QLOG" 2>&1 &
	qpid=$!
	if ! echo +vcpuboost >"$VM/cgroup.subtree_control"; then
		why="cannot enable vcpuboost in stockvm"
		return 1
	fi
	if ! { mkdir "$VM/vcpu0" && echo threaded >"$VM/vcpu0/cgroup.type"; }; then
		why="cannot create the threaded child vcpu0"
		return 1
	fi
	vcpu=$(qemu_vcpu_thread)
	if [ -z "$vcpu" ]; then
		why="no 'CPU 0/KVM' thread in QEMU within 60 s"
	elif ! echo "$vcpu" >"$VM/vcpu0/cgroup.threads"; then
		why="cannot move thread $vcpu into vcpu0"
	elif ! echo max >"$VM/vcpuboost.prio.max" || ! echo max >"$VM/vcpu0/vcpuboost.prio.max"; then
		why="cannot grant vcpuboost.prio.max"
	elif [ -z "$(stat_get reports_timer)" ] || [ -z "$(stat_get grants)" ]; then
		why="no reports_timer or grants in stockvm/vcpuboost.stat"
	elif ! grep -qx "$qpid" "$VM/cgroup.procs"; then
		why="QEMU (pid $qpid) not in stockvm/cgroup.procs"
	fi
	[ -z "$why" ]
}

# wait_ticks N SECONDS: until the guest wrote N more ticks, SECONDS of
# wall time at most however slow the polling is; sets waited.
wait_ticks() {
	local t0 start=$SECONDS
	t0=$(ticks)
	while [ $((SECONDS - start)) -lt "$2" ]; do
		[ "$(ticks)" -ge $((t0 + $1)) ] && break
		qemu_alive || break
		sleep 0.5
	done
	waited=$((SECONDS - start))
	[ "$(ticks)" -ge $((t0 + $1)) ]
}

mkdir -p "$WORK"
if [ -e "$PARAM" ]; then
	param_orig=$(cat "$PARAM")
fi

# 1-3. The VM started with vcpu_boost=N, whose VMM does not opt in: its
#    guest runs, and nothing of it is reported, even once vcpu_boost is Y.
#    start_vm waits for its first tick, a minute per boot at most.
T1="VM started with vcpu_boost=N: QEMU in stockvm, 'CPU 0/KVM' in vcpu0, prio.max granted"
T2="the tiny guest runs under KVM (timer ticks on its debug console)"
T3="a VM started with vcpu_boost=N reports nothing, also after vcpu_boost=Y"
setup_ok=0
if [ ! -f "$GUEST" ]; then
	notok "$T1" "no $GUEST (make selftests builds it on the host)"
elif [ -e "$PARAM" ] && ! set_param N; then
	notok "$T1" "cannot write N to $PARAM"
elif start_vm; then
	ok "$T1"
	setup_ok=1
else
	notok "$T1" "$why"
	diag
fi
if [ "$setup_ok" = 1 ] && wait_ticks 3 120; then
	ok "$T2"
	echo "# guest: $(ticks) ticks after $waited s"
elif [ "$setup_ok" = 1 ]; then
	notok "$T2" "$(ticks) ticks after $waited s$(qemu_alive || echo ', QEMU exited')"
	diag
	setup_ok=0
else
	skip "$T2" "setup failed"
fi
if [ "$setup_ok" = 1 ]; then
	sleep 3
	set_param Y
	wait_ticks 2 20
	r=$(reports_sum) g=$(stat_get grants)
	if [ "$r" = 0 ] && [ "${g:-x}" = 0 ]; then
		ok "$T3"
	else
		notok "$T3" "reports $r, grants ${g:-absent} with $(ticks) ticks"
		diag
	fi
else
	skip "$T3" "setup failed"
fi
stop_vm

# 4-7. The VM started with vcpu_boost=Y, by the same QEMU that knows
#    nothing of it: its timer (or interrupt) events are reported, boosts
#    granted, and the guest keeps running.
T4="VM started with vcpu_boost=Y: QEMU in stockvm, 'CPU 0/KVM' in vcpu0, prio.max granted"
T5="vcpu_boost=Y: the VM's timer or interrupt events are reported"
T6="vcpu_boost=Y: boosts are granted"
T7="the guest keeps ticking with vcpu_boost=Y"
setup_ok=0
if [ ! -e "$PARAM" ] || ! set_param Y; then
	notok "$T4" "cannot write Y to $PARAM"
elif start_vm; then
	ok "$T4"
	setup_ok=1
else
	notok "$T4" "$why"
	diag
fi
if [ "$setup_ok" = 1 ] && wait_ticks 3 120; then
	for i in $(seq 1 30); do	# 15 s
		rt=$(stat_get reports_timer) ri=$(stat_get reports_irq) g=$(stat_get grants)
		[ $((${rt:-0} + ${ri:-0})) -gt 0 ] && [ "${g:-0}" -gt 0 ] && break
		qemu_alive || break
		sleep 0.5
	done
	echo "# reports_timer ${rt:-absent}, reports_irq ${ri:-absent}, grants ${g:-absent}"
	if [ $((${rt:-0} + ${ri:-0})) -gt 0 ]; then
		ok "$T5"
	else
		notok "$T5" "reports_timer ${rt:-absent}, reports_irq ${ri:-absent}"
	fi
	if [ "${g:-0}" -gt 0 ]; then
		ok "$T6"
	else
		notok "$T6" "grants ${g:-absent}"
	fi
	[ $((${rt:-0} + ${ri:-0})) -gt 0 ] && [ "${g:-0}" -gt 0 ] || diag
	if wait_ticks 2 20; then
		ok "$T7"
	else
		notok "$T7" "no 2 more ticks in $waited s"
		diag
	fi
	echo "# stockvm/vcpuboost.stat: $(tr '\n' ' ' <"$VM/vcpuboost.stat")"
else
	notok "$T5" "the guest did not run"
	skip "$T6" "the guest did not run"
	skip "$T7" "the guest did not run"
	[ "$setup_ok" = 1 ] && diag
fi

# 8. Cleanup: QEMU gone, the parameter restored, the cgroups removed.
T8="cleanup: QEMU ended, vcpu_boost restored, stockvm removed"
cleanup
why=
if [ -n "$qpid" ] && kill -0 "$qpid" 2>/dev/null; then
	why="QEMU (pid $qpid) still running"
elif [ -n "$param_orig" ] && [ "$(cat $PARAM)" != "$param_orig" ]; then
	why="vcpu_boost is $(cat $PARAM), was $param_orig"
elif [ -d "$VM" ]; then
	why="cannot remove $VM"
fi
if [ -z "$why" ]; then
	ok "$T8"
else
	notok "$T8" "$why"
fi

[ "$failed" = 0 ]
