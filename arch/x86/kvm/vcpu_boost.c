// SPDX-License-Identifier: GPL-2.0-only
/*
 * KVM's side of vcpuboost: report, never decide.
 *
 * With KVM_CAP_VCPU_BOOST, KVM tells the vcpuboost cgroup controller what is
 * pending for a vCPU thread and when it has been handled: the guest's own
 * request, read from the area it registered with MSR_KVM_VCPU_BOOST, and the
 * events KVM makes pending for it (an interrupt accepted into its local
 * APIC, its LAPIC timer expiring, an NMI, a PV unhalt kick). Whether the
 * thread is boosted, how high and for how long is the controller's policy,
 * set per VM by the host; KVM only writes the level in force back into the
 * guest's area. Only edges are reported: a trigger already reported is not
 * reported again until it has been retracted, or until the controller ended
 * the boost it gave.
 *
 * A VM reports if its VMM enabled KVM_CAP_VCPU_BOOST, or if the host made
 * reporting the default with kvm.vcpu_boost=1, for VMMs that know nothing
 * of vcpuboost. Reporting grants nothing: only what the host granted in the
 * vcpuboost cgroups of the vCPU threads can boost them.
 */
#include <linux/kvm_host.h>
#include <linux/moduleparam.h>
#include <linux/pid.h>
#include <linux/rcupdate.h>
#include <linux/uaccess.h>
#include <linux/vcpuboost.h>

#include "cpuid.h"
#include "vcpu_boost.h"

#define KVM_VCPU_BOOST_AREA	sizeof(struct kvm_vcpu_boost)

/*
 * The host's choice for VMMs that do not opt in themselves (stock QEMU,
 * Firecracker, crosvm): taken by each VM when it is created, so that a VM's
 * reporting never changes under it. Reporting grants nothing; the vcpuboost
 * cgroups of its threads decide what a VM gets.
 */
static bool vcpu_boost_default;
module_param_named(vcpu_boost, vcpu_boost_default, bool, 0644);
MODULE_PARM_DESC(vcpu_boost,
		 "Report vCPU events to vcpuboost for every VM created from now on, not only for those whose VMM enables KVM_CAP_VCPU_BOOST");

/**
 * kvm_vcpu_boost_init_vm - apply the host's default to a new VM
 * @kvm: the VM
 */
void kvm_vcpu_boost_init_vm(struct kvm *kvm)
{
	kvm->arch.vcpu_boost = READ_ONCE(vcpu_boost_default);
}

/**
 * kvm_vcpu_boost_init_vcpu - set up a new vCPU's reporting state
 * @vcpu: the vCPU
 */
void kvm_vcpu_boost_init_vcpu(struct kvm_vcpu *vcpu)
{
	BUILD_BUG_ON(ARRAY_SIZE(vcpu->arch.boost.nr_handled) !=
		     NR_VCPUBOOST_TRIGGERS);
	raw_spin_lock_init(&vcpu->arch.boost.report_lock);
}

/* The vCPU's thread: the one KVM_RUN last ran on. Under RCU. */
static struct task_struct *kvm_vcpu_boost_task(struct kvm_vcpu *vcpu)
{
	struct pid *pid = rcu_dereference(vcpu->pid);

	return pid ? pid_task(pid, PIDTYPE_PID) : NULL;
}

static void kvm_vcpu_boost_report(struct kvm_vcpu *vcpu,
				  enum vcpuboost_trigger trigger,
				  unsigned int level)
{
	struct task_struct *p;

	rcu_read_lock();
	p = kvm_vcpu_boost_task(vcpu);
	if (p) {
		if (level)
			vcpuboost_report(p, trigger, level);
		else
			vcpuboost_retract(p, trigger);
	}
	rcu_read_unlock();
}

/**
 * kvm_vcpu_boost_enable_cap - enable KVM_CAP_VCPU_BOOST for a VM
 * @kvm: the VM
 * @cap: the capability, with args[0] (flags) 0
 *
 * Once enabled, it stays: a VMM that wants no boosts sets the VM's
 * vcpuboost.prio.max to 0.
 *
 * Return: 0, or -EINVAL for unknown flags.
 */
int kvm_vcpu_boost_enable_cap(struct kvm *kvm, struct kvm_enable_cap *cap)
{
	if (cap->args[0])
		return -EINVAL;
	WRITE_ONCE(kvm->arch.vcpu_boost, true);
	return 0;
}

