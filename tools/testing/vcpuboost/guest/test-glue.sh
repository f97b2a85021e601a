#!/bin/bash
# The operator's glue (tools/vcpuboost/glue/) against the booted patched
# kernel: the systemd unit (verified) and its script, libcgroup's cgset/
# cgget, runc and crun containers with vcpuboost keys in
# linux.resources.unified, the libvirt qemu hook on the cgroup layout
# libvirt 9.0 makes for a domain (with a real stock QEMU running the tiny
# guest in it), and the Prometheus textfile export checked by promtool.
# Run as root inside the guest; prints TAP 13 and exits 0 only if every
# test passes.
#
# Environment: VB_REPO, VB_BUILD, cgroup2 on /sys/fs/cgroup, /dev/kvm,
# TMPDIR writable (/run/tmp). The tool is $VB_BUILD/tools/vcpuboost
# (override with VCPUBOOST=); tests that need it skip, naming it, when it
# is not built.
set -u
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

REPO=${VB_REPO:-$(cd "$(dirname "$0")/../../../.." && pwd)}
B=${VB_BUILD:-$REPO/build}
GLUE=$REPO/tools/vcpuboost/glue
TOOL=${VCPUBOOST:-$B/tools/vcpuboost}
CG=/sys/fs/cgroup
PARAM=/sys/module/kvm/parameters/vcpu_boost
GUEST=$REPO/tools/testing/vcpuboost/guest/tinyguest/tinyguest.elf
WORK=${TMPDIR:-/run/tmp}/glue.$$
NTESTS=25

# The libvirt 9.0 layout of a QEMU domain (systemd + machined):
# machine.slice/machine-qemu\x2dID\x2dNAME.scope/libvirt/{emulator,vcpuN}.
DOM=vbglue
SLICE=$CG/machine.slice
SCOPE=$SLICE/'machine-qemu\x2d1\x2dvbglue.scope'
LV=$SCOPE/libvirt

echo "TAP version 13"
echo "1..$NTESTS"

. "$(dirname "$0")/tap.sh"
. "$(dirname "$0")/qemu.sh"
qpid=
param_orig=
created_slice=0
cleaned=0

check() {	# check NAME WHY: ok if WHY is empty
	if [ -z "$2" ]; then ok "$1"; else notok "$1" "$2"; fi
}
oneline() { tr '\n' ' ' <"$1" 2>/dev/null | sed 's/ $//'; }
kv() {	# kv FILE KEY: the value of KEY in a flat keyed file
	awk -v k="$2" '$1 == k { print $2 }' "$1" 2>/dev/null
}
has_tool() { [ -x "$TOOL" ]; }

rmcg() {	# rmcg DIR: remove DIR and everything below it, deepest first
	local d i
	[ -d "$1" ] || return 0
	for i in $(seq 1 50); do
		find "$1" -depth -type d -exec rmdir {} + 2>/dev/null
		[ -d "$1" ] || return 0
		sleep 0.1
	done
	return 1
}

stop_qemu() {
	local i
	if qemu_alive; then
		kill -TERM "$qpid" 2>/dev/null
		for i in $(seq 1 100); do qemu_alive || break; sleep 0.1; done
		qemu_alive && kill -KILL "$qpid" 2>/dev/null
	fi
	[ -n "$qpid" ] && wait "$qpid" 2>/dev/null
	qpid=
}

ctr_stop() {	# ctr_stop RUNTIME ID
	local rt=$1 id=$2
	command -v "$rt" >/dev/null || return 0
	"$rt" --root "$WORK/$rt-state" kill "$id" KILL >/dev/null 2>&1
	for i in $(seq 1 30); do
		"$rt" --root "$WORK/$rt-state" delete -f "$id" >/dev/null 2>&1 && break
		"$rt" --root "$WORK/$rt-state" state "$id" >/dev/null 2>&1 || break
		sleep 0.2
	done
}

cleanup() {
	[ "$cleaned" = 1 ] && return 0
	cleaned=1
	stop_qemu
	if [ -s "$WORK/libvirtd.pid" ]; then	# test 24's libvirtd and its domain
		timeout 60 virsh -c qemu:///system destroy vbglue2 >/dev/null 2>&1
		kill "$(cat "$WORK/libvirtd.pid")" 2>/dev/null
		rm -f "$WORK/libvirtd.pid"
	fi
	ctr_stop runc ctr1
	ctr_stop crun ctr2
	ctr_stop crun ctr3
	rmcg "$CG/vcpuboost-test"
	rmcg "$CG/vcpuboost-runc"
	rmcg "$CG/vcpuboost-crun"
	rmcg "$SCOPE"
	[ "$created_slice" = 1 ] && rmcg "$SLICE"
	[ -n "$param_orig" ] && echo "$param_orig" >"$PARAM" 2>/dev/null
	rm -rf "$WORK"
}
trap 'cleanup' EXIT
trap 'exit 130' INT TERM

mkdir -p "$WORK" "$WORK/etc/domains" "$WORK/run-libvirt-qemu"
[ -e "$PARAM" ] && param_orig=$(cat "$PARAM")
[ -d "$SLICE" ] || created_slice=1
# Leftovers of an earlier run in the same boot.
rmcg "$CG/vcpuboost-test"; rmcg "$CG/vcpuboost-runc"; rmcg "$CG/vcpuboost-crun"; rmcg "$SCOPE"

if ! grep -qw vcpuboost $CG/cgroup.controllers; then
	echo "# no vcpuboost in $CG/cgroup.controllers: $(cat $CG/cgroup.controllers)"
fi
has_tool || echo "# the tool $TOOL is not built: tests that need it skip"

# ---------------------------------------------------------------- OCI ------
# First, while vcpuboost may still be off at the root: runc 1.1.5 enables
# every available controller on the path to the container's cgroup; crun
# 1.8.1 (we find out here) needs the host to have enabled it first.
# Turning it off at the root only works if no child has it on: best effort.
echo -vcpuboost >$CG/cgroup.subtree_control 2>/dev/null
root_had=$(grep -qw vcpuboost $CG/cgroup.subtree_control && echo yes || echo no)
echo "# vcpuboost enabled at the root before the container tests: $root_had"

