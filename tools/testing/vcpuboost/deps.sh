#!/bin/bash
# Install what building, booting and testing need, from Debian's packages.
# Idempotent: does nothing when everything is installed. Root or sudo.
set -euo pipefail
pkgs=(
	linux-source-6.12 build-essential bc bison flex libelf-dev libssl-dev
	dwarves cpio kmod rsync git python3 python3-ply python3-git
	qemu-system-x86 busybox-static
	stress-ng rt-tests cgroup-tools libcgroup-dev gnuplot-nox
	libjson-c-dev pkg-config tmux runc crun prometheus ccache
)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=
[ "$(id -u)" -eq 0 ] || sudo=sudo
echo "  DEPS    installing ${missing[*]}"
$sudo apt-get update -q
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