static u64 kvm_vcpu_boost_gpa(struct kvm_vcpu *vcpu)
{
	return vcpu->arch.boost.msr_val & ~KVM_VCPU_BOOST_RESERVED_MASK &
	       ~(u64)KVM_MSR_ENABLED;
}

/*
 * The guest's area, as an address of the VMM's that can be accessed where
 * no fault may be taken (VM-exit with interrupts off, VM-entry with
 * preemption off), or NULL if the cache must be refreshed first: the
 * memslots changed, the host registered another area, or this is not the
 * VM's mm (a vCPU torn down by another task). Like
 * kvm_steal_time_set_preempted(), it touches the area only through the
 * vCPU thread's own mm with page faults disabled, so it takes no lock: a
 * gfn_to_pfn_cache would need its rwlock, which sleeps on PREEMPT_RT.
 *
 * Context: kvm->srcu held, which protects the memslots.
 */
static struct kvm_vcpu_boost __user *kvm_vcpu_boost_area(struct kvm_vcpu *vcpu)
{
	struct gfn_to_hva_cache *ghc = &vcpu->arch.boost.cache;
	struct kvm_memslots *slots = kvm_memslots(vcpu->kvm);

	if (unlikely(current->mm != vcpu->kvm->mm ||
		     slots->generation != ghc->generation ||
		     ghc->gpa != kvm_vcpu_boost_gpa(vcpu) ||
		     kvm_is_error_hva(ghc->hva) || !ghc->memslot))
		return NULL;
	return (struct kvm_vcpu_boost __user *)ghc->hva;
}

/*
 * Read the guest's request where no fault may be taken. One get_user(),
 * not copy_from_user_nofault(): every VM-exit that finds the request
 * changed or the memslots' generation moved gets here, and the generic
 * copy of four bytes took more instructions than all the rest of the
 * vcpuboost work on the exit path. kvm_vcpu_boost_area() checked that the
 * area is in current->mm, which is then the mm loaded on this CPU: a task
 * of the VMM, in task context (the vCPU's thread in KVM_RUN, or an ioctl
 * that emulates a nested VM-exit's MSR loads).
 *
 * Context: kvm->srcu held.
 */
static bool kvm_vcpu_boost_read(struct kvm_vcpu *vcpu, u32 *request)
{
	struct kvm_vcpu_boost __user *area = kvm_vcpu_boost_area(vcpu);
	int r;

	if (!area)
		return false;
	pagefault_disable();
	r = get_user(*request, &area->request);
	pagefault_enable();
	if (r)
		return false;
	/* For the next VM-exits' reads (kvm_vcpu_boost_guest_exit()). */
	vcpu->arch.boost.request_uaddr = &area->request;
	vcpu->arch.boost.request_read = *request;
	return true;
}

/* Report a change of the guest's request: the edge, not the level. */
static void kvm_vcpu_boost_set_request(struct kvm_vcpu *vcpu, u32 request)
{
	/* A guest asking for more than the most gets the most it may have. */
	request = min_t(u32, request, VCPUBOOST_LEVEL_MAX);
	if (request == vcpu->arch.boost.request)
		return;
	vcpu->arch.boost.request = request;
	kvm_vcpu_boost_report(vcpu, VCPUBOOST_TRIGGER_GUEST, request);
}

/* Is there an area that KVM may read and write? */
static bool kvm_vcpu_boost_area_usable(struct kvm_vcpu *vcpu)
{
	return kvm_vcpu_boost_enabled(vcpu) &&
	       (vcpu->arch.boost.msr_val & KVM_MSR_ENABLED) &&
	       !vcpu->arch.boost.unusable;
}

/*
 * An area that could not be accessed is tried again once the memslots
 * changed since (the cache recorded their generation when it failed): a
 * VMM may delete a memslot and add it back while its vCPUs run.
 *
 * Context: kvm->srcu held.
 */
static void kvm_vcpu_boost_retry(struct kvm_vcpu *vcpu)
{
	if (kvm_memslots(vcpu->kvm)->generation !=
	    vcpu->arch.boost.cache.generation) {
		vcpu->arch.boost.unusable = false;
		kvm_make_request(KVM_REQ_VCPU_BOOST, vcpu);
	}
}

/*
 * Read the area now; if that needs a fault, let process context do it.
 * Nothing is read, hence reported, for a VM that did not opt in.
 * Context: kvm->srcu held.
 */