# bundle DIR ID CGPATH: a busybox bundle whose config.json is the shipped
# example with cgroupsPath CGPATH and a second trigger key.
bundle() {
	local d=$1 id=$2 cgp=$3 c
	mkdir -p "$d/rootfs/bin" "$d/rootfs/proc" "$d/rootfs/dev" "$d/rootfs/sys" "$d/rootfs/tmp"
	cp /bin/busybox "$d/rootfs/bin/busybox" || return 1
	for c in sh sleep cat; do ln -sf busybox "$d/rootfs/bin/$c"; done
	python3 - "$GLUE/oci/config.json" "$d/config.json" "$cgp" "$id" <<'EOF'
import json, sys
c = json.load(open(sys.argv[1]))
c["linux"]["cgroupsPath"] = sys.argv[3]
c["hostname"] = sys.argv[4]
c["linux"]["resources"]["unified"]["vcpuboost.triggers"] = "timer 5\nirq 3"
json.dump(c, open(sys.argv[2], "w"), indent=2)
EOF
}
# crun 1.8.1 reads /proc/self/setgroups in the container's init
# (can_setgroups()), which a kernel without CONFIG_USER_NS (the test kernel)
# does not have; its annotation run.oci.keep_original_groups=1 skips that.
# Nothing of this touches cgroups.
crun_bundle() {	# crun_bundle DIR ID CGPATH
	bundle "$@" || return 1
	[ -e /proc/self/setgroups ] && return 0
	python3 -c 'import json, sys
c = json.load(open(sys.argv[1]))
c.setdefault("annotations", {})["run.oci.keep_original_groups"] = "1"
json.dump(c, open(sys.argv[1], "w"), indent=2)' "$1/config.json"
}
[ -e /proc/self/setgroups ] ||
	echo "# no /proc/self/setgroups (kernel without CONFIG_USER_NS): crun bundles get run.oci.keep_original_groups=1"
# env_failure LOG: why a runtime failed for a reason of the test kernel, not of vcpuboost
env_failure() {
	if grep -qE 'setgroups|uid_map' "$1"; then
		echo "crun 1.8.1 reads /proc/self/setgroups and /proc/self/uid_map unconditionally (can_setgroups(), check_running_in_user_namespace()): the test kernel has no CONFIG_USER_NS"
	elif grep -qiE 'bpf|BPF_CGROUP_DEVICE' "$1"; then
		echo "the runtime needs bpf(2) for the cgroup v2 device filter (CONFIG_BPF_SYSCALL, CONFIG_CGROUP_BPF), absent in the test kernel"
	fi
}
# ctr_check CGDIR: why the container's cgroup does not hold the example's values
ctr_check() {
	local d=$1 v
	[ -d "$d" ] || { echo "no $d"; return; }
	v=$(cat "$d/vcpuboost.max" 2>&1)
	[ "$v" = "20000 100000" ] || { echo "vcpuboost.max '$v'"; return; }
	v=$(cat "$d/vcpuboost.prio.max" 2>&1)
	[ "$v" = 10 ] || { echo "vcpuboost.prio.max '$v'"; return; }
	[ "$(kv "$d/vcpuboost.triggers" timer)" = 5 ] && [ "$(kv "$d/vcpuboost.triggers" irq)" = 3 ] &&
		[ "$(kv "$d/vcpuboost.triggers" nmi)" = 1 ] ||
		{ echo "vcpuboost.triggers: $(oneline "$d/vcpuboost.triggers")"; return; }
	v=$(cat "$d/vcpuboost.slice" 2>&1)
	[ "$v" = 500 ] || { echo "vcpuboost.slice '$v'"; return; }
	[ -n "$(cat "$d/cgroup.procs" 2>/dev/null)" ] || { echo "no process in $d"; return; }
}
# ctr_run RUNTIME ID [GLOBAL-OPTION...]: run the bundle $WORK/ID detached;
# output in $WORK/ID.log
ctr_run() {
	local rt=$1 id=$2
	shift 2
	mkdir -p "$WORK/$rt-state"
	timeout 60 "$rt" --root "$WORK/$rt-state" "$@" run -d --bundle "$WORK/$id" "$id" \
		</dev/null >"$WORK/$id.log" 2>&1
}

# 1. runc. Without bpf(2) (the test kernel) runc cannot load its cgroup v2
# device filter and stops before it writes the unified keys; its
# `--rootless true` ignores exactly the device-filter errors (and cgroup
# permission errors, which ctr_check would see), so the test retries with it.
T="runc 1.1.5: a container with linux.resources.unified vcpuboost keys gets them (runc enables vcpuboost on the path itself)"
if ! command -v runc >/dev/null; then
	skip "$T" "runc not installed"
elif ! bundle "$WORK/ctr1" ctr1 /vcpuboost-runc/ctr1; then
	notok "$T" "cannot build the bundle"
else
	ctr_run runc ctr1
	rc=$?
	if [ $rc != 0 ] && [ -n "$(env_failure "$WORK/ctr1.log")" ]; then
		echo "# runc: $(env_failure "$WORK/ctr1.log"): retrying with runc --rootless true"
		ctr_stop runc ctr1
		rmcg "$CG/vcpuboost-runc"
		ctr_run runc ctr1 --rootless true
		rc=$?
	fi
	if [ $rc != 0 ]; then
		notok "$T" "runc run failed: $(tail -n 3 "$WORK/ctr1.log" | tr '\n' ' ')"
	else
		why=$(ctr_check "$CG/vcpuboost-runc/ctr1")
		[ -z "$why" ] && ! grep -qw vcpuboost "$CG/vcpuboost-runc/cgroup.subtree_control" &&
			why="vcpuboost not enabled in vcpuboost-runc"
		check "$T" "$why"
		echo "# runc: /cgroup.subtree_control: $(oneline $CG/cgroup.subtree_control); vcpuboost-runc/cgroup.subtree_control: $(oneline $CG/vcpuboost-runc/cgroup.subtree_control)"
	fi
