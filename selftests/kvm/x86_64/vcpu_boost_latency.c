// SPDX-License-Identifier: GPL-2.0-only
/*
 * Guest timer latency, cyclictest-style, for measuring vcpuboost: the guest
 * arms its LAPIC timer (TSC-deadline if it has it) every interval and
 * records how late each interrupt is handled. Between timers it halts
 * ("idle") or computes ("busy"). The vCPU thread runs pinned to one CPU,
 * in the threaded cgroup given, with KVM_CAP_VCPU_BOOST enabled (-N: off);
 * what the cgroup's policy does with the reports is what is measured.
 *
 * Prints one line: "samples N p50 X p99 X p999 X max X" (microseconds),
 * and with -o, every sample to a file. Then, for the sampling window
 * alone (the VM's setup and teardown left out), where the CPU went: the
 * vCPU thread's run and runqueue wait time (schedstat), the part of its
 * run time that was boosted (the cgroup's boosted_usec, with -c) and the
 * part spent halt polling (KVM's vCPU stats), and with -H PID (a CPU hog
 * beside the vCPU) the hog's CPU time.
 */
#define _GNU_SOURCE
#include <asm/kvm_para.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "apic.h"
#include "kvm_util.h"
#include "processor.h"
#include "test_util.h"

#define TIMER_VECTOR	0x41
#define MAX_SAMPLES	100000

struct bench {
	struct kvm_vcpu_boost area;
	uint64_t area_gpa;
	uint64_t interval_tsc;
	uint64_t nr_samples;
	uint64_t busy;
	uint64_t request;
	uint64_t tsc_deadline;
	uint64_t deadline;
	uint64_t done;
	uint64_t lat[MAX_SAMPLES];
};

static struct bench *guest_bench;

static void arm(struct bench *b)
{
	b->deadline = rdtsc() + b->interval_tsc;
	if (b->tsc_deadline) {
		wrmsr(MSR_IA32_TSC_DEADLINE, b->deadline);
	} else {
		/* One-shot at the 1GHz default APIC bus clock. */
		x2apic_write_reg(APIC_TMICT, b->interval_tsc * 1000000 / guest_tsc_khz);
	}
}

static void disarm(struct bench *b)
{
	if (b->tsc_deadline)
		wrmsr(MSR_IA32_TSC_DEADLINE, 0);
	else
		x2apic_write_reg(APIC_TMICT, 0);
}

/*
 * The handler arms the next timer, not the loop: QEMU's software
 * emulation of nested SVM can deliver an interrupt inside the STI shadow
 * of "sti; hlt", and the handler then returns to the HLT. With the next
 * timer armed, that HLT ends at the next sample instead of never.
 */
static void timer_handler(struct ex_regs *regs)
{
	struct bench *b = guest_bench;
	uint64_t now = rdtsc();

	if (b->done < b->nr_samples)
		b->lat[b->done++] = now > b->deadline ? now - b->deadline : 0;
	arm(b);
	/*
	 * A request boosts once, for at most vcpuboost.slice: to ask all
	 * the time, withdraw it across the EOI's exit and ask again at once,
	 * with an exit (CPUID) that makes KVM read it.
	 */
	if (b->request)
		WRITE_ONCE(b->area.request, 0);
	x2apic_write_reg(APIC_EOI, 0);
	if (b->request) {
		uint32_t eax, ebx, ecx, edx;

		WRITE_ONCE(b->area.request, b->request);
		__cpuid(0, 0, &eax, &ebx, &ecx, &edx);
	}
}

static void guest_code(struct bench *b)
{
	uint64_t x = 1;

	x2apic_enable();
	b->tsc_deadline = this_cpu_has(X86_FEATURE_TSC_DEADLINE_TIMER);
	x2apic_write_reg(APIC_TDCR, 0xb);
	x2apic_write_reg(APIC_LVTT, TIMER_VECTOR |
			 (b->tsc_deadline ? APIC_LVT_TIMER_TSCDEADLINE : APIC_LVT_TIMER_ONESHOT));
	/* Sampling starts now: the host notes the time and the hog's CPU. */
	GUEST_SYNC(0);
	if (b->request) {
		/* Ask for a boost all the time: only the budget bounds it. */
		wrmsr(MSR_KVM_VCPU_BOOST, b->area_gpa | KVM_MSR_ENABLED);
		WRITE_ONCE(b->area.request, b->request);
		wrmsr(MSR_KVM_VCPU_BOOST, b->area_gpa | KVM_MSR_ENABLED);
	}
	arm(b);
	if (b->busy) {
		asm volatile("sti");
		while (READ_ONCE(b->done) < b->nr_samples)
			x = x * 6364136223846793005ULL + 1;
		asm volatile("cli");
	} else {
		while (READ_ONCE(b->done) < b->nr_samples)
			asm volatile("sti; hlt; cli");
	}
	disarm(b);
	GUEST_SYNC(x);
	GUEST_DONE();
}

