#!/bin/bash
# Write a kernel config: x86_64 defconfig, the kvm_guest fragment, then
# configs/harness.config (QEMU and 9p), configs/vcpuboost.config (the
# feature) and
#   test (build/obj/.config):        configs/test.config, the test reporter,
#                                    KUnit, lockdep and friends, and
#                                    configs/kasan.config;
#   rt (build/obj-rt/.config):       configs/test.config and
#                                    configs/rt.config: the same checkers
#                                    on PREEMPT_RT;
#   bench (build/obj-bench/.config): configs/bench.config, the test
#                                    reporter without the checkers.
# Fails if any option of the fragments did not survive olddefconfig, so
# that a missing dependency is caught here and not by a test.
#
#   config.sh [test|rt|bench]
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
B=${BUILD_DIR:-$REPO/build}
T=$B/linux
# The PREEMPT_RT kernel builds from its own worktree (tree.sh rt-tree).
[ "${1:-test}" = rt ] && T=$B/linux-rt
frags=("$REPO/configs/harness.config" "$REPO/configs/vcpuboost.config")
case ${1:-test} in
test)	O=$B/obj; frags+=("$REPO/configs/test.config" "$REPO/configs/kasan.config") ;;
rt)	O=$B/obj-rt; frags+=("$REPO/configs/test.config" "$REPO/configs/rt.config") ;;
bench)	O=$B/obj-bench; frags+=("$REPO/configs/bench.config") ;;
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