static void kvm_vcpu_boost_sync(struct kvm_vcpu *vcpu)
{
	u32 request;

	if (!kvm_vcpu_boost_enabled(vcpu) ||
	    !(vcpu->arch.boost.msr_val & KVM_MSR_ENABLED))
		return;
	if (unlikely(vcpu->arch.boost.unusable)) {
		kvm_vcpu_boost_retry(vcpu);
		return;
	}
	if (kvm_vcpu_boost_read(vcpu, &request))
		kvm_vcpu_boost_set_request(vcpu, request);
	else
		kvm_make_request(KVM_REQ_VCPU_BOOST, vcpu);
}

/**
 * kvm_vcpu_boost_refresh - look up the guest's area again, and read it
 * @vcpu: the vCPU
 *
 * For KVM_REQ_VCPU_BOOST: the area could not be accessed where no fault
 * may be taken (memslot change, page not present), or was registered by
 * the host (state restore), which does not touch guest memory. Here faults
 * may be taken, which makes the page present for the accesses that cannot.
 * An area that cannot be accessed even here (no memory there any more, a
 * read-only slot) is left alone until the memslots change or the guest
 * writes the MSR again: trying at every VM-entry would keep the vCPU out
 * of the guest. Its last request is withdrawn.
 *
 * Context: Process context, kvm->srcu held.
 */
void kvm_vcpu_boost_refresh(struct kvm_vcpu *vcpu)
{
	struct gfn_to_hva_cache *ghc = &vcpu->arch.boost.cache;
	struct kvm_vcpu_boost __user *area;
	unsigned int level = 0;
	struct task_struct *p;
	u32 request;

	if (!kvm_vcpu_boost_area_usable(vcpu))
		return;
	vcpu->arch.boost.unusable = true;
	vcpu->arch.boost.request_uaddr = NULL;
	if (kvm_gfn_to_hva_cache_init(vcpu->kvm, ghc, kvm_vcpu_boost_gpa(vcpu),
				      KVM_VCPU_BOOST_AREA))
		goto unusable;

	/*
	 * Write, so that the page is present and writable for VM-entry, which
	 * would otherwise ask for a refresh again each time (a page only ever
	 * read may be mapped read-only).
	 */
	rcu_read_lock();
	p = kvm_vcpu_boost_task(vcpu);
	if (p)
		level = vcpuboost_granted(p);
	rcu_read_unlock();
	if (kvm_write_guest_offset_cached(vcpu->kvm, ghc, &level,
					  offsetof(struct kvm_vcpu_boost, granted),
					  sizeof(level)) ||
	    kvm_read_guest_offset_cached(vcpu->kvm, ghc, &request,
					 offsetof(struct kvm_vcpu_boost, request),
					 sizeof(request)))
		goto unusable;
	vcpu->arch.boost.granted = level;
	vcpu->arch.boost.unusable = false;
	/*
	 * For VM-exit's read, and for VM-entry, which writes the level in
	 * force only into an area read once: the level may change with the
	 * report just below.
	 */
	area = kvm_vcpu_boost_area(vcpu);
	if (area) {
		vcpu->arch.boost.request_uaddr = &area->request;
		vcpu->arch.boost.request_read = request;
	}
	kvm_vcpu_boost_set_request(vcpu, request);
	return;

unusable:
	/*
	 * What was read from an area that is gone no longer stands: it would
	 * otherwise boost the vCPU until it halts or the guest writes the MSR
	 * again.
	 */
	kvm_vcpu_boost_set_request(vcpu, 0);
}

/**
 * kvm_vcpu_boost_set_msr - write MSR_KVM_VCPU_BOOST
 * @vcpu: the vCPU
 * @data: 0 to disable, or the area's GPA, 64-byte aligned, | KVM_MSR_ENABLED
 * @host_initiated: a write by KVM_SET_MSRS, e.g. on restore
 *
 * Writing the value in force reads the area at once, the synchronous path
 * for a guest that cannot wait for its next VM-exit. Reserved bits, a GPA
 * beyond MAXPHYADDR or, for the guest, outside its memory are refused; the
 * host may register an area before the memory exists, which is then read
 * once it can be.
 *
 * Return: 0, or 1 to refuse the write (#GP for the guest).
 */
