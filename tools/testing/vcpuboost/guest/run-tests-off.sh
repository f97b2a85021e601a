#!/bin/bash
# The job of the kernel built without CONFIG_CGROUP_VCPUBOOST (make
# check-off): no controller, KVM's save and restore intact, the KVM
# selftest skipping for want of the capability. TAP into $VB_OUT/tap.
B=$VB_BUILD
TAP=$VB_OUT/tap
mkdir -p "$TAP"
n=0
{
	echo "TAP version 13"
	echo "1..3"
	if grep -qw vcpuboost /sys/fs/cgroup/cgroup.controllers; then
		echo "not ok 1 no vcpuboost controller # listed in cgroup.controllers"
	else
		echo "ok 1 no vcpuboost controller"
	fi
	timeout --signal=KILL 600 "$B/kselftest/kvm/x86_64/state_test" >"$TAP/state_test.out" 2>&1
	rc=$?
	[ $rc -eq 0 ] && echo "ok 2 state_test" || echo "not ok 2 state_test # exit $rc"
	timeout --signal=KILL 600 "$B/kselftest/kvm/x86_64/vcpu_boost_test" >"$TAP/vcpu_boost_test.out" 2>&1
	rc=$?
	# 4: kselftest's skip, here for want of KVM_CAP_VCPU_BOOST.
	[ $rc -eq 4 ] && echo "ok 3 vcpu_boost_test skips without the capability" ||
		echo "not ok 3 vcpu_boost_test skips without the capability # exit $rc"
} >"$TAP/check_off.tap"
cat "$TAP/check_off.tap"
