#!/bin/sh
# /init of the nested Linux guest. The kernel command line chooses the job:
#   vb_job=tick        sleep 10 ms in a loop, forever: a guest whose timer
#                      fires 100 times a second (for reports to be seen)
#   vb_job=cyclictest  run cyclictest with vb_args (commas for spaces) and
#                      power off
# Every line meant for the host starts with "vcpuboost-guest:".
export PATH=/bin:/usr/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mount -t tmpfs tmpfs /tmp
job=idle args=
for w in $(cat /proc/cmdline); do
	case $w in
	vb_job=*) job=${w#vb_job=} ;;
	vb_args=*) args=$(echo "${w#vb_args=}" | tr , ' ') ;;
	esac
done
echo "vcpuboost-guest: init $(cut -d' ' -f1 /proc/uptime) s job=$job"
case $job in
tick)
	n=0
	while :; do
		sleep 0.01
		n=$((n + 1))
		[ $((n % 100)) -eq 0 ] && echo "vcpuboost-guest: tick $n"
	done
	;;
cyclictest)
	# shellcheck disable=SC2086
	cyclictest $args 2>&1 | sed 's/^/vcpuboost-guest: /'
	echo "vcpuboost-guest: done"
	;;
*)
	echo "vcpuboost-guest: idle"
	while :; do sleep 3600; done
	;;
esac
# Reboot, which QEMU -no-reboot turns into an exit: no ACPI to power off.
echo b >/proc/sysrq-trigger
sleep 10