int kvm_vcpu_boost_set_msr(struct kvm_vcpu *vcpu, u64 data, bool host_initiated)
{
	u64 gpa = data & ~KVM_VCPU_BOOST_RESERVED_MASK & ~(u64)KVM_MSR_ENABLED;
	struct gfn_to_hva_cache *ghc = &vcpu->arch.boost.cache;

	if (data & KVM_VCPU_BOOST_RESERVED_MASK)
		return 1;
	if (!(data & KVM_MSR_ENABLED) && data)
		return 1;

	if (!data) {
		vcpu->arch.boost.request_uaddr = NULL;
		vcpu->arch.boost.msr_val = 0;
		/* Withdraws what was reported, even if reporting stopped since. */
		kvm_vcpu_boost_set_request(vcpu, 0);
		return 0;
	}

	if (!kvm_vcpu_is_legal_gpa(vcpu, gpa))
		return 1;

	/*
	 * A restore only records the area: the first KVM_RUN reads it. So
	 * does a write outside the VM's mm, where the area is not mapped: a
	 * vCPU torn down by another task, which may emulate a nested
	 * VM-exit's MSR loads.
	 */
	if (host_initiated || current->mm != vcpu->kvm->mm) {
		vcpu->arch.boost.request_uaddr = NULL;
		vcpu->arch.boost.msr_val = data;
		vcpu->arch.boost.unusable = false;
		kvm_make_request(KVM_REQ_VCPU_BOOST, vcpu);
		return 0;
	}

	if (data == vcpu->arch.boost.msr_val && !vcpu->arch.boost.unusable) {
		kvm_vcpu_boost_sync(vcpu);
		return 0;
	}

	vcpu->arch.boost.request_uaddr = NULL;
	if (kvm_gfn_to_hva_cache_init(vcpu->kvm, ghc, gpa, KVM_VCPU_BOOST_AREA))
		return 1;
	vcpu->arch.boost.msr_val = data;
	vcpu->arch.boost.unusable = false;
	/* In process context: a page not present yet is faulted in here. */
	kvm_vcpu_boost_refresh(vcpu);
	return 0;
}

/**
 * kvm_vcpu_boost_destroy - withdraw everything a vCPU going away reported
 * @vcpu: the vCPU
 */
void kvm_vcpu_boost_destroy(struct kvm_vcpu *vcpu)
{
	__kvm_vcpu_boost_block(vcpu);
}

/**
 * __kvm_vcpu_boost_event - report that an event was made pending for a vCPU
 * @vcpu: the vCPU
 * @trigger: what the event is
 * @handled: how often the vCPU had handled @trigger before the event was
 *	made pending (kvm_vcpu_boost_event_begin())
 *
 * Not reported by the vCPU's own thread, which delivers the event on its
 * way into the guest, nor if @trigger was reported and not yet handled,
 * unless the controller is done with that report: once it ended the boost
 * the report gave (its slice, a limit) or denied it, an event made pending
 * is reported again. KVM sees
 * no EOI of a guest with APICv or AVIC, and so cannot rely on one to
 * retract, and a guest with interrupts masked may take long to handle one.
 * An interrupt handler that finds the vCPU's thread running on this CPU
 * (its timer's hrtimer, usually) does report: the thread may be preempted
 * before the guest has handled the event, by the very tick that comes
 * next, and then waits behind whatever runs; boosted, it keeps the CPU
 * until the guest's EOI retracts the boost.
 *
 * Context: Any, hardirq included.
 */
