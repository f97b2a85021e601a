# Stock QEMU as the shell suites run it in the test guest; sourced. The
# caller keeps QEMU's pid in $qpid.

# debugcon_ticks FILE: the 'T's the tiny guest wrote to its debug console
# FILE so far (one per 100 timer interrupts). Builtins only: the suites
# poll it every half second, and under emulation each fork and exec costs
# the guest tenths of a second.
debugcon_ticks() {
	local text=
	[ -f "$1" ] && IFS= read -r -d '' text <"$1"
	text=${text//[!T]/}
	echo ${#text}
}

qemu_alive() {
	[ -n "$qpid" ] && kill -0 "$qpid" 2>/dev/null
}

# qemu_vcpu_thread: print the tid of QEMU's 'CPU 0/KVM' thread, waiting up
# to 60 s for QEMU to create it; fails if QEMU ends or never does.
qemu_vcpu_thread() {
	local i t
	for i in $(seq 1 600); do
		for t in /proc/$qpid/task/*; do
			if [ "$(cat "$t/comm" 2>/dev/null)" = "CPU 0/KVM" ]; then
				echo "${t##*/}"
				return 0
			fi
		done
		qemu_alive || return 1
		sleep 0.1
	done
	return 1
}
