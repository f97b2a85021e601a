/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vcpuboost: bounded priority boosts for the vCPU threads of a cgroup.
 *
 * Reporters (KVM) say that something latency-sensitive is pending for a task
 * and withdraw it when it has been handled; the vcpuboost cgroup controller
 * decides whether and how high the task is boosted, for how long, and charges
 * the boosted runtime to the cgroup's budget. Reporters hold no policy.
 */
#ifndef _LINUX_VCPUBOOST_H
#define _LINUX_VCPUBOOST_H

#include <linux/jump_label.h>
#include <linux/sched.h>
#include <linux/types.h>

struct task_struct;

/**
 * enum vcpuboost_trigger - what a report is about
 * @VCPUBOOST_TRIGGER_GUEST: the guest asked for a boost
 * @VCPUBOOST_TRIGGER_IRQ: an interrupt is pending for the vCPU
 * @VCPUBOOST_TRIGGER_TIMER: the vCPU's timer expired
 * @VCPUBOOST_TRIGGER_NMI: an NMI is pending for the vCPU
 * @VCPUBOOST_TRIGGER_UNHALT: another vCPU kicked this one out of halt
 * @NR_VCPUBOOST_TRIGGERS: number of triggers
 *
 * Each trigger has a key of the same name in vcpuboost.triggers.
 */
enum vcpuboost_trigger {
	VCPUBOOST_TRIGGER_GUEST,
	VCPUBOOST_TRIGGER_IRQ,
	VCPUBOOST_TRIGGER_TIMER,
	VCPUBOOST_TRIGGER_NMI,
	VCPUBOOST_TRIGGER_UNHALT,
	NR_VCPUBOOST_TRIGGERS,
};

/**
 * enum vcpuboost_end_reason - why a boost ended
 * @VCPUBOOST_END_EXPIRED: it lasted vcpuboost.slice
 * @VCPUBOOST_END_RETRACTED: every trigger that asked for it was withdrawn
 * @VCPUBOOST_END_REVOKED: the controller took it back (budget, ceiling or
 *	trigger change, migration, exit, SysRq-n)
 */
enum vcpuboost_end_reason {
	VCPUBOOST_END_EXPIRED,
	VCPUBOOST_END_RETRACTED,
	VCPUBOOST_END_REVOKED,
};

/* The highest level a report may ask for: SCHED_FIFO priority 99. */
#define VCPUBOOST_LEVEL_MAX	99

#ifdef CONFIG_CGROUP_VCPUBOOST

DECLARE_STATIC_KEY_FALSE(vcpuboost_enabled_key);

void __vcpuboost_report(struct task_struct *p, enum vcpuboost_trigger trigger,
			unsigned int level);
void __vcpuboost_retract(struct task_struct *p, enum vcpuboost_trigger trigger);

/**
 * vcpuboost_report - report that a trigger is pending for a task
 * @p: the task, typically a vCPU thread
 * @trigger: what is pending
 * @level: the SCHED_FIFO priority asked for, 1..%VCPUBOOST_LEVEL_MAX;
 *	0 retracts @trigger
 *
 * The controller of the vcpuboost cgroup of @p grants a boost to
 * min(@level, the cgroup's value for @trigger, its effective ceiling) unless
 * that is 0 or a budget on the way to the root is spent. Reporting a trigger
 * that is already pending has no effect. A boost lasts until every trigger
 * that asked for it has been retracted, or it is ended by the controller
 * (slice, budget, policy change, migration, exit). A report that was denied
 * or whose boost expired does not boost later; report again.
 *
 * Context: Any context, hardirq with interrupts off included, except with
 * a runqueue lock or @p's pi_lock held (a preempt notifier's sched_out,
 * say): a grant changes @p's priority, which takes both. @p must be pinned
 * by the caller (a reference or RCU). Takes only raw spinlocks, and costs
 * one patched-out branch while no cgroup has the controller enabled.
 */
static __always_inline void vcpuboost_report(struct task_struct *p,
					     enum vcpuboost_trigger trigger,
					     unsigned int level)
{
	if (static_branch_unlikely(&vcpuboost_enabled_key))
		__vcpuboost_report(p, trigger, level);
}

/**
 * vcpuboost_retract - withdraw a trigger reported for a task
 * @p: the task
 * @trigger: the trigger that has been handled
 *
 * Ends the boost of @p if no other trigger that asked for it is pending.
 * Retracting a trigger that is not pending has no effect.
 *
 * Context: Any context, hardirq with interrupts off included; see
 * vcpuboost_report().
 */
static __always_inline void vcpuboost_retract(struct task_struct *p,
					      enum vcpuboost_trigger trigger)
{
	if (static_branch_unlikely(&vcpuboost_enabled_key))
		__vcpuboost_retract(p, trigger);
}

/**
 * vcpuboost_granted - the level a task is boosted to now
 * @p: the task
 *
 * For reporters that show the guest what it got. The value may change at
 * any time.
 *
 * Return: the SCHED_FIFO priority of the boost of @p, 0 if none.
 */
static inline unsigned int vcpuboost_granted(struct task_struct *p)
{
	return READ_ONCE(p->vcpuboost_rt_priority);
}

bool vcpuboost_trigger_consumed(struct task_struct *p,
				enum vcpuboost_trigger trigger);

/* Called by the scheduler to charge a boosted task's runtime */
bool vcpuboost_charge(struct task_struct *p, u64 delta_exec);

void vcpuboost_revoke(struct task_struct *p);

#ifdef CONFIG_RT_MUTEXES
/* Called by the scheduler for a PI owner whose boost it did not trace */
void vcpuboost_pi_unresolved(struct task_struct *p);
/* Called by the controller's PI worker to trace it further, a turn at a time */
bool vcpuboost_pi_repair(struct task_struct *p, unsigned int *hops);
/* Called by the scheduler: does an ended grant still pay for a PI chain? */
bool vcpuboost_pi_draining(struct task_struct *q, int prio);
/* Called by the scheduler when PI changes a task's priority */
void vcpuboost_pi_prio_changed(struct task_struct *p, int prio);
#endif

#else /* !CONFIG_CGROUP_VCPUBOOST */

static inline void vcpuboost_report(struct task_struct *p,
				    enum vcpuboost_trigger trigger,
				    unsigned int level)
{
}

static inline void vcpuboost_retract(struct task_struct *p,
				     enum vcpuboost_trigger trigger)
{
}

static inline unsigned int vcpuboost_granted(struct task_struct *p)
{
	return 0;
}

static inline bool vcpuboost_trigger_consumed(struct task_struct *p,
					      enum vcpuboost_trigger trigger)
{
	return false;
}

static inline void vcpuboost_revoke(struct task_struct *p)
{
}

#endif /* CONFIG_CGROUP_VCPUBOOST */

#endif /* _LINUX_VCPUBOOST_H */
