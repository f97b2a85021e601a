#!/bin/bash
# The operator's tool, vcpuboost(8), against real cgroups in the booted
# patched kernel: every subcommand; bad arguments exit 2 and write nothing;
# status --json parsed; top driven in tmux; watch woken by a throttle event
# made with the debugfs test reporter; export checked by promtool, and its
# textfile replaced atomically; vm attach/detach on Debian's stock QEMU
# under KVM: running the tiny guest (or, with VB_TOOL_LINUX_GUEST=1, a
# Linux guest, build/bzImage-guest) with kvm.vcpu_boost=Y (events
# reported, boosts granted); with it N in a KubeVirt-like container cgroup (attach says the VM
# cannot report and what to do), with --cgroup and --vcpu-threads, and in
# libvirt's layout; a KVM selftest VM; detaching or the VM's exit leaves
# nothing behind. Run as root inside the guest; prints TAP 13 and exits 0
# only if every test passes.
#
# Environment: VB_REPO (the repository), VB_BUILD (its build dir, with the
# tool at tools/vcpuboost), cgroup2 on /sys/fs/cgroup, debugfs, /dev/kvm
# with kvm_amd loaded, a writable TMPDIR (/run/tmp).
set -u
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

CG=/sys/fs/cgroup
T=tooltest			# the tests' cgroup, below the root
TD=$CG/$T
VB=${VB_BUILD:-}/tools/vcpuboost
PARAM=/sys/module/kvm/parameters/vcpu_boost
REPORT=/sys/kernel/debug/vcpuboost/report
GUEST=${VB_REPO:-}/tools/testing/vcpuboost/guest/tinyguest/tinyguest.elf
LGUEST=${VB_BUILD:-}/bzImage-guest		# make guest-kernel
LINITRD=${VB_BUILD:-}/guest/initramfs.cpio
QEMU=qemu-system-x86_64
WORK=${TMPDIR:-/run/tmp}/test-tool.$$
NTESTS=33

echo "TAP version 13"
if [ ! -x "$VB" ]; then
	echo "1..0 # SKIP no $VB (make -C tools/vcpuboost O=\$VB_BUILD/tools)"
	exit 0
fi
echo "1..$NTESTS"

. "$(dirname "$0")/tap.sh"
. "$(dirname "$0")/qemu.sh"
qpid=
busy=
param_orig=
cleaned=0

check() {	# check NAME: ok if $why is empty, else not ok with it
	if [ -z "$why" ]; then ok "$1"; else notok "$1" "$why"; fi
}
# slurp VAR FILE: FILE's text in VAR, without its last newlines, as $(cat)
# would, but with builtins only: under emulation every fork and exec costs
# the guest tenths of a second, and the tests below run the tool often.
slurp() {
	local text=
	IFS= read -r -d '' text <"$2"
	while [[ $text == *$'\n' ]]; do
		text=${text%$'\n'}
	done
	printf -v "$1" '%s' "$text"
}
# run ARGS...: the tool, stdout to $out, stderr to $err, status to $rc.
run() {
	"$VB" "$@" </dev/null >"$WORK/out" 2>"$WORK/err"
	rc=$?
	slurp out "$WORK/out"
	slurp err "$WORK/err"
}
show() {	# show: the last run's output, as TAP comments
	{ echo "rc=$rc"; cat "$WORK/out" "$WORK/err"; } | comment
}

# snap DIR: every vcpuboost.* and cgroup.* setting file of DIR, for before/after
snap() {
	local f
	for f in "$1"/vcpuboost.max "$1"/vcpuboost.prio.max "$1"/vcpuboost.triggers \
		 "$1"/vcpuboost.slice "$1"/cgroup.subtree_control "$1"/cgroup.type; do
		echo "== $f"
		cat "$f" 2>&1
	done
}

