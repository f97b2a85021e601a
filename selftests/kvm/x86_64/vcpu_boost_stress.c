// SPDX-License-Identifier: GPL-2.0-only
/*
 * The KVM part of the cgroup vcpuboost stress (test_vcpuboost_stress):
 * vcpu_boost_stress DURATION CGROUP_DIR runs a 2-vCPU VM opted in with
 * KVM_CAP_VCPU_BOOST for DURATION seconds, each vCPU thread in the threaded
 * cgroup CGROUP_DIR/vcpuN (made when missing). The guests flap their boost
 * request with interrupts enabled: random levels, garbage, random and
 * repeated MSR writes, unregistering, and halts on their LAPIC timer, while
 * the host signals MSIs (and now and then an NMI) to random vCPUs and moves
 * the vCPU threads between the cgroups.
 *
 * Whatever else stresses the cgroups meanwhile, cgroups that vanish or
 * refuse a thread are counted, not failures. It prints what it did and
 * exits 0 unless KVM itself failed.
 */
#define _GNU_SOURCE
#include <asm/kvm_para.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "apic.h"
#include "kvm_util.h"
#include "processor.h"
#include "test_util.h"
#include "vcpu_boost_util.h"

#define IRQ_VECTOR	0x40
#define TIMER_VECTOR	0x41
#define NR_VCPUS	2

struct shared {
	struct kvm_vcpu_boost area[NR_VCPUS];
	uint64_t area_gpa[NR_VCPUS];
	uint64_t done;
	uint64_t loops[NR_VCPUS], halts[NR_VCPUS], msr_gp[NR_VCPUS];
	uint64_t irqs, timers, nmis;
};

static struct shared *shared_hva;
static struct shared *guest_shared;

/* --- guest side ---------------------------------------------------------- */

static void irq_handler(struct ex_regs *regs)
{
	__atomic_fetch_add(&guest_shared->irqs, 1, __ATOMIC_RELAXED);
	x2apic_write_reg(APIC_EOI, 0);
}

static void timer_handler(struct ex_regs *regs)
{
	__atomic_fetch_add(&guest_shared->timers, 1, __ATOMIC_RELAXED);
	x2apic_write_reg(APIC_EOI, 0);
}

static void nmi_handler(struct ex_regs *regs)
{
	__atomic_fetch_add(&guest_shared->nmis, 1, __ATOMIC_RELAXED);
}

static void guest_code(struct shared *s, uint64_t idx)
{
	uint64_t gpa = s->area_gpa[idx] | KVM_MSR_ENABLED;
	uint64_t x = 0x9e3779b97f4a7c15ULL * (idx + 1), i, n;
	struct kvm_vcpu_boost *area = &s->area[idx];

	x2apic_enable();
	/* Divide by 1: the timer counts at the APIC bus clock, 1 GHz. */
	x2apic_write_reg(APIC_TDCR, 0xb);
	wrmsr(MSR_KVM_VCPU_BOOST, gpa);
	asm volatile("sti");
	while (!READ_ONCE(s->done)) {
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		switch ((x >> 59) & 15) {
		case 0:
			/* A random value; refused ones #GP and change nothing. */
			if (wrmsr_safe(MSR_KVM_VCPU_BOOST, x))
				s->msr_gp[idx]++;
			wrmsr(MSR_KVM_VCPU_BOOST, gpa);
			break;
		case 1:
			/* Unregister, with a request pending, and register again. */
			WRITE_ONCE(area->request, (x >> 8) % 100);
			wrmsr(MSR_KVM_VCPU_BOOST, 0);
			wrmsr(MSR_KVM_VCPU_BOOST, gpa);
			break;
		case 2:
			/* Garbage in the area, read at the next exit. */
			WRITE_ONCE(area->request, (uint32_t)x);
			WRITE_ONCE(area->granted, (uint32_t)(x >> 32));
			break;
		case 3 ... 5:
			/* A level or none, read now: the same MSR value again. */
			WRITE_ONCE(area->request, (x >> 4) & 1 ? (x >> 8) % 100 : 0);
			wrmsr(MSR_KVM_VCPU_BOOST, gpa);
			break;
		case 6 ... 7:
			WRITE_ONCE(area->request, (x >> 8) % 100);
			break;
		case 8 ... 10:
			/* Halt until the LAPIC timer, 50 us to 5 ms, or an MSI. */
			asm volatile("cli");
			x2apic_write_reg(APIC_LVTT, APIC_LVT_TIMER_ONESHOT | TIMER_VECTOR);
			x2apic_write_reg(APIC_TMICT, 50000 + (x >> 8) % 4950000);
			s->halts[idx]++;
			asm volatile("sti; hlt" ::: "memory");
			break;
		case 11:
			/* Halt until an MSI comes. */
			s->halts[idx]++;
			asm volatile("hlt" ::: "memory");
			break;
		default:
			n = (x >> 8) % 2000;
			for (i = 0; i < n; i++)
				asm volatile("pause");
			break;
		}
		s->loops[idx]++;
	}
	WRITE_ONCE(area->request, 0);
	wrmsr(MSR_KVM_VCPU_BOOST, 0);
	GUEST_DONE();
}

