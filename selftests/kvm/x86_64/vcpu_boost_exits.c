// SPDX-License-Identifier: GPL-2.0-only
/*
 * The cost of KVM_CAP_VCPU_BOOST on the VM-exit path: a guest doing
 * back-to-back exits (CPUID), with the capability off, on with no request,
 * and on with the request toggled at every exit. Each mode runs for the
 * given time, in rounds that alternate the modes so that drift in the
 * machine's speed hits them alike. The rate is per second of the vCPU
 * thread's own CPU time, so that other tasks on its CPU do not count; under
 * QEMU's -icount, where time counts instructions, it is the inverse of the
 * exit path's length.
 *
 * Prints one line per mode: "MODE exits_per_s X min Y max Z" (median, least
 * and most over the rounds).
 *
 * "vcpu_boost_exits scale NR_VCPUS SECONDS VM_CGROUP" runs one VM of
 * NR_VCPUS vCPUs toggling their requests, each vCPU thread in
 * VM_CGROUP/vcpuN, for the scale run of the benchmark, and prints the
 * exits they made and the CPU time their threads took ("exits N",
 * "cpu_s X"): under -icount, the instructions of a toggling exit.
 */
#define _GNU_SOURCE
#include <asm/kvm_para.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "kvm_util.h"
#include "processor.h"
#include "test_util.h"

enum { MODE_OFF, MODE_ON, MODE_TOGGLE, NR_MODES };
static const char * const mode_name[] = { "off", "on", "toggle" };

struct shared {
	struct kvm_vcpu_boost area;
	uint64_t area_gpa;
	uint64_t mode;
	uint64_t loops;
	uint64_t stop;
};

static void guest_code(struct shared *s)
{
	uint32_t eax, ebx, ecx, edx;

	if (s->mode != MODE_OFF)
		wrmsr(MSR_KVM_VCPU_BOOST, s->area_gpa | KVM_MSR_ENABLED);
	while (!READ_ONCE(s->stop)) {
		if (s->mode == MODE_TOGGLE)
			WRITE_ONCE(s->area.request, s->loops & 1);
		cpuid(0, &eax, &ebx, &ecx, &edx);
		WRITE_ONCE(s->loops, s->loops + 1);
	}
	WRITE_ONCE(s->area.request, 0);
	GUEST_DONE();
}

struct run {
	struct kvm_vcpu *vcpu;
	struct shared *s;
	const char *cg;
	int index;
	double cpu_s;
};

