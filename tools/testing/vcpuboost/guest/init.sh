#!/bin/bash
# PID 1 of the test guest. The root filesystem is the host's, read-only
# over 9p; results go to the writable 9p share "out". The kernel passes
# vb_payload= (the script to run) and vb_repo= from its command line.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
# /tmp stays the host's (read-only): the repository may live there. All
# that the guest writes goes under /run.
mount -t tmpfs tmpfs /run
mount -t cgroup2 cgroup2 /sys/fs/cgroup
mount -t debugfs debugfs /sys/kernel/debug
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
mkdir -p /dev/pts /dev/shm /run/out /run/tmp
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 out /run/out
# stress-ng and friends refuse a read-only working directory.
cd /run/tmp
export HOME=/run/tmp TMPDIR=/run/tmp VB_OUT=/run/out VB_REPO="$vb_repo" VB_BUILD="$vb_build"

echo "vcpuboost guest: $(uname -r), running $vb_payload" >/dev/console
timeout --signal=KILL "${vb_timeout:-3000}" bash "$vb_payload" >/run/out/payload.log 2>&1
echo $? >/run/out/payload.rc
dmesg >/run/out/dmesg.txt
sync
echo o >/proc/sysrq-trigger
sleep 30
