#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Run a command as SCHED_OTHER with a custom EEVDF slice (Linux 6.12).

usage: with-slice.py SLICE_NS COMMAND [ARG...]

What a user of a 6.12 kernel would try first for a latency-sensitive vCPU
thread: sched_setattr(2) with SCHED_OTHER and sched_runtime, the custom
slice (a shorter virtual deadline, so the thread wins picks and wakeup
preemption while it is eligible). util-linux 2.38's chrt only takes a
runtime for SCHED_DEADLINE, hence this. The slice is inherited by the
command and by every thread it creates.
"""
import ctypes
import os
import struct
import sys

NR_SCHED_SETATTR = 314      # x86_64
NR_SCHED_GETATTR = 315
SCHED_OTHER = 0
SCHED_ATTR_SIZE_VER0 = 48   # size, policy, flags, nice, priority, runtime, deadline, period


def main():
    if len(sys.argv) < 3 or not sys.argv[1].isdigit():
        sys.exit("usage: with-slice.py SLICE_NS COMMAND [ARG...]")
    slice_ns = int(sys.argv[1])
    # The kernel clamps a custom slice to [100 us, 100 ms]: refuse what it
    # would silently change, so a run never measures another slice.
    if not 100000 <= slice_ns <= 100000000:
        sys.exit("with-slice.py: the slice must be 100000..100000000 ns")
    libc = ctypes.CDLL(None, use_errno=True)
    attr = ctypes.create_string_buffer(struct.pack(
        "IIQiIQQQ", SCHED_ATTR_SIZE_VER0, SCHED_OTHER, 0, 0, 0, slice_ns, 0, 0))
    if libc.syscall(NR_SCHED_SETATTR, 0, attr, 0):
        sys.exit("with-slice.py: sched_setattr: %s" % os.strerror(ctypes.get_errno()))
    got = ctypes.create_string_buffer(SCHED_ATTR_SIZE_VER0)
    if libc.syscall(NR_SCHED_GETATTR, 0, got, SCHED_ATTR_SIZE_VER0, 0):
        sys.exit("with-slice.py: sched_getattr: %s" % os.strerror(ctypes.get_errno()))
    runtime = struct.unpack("IIQiIQQQ", got.raw)[5]
    if runtime != slice_ns:
        sys.exit("with-slice.py: the kernel kept a slice of %d ns, not %d" % (runtime, slice_ns))
    os.execvp(sys.argv[2], sys.argv[2:])


if __name__ == "__main__":
    main()