/* CPU time of @pid in ns: schedstat if the kernel has it, else ticks. */
static double cputime_ns(pid_t pid)
{
	char path[64], buf[512], *p;
	unsigned long long ns;
	FILE *f;
	int i;

	snprintf(path, sizeof(path), "/proc/%d/schedstat", pid);
	f = fopen(path, "r");
	if (f) {
		if (fscanf(f, "%llu", &ns) != 1)
			ns = 0;
		fclose(f);
		return ns;
	}
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (!f || !fgets(buf, sizeof(buf), f)) {
		if (f)
			fclose(f);
		return 0;
	}
	fclose(f);
	p = strrchr(buf, ')');
	for (i = 0; p && i < 12; i++)
		p = strchr(p + 1, ' ');
	return p ? (strtod(p, &p) + strtod(p, NULL)) * 1e9 / sysconf(_SC_CLK_TCK) : 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Run and runqueue wait time of the calling thread in ns. */
static void thread_times_ns(double *run, double *wait)
{
	unsigned long long r = 0, w = 0;
	FILE *f = fopen("/proc/thread-self/schedstat", "r");

	if (f) {
		if (fscanf(f, "%llu %llu", &r, &w) != 2) {
			r = 0;
			w = 0;
		}
		fclose(f);
	}
	*run = r;
	*wait = w;
}

/* The boosted time of cgroup @cg's subtree in ns (0 without a cgroup). */
static double boosted_ns(const char *cg)
{
	char path[PATH_MAX], key[64];
	unsigned long long v;
	double ns = 0;
	FILE *f;

	if (!cg)
		return 0;
	snprintf(path, sizeof(path), "%s/vcpuboost.stat", cg);
	f = fopen(path, "r");
	TEST_ASSERT(f, "open %s", path);
	while (fscanf(f, "%63s %llu", key, &v) == 2)
		if (!strcmp(key, "boosted_usec"))
			ns = v * 1000.0;
	fclose(f);
	return ns;
}

/* KVM's binary statistics of one vCPU, for its halt-polling time. */
struct vcpu_stats {
	int fd;
	struct kvm_stats_header header;
	struct kvm_stats_desc *desc;
};

static uint64_t vcpu_stat(struct vcpu_stats *st, const char *name)
{
	size_t size = get_stats_descriptor_size(&st->header);
	struct kvm_stats_desc *d;
	uint64_t v;
	int i;

	for (i = 0; i < st->header.num_desc; i++) {
		d = (void *)st->desc + i * size;
		if (!strcmp(d->name, name)) {
			read_stat_data(st->fd, &st->header, d, &v, 1);
			return v;
		}
	}
	TEST_FAIL("no vCPU stat %s", name);
	return 0;
}

/* What the window is measured by: a snapshot at each end. */
struct snapshot {
	double t, hog_ns, run_ns, wait_ns, boosted_ns, poll_ns;
};

static void snapshot(struct snapshot *s, pid_t hog, const char *cg,
		     struct vcpu_stats *st)
{
	s->t = now_s();
	s->hog_ns = hog ? cputime_ns(hog) : 0;
	thread_times_ns(&s->run_ns, &s->wait_ns);
	s->boosted_ns = boosted_ns(cg);
	s->poll_ns = vcpu_stat(st, "halt_poll_success_ns") +
		     vcpu_stat(st, "halt_poll_fail_ns");
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void cg_enter_thread(const char *cg)
{
	char path[PATH_MAX], tid[32];
	int fd, len;

	snprintf(path, sizeof(path), "%s/cgroup.threads", cg);
	len = snprintf(tid, sizeof(tid), "%ld", syscall(SYS_gettid));
	fd = open(path, O_WRONLY);
	TEST_ASSERT(fd >= 0 && write(fd, tid, len) == len, "enter %s", cg);
	close(fd);
}

static void help(const char *name)
{
	printf("usage: %s [-w idle|busy] [-i interval_us] [-n samples] [-C cpu]\n"
	       "          [-c threaded cgroup] [-r request level] [-o samples file]\n"
	       "          [-H hog pid] [-N (KVM_CAP_VCPU_BOOST off)]\n", name);
	exit(KSFT_SKIP);
}

int main(int argc, char *argv[])
{
	const char *cg = NULL, *out = NULL;
	uint64_t interval_us = 1000, n = 5000, request = 0, i;
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	struct bench *b;
	struct ucall uc;
	vm_vaddr_t gva;
	struct snapshot s0 = {}, s1 = {};
	struct vcpu_stats st;
	double us_per_tick, win;
	bool busy = false, cap = true;
	int cpu = -1, opt;
	pid_t hog = 0;

	while ((opt = getopt(argc, argv, "w:i:n:C:c:r:o:H:Nh")) != -1) {
		switch (opt) {
		case 'w':
			busy = !strcmp(optarg, "busy");
			break;
		case 'i':
			interval_us = atol(optarg);
			break;
		case 'n':
			n = atol(optarg);
			break;
		case 'C':
			cpu = atoi(optarg);
			break;
		case 'c':
			cg = optarg;
			break;
		case 'r':
			request = atol(optarg);
			break;
		case 'o':
			out = optarg;
			break;
		case 'H':
			hog = atoi(optarg);
			break;
		case 'N':
			cap = false;
			break;
		default:
			help(argv[0]);
		}
	}
	TEST_REQUIRE(kvm_has_cap(KVM_CAP_VCPU_BOOST) || !cap);
	TEST_ASSERT(n > 0 && n <= MAX_SAMPLES && interval_us > 0, "bad -n or -i");
	TEST_ASSERT(cap || !request, "-r needs the capability");

	if (cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		TEST_ASSERT(!sched_setaffinity(0, sizeof(set), &set), "pin to CPU %d", cpu);
	}
	if (cg)
		cg_enter_thread(cg);

	vm = vm_create(1);
	if (cap)
		vm_enable_cap(vm, KVM_CAP_VCPU_BOOST, 0);
	vcpu = vm_vcpu_add(vm, 0, guest_code);
	vm_install_exception_handler(vm, TIMER_VECTOR, timer_handler);

	gva = vm_vaddr_alloc(vm, sizeof(*b), KVM_UTIL_MIN_VADDR);
	b = addr_gva2hva(vm, gva);
	memset(b, 0, sizeof(*b));
	b->area_gpa = addr_gva2gpa(vm, gva);
	b->interval_tsc = interval_us * guest_tsc_khz / 1000;
	b->nr_samples = n;
	b->busy = busy;
	b->request = request;
	guest_bench = (struct bench *)gva;
	sync_global_to_guest(vm, guest_bench);
	vcpu_args_set(vcpu, 1, gva);
	st.fd = vcpu_get_stats_fd(vcpu);
	read_stats_header(st.fd, &st.header);
	st.desc = read_stats_descriptors(st.fd, &st.header);

	for (;;) {
		vcpu_run(vcpu);
		switch (get_ucall(vcpu, &uc)) {
		case UCALL_SYNC:
			snapshot(s0.t ? &s1 : &s0, hog, cg, &st);
			continue;
		case UCALL_DONE:
			break;
		case UCALL_ABORT:
			REPORT_GUEST_ASSERT(uc);
			break;
		default:
			TEST_FAIL("unexpected exit %s",
				  exit_reason_str(vcpu->run->exit_reason));
		}
		break;
	}

	us_per_tick = 1000.0 / guest_tsc_khz;
	if (out) {
		FILE *f = fopen(out, "w");

		TEST_ASSERT(f, "open %s", out);
		for (i = 0; i < n; i++)
			fprintf(f, "%.1f\n", b->lat[i] * us_per_tick);
		fclose(f);
	}
	qsort(b->lat, n, sizeof(b->lat[0]), cmp_u64);
	printf("samples %lu p50 %.1f p99 %.1f p999 %.1f max %.1f ", n,
	       b->lat[n / 2] * us_per_tick, b->lat[n * 99 / 100] * us_per_tick,
	       b->lat[n * 999 / 1000] * us_per_tick, b->lat[n - 1] * us_per_tick);
	win = s1.t - s0.t;
	printf("window_s %.3f hog_cpu_s %.3f ", win, (s1.hog_ns - s0.hog_ns) / 1e9);
	printf("vcpu_cpu_s %.3f vcpu_wait_s %.3f ", (s1.run_ns - s0.run_ns) / 1e9,
	       (s1.wait_ns - s0.wait_ns) / 1e9);
	printf("boosted_s %.3f halt_poll_s %.3f ", (s1.boosted_ns - s0.boosted_ns) / 1e9,
	       (s1.poll_ns - s0.poll_ns) / 1e9);
	printf("timer %s\n", b->tsc_deadline ? "tsc-deadline" : "one-shot");
	free(st.desc);
	close(st.fd);
	kvm_vm_free(vm);
	return 0;
}
