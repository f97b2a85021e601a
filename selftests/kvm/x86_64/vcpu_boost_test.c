// SPDX-License-Identifier: GPL-2.0-only
/*
 * KVM_CAP_VCPU_BOOST: KVM reports guest boost requests and pending events
 * to the vcpuboost cgroup controller, which decides. Each vCPU thread is
 * moved into a threaded vcpuN cgroup under a VM cgroup, and the checks look
 * at what the controller did: the thread's priority, vcpuboost.stat, and
 * the CPU time a hog beside the vCPU keeps.
 */
#define _GNU_SOURCE
#include <asm/kvm_para.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "apic.h"
#include "kvm_util.h"
#include "processor.h"
#include "test_util.h"
#include "vcpu_boost_util.h"

#define X86_FEATURE_KVM_VCPU_BOOST	KVM_X86_CPU_FEATURE(0x40000001, 0, EAX, 18)

#define CG_ROOT		"/sys/fs/cgroup"
#define KVM_PARAMS	"/sys/module/kvm/parameters"
#define IRQ_VECTOR	0x40
#define TIMER_VECTOR	0x41
#define IRQ_VECTOR2	0x42
/* The overflow uid: an unprivileged user */
#define NOBODY		65534
/* /proc priority of a SCHED_OTHER nice 0 thread, and of one boosted to l */
#define PRIO_NORMAL	20
#define PRIO_BOOSTED(l)	(-1 - (l))

struct shared {
	struct kvm_vcpu_boost area[2];
	uint64_t area_gpa[2];
	uint32_t apic_id[2];
	uint64_t halts, irqs, timers, nmis;
	uint64_t arm_timer, kick, done, spins;
};

/* The page as the host sees it, and as the guest's handlers do */
static struct shared *shared_hva;
static struct shared *guest_shared;
static vm_vaddr_t shared_gva;
static int nr_cpus;

/* --- host side: cgroups ------------------------------------------------- */

static char vm_cg[256];

static void cg_write(const char *dir, const char *file, const char *val)
{
	int err = cg_try_write(dir, file, val);

	TEST_ASSERT(!err, "write '%s' to %s/%s: %s", val, dir, file, strerror(-err));
}

static char *vcpu_cg(int i)
{
	static char path[2][PATH_MAX];

	snprintf(path[i], sizeof(path[i]), "%s/vcpu%d", vm_cg, i);
	return path[i];
}

/* A cgroup the user test_unprivileged delegated vcpu0 to creates. */
static char *sub_cg(void)
{
	static char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/vcpu0/sub", vm_cg);
	return path;
}

/*
 * A VM cgroup holding this process, and a threaded child per vCPU thread,
 * granted nothing: prio.max is 0 until someone writes it.
 */
static void cg_create(const char *name)
{
	char pid[32];
	int i;

	cg_write(CG_ROOT, "cgroup.subtree_control", "+vcpuboost");
	snprintf(vm_cg, sizeof(vm_cg), "%s/%s", CG_ROOT, name);
	TEST_ASSERT(!mkdir(vm_cg, 0755), "mkdir %s", vm_cg);
	snprintf(pid, sizeof(pid), "%d", getpid());
	cg_write(vm_cg, "cgroup.procs", pid);
	for (i = 0; i < 2; i++) {
		TEST_ASSERT(!mkdir(vcpu_cg(i), 0755), "mkdir vcpu%d", i);
		cg_write(vcpu_cg(i), "cgroup.type", "threaded");
	}
	cg_write(vm_cg, "cgroup.subtree_control", "+vcpuboost");
	for (i = 0; i < 2; i++) {
		/* Boosts outlast what emulation takes to look at them. */
		cg_write(vcpu_cg(i), "vcpuboost.slice", "1000000");
		cg_write(vcpu_cg(i), "vcpuboost.triggers", "guest max");
	}
}

/* The same, granted the highest ceiling on every level below the root. */
static void cg_setup(const char *name)
{
	int i;

	cg_create(name);
	cg_write(vm_cg, "vcpuboost.prio.max", "max");
	for (i = 0; i < 2; i++)
		cg_write(vcpu_cg(i), "vcpuboost.prio.max", "max");
}

static void cg_teardown(void)
{
	char pid[32];

	snprintf(pid, sizeof(pid), "%d", getpid());
	cg_write(CG_ROOT, "cgroup.procs", pid);
	rmdir(vcpu_cg(0));
	rmdir(vcpu_cg(1));
	rmdir(vm_cg);
}

/* Move the calling thread into the threaded cgroup @cg. */
static void cg_enter(const char *cg)
{
	char tid[32];

	snprintf(tid, sizeof(tid), "%ld", syscall(SYS_gettid));
	cg_write(cg, "cgroup.threads", tid);
}

static void enter_vcpu_cg(int i)
{
	cg_enter(vcpu_cg(i));
}

static long stat_key(const char *cg, const char *key)
{
	char path[PATH_MAX], line[128];
	size_t len = strlen(key);
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "%s/vcpuboost.stat", cg);
	f = fopen(path, "r");
	TEST_ASSERT(f, "open %s", path);
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, len) && line[len] == ' ')
			v = atol(line + len + 1);
	fclose(f);
	return v;
}

/* Field @field (1-based, as in proc(5)) of a thread's /proc stat. */
static long proc_field(const char *path, int field)
{
	char buf[1024], *p, *save;
	int fd, n, i;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1000;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1000;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	p = strtok_r(p + 2, " ", &save);
	for (i = 3; p && i < field; i++)
		p = strtok_r(NULL, " ", &save);
	return p ? atol(p) : -1000;
}

static long thread_prio(void)
{
	return proc_field("/proc/thread-self/stat", 18);
}

/* Poll @key of vcpu0's vcpuboost.stat until it reaches @want, for up to 10 s. */
static long wait_stat(const char *key, long want)
{
	long v;
	int i;

	for (i = 0; i < 10000 && (v = stat_key(vcpu_cg(0), key)) < want; i++)
		usleep(1000);
	return v;
}

/* --- host side: settings of the whole host -------------------------------- */

/* What a test changed, put back when it ends, failed or not. */
static struct {
	pid_t pid;
	char param[2];
	mode_t kvm_mode;
} saved;

static void restore_host(void)
{
	/* Not in the children of the test that changed them. */
	if (saved.pid != getpid())
		return;
	if (saved.param[0])
		cg_try_write(KVM_PARAMS, "vcpu_boost", saved.param);
	if (saved.kvm_mode)
		chmod("/dev/kvm", saved.kvm_mode);
	memset(&saved, 0, sizeof(saved));
}

static void save_host(void)
{
	if (saved.pid == getpid())
		return;
	saved.pid = getpid();
	atexit(restore_host);
}

/* Set kvm.vcpu_boost, the host's opt-in for every VM; false if KVM has none. */
static bool kvm_param_set(const char *val)
{
	FILE *f;

	if (!saved.param[0]) {
		f = fopen(KVM_PARAMS "/vcpu_boost", "r");
		if (!f)
			return false;
		saved.param[0] = fgetc(f);
		fclose(f);
		save_host();
	}
	cg_write(KVM_PARAMS, "vcpu_boost", val);
	return true;
}

static void kvm_dev_chmod(mode_t mode)
{
	struct stat st;

	TEST_ASSERT(!stat("/dev/kvm", &st), "stat /dev/kvm");
	if (!saved.kvm_mode) {
		saved.kvm_mode = st.st_mode & 07777;
		save_host();
	}
	TEST_ASSERT(!chmod("/dev/kvm", mode), "chmod /dev/kvm");
}

