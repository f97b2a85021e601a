# vcpuboost: build a Linux 6.12 kernel with the vcpuboost cgroup controller,
# boot it under QEMU and test it. `make help` lists the targets.

SHELL := /bin/bash
REPO := $(CURDIR)
B := $(REPO)/build
T := $(B)/linux
O := $(B)/obj
# The PREEMPT_RT test kernel: the same tree and checkers, sleeping spinlocks.
OR := $(B)/obj-rt
# The benchmark's kernel: the same tree without the test kernel's checkers.
OB := $(B)/obj-bench
KST := $(B)/kselftest
# The nested Linux guest's kernel: tinyconfig and what a guest needs.
OG := $(B)/obj-guest
# The series with the controller configured out.
OO := $(B)/obj-off
JOBS ?= $(shell echo $$(( $$(nproc) + 1 )))
KSRC ?= /usr/src/linux-source-6.12.tar.xz
export KSRC

# The operator's tool, built for the host (and run by the guest over 9p).
TOOLS := $(B)/tools

# The config fragments of each kernel (tools/testing/vcpuboost/config.sh).
CF := kernel/configs/vcpuboost
CF_BASE := $(CF)-harness.config $(CF).config

# A compiler cache, if installed (make deps installs it): a fresh clone of
# an unchanged series then builds its kernels from the cache of an earlier
# build. CCACHE_BASEDIR makes its hits independent of where the clone is:
# ccache hands the compiler paths relative to the object tree, which the
# kernel's own prefix map (the absolute $(srctree)/) no longer strips from
# __FILE__, hence the relative ones. make CCACHE= builds without it.
CCACHE ?= $(shell command -v ccache)
ifneq ($(CCACHE),)
KCC = CC="$(CCACHE) gcc" \
	KCFLAGS="$(KCFLAGS) -fmacro-prefix-map=../linux/= -fmacro-prefix-map=../linux-rt/="
export CCACHE_BASEDIR := $(B)
export CCACHE_NOHASHDIR := 1
endif

KMAKE = $(MAKE) -s -C $(T) O=$(O) $(KCC)
KHDR = -isystem $(O)/usr/include

.PHONY: all help deps tree sync config kernel rt-tree rt-kernel bench-kernel headers selftests check demo bench \
	refresh patches patches-check checkpatch clean distclean

all: kernel selftests tools

help:
	@echo "make demo           boot the patched kernel and show vcpuboost at work"
	@echo "make check          build everything, boot, run every test suite"
	@echo "make check-off      the series without CONFIG_CGROUP_VCPUBOOST: KVM's state_test"
	@echo "make bench          the latency benchmark: build/bench/results.{json,md}, plots"
	@echo "make deps           install the Debian packages needed (root or sudo)"
	@echo "make kernel         prepare build/linux and build build/bzImage (the test kernel)"
	@echo "make rt-kernel      build build/bzImage-rt (the test kernel on PREEMPT_RT)"
	@echo "make bench-kernel   build build/bzImage-bench (no lockdep; for bench and demo)"
	@echo "make guest-kernel   build build/bzImage-guest and its initramfs, the nested Linux guest"
	@echo "make selftests      build the kselftests into build/kselftest"
	@echo "make tools          build the operator's tool into build/tools/vcpuboost"
	@echo "make sync           apply patches/ and the new files to build/linux"
	@echo "make refresh        turn commits made in build/linux back into patches/"
	@echo "make patches        export the series to build/patches (git format-patch)"
	@echo "make patches-check  git am the series onto base, build at every patch"
	@echo "make checkpatch     scripts/checkpatch.pl --strict on every patch of the series"
	@echo "make clean          remove build outputs, keep the unpacked tree"
	@echo "Variables: KSRC=<6.12 tree or tarball>  JOBS=<n>"

deps:
	@tools/testing/vcpuboost/deps.sh

# The prepared tree always matches the repository before anything builds.
tree sync: deps
	@tools/testing/vcpuboost/tree.sh sync