ticks() {	# the guest's ticks so far: one per 100 timer interrupts or sleeps
	local text= n=0
	# Builtins only, as debugcon_ticks(): polled every half second.
	if [ "${guest_kind:-tiny}" = linux ]; then
		[ -f "$WORK/ser.log" ] && IFS= read -r -d '' text <"$WORK/ser.log"
		while [[ $text == *"vcpuboost-guest: tick"* ]]; do
			text=${text#*"vcpuboost-guest: tick"}
			n=$((n + 1))
		done
		echo $n
	else
		debugcon_ticks "$WORK/dc.log"
	fi
}
stat_get() {	# stat_get CGROUPDIR KEY
	awk -v k="$2" '$1 == k { print $2 }' "$1/vcpuboost.stat" 2>/dev/null
}
set_param() {	# set_param Y|N
	[ -w "$PARAM" ] && echo "$1" >"$PARAM" 2>/dev/null
}

# start_vm [CGROUPDIR [linux]]: stock QEMU on the tiny guest, or with
# "linux" on the nested Linux guest (build/bzImage-guest, its initramfs
# sleeping 10 ms in a loop), in CGROUPDIR if given (moved there before
# exec, so from its first instruction), else where this script is. Waits
# for 'CPU 0/KVM' and for the guest to tick. Sets qpid and vcpu; on
# failure, why. Under the emulation a nested guest now and then never
# starts, QEMU and its vCPU thread running, whatever vcpuboost does: the
# Linux guest in more than half of its boots, the tiny guest in about one
# in five. A guest that has not ticked within a minute, where it takes
# seconds, is booted again, twice at most; each failed boot is shown.
start_vm() {
	local try
	for try in 1 2 3; do
		start_vm_once "$@" && return 0
		echo "# boot $try of the ${2:-tiny} guest: $why" >&2
		stop_vm
	done
	return 1
}

start_vm_once() {
	local start
	why='' vcpu='' guest_kind=${2:-tiny}
	rm -f "$WORK/dc.log" "$WORK/ser.log"
	if [ "$guest_kind" = linux ]; then
		set -- "${1:-}" -m 256 -kernel "$LGUEST" -initrd "$LINITRD" \
			-append "console=ttyS0 quiet vb_job=tick" -serial file:"$WORK/ser.log"
	else
		set -- "${1:-}" -m 64 -kernel "$GUEST" -debugcon file:"$WORK/dc.log"
	fi
	bash -c '[ -z "$1" ] || echo $$ >"$1/cgroup.procs" || exit 99; shift; exec "$@"' \
		start-vm "$1" \
		$QEMU -enable-kvm -cpu host -smp 1 -name tooltest,debug-threads=on \
		-nodefaults -no-user-config -display none -no-reboot "${@:2}" \
		</dev/null >"$WORK/qemu.log" 2>&1 &
	qpid=$!
	vcpu=$(qemu_vcpu_thread)
	if [ -z "$vcpu" ]; then
		why="no 'CPU 0/KVM' thread in QEMU within 60 s: $(tail -3 "$WORK/qemu.log" | tr '\n' ' ')"
		return 1
	fi
	# Wall time, however slow the polling is under the emulation.
	start=$SECONDS
	while [ $((SECONDS - start)) -lt 60 ]; do
		[ "$(ticks)" -ge 2 ] && break
		qemu_alive || break
		sleep 0.5
	done
	if [ "$(ticks)" -lt 2 ]; then
		why="the $guest_kind guest did not tick in $((SECONDS - start)) s ($(ticks) ticks$(qemu_alive || echo ', QEMU exited'))"
		return 1
	fi
	return 0
}

stop_vm() {
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
	qpid=
}

# rmtree DIR: remove a cgroup and its children, deepest first; a cgroup
# whose last task just exited may stay busy for a moment.
rmtree() {
	local i
	[ -d "$1" ] || return 0
	for i in $(seq 1 50); do
		find "$1" -depth -type d -exec rmdir {} \; 2>/dev/null
		[ -d "$1" ] || return 0
		sleep 0.1
	done
	return 1
}

cleanup() {
	[ "$cleaned" = 1 ] && return 0
	cleaned=1
	tmux kill-server 2>/dev/null
	[ -n "$busy" ] && kill -KILL "$busy" 2>/dev/null
	[ -n "$busy" ] && wait "$busy" 2>/dev/null
	busy=
	[ -n "${launcher:-}" ] && kill -KILL "$launcher" 2>/dev/null
	stop_vm
	for d in "$TD" "$CG/toolvm" "$CG/kubepods.slice"; do
		rmtree "$d"
	done
	[ -n "$param_orig" ] && set_param "$param_orig"
	rm -rf "$WORK"
}
trap 'cleanup' EXIT
trap 'exit 130' INT TERM

mkdir -p "$WORK"
export TMUX_TMPDIR=$WORK
[ -e "$PARAM" ] && param_orig=$(cat "$PARAM")
for d in "$TD" "$CG/toolvm" "$CG/kubepods.slice"; do
	rmtree "$d"	# a previous run in the same boot
done

# 1. The tool runs.
run --help
why=
[ "$rc" = 0 ] || why="--help exit $rc"
echo "$out" | grep -q 'vm attach PID' || why="${why:-no usage text}"
check "vcpuboost --help prints the usage, exit 0"

# Test cgroups: $T (prio.max granted), $T/a; vcpuboost enabled by hand.
echo +vcpuboost >$CG/cgroup.subtree_control
mkdir -p "$TD/a"
echo +vcpuboost >"$TD/cgroup.subtree_control"

# 2. Bad arguments: exit 2, a message naming the argument, nothing written.
before=$(snap "$TD/a")
why=
for args in "--budget 5/10" "--budget abc/100000" "--budget 3000000/1000000" \
	    "--budget 999999999" "--prio-max 100" "--prio-max -1" "--prio-max 5x" \
	    "--trigger foo=1" "--trigger irq=100" "--trigger irq" \
	    "--trigger irq=1 --trigger irq=2" "--slice 5" "--slice 1000001" \
	    "--prio-max 5 --slice 5" "--budget 1000/100000 --trigger timer=x" \
	    "--bogus 1" ""; do
	run set "$T/a" $args
	if [ "$rc" != 2 ]; then
		why="set $T/a $args: exit $rc, not 2"
		show
		break
	fi
	# The message names the bad option: the last one given.
	opt=
	for w in $args; do
		[[ $w == --* ]] && opt=$w
	done
	if [ -n "$opt" ] && [[ $err != *"$opt"* ]]; then
		why="set $T/a $args: the message does not name the argument: $err"
		break
	fi
done
for args in "vm attach" "vm attach x" "vm attach 1 --vcpu-threads 0" \
	    "vm attach $$ --prio-max 200" "vm attach $$ --cgroup ../x" \
	    "vm frob" "top -d 0" "top -n x" "watch" "watch $T/a --count 0" \
	    "export --textfile /nonexistent" "status $T/nonexistent" \
	    "set $T/nonexistent --slice 100" "frob"; do
	[ -n "$why" ] && break
	run $args
	if [ "$rc" != 2 ]; then
		why="$args: exit $rc, not 2"
		show
	fi
done
after=$(snap "$TD/a")
if [ -z "$why" ] && [ "$before" != "$after" ]; then
	why="files changed"
	diff <(echo "$before") <(echo "$after") | comment
fi
[ -z "$why" ] && [ -e "$TD/vcpu0" ] && why="a vcpu0 appeared"
check "bad arguments exit 2, name the argument and write nothing"

# 3. set writes every setting.
run set "$T/a" --budget 20000/50000 --prio-max 7 --trigger irq=5 \
	--trigger timer=max --slice 300
why=
[ "$rc" = 0 ] || why="exit $rc: $err"
[ -z "$why" ] && [ "$(cat "$TD/a/vcpuboost.max")" != "20000 50000" ] && \
	why="vcpuboost.max is $(cat "$TD/a/vcpuboost.max")"
[ -z "$why" ] && [ "$(cat "$TD/a/vcpuboost.prio.max")" != 7 ] && \
	why="prio.max is $(cat "$TD/a/vcpuboost.prio.max")"
[ -z "$why" ] && ! grep -qx 'irq 5' "$TD/a/vcpuboost.triggers" && why="triggers: $(cat "$TD/a/vcpuboost.triggers" | tr '\n' ' ')"
[ -z "$why" ] && ! grep -qx 'timer max' "$TD/a/vcpuboost.triggers" && why="triggers: $(cat "$TD/a/vcpuboost.triggers" | tr '\n' ' ')"
[ -z "$why" ] && ! grep -qx 'guest 1' "$TD/a/vcpuboost.triggers" && why="other triggers changed"
[ -z "$why" ] && [ "$(cat "$TD/a/vcpuboost.slice")" != 300 ] && why="slice $(cat "$TD/a/vcpuboost.slice")"
if [ -z "$why" ]; then	# MAX alone keeps the period, absolute paths work
	run set "$TD/a" --budget 10000
	[ "$rc" = 0 ] && [ "$(cat "$TD/a/vcpuboost.max")" = "10000 50000" ] || \
		why="--budget 10000 (absolute path): exit $rc, vcpuboost.max $(cat "$TD/a/vcpuboost.max")"
fi
check "set writes --budget, --prio-max, --trigger, --slice; MAX alone keeps the period"

# 4. set where vcpuboost is not enabled: exit 1 and the command to run.
mkdir -p "$TD/a/b"
run set "$T/a/b" --slice 100
why=
[ "$rc" = 1 ] || why="exit $rc"
echo "$err" | grep -q "echo +vcpuboost > $TD/a/cgroup.subtree_control" || why="${why:-message: $err}"
check "set on a cgroup without vcpuboost: exit 1, says what to enable"
rmdir "$TD/a/b"

# 5. status (text): the tree with settings, ceiling and counters.
echo max >"$TD/vcpuboost.prio.max"
run status "$T"
why=
[ "$rc" = 0 ] || why="exit $rc: $err"
echo "$out" | grep -q "^  /$T/a " || why="${why:-no /$T/a row}"
echo "$out" | grep -q "budget 10000/50000 us  prio.max 7  effective 7  slice 300 us" || why="${why:-settings line missing}"
echo "$out" | grep -q "triggers guest=1 irq=5 timer=max" || why="${why:-triggers line missing}"
[ -n "$why" ] && show
check "status CGROUP prints the tree with settings, effective ceiling, counters"

# 6. status --json: parsed, numbers as numbers, "max" as "max".
run set "$T" --budget max/200000
run status --json
why=
[ "$rc" = 0 ] || why="exit $rc: $err"
if [ -z "$why" ]; then
	why=$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
t = "/" + sys.argv[2]
cg = {c["path"]: c for c in d["cgroups"]}
assert d["mount"] == "/sys/fs/cgroup", d["mount"]
assert cg["/"]["root"] is True and "budget" not in cg["/"], cg["/"]
a, top = cg[t + "/a"], cg[t]
assert a["budget"] == {"max": 10000, "period": 50000}, a["budget"]
assert top["budget"] == {"max": "max", "period": 200000}, top["budget"]
assert top["prio_max"] == "max" and a["prio_max"] == 7, (top["prio_max"], a["prio_max"])
assert a["prio_effective"] == 7 and a["prio_limited_by"] == t + "/a"
assert a["triggers"] == {"guest": 1, "irq": 5, "timer": "max", "nmi": 1, "unhalt": 1}
assert a["slice"] == 300 and a["depth"] == 2 and a["type"] == "domain"
for k in ("boosted_usec", "grants", "denied", "expired", "retracted", "revoked",
          "nr_throttled", "throttled_usec", "nr_boosted", "reports_guest",
          "reports_irq", "reports_timer", "reports_nmi", "reports_unhalt"):
    assert type(a["stat"][k]) is int, k
assert type(a["events"]["throttled"]) is int
assert type(a["events_local"]["throttled"]) is int
' "$WORK/out" "$T" 2>&1 | tail -3)
fi
check "status --json parses; numbers are numbers, max is \"max\""

# 7. export: promtool accepts it.
run export
why=
[ "$rc" = 0 ] || why="exit $rc: $err"
for m in vcpuboost_boosted_seconds_total vcpuboost_grants_total \
	 'vcpuboost_reports_total{cgroup="/'$T'/a",trigger="timer"}' \
	 'vcpuboost_budget_seconds{cgroup="/'$T'/a"} 0.01' \
	 'vcpuboost_budget_seconds{cgroup="/'$T'"} +Inf' \
	 'vcpuboost_period_seconds{cgroup="/'$T'/a"} 0.05' \
	 'vcpuboost_prio_max{cgroup="/'$T'/a"} 7' '# TYPE vcpuboost_grants_total counter'; do
	echo "$out" | grep -qF "$m" || why="${why:-no $m}"
done
if ! command -v promtool >/dev/null; then
	skip "export passes promtool check metrics" "no promtool"
else
	lint=$(promtool check metrics <"$WORK/out" 2>&1) || why="${why:-promtool: $lint}"
	[ -n "$lint" ] && echo "$lint" | comment
	check "export passes promtool check metrics, names in base units"
fi

# 8. export --textfile: DIR/vcpuboost.prom replaced by rename, no temp left.
mkdir -p "$WORK/prom"
run export --textfile "$WORK/prom"
why=
[ "$rc" = 0 ] && [ -f "$WORK/prom/vcpuboost.prom" ] || why="exit $rc, $(ls "$WORK/prom")"
ino1=$(stat -c %i "$WORK/prom/vcpuboost.prom" 2>/dev/null)
# A reader during a burst of exports always sees a whole file: its last
# line is the last metric's. Read with builtins, which open the file once,
# so that the reader does not take the CPU the exports need.
( for i in $(seq 1 20); do "$VB" export --textfile "$WORK/prom" || exit 1; done ) &
wpid=$!
partial=0 reads=0
while kill -0 $wpid 2>/dev/null; do
	mapfile -t lines <"$WORK/prom/vcpuboost.prom"
	reads=$((reads + 1))
	[ ${#lines[@]} -gt 0 ] && [[ ${lines[-1]} == vcpuboost_trigger_level\{* ]] ||
		partial=$((partial + 1))
done
echo "# $reads reads during 20 exports"
wait $wpid || why="${why:-an export in the loop failed}"
ino2=$(stat -c %i "$WORK/prom/vcpuboost.prom" 2>/dev/null)
[ "$partial" = 0 ] || why="${why:-$partial reads saw a partial file}"
[ "$ino1" != "$ino2" ] || why="${why:-same inode: not replaced by rename}"
[ "$(ls -A "$WORK/prom")" = vcpuboost.prom ] || why="${why:-left: $(ls -A "$WORK/prom")}"
[ "$(stat -c %a "$WORK/prom/vcpuboost.prom")" = 644 ] || why="${why:-mode $(stat -c %a "$WORK/prom/vcpuboost.prom")}"
if [ -z "$why" ] && command -v promtool >/dev/null; then
	promtool check metrics <"$WORK/prom/vcpuboost.prom" >/dev/null 2>&1 || why="promtool rejects the textfile"
fi
check "export --textfile DIR replaces DIR/vcpuboost.prom atomically (temp + rename)"

# 9-10. watch: woken by a throttle event of a busy task with a tiny budget.
T9="watch prints a timestamped line per throttle event, woken by vcpuboost.events"
T10="watch ends on SIGTERM"
mkdir -p "$TD/w"
echo "1000 100000" >"$TD/w/vcpuboost.max"
# A slice far longer than the budget: the budget, not the slice, ends the
# boost. With both at 1 ms a boost that ran a little less than the slice
# was never throttled.
echo 50000 >"$TD/w/vcpuboost.slice"
echo max >"$TD/w/vcpuboost.prio.max"
bash -c 'while :; do :; done' &
busy=$!
echo $busy >"$TD/w/cgroup.procs"
why=
if [ ! -w "$REPORT" ]; then
	skip "$T9" "no $REPORT (CONFIG_CGROUP_VCPUBOOST_DEBUG)"
else
	ev0=$(awk '{ print $2 }' "$TD/w/vcpuboost.events")
	"$VB" watch "$T/w" --count 1 >"$WORK/watch.out" 2>"$WORK/watch.err" &
	wpid=$!
	for i in $(seq 1 100); do
		grep -q watching "$WORK/watch.err" && break
		sleep 0.1
	done
	sleep 0.5
	echo "$busy timer 50" >"$REPORT" || why="report failed"
	for i in $(seq 1 200); do	# 20 s
		kill -0 $wpid 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 $wpid 2>/dev/null; then
		why="${why:-watch still running 20 s after the report}"
		kill $wpid
	fi
	wait $wpid
	wrc=$?
	echo "$busy timer 0" >"$REPORT"
	ev1=$(awk '{ print $2 }' "$TD/w/vcpuboost.events")
	[ "${ev1:-0}" -gt "${ev0:-0}" ] || why="${why:-vcpuboost.events did not count: $ev0 -> $ev1}"
	grep -Eq "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+[-+][0-9]{4} /$T/w throttled \+[0-9]+ total [0-9]+" \
		"$WORK/watch.out" || why="${why:-no event line: $(cat "$WORK/watch.out" "$WORK/watch.err" | tr '\n' ' ')}"
	[ -z "$why" ] && [ "$wrc" != 0 ] && why="watch exit $wrc"
	check "$T9"
	cat "$WORK/watch.out" | comment
fi
"$VB" watch "$T/w" >/dev/null 2>"$WORK/watch.err" &
wpid=$!
sleep 1
kill -TERM $wpid
why=
for i in $(seq 1 50); do
	kill -0 $wpid 2>/dev/null || break
	sleep 0.1
done
if kill -0 $wpid 2>/dev/null; then
	why="still running 5 s after SIGTERM"
	kill -KILL $wpid
fi
wait $wpid
wrc=$?
[ -z "$why" ] && [ "$wrc" != 0 ] && why="exit $wrc"
check "$T10"
kill -KILL $busy 2>/dev/null
wait $busy 2>/dev/null
busy=

# 11-12. top: in a tmux pane, a few refreshes, q quits; -n for scripts.
T11="top in tmux: header and a row per cgroup, refreshed; q quits"
if ! command -v tmux >/dev/null; then
	skip "$T11" "no tmux"
else
	why=
	tmux new-session -d -s vbtop -x 120 -y 40 "$VB top -d 0.5; echo \$? >$WORK/top.rc; sleep 30" 2>"$WORK/tmux.err" ||
		why="tmux: $(cat "$WORK/tmux.err")"
	sleep 2
	s1=$(tmux capture-pane -p -t vbtop 2>&1)
	sleep 1.5
	s2=$(tmux capture-pane -p -t vbtop 2>&1)
	echo "$s1" | grep -q 'CGROUP.*BOOST%.*GRANT/s.*DENY/s.*EXPIR/s.*THROT.*NOW.*PRIO' || why="${why:-no header}"
	echo "$s2" | grep -Eq "^/$T/a +[0-9.]+ +[0-9.]+ +[0-9.]+ +[0-9.]+ +[0-9]+ +[0-9]+ +7 +10000/50000" || why="${why:-no /$T/a row with rates}"
	[ "$s1" != "$s2" ] || why="${why:-the screen did not refresh}"
	tmux send-keys -t vbtop q
	for i in $(seq 1 50); do
		[ -f "$WORK/top.rc" ] && break
		sleep 0.1
	done
	[ "$(cat "$WORK/top.rc" 2>/dev/null)" = 0 ] || why="${why:-q did not end top (rc $(cat "$WORK/top.rc" 2>/dev/null))}"
	tmux kill-server 2>/dev/null
	check "$T11"
	[ -n "$why" ] && { echo "$s2"; } | comment
fi
run top -d 0.2 -n 2
why=
[ "$rc" = 0 ] || why="exit $rc"
[ "$(echo "$out" | grep -c '^vcpuboost top')" = 2 ] || why="${why:-not 2 screens}"
check "top -n 2 (no terminal) prints two screens and exits 0"

# 13. attach refuses a cgroup shared with other processes, writes nothing.
mkdir -p "$TD/shared"
sleep 300 &
s1=$!
sleep 300 &
s2=$!
echo $s1 >"$TD/shared/cgroup.procs"
echo $s2 >"$TD/shared/cgroup.procs"
before=$(snap "$TD/shared")
run vm attach $s1 --prio-max 5
why=
[ "$rc" = 1 ] || why="exit $rc"
echo "$err" | grep -q "holds other processes than $s1 ($s2)" || why="${why:-message: $err}"
echo "$err" | grep -q -- "--cgroup PATH" || why="${why:-no --cgroup advice}"
[ "$before" = "$(snap "$TD/shared")" ] || why="${why:-files changed}"
[ -n "$out" ] && why="${why:-stdout: $out}"
check "vm attach refuses a cgroup holding other processes, writes nothing"
kill $s1 $s2
wait $s1 $s2 2>/dev/null
rmdir "$TD/shared"

# 14-19. (a) stock QEMU started with kvm.vcpu_boost=Y, in its own cgroup.
T14="(a) vm attach stock QEMU (vcpu_boost=Y): exit 0, stdout is the VM cgroup"
T15="(a) 'CPU 0/KVM' in threaded vcpu0, prio.max on the VM cgroup and vcpu0, vcpu0's default budget (10%)"
T16="(a) attach saw the VM report; reports_timer grows and boosts are granted"
T17="(a) status --json shows the VM cgroup and vcpu0 with its thread"
T18="(a) vm detach: prio.max 0, the thread back in the VM cgroup, vcpu0 removed"
T19="(a) VM exit after detach leaves nothing: the VM cgroup is removable"
setup=
if [ ! -c /dev/kvm ] || ! command -v $QEMU >/dev/null; then
	setup="no /dev/kvm or no $QEMU"
elif [ "${VB_TOOL_LINUX_GUEST:-0}" = 1 ] && { [ ! -f "$LGUEST" ] || [ ! -f "$LINITRD" ]; }; then
	setup="no $LGUEST or $LINITRD (make guest-kernel)"
elif [ ! -f "$GUEST" ]; then
	setup="no $GUEST (make -C tools/testing/vcpuboost/guest/tinyguest)"
elif ! set_param Y; then
	setup="cannot write Y to $PARAM"
else
	mkdir -p "$CG/toolvm"
	# VB_TOOL_LINUX_GUEST=1: a real Linux guest, as an operator runs it.
	# Not the default: in this test bed a nested Linux guest hangs in
	# most boots, whatever vcpuboost does (see start_vm()).
	if [ "${VB_TOOL_LINUX_GUEST:-0}" = 1 ]; then
		start_vm "$CG/toolvm" linux || setup=$why
	else
		start_vm "$CG/toolvm" || setup=$why
	fi
fi
if [ -n "$setup" ]; then
	notok "$T14" "$setup"
	for t in "$T15" "$T16" "$T17" "$T18" "$T19"; do skip "$t" "no VM"; done
	stop_vm
else
	run vm attach $qpid --prio-max max
	why=
	[ "$rc" = 0 ] || why="exit $rc"
	[ "$out" = "$CG/toolvm" ] || why="${why:-stdout '$out'}"
	check "$T14"
	show
	why=
	[ "$(cat "$CG/toolvm/vcpu0/cgroup.type" 2>&1)" = threaded ] || why="vcpu0 type $(cat "$CG/toolvm/vcpu0/cgroup.type" 2>&1)"
	grep -qx "$vcpu" "$CG/toolvm/vcpu0/cgroup.threads" 2>/dev/null || why="${why:-thread $vcpu not in vcpu0}"
	[ "$(cat "$CG/toolvm/cgroup.type")" = "domain threaded" ] || why="${why:-toolvm type $(cat "$CG/toolvm/cgroup.type")}"
	[ "$(cat "$CG/toolvm/vcpuboost.prio.max")" = max ] || why="${why:-toolvm prio.max}"
	[ "$(cat "$CG/toolvm/vcpu0/vcpuboost.prio.max" 2>&1)" = max ] || why="${why:-vcpu0 prio.max}"
	# A ceiling granted without --budget comes with one: the fair class
	# does not pay back what a boost takes.
	[ "$(cat "$CG/toolvm/vcpu0/vcpuboost.max" 2>&1)" = "10000 100000" ] || why="${why:-vcpu0 budget $(cat "$CG/toolvm/vcpu0/vcpuboost.max" 2>&1)}"
	[ "$(cat "$CG/toolvm/vcpuboost.max")" = "max 100000" ] || why="${why:-toolvm budget $(cat "$CG/toolvm/vcpuboost.max")}"
	echo "$err" | grep -q "no budget given" || why="${why:-no notice of the default budget}"
	grep -qx "$qpid" "$CG/toolvm/cgroup.procs" || why="${why:-QEMU left toolvm}"
	check "$T15"
	why=
	echo "$err" | grep -q "the VM reports its events" || why="attach did not see reports"
	r0=$(stat_get "$CG/toolvm" reports_timer)
	for i in $(seq 1 30); do
		r1=$(stat_get "$CG/toolvm" reports_timer)
		g=$(stat_get "$CG/toolvm/vcpu0" grants)
		[ "${r1:-0}" -gt "${r0:-0}" ] && [ "${g:-0}" -gt 0 ] && break
		sleep 0.5
	done
	[ "${r1:-0}" -gt "${r0:-0}" ] || why="${why:-reports_timer $r0 -> $r1}"
	[ "${g:-0}" -gt 0 ] || why="${why:-grants ${g:-absent}}"
	check "$T16"
	echo "toolvm/vcpuboost.stat: $(tr '\n' ' ' <"$CG/toolvm/vcpuboost.stat")" | comment
	run status toolvm --json
	why=
	[ "$rc" = 0 ] || why="exit $rc"
	[ -z "$why" ] && why=$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
cg = {c["path"]: c for c in d["cgroups"]}
vm, v0 = cg["/toolvm"], cg["/toolvm/vcpu0"]
assert vm["type"] == "domain threaded", vm["type"]
assert v0["type"] == "threaded" and v0["threads"] == 1, v0
assert v0["prio_effective"] == 99, v0["prio_effective"]
assert vm["stat"]["reports_timer"] > 0, vm["stat"]
' "$WORK/out" 2>&1 | tail -2)
	check "$T17"
	run vm detach $qpid
	why=
	[ "$rc" = 0 ] || why="exit $rc: $err"
	[ "$out" = "$CG/toolvm" ] || why="${why:-stdout '$out'}"
	[ -d "$CG/toolvm/vcpu0" ] && why="${why:-vcpu0 still there}"
	grep -qx "$vcpu" "$CG/toolvm/cgroup.threads" || why="${why:-thread $vcpu not back}"
	[ "$(cat "$CG/toolvm/vcpuboost.prio.max")" = 0 ] || why="${why:-prio.max $(cat "$CG/toolvm/vcpuboost.prio.max")}"
	[ "$(cat "$CG/toolvm/cgroup.type")" = domain ] || why="${why:-toolvm type $(cat "$CG/toolvm/cgroup.type")}"
	check "$T18"
	[ -n "$why" ] && show
	stop_vm
	why=
	ls -d "$CG"/toolvm/*/ 2>/dev/null | grep -q . && why="left: $(ls -d "$CG"/toolvm/*/)"
	rmtree "$CG/toolvm" || why="${why:-cannot remove toolvm}"
	check "$T19"
fi

# 20-22. (b) the same with kvm.vcpu_boost=N when the VM was created, the
#    VM in a container's cgroup as KubeVirt lays out its compute container:
#    QEMU beside another process of the pod (virt-launcher's stand-in).
T20="(b) KubeVirt layout: attach refuses the shared container cgroup without --shared, writes nothing"
T21="(b) vm attach --shared a VM created with vcpu_boost=N: exit 1, says to set kvm.vcpu_boost=1 and restart the VM"
T22b="(b) the container cgroup is the VM cgroup, its other process stays; detach undoes it"
KV=$CG/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-podvbtest.slice/cri-containerd-vbtest.scope
setup=
if [ ! -c /dev/kvm ] || [ ! -f "$GUEST" ] || ! command -v $QEMU >/dev/null; then
	setup="no /dev/kvm, $QEMU or guest"
elif ! set_param N; then
	setup="cannot write N to $PARAM"
else
	mkdir -p "$KV"
	bash -c 'echo $$ >"$1/cgroup.procs" && exec sleep 600' launcher "$KV" &
	launcher=$!
	start_vm "$KV" || setup=$why
fi
if [ -n "$setup" ]; then
	notok "$T20" "$setup"
	skip "$T21" "no VM"
	skip "$T22b" "no VM"
	stop_vm
else
	before=$(snap "$KV")
	run vm attach $qpid --prio-max 10
	why=
	[ "$rc" = 1 ] || why="exit $rc"
	echo "$err" | grep -q -- "--shared" || why="${why:-no hint of --shared}"
	[ -d "$KV/vcpu0" ] && why="${why:-vcpu0 made}"
	[ "$(snap "$KV")" = "$before" ] || why="${why:-the container cgroup changed}"
	check "$T20"
	run vm attach $qpid --shared --prio-max 10
	why=
	[ "$rc" = 1 ] || why="exit $rc"
	echo "$err" | grep -q "echo Y > $PARAM" || why="${why:-no 'echo Y > $PARAM'}"
	echo "$err" | grep -q "restart the VM" || why="${why:-no 'restart the VM'}"
	echo "$err" | grep -q "kvm.vcpu_boost is N" || why="${why:-param not reported}"
	check "$T21"
	show
	why=
	[ "$out" = "$KV" ] || why="stdout '$out'"
	grep -qx "$vcpu" "$KV/vcpu0/cgroup.threads" 2>/dev/null || why="${why:-thread not in vcpu0}"
	grep -qx "$launcher" "$KV/cgroup.procs" || why="${why:-the other process left}"
	[ "$(stat_get "$KV" reports_timer)" = 0 ] || why="${why:-reports_timer $(stat_get "$KV" reports_timer)}"
	run vm detach $qpid
	[ "$rc" = 0 ] && [ ! -d "$KV/vcpu0" ] || why="${why:-detach exit $rc, vcpu0 $([ -d "$KV/vcpu0" ] && echo left)}"
	check "$T22b"
	stop_vm
fi
[ -n "${launcher:-}" ] && kill "$launcher" 2>/dev/null && wait "$launcher" 2>/dev/null
launcher=
rmtree "$CG/kubepods.slice"

# 22-27. (c) QEMU in the root cgroup, given --cgroup and --vcpu-threads;
#    the ancestor $T with prio.max 0 limits the ceiling; VM exit without
#    detach leaves empty, unboosted vcpuN cgroups that rmdir removes.
T22="(c) vm attach refuses a VMM in the root cgroup, writes nothing, suggests --cgroup"
T23="(c) vm attach --cgroup NEW --vcpu-threads TID: created, enabled along the path, process moved"
T24="(c) --vcpu-threads: the given thread is vcpu0"
T25="(c) attach names the ancestor whose prio.max 0 keeps the effective ceiling 0"
T26="(c) grants follow once the ancestor is granted; reports counted in the new cgroup"
T27="(c) VM exit without detach: vcpu0 empty, nothing boosted, the cgroups removable"
setup=
if [ ! -c /dev/kvm ] || [ ! -f "$GUEST" ] || ! command -v $QEMU >/dev/null; then
	setup="no /dev/kvm, $QEMU or guest"
elif ! set_param Y; then
	setup="cannot write Y to $PARAM"
else
	start_vm || setup=$why
fi
if [ -n "$setup" ]; then
	notok "$T22" "$setup"
	for t in "$T23" "$T24" "$T25" "$T26" "$T27"; do skip "$t" "no VM"; done
	stop_vm
else
	rootsc=$(cat $CG/cgroup.subtree_control)
	run vm attach $qpid --prio-max 3
	why=
	[ "$rc" = 1 ] || why="exit $rc"
	echo "$err" | grep -q "root cgroup.*--cgroup PATH" || why="${why:-message: $err}"
	[ "$rootsc" = "$(cat $CG/cgroup.subtree_control)" ] || why="${why:-root subtree_control changed}"
	grep -qx "$qpid" $CG/cgroup.procs || why="${why:-QEMU moved}"
	check "$T22"
	echo 0 >"$TD/vcpuboost.prio.max"
	run vm attach $qpid --cgroup "$T/vms/vmc" --vcpu-threads "$vcpu" \
		--budget 50000/100000 --prio-max 10
	why=
	[ "$rc" = 0 ] || why="exit $rc"
	[ "$out" = "$TD/vms/vmc" ] || why="${why:-stdout '$out'}"
	grep -qw vcpuboost "$TD/vms/cgroup.subtree_control" 2>/dev/null || why="${why:-not enabled in $T/vms}"
	grep -qx "$qpid" "$TD/vms/vmc/cgroup.procs" 2>/dev/null || why="${why:-QEMU not in vmc}"
	[ "$(cat "$TD/vms/vmc/vcpuboost.max" 2>&1)" = "50000 100000" ] || why="${why:-budget $(cat "$TD/vms/vmc/vcpuboost.max" 2>&1)}"
	check "$T23"
	show
	why=
	grep -qx "$vcpu" "$TD/vms/vmc/vcpu0/cgroup.threads" 2>/dev/null || why="thread $vcpu not in vcpu0"
	[ "$(cat "$TD/vms/vmc/vcpu0/vcpuboost.prio.max" 2>&1)" = 10 ] || why="${why:-vcpu0 prio.max}"
	check "$T24"
	why=
	echo "$err" | grep -q "effective ceiling of $TD/vms/vmc/vcpu0 is 0" || why="no ceiling reminder"
	echo "$err" | grep -q "vcpuboost.prio.max of $TD is 0" || why="${why:-ancestor $TD not named}"
	echo "$err" | grep -q "vcpuboost set $T --prio-max N" || why="${why:-no command}"
	check "$T25"
	run set "$T" --prio-max 20
	run set "$T/vms" --prio-max max
	why=
	for i in $(seq 1 30); do
		g=$(stat_get "$TD/vms/vmc/vcpu0" grants)
		[ "${g:-0}" -gt 0 ] && break
		sleep 0.5
	done
	[ "${g:-0}" -gt 0 ] || why="grants ${g:-absent}"
	[ "$(stat_get "$TD/vms/vmc" reports_timer)" -gt 0 ] 2>/dev/null || why="${why:-no reports_timer}"
	run status "$T/vms/vmc/vcpu0"
	echo "$out" | grep -q "effective 10" || why="${why:-status: not effective 10}"
	check "$T26"
	stop_vm
	why=
	for i in $(seq 1 50); do
		[ -z "$(cat "$TD/vms/vmc/vcpu0/cgroup.threads" 2>/dev/null)" ] && break
		sleep 0.1
	done
	[ -z "$(cat "$TD/vms/vmc/vcpu0/cgroup.threads" 2>/dev/null)" ] || why="threads left in vcpu0"
	[ "$(stat_get "$TD/vms/vmc" nr_boosted)" = 0 ] || why="${why:-nr_boosted $(stat_get "$TD/vms/vmc" nr_boosted)}"
	rmtree "$TD/vms" || why="${why:-cannot remove $T/vms}"
	check "$T27"
fi

# 28-29. (d) libvirt's layout, made by hand as libvirt 9.0 makes it on
#    cgroup v2: the domain's cgroup holds libvirt/, QEMU's threads in the
#    threaded libvirt/emulator, the vCPU thread in threaded libvirt/vcpu0,
#    vcpuboost not enabled (libvirt enables cpu and cpuset only).
T28="(d) libvirt layout: attach uses libvirt/vcpuN in place, the VM cgroup is .../libvirt"
T29="(d) libvirt layout: detach opts out (prio.max 0) and leaves libvirt's cgroups"
LV=$TD/lv/libvirt
setup=
if [ ! -c /dev/kvm ] || [ ! -f "$GUEST" ] || ! command -v $QEMU >/dev/null; then
	setup="no /dev/kvm, $QEMU or guest"
else
	mkdir -p "$LV/emulator" "$LV/vcpu0" &&
	echo threaded >"$LV/emulator/cgroup.type" &&
	echo threaded >"$LV/vcpu0/cgroup.type" || setup="cannot make the layout"
	[ -z "$setup" ] && { start_vm "$LV" || setup=$why; }
fi
if [ -z "$setup" ]; then
	for t in /proc/$qpid/task/*; do
		t=${t##*/}
		if [ "$t" = "$vcpu" ]; then
			echo "$t" >"$LV/vcpu0/cgroup.threads"
		else
			echo "$t" >"$LV/emulator/cgroup.threads"
		fi
	done 2>/dev/null
	grep -q "^0::/$T/lv/libvirt/emulator$" /proc/$qpid/cgroup || setup="QEMU not in libvirt/emulator: $(cat /proc/$qpid/cgroup)"
fi
if [ -n "$setup" ]; then
	notok "$T28" "$setup"
	skip "$T29" "no VM"
else
	run vm attach $qpid --prio-max 5 --no-verify
	why=
	[ "$rc" = 0 ] || why="exit $rc"
	[ "$out" = "$LV" ] || why="${why:-stdout '$out'}"
	echo "$err" | grep -q "libvirt layout" || why="${why:-libvirt layout not recognised}"
	dirs=$(cd "$LV" && echo */)
	[ "$dirs" = "emulator/ vcpu0/" ] || why="${why:-layout changed: $dirs}"
	grep -qx "$vcpu" "$LV/vcpu0/cgroup.threads" || why="${why:-thread left vcpu0}"
	[ "$(cat "$LV/vcpu0/vcpuboost.prio.max" 2>&1)" = 5 ] || why="${why:-vcpu0 prio.max $(cat "$LV/vcpu0/vcpuboost.prio.max" 2>&1)}"
	[ "$(cat "$LV/vcpuboost.prio.max" 2>&1)" = 5 ] || why="${why:-libvirt prio.max}"
	check "$T28"
	show
	run vm detach $qpid
	why=
	[ "$rc" = 0 ] || why="exit $rc: $err"
	[ "$out" = "$LV" ] || why="${why:-stdout '$out'}"
	[ "$(cat "$LV/vcpuboost.prio.max")" = 0 ] || why="${why:-prio.max $(cat "$LV/vcpuboost.prio.max")}"
	[ -d "$LV/vcpu0" ] && grep -qx "$vcpu" "$LV/vcpu0/cgroup.threads" || why="${why:-the libvirt vcpu0 changed}"
	check "$T29"
fi
stop_vm
rmtree "$TD/lv"

# (e) A KVM selftest VM, which opts in with KVM_CAP_VCPU_BOOST itself and
#    runs its only vCPU on its main thread: --cgroup and --vcpu-threads.
T30="(e) vm attach a KVM selftest VM (vcpu_boost_latency): --cgroup NEW --vcpu-threads PID"
T31="(e) its timer reports reach vcpu0 and are granted; detach and its exit leave nothing"
LAT=${VB_BUILD:-}/kselftest/kvm/x86_64/vcpu_boost_latency
SV=$T/selftestvm
if [ ! -x "$LAT" ]; then
	notok "$T30" "no $LAT"
	skip "$T31" "no VM"
else
	"$LAT" -i 1000 -n 100000 >"$WORK/lat.log" 2>&1 &
	lat=$!
	for i in $(seq 1 100); do	# until its VM exists
		ls -l /proc/$lat/fd 2>/dev/null | grep -q kvm-vm && break
		sleep 0.1
	done
	# The tests' own cgroup is the first level: the grant starts there.
	echo max >"$TD/vcpuboost.prio.max"
	run vm attach $lat --cgroup "$SV" --vcpu-threads $lat --prio-max 3 --trigger timer=3 --verify=20
	why=
	[ "$rc" = 0 ] || why="exit $rc: $(echo "$err" | tail -2 | tr '\n' ' ')"
	[ "$out" = "$CG/$SV" ] || why="${why:-stdout '$out'}"
	grep -qx "$lat" "$CG/$SV/vcpu0/cgroup.threads" 2>/dev/null || why="${why:-the vCPU thread is not in vcpu0}"
	check "$T30"
	show
	why=
	for i in $(seq 1 30); do
		g=$(stat_get "$CG/$SV/vcpu0" grants)
		[ "${g:-0}" -gt 0 ] && break
		sleep 0.5
	done
	[ "$(stat_get "$CG/$SV" reports_timer)" -gt 0 ] 2>/dev/null || why="reports_timer $(stat_get "$CG/$SV" reports_timer)"
	[ "${g:-0}" -gt 0 ] || why="${why:-grants ${g:-absent}}"
	run vm detach $lat
	[ "$rc" = 0 ] && [ ! -d "$CG/$SV/vcpu0" ] || why="${why:-detach exit $rc}"
	kill -KILL $lat 2>/dev/null
	wait $lat 2>/dev/null
	rmtree "$CG/$SV" || why="${why:-cannot remove $SV}"
	check "$T31"
fi

# 32. Cleanup: QEMU gone, the parameter restored, the cgroups removed.
cleanup
why=
[ -n "$param_orig" ] && [ "$(cat $PARAM)" != "$param_orig" ] && why="vcpu_boost is $(cat $PARAM), was $param_orig"
for d in "$TD" "$CG/toolvm" "$CG/kubepods.slice"; do
	[ -d "$d" ] && why="${why:-cannot remove $d}"
done
check "cleanup: QEMU ended, vcpu_boost restored, test cgroups removed"

[ "$n" = "$NTESTS" ] || echo "# ran $n tests, planned $NTESTS"
[ "$failed" = 0 ] && [ "$n" = "$NTESTS" ]