/* Hand the cgroup @dir to @id, as an administrator delegating it does. */
static void cg_chown(const char *dir, uid_t id)
{
	struct dirent *e;
	DIR *d = opendir(dir);

	TEST_ASSERT(d && !chown(dir, id, id), "chown %s", dir);
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			TEST_ASSERT(!fchownat(dirfd(d), e->d_name, id, id, 0),
				    "chown %s/%s", dir, e->d_name);
	closedir(d);
}

/* Become @id, with neither CAP_SYS_NICE nor an RT rlimit to get FIFO with. */
static void drop_privileges(uid_t id)
{
	struct sched_param sp = { .sched_priority = 1 };
	struct rlimit none = { 0, 0 };

	TEST_ASSERT(!setrlimit(RLIMIT_RTPRIO, &none), "RLIMIT_RTPRIO");
	TEST_ASSERT(!setgroups(0, NULL) && !setresgid(id, id, id) &&
		    !setresuid(id, id, id), "become uid %d", id);
	TEST_ASSERT(sched_setscheduler(0, SCHED_FIFO, &sp) == -1 && errno == EPERM,
		    "uid %d cannot make itself SCHED_FIFO", id);
}

static void pin_self(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

static void wait_for(uint64_t *v, uint64_t at_least, const char *what)
{
	int i;

	for (i = 0; i < 30000 && READ_ONCE(*v) < at_least; i++)
		usleep(1000);
	TEST_ASSERT(READ_ONCE(*v) >= at_least, "timed out waiting for %s", what);
}

/* --- guest side ---------------------------------------------------------- */

static void irq_handler(struct ex_regs *regs)
{
	guest_shared->irqs++;
	x2apic_write_reg(APIC_EOI, 0);
}

static void timer_handler(struct ex_regs *regs)
{
	guest_shared->timers++;
	x2apic_write_reg(APIC_EOI, 0);
}

static void nmi_handler(struct ex_regs *regs)
{
	guest_shared->nmis++;
}

static void guest_abi(struct shared *s, uint64_t beyond_memory, uint64_t beyond_maxphyaddr)
{
	uint64_t gpa = s->area_gpa[0];

	GUEST_ASSERT(this_cpu_has(X86_FEATURE_KVM_VCPU_BOOST));
	GUEST_ASSERT_EQ(rdmsr(MSR_KVM_VCPU_BOOST), 0);
	GUEST_ASSERT_EQ(wrmsr_safe(MSR_KVM_VCPU_BOOST, gpa | KVM_MSR_ENABLED), 0);
	GUEST_ASSERT_EQ(rdmsr(MSR_KVM_VCPU_BOOST), gpa | KVM_MSR_ENABLED);

	/* Reserved bits, misalignment, no memory there, beyond MAXPHYADDR. */
	GUEST_ASSERT_EQ(wrmsr_safe(MSR_KVM_VCPU_BOOST, gpa | 2 | KVM_MSR_ENABLED), GP_VECTOR);
	GUEST_ASSERT_EQ(wrmsr_safe(MSR_KVM_VCPU_BOOST, (gpa + 8) | KVM_MSR_ENABLED), GP_VECTOR);
	GUEST_ASSERT_EQ(wrmsr_safe(MSR_KVM_VCPU_BOOST, beyond_memory | KVM_MSR_ENABLED), GP_VECTOR);
	GUEST_ASSERT_EQ(wrmsr_safe(MSR_KVM_VCPU_BOOST, beyond_maxphyaddr | KVM_MSR_ENABLED),
			GP_VECTOR);
	/* A GPA without the enable bit is neither an area nor 0. */
	GUEST_ASSERT_EQ(wrmsr_safe(MSR_KVM_VCPU_BOOST, gpa), GP_VECTOR);
	/* Refused writes changed nothing. */
	GUEST_ASSERT_EQ(rdmsr(MSR_KVM_VCPU_BOOST), gpa | KVM_MSR_ENABLED);

	GUEST_ASSERT_EQ(wrmsr_safe(MSR_KVM_VCPU_BOOST, 0), 0);
	GUEST_ASSERT_EQ(rdmsr(MSR_KVM_VCPU_BOOST), 0);
	GUEST_ASSERT_EQ(wrmsr_safe(MSR_KVM_VCPU_BOOST, gpa | KVM_MSR_ENABLED), 0);
	GUEST_SYNC(1);
	/* The host saved, cleared and restored the MSR. */
	GUEST_ASSERT_EQ(rdmsr(MSR_KVM_VCPU_BOOST), gpa | KVM_MSR_ENABLED);
	GUEST_DONE();
}

/* Ask for @level: the write of the same MSR value makes KVM read it now. */
static void guest_ask(struct shared *s, uint32_t level)
{
	WRITE_ONCE(s->area[0].request, level);
	wrmsr(MSR_KVM_VCPU_BOOST, s->area_gpa[0] | KVM_MSR_ENABLED);
}

static void guest_request(struct shared *s)
{
	wrmsr(MSR_KVM_VCPU_BOOST, s->area_gpa[0] | KVM_MSR_ENABLED);

	guest_ask(s, 7);
	GUEST_SYNC(1);				/* boosted to 7 */
	GUEST_ASSERT_EQ(READ_ONCE(s->area[0].granted), 7);
	guest_ask(s, 0);
	GUEST_SYNC(2);				/* not boosted */
	GUEST_ASSERT_EQ(READ_ONCE(s->area[0].granted), 0);
	guest_ask(s, 50);
	GUEST_SYNC(3);				/* capped by the ceiling, 3 */
	GUEST_ASSERT_EQ(READ_ONCE(s->area[0].granted), 3);
	guest_ask(s, 0);
	/* A request seen at the next VM-exit, without the MSR write. */
	WRITE_ONCE(s->area[0].request, 5);
	GUEST_SYNC(4);				/* boosted to 3 */
	guest_ask(s, 0);
	guest_ask(s, 9);
	GUEST_SYNC(5);				/* "triggers guest 0": denied */
	guest_ask(s, 0);
	/* Garbage asks for the most, capped like any request. */
	guest_ask(s, 0xdeadbeef);
	GUEST_SYNC(6);
	guest_ask(s, 0);
	GUEST_DONE();
}

/*
 * Asks for a boost, and still asks when KVM_RUN comes from another thread;
 * then halts there until an interrupt.
 */
static void guest_thread_change(struct shared *s)
{
	uint32_t eax, ebx, ecx, edx;

	x2apic_enable();
	s->apic_id[0] = x2apic_read_reg(APIC_ID);
	wrmsr(MSR_KVM_VCPU_BOOST, s->area_gpa[0] | KVM_MSR_ENABLED);
	guest_ask(s, 6);
	GUEST_SYNC(1);
	/* A VM-exit that KVM handles itself, in the new thread's KVM_RUN. */
	cpuid(0, &eax, &ebx, &ecx, &edx);
	GUEST_SYNC(2);
	guest_ask(s, 0);
	s->halts++;
	asm volatile("sti; hlt; cli");
	GUEST_SYNC(3);
	GUEST_DONE();
}

/*
 * The area is on a page of its own at @gpa, which only the host writes.
 * Before each stage a VM-exit that KVM handles itself (CPUID), so that
 * what KVM makes of a memslot change is done before the guest stops.
 */
static void guest_memslot(struct shared *s, uint64_t gpa)
{
	uint32_t eax, ebx, ecx, edx;
	uint64_t stage;

	wrmsr(MSR_KVM_VCPU_BOOST, gpa | KVM_MSR_ENABLED);
	for (stage = 1; stage <= 6; stage++) {
		cpuid(0, &eax, &ebx, &ecx, &edx);
		GUEST_SYNC(stage);
	}
	GUEST_DONE();
}

/* Registers area 0, then halts until an interrupt. */
static void guest_halt_once(struct shared *s)
{
	x2apic_enable();
	wrmsr(MSR_KVM_VCPU_BOOST, s->area_gpa[0] | KVM_MSR_ENABLED);
	GUEST_SYNC(1);
	asm volatile("sti; hlt; cli");
	GUEST_SYNC(2);
	GUEST_DONE();
}

/* Ask for the most at each stage, and withdraw it once the host has looked. */
static void guest_ask_stages(struct shared *s)
{
	uint64_t stage;

	wrmsr(MSR_KVM_VCPU_BOOST, s->area_gpa[0] | KVM_MSR_ENABLED);
	for (stage = 1; !READ_ONCE(s->done); stage++) {
		guest_ask(s, 99);
		GUEST_SYNC(stage);
		guest_ask(s, 0);
	}
	GUEST_DONE();
}

/* The VMM did not expose KVM_FEATURE_VCPU_BOOST, and enforces PV CPUID. */
static void guest_no_pv_feature(struct shared *s)
{
	uint64_t val;

	GUEST_ASSERT(!this_cpu_has(X86_FEATURE_KVM_VCPU_BOOST));
	GUEST_ASSERT_EQ(rdmsr_safe(MSR_KVM_VCPU_BOOST, &val), GP_VECTOR);
	GUEST_ASSERT_EQ(wrmsr_safe(MSR_KVM_VCPU_BOOST, s->area_gpa[0] | KVM_MSR_ENABLED),
			GP_VECTOR);
	GUEST_ASSERT_EQ(wrmsr_safe(MSR_KVM_VCPU_BOOST, 0), GP_VECTOR);
	GUEST_DONE();
}

/*
 * Busy with interrupts masked until told: what is made pending stays
 * pending, neither EOI'd nor halted for, as with APICv or posted
 * interrupts an EOI may be invisible to KVM.
 */
static void guest_masked(struct shared *s)
{
	x2apic_enable();
	s->apic_id[0] = x2apic_read_reg(APIC_ID);
	asm volatile("cli");
	while (!READ_ONCE(s->done))
		WRITE_ONCE(s->spins, s->spins + 1);
	/* Now take both interrupts, and EOI them. */
	asm volatile("sti");
	while (READ_ONCE(s->irqs) < 2)
		asm volatile("pause");
	GUEST_DONE();
}

/*
 * 50ms at the default 1GHz APIC bus clock: long enough for the vCPU to
 * have blocked when it fires, even under emulation. A timer that fires
 * while the vCPU's thread still runs on that CPU is rightly not reported.
 */
static void arm_timer(void)
{
	x2apic_write_reg(APIC_LVTT, APIC_LVT_TIMER_ONESHOT | TIMER_VECTOR);
	x2apic_write_reg(APIC_TDCR, 0xb);
	x2apic_write_reg(APIC_TMICT, 50000000);
}

static void guest_halter(struct shared *s)
{
	x2apic_enable();
	s->apic_id[0] = x2apic_read_reg(APIC_ID);
	for (;;) {
		if (READ_ONCE(s->arm_timer)) {
			WRITE_ONCE(s->arm_timer, 0);
			arm_timer();
		}
		s->halts++;
		asm volatile("sti; hlt; cli");
		if (READ_ONCE(s->done))
			break;
	}
	GUEST_DONE();
}

static void guest_kicker(struct shared *s)
{
	uint64_t kicked = 0;

	x2apic_enable();
	while (!READ_ONCE(s->done)) {
		if (READ_ONCE(s->kick) > kicked) {
			kicked = s->kick;
			kvm_hypercall(KVM_HC_KICK_CPU, 0, s->apic_id[0], 0, 0);
		}
		asm volatile("pause");
	}
	GUEST_DONE();
}

/* Flap the request as fast as possible, with garbage and bad MSR writes. */
static void guest_hostile(struct shared *s)
{
	uint64_t gpa = s->area_gpa[0] | KVM_MSR_ENABLED, x = 0x1234567;

	wrmsr(MSR_KVM_VCPU_BOOST, gpa);
	while (!READ_ONCE(s->done)) {
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		switch ((x >> 60) & 7) {
		case 0:
			/* Random values; refused ones must #GP and change nothing. */
			wrmsr_safe(MSR_KVM_VCPU_BOOST, x);
			wrmsr(MSR_KVM_VCPU_BOOST, gpa);
			break;
		case 1:
			WRITE_ONCE(s->area[0].request, (uint32_t)x);
			WRITE_ONCE(s->area[0].granted, (uint32_t)(x >> 32));
			break;
		default:
			WRITE_ONCE(s->area[0].request, (x >> 40) & 1 ? 99 : 0);
			wrmsr(MSR_KVM_VCPU_BOOST, gpa);
			break;
		}
		s->spins++;
	}
	wrmsr(MSR_KVM_VCPU_BOOST, 0);
	GUEST_DONE();
}

/* --- host side: running vCPUs -------------------------------------------- */

static struct kvm_vm *create_vm(int nr, void *code[], struct kvm_vcpu *vcpus[],
				bool cap)
{
	struct kvm_vm *vm;
	vm_vaddr_t gva;
	int i;

	vm = vm_create(nr);
	if (cap)
		vm_enable_cap(vm, KVM_CAP_VCPU_BOOST, 0);
	/*
	 * No halt-polling: the tests want a halted vCPU to block, as an
	 * idle vCPU of a busy host does, so that retraction on halt and the
	 * wake-up paths are what they see.
	 */
	if (kvm_has_cap(KVM_CAP_HALT_POLL))
		vm_enable_cap(vm, KVM_CAP_HALT_POLL, 0);
	for (i = 0; i < nr; i++)
		vcpus[i] = vm_vcpu_add(vm, i, code[i]);
	vm_install_exception_handler(vm, IRQ_VECTOR, irq_handler);
	vm_install_exception_handler(vm, TIMER_VECTOR, timer_handler);
	vm_install_exception_handler(vm, NMI_VECTOR, nmi_handler);

	gva = vm_vaddr_alloc_page(vm);
	shared_gva = gva;
	shared_hva = addr_gva2hva(vm, gva);
	memset(shared_hva, 0, sizeof(*shared_hva));
	for (i = 0; i < 2; i++)
		shared_hva->area_gpa[i] = addr_gva2gpa(vm, gva) +
			offsetof(struct shared, area[i]);
	guest_shared = (struct shared *)gva;
	sync_global_to_guest(vm, guest_shared);
	for (i = 0; i < nr; i++)
		vcpu_args_set(vcpus[i], 1, gva);
	return vm;
}

static void run_to(struct kvm_vcpu *vcpu, uint64_t expect)
{
	struct ucall uc;

	vcpu_run(vcpu);
	switch (get_ucall(vcpu, &uc)) {
	case UCALL_SYNC:
		TEST_ASSERT(expect && uc.args[1] == expect,
			    "got sync %lu, expected %lu", uc.args[1], expect);
		break;
	case UCALL_DONE:
		TEST_ASSERT(!expect, "guest done early, expected sync %lu", expect);
		break;
	case UCALL_ABORT:
		REPORT_GUEST_ASSERT(uc);
		break;
	default:
		TEST_FAIL("unexpected exit %s", exit_reason_str(vcpu->run->exit_reason));
	}
}

struct vcpu_thread {
	struct kvm_vcpu *vcpu;
	int cg, cpu;
	pthread_t thread;
};

static void *vcpu_thread_fn(void *arg)
{
	struct vcpu_thread *t = arg;

	if (t->cpu >= 0)
		pin_self(t->cpu);
	enter_vcpu_cg(t->cg);
	run_to(t->vcpu, 0);
	return NULL;
}

static void start_vcpu(struct vcpu_thread *t, struct kvm_vcpu *vcpu, int cg, int cpu)
{
	t->vcpu = vcpu;
	t->cg = cg;
	t->cpu = cpu;
	pthread_create(&t->thread, NULL, vcpu_thread_fn, t);
}

/* --- the tests ------------------------------------------------------------ */

static void test_abi(void)
{
	struct kvm_vcpu *vcpus[1];
	void *code[] = { guest_abi };
	struct kvm_vm *vm;
	uint64_t val;

	TEST_ASSERT(kvm_check_cap(KVM_CAP_VCPU_BOOST) == 1, "KVM_CAP_VCPU_BOOST");
	TEST_ASSERT(kvm_cpu_has(X86_FEATURE_KVM_VCPU_BOOST), "CPUID bit 18");
	TEST_ASSERT(kvm_msr_is_in_save_restore_list(MSR_KVM_VCPU_BOOST),
		    "MSR_KVM_VCPU_BOOST is saved and restored");

	vm = create_vm(1, code, vcpus, true);
	/* Past the VM's memory but legal; and past MAXPHYADDR. */
	vcpu_args_set(vcpus[0], 3, shared_gva, 1ULL << (vm->pa_bits - 1),
		      1ULL << vm->pa_bits);
	run_to(vcpus[0], 1);

	/* Save, clear and restore it as a VMM migrating the VM does. */
	val = vcpu_get_msr(vcpus[0], MSR_KVM_VCPU_BOOST);
	TEST_ASSERT_EQ(val, shared_hva->area_gpa[0] | KVM_MSR_ENABLED);
	vcpu_set_msr(vcpus[0], MSR_KVM_VCPU_BOOST, 0);
	TEST_ASSERT_EQ(vcpu_get_msr(vcpus[0], MSR_KVM_VCPU_BOOST), 0);
	vcpu_set_msr(vcpus[0], MSR_KVM_VCPU_BOOST, val);
	TEST_ASSERT(_vcpu_set_msr(vcpus[0], MSR_KVM_VCPU_BOOST, val | 4) == 0,
		    "a reserved bit is refused to the host too");
	run_to(vcpus[0], 0);
	kvm_vm_free(vm);
}

/* KVM's convention for PV features: not exposed and enforced, #GP. */
static void test_enforce_pv_cpuid(void)
{
	struct kvm_vcpu *vcpus[1];
	void *code[] = { guest_no_pv_feature };
	struct kvm_vm *vm;

	TEST_ASSERT(kvm_has_cap(KVM_CAP_ENFORCE_PV_FEATURE_CPUID),
		    "KVM_CAP_ENFORCE_PV_FEATURE_CPUID");
	vm = create_vm(1, code, vcpus, true);
	vcpu_enable_cap(vcpus[0], KVM_CAP_ENFORCE_PV_FEATURE_CPUID, 1);
	vcpu_clear_cpuid_feature(vcpus[0], X86_FEATURE_KVM_VCPU_BOOST);
	run_to(vcpus[0], 0);
	/* Restoring a VM's state writes 0 whatever its CPUID. */
	TEST_ASSERT(_vcpu_set_msr(vcpus[0], MSR_KVM_VCPU_BOOST, 0) == 1,
		    "the host writes 0 to MSR_KVM_VCPU_BOOST");
	kvm_vm_free(vm);
}

/* The guest asks; the thread shows the granted level; the guest reads it. */
static void test_guest_request(void)
{
	struct kvm_vcpu *vcpus[1];
	void *code[] = { guest_request };
	struct kvm_vm *vm;

	cg_setup("kvm_boost_request");
	enter_vcpu_cg(0);
	vm = create_vm(1, code, vcpus, true);

	run_to(vcpus[0], 1);
	TEST_ASSERT_EQ(thread_prio(), PRIO_BOOSTED(7));
	TEST_ASSERT_EQ(stat_key(vcpu_cg(0), "reports_guest"), 1);
	run_to(vcpus[0], 2);
	TEST_ASSERT_EQ(thread_prio(), PRIO_NORMAL);
	TEST_ASSERT_EQ(stat_key(vcpu_cg(0), "retracted"), 1);

	cg_write(vm_cg, "vcpuboost.prio.max", "3");
	run_to(vcpus[0], 3);
	TEST_ASSERT_EQ(thread_prio(), PRIO_BOOSTED(3));
	run_to(vcpus[0], 4);
	TEST_ASSERT_EQ(thread_prio(), PRIO_BOOSTED(3));

	cg_write(vcpu_cg(0), "vcpuboost.triggers", "guest 0");
	run_to(vcpus[0], 5);
	TEST_ASSERT_EQ(thread_prio(), PRIO_NORMAL);
	TEST_ASSERT(stat_key(vcpu_cg(0), "denied") >= 1, "denied");

	cg_write(vcpu_cg(0), "vcpuboost.triggers", "guest max");
	run_to(vcpus[0], 6);
	TEST_ASSERT_EQ(thread_prio(), PRIO_BOOSTED(3));
	run_to(vcpus[0], 0);
	TEST_ASSERT_EQ(thread_prio(), PRIO_NORMAL);
	TEST_ASSERT_EQ(stat_key(vcpu_cg(0), "nr_boosted"), 0);

	kvm_vm_free(vm);
	cg_teardown();
}

static void signal_msi(struct kvm_vm *vm, uint32_t apic_id, uint32_t data)
{
	struct kvm_msi msi = {
		.address_lo = 0xfee00000 | (apic_id << 12),
		.data = data,
	};

	TEST_ASSERT(__vm_ioctl(vm, KVM_SIGNAL_MSI, &msi) == 1, "KVM_SIGNAL_MSI");
}

/* Wait until vCPU 0 has halted again after @halts. */
static void wait_halted(uint64_t halts)
{
	wait_for(&shared_hva->halts, halts + 1, "the vCPU to halt");
	/* It counts the halt just before executing HLT. */
	usleep(200000);
}

struct thread_run {
	struct kvm_vcpu *vcpu;
	long prio;
	uint32_t granted;
};

static void *run_elsewhere(void *arg)
{
	struct thread_run *r = arg;

	enter_vcpu_cg(1);
	run_to(r->vcpu, 2);
	r->prio = thread_prio();
	r->granted = READ_ONCE(shared_hva->area[0].granted);
	run_to(r->vcpu, 3);
	return NULL;
}

/*
 * The VMM runs the vCPU from another thread, as a VMM that hands vCPUs
 * between threads does: the boost follows KVM_RUN to the new thread, whose
 * guest still asks, and the old thread keeps nothing; an interrupt is
 * reported to the new thread (in vcpu1's cgroup), not the old one. Before,
 * the old thread kept its boost for the slice (1s here), and the new
 * thread was never told of a request the guest did not change.
 */
static void test_thread_change(void)
{
	struct kvm_vcpu *vcpus[1];
	void *code[] = { guest_thread_change };
	struct thread_run r = {};
	struct kvm_vm *vm;
	pthread_t thread;

	cg_setup("kvm_boost_thread");
	enter_vcpu_cg(0);
	vm = create_vm(1, code, vcpus, true);
	run_to(vcpus[0], 1);
	TEST_ASSERT_EQ(thread_prio(), PRIO_BOOSTED(6));

	r.vcpu = vcpus[0];
	pthread_create(&thread, NULL, run_elsewhere, &r);
	wait_halted(0);
	signal_msi(vm, shared_hva->apic_id[0], IRQ_VECTOR);
	pthread_join(thread, NULL);
	TEST_ASSERT_EQ(r.prio, PRIO_BOOSTED(6));
	TEST_ASSERT_EQ(r.granted, 6);
	TEST_ASSERT_EQ(thread_prio(), PRIO_NORMAL);
	TEST_ASSERT_EQ(stat_key(vcpu_cg(1), "reports_irq"), 1);
	TEST_ASSERT_EQ(stat_key(vcpu_cg(0), "reports_irq"), 0);
	TEST_ASSERT_EQ(stat_key(vcpu_cg(1), "nr_boosted"), 0);

	/* And back to this thread, from one that has exited. */
	run_to(vcpus[0], 0);
	TEST_ASSERT_EQ(thread_prio(), PRIO_NORMAL);
	TEST_ASSERT_EQ(stat_key(vcpu_cg(0), "nr_boosted"), 0);
	kvm_vm_free(vm);
	cg_teardown();
}

/*
 * The VMM replaces the memory behind the guest's area between two runs:
 * the request there is read at the next VM-exit, and the VM-exits after
 * that read the new memory, not the old. Then it removes that memory: the
 * request read from it no longer stands. Then it adds memory there again:
 * the area is read again.
 */
static void test_memslot_change(void)
{
	const uint64_t gpa = 0xc0000000ULL;
	const uint32_t slot = 10;
	struct kvm_vcpu *vcpus[1];
	void *code[] = { guest_memslot };
	struct kvm_vcpu_boost *area;
	struct kvm_vm *vm;

	cg_setup("kvm_boost_memslot");
	enter_vcpu_cg(0);
	vm = create_vm(1, code, vcpus, true);
	vm_userspace_mem_region_add(vm, VM_MEM_SRC_ANONYMOUS, gpa, slot, 1, 0);
	vcpu_args_set(vcpus[0], 2, shared_gva, gpa);
	run_to(vcpus[0], 1);
	TEST_ASSERT_EQ(thread_prio(), PRIO_NORMAL);

	vm_mem_region_delete(vm, slot);
	vm_userspace_mem_region_add(vm, VM_MEM_SRC_ANONYMOUS, gpa, slot, 1, 0);
	area = addr_gpa2hva(vm, gpa);
	WRITE_ONCE(area->request, 9);
	run_to(vcpus[0], 2);
	TEST_ASSERT_EQ(thread_prio(), PRIO_BOOSTED(9));
	TEST_ASSERT_EQ(READ_ONCE(area->granted), 9);

	WRITE_ONCE(area->request, 0);
	run_to(vcpus[0], 3);
	TEST_ASSERT_EQ(thread_prio(), PRIO_NORMAL);
	TEST_ASSERT_EQ(stat_key(vcpu_cg(0), "reports_guest"), 1);

	WRITE_ONCE(area->request, 8);
	run_to(vcpus[0], 4);
	TEST_ASSERT_EQ(thread_prio(), PRIO_BOOSTED(8));
	vm_mem_region_delete(vm, slot);
	run_to(vcpus[0], 5);
	TEST_ASSERT_EQ(thread_prio(), PRIO_NORMAL);

	vm_userspace_mem_region_add(vm, VM_MEM_SRC_ANONYMOUS, gpa, slot, 1, 0);
	area = addr_gpa2hva(vm, gpa);
	WRITE_ONCE(area->request, 7);
	run_to(vcpus[0], 6);
	TEST_ASSERT_EQ(thread_prio(), PRIO_BOOSTED(7));
	TEST_ASSERT_EQ(READ_ONCE(area->granted), 7);
	WRITE_ONCE(area->request, 0);
	run_to(vcpus[0], 0);
	kvm_vm_free(vm);
	cg_teardown();
}

/* After each request of the guest: reported, but nothing granted in the VM. */
static void run_to_ungranted(struct kvm_vcpu *vcpu, uint64_t stage)
{
	run_to(vcpu, stage);
	TEST_ASSERT_EQ(thread_prio(), PRIO_NORMAL);
	TEST_ASSERT(stat_key(vm_cg, "reports_guest") >= (long)stage,
		    "stage %lu reported", stage);
	TEST_ASSERT_EQ(stat_key(vm_cg, "grants"), 0);
}

/*
 * The VMM of test_unprivileged, as uid NOBODY with its vCPU on its main
 * thread, in vcpu0, which it was delegated; @ready and @go are the pipes to
 * and from the administrator.
 */
static void unprivileged_vmm(int ready, int go)
{
	struct kvm_vcpu *vcpus[1];
	void *code[] = { guest_ask_stages };
	struct kvm_vm *vm;
	char *sub = sub_cg(), c = 0;

	enter_vcpu_cg(0);
	drop_privileges(NOBODY);
	vm = create_vm(1, code, vcpus, true);

	/* Opted in, in a cgroup of its own, and granted nothing. */
	run_to_ungranted(vcpus[0], 1);

	/* It may raise the files it was delegated, not those above. */
	cg_write(vcpu_cg(0), "vcpuboost.triggers", "guest max");
	cg_write(vcpu_cg(0), "vcpuboost.prio.max", "max");
	TEST_ASSERT_EQ(cg_try_write(vm_cg, "vcpuboost.prio.max", "max"), -EACCES);
	run_to_ungranted(vcpus[0], 2);

	/* Nor does a cgroup it creates below help. */
	cg_write(vcpu_cg(0), "cgroup.subtree_control", "+vcpuboost");
	TEST_ASSERT(!mkdir(sub, 0755), "mkdir %s", sub);
	cg_write(sub, "cgroup.type", "threaded");
	cg_write(sub, "vcpuboost.prio.max", "max");
	cg_write(sub, "vcpuboost.triggers", "guest max");
	cg_write(sub, "vcpuboost.slice", "1000000");
	cg_enter(sub);
	run_to_ungranted(vcpus[0], 3);

	/* What the administrator grants the VM, it gets, and no more. */
	TEST_ASSERT(write(ready, &c, 1) == 1 && read(go, &c, 1) == 1,
		    "the administrator's grant");
	run_to(vcpus[0], 4);
	TEST_ASSERT_EQ(thread_prio(), PRIO_BOOSTED(5));
	TEST_ASSERT_EQ(READ_ONCE(shared_hva->area[0].granted), 5);
	shared_hva->done = 1;
	run_to(vcpus[0], 0);
	TEST_ASSERT_EQ(thread_prio(), PRIO_NORMAL);
	kvm_vm_free(vm);
}

/*
 * A user with /dev/kvm and a delegated vCPU cgroup, but no grant above it,
 * cannot boost itself; once the administrator grants the VM cgroup a
 * ceiling, it is boosted up to that.
 */
static void test_unprivileged(void)
{
	int ready[2], go[2], status;
	char c;
	pid_t pid;

	cg_create("kvm_boost_unpriv");
	cg_chown(vcpu_cg(0), NOBODY);
	kvm_dev_chmod(0666);
	TEST_ASSERT(!pipe(ready) && !pipe(go), "pipe");
	pid = fork();
	TEST_ASSERT(pid >= 0, "fork");
	if (!pid) {
		close(ready[0]);
		close(go[1]);
		unprivileged_vmm(ready[1], go[0]);
		exit(0);
	}
	close(ready[1]);
	close(go[0]);
	/* If the VMM failed before, it has closed the pipe: nothing to grant. */
	if (read(ready[0], &c, 1) == 1) {
		cg_write(vm_cg, "vcpuboost.prio.max", "5");
		TEST_ASSERT(write(go[1], &c, 1) == 1, "tell the VMM");
	}
	waitpid(pid, &status, 0);

	rmdir(sub_cg());
	cg_teardown();
	restore_host();
	TEST_ASSERT(WIFEXITED(status) && !WEXITSTATUS(status), "the unprivileged VMM failed");
}

/*
 * Granted but not opted in, neither by its VMM nor by the host: a VM's
 * requests are not reported, the MSR's synchronous path included. The
 * host's opt-in, kvm.vcpu_boost, applies to a VM already running.
 */
static void test_no_optin(void)
{
	struct kvm_vcpu *vcpus[1];
	void *code[] = { guest_ask_stages };
	struct kvm_vm *vm;
	bool param;

	param = kvm_param_set("N");
	cg_setup("kvm_boost_optin");
	enter_vcpu_cg(0);
	vm = create_vm(1, code, vcpus, false);

	run_to(vcpus[0], 1);
	TEST_ASSERT_EQ(stat_key(vcpu_cg(0), "reports_guest"), 0);
	TEST_ASSERT_EQ(stat_key(vcpu_cg(0), "grants"), 0);
	TEST_ASSERT_EQ(thread_prio(), PRIO_NORMAL);

	if (param) {
		/* A VM takes the host's choice when it is created: not this one... */
		kvm_param_set("Y");
		run_to(vcpus[0], 2);
		TEST_ASSERT_EQ(stat_key(vcpu_cg(0), "reports_guest"), 0);
		TEST_ASSERT_EQ(thread_prio(), PRIO_NORMAL);
	} else {
		pr_info("no kvm.vcpu_boost parameter: the host's opt-in not tested\n");
	}
	shared_hva->done = 1;
	run_to(vcpus[0], 0);
	TEST_ASSERT_EQ(thread_prio(), PRIO_NORMAL);
	kvm_vm_free(vm);

	if (param) {
		/* ...but one created now, by a VMM that still knows nothing of it. */
		vm = create_vm(1, code, vcpus, false);
		run_to(vcpus[0], 1);
		TEST_ASSERT(stat_key(vcpu_cg(0), "reports_guest") >= 1, "reported");
		TEST_ASSERT_EQ(thread_prio(), PRIO_BOOSTED(99));
		run_to(vcpus[0], 2);
		TEST_ASSERT_EQ(READ_ONCE(shared_hva->area[0].granted), 99);
		shared_hva->done = 1;
		run_to(vcpus[0], 0);
		TEST_ASSERT_EQ(thread_prio(), PRIO_NORMAL);
		kvm_vm_free(vm);
	}
	cg_teardown();
	restore_host();
}

/*
 * The vCPU halted again and its last event's boost is over. A boost still
 * in force when the next event comes would take that event in without a
 * grant of its own; the halt that retracts an NMI's boost may come well
 * after wait_halted()'s sleep on a loaded host.
 */
static void wait_settled(uint64_t halts)
{
	int i;

	wait_halted(halts);
	for (i = 0; i < 30000 && stat_key(vcpu_cg(0), "nr_boosted"); i++)
		usleep(1000);
	TEST_ASSERT_EQ(stat_key(vcpu_cg(0), "nr_boosted"), 0);
}

/*
 * Each event a halted vCPU gets: reported under its trigger, boosted, and
 * retracted once the guest handled it. Without the capability: nothing.
 */
static void run_events(bool cap, long reports[4])
{
	static const char * const keys[] = {
		"reports_irq", "reports_timer", "reports_nmi", "reports_unhalt",
	};
	struct vcpu_thread threads[2];
	struct kvm_vcpu *vcpus[2];
	void *code[] = { guest_halter, guest_kicker };
	struct kvm_vm *vm;
	uint64_t h;
	int i;

	cg_setup(cap ? "kvm_boost_events" : "kvm_boost_nocap");
	vm = create_vm(2, code, vcpus, cap);
	start_vcpu(&threads[0], vcpus[0], 0, -1);
	start_vcpu(&threads[1], vcpus[1], 1, -1);

	pr_info("events: waiting for the vCPU to halt\n");
	/* From 0: its first halt may already be counted. */
	wait_settled(0);
	/* An interrupt, by MSI. */
	pr_info("events: MSI\n");
	h = READ_ONCE(shared_hva->halts);
	signal_msi(vm, shared_hva->apic_id[0], IRQ_VECTOR);
	wait_for(&shared_hva->irqs, 1, "the MSI");
	wait_settled(h);
	/* Its LAPIC timer, armed before halting. */
	pr_info("events: timer\n");
	shared_hva->arm_timer = 1;
	h = READ_ONCE(shared_hva->halts);
	signal_msi(vm, shared_hva->apic_id[0], IRQ_VECTOR);
	wait_for(&shared_hva->timers, 1, "the LAPIC timer");
	wait_settled(h + 1);
	/* An NMI. */
	pr_info("events: NMI\n");
	h = READ_ONCE(shared_hva->halts);
	/* By MSI: KVM_NMI would wait for the halted vCPU's mutex. */
	signal_msi(vm, shared_hva->apic_id[0], APIC_DM_NMI);
	wait_for(&shared_hva->nmis, 1, "the NMI");
	wait_settled(h);
	/* A PV unhalt kick from the other vCPU. */
	pr_info("events: PV unhalt\n");
	h = READ_ONCE(shared_hva->halts);
	shared_hva->kick = 1;
	wait_settled(h);

	for (i = 0; i < 4; i++)
		reports[i] = stat_key(vcpu_cg(0), keys[i]);
	if (cap) {
		/* Every boost ended by a retraction: the events were handled. */
		TEST_ASSERT(stat_key(vcpu_cg(0), "grants") >= 4, "grants %ld",
			    stat_key(vcpu_cg(0), "grants"));
		TEST_ASSERT_EQ(stat_key(vcpu_cg(0), "nr_boosted"), 0);
		TEST_ASSERT_EQ(stat_key(vcpu_cg(0), "expired"), 0);
		TEST_ASSERT_EQ(stat_key(vcpu_cg(0), "grants"),
			       stat_key(vcpu_cg(0), "retracted"));
	}

	shared_hva->done = 1;
	signal_msi(vm, shared_hva->apic_id[0], IRQ_VECTOR);
	for (i = 0; i < 2; i++)
		pthread_join(threads[i].thread, NULL);
	kvm_vm_free(vm);
	cg_teardown();
}

static void test_events(void)
{
	long reports[4];
	int i;

	run_events(true, reports);
	pr_info("reports: irq %ld, timer %ld, nmi %ld, unhalt %ld\n",
		reports[0], reports[1], reports[2], reports[3]);
	for (i = 0; i < 4; i++)
		TEST_ASSERT(reports[i] >= 1, "trigger %d reported", i);
}

static void test_cap_off(void)
{
	long reports[4];
	int i;

	/* Nor has the host opted every VM in. */
	kvm_param_set("N");
	run_events(false, reports);
	restore_host();
	for (i = 0; i < 4; i++)
		TEST_ASSERT_EQ(reports[i], 0);
}

/*
 * An interrupt whose boost the slice ended, still pending (no EOI, no
 * halt, as when APICv or posted interrupts hide the EOI from KVM): the
 * next interrupt made pending is reported again, and boosts again.
 */
static void test_reports_again(void)
{
	struct vcpu_thread thread;
	struct kvm_vcpu *vcpus[1];
	void *code[] = { guest_masked };
	struct kvm_vm *vm;

	cg_setup("kvm_boost_again");
	cg_write(vcpu_cg(0), "vcpuboost.slice", "20000");
	vm = create_vm(1, code, vcpus, true);
	vm_install_exception_handler(vm, IRQ_VECTOR2, irq_handler);
	vm_install_exception_handler(vm, IRQ_VECTOR2 + 1, irq_handler);
	vm_install_exception_handler(vm, IRQ_VECTOR2 + 2, irq_handler);
	start_vcpu(&thread, vcpus[0], 0, -1);
	wait_for(&shared_hva->spins, 1, "the guest to start");

	signal_msi(vm, shared_hva->apic_id[0], IRQ_VECTOR);
	TEST_ASSERT_EQ(wait_stat("grants", 1), 1);
	TEST_ASSERT_EQ(wait_stat("expired", 1), 1);
	TEST_ASSERT_EQ(stat_key(vcpu_cg(0), "reports_irq"), 1);
	TEST_ASSERT_EQ(READ_ONCE(shared_hva->irqs), 0);

	signal_msi(vm, shared_hva->apic_id[0], IRQ_VECTOR2);
	TEST_ASSERT_EQ(stat_key(vcpu_cg(0), "reports_irq"), 2);
	TEST_ASSERT_EQ(stat_key(vcpu_cg(0), "grants"), 2);
	TEST_ASSERT_EQ(wait_stat("expired", 2), 2);

	/* A denied report is done with too: the next event is reported. */
	cg_write(vm_cg, "vcpuboost.prio.max", "0");
	signal_msi(vm, shared_hva->apic_id[0], IRQ_VECTOR2 + 1);
	TEST_ASSERT_EQ(stat_key(vcpu_cg(0), "reports_irq"), 3);
	TEST_ASSERT_EQ(stat_key(vcpu_cg(0), "grants"), 2);
	cg_write(vm_cg, "vcpuboost.prio.max", "max");
	signal_msi(vm, shared_hva->apic_id[0], IRQ_VECTOR2 + 2);
	TEST_ASSERT_EQ(stat_key(vcpu_cg(0), "reports_irq"), 4);
	TEST_ASSERT_EQ(stat_key(vcpu_cg(0), "grants"), 3);

	shared_hva->done = 1;
	wait_for(&shared_hva->irqs, 4, "the guest to handle every interrupt");
	pthread_join(thread.thread, NULL);
	TEST_ASSERT_EQ(stat_key(vcpu_cg(0), "nr_boosted"), 0);
	kvm_vm_free(vm);
	cg_teardown();
}

static long hog_cputime(pid_t pid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	return proc_field(path, 14) + proc_field(path, 15);
}

/*
 * A guest flapping its request as fast as it can, with garbage in its area
 * and random MSR writes, beside a CFS hog: the boosted time stays within a
 * 10% budget, and the hog keeps at least 85% of what it gets when the same
 * guest runs without any boost.
 */
static long run_hostile(bool boost, long *boosted_us, int seconds)
{
	struct vcpu_thread thread;
	struct kvm_vcpu *vcpus[1];
	void *code[] = { guest_hostile };
	struct kvm_vm *vm;
	long t0, before;
	pid_t hog;

	cg_setup(boost ? "kvm_boost_hostile" : "kvm_boost_hostile0");
	cg_write(vm_cg, "vcpuboost.max", "10000 100000");
	if (!boost)
		cg_write(vm_cg, "vcpuboost.prio.max", "0");
	hog = fork();
	if (!hog) {
		char pid[32];

		snprintf(pid, sizeof(pid), "%d", getpid());
		cg_write(CG_ROOT, "cgroup.procs", pid);
		pin_self(0);
		for (;;)
			;
	}
	vm = create_vm(1, code, vcpus, true);
	start_vcpu(&thread, vcpus[0], 0, 0);
	wait_for(&shared_hva->spins, 1, "the guest to start");
	before = stat_key(vm_cg, "boosted_usec");
	t0 = hog_cputime(hog);
	sleep(seconds);
	t0 = hog_cputime(hog) - t0;
	*boosted_us = stat_key(vm_cg, "boosted_usec") - before;
	shared_hva->done = 1;
	pthread_join(thread.thread, NULL);
	kill(hog, SIGKILL);
	waitpid(hog, NULL, 0);
	pr_info("%s: hog got %ld ticks, vCPU boosted %ld us, %lu guest loops\n",
		boost ? "budget 10%" : "no boost", t0, *boosted_us, shared_hva->spins);
	kvm_vm_free(vm);
	cg_teardown();
	return t0;
}

static void test_hostile(void)
{
	const int seconds = 10;
	long hog_boost, hog_none, boosted, unused, allowed;

	hog_none = run_hostile(false, &unused, seconds);
	hog_boost = run_hostile(true, &boosted, seconds);
	allowed = (seconds * 10 + 2) * (10000 + 1000 * nr_cpus);
	TEST_ASSERT(boosted <= allowed, "boosted %ld us, allowed %ld", boosted, allowed);
	TEST_ASSERT(boosted > 0, "the guest was boosted at all");
	TEST_ASSERT(hog_boost * 100 >= hog_none * 85,
		    "the hog kept %ld ticks, %ld without boosts", hog_boost, hog_none);
}

static void no_op_signal(int sig)
{
}

/* An interrupt for vCPU 0 once it has had time to block in KVM_RUN. */
static void *late_msi(void *vm)
{
	usleep(500000);
	signal_msi(vm, 0, IRQ_VECTOR);
	return NULL;
}

/*
 * The host moves a halted vCPU's area (a restore does): when the vCPU wakes
 * in KVM_RUN, before any VM-entry, the old area, which asks for a boost, is
 * not read; the new one is.
 */
static void test_host_area_change(void)
{
	struct sigaction sa = { .sa_handler = no_op_signal };
	struct kvm_vcpu *vcpus[1];
	void *code[] = { guest_halt_once };
	struct kvm_mp_state mp;
	struct kvm_vm *vm;
	pthread_t msi;
	int i;

	cg_setup("kvm_boost_host_area");
	enter_vcpu_cg(0);
	vm = create_vm(1, code, vcpus, true);
	run_to(vcpus[0], 1);

	/*
	 * Out of KVM_RUN while the guest is halted, as a VMM pausing it is;
	 * again if the signal came before the guest reached its HLT.
	 */
	TEST_ASSERT(!sigaction(SIGALRM, &sa, NULL), "sigaction");
	for (i = 0; i < 10; i++) {
		alarm(1);
		TEST_ASSERT(__vcpu_run(vcpus[0]) == -1 && errno == EINTR,
			    "KVM_RUN interrupted");
		vcpu_mp_state_get(vcpus[0], &mp);
		if (mp.mp_state == KVM_MP_STATE_HALTED)
			break;
	}
	TEST_ASSERT_EQ(mp.mp_state, KVM_MP_STATE_HALTED);

	WRITE_ONCE(shared_hva->area[0].request, 5);
	vcpu_set_msr(vcpus[0], MSR_KVM_VCPU_BOOST,
		     shared_hva->area_gpa[1] | KVM_MSR_ENABLED);
	/* The vCPU blocks before the interrupt comes, and wakes in KVM_RUN. */
	pthread_create(&msi, NULL, late_msi, vm);
	run_to(vcpus[0], 2);
	pthread_join(msi, NULL);
	TEST_ASSERT_EQ(stat_key(vcpu_cg(0), "reports_guest"), 0);
	TEST_ASSERT(thread_prio() == PRIO_NORMAL,
		    "priority %ld; guest irqs %lu, reports_irq %ld, grants %ld, retracted %ld",
		    thread_prio(), READ_ONCE(shared_hva->irqs),
		    stat_key(vcpu_cg(0), "reports_irq"), stat_key(vcpu_cg(0), "grants"),
		    stat_key(vcpu_cg(0), "retracted"));
	run_to(vcpus[0], 0);
	kvm_vm_free(vm);
	cg_teardown();
}

static char preempt_model_saved[16];

/* Write the preemption model (PREEMPT_DYNAMIC); false if there is none. */
static bool write_preempt_model(const char *model)
{
	int fd = open("/sys/kernel/debug/sched/preempt", O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return false;
	n = write(fd, model, strlen(model));
	close(fd);
	return n == (ssize_t)strlen(model);
}

static void restore_preempt_model(void)
{
	write_preempt_model(preempt_model_saved);
}

/*
 * Preempt at every wake-up until the test exits: nothing to do on
 * PREEMPT_RT, the model switched to full with PREEMPT_DYNAMIC, else skip.
 */
static void set_preempt_full(void)
{
	char buf[128] = "", *open_br, *close_br;
	struct utsname u;
	int fd;

	TEST_ASSERT(!uname(&u), "uname");
	if (strstr(u.version, "PREEMPT_RT"))
		return;
	fd = open("/sys/kernel/debug/sched/preempt", O_RDONLY);
	if (fd < 0) {
		print_skip("no PREEMPT_RT, no preemption model to switch");
		exit(KSFT_SKIP);
	}
	TEST_ASSERT(read(fd, buf, sizeof(buf) - 1) > 0, "read the preemption model");
	close(fd);
	open_br = strchr(buf, '(');
	close_br = open_br ? strchr(open_br, ')') : NULL;
	TEST_ASSERT(close_br && close_br - open_br <= (long)sizeof(preempt_model_saved),
		    "preemption model '%s'", buf);
	memcpy(preempt_model_saved, open_br + 1, close_br - open_br - 1);
	atexit(restore_preempt_model);
	TEST_ASSERT(write_preempt_model("full"), "preempt=full");
}

/*
 * An interrupt that the vCPU has taken and EOIed before its sender got to
 * report it boosts nothing, not even until the slice ends. The sender, a
 * CFS thread on the vCPU's CPU, wakes the halted vCPU, whose SCHED_FIFO
 * thread preempts it at the wake-up: the guest handles the interrupt and
 * the thread leaves KVM_RUN before the sender runs again. That takes a
 * kernel that preempts there (PREEMPT_RT, or PREEMPT_DYNAMIC set to full);
 * elsewhere the report comes first and the test shows nothing.
 */
static void test_late_report(void)
{
	struct sched_param fifo = { .sched_priority = 1 }, other = { 0 };
	void *code[] = { guest_halt_once };
	struct kvm_vcpu *vcpus[1];
	cpu_set_t allowed, one;
	struct kvm_vm *vm;
	pthread_t msi;
	long prio;

	/* KVM sees the guest's EOI only without EOI virtualization. */
	if (host_cpu_is_intel ? get_kvm_intel_param_bool("enable_apicv") :
				get_kvm_amd_param_bool("avic")) {
		print_skip("APICv or AVIC: KVM sees no EOI");
		exit(KSFT_SKIP);
	}
	TEST_ASSERT(!sched_getaffinity(0, sizeof(allowed), &allowed), "affinity");
	CPU_ZERO(&one);
	for (int cpu = 0; cpu < CPU_SETSIZE; cpu++) {
		if (CPU_ISSET(cpu, &allowed)) {
			CPU_SET(cpu, &one);
			break;
		}
	}
	TEST_ASSERT(!sched_setaffinity(0, sizeof(one), &one), "pin to one CPU");
	set_preempt_full();
	cg_setup("kvm_boost_late_report");
	enter_vcpu_cg(0);
	vm = create_vm(1, code, vcpus, true);
	run_to(vcpus[0], 1);

	/* Created before the switch to SCHED_FIFO, it stays a CFS thread. */
	pthread_create(&msi, NULL, late_msi, vm);
	TEST_ASSERT(!sched_setscheduler(0, SCHED_FIFO, &fifo), "SCHED_FIFO");
	run_to(vcpus[0], 2);
	pthread_join(msi, NULL);
	TEST_ASSERT(!sched_setscheduler(0, SCHED_OTHER, &other), "SCHED_OTHER");
	prio = thread_prio();
	TEST_ASSERT(prio == PRIO_NORMAL,
		    "priority %ld; guest irqs %lu, reports_irq %ld, grants %ld, retracted %ld",
		    prio, READ_ONCE(shared_hva->irqs),
		    stat_key(vcpu_cg(0), "reports_irq"), stat_key(vcpu_cg(0), "grants"),
		    stat_key(vcpu_cg(0), "retracted"));
	TEST_ASSERT_EQ(READ_ONCE(shared_hva->irqs), 1);
	/* The report came after the EOI, and was dropped. */
	TEST_ASSERT_EQ(stat_key(vcpu_cg(0), "reports_irq"), 0);
	run_to(vcpus[0], 0);
	kvm_vm_free(vm);
	cg_teardown();
}

int main(int argc, char *argv[])
{
	static const struct {
		const char *name;
		void (*fn)(void);
	} tests[] = {
		{ "abi", test_abi },
		{ "enforce_pv_cpuid", test_enforce_pv_cpuid },
		{ "guest_request", test_guest_request },
		{ "memslot_change", test_memslot_change },
		{ "thread_change", test_thread_change },
		{ "host_area_change", test_host_area_change },
		{ "late_report", test_late_report },
		{ "unprivileged", test_unprivileged },
		{ "no_optin", test_no_optin },
		{ "events", test_events },
		{ "cap_off", test_cap_off },
		{ "reports_again_after_slice", test_reports_again },
		{ "hostile_guest", test_hostile },
	};
	int i;

	TEST_REQUIRE(kvm_has_cap(KVM_CAP_VCPU_BOOST));
	TEST_REQUIRE(!access(CG_ROOT "/cgroup.controllers", R_OK));
	nr_cpus = sysconf(_SC_NPROCESSORS_ONLN);

	ksft_print_header();
	ksft_set_plan(ARRAY_SIZE(tests));
	for (i = 0; i < ARRAY_SIZE(tests); i++) {
		int status;
		pid_t pid;

		if (argc > 1 && strcmp(argv[1], tests[i].name)) {
			ksft_test_result_skip("%s\n", tests[i].name);
			continue;
		}
		pid = fork();
		/* Each test in a child: a failed assertion exits it. */
		if (!pid) {
			tests[i].fn();
			exit(0);
		}
		waitpid(pid, &status, 0);
		if (WIFEXITED(status) && WEXITSTATUS(status) == KSFT_SKIP) {
			ksft_test_result_skip("%s\n", tests[i].name);
			continue;
		}
		ksft_test_result(WIFEXITED(status) && !WEXITSTATUS(status),
				 "%s\n", tests[i].name);
	}
	ksft_finished();
}