void __kvm_vcpu_boost_event(struct kvm_vcpu *vcpu, enum vcpuboost_trigger trigger,
			    u32 handled)
{
	unsigned long *pending = &vcpu->arch.boost.pending;
	struct task_struct *p;
	unsigned long flags;
	bool was_pending;

	if (in_task() && vcpu == kvm_get_running_vcpu())
		return;

	rcu_read_lock();
	p = kvm_vcpu_boost_task(vcpu);
	if (!p)
		goto out;
	/* Reported and in force: no lock for an interrupt storm. */
	if (test_bit(trigger, pending) && !vcpuboost_trigger_consumed(p, trigger))
		goto out;

	raw_spin_lock_irqsave(&vcpu->arch.boost.report_lock, flags);
	/* @p may be the thread KVM_RUN is leaving (kvm_vcpu_boost_thread_change()). */
	if (vcpu->arch.boost.thread_change)
		goto unlock;
	/*
	 * The vCPU may have run, taken the event and handled it between the
	 * moment it was made pending and now: the interrupt's sender is
	 * preempted by the very vCPU thread it woke, or the vCPU runs on
	 * another CPU. Reported now, nothing would retract it until the vCPU
	 * halts or the boost's slice ends. The fully ordered
	 * test_and_set_bit() pairs with the smp_mb() between counting and
	 * looking at the bit in __kvm_vcpu_boost_handled(): one of the two
	 * sees the other, and the lock orders this report before a
	 * retraction that saw the bit.
	 *
	 * The count also moves when the vCPU, running in KVM, handles an
	 * earlier event before this one became visible to it: that report is
	 * dropped, and the vCPU, which is running, gets no boost for it.
	 * With EOI virtualization (APICv, AVIC) KVM sees no EOI and the count
	 * of irq and timer never moves: such a late report stands until the
	 * vCPU halts or the controller ends the boost.
	 */
	was_pending = test_and_set_bit(trigger, pending);
	if (READ_ONCE(vcpu->arch.boost.nr_handled[trigger]) != handled) {
		if (!was_pending)
			clear_bit(trigger, pending);
		goto unlock;
	}
	if (was_pending && !vcpuboost_trigger_consumed(p, trigger))
		goto unlock;
	vcpuboost_report(p, trigger, VCPUBOOST_LEVEL_MAX);
unlock:
	raw_spin_unlock_irqrestore(&vcpu->arch.boost.report_lock, flags);
out:
	rcu_read_unlock();
}

/* Retract @trigger if it was reported. */
static void kvm_vcpu_boost_withdraw(struct kvm_vcpu *vcpu,
				    enum vcpuboost_trigger trigger)
{
	unsigned long flags;

	/* Every VM-entry gets here: no lock when nothing is pending. */
	if (!test_bit(trigger, &vcpu->arch.boost.pending))
		return;
	raw_spin_lock_irqsave(&vcpu->arch.boost.report_lock, flags);
	if (test_and_clear_bit(trigger, &vcpu->arch.boost.pending))
		kvm_vcpu_boost_report(vcpu, trigger, 0);
	raw_spin_unlock_irqrestore(&vcpu->arch.boost.report_lock, flags);
}

/**
 * __kvm_vcpu_boost_handled - retract events the vCPU has handled
 * @vcpu: the vCPU
 * @triggers: what the events were, a mask of BIT(enum vcpuboost_trigger)
 *
 * Counted even when nothing was reported: the report of an event this
 * handled may still be on its way (__kvm_vcpu_boost_event()).
 *
 * Context: Task, vcpu->mutex held, which serializes the counts.
 */
void __kvm_vcpu_boost_handled(struct kvm_vcpu *vcpu, unsigned long triggers)
{
	u32 *nr_handled = vcpu->arch.boost.nr_handled;
	int t;

	for_each_set_bit(t, &triggers, NR_VCPUBOOST_TRIGGERS)
		WRITE_ONCE(nr_handled[t], nr_handled[t] + 1);
	/* Pairs with test_and_set_bit() in __kvm_vcpu_boost_event(). */
	smp_mb();
	for_each_set_bit(t, &triggers, NR_VCPUBOOST_TRIGGERS)
		kvm_vcpu_boost_withdraw(vcpu, t);
}

/**
 * __kvm_vcpu_boost_guest_exit - look at the guest's request after a VM-exit
 * @vcpu: the vCPU
 *
 * Called with interrupts off, before the vCPU's thread can be preempted, so
 * that a request made in guest mode is reported before the host decides
 * what to run next. This is also where a vCPU that is about to be
 * preempted has its request read: preempting a running vCPU needs a
 * VM-exit first, and a pending reschedule ends the fastpath loop that
 * re-enters the guest without coming here.
 *
 * Context: The vCPU's thread, interrupts off.
 */
void __kvm_vcpu_boost_guest_exit(struct kvm_vcpu *vcpu)
{
	int idx;

	idx = srcu_read_lock(&vcpu->kvm->srcu);
	kvm_vcpu_boost_sync(vcpu);
	srcu_read_unlock(&vcpu->kvm->srcu, idx);
}

/**
 * __kvm_vcpu_boost_guest_enter - before VM-entry
 * @vcpu: the vCPU
 *
 * A vCPU running again has handled a PV unhalt kick. The level in force is
 * written into the guest's area when it changed.
 *
 * Context: The vCPU's thread, preemption off, kvm->srcu held.
 */
