/* SPDX-License-Identifier: GPL-2.0 */
/*
 * KVM's side of vcpuboost: report, never decide. See vcpu_boost.c.
 */
#ifndef ARCH_X86_KVM_VCPU_BOOST_H
#define ARCH_X86_KVM_VCPU_BOOST_H

#include <linux/kvm_host.h>
#include <linux/uaccess.h>
#include <linux/vcpuboost.h>

#ifdef CONFIG_CGROUP_VCPUBOOST

void kvm_vcpu_boost_init_vm(struct kvm *kvm);
void kvm_vcpu_boost_init_vcpu(struct kvm_vcpu *vcpu);
int kvm_vcpu_boost_enable_cap(struct kvm *kvm, struct kvm_enable_cap *cap);
int kvm_vcpu_boost_set_msr(struct kvm_vcpu *vcpu, u64 data, bool host_initiated);
void kvm_vcpu_boost_destroy(struct kvm_vcpu *vcpu);
void kvm_vcpu_boost_refresh(struct kvm_vcpu *vcpu);
void __kvm_vcpu_boost_event(struct kvm_vcpu *vcpu, enum vcpuboost_trigger trigger,
			    u32 handled);
void __kvm_vcpu_boost_handled(struct kvm_vcpu *vcpu, unsigned long triggers);
void __kvm_vcpu_boost_guest_exit(struct kvm_vcpu *vcpu);
void __kvm_vcpu_boost_guest_enter(struct kvm_vcpu *vcpu);
void __kvm_vcpu_boost_block(struct kvm_vcpu *vcpu);
void __kvm_vcpu_boost_unblock(struct kvm_vcpu *vcpu);
void kvm_vcpu_boost_thread_change(struct kvm_vcpu *vcpu);
void __kvm_vcpu_boost_thread_changed(struct kvm_vcpu *vcpu);

/*
 * Does @vcpu's VM report? Its VMM enabled KVM_CAP_VCPU_BOOST, or the host
 * had set kvm.vcpu_boost when it was created. Without either, each hook is
 * one predictable branch.
 */
static inline bool kvm_vcpu_boost_enabled(struct kvm_vcpu *vcpu)
{
	return unlikely(READ_ONCE(vcpu->kvm->arch.vcpu_boost));
}

/*
 * Before @trigger is made pending for @vcpu: how often the vCPU has handled
 * it so far, for kvm_vcpu_boost_event(). Read before the event is made
 * pending, so that a vCPU that handles the event before it is reported is
 * seen to have done so.
 */
static inline u32 kvm_vcpu_boost_event_begin(struct kvm_vcpu *vcpu,
					     enum vcpuboost_trigger trigger)
{
	if (!kvm_vcpu_boost_enabled(vcpu))
		return 0;
	/*
	 * Only to order this load before the stores that make the event
	 * pending; nothing releases the count.
	 */
	return smp_load_acquire(&vcpu->arch.boost.nr_handled[trigger]);
}

/*
 * @trigger was made pending for @vcpu, which had handled it @handled times
 * before (kvm_vcpu_boost_event_begin()). Any context.
 */
static inline void kvm_vcpu_boost_event(struct kvm_vcpu *vcpu,
					enum vcpuboost_trigger trigger,
					u32 handled)
{
	if (kvm_vcpu_boost_enabled(vcpu))
		__kvm_vcpu_boost_event(vcpu, trigger, handled);
}

/*
 * @vcpu has handled the events of @triggers, a mask of BIT(trigger). With
 * vcpu->mutex held: in KVM_RUN, or a vCPU ioctl.
 */
static inline void kvm_vcpu_boost_handled(struct kvm_vcpu *vcpu,
					  unsigned long triggers)
{
	if (kvm_vcpu_boost_enabled(vcpu))
		__kvm_vcpu_boost_handled(vcpu, triggers);
}

/*
 * After a VM-exit, interrupts off, before the vCPU can be preempted. A VM
 * that reports but whose guest registered no area (a stock guest under
 * kvm.vcpu_boost=1) has nothing to read.
 *
 * Every VM-exit of a guest that registered an area comes here, and nearly
 * always finds its request unchanged. That case reads where the last
 * validated read did, and compares with what it read, without an SRCU
 * read section: the memslot sets are embedded in struct kvm, so their
 * generation can be read without one, and the memslots that a memslot
 * update publishes carry another generation from that moment on.
 * KVM_RUN runs only in the VM's mm, so the address is the VMM's. Anything
 * else takes the validated path.
 */
