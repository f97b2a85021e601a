#!/bin/bash
# Write a kernel config: x86_64 defconfig, the kvm_guest fragment, then
# kernel/configs/vcpuboost-harness.config (QEMU and 9p), kernel/configs/vcpuboost.config (the
# feature) and
#   test (build/obj/.config):        kernel/configs/vcpuboost-test.config, the test reporter,
#                                    KUnit, lockdep and friends,
#                                    kernel/configs/vcpuboost-kasan.config and
#                                    kernel/configs/vcpuboost-containers.config;
#   rt (build/obj-rt/.config):       kernel/configs/vcpuboost-test.config and
#                                    kernel/configs/vcpuboost-rt.config: the same checkers
#                                    on PREEMPT_RT;
#   bench (build/obj-bench/.config): kernel/configs/vcpuboost-bench.config, the test
#                                    reporter without the checkers;
#   off (build/obj-off/.config):     kernel/configs/vcpuboost-off.config, the
#                                    controller configured out;
#   guest (build/obj-guest/.config): not the above but tinyconfig and
#                                    kernel/configs/vcpuboost-guest.config: the
#                                    Linux guest that runs nested inside them.
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
test)	O=$B/obj; frags+=("$REPO/kernel/configs/vcpuboost-test.config" "$REPO/kernel/configs/vcpuboost-kasan.config")
	# The operator's glue runs containers on this kernel only.
	frags+=("$REPO/kernel/configs/vcpuboost-containers.config") ;;
rt)	O=$B/obj-rt; frags+=("$REPO/kernel/configs/vcpuboost-test.config" "$REPO/kernel/configs/vcpuboost-rt.config") ;;
bench)	O=$B/obj-bench; frags+=("$REPO/kernel/configs/vcpuboost-bench.config") ;;
guest)	O=$B/obj-guest; frags=("$REPO/kernel/configs/vcpuboost-guest.config") ;;
off)	O=$B/obj-off; frags+=("$REPO/kernel/configs/vcpuboost-off.config") ;;
*)	echo "usage: config.sh [test|rt|bench|guest|off]" >&2; exit 2 ;;
esac

mkdir -p "$O"
if [ "${1:-test}" = guest ]; then
	make -s -C "$T" O="$O" tinyconfig >/dev/null
	"$T/scripts/kconfig/merge_config.sh" -m -O "$O" "$O/.config" "${frags[@]}" >/dev/null
else
	make -s -C "$T" O="$O" x86_64_defconfig >/dev/null
	"$T/scripts/kconfig/merge_config.sh" -m -O "$O" "$O/.config" \
		"$T/kernel/configs/kvm_guest.config" "${frags[@]}" >/dev/null
fi
make -s -C "$T" O="$O" olddefconfig >/dev/null

bad=0
# A later fragment overrides an earlier one: vcpuboost-off.config the
# feature's CONFIG_CGROUP_VCPUBOOST=y.
[ "${1:-test}" = off ] && frags=("$REPO/kernel/configs/vcpuboost-harness.config" "$REPO/kernel/configs/vcpuboost-off.config")
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