void __kvm_vcpu_boost_guest_enter(struct kvm_vcpu *vcpu)
{
	struct gfn_to_hva_cache *ghc = &vcpu->arch.boost.cache;
	unsigned int level = vcpuboost_granted(current);
	struct kvm_vcpu_boost __user *area;

	/*
	 * Not counted as handled: that would cost a full barrier on every
	 * VM-entry. A kick reported after the vCPU entered stands until the
	 * next VM-entry, the vCPU halts or the boost's slice ends.
	 */
	kvm_vcpu_boost_withdraw(vcpu, VCPUBOOST_TRIGGER_UNHALT);

	if (level == vcpu->arch.boost.granted ||
	    !kvm_vcpu_boost_area_usable(vcpu))
		return;

	area = kvm_vcpu_boost_area(vcpu);
	if (area && !copy_to_user_nofault(&area->granted, &level, sizeof(level))) {
		mark_page_dirty_in_slot(vcpu->kvm, ghc->memslot,
					gpa_to_gfn(ghc->gpa));
		vcpu->arch.boost.granted = level;
	} else {
		kvm_make_request(KVM_REQ_VCPU_BOOST, vcpu);
	}
}

/**
 * __kvm_vcpu_boost_block - withdraw every trigger of a vCPU that blocks
 * @vcpu: the vCPU
 *
 * A halted vCPU needs no boost until something wakes it, and what wakes
 * it is reported afresh.
 *
 * Context: The vCPU's thread, or the task destroying the vCPU.
 */
void __kvm_vcpu_boost_block(struct kvm_vcpu *vcpu)
{
	int t;

	/*
	 * Not counted as handled: an event made pending while the vCPU
	 * blocks wakes it, and is to be reported.
	 */
	for (t = 0; t < NR_VCPUBOOST_TRIGGERS; t++)
		kvm_vcpu_boost_withdraw(vcpu, t);
	/* What the next VM-exit finds unchanged must be reported again. */
	vcpu->arch.boost.request_uaddr = NULL;
	kvm_vcpu_boost_set_request(vcpu, 0);
}

/**
 * kvm_vcpu_boost_thread_change - leave the thread KVM_RUN ran on
 * @vcpu: the vCPU, whose KVM_RUN now comes from another thread
 *
 * What was reported went to the old thread, which would keep its boost
 * until the slice ends, and the new one would not be told of a request the
 * guest made before: withdraw everything from the old thread, and read the
 * request again before the guest runs, which reports it to the new one.
 * Events made pending meanwhile are not reported, nor later: vcpu->pid
 * may still name the old thread until the KVM_RUN that follows has
 * replaced it, after an RCU grace period, and the new thread is on its way
 * into the guest, which takes them.
 *
 * Run whether or not the VM reports yet: its VMM may enable
 * KVM_CAP_VCPU_BOOST meanwhile.
 *
 * Context: Task, vcpu->mutex held, before vcpu->pid changes
 * (kvm_arch_vcpu_run_pid_change()).
 */
void kvm_vcpu_boost_thread_change(struct kvm_vcpu *vcpu)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&vcpu->arch.boost.report_lock, flags);
	vcpu->arch.boost.thread_change = true;
	raw_spin_unlock_irqrestore(&vcpu->arch.boost.report_lock, flags);
	__kvm_vcpu_boost_block(vcpu);
	/*
	 * Not at the next VM-exit: the guest would meanwhile see its grant
	 * withdrawn, for long with posted interrupts and few exits.
	 */
	if (kvm_vcpu_boost_area_usable(vcpu))
		kvm_make_request(KVM_REQ_VCPU_BOOST, vcpu);
}

/**
 * __kvm_vcpu_boost_thread_changed - report to the thread KVM_RUN moved to
 * @vcpu: the vCPU
 *
 * vcpu->pid names the new thread, and the RCU grace period that followed
 * the change has ended every report that found the old one.
 *
 * Context: Task, vcpu->mutex held, at the start of KVM_RUN.
 */
void __kvm_vcpu_boost_thread_changed(struct kvm_vcpu *vcpu)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&vcpu->arch.boost.report_lock, flags);
	vcpu->arch.boost.thread_change = false;
	raw_spin_unlock_irqrestore(&vcpu->arch.boost.report_lock, flags);
}

/**
 * __kvm_vcpu_boost_unblock - report again a request still set at wake-up
 * @vcpu: the vCPU
 *
 * Context: The vCPU's thread, process context, kvm->srcu held.
 */
void __kvm_vcpu_boost_unblock(struct kvm_vcpu *vcpu)
{
	kvm_vcpu_boost_sync(vcpu);
}
