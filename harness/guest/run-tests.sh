#!/bin/bash
# The test job, run inside the guest: every suite writes TAP to $VB_OUT/tap.
set -u
B=$VB_BUILD
TAP=$VB_OUT/tap
mkdir -p "$TAP"

run() {	# run NAME TIMEOUT CMD...: one suite
	local name=$1 limit=$2
	shift 2
	echo "=== $name: $*"
	timeout --signal=KILL "$limit" "$@" >"$TAP/$name.tap" 2>"$TAP/$name.err"
	echo "=== $name: exit $?"
}

run cgroup_vcpuboost 1200 "$B/kselftest/cgroup/test_vcpuboost"
run cgroup_vcpuboost_engine 1500 "$B/kselftest/cgroup/test_vcpuboost_engine"
run kvm_vcpu_boost 1500 "$B/kselftest/kvm/x86_64/vcpu_boost_test"

# The benchmark, in seconds: keeps it working, measures nothing.
echo "=== bench smoke"
BENCH_MODE=smoke timeout --signal=KILL 900 bash "$VB_REPO/harness/guest/bench.sh"
echo "=== bench smoke: exit $?"
