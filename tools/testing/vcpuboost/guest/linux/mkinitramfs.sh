#!/bin/bash
# The root of the nested Linux guest: an initramfs with busybox, cyclictest
# and the libraries it links, and init.sh as its /init.
#
#   mkinitramfs.sh OUT.cpio
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=$(realpath -m "$1")
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT

mkdir -p "$root"/{bin,sbin,proc,sys,dev,tmp,run,lib,lib64,usr/bin}
cp /bin/busybox "$root/bin/busybox"
for app in $("$root/bin/busybox" --list); do
	[ -e "$root/bin/$app" ] || ln -s busybox "$root/bin/$app"
done
# cyclictest (rt-tests) and what it links.
for prog in /usr/bin/cyclictest; do
	cp "$prog" "$root/usr/bin/"
	for lib in $(ldd "$prog" | awk '/=> \// { print $3 } /^\t\/lib/ { print $1 }'); do
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
	done
done
install -m 0755 "$here/init.sh" "$root/init"
mkdir -p "$(dirname "$out")"
(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) >"$out.tmp"
mv "$out.tmp" "$out"
