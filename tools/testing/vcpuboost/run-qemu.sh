#!/bin/bash
# Boot build/bzImage (or $KERNEL) under QEMU with the host's root read-only
# over 9p and run PAYLOAD (a bash script) as the guest's job; its output,
# its exit code and the kernel log land in OUTDIR.
#
#   [KERNEL=IMAGE] [VB_QEMU_ARGS="..."] run-qemu.sh PAYLOAD OUTDIR [TIMEOUT_SECONDS]
#
# VB_QEMU_ARGS: more QEMU options, e.g. "-icount shift=0,sleep=off" for time
# that counts instructions (the benchmark's VM-exit cost).
set -euo pipefail
REPO=$(cd "$(dirname "$0")/../../.." && pwd)
B=${BUILD_DIR:-$REPO/build}
payload=$(realpath "$1")
out=$(realpath -m "$2")
limit=${3:-3000}
kernel=${KERNEL:-$B/bzImage}
mkdir -p "$out"
rm -f "$out"/payload.rc "$out"/payload.log "$out"/dmesg.txt "$out"/console.log

# Software emulation: multi-threaded TCG crashes in text_poke, and this
# machine's /dev/kvm cannot boot a stock kernel. +svm lets KVM run inside.
# The root is read-only and nothing changes it while the guest runs: the
# guest caches it (cache=loose), or every exec reads its binary and its
# libraries again over 9p (QEMU's first start took 42 s, then 11 s).
# Caching needs inode numbers unique across the host's mounts
# (multidevs=remap), or /proc is confused with a directory of another.
timeout --signal=KILL $((limit + 120)) \
qemu-system-x86_64 -accel tcg,thread=single -cpu EPYC,+svm -m 3G -smp 2 ${VB_QEMU_ARGS:-} \
	-kernel "$kernel" -nographic -no-reboot -nodefaults -serial stdio \
	-append "console=ttyS0 panic=-1 loglevel=4 root=rootfs rootfstype=9p rootflags=trans=virtio,version=9p2000.L,msize=512000,cache=loose ro init=$REPO/tools/testing/vcpuboost/guest/init.sh vb_payload=$payload vb_repo=$REPO vb_build=$B vb_timeout=$limit ${VB_GUEST_ENV:-}" \
	-fsdev local,id=root,path=/,security_model=none,readonly=on,multidevs=remap \
	-device virtio-9p-pci,fsdev=root,mount_tag=rootfs \
	-fsdev local,id=out,path="$out",security_model=none \
	-device virtio-9p-pci,fsdev=out,mount_tag=out \
	</dev/null >"$out/console.log" 2>&1 || true

if [ ! -f "$out/payload.rc" ]; then
	echo "run-qemu: the guest did not finish (see $out/console.log)" >&2
	tail -20 "$out/console.log" >&2
	exit 1
fi
