#!/bin/bash
# Guest payload of the experiment in README: the vcpuboost latency
# scenario, 3 x 3000 samples per workload, with the class change made in
# hardirq (defer=0) and deferred to task_work (defer=1), twice each, in
# one boot of a kernel with defer-class-change.patch applied.
P=/sys/module/kernel/parameters
for d in 0 1 0 1; do
	echo $d > $P/vcpuboost_defer
	a=$(cat $P/vcpuboost_deferred) b=$(cat $P/vcpuboost_immediate_current)
	BENCH_MODE=latency VB_OUT=$VB_OUT/d$d-$RANDOM bash $VB_REPO/tools/testing/vcpuboost/guest/bench.sh > /dev/null 2>&1
	echo "defer=$d deferred=$(( $(cat $P/vcpuboost_deferred) - a )) immediate_current=$(( $(cat $P/vcpuboost_immediate_current) - b ))"
done
dmesg | grep -E "WARNING|BUG" | grep -v srso | head
