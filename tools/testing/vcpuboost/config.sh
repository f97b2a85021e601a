#!/bin/bash
# Write a kernel config: x86_64 defconfig, the kvm_guest fragment, then
# kernel/configs/vcpuboost-harness.config (QEMU and 9p), kernel/configs/vcpuboost.config (the
# feature) and
#   test (build/obj/.config):        kernel/configs/vcpuboost-test.config, the test reporter,
#                                    KUnit, lockdep and friends, and
#                                    kernel/configs/vcpuboost-kasan.config;
#   rt (build/obj-rt/.config):       kernel/configs/vcpuboost-test.config and
#                                    kernel/configs/vcpuboost-rt.config: the same checkers
#                                    on PREEMPT_RT;
#   bench (build/obj-bench/.config): kernel/configs/vcpuboost-bench.config, the test
#                                    reporter without the checkers.
# Fails if any option of the fragments did not survive olddefconfig, so
# that a missing dependency is caught here and not by a test.
#
#   config.sh [test|rt|bench]
set -euo pipefail
REPO=$(cd "$(dirname "$0")/../../.." && pwd)
B=${BUILD_DIR:-$REPO/build}
T=$B/linux
# The PREEMPT_RT kernel builds from its own worktree (tree.sh rt-tree).
[ "${1:-test}" = rt ] && T=$B/linux-rt
frags=("$REPO/kernel/configs/vcpuboost-harness.config" "$REPO/kernel/configs/vcpuboost.config")
case ${1:-test} in
test)	O=$B/obj; frags+=("$REPO/kernel/configs/vcpuboost-test.config" "$REPO/kernel/configs/vcpuboost-kasan.config") ;;
rt)	O=$B/obj-rt; frags+=("$REPO/kernel/configs/vcpuboost-test.config" "$REPO/kernel/configs/vcpuboost-rt.config") ;;
bench)	O=$B/obj-bench; frags+=("$REPO/kernel/configs/vcpuboost-bench.config") ;;
*)	echo "usage: config.sh [test|rt|bench]" >&2; exit 2 ;;
esac

mkdir -p "$O"
make -s -C "$T" O="$O" x86_64_defconfig >/dev/null
"$T/scripts/kconfig/merge_config.sh" -m -O "$O" "$O/.config" \
	"$T/kernel/configs/kvm_guest.config" "${frags[@]}" >/dev/null
make -s -C "$T" O="$O" olddefconfig >/dev/null

bad=0
for f in "${frags[@]}"; do
	while read -r line; do
		case $line in
		CONFIG_*=*)
			grep -qx "$line" "$O/.config" || { echo "config: $line did not stick ($(basename "$f"))" >&2; bad=1; } ;;
		"# CONFIG_"*" is not set")
			sym=${line#\# }; sym=${sym%% *}
			! grep -q "^$sym=" "$O/.config" || { echo "config: $sym should be off ($(basename "$f"))" >&2; bad=1; } ;;
		esac
	done <"$f"
done
exit $bad