fi
ctr_stop runc ctr1
rmcg "$CG/vcpuboost-runc"

# 2. crun, the host having prepared nothing (the parent does not exist;
# whether the root has vcpuboost on does not matter): crun creates the parent
# enabling only its fixed list of controllers (write_controller_file(): cpu
# io memory pids cpuset hugetlb), so the container's cgroup has no vcpuboost
# files, and crun must not start the container without the settings it
# asked for; it says so, naming the controller.
T="crun 1.8.1 without the host's preparation: crun does not enable vcpuboost on the path it creates, and does not start the container"
crun_env=
if ! command -v crun >/dev/null; then
	skip "$T" "crun not installed"
elif ! crun_bundle "$WORK/ctr2" ctr2 /vcpuboost-crun/ctr2; then
	notok "$T" "cannot build the bundle"
elif ctr_run crun ctr2; then
	why=$(ctr_check "$CG/vcpuboost-crun/ctr2")
	notok "$T" "crun started it${why:+ without its settings: $why}"
else
	echo "# crun: $(tail -n 2 "$WORK/ctr2.log" | tr '\n' ' ')"
	crun_env=$(env_failure "$WORK/ctr2.log")
	if [ ! -d "$CG/vcpuboost-crun" ]; then
		skip "$T" "crun failed before it made the cgroup: ${crun_env:-$(tail -n 1 "$WORK/ctr2.log")}"
	else
		sc=$(oneline "$CG/vcpuboost-crun/cgroup.subtree_control")
		echo "# crun made vcpuboost-crun with cgroup.subtree_control: $sc"
		why=
		grep -qw vcpuboost "$CG/vcpuboost-crun/cgroup.subtree_control" && why="crun enabled vcpuboost in vcpuboost-crun"
		[ -e "$CG/vcpuboost-crun/ctr2/vcpuboost.max" ] && why="${why:+$why, }ctr2 has vcpuboost files"
		if [ -n "$crun_env" ]; then
			echo "# crun stopped for a reason of the test kernel, not at its vcpuboost write: $crun_env"
		elif ! grep -q vcpuboost "$WORK/ctr2.log"; then
			why="${why:+$why, }the error does not name vcpuboost"
		fi
		check "$T" "$why"
	fi
fi
ctr_stop crun ctr2
rmcg "$CG/vcpuboost-crun"

# 3. crun after the host enabled the controller on the parents and granted
# prio.max above the container (documented in the operator's guide).
T="crun 1.8.1 after the host enabled +vcpuboost on the parents and granted prio.max: the container gets the unified keys"
if ! command -v crun >/dev/null; then
	skip "$T" "crun not installed"
elif ! { echo +vcpuboost >$CG/cgroup.subtree_control && mkdir -p $CG/vcpuboost-crun &&
	 echo +vcpuboost >$CG/vcpuboost-crun/cgroup.subtree_control && echo 10 >$CG/vcpuboost-crun/vcpuboost.prio.max; }; then
	notok "$T" "the host's preparation failed"
elif ! crun_bundle "$WORK/ctr3" ctr3 /vcpuboost-crun/ctr3; then
	notok "$T" "cannot build the bundle"
elif ! ctr_run crun ctr3; then
	crun_env=$(env_failure "$WORK/ctr3.log")
	if [ -n "$crun_env" ]; then
		skip "$T" "$crun_env: $(tail -n 1 "$WORK/ctr3.log")"
	else
		notok "$T" "crun run failed: $(tail -n 3 "$WORK/ctr3.log" | tr '\n' ' ')"
	fi
else
	check "$T" "$(ctr_check "$CG/vcpuboost-crun/ctr3")"
fi
ctr_stop crun ctr3
rmcg "$CG/vcpuboost-crun"

# ------------------------------------------------------------ systemd ------
# 4. The units verify (systemd-analyze needs no running systemd, but a
# writable /tmp: a private one here, the host's root being read-only). The
# binaries they name are installed by the package; point them at copies
# in $WORK, since the private /tmp hides a repository that lives in /tmp.
T="systemd-analyze verify: vcpuboost-enable.service, vcpuboost-export.service/.timer, qemu-vm@.service"
mkdir -p "$WORK/units" "$WORK/bin"
cp "$GLUE/systemd/vcpuboost-enable" "$WORK/bin/vcpuboost-enable"
if has_tool; then cp "$TOOL" "$WORK/bin/vcpuboost"; else ln -sf /bin/true "$WORK/bin/vcpuboost"; fi
for u in systemd/vcpuboost-enable.service prometheus/vcpuboost-export.service \
	 prometheus/vcpuboost-export.timer systemd/qemu-vm@.service; do
	sed -e "s|/usr/lib/vcpuboost/vcpuboost-enable|$WORK/bin/vcpuboost-enable|" \
	    -e "s|/usr/sbin/vcpuboost|$WORK/bin/vcpuboost|" \
	    "$GLUE/$u" >"$WORK/units/${u##*/}"
done
cp "$WORK/units/qemu-vm@.service" "$WORK/units/qemu-vm@test.service" 2>/dev/null
if ! command -v systemd-analyze >/dev/null; then
	skip "$T" "systemd-analyze not installed"