static inline bool kvm_vcpu_boost_request_unchanged(struct kvm_vcpu *vcpu)
{
	struct kvm_memslots *slots = rcu_dereference_raw(vcpu->kvm->memslots[0]);
	u32 __user *uaddr = vcpu->arch.boost.request_uaddr;
	bool unchanged = false;
	u32 request;

	if (!uaddr ||
	    READ_ONCE(slots->generation) != vcpu->arch.boost.cache.generation)
		return false;
	pagefault_disable();
	if (can_do_masked_user_access())
		uaddr = masked_user_access_begin(uaddr);
	else if (!user_access_begin(uaddr, sizeof(*uaddr)))
		goto out;
	unsafe_get_user(request, uaddr, end);
	unchanged = request == vcpu->arch.boost.request_read;
end:
	user_access_end();
out:
	pagefault_enable();
	return unchanged;
}

static inline void kvm_vcpu_boost_guest_exit(struct kvm_vcpu *vcpu)
{
	if (kvm_vcpu_boost_enabled(vcpu) &&
	    !kvm_vcpu_boost_request_unchanged(vcpu) &&
	    (vcpu->arch.boost.msr_val & KVM_MSR_ENABLED))
		__kvm_vcpu_boost_guest_exit(vcpu);
}

/*
 * Before VM-entry, with preemption off. Inline, the common case of every
 * VM-entry: no PV unhalt kick to retract, and no area read yet (a new one
 * is written when it is first read), or the level in force already in it.
 */
static inline void kvm_vcpu_boost_guest_enter(struct kvm_vcpu *vcpu)
{
	if (kvm_vcpu_boost_enabled(vcpu) &&
	    (test_bit(VCPUBOOST_TRIGGER_UNHALT, &vcpu->arch.boost.pending) ||
	     (vcpu->arch.boost.request_uaddr &&
	      vcpuboost_granted(current) != vcpu->arch.boost.granted)))
		__kvm_vcpu_boost_guest_enter(vcpu);
}

/* Before and after the vCPU blocks (HLT). */
static inline void kvm_vcpu_boost_block(struct kvm_vcpu *vcpu)
{
	if (kvm_vcpu_boost_enabled(vcpu))
		__kvm_vcpu_boost_block(vcpu);
}

static inline void kvm_vcpu_boost_unblock(struct kvm_vcpu *vcpu)
{
	if (kvm_vcpu_boost_enabled(vcpu))
		__kvm_vcpu_boost_unblock(vcpu);
}

/* At the start of a KVM_RUN that kvm_vcpu_boost_thread_change() preceded. */
static inline void kvm_vcpu_boost_thread_changed(struct kvm_vcpu *vcpu)
{
	if (unlikely(READ_ONCE(vcpu->arch.boost.thread_change)))
		__kvm_vcpu_boost_thread_changed(vcpu);
}

#else /* !CONFIG_CGROUP_VCPUBOOST */

static inline bool kvm_vcpu_boost_enabled(struct kvm_vcpu *vcpu)
{
	return false;
}

static inline void kvm_vcpu_boost_init_vm(struct kvm *kvm) {}
static inline void kvm_vcpu_boost_init_vcpu(struct kvm_vcpu *vcpu) {}

static inline int kvm_vcpu_boost_enable_cap(struct kvm *kvm,
					    struct kvm_enable_cap *cap)
{
	return -EINVAL;
}

/* Only vCPU reset gets here: KVM neither lists nor emulates the MSR. */
static inline int kvm_vcpu_boost_set_msr(struct kvm_vcpu *vcpu, u64 data,
					 bool host_initiated)
{
	return data || !host_initiated;
}

static inline void kvm_vcpu_boost_destroy(struct kvm_vcpu *vcpu) {}
static inline void kvm_vcpu_boost_refresh(struct kvm_vcpu *vcpu) {}
static inline u32 kvm_vcpu_boost_event_begin(struct kvm_vcpu *vcpu,
					     enum vcpuboost_trigger trigger)
{
	return 0;
}

static inline void kvm_vcpu_boost_event(struct kvm_vcpu *vcpu,
					enum vcpuboost_trigger trigger,
					u32 handled) {}
static inline void kvm_vcpu_boost_handled(struct kvm_vcpu *vcpu,
					  unsigned long triggers) {}
static inline void kvm_vcpu_boost_guest_exit(struct kvm_vcpu *vcpu) {}
static inline void kvm_vcpu_boost_guest_enter(struct kvm_vcpu *vcpu) {}
static inline void kvm_vcpu_boost_block(struct kvm_vcpu *vcpu) {}
static inline void kvm_vcpu_boost_unblock(struct kvm_vcpu *vcpu) {}
static inline void kvm_vcpu_boost_thread_change(struct kvm_vcpu *vcpu) {}
static inline void kvm_vcpu_boost_thread_changed(struct kvm_vcpu *vcpu) {}

#endif /* CONFIG_CGROUP_VCPUBOOST */

#endif /* ARCH_X86_KVM_VCPU_BOOST_H */