$(O)/.config: $(CF_BASE) $(CF)-test.config $(CF)-kasan.config $(CF)-containers.config \
		$(wildcard patches/*.patch)
	@echo "  CONFIG  $(O)/.config"
	@tools/testing/vcpuboost/config.sh test

$(OR)/.config: $(CF_BASE) $(CF)-test.config $(CF)-rt.config $(wildcard patches/*.patch) \
		$(wildcard tools/testing/vcpuboost/rt/*.patch)
	@echo "  CONFIG  $(OR)/.config"
	@tools/testing/vcpuboost/config.sh rt

$(OB)/.config: $(CF_BASE) $(CF)-bench.config $(wildcard patches/*.patch)
	@echo "  CONFIG  $(OB)/.config"
	@tools/testing/vcpuboost/config.sh bench

config: tree
	@tools/testing/vcpuboost/config.sh test

kernel: tree $(O)/.config
	@echo "  BUILD   bzImage (JOBS=$(JOBS))"
	@$(KMAKE) -j$(JOBS) bzImage
	@cmp -s $(O)/arch/x86/boot/bzImage $(B)/bzImage || cp $(O)/arch/x86/boot/bzImage $(B)/bzImage
	@echo "  KERNEL  build/bzImage"

# From build/linux-rt: the series and tools/testing/vcpuboost/rt/*.patch (QEMU's TCG cannot
# tell the kernel its TSC is constant, without which KVM refuses PREEMPT_RT).
rt-tree: tree
	@tools/testing/vcpuboost/tree.sh rt-tree

rt-kernel: rt-tree $(OR)/.config
	@echo "  BUILD   bzImage-rt (JOBS=$(JOBS))"
	@$(MAKE) -s -C $(B)/linux-rt O=$(OR) $(KCC) -j$(JOBS) bzImage
	@cmp -s $(OR)/arch/x86/boot/bzImage $(B)/bzImage-rt || cp $(OR)/arch/x86/boot/bzImage $(B)/bzImage-rt
	@echo "  KERNEL  build/bzImage-rt"

bench-kernel: tree $(OB)/.config
	@echo "  BUILD   bzImage-bench (JOBS=$(JOBS))"
	@$(MAKE) -s -C $(T) O=$(OB) $(KCC) -j$(JOBS) bzImage
	@cmp -s $(OB)/arch/x86/boot/bzImage $(B)/bzImage-bench || \
		cp $(OB)/arch/x86/boot/bzImage $(B)/bzImage-bench
	@echo "  KERNEL  build/bzImage-bench"

$(OG)/.config: $(CF)-guest.config $(wildcard patches/*.patch)
	@echo "  CONFIG  $(OG)/.config"
	@tools/testing/vcpuboost/config.sh guest

# The nested guest boots from an initramfs: busybox, cyclictest, an init
# that runs the job its command line names.
guest-kernel: tree $(OG)/.config
	@echo "  BUILD   bzImage-guest (JOBS=$(JOBS))"
	@$(MAKE) -s -C $(T) O=$(OG) -j$(JOBS) bzImage
	@cmp -s $(OG)/arch/x86/boot/bzImage $(B)/bzImage-guest || \
		cp $(OG)/arch/x86/boot/bzImage $(B)/bzImage-guest
	@tools/testing/vcpuboost/guest/linux/mkinitramfs.sh $(B)/guest/initramfs.cpio
	@echo "  KERNEL  build/bzImage-guest build/guest/initramfs.cpio"

$(OO)/.config: $(CF_BASE) $(CF)-off.config $(wildcard patches/*.patch)
	@echo "  CONFIG  $(OO)/.config"
	@tools/testing/vcpuboost/config.sh off

off-kernel: tree $(OO)/.config
	@echo "  BUILD   bzImage-off (JOBS=$(JOBS))"
	@$(MAKE) -s -C $(T) O=$(OO) $(KCC) -j$(JOBS) bzImage
	@cmp -s $(OO)/arch/x86/boot/bzImage $(B)/bzImage-off || cp $(OO)/arch/x86/boot/bzImage $(B)/bzImage-off
	@echo "  KERNEL  build/bzImage-off"

# Not part of make check, whose time it would double from a fresh clone
# (a third full kernel build): run it when KVM or the scheduler hooks change.
check-off: off-kernel selftests
	@rm -rf $(B)/check-off
	@KERNEL=$(B)/bzImage-off tools/testing/vcpuboost/run-qemu.sh \
		tools/testing/vcpuboost/guest/run-tests-off.sh $(B)/check-off 1200 || true
	@cat $(B)/check-off/tap/check_off.tap 2>/dev/null || echo "check-off: no results"
	@grep -q '^ok 3' $(B)/check-off/tap/check_off.tap 2>/dev/null && \
		! grep -q '^not ok' $(B)/check-off/tap/check_off.tap

# The uAPI headers need no configured kernel: the selftests do not wait
# for a build.
headers: tree
	@$(KMAKE) headers

# state_test: save and restore keep working with MSR_KVM_VCPU_BOOST listed.
KVM_TESTS := $(addprefix $(KST)/kvm/x86_64/,vcpu_boost_test vcpu_boost_latency vcpu_boost_exits \
	vcpu_boost_stress state_test)

selftests: headers
	@echo "  BUILD   kselftests"
	@mkdir -p $(KST)/cgroup $(KST)/kvm
	@$(MAKE) -s -C $(T)/tools/testing/selftests/cgroup OUTPUT=$(KST)/cgroup \
		KHDR_INCLUDES="$(KHDR)" $(KST)/cgroup/test_vcpuboost \
		$(KST)/cgroup/test_vcpuboost_engine $(KST)/cgroup/test_vcpuboost_stress \
		$(KST)/cgroup/vcpuboost_bench
	@$(MAKE) -s -C $(T)/tools/testing/selftests/kvm OUTPUT=$(KST)/kvm \
		KHDR_INCLUDES="$(KHDR)" $(KVM_TESTS)
	@$(MAKE) -s -C tools/testing/vcpuboost/guest/tinyguest

tools: deps
	@echo "  BUILD   tools/vcpuboost"
	@$(MAKE) -s -C tools/vcpuboost O=$(TOOLS)

# Every suite, on the test kernel (lockdep, KASAN) and on PREEMPT_RT (lockdep).
# Both kernels boot at once: QEMU's single-threaded TCG keeps one CPU busy
# each, so two boots take the time of the longer one. The suites that run
# once per make check are split between them (run-tests.sh).
# Each boot's limit, in seconds: both take about 20 minutes; a hung suite
# fails the run within CI's time rather than outlasting it.
CHECK_LIMIT ?= 1800
check: kernel rt-kernel selftests tools
	@rm -rf $(B)/check $(B)/check-rt
	@echo "  BOOT    running the test suites under QEMU, on both kernels at once"
	@tools/testing/vcpuboost/run-qemu.sh tools/testing/vcpuboost/guest/run-tests.sh $(B)/check $(CHECK_LIMIT) & \
	KERNEL=$(B)/bzImage-rt VB_GUEST_ENV="VB_RT=1" \
		tools/testing/vcpuboost/run-qemu.sh tools/testing/vcpuboost/guest/run-tests.sh $(B)/check-rt $(CHECK_LIMIT); \
	wait; true
	@tools/testing/vcpuboost/report.py $(B)/check $(B)/check-rt

bench: bench-kernel selftests tools
	@rm -rf $(B)/bench
	@echo "  BOOT    running the benchmark under QEMU (about 13 minutes)"
	@KERNEL=$(B)/bzImage-bench VB_GUEST_ENV="BENCH_MODE=full" \
		tools/testing/vcpuboost/run-qemu.sh tools/testing/vcpuboost/guest/bench.sh $(B)/bench 5400
	@echo "  BOOT    the VM-exit cost and the CPU shares, under -icount (about 10 minutes)"
	@KERNEL=$(B)/bzImage-bench VB_GUEST_ENV="BENCH_MODE=icount" \
		VB_QEMU_ARGS="-icount shift=0,sleep=off" \
		tools/testing/vcpuboost/run-qemu.sh tools/testing/vcpuboost/guest/bench.sh $(B)/bench/icount 1800
	@tools/testing/vcpuboost/bench_report.py $(B)/bench
	@echo "  RESULTS build/bench/results.json build/bench/results.md build/bench/*.png"

demo: bench-kernel selftests tools
	@rm -rf $(B)/demo
	@KERNEL=$(B)/bzImage-bench VB_GUEST_ENV="BENCH_MODE=demo" \
		tools/testing/vcpuboost/run-qemu.sh tools/testing/vcpuboost/guest/demo.sh $(B)/demo 1200
	@cat $(B)/demo/payload.log
	@tools/testing/vcpuboost/bench_report.py $(B)/demo --demo

refresh: deps
	@tools/testing/vcpuboost/tree.sh refresh

patches: deps
	@tools/testing/vcpuboost/tree.sh export

patches-check: deps
	@tools/testing/vcpuboost/tree.sh am-check

checkpatch: deps
	@tools/testing/vcpuboost/tree.sh checkpatch

clean:
	rm -rf $(O) $(OR) $(OB) $(OG) $(OO) $(KST) $(B)/bzImage $(B)/bzImage-rt $(B)/bzImage-bench \
		$(B)/bzImage-guest $(B)/guest $(B)/bzImage-off $(B)/check-off \
		$(B)/check $(B)/check-rt $(B)/demo $(B)/patches $(B)/am-obj $(B)/am-obj-off
	@$(MAKE) -s -C tools/testing/vcpuboost/guest/tinyguest clean
	rm -rf $(TOOLS)

distclean:
	rm -rf $(B)