elif (cd "$WORK/units" && unshare -m sh -c 'mount -t tmpfs tmpfs /tmp && mount -t tmpfs tmpfs /var/tmp &&
	SYSTEMD_LOG_LEVEL=notice exec systemd-analyze verify --man=no "$@"' verify \
	vcpuboost-enable.service vcpuboost-export.service vcpuboost-export.timer qemu-vm@test.service) \
	>"$WORK/verify.log" 2>&1 && ! grep -q . "$WORK/verify.log"; then
	ok "$T"
else
	notok "$T" "$(head -n 3 "$WORK/verify.log" | tr '\n' ' ')"
fi

# 5-6. Its script: vcpuboost at the root and in machine.slice, the grant and
# the budget on machine.slice, kvm.vcpu_boost=Y; a second run changes nothing.
cat >"$WORK/etc/host.conf" <<EOF
SLICES="machine.slice"
PRIO_MAX=10
BUDGET="200000 100000"
KVM_VCPU_BOOST=Y
CREATE_SLICES=yes
EOF
T="vcpuboost-enable (ExecStart): +vcpuboost at the root and in machine.slice, machine.slice prio.max 10 and max '200000 100000', kvm.vcpu_boost=Y"
if ! VCPUBOOST_HOST_CONF=$WORK/etc/host.conf "$GLUE/systemd/vcpuboost-enable" >"$WORK/enable.log" 2>&1; then
	notok "$T" "exit $?: $(tail -n 2 "$WORK/enable.log" | tr '\n' ' ')"
else
	why=
	grep -qw vcpuboost $CG/cgroup.subtree_control || why="not enabled at the root"
	grep -qw vcpuboost $SLICE/cgroup.subtree_control || why="not enabled in machine.slice"
	[ "$(cat $SLICE/vcpuboost.prio.max 2>&1)" = 10 ] || why="machine.slice prio.max $(cat $SLICE/vcpuboost.prio.max 2>&1)"
	[ "$(cat $SLICE/vcpuboost.max 2>&1)" = "200000 100000" ] || why="machine.slice max $(cat $SLICE/vcpuboost.max 2>&1)"
	[ -e "$PARAM" ] && [ "$(cat $PARAM)" != Y ] && why="kvm.vcpu_boost is $(cat $PARAM)"
	check "$T" "$why"
fi
comment <"$WORK/enable.log"
T="vcpuboost-enable runs again (restart) with the same result, and refuses a bad PRIO_MAX"
if VCPUBOOST_HOST_CONF=$WORK/etc/host.conf "$GLUE/systemd/vcpuboost-enable" >/dev/null 2>&1 &&
	[ "$(cat $SLICE/vcpuboost.prio.max)" = 10 ]; then
	echo 'PRIO_MAX=100' >"$WORK/bad.conf"
	if VCPUBOOST_HOST_CONF=$WORK/bad.conf "$GLUE/systemd/vcpuboost-enable" >"$WORK/bad.log" 2>&1; then
		notok "$T" "PRIO_MAX=100 accepted"
	else
		check "$T" "$([ "$(cat $SLICE/vcpuboost.prio.max)" = 10 ] || echo "bad PRIO_MAX changed prio.max")"
	fi
else
	notok "$T" "second run failed or changed prio.max"
fi

# ---------------------------------------------------------- libcgroup ------
CGT=vcpuboost-test/cgtest
mkdir -p $CG/$CGT 2>/dev/null
echo +vcpuboost >$CG/vcpuboost-test/cgroup.subtree_control 2>/dev/null
cgv() { cgget -n -v -r "$1" "$CGT" 2>&1; }	# cgv FILE: the value, as cgget shows it

# 7-13.
T="cgset -r vcpuboost.max=\"20000 100000\" / cgget round trip"
if ! command -v cgset >/dev/null; then
	for i in 1 2 3 4 5 6 7; do skip "libcgroup test $i" "cgset not installed (cgroup-tools)"; done
else
	out=$(cgset -r vcpuboost.max="20000 100000" $CGT 2>&1)
	v=$(cgv vcpuboost.max)
	check "$T" "$([ "$v" = "20000 100000" ] || echo "cgset: '$out', cgget: '$v'")"

	T="cgset -r vcpuboost.prio.max=7, then max / cgget round trip"
	o1=$(cgset -r vcpuboost.prio.max=7 $CGT 2>&1); v1=$(cgv vcpuboost.prio.max)
	o2=$(cgset -r vcpuboost.prio.max=max $CGT 2>&1); v2=$(cgv vcpuboost.prio.max)
	check "$T" "$([ "$v1" = 7 ] && [ "$v2" = max ] || echo "got '$v1' ($o1), '$v2' ($o2)")"

	T="cgset -r vcpuboost.triggers: 'irq 5', then 'timer 3', then 'nmi 4\\nunhalt 2' (one line per write) merge"
	o=$(cgset -r vcpuboost.triggers="irq 5" $CGT 2>&1; cgset -r vcpuboost.triggers="timer 3" $CGT 2>&1
	    cgset -r vcpuboost.triggers="nmi 4
unhalt 2" $CGT 2>&1)
	f=$CG/$CGT/vcpuboost.triggers
	why=
	[ "$(kv $f irq)" = 5 ] && [ "$(kv $f timer)" = 3 ] && [ "$(kv $f nmi)" = 4 ] &&
		[ "$(kv $f unhalt)" = 2 ] && [ "$(kv $f guest)" = 1 ] ||
		why="triggers: $(oneline $f)${o:+; cgset: $o}"
	check "$T" "$why"
	echo "# cgget -r vcpuboost.triggers: $(cgv vcpuboost.triggers | tr '\n' ' ')"

	T="cgset -r vcpuboost.slice=500 / cgget round trip"
	o=$(cgset -r vcpuboost.slice=500 $CGT 2>&1); v=$(cgv vcpuboost.slice)
	check "$T" "$([ "$v" = 500 ] || echo "got '$v' ($o)")"

	T="cgset with a bad value fails and leaves the value intact"
	if cgset -r vcpuboost.slice=5 $CGT >/dev/null 2>&1 || cgset -r vcpuboost.triggers="bogus 1" $CGT >/dev/null 2>&1 ||
	   cgset -r vcpuboost.max="20000 100000 junk" $CGT >/dev/null 2>&1; then
		notok "$T" "cgset exited 0 on a bad value"
	else
		check "$T" "$([ "$(cgv vcpuboost.slice)" = 500 ] && [ "$(cgv vcpuboost.max)" = "20000 100000" ] &&
			[ "$(kv $CG/$CGT/vcpuboost.triggers irq)" = 5 ] ||
			echo "values changed: slice $(cgv vcpuboost.slice), max $(cgv vcpuboost.max)")"
	fi

	T="cgget -r vcpuboost.stat shows the counters"
	v=$(cgget -r vcpuboost.stat $CGT 2>&1)
	why=
	for k in boosted_usec grants denied expired retracted revoked nr_throttled throttled_usec nr_boosted reports_timer; do
		echo "$v" | grep -qw "$k" || { why="no $k in: $(echo "$v" | tr '\n' ' ')"; break; }
	done
	check "$T" "$why"

	T="cgget -g vcpuboost reads every vcpuboost file (each writable one readable)"
	v=$(cgget -g vcpuboost $CGT 2>&1); rc=$?
	why=
	[ $rc = 0 ] || why="exit $rc: $(echo "$v" | tail -n 2 | tr '\n' ' ')"
	for f in vcpuboost.max vcpuboost.prio.max vcpuboost.triggers vcpuboost.slice vcpuboost.stat vcpuboost.events; do
		[ -n "$why" ] && break
		echo "$v" | grep -q "^$f:" || why="no $f in cgget -g vcpuboost"
	done
	check "$T" "$why"
fi

# ------------------------------------------------------------ libvirt ------
# 14-20. The hook on the cgroup layout libvirt 9.0 makes for a domain, with a
# stock QEMU whose main thread is in libvirt/emulator and whose 'CPU 0/KVM'
# thread is in libvirt/vcpu0 (threaded), cpu and cpuset enabled as libvirt
# does, machine.slice prepared by vcpuboost-enable above (grant 10,
# kvm.vcpu_boost=Y before QEMU starts).
HOOK=$GLUE/libvirt/qemu
domxml() {	# domxml [POLICY-XML]: a libvirt 9.0 domain XML, as the hook gets it
	cat <<EOF
<domain type='kvm' id='1'>
  <name>$DOM</name>
  <uuid>5f3b1a2e-6c1d-4b7e-9a55-0c4c7e9d1f00</uuid>
  <metadata>
    <libosinfo:libosinfo xmlns:libosinfo="http://libosinfo.org/xmlns/libvirt/domain/1.0">
      <libosinfo:os id="http://debian.org/debian/12"/>
    </libosinfo:libosinfo>
$1
  </metadata>
  <memory unit='KiB'>65536</memory>
  <vcpu placement='static'>1</vcpu>
  <resource><partition>/machine</partition></resource>
  <os><type arch='x86_64' machine='pc-i440fx-7.2'>hvm</type><kernel>$GUEST</kernel></os>
  <cpu mode='host-passthrough' check='none' migratable='on'/>
  <devices><emulator>/usr/bin/qemu-system-x86_64</emulator></devices>
  <seclabel type='none' model='none'/>
</domain>
EOF
}
POLICY='    <vcpuboost:policy xmlns:vcpuboost="https://vcpuboost.example.org/xmlns/1.0" budget="20000/100000" prio-max="10" slice="1000">
      <vcpuboost:trigger name="timer" level="5"/>
      <vcpuboost:trigger name="irq" level="4"/>
    </vcpuboost:policy>'
# The limit only catches a hang: a hook that attaches takes about a minute
# under emulation, and more than two when the host is busy.
hook() {	# hook OP SUBOP [CONF_DIR] < xml: run the hook as libvirtd does; out/err in $WORK/hook.{out,err}
	VCPUBOOST_TOOL=$TOOL VCPUBOOST_CONF_DIR=${3:-$WORK/etc} VCPUBOOST_LIBVIRT_RUN=$WORK/run-libvirt-qemu \
	VCPUBOOST_NO_SYSLOG=1 timeout 300 "$HOOK" "$DOM" "$1" "$2" - >"$WORK/hook.out" 2>"$WORK/hook.err"
}
enabled_in() { grep -qw vcpuboost "$1/cgroup.subtree_control" 2>/dev/null; }

# libvirt_layout: what libvirtd (qemuProcessLaunch, virCgroupV2) and
# machined leave for a running domain, QEMU started in it. Sets qpid, vtid.
# Under the emulation a nested guest now and then never starts, whatever
# vcpuboost does (see test-stock-qemu.sh): a guest that has not ticked
# within a minute, where it takes seconds, is booted again, twice at most.
libvirt_layout() {
	local c i t try start
	for c in cpuset cpu io memory pids; do
		for d in $CG $SLICE; do echo "+$c" >"$d/cgroup.subtree_control" 2>/dev/null; done
	done
	mkdir -p "$LV" || { why="cannot create $LV"; return 1; }
	for c in cpuset cpu io memory pids; do echo "+$c" >"$SCOPE/cgroup.subtree_control" 2>/dev/null; done
	echo "+cpuset +cpu" >"$LV/cgroup.subtree_control" || { why="cannot enable cpu,cpuset in libvirt/"; return 1; }
	for c in emulator vcpu0; do
		mkdir "$LV/$c" && echo threaded >"$LV/$c/cgroup.type" || { why="cannot make threaded $c"; return 1; }
	done
	for try in 1 2 3; do
		rm -f "$WORK/dc.log"
		bash -c 'echo $$ >"$1/cgroup.procs" || exit 99; shift; exec "$@"' libvirt-qemu "$LV/emulator" \
			qemu-system-x86_64 -enable-kvm -cpu host -m 64 -smp 1 -name "guest=$DOM,debug-threads=on" \
			-nodefaults -no-user-config -display none -no-reboot \
			-kernel "$GUEST" -debugcon file:"$WORK/dc.log" </dev/null >"$WORK/qemu.log" 2>&1 &
		qpid=$!
		echo "$qpid" >"$WORK/run-libvirt-qemu/$DOM.pid"
		vtid=$(qemu_vcpu_thread)
		[ -n "$vtid" ] || { why="no 'CPU 0/KVM' thread in QEMU: $(tail -n 3 "$WORK/qemu.log" | tr '\n' ' ')"; return 1; }
		echo "$vtid" >"$LV/vcpu0/cgroup.threads" || { why="cannot move $vtid into vcpu0"; return 1; }
		start=$SECONDS
		while [ $((SECONDS - start)) -lt 60 ] && qemu_alive; do
			[ "$(debugcon_ticks "$WORK/dc.log")" -ge 1 ] && break
			sleep 0.5
		done
		[ "$(debugcon_ticks "$WORK/dc.log")" -ge 1 ] && break
		echo "# boot $try of the tiny guest: no tick in $((SECONDS - start)) s$(qemu_alive || echo ', QEMU exited')"
		stop_qemu
		why="the tiny guest did not tick in 3 boots"
		[ "$try" = 3 ] && return 1
	done
	echo "# libvirt layout: $(oneline "$LV/cgroup.type") libvirt/ with [$(oneline "$LV/cgroup.subtree_control")], vcpu0 $(oneline "$LV/vcpu0/cgroup.type"), QEMU $qpid in emulator, 'CPU 0/KVM' $vtid in vcpu0"
}

T="libvirt hook: other operations and domains without a policy are left alone, nothing on stdout"
if [ ! -f "$GUEST" ]; then
	for i in 1 2 3 4 5 6 7; do skip "libvirt hook test $i" "no $GUEST (make selftests builds it)"; done
elif ! command -v qemu-system-x86_64 >/dev/null || [ ! -c /dev/kvm ]; then
	for i in 1 2 3 4 5 6 7; do skip "libvirt hook test $i" "no qemu-system-x86_64 or /dev/kvm"; done
elif ! libvirt_layout; then
	notok "$T" "$why"
	for i in 2 3 4 5 6 7; do skip "libvirt hook test $i" "the libvirt layout could not be made"; done
else
	why=
	for op in "prepare begin" "release end" "migrate begin"; do
		if ! domxml "$POLICY" | hook $op || [ -s "$WORK/hook.out" ]; then
			why="$op: exit or output: $(cat "$WORK/hook.out" "$WORK/hook.err" | tr '\n' ' ')"
			break
		fi
	done
	if [ -z "$why" ]; then
		domxml "" | hook started begin || why="no policy: exit $?"
		[ -s "$WORK/hook.out" ] && why="no policy: output on stdout"
		enabled_in "$LV" && why="no policy: vcpuboost enabled in libvirt/"
	fi
	check "$T" "$why"

	T="libvirt hook, started: +vcpuboost on the whole path (root, machine.slice, the scope, libvirt/), libvirt's cpu,cpuset kept"
	domxml "$POLICY" | hook started begin
	rc=$?
	echo "# hook exit $rc; stderr: $(tr '\n' ' ' <"$WORK/hook.err")"
	why=
	[ $rc = 0 ] || why="exit $rc"
	for d in $CG $SLICE "$SCOPE" "$LV"; do
		enabled_in "$d" || why="${why:+$why, }not enabled in ${d#$CG/}"
	done
	grep -qw cpu "$LV/cgroup.subtree_control" && grep -qw cpuset "$LV/cgroup.subtree_control" ||
		why="${why:+$why, }cpu/cpuset gone from libvirt/"
	check "$T" "$why"

	T="libvirt hook: the grant chain: machine.slice 10 (host), scope, libvirt/ and vcpu0 prio.max 10"
	why=
	for d in "$SCOPE" "$LV" "$LV/vcpu0"; do
		v=$(cat "$d/vcpuboost.prio.max" 2>&1)
		[ "$v" = 10 ] || why="${why:+$why, }${d#$SLICE/}: '$v'"
	done
	check "$T" "$why"

	T="libvirt hook: the vCPU thread is still in libvirt/vcpu0, QEMU's main thread in emulator"
	why=
	grep -qx "$vtid" "$LV/vcpu0/cgroup.threads" || why="thread $vtid not in vcpu0 ($(oneline "$LV/vcpu0/cgroup.threads"))"
	grep -qx "$qpid" "$LV/emulator/cgroup.threads" || why="${why:+$why, }$qpid not in emulator"
	check "$T" "$why"

	T="libvirt hook + vcpuboost vm attach: the domain's budget, triggers and slice applied"
	if ! has_tool; then
		skip "$T" "the tool $TOOL is not built"
	else
		why=
		# The tool applies SETTINGS to the VM cgroup (libvirt/) and/or vcpuN.
		for d in "$LV" "$LV/vcpu0"; do
			[ "$(cat "$d/vcpuboost.max" 2>/dev/null)" = "20000 100000" ] && [ "$(kv "$d/vcpuboost.triggers" timer)" = 5 ] &&
				[ "$(kv "$d/vcpuboost.triggers" irq)" = 4 ] && [ "$(cat "$d/vcpuboost.slice")" = 1000 ] && { why=; break; }
			why="${d#$SCOPE/}: max '$(cat "$d/vcpuboost.max" 2>&1)', triggers $(oneline "$d/vcpuboost.triggers"), slice $(cat "$d/vcpuboost.slice" 2>&1)"
		done
		check "$T" "$why"
	fi

	T="libvirt hook: the domain's vCPU is boosted (reports and grants grow in the scope's vcpuboost.stat)"
	# 120 s (not polls: each costs a second of forks here) for SeaBIOS
	# and the tiny guest under nested TCG.
	t0=$SECONDS
	while :; do
		r=$(awk '/^reports_/ { s += $2 } END { print s + 0 }' "$SCOPE/vcpuboost.stat" 2>/dev/null)
		g=$(kv "$SCOPE/vcpuboost.stat" grants)
		[ "${r:-0}" -gt 0 ] && [ "${g:-0}" -gt 0 ] && break
		qemu_alive && [ $((SECONDS - t0)) -lt 120 ] || break
		sleep 0.5
	done
	echo "# scope vcpuboost.stat after $((SECONDS - t0)) s: $(oneline "$SCOPE/vcpuboost.stat")"
	if [ "${r:-0}" -gt 0 ] && [ "${g:-0}" -gt 0 ]; then
		ok "$T"
	else
		notok "$T" "reports ${r:-?}, grants ${g:-?}$(qemu_alive || echo ', QEMU exited')"
		echo "# guest ticks $(debugcon_ticks "$WORK/dc.log"), kvm.vcpu_boost $(cat "$PARAM" 2>&1)," \
			"'CPU 0/KVM' in $(cat /proc/$qpid/task/$vtid/cgroup 2>&1)"
		echo "# vcpu0/vcpuboost.stat: $(oneline "$LV/vcpu0/vcpuboost.stat")"
		echo "# vcpu0 prio.max $(cat "$LV/vcpu0/vcpuboost.prio.max" 2>&1), triggers $(oneline "$LV/vcpu0/vcpuboost.triggers"), max $(cat "$LV/vcpu0/vcpuboost.max" 2>&1)"
		tail -n 3 "$WORK/qemu.log" | comment
	fi

	# A config file wins over the metadata; a bad policy fails only when required.
	T="libvirt hook: /etc/vcpuboost/domains/NAME.conf overrides the metadata; a bad required policy fails the start, a bad optional one does not"
	mkdir -p "$WORK/etc2/domains"
	printf 'prio-max=5\ntrigger=timer=6\n' >"$WORK/etc2/domains/$DOM.conf"
	why=
	domxml "$POLICY" | hook started begin "$WORK/etc2" || why="conf: exit $?: $(tr '\n' ' ' <"$WORK/hook.err")"
	for d in "$SCOPE" "$LV" "$LV/vcpu0"; do
		[ -z "$why" ] && [ "$(cat "$d/vcpuboost.prio.max")" != 5 ] && why="conf: ${d#$SLICE/} prio.max $(cat "$d/vcpuboost.prio.max")"
	done
	# No budget in this policy, but vcpu0 was granted before: the default
	# budget is for a first grant only, and its budget stays.
	[ -z "$why" ] && [ "$(cat "$LV/vcpu0/vcpuboost.max")" != "max 100000" ] && why="conf: vcpu0 budget $(cat "$LV/vcpu0/vcpuboost.max")"
	if [ -z "$why" ]; then
		printf 'prio-max=500\n' >"$WORK/etc2/domains/$DOM.conf"
		domxml "$POLICY" | hook started begin "$WORK/etc2" || why="bad optional policy: exit $?"
		grep -q "prio-max" "$WORK/hook.err" || why="${why:+$why, }bad policy not logged"
		printf 'prio-max=500\nrequired=yes\n' >"$WORK/etc2/domains/$DOM.conf"
		domxml "$POLICY" | hook started begin "$WORK/etc2" && why="${why:+$why, }bad required policy: exit 0"
		[ "$(cat "$SCOPE/vcpuboost.prio.max")" = 5 ] || why="${why:+$why, }bad policy changed prio.max"
	fi
	check "$T" "$why"
fi
stop_qemu
rmcg "$SCOPE"

# ---------------------------------------------------------- Prometheus -----
# 21-22.
T="vcpuboost export --textfile DIR: an atomic .prom file, accepted by promtool check metrics"
T2="the textfile holds vcpuboost counters as _total, times in seconds"
if ! has_tool; then
	skip "$T" "the tool $TOOL is not built"
	skip "$T2" "the tool $TOOL is not built"
elif ! command -v promtool >/dev/null; then
	skip "$T" "promtool not installed (Debian's prometheus)"
	skip "$T2" "promtool not installed"
else
	mkdir -p "$WORK/textfile"
	echo 1 >"$CG/$CGT/vcpuboost.prio.max"
	if ! "$TOOL" export --textfile "$WORK/textfile" >"$WORK/export.log" 2>&1; then
		notok "$T" "export exit $?: $(tail -n 2 "$WORK/export.log" | tr '\n' ' ')"
		skip "$T2" "no textfile"
	else
		prom=$(ls "$WORK/textfile"/*.prom 2>/dev/null | head -n 1)
		left=$(ls -A "$WORK/textfile" | grep -v '\.prom$' | tr '\n' ' ')
		if [ -z "$prom" ]; then
			notok "$T" "no .prom file in the directory ($(ls -A "$WORK/textfile" | tr '\n' ' '))"
		elif [ -n "$left" ]; then
			notok "$T" "temporary files left behind: $left"
		elif ! promtool check metrics <"$prom" >"$WORK/promtool.log" 2>&1; then
			notok "$T" "promtool: $(head -n 3 "$WORK/promtool.log" | tr '\n' ' ')"
		else
			ok "$T"
			[ -s "$WORK/promtool.log" ] && comment <"$WORK/promtool.log"
		fi
		why=
		grep -q '^vcpuboost_.*_total{' "$prom" 2>/dev/null || why="no vcpuboost_*_total counter"
		grep -q '^vcpuboost_.*seconds' "$prom" 2>/dev/null || why="${why:+$why, }no *_seconds metric"
		grep -q 'vcpuboost-test/cgtest' "$prom" 2>/dev/null || why="${why:+$why, }vcpuboost-test/cgtest not exported"
		check "$T2" "$why"
		head -n 12 "$prom" 2>/dev/null | comment
	fi
fi

# 23. The hook never calls back into libvirt.
T="the libvirt hook never calls back into libvirt (no virsh, no libvirt API)"
check "$T" "$(grep -nE '^[^#]*(virsh|import libvirt|virt-admin|libvirt\.open)' "$HOOK" | head -n 2)"

# 24. A real libvirtd 9.0 (Debian's libvirt-daemon-system), its state dirs
# on tmpfs in a private mount namespace (the host's root is read-only), the
# hook installed, a domain with a vcpuboost policy defined and started.
# Without systemd libvirt lays the domain out as
# /machine/qemu-ID-NAME.libvirt-qemu/{emulator,vcpuN}. libvirtd takes about
# two minutes to answer in this guest (its QEMU capability probe under
# nested emulation) and the domain one more to start: run with
# VB_GLUE_LIBVIRTD=1.
T="a real libvirtd: a domain with a vcpuboost policy starts, the hook grants it, its vCPU stays in libvirt's vcpu0 and is boosted"
LVD_DOM=vbglue2
if [ "${VB_GLUE_LIBVIRTD:-0}" != 1 ]; then
	skip "$T" "a real libvirtd needs ~2 min to answer in the TCG guest (QEMU capability probe) and ~1 min to start a domain; VB_GLUE_LIBVIRTD=1 runs it"
elif ! command -v libvirtd >/dev/null || ! command -v virsh >/dev/null; then
	skip "$T" "libvirtd or virsh not installed (Debian's libvirt-daemon-system, libvirt-clients)"
elif ! has_tool; then
	skip "$T" "the tool $TOOL is not built"
else
	[ -d $CG/machine ] && lvd_machine=0 || lvd_machine=1
	mkdir -p "$WORK/etc-lv/domains"
	printf 'SLICES=machine\nPRIO_MAX=10\nKVM_VCPU_BOOST=Y\nCREATE_SLICES=yes\n' >"$WORK/etc-lv/host.conf"
	VCPUBOOST_HOST_CONF=$WORK/etc-lv/host.conf "$GLUE/systemd/vcpuboost-enable" >/dev/null 2>&1
	domxml "$POLICY" | sed -e "s/<name>$DOM</<name>$LVD_DOM</" -e "/<uuid>/d" -e "s/ id='1'//" \
		-e "s|<resource><partition>/machine</partition></resource>||" -e "s/machine='pc-i440fx-7.2'/machine='pc'/" \
		>"$WORK/lvd-dom.xml"
	cat >"$WORK/lvd-hook" <<EOF
#!/bin/sh
echo "\$*" >>$WORK/lvd-hook.calls
VCPUBOOST_TOOL=$TOOL VCPUBOOST_CONF_DIR=$WORK/etc-lv VCPUBOOST_NO_SYSLOG=1 exec $HOOK "\$@" 2>>$WORK/lvd-hook.err
EOF
	chmod +x "$WORK/lvd-hook"
	cat >"$WORK/libvirtd.sh" <<EOF
set -u
for d in /var/lib/libvirt /var/cache/libvirt /var/log/libvirt; do mount -t tmpfs tmpfs \$d || exit 1; done
mkdir -p /var/lib/libvirt/qemu /var/cache/libvirt/qemu /var/log/libvirt/qemu /run/libvirt
cp -a /etc/libvirt $WORK/etc-libvirt && mount --bind $WORK/etc-libvirt /etc/libvirt || exit 1
printf 'user = "root"\ngroup = "root"\ndynamic_ownership = 0\nsecurity_driver = "none"\nstdio_handler = "file"\n' >>/etc/libvirt/qemu.conf
mkdir -p /etc/libvirt/hooks && cp $WORK/lvd-hook /etc/libvirt/hooks/qemu || exit 1
libvirtd -d -p $WORK/libvirtd.pid || exit 1
for i in \$(seq 1 300); do virsh -c qemu:///system version >/dev/null 2>&1 && break; sleep 1; done
echo "libvirtd answered after \$i s"
timeout 120 virsh -c qemu:///system define $WORK/lvd-dom.xml || exit 1
t0=\$(date +%s)
timeout 240 virsh -c qemu:///system start $LVD_DOM || exit 1
echo "the domain started in \$((\$(date +%s) - t0)) s"
EOF
	unshare -m --propagation private bash "$WORK/libvirtd.sh" >"$WORK/libvirtd.log" 2>&1
	rc=$?
	comment <"$WORK/libvirtd.log"
	why=
	lpid=$(cat /run/libvirt/qemu/$LVD_DOM.pid 2>/dev/null)
	if [ $rc != 0 ] || [ -z "$lpid" ]; then
		why="libvirtd or the domain did not start (exit $rc)"
	else
		dcg=$CG$(sed -n 's/^0:://p' /proc/$lpid/cgroup)
		dcg=${dcg%/emulator}
		vt=
		for t in /proc/$lpid/task/*; do
			[ "$(cat "$t/comm" 2>/dev/null)" = "CPU 0/KVM" ] && vt=${t##*/}
		done
		echo "# domain cgroup ${dcg#$CG}, hook calls: $(tr '\n' ';' <"$WORK/lvd-hook.calls")"
		comment <"$WORK/lvd-hook.err"
		grep -q "^$LVD_DOM started begin" "$WORK/lvd-hook.calls" || why="the hook was not called for started"
		[ -n "$vt" ] && grep -qx "$vt" "$dcg/vcpu0/cgroup.threads" 2>/dev/null ||
			why="${why:+$why, }'CPU 0/KVM' ($vt) not in libvirt's ${dcg#$CG}/vcpu0"
		for d in "$dcg" "$dcg/vcpu0"; do
			[ "$(cat "$d/vcpuboost.prio.max" 2>&1)" = 10 ] || why="${why:+$why, }${d#$CG} prio.max $(cat "$d/vcpuboost.prio.max" 2>&1)"
		done
		[ "$(cat "$dcg/vcpuboost.max" 2>&1)" = "20000 100000" ] || why="${why:+$why, }${dcg#$CG} max $(cat "$dcg/vcpuboost.max" 2>&1)"
		for i in $(seq 1 60); do
			g=$(kv "$dcg/vcpuboost.stat" grants)
			[ "${g:-0}" -gt 0 ] && break
			sleep 0.5
		done
		echo "# ${dcg#$CG}/vcpuboost.stat: $(oneline "$dcg/vcpuboost.stat")"
		[ "${g:-0}" -gt 0 ] || why="${why:+$why, }no grants"
	fi
	check "$T" "$why"
	timeout 60 virsh -c qemu:///system destroy $LVD_DOM >/dev/null 2>&1
	[ -s "$WORK/libvirtd.pid" ] && kill "$(cat "$WORK/libvirtd.pid")" 2>/dev/null
	sleep 2
	[ "$lvd_machine" = 1 ] && rmcg $CG/machine
fi

# 25. Cleanup.
T="cleanup: QEMU and containers gone, test cgroups removed, kvm.vcpu_boost restored"
cleanup
why=
for d in "$CG/vcpuboost-test" "$CG/vcpuboost-runc" "$CG/vcpuboost-crun" "$SCOPE"; do
	[ -d "$d" ] && why="${why:+$why, }$d left"
done
[ -n "$param_orig" ] && [ "$(cat $PARAM)" != "$param_orig" ] && why="${why:+$why, }vcpu_boost not restored"
check "$T" "$why"

[ "$n" = "$NTESTS" ] || echo "# ran $n tests, planned $NTESTS"
[ "$failed" = 0 ] && [ "$n" = "$NTESTS" ]