static double cpu_seconds(clockid_t clock)
{
	struct timespec ts;

	TEST_ASSERT(!clock_gettime(clock, &ts), "clock_gettime");
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *vcpu_fn(void *arg)
{
	struct run *r = arg;
	struct ucall uc;

	if (r->cg) {
		char path[PATH_MAX], tid[32];
		int fd, len;

		snprintf(path, sizeof(path), "%s/vcpu%d/cgroup.threads", r->cg, r->index);
		len = snprintf(tid, sizeof(tid), "%ld", syscall(SYS_gettid));
		fd = open(path, O_WRONLY);
		TEST_ASSERT(fd >= 0 && write(fd, tid, len) == len, "enter %s", path);
		close(fd);
	}
	vcpu_run(r->vcpu);
	if (get_ucall(r->vcpu, &uc) == UCALL_ABORT)
		REPORT_GUEST_ASSERT(uc);
	r->cpu_s = cpu_seconds(CLOCK_THREAD_CPUTIME_ID);
	return NULL;
}

static double measure(int mode, double seconds)
{
	struct kvm_vm *vm;
	pthread_t thread;
	clockid_t clock;
	struct run r;
	vm_vaddr_t gva;
	uint64_t l0;
	double t0;

	vm = vm_create(1);
	if (mode != MODE_OFF)
		vm_enable_cap(vm, KVM_CAP_VCPU_BOOST, 0);
	r.vcpu = vm_vcpu_add(vm, 0, guest_code);
	r.cg = NULL;
	gva = vm_vaddr_alloc_page(vm);
	r.s = addr_gva2hva(vm, gva);
	memset(r.s, 0, sizeof(*r.s));
	r.s->area_gpa = addr_gva2gpa(vm, gva);
	r.s->mode = mode;
	vcpu_args_set(r.vcpu, 1, gva);

	pthread_create(&thread, NULL, vcpu_fn, &r);
	TEST_ASSERT(!pthread_getcpuclockid(thread, &clock), "pthread_getcpuclockid");
	while (!READ_ONCE(r.s->loops))
		usleep(1000);
	l0 = READ_ONCE(r.s->loops);
	t0 = cpu_seconds(clock);
	usleep(seconds * 1e6);
	l0 = READ_ONCE(r.s->loops) - l0;
	t0 = cpu_seconds(clock) - t0;
	TEST_ASSERT(t0 > 0, "the vCPU thread did not run");
	WRITE_ONCE(r.s->stop, 1);
	pthread_join(thread, NULL);
	kvm_vm_free(vm);
	return l0 / t0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Several vCPUs, each on its own page, toggling their requests. */
static void scale(int nr, double seconds, const char *cg)
{
	struct run r[8];
	pthread_t thread[8];
	struct kvm_vm *vm;
	uint64_t loops = 0;
	double cpu_s = 0;
	int i;

	TEST_ASSERT(nr > 0 && nr <= 8, "1..8 vCPUs");
	vm = vm_create(nr);
	vm_enable_cap(vm, KVM_CAP_VCPU_BOOST, 0);
	for (i = 0; i < nr; i++) {
		vm_vaddr_t gva;

		r[i].vcpu = vm_vcpu_add(vm, i, guest_code);
		gva = vm_vaddr_alloc_page(vm);
		r[i].s = addr_gva2hva(vm, gva);
		memset(r[i].s, 0, sizeof(*r[i].s));
		r[i].s->area_gpa = addr_gva2gpa(vm, gva);
		r[i].s->mode = MODE_TOGGLE;
		r[i].cg = cg;
		r[i].index = i;
		vcpu_args_set(r[i].vcpu, 1, gva);
	}
	for (i = 0; i < nr; i++)
		pthread_create(&thread[i], NULL, vcpu_fn, &r[i]);
	usleep(seconds * 1e6);
	for (i = 0; i < nr; i++)
		WRITE_ONCE(r[i].s->stop, 1);
	for (i = 0; i < nr; i++) {
		pthread_join(thread[i], NULL);
		loops += r[i].s->loops;
		cpu_s += r[i].cpu_s;
	}
	printf("exits %lu\ncpu_s %.6f\n", loops, cpu_s);
	kvm_vm_free(vm);
}

int main(int argc, char *argv[])
{
	double seconds;
	double rate[NR_MODES][16];
	int rounds;
	int m, i;

	TEST_REQUIRE(kvm_has_cap(KVM_CAP_VCPU_BOOST));
	if (argc == 5 && !strcmp(argv[1], "scale")) {
		scale(atoi(argv[2]), atof(argv[3]), argv[4]);
		return 0;
	}
	seconds = argc > 1 ? atof(argv[1]) : 2;
	rounds = argc > 2 ? atoi(argv[2]) : 5;
	TEST_ASSERT(rounds > 0 && rounds <= 16, "1..16 rounds");
	/* The vCPU threads inherit the caller's cgroup: the one measured. */
	for (i = 0; i < rounds; i++)
		for (m = 0; m < NR_MODES; m++)
			rate[m][i] = measure(m, seconds);
	for (m = 0; m < NR_MODES; m++) {
		qsort(rate[m], rounds, sizeof(double), cmp_double);
		printf("%s exits_per_s %.0f min %.0f max %.0f\n", mode_name[m],
		       rate[m][rounds / 2], rate[m][0], rate[m][rounds - 1]);
	}
	return 0;
}