/* --- host side ------------------------------------------------------------- */

enum count {
	C_MSI, C_NMI, C_MOVE, C_PROCS, C_MKDIR, NR_COUNTS
};

static const char * const count_names[NR_COUNTS] = {
	"msi", "nmi", "migrate vCPU thread", "rejoin the VM cgroup", "mkdir vcpuN",
};

/* [kind][0]: succeeded, [kind][1]: failed */
static atomic_long counts[NR_COUNTS][2];
static atomic_long kvm_errors;
static const char *cg_dir;

static void count(enum count c, bool ok)
{
	atomic_fetch_add(&counts[c][!ok], 1);
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void vcpu_dir(int i, char *buf, size_t size)
{
	if (i < 0)
		snprintf(buf, size, "%s", cg_dir);
	else
		snprintf(buf, size, "%s/vcpu%d", cg_dir, i);
}

/* Make CGROUP_DIR/vcpu@i threaded, granted "max" below the VM's own grant. */
static void make_vcpu_cg(int i)
{
	char dir[PATH_MAX];
	bool ok;

	vcpu_dir(i, dir, sizeof(dir));
	if (mkdir(dir, 0755) && errno != EEXIST) {
		count(C_MKDIR, false);
		return;
	}
	ok = !cg_try_write(dir, "cgroup.type", "threaded");
	count(C_MKDIR, ok);
	/* The controller may be off there for now. */
	if (ok)
		cg_try_write(dir, "vcpuboost.prio.max", "max");
}

static int rejoin(void)
{
	char pid[32];
	int err;

	snprintf(pid, sizeof(pid), "%d", getpid());
	err = cg_try_write(cg_dir, "cgroup.procs", pid);
	count(C_PROCS, !err);
	return err;
}

/*
 * Move thread @tid to CGROUP_DIR (@where -1) or its vcpu@where. Moved to
 * another domain, the process comes back to CGROUP_DIR first.
 */
static void move_thread(pid_t tid, int where)
{
	char dir[PATH_MAX], val[32];
	int err;

	vcpu_dir(where, dir, sizeof(dir));
	snprintf(val, sizeof(val), "%d", tid);
	err = cg_try_write(dir, "cgroup.threads", val);
	if (err == -ENOENT && where >= 0) {
		make_vcpu_cg(where);
		err = cg_try_write(dir, "cgroup.threads", val);
	} else if (err && err != -ENOENT && !rejoin()) {
		err = cg_try_write(dir, "cgroup.threads", val);
	}
	count(C_MOVE, !err);
}

struct vcpu_thread {
	struct kvm_vcpu *vcpu;
	int idx;
	pthread_t thread;
	atomic_int tid;
	atomic_bool exited;
};

static void *vcpu_thread_fn(void *arg)
{
	struct vcpu_thread *t = arg;
	struct ucall uc;

	atomic_store(&t->tid, syscall(SYS_gettid));
	move_thread(atomic_load(&t->tid), t->idx);
	for (;;) {
		vcpu_run(t->vcpu);
		switch (get_ucall(t->vcpu, &uc)) {
		case UCALL_DONE:
			atomic_store(&t->exited, true);
			return NULL;
		case UCALL_ABORT:
			REPORT_GUEST_ASSERT(uc);
			break;
		default:
			TEST_FAIL("unexpected exit %s",
				  exit_reason_str(t->vcpu->run->exit_reason));
		}
	}
}

/* An MSI to vCPU @i: @data a vector, or APIC_DM_NMI. */
static void signal_msi(struct kvm_vm *vm, int i, uint32_t data)
{
	struct kvm_msi msi = {
		.address_lo = 0xfee00000 | (i << 12),
		.data = data,
	};
	int r = __vm_ioctl(vm, KVM_SIGNAL_MSI, &msi);

	if (r < 0) {
		if (atomic_fetch_add(&kvm_errors, 1) < 5)
			printf("KVM_SIGNAL_MSI: %s\n", strerror(errno));
		return;
	}
	count(data == APIC_DM_NMI ? C_NMI : C_MSI, r > 0);
}

int main(int argc, char *argv[])
{
	struct vcpu_thread threads[NR_VCPUS] = {};
	struct kvm_vcpu *vcpus[NR_VCPUS];
	unsigned int seed = getpid();
	long end, next_move, stopped;
	struct kvm_vm *vm;
	vm_vaddr_t gva;
	int duration, i;
	bool stuck;

	if (argc != 3) {
		fprintf(stderr, "usage: %s DURATION CGROUP_DIR\n", argv[0]);
		exit(KSFT_FAIL);
	}
	duration = atoi(argv[1]);
	cg_dir = argv[2];
	TEST_REQUIRE(kvm_has_cap(KVM_CAP_VCPU_BOOST));
	setvbuf(stdout, NULL, _IOLBF, 0);

	/* The threads' cgroups are threaded children of the process's. */
	rejoin();
	for (i = 0; i < NR_VCPUS; i++)
		make_vcpu_cg(i);

	vm = vm_create(NR_VCPUS);
	vm_enable_cap(vm, KVM_CAP_VCPU_BOOST, 0);
	/* Halted vCPUs block, and retract, at once. */
	if (kvm_has_cap(KVM_CAP_HALT_POLL))
		vm_enable_cap(vm, KVM_CAP_HALT_POLL, 0);
	for (i = 0; i < NR_VCPUS; i++)
		vcpus[i] = vm_vcpu_add(vm, i, guest_code);
	vm_install_exception_handler(vm, IRQ_VECTOR, irq_handler);
	vm_install_exception_handler(vm, TIMER_VECTOR, timer_handler);
	vm_install_exception_handler(vm, NMI_VECTOR, nmi_handler);

	gva = vm_vaddr_alloc_page(vm);
	shared_hva = addr_gva2hva(vm, gva);
	memset(shared_hva, 0, sizeof(*shared_hva));
	for (i = 0; i < NR_VCPUS; i++)
		shared_hva->area_gpa[i] = addr_gva2gpa(vm, gva) +
			offsetof(struct shared, area[i]);
	guest_shared = (struct shared *)gva;
	sync_global_to_guest(vm, guest_shared);

	for (i = 0; i < NR_VCPUS; i++) {
		vcpu_args_set(vcpus[i], 2, gva, (uint64_t)i);
		threads[i].vcpu = vcpus[i];
		threads[i].idx = i;
		pthread_create(&threads[i].thread, NULL, vcpu_thread_fn, &threads[i]);
	}
	for (i = 0; i < NR_VCPUS; i++)
		while (!atomic_load(&threads[i].tid))
			usleep(1000);

	printf("%d s, vCPU threads in %s/vcpuN\n", duration, cg_dir);
	end = now_ms() + duration * 1000L;
	next_move = now_ms() + 200;
	while (now_ms() < end) {
		usleep(2000 + rand_r(&seed) % 18000);
		i = rand_r(&seed) % NR_VCPUS;
		signal_msi(vm, i, rand_r(&seed) % 10 ? IRQ_VECTOR : APIC_DM_NMI);
		if (now_ms() < next_move)
			continue;
		/* Its own cgroup, the other vCPU's, or the VM's. */
		move_thread(atomic_load(&threads[i].tid), (int)(rand_r(&seed) % 3) - 1);
		next_move = now_ms() + 100 + rand_r(&seed) % 300;
	}

	/* Stop the guests; halted ones need an interrupt to see it. */
	WRITE_ONCE(shared_hva->done, 1);
	stopped = now_ms() + 60000;
	do {
		stuck = false;
		for (i = 0; i < NR_VCPUS; i++) {
			if (atomic_load(&threads[i].exited))
				continue;
			stuck = true;
			signal_msi(vm, i, IRQ_VECTOR);
		}
		usleep(10000);
	} while (stuck && now_ms() < stopped);

	for (i = 0; i < NR_COUNTS; i++)
		printf("%-22s %7ld ok %7ld failed\n", count_names[i],
		       atomic_load(&counts[i][0]), atomic_load(&counts[i][1]));
	for (i = 0; i < NR_VCPUS; i++)
		printf("vcpu%d: %lu guest loops, %lu halts, %lu refused MSR writes\n",
		       i, READ_ONCE(shared_hva->loops[i]), READ_ONCE(shared_hva->halts[i]),
		       READ_ONCE(shared_hva->msr_gp[i]));
	printf("guest handled %lu interrupts, %lu timers, %lu NMIs\n",
	       READ_ONCE(shared_hva->irqs), READ_ONCE(shared_hva->timers),
	       READ_ONCE(shared_hva->nmis));
	if (stuck) {
		printf("a vCPU did not stop within 60 s\n");
		exit(KSFT_FAIL);
	}
	for (i = 0; i < NR_VCPUS; i++)
		pthread_join(threads[i].thread, NULL);
	kvm_vm_free(vm);
	if (atomic_load(&kvm_errors)) {
		printf("%ld KVM_SIGNAL_MSI errors\n", atomic_load(&kvm_errors));
		exit(KSFT_FAIL);
	}
	return 0;
}
