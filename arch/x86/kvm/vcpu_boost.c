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
 * reported again until it has been retracted.
 */
#include <linux/kvm_host.h>
#include <linux/pid.h>
#include <linux/rcupdate.h>
#include <linux/vcpuboost.h>

#include "cpuid.h"
#include "vcpu_boost.h"

#define KVM_VCPU_BOOST_AREA	sizeof(struct kvm_vcpu_boost)

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

/* Read the guest's request where no fault may be taken. */
static bool kvm_vcpu_boost_read(struct kvm_vcpu *vcpu, u32 *request)
{
	struct gfn_to_pfn_cache *gpc = &vcpu->arch.boost.gpc;
	unsigned long flags;
	int idx;
	bool ok;

	/* kvm_gpc_check() looks at the memslots, which SRCU protects. */
	idx = srcu_read_lock(&vcpu->kvm->srcu);
	read_lock_irqsave(&gpc->lock, flags);
	ok = kvm_gpc_check(gpc, KVM_VCPU_BOOST_AREA);
	if (ok)
		*request = READ_ONCE(((struct kvm_vcpu_boost *)gpc->khva)->request);
	read_unlock_irqrestore(&gpc->lock, flags);
	srcu_read_unlock(&vcpu->kvm->srcu, idx);
	return ok;
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

/* Read the area now; if that needs a fault, let process context do it. */
static void kvm_vcpu_boost_sync(struct kvm_vcpu *vcpu)
{
	u32 request;

	if (!(vcpu->arch.boost.msr_val & KVM_MSR_ENABLED))
		return;
	if (kvm_vcpu_boost_read(vcpu, &request))
		kvm_vcpu_boost_set_request(vcpu, request);
	else
		kvm_make_request(KVM_REQ_VCPU_BOOST, vcpu);
}

/**
 * kvm_vcpu_boost_refresh - map the guest's area again, and read it
 * @vcpu: the vCPU
 *
 * For KVM_REQ_VCPU_BOOST: the area was found unmapped (memslot change,
 * page migration) where no fault could be taken, or was registered by the
 * host before the guest's memory existed.
 *
 * Context: Process context.
 */
void kvm_vcpu_boost_refresh(struct kvm_vcpu *vcpu)
{
	u64 gpa = vcpu->arch.boost.msr_val & ~KVM_VCPU_BOOST_RESERVED_MASK &
		  ~(u64)KVM_MSR_ENABLED;
	u32 request;

	if (!(vcpu->arch.boost.msr_val & KVM_MSR_ENABLED))
		return;
	/* Until the guest fixes its MSR, an unreadable area asks for nothing. */
	if (kvm_gpc_activate(&vcpu->arch.boost.gpc, gpa, KVM_VCPU_BOOST_AREA))
		return;
	if (kvm_vcpu_boost_read(vcpu, &request))
		kvm_vcpu_boost_set_request(vcpu, request);
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
	struct gfn_to_pfn_cache *gpc = &vcpu->arch.boost.gpc;

	if (data & KVM_VCPU_BOOST_RESERVED_MASK)
		return 1;
	if (!(data & KVM_MSR_ENABLED) && data)
		return 1;

	if (!data) {
		kvm_gpc_deactivate(gpc);
		vcpu->arch.boost.msr_val = 0;
		kvm_vcpu_boost_set_request(vcpu, 0);
		return 0;
	}

	if (!kvm_vcpu_is_legal_gpa(vcpu, gpa))
		return 1;

	if (data == vcpu->arch.boost.msr_val) {
		kvm_vcpu_boost_sync(vcpu);
		return 0;
	}

	if (!host_initiated && !kvm_is_gpa_in_memslot(vcpu->kvm, gpa))
		return 1;

	vcpu->arch.boost.msr_val = data;
	/* Write the level in force at the next entry, whatever it is. */
	vcpu->arch.boost.granted = U32_MAX;
	if (kvm_gpc_activate(gpc, gpa, KVM_VCPU_BOOST_AREA)) {
		if (!host_initiated) {
			kvm_gpc_deactivate(gpc);
			vcpu->arch.boost.msr_val = 0;
			return 1;
		}
		kvm_make_request(KVM_REQ_VCPU_BOOST, vcpu);
		return 0;
	}
	kvm_vcpu_boost_sync(vcpu);
	return 0;
}

/**
 * kvm_vcpu_boost_init - set up a new vCPU's state
 * @vcpu: the vCPU
 */
void kvm_vcpu_boost_init(struct kvm_vcpu *vcpu)
{
	kvm_gpc_init(&vcpu->arch.boost.gpc, vcpu->kvm);
}

/**
 * kvm_vcpu_boost_destroy - withdraw everything a vCPU going away reported
 * @vcpu: the vCPU
 */
void kvm_vcpu_boost_destroy(struct kvm_vcpu *vcpu)
{
	__kvm_vcpu_boost_block(vcpu);
	kvm_gpc_deactivate(&vcpu->arch.boost.gpc);
}

/**
 * __kvm_vcpu_boost_event - report that an event was made pending for a vCPU
 * @vcpu: the vCPU
 * @trigger: what the event is
 *
 * Not reported by the vCPU's own thread, which delivers the event on its
 * way into the guest, nor if @trigger was reported and not yet handled.
 * An interrupt handler that finds the vCPU's thread running on this CPU
 * (its timer's hrtimer, usually) does report: the thread may be preempted
 * before the guest has handled the event, by the very tick that comes
 * next, and then waits behind whatever runs; boosted, it keeps the CPU
 * until the guest's EOI retracts the boost.
 *
 * Context: Any, hardirq included.
 */
void __kvm_vcpu_boost_event(struct kvm_vcpu *vcpu, enum vcpuboost_trigger trigger)
{
	if (in_task() && vcpu == kvm_get_running_vcpu())
		return;
	if (test_and_set_bit(trigger, &vcpu->arch.boost.pending))
		return;
	kvm_vcpu_boost_report(vcpu, trigger, VCPUBOOST_LEVEL_MAX);
}

/**
 * __kvm_vcpu_boost_handled - retract an event the vCPU has handled
 * @vcpu: the vCPU
 * @trigger: what the event was
 *
 * Context: The vCPU's thread.
 */
void __kvm_vcpu_boost_handled(struct kvm_vcpu *vcpu, enum vcpuboost_trigger trigger)
{
	/* Every VM-entry gets here: no atomic write when nothing is pending. */
	if (test_bit(trigger, &vcpu->arch.boost.pending) &&
	    test_and_clear_bit(trigger, &vcpu->arch.boost.pending))
		kvm_vcpu_boost_report(vcpu, trigger, 0);
}

/**
 * __kvm_vcpu_boost_guest_exit - look at the guest's request after a VM-exit
 * @vcpu: the vCPU
 *
 * Called with interrupts off, before the vCPU's thread can be preempted, so
 * that a request made in guest mode is reported before the host decides
 * what to run next. This is also where a vCPU that is about to be
 * preempted has its request read: preempting a running vCPU needs a
 * VM-exit first.
 *
 * Context: The vCPU's thread, interrupts off.
 */
void __kvm_vcpu_boost_guest_exit(struct kvm_vcpu *vcpu)
{
	kvm_vcpu_boost_sync(vcpu);
}

/**
 * __kvm_vcpu_boost_guest_enter - before VM-entry
 * @vcpu: the vCPU
 *
 * A vCPU running again has handled a PV unhalt kick. The level in force is
 * written into the guest's area when it changed.
 *
 * Context: The vCPU's thread, preemption off.
 */
void __kvm_vcpu_boost_guest_enter(struct kvm_vcpu *vcpu)
{
	struct gfn_to_pfn_cache *gpc = &vcpu->arch.boost.gpc;
	unsigned int level = vcpuboost_granted(current);
	unsigned long flags;
	int idx;

	__kvm_vcpu_boost_handled(vcpu, VCPUBOOST_TRIGGER_UNHALT);

	if (!(vcpu->arch.boost.msr_val & KVM_MSR_ENABLED) ||
	    level == vcpu->arch.boost.granted)
		return;

	idx = srcu_read_lock(&vcpu->kvm->srcu);
	read_lock_irqsave(&gpc->lock, flags);
	if (kvm_gpc_check(gpc, KVM_VCPU_BOOST_AREA)) {
		WRITE_ONCE(((struct kvm_vcpu_boost *)gpc->khva)->granted, level);
		kvm_gpc_mark_dirty_in_slot(gpc);
		vcpu->arch.boost.granted = level;
	} else {
		kvm_make_request(KVM_REQ_VCPU_BOOST, vcpu);
	}
	read_unlock_irqrestore(&gpc->lock, flags);
	srcu_read_unlock(&vcpu->kvm->srcu, idx);
}

/**
 * __kvm_vcpu_boost_block - withdraw every trigger of a vCPU that blocks
 * @vcpu: the vCPU
 *
 * A halted vCPU needs no boost until something wakes it, and what wakes
 * it is reported afresh.
 *
 * Context: The vCPU's thread.
 */
void __kvm_vcpu_boost_block(struct kvm_vcpu *vcpu)
{
	int t;

	for (t = 0; t < NR_VCPUBOOST_TRIGGERS; t++)
		__kvm_vcpu_boost_handled(vcpu, t);
	kvm_vcpu_boost_set_request(vcpu, 0);
}

/**
 * __kvm_vcpu_boost_unblock - report again a request still set at wake-up
 * @vcpu: the vCPU
 *
 * Context: The vCPU's thread, process context.
 */
void __kvm_vcpu_boost_unblock(struct kvm_vcpu *vcpu)
{
	kvm_vcpu_boost_sync(vcpu);
}
