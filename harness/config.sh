#!/bin/bash
# Write a kernel config: x86_64 defconfig, the kvm_guest fragment, then
# configs/harness.config (QEMU and 9p), configs/vcpuboost.config (the
# feature) and
#   test (build/obj/.config):        configs/test.config, the test reporter,
#                                    KUnit, lockdep and friends;
#   bench (build/obj-bench/.config): configs/bench.config, the test
#                                    reporter without the checkers.
# Fails if any option of the fragments did not survive olddefconfig, so
# that a missing dependency is caught here and not by a test.
#
#   config.sh [test|bench]
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
B=${BUILD_DIR:-$REPO/build}
T=$B/linux
case ${1:-test} in
test)	O=$B/obj ;;
bench)	O=$B/obj-bench ;;
*)	echo "usage: config.sh [test|bench]" >&2; exit 2 ;;
esac
frags=("$REPO/configs/harness.config" "$REPO/configs/vcpuboost.config" "$REPO/configs/${1:-test}.config")

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
