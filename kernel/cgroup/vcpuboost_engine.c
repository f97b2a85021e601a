// SPDX-License-Identifier: GPL-2.0-only
/*
 * vcpuboost engine: turns reports into bounded, accounted boosts.
 *
 * A report records a pending trigger on the task; the task is boosted to
 * the highest level its pending triggers earn (vcpuboost_grant_level()) and
 * stays boosted until they are retracted, its slice expires, or a budget,
 * policy change, migration, exit or SysRq-n revokes it. The boost is a
 * priority overlay applied by sched_set_vcpuboost(); the scheduler charges
 * the runtime a boosted task uses to its cgroup and every ancestor with a
 * budget (vcpuboost_charge()), and a cgroup that spends its budget is
 * throttled until its period timer refills it.
 *
 * A budget is handed to CPUs in slices, as CFS bandwidth control hands out
 * cpu.max: each CPU's pool (struct vcpuboost_pool) takes its share of what
 * is left, at least a slice, when it runs short, takes back what other
 * pools hold beyond their windows when the budget runs out, and at the
 * next period keeps only what backs its windows. A grant takes its
 * enforcement window out of the pools of its task's CPU and is charged
 * there, so that boosts under a budget many vCPUs share take their pools'
 * locks, which other CPUs rarely touch, and the budget's only once a
 * slice.
 *
 * Locking, outermost first:
 *
 *   vcpuboost_task.lock		one task's triggers and grant
 *     p->pi_lock, rq->lock		sched_set_vcpuboost(), task_sched_runtime()
 *       vcpuboost_cgroup.lock		budget, boosted list, counters
 *         vcpuboost_pool.lock		one CPU's share of the budget
 *         hrtimer base
 *
 * All are raw spinlocks, so reports may come from hardirq context, also on
 * PREEMPT_RT. vcpuboost_charge() runs with the rq lock held (or, for a PI
 * owner, from the PI worker with interrupts off) and so never takes a
 * task's lock: it relies on the grant's cgroup staying put while
 * p->vcpuboost_rt_priority is set, and ends boosts by firing their timers.
 */
#include <linux/cgroup.h>
#include <linux/hrtimer.h>
#include <linux/irq_work.h>
#include <linux/kthread.h>
#include <linux/llist.h>
#include <linux/percpu.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/cputime.h>
#include <linux/sched/isolation.h>
#include <linux/sched/rt.h>
#include <linux/sched/task.h>
#include <uapi/linux/sched/types.h>
#include <linux/slab.h>

#include "vcpuboost-internal.h"

#define CREATE_TRACE_POINTS
#include <trace/events/vcpuboost.h>

/* Why a task's grant is being looked at again */
enum vcpuboost_cause {
	VCPUBOOST_CAUSE_REPORT,
	VCPUBOOST_CAUSE_RETRACT,
	/* Policy, budget or timer: may only keep, raise or end the grant */
	VCPUBOOST_CAUSE_POLICY,
};

static enum hrtimer_restart vcpuboost_task_timer_fn(struct hrtimer *timer);
static void vcpuboost_timer_move_fn(struct irq_work *work);

/*
 * Reports for tasks outside every vcpuboost cgroup, which the controller
 * does not manage: counted per CPU, so that a host whose every VM reports
 * takes no shared lock for them, and shown in the root's vcpuboost.stat.
 */
struct vcpuboost_unmanaged {
	u64				reports[NR_VCPUBOOST_TRIGGERS];
};

static DEFINE_PER_CPU(struct vcpuboost_unmanaged, vcpuboost_unmanaged);

/*
 * Boosted or unboosted tasks that are blocked on an rt_mutex, whose owner's
 * inherited priority has to follow: see vcpuboost_set_prio(). The worker
 * is SCHED_DEADLINE: an owner that a boost made real-time, at up to FIFO
 * 99, and other real-time tasks on the other CPUs must not keep off every
 * CPU the worker that ends that boost. Only a deadline task preempts them,
 * as soon as it wakes. It may take 200 us every 10 ms (2% of a CPU), with
 * an implicit deadline, so that a wakeup is throttled only once it used
 * its runtime: a chain walk drops its locks at every step, so one
 * throttled midway goes on in a later period. The repairs of PI owners
 * the scheduler could not trace to a grant share that time, a few at a
 * time behind these.
 */
#define VCPUBOOST_PI_RUNTIME_NS		(200 * NSEC_PER_USEC)
#define VCPUBOOST_PI_PERIOD_NS		(10 * NSEC_PER_MSEC)

static LIST_HEAD(vcpuboost_pi_list);
static DEFINE_RAW_SPINLOCK(vcpuboost_pi_lock);
static struct kthread_worker *vcpuboost_pi_worker;

static void vcpuboost_pi_fn(struct kthread_work *work)
{
	struct vcpuboost_task *vt;
	struct task_struct *p;

	for (;;) {
		raw_spin_lock_irq(&vcpuboost_pi_lock);
		vt = list_first_entry_or_null(&vcpuboost_pi_list,
					      struct vcpuboost_task, pi_node);
		if (!vt) {
			raw_spin_unlock_irq(&vcpuboost_pi_lock);
			return;
		}
		list_del_init(&vt->pi_node);
		/* vcpuboost_task_free() unlists it first: the task is there. */
		p = vt->task;
		get_task_struct(p);
		raw_spin_unlock_irq(&vcpuboost_pi_lock);

		rt_mutex_adjust_pi(p);
		put_task_struct(p);
		cond_resched();
	}
}

static DEFINE_KTHREAD_WORK(vcpuboost_pi_work, vcpuboost_pi_fn);

static void *vcpuboost_pi_waiter(struct task_struct *p)
{
#ifdef CONFIG_RT_MUTEXES
	return READ_ONCE(p->pi_blocked_on);
#else
	return NULL;
#endif
}

static bool vcpuboost_pi_blocked(struct task_struct *p)
{
	return vcpuboost_pi_waiter(p);
}

/*
 * Apply a grant's level to the task. A task blocked on an rt_mutex donates
 * its priority to the lock's owner, so the chain has to follow, or the
 * owner keeps a priority nobody granted, uncharged, for as long as it holds
 * the lock. rt_mutex_adjust_pi() walks the whole chain, which is no job for
 * hardirq context, where most reports come from: a work item does it. A
 * task that blocks after pi_blocked_on was read here queues its waiter
 * with the new priority anyway; one that was just woken costs a walk that
 * finds nothing to do.
 */
static void vcpuboost_set_prio(struct vcpuboost_task *vt, unsigned int level)
{
	unsigned long flags;

	sched_set_vcpuboost(vt->task, level);
	if (!vcpuboost_pi_blocked(vt->task) || !vcpuboost_pi_worker)
		return;

	raw_spin_lock_irqsave(&vcpuboost_pi_lock, flags);
	if (list_empty(&vt->pi_node))
		list_add_tail(&vt->pi_node, &vcpuboost_pi_list);
	raw_spin_unlock_irqrestore(&vcpuboost_pi_lock, flags);
	kthread_queue_work(vcpuboost_pi_worker, &vcpuboost_pi_work);
}

/*
 * Make @vb, whose grant at @level ends, the one that pays for the runtime
 * of PI owners still at its priority, or (@vb NULL) end the drain. Those
 * owners are reached by a walk of the PI worker, which may stop at
 * max_lock_depth and be taken further only later; whatever they run at
 * the ended grant's priority meanwhile is that grant's, not the next
 * grant's that a search up their chain finds, which may be another
 * cgroup's. The drain lasts until the task's next grant, until it is seen
 * unblocked, or its exit; and it counts only while PI leaves the task's
 * priority alone (vcpuboost_pi_draining()), so that a drain left over from
 * an earlier grant is not taken for a later boost passed on through the
 * task by PI.
 */
static void vcpuboost_drain_set(struct vcpuboost_task *vt,
				struct vcpuboost_cgroup *vb, unsigned int level)
{
	struct vcpuboost_cgroup *old = vt->drain_vb;

	lockdep_assert_held(&vt->lock);
	if (!vb && !old)
		return;
	if (vb)
		css_get(&vb->css);
	/*
	 * Read locklessly, under RCU, which keeps a cgroup whose reference
	 * is dropped here: vcpuboost_pi_draining(), vcpuboost_charge().
	 */
	WRITE_ONCE(vt->drain_seq, READ_ONCE(vt->pi_seq));
	WRITE_ONCE(vt->drain_level, level);
	WRITE_ONCE(vt->drain_waiter, vcpuboost_pi_waiter(vt->task));
	/* Pairs with smp_load_acquire() in vcpuboost_pi_draining(). */
	smp_store_release(&vt->drain_vb, vb);
	if (old)
		css_put(&old->css);
}

/*
 * Before @vt's grant is lowered to @level: see vcpuboost_drain_set(). Not
 * for a grant that never raised the task (its window could not be armed).
 */
static void vcpuboost_drain_lowering(struct vcpuboost_task *vt,
				     unsigned int level)
{
	if (level < vt->level &&
	    READ_ONCE(vt->task->vcpuboost_rt_priority) == vt->level &&
	    vcpuboost_pi_blocked(vt->task))
		vcpuboost_drain_set(vt, vt->vb, vt->level);
}

/* No search reaches a task that waits no more: unpin the cgroup. */
static void vcpuboost_drain_unblocked(struct vcpuboost_task *vt)
{
	if (vt->drain_vb && !vcpuboost_pi_blocked(vt->task))
		vcpuboost_drain_set(vt, NULL, 0);
}

#ifdef CONFIG_RT_MUTEXES
/**
 * vcpuboost_pi_draining - does a task's ended grant give a priority?
 * @q: a PI donor, up the chain of a task at @prio, now at another priority
 * @prio: that task's priority
 *
 * True if @q's last grant ended while @q was blocked, at @prio, and no
 * priority inherited by @q changed since: the chain below @q still runs at
 * that grant's priority, and vcpuboost_charge() charges it to that grant's
 * cgroup. The fields are read unlocked: a drain replaced meanwhile is
 * another of @q's ended grants.
 *
 * Context: The scheduler's PI accounting, under RCU.
 *
 * Return: true if @q drains a grant at @prio.
 */
bool vcpuboost_pi_draining(struct task_struct *q, int prio)
{
	struct vcpuboost_task *vt = READ_ONCE(q->vcpuboost);
	unsigned int level;

	lockdep_assert_in_rcu_reader();
	/* Pairs with smp_store_release() in vcpuboost_drain_set(). */
	if (!vt || !smp_load_acquire(&vt->drain_vb))
		return false;
	/* PI gave @q this priority since: the chain inherits that, not this. */
	if (READ_ONCE(vt->drain_seq) != READ_ONCE(vt->pi_seq))
		return false;
	/* Compared, never followed: @q waits no more, or elsewhere. */
	if (READ_ONCE(vt->drain_waiter) != READ_ONCE(q->pi_blocked_on))
		return false;
	level = READ_ONCE(vt->drain_level);
	return level && prio == MAX_RT_PRIO - 1 - level;
}

/**
 * vcpuboost_pi_prio_changed - note that PI changes a task's priority
 * @p: the task, whose priority rt_mutex_setprio() changes
 * @prio: its new priority
 *
 * PI giving @p the priority a drain of @p's stands for ends the drain's
 * say (vcpuboost_pi_draining()): the chain below inherits a boost passed
 * on through @p then, which a drain left over from an earlier grant must
 * not be charged for. Other changes leave it: a user who changes what
 * @p inherits below that priority does not move the charge.
 *
 * Context: rt_mutex_setprio(), @p's pi_lock and rq lock held.
 */
void vcpuboost_pi_prio_changed(struct task_struct *p, int prio)
{
	/* Interrupts are off: RCU keeps a state being released. */
	struct vcpuboost_task *vt = READ_ONCE(p->vcpuboost);
	unsigned int level;

	if (!vt || !READ_ONCE(vt->drain_vb))
		return;
	level = READ_ONCE(vt->drain_level);
	if (level && prio == MAX_RT_PRIO - 1 - level)
		WRITE_ONCE(vt->pi_seq, vt->pi_seq + 1);
}

/*
 * PI owners whose boost the scheduler did not trace to a grant, each with a
 * reference, for the PI worker to look further (vcpuboost_pi_repair()).
 */
static LLIST_HEAD(vcpuboost_pi_unresolved_list);

/* Turns of repairs a work item takes, at most. */
#define VCPUBOOST_PI_REPAIR_TURNS	8

/*
 * The owner whose repair is under way, with the reference the list gave
 * it, and the owners taken off the list after it, oldest first, so that
 * none waits behind ever newer ones. vcpuboost_pi_repair() keeps the
 * search of one repair between turns: the worker ends one repair before
 * it begins the next.
 */
static struct task_struct *vcpuboost_pi_repairing;
static struct llist_node *vcpuboost_pi_repair_next;

static struct task_struct *vcpuboost_pi_repair_take(void)
{
	struct llist_node *node = vcpuboost_pi_repair_next;

	if (!node)
		node = llist_reverse_order(llist_del_all(&vcpuboost_pi_unresolved_list));
	if (!node)
		return NULL;
	vcpuboost_pi_repair_next = node->next;
	/* From here on vcpuboost_pi_unresolved() may queue it again. */
	init_llist_node(node);
	return container_of(node, struct task_struct, vcpuboost_pi_node);
}

static void vcpuboost_pi_repair_fn(struct kthread_work *work)
{
	struct task_struct *p;
	unsigned int hops;
	bool done;
	int i;

	for (i = 0; i < VCPUBOOST_PI_REPAIR_TURNS; i++) {
		/*
		 * Deboosts first: vcpuboost_set_prio() queues their work item
		 * once it listed them, so this one goes in behind it. Unlocked:
		 * one listed meanwhile waits for a turn.
		 */
		if (data_race(!list_empty(&vcpuboost_pi_list)))
			break;
		p = vcpuboost_pi_repairing ?: vcpuboost_pi_repair_take();
		if (!p)
			return;
		done = vcpuboost_pi_repair(p, &hops);
		trace_vcpuboost_pi_repair(p, hops, done);
		vcpuboost_pi_repairing = done ? NULL : p;
		if (done)
			put_task_struct(p);
		cond_resched();
	}
	kthread_queue_work(vcpuboost_pi_worker, work);
}

static DEFINE_KTHREAD_WORK(vcpuboost_pi_repair_work, vcpuboost_pi_repair_fn);

/* Out of the rq lock, which waking the worker would take again. */
static void vcpuboost_pi_repair_queue(struct irq_work *work)
{
	kthread_queue_work(vcpuboost_pi_worker, &vcpuboost_pi_repair_work);
}

/* Hard: on PREEMPT_RT, an irq_work thread waits behind a boosted owner. */
static struct irq_work vcpuboost_pi_repair_irq_work =
	IRQ_WORK_INIT_HARD(vcpuboost_pi_repair_queue);

/**
 * vcpuboost_pi_unresolved - have the PI worker trace a PI owner's boost
 * @p: a task being accounted, at a real-time priority inherited through
 *	PI, whose donor's grant vcpuboost_pi_charge() did not find
 *
 * Context: the scheduler, with the rq lock of @p's CPU held. Only the PI
 * worker takes tasks off the list (vcpuboost_pi_repair_take()), and that
 * lock keeps others from adding @p meanwhile.
 */
void vcpuboost_pi_unresolved(struct task_struct *p)
{
	if (!vcpuboost_pi_worker)
		return;
	/*
	 * Also while @p is in the batch the worker took off, up to its
	 * init_llist_node(): it repairs @p after that, with what @p ran by
	 * then, and vcpuboost_pi_charge() queues @p again at the next batch.
	 */
	if (data_race(llist_on_list(&p->vcpuboost_pi_node)))
		return;
	/* Dropped by the worker once it has looked at @p. */
	get_task_struct(p);
	llist_add(&p->vcpuboost_pi_node, &vcpuboost_pi_unresolved_list);
	irq_work_queue(&vcpuboost_pi_repair_irq_work);
}
#endif

static int __init vcpuboost_pi_init(void)
{
	struct sched_attr attr = {
		.size		= sizeof(attr),
		.sched_policy	= SCHED_DEADLINE,
		.sched_runtime	= VCPUBOOST_PI_RUNTIME_NS,
		.sched_deadline	= VCPUBOOST_PI_PERIOD_NS,
		.sched_period	= VCPUBOOST_PI_PERIOD_NS,
	};
	struct kthread_worker *worker;

	worker = kthread_create_worker(0, "vcpuboost_pi");
	if (IS_ERR(worker)) {
		pr_warn("vcpuboost: no PI worker (%pe): PI owners keep boosts until they unlock\n",
			worker);
		return PTR_ERR(worker);
	}
	/*
	 * The scheduler lets no user give a deadline task less than its
	 * root domain's CPUs, and this series does not either: where
	 * nohz_full= keeps kthreads off some CPUs of the scheduling domains,
	 * the worker stays FIFO, and an ended boost may wait for it as for
	 * any FIFO 50 task.
	 */
	if (!cpumask_subset(housekeeping_cpumask(HK_TYPE_DOMAIN),
			    worker->task->cpus_ptr)) {
		pr_info("vcpuboost: PI worker confined to housekeeping CPUs: SCHED_FIFO, not SCHED_DEADLINE\n");
		sched_set_fifo(worker->task);
	} else if (WARN_ON_ONCE(sched_setattr_nocheck(worker->task, &attr))) {
		/*
		 * Only the fair servers hold deadline bandwidth this early, and
		 * _nocheck skips the permission, affinity and zero-bandwidth
		 * checks: only the admission test is left, which 2% passes.
		 */
		sched_set_fifo(worker->task);
	}
	vcpuboost_pi_worker = worker;
	return 0;
}
subsys_initcall(vcpuboost_pi_init);

/**
 * vcpuboost_task_prepare - give a task the state the engine needs
 * @p: a task about to enter a non-root vcpuboost cgroup
 *
 * Done where allocation may sleep and fail cleanly (can_attach, can_fork),
 * so that reports, which may come from hardirq, never allocate. The state
 * lives until the task is released.
 *
 * Return: 0 or -ENOMEM.
 */
int vcpuboost_task_prepare(struct task_struct *p)
{
	struct vcpuboost_task *vt;

	if (p->vcpuboost)
		return 0;

	vt = kzalloc(sizeof(*vt), GFP_KERNEL);
	if (!vt)
		return -ENOMEM;

	raw_spin_lock_init(&vt->lock);
	vt->task = p;
	INIT_LIST_HEAD(&vt->node);
	INIT_LIST_HEAD(&vt->revalidate_node);
	INIT_LIST_HEAD(&vt->pi_node);
	hrtimer_init(&vt->timer, CLOCK_MONOTONIC, HRTIMER_MODE_ABS_HARD);
	vt->timer.function = vcpuboost_task_timer_fn;
	vt->timer_move = IRQ_WORK_INIT_HARD(vcpuboost_timer_move_fn);

	/* Reporters find it locklessly: publish it initialized. */
	smp_store_release(&p->vcpuboost, vt);
	return 0;
}

/**
 * vcpuboost_task_free - free a task's engine state
 * @p: a task being released, or whose fork failed
 *
 * Its boost ended at exit, if it ever ran; RCU keeps the state for reporters
 * that found it before it was unpublished.
 */
void vcpuboost_task_free(struct task_struct *p)
{
	struct vcpuboost_task *vt = p->vcpuboost;
	unsigned long flags;

	if (!vt)
		return;
	WRITE_ONCE(p->vcpuboost, NULL);
	/* Dropped at exit; a task whose fork failed never had one. */
	if (WARN_ON_ONCE(vt->drain_vb))
		css_put(&vt->drain_vb->css);
	/*
	 * The boost ended at exit: only a timer firing for a boost in force
	 * queues a move, and only a move of a boost in force starts the
	 * timer again.
	 */
	irq_work_sync(&vt->timer_move);
	hrtimer_cancel(&vt->timer);
	/* No boost changes after exit: only the worker may unlist it now. */
	if (!list_empty_careful(&vt->pi_node)) {
		raw_spin_lock_irqsave(&vcpuboost_pi_lock, flags);
		list_del_init(&vt->pi_node);
		raw_spin_unlock_irqrestore(&vcpuboost_pi_lock, flags);
	}
	kfree_rcu(vt, rcu);
}

/* The triggers that may boost: pending, and not consumed by an earlier boost */
static unsigned long vcpuboost_pending(struct vcpuboost_task *vt)
{
	unsigned long pending = 0;
	int t;

	for (t = 0; t < NR_VCPUBOOST_TRIGGERS; t++)
		if (vt->requested[t])
			pending |= BIT(t);
	return pending & ~vt->consumed;
}

/* Is boosting stopped for @vb by a spent or zero budget on the way up? */
static bool vcpuboost_budget_blocked(struct vcpuboost_cgroup *vb)
{
	for (; parent_vcpuboost(vb); vb = parent_vcpuboost(vb))
		if (READ_ONCE(vb->throttled) || !READ_ONCE(vb->max_us))
			return true;
	return false;
}

/*
 * End every boost below a throttled cgroup. The caller may hold an rq lock,
 * so the boosts are ended by their own timers, fired now.
 */
static void vcpuboost_kick_subtree(struct vcpuboost_cgroup *top)
{
	struct cgroup_subsys_state *pos;
	struct vcpuboost_task *vt;

	rcu_read_lock();
	css_for_each_descendant_pre(pos, &top->css) {
		struct vcpuboost_cgroup *vb = css_vcpuboost(pos);

		raw_spin_lock(&vb->lock);
		list_for_each_entry(vt, &vb->boosted, node)
			hrtimer_start(&vt->timer, 0, HRTIMER_MODE_REL_HARD);
		raw_spin_unlock(&vb->lock);
	}
	rcu_read_unlock();
}

/**
 * vcpuboost_events_fn - notify the events files of a throttled cgroup
 * @work: the cgroup's events_work
 *
 * cgroup_file_notify() takes a spinlock_t and wakes pollers: not something
 * to do under an rq lock, nor in hardirq context on PREEMPT_RT.
 */
void vcpuboost_events_fn(struct irq_work *work)
{
	struct vcpuboost_cgroup *vb =
		container_of(work, struct vcpuboost_cgroup, events_work);

	cgroup_file_notify(&vb->events_local_file);
	for (; parent_vcpuboost(vb); vb = parent_vcpuboost(vb))
		cgroup_file_notify(&vb->events_file);
}

static void vcpuboost_throttled(struct vcpuboost_cgroup *vb, s64 runtime_ns)
{
	struct vcpuboost_cgroup *pos;

	trace_vcpuboost_throttle(cgroup_id(vb->css.cgroup), runtime_ns);
	atomic64_inc(&vb->events_local_throttled);
	for (pos = vb; parent_vcpuboost(pos); pos = parent_vcpuboost(pos))
		atomic64_inc(&pos->events_throttled);
	irq_work_queue(&vb->events_work);
	vcpuboost_kick_subtree(vb);
}

/*
 * A new period: what the pools hold is gone, but for what backs the
 * windows in force, whose runtime is charged in the new period and so is
 * taken out of its budget first. Returns what the windows hold.
 */
static s64 vcpuboost_period_refill(struct vcpuboost_cgroup *vb)
{
	s64 held_ns = 0;
	int cpu;

	lockdep_assert_held(&vb->lock);
	for_each_possible_cpu(cpu) {
		struct vcpuboost_pool *pool = per_cpu_ptr(vb->pool, cpu);

		raw_spin_lock(&pool->lock);
		pool->runtime_ns = pool->reserved_ns;
		held_ns += pool->reserved_ns;
		raw_spin_unlock(&pool->lock);
	}
	vb->runtime_ns = vb->quota_ns - held_ns;
	return held_ns;
}

static void vcpuboost_period_start(struct vcpuboost_cgroup *vb)
{
	lockdep_assert_held(&vb->lock);

	vb->period_active = true;
	vcpuboost_period_refill(vb);
	hrtimer_start(&vb->period_timer, ns_to_ktime(vb->period_ns),
		      HRTIMER_MODE_REL_HARD);
}

/* Does @vb have a budget of its own to enforce? */
static bool vcpuboost_budget_finite(struct vcpuboost_cgroup *vb)
{
	return READ_ONCE(vb->max_us) != VCPUBOOST_BUDGET_INF &&
	       READ_ONCE(vb->quota_ns) != VCPUBOOST_BUDGET_INF;
}

/* What @pool holds beyond its windows. */
static s64 vcpuboost_pool_spare(struct vcpuboost_pool *pool)
{
	lockdep_assert_held(&pool->lock);
	return pool->runtime_ns - pool->reserved_ns;
}

/*
 * A budget that runs out while other CPUs' pools hold some of it beyond
 * their windows takes that back before anything is refused or throttled.
 */
static void vcpuboost_pool_reclaim(struct vcpuboost_cgroup *vb)
{
	int cpu;

	lockdep_assert_held(&vb->lock);
	for_each_possible_cpu(cpu) {
		struct vcpuboost_pool *pool = per_cpu_ptr(vb->pool, cpu);
		s64 spare;

		raw_spin_lock(&pool->lock);
		spare = vcpuboost_pool_spare(pool);
		if (spare > 0) {
			pool->runtime_ns -= spare;
			vb->runtime_ns += spare;
		}
		raw_spin_unlock(&pool->lock);
	}
}

/*
 * Is @vb's budget spent: all that this period gave charged, in no pool
 * any more? Runtime that windows hold but did not spend is not.
 */
static bool vcpuboost_budget_spent(struct vcpuboost_cgroup *vb)
{
	s64 runtime_ns = vb->runtime_ns;
	int cpu;

	lockdep_assert_held(&vb->lock);
	for_each_possible_cpu(cpu) {
		struct vcpuboost_pool *pool = per_cpu_ptr(vb->pool, cpu);

		raw_spin_lock(&pool->lock);
		runtime_ns += pool->runtime_ns;
		raw_spin_unlock(&pool->lock);
	}
	return runtime_ns <= 0;
}

/*
 * Top up @cpu's pool from @vb's budget. With @want_ns, then reserve a
 * window of up to @want_ns there, in the same section of the pool's lock:
 * what it holds beyond its windows, or the window's floor if that is less
 * but not nothing, so that each pool backs all of its windows but at most
 * one floor's worth. Without, for a charge, which spent what the pool held.
 * A pool left with nothing throttles @vb if the budget is spent; if other
 * windows still hold some of it, only this window is refused.
 *
 * Return: the window reserved, 0 if none.
 */
static s64 vcpuboost_pool_refill(struct vcpuboost_cgroup *vb, int cpu,
				 s64 want_ns)
{
	struct vcpuboost_pool *pool = per_cpu_ptr(vb->pool, cpu);
	s64 spare, topup, runtime_ns, window_ns = want_ns;
	unsigned int nr_cpus = num_online_cpus();
	bool spent = false;

	raw_spin_lock(&vb->lock);
	/* Offline: its period timer is stopped for good. */
	if (vb->quota_ns == VCPUBOOST_BUDGET_INF || vb->folded) {
		raw_spin_lock(&pool->lock);
		pool->reserved_ns += window_ns;
		raw_spin_unlock(&pool->lock);
		raw_spin_unlock(&vb->lock);
		return window_ns;
	}
	/* Kicked boosts on their way out: nothing to top up or take back. */
	if (vb->throttled) {
		raw_spin_unlock(&vb->lock);
		return 0;
	}
	if (!vb->period_active)
		vcpuboost_period_start(vb);
	vb->period_used = true;

	raw_spin_lock(&pool->lock);
	spare = vcpuboost_pool_spare(pool);
	topup = vcpuboost_pool_topup_ns(spare, vb->runtime_ns, nr_cpus);
	raw_spin_unlock(&pool->lock);
	if (spare + topup < VCPUBOOST_ENFORCE_MIN_NS)
		vcpuboost_pool_reclaim(vb);

	raw_spin_lock(&pool->lock);
	spare = vcpuboost_pool_spare(pool);
	topup = vcpuboost_pool_topup_ns(spare, vb->runtime_ns, nr_cpus);
	pool->runtime_ns += topup;
	vb->runtime_ns -= topup;
	spare += topup;
	if (want_ns) {
		window_ns = spare > 0 ? min(want_ns, max_t(s64, spare,
							    VCPUBOOST_ENFORCE_MIN_NS)) : 0;
		pool->reserved_ns += window_ns;
		spent = !window_ns;
	} else {
		spent = pool->runtime_ns <= 0;
	}
	runtime_ns = pool->runtime_ns;
	raw_spin_unlock(&pool->lock);

	if (spent && vcpuboost_budget_spent(vb)) {
		WRITE_ONCE(vb->throttled, true);
		vb->throttled_since = ktime_get_ns();
		vb->stat.nr_throttled++;
	} else {
		spent = false;
	}
	raw_spin_unlock(&vb->lock);
	if (spent)
		vcpuboost_throttled(vb, runtime_ns);
	return window_ns;
}

/* Reserve up to @want_ns in @vb's pool on @cpu; see vcpuboost_pool_refill(). */
static s64 vcpuboost_pool_reserve(struct vcpuboost_cgroup *vb, int cpu,
				  s64 want_ns)
{
	struct vcpuboost_pool *pool = per_cpu_ptr(vb->pool, cpu);
	s64 window_ns = want_ns;
	bool finite = vcpuboost_budget_finite(vb);

	raw_spin_lock(&pool->lock);
	if (finite) {
		s64 spare = vcpuboost_pool_spare(pool);

		if (spare < VCPUBOOST_ENFORCE_MIN_NS) {
			raw_spin_unlock(&pool->lock);
			return vcpuboost_pool_refill(vb, cpu, want_ns);
		}
		window_ns = min(spare, want_ns);
	}
	pool->reserved_ns += window_ns;
	raw_spin_unlock(&pool->lock);
	return window_ns;
}

/* The topmost cgroup with a budget on the way up from @vb, or NULL. */
static struct vcpuboost_cgroup *vcpuboost_budget_top(struct vcpuboost_cgroup *vb)
{
	struct vcpuboost_cgroup *top = NULL;

	for (; parent_vcpuboost(vb); vb = parent_vcpuboost(vb))
		if (READ_ONCE(vb->max_us) != VCPUBOOST_BUDGET_INF)
			top = vb;
	return top;
}

/*
 * Add @delta_ns to the windows held in the pools of @cpu from @vb up to,
 * not including, @end. A window is held on every cgroup of its range,
 * limited or not, so that giving it back needs no memory of which budgets
 * applied when it was taken; cgroups above its top, without a budget, are
 * not touched.
 */
static void vcpuboost_window_add(struct vcpuboost_cgroup *vb, int cpu,
				 struct vcpuboost_cgroup *end, s64 delta_ns)
{
	for (; vb != end; vb = parent_vcpuboost(vb)) {
		struct vcpuboost_pool *pool = per_cpu_ptr(vb->pool, cpu);

		raw_spin_lock(&pool->lock);
		pool->reserved_ns += delta_ns;
		WARN_ON_ONCE(pool->reserved_ns < 0);
		raw_spin_unlock(&pool->lock);
	}
}

/*
 * Reserve the same window, up to @want_ns, in the pools of @cpu from @vb
 * up to @top: the least that any of them can back. A pool that backs less
 * than the levels below took has them give the difference back.
 *
 * Return: the window, 0 if a budget on the way is spent (and throttled).
 */
static s64 vcpuboost_window_reserve(struct vcpuboost_cgroup *vb, int cpu,
				    struct vcpuboost_cgroup *top, s64 want_ns)
{
	struct vcpuboost_cgroup *pos = vb;
	s64 window_ns = want_ns;

	for (;;) {
		s64 took = vcpuboost_pool_reserve(pos, cpu, window_ns);

		if (took < window_ns)
			vcpuboost_window_add(vb, cpu, pos, took - window_ns);
		window_ns = took;
		if (!window_ns || pos == top)
			break;
		pos = parent_vcpuboost(pos);
	}
	return window_ns;
}

static void vcpuboost_window_release(struct vcpuboost_task *vt)
{
	if (!vt->window_ns)
		return;
	vcpuboost_window_add(vt->vb, vt->pool_cpu,
			     parent_vcpuboost(vt->window_top),
			     -(s64)vt->window_ns);
	vt->window_ns = 0;
	vt->window_top = NULL;
}

/*
 * Give back the window of a boost in force, before its policy is looked at
 * again, after charging what its task ran in it, which must not escape
 * every window: task_sched_runtime() brings a running task's runtime,
 * hence its charge, up to date. Under a budget it charges with or without
 * a window: this charge, not the tick, is what enforces the budget
 * whatever HZ is.
 */
static void vcpuboost_window_close(struct vcpuboost_task *vt)
{
	lockdep_assert_held(&vt->lock);
	if (vt->window_ns || vcpuboost_budget_top(vt->vb))
		task_sched_runtime(vt->task);
	vcpuboost_window_release(vt);
}

static unsigned int vcpuboost_target(struct vcpuboost_task *vt,
				     struct vcpuboost_cgroup *vb)
{
	if (!parent_vcpuboost(vb) || vcpuboost_budget_blocked(vb))
		return 0;
	return vcpuboost_grant_level(vt->requested, vcpuboost_pending(vt),
				     vb->triggers, READ_ONCE(vb->prio_effective));
}

/*
 * Start the boost's timer at @expires: pinned if the task last ran on this
 * CPU, so that a timer moved there stays.
 *
 * A throttle kicks the timers below it without their task's lock
 * (vcpuboost_kick_subtree()), so this start may overwrite a kick that came
 * after vcpuboost_target() looked: the throttle is set before the kick
 * (WRITE_ONCE(->throttled) in vcpuboost_pool_refill()), so look again
 * rather than wait for the window. Both starts take the timer's base
 * lock, which may order them already; the barrier does not rely on it.
 */
static void vcpuboost_timer_start(struct vcpuboost_task *vt, ktime_t expires)
{
	enum hrtimer_mode mode = HRTIMER_MODE_ABS_HARD;

	lockdep_assert_held(&vt->lock);
	if (task_cpu(vt->task) == smp_processor_id())
		mode = HRTIMER_MODE_ABS_PINNED_HARD;
	vt->expires = expires;
	hrtimer_start(&vt->timer, expires, mode);
	/* Pairs with the throttle's store before its kick; see above. */
	smp_mb();
	if (vcpuboost_budget_blocked(vt->vb))
		hrtimer_start(&vt->timer, 0, mode);
}

/*
 * A boost's timer belongs on its task's CPU: there, charging the task
 * (task_sched_runtime()) and ending its boost take the local rq lock and
 * need no IPI, and other CPUs, which may run other VMs, take no interrupt
 * for it. A timer armed elsewhere (by a report for a remote vCPU, by a
 * policy change) is left where hrtimer_start() put it until it fires:
 * most boosts end by retraction first, and moving every one would cost
 * the vCPU's CPU an IPI, a VM exit if it runs a guest. One that fires away
 * from its task and re-arms is moved by an irq_work on the task's CPU.
 */
static void vcpuboost_timer_follow(struct vcpuboost_task *vt)
{
	int cpu = task_cpu(vt->task);

	/*
	 * A sleeping task may still name a CPU that went offline. With
	 * interrupts off here, none can go offline before the work is queued,
	 * and a CPU runs its queued work on its way down.
	 */
	if (cpu != smp_processor_id() && cpu_online(cpu))
		irq_work_queue_on(&vt->timer_move, cpu);
}

static void vcpuboost_timer_move_fn(struct irq_work *work)
{
	struct vcpuboost_task *vt = container_of(work, struct vcpuboost_task,
						 timer_move);

	raw_spin_lock(&vt->lock);
	/*
	 * Not to a CPU going down, whose timers have left already. A timer no
	 * longer queued has fired, or is firing and re-arms under this lock;
	 * one whose callback still runs elsewhere stays there
	 * (switch_hrtimer_base()), and is moved when it fires next.
	 */
	if (vt->level && cpu_online(smp_processor_id()) &&
	    task_cpu(vt->task) == smp_processor_id() &&
	    hrtimer_is_queued(&vt->timer))
		vcpuboost_timer_start(vt, vt->expires);
	raw_spin_unlock(&vt->lock);
}

/*
 * Fire at the end of the slice or, under a finite budget, at the end of an
 * enforcement window, whichever comes first, so that runtime is charged in
 * time whatever HZ is. A window is what the pools of the task's CPU hold
 * that no other window holds (vcpuboost_window_reserve()), and the boost's
 * runtime is charged to those pools wherever the task runs, so that boosts
 * running at once cannot together spend more than the pools were given,
 * but for one window's floor per pool, before each is charged. A budget
 * lowered meanwhile re-arms every boost below it
 * (vcpuboost_revalidate_subtree()).
 */
static bool vcpuboost_arm(struct vcpuboost_task *vt, ktime_t now)
{
	struct vcpuboost_cgroup *top;
	ktime_t expires = vt->deadline;

	/*
	 * No window is held here: vcpuboost_end() gave back the last boost's,
	 * and the timer and revalidation close theirs before looking at the
	 * policy again. A window reserved over another would leak the first.
	 */
	if (WARN_ON_ONCE(vt->window_ns))
		vcpuboost_window_close(vt);

	/* Read by vcpuboost_charge() without the task's lock. */
	WRITE_ONCE(vt->pool_cpu, task_cpu(vt->task));
	top = vcpuboost_budget_top(vt->vb);
	if (top && ktime_after(expires, now)) {
		vt->window_ns = vcpuboost_window_reserve(vt->vb, vt->pool_cpu, top,
							 ktime_to_ns(ktime_sub(expires, now)));
		/*
		 * None: a budget is spent, or what is left of it is held by
		 * other boosts' windows; this one ends, and its triggers
		 * boost again when reported again.
		 */
		if (!vt->window_ns)
			return false;
		vt->window_top = top;
		expires = ktime_add_ns(now, vt->window_ns);
	}
	vcpuboost_timer_start(vt, expires);
	return true;
}

static void vcpuboost_end(struct vcpuboost_task *vt,
			  enum vcpuboost_end_reason reason)
{
	struct vcpuboost_cgroup *vb = vt->vb;
	int t;

	/*
	 * Before the priority drops: the owner of the lock the task waits for
	 * runs at this grant's until the deboost reaches it.
	 */
	vcpuboost_drain_lowering(vt, 0);
	/* Also charges the runtime used so far, while the grant is in force. */
	vcpuboost_set_prio(vt, 0);
	/* A callback waiting for our lock will find nothing to do. */
	hrtimer_try_to_cancel(&vt->timer);
	vcpuboost_window_release(vt);

	raw_spin_lock(&vb->lock);
	list_del_init(&vt->node);
	vb->nr_boosted--;
	switch (reason) {
	case VCPUBOOST_END_EXPIRED:
		vb->stat.expired++;
		break;
	case VCPUBOOST_END_RETRACTED:
		vb->stat.retracted++;
		break;
	case VCPUBOOST_END_REVOKED:
		vb->stat.revoked++;
		break;
	}
	raw_spin_unlock(&vb->lock);

	trace_vcpuboost_end(vt->task, reason,
			    ktime_to_ns(ktime_sub(ktime_get(), vt->start)));
	/* Read by vcpuboost_charge() without the task's lock. */
	WRITE_ONCE(vt->vb, NULL);
	vt->level = 0;
	/* What asked for this boost has had it: only a new report boosts again. */
	for (t = 0; t < NR_VCPUBOOST_TRIGGERS; t++)
		if (vt->requested[t])
			vt->consumed |= BIT(t);
	css_put(&vb->css);
}

static void vcpuboost_grant(struct vcpuboost_task *vt,
			    struct vcpuboost_cgroup *vb, unsigned int level)
{
	ktime_t now = ktime_get();

	/* The grant pins the cgroup it is charged to until it ends. */
	if (!css_tryget_online(&vb->css))
		return;

	raw_spin_lock(&vb->lock);
	vb->stat.grants++;
	vb->nr_boosted++;
	list_add_tail(&vt->node, &vb->boosted);
	raw_spin_unlock(&vb->lock);

	WRITE_ONCE(vt->vb, vb);
	vt->level = level;
	vt->start = now;
	vt->deadline = ktime_add_us(now, READ_ONCE(vb->slice_us));
	trace_vcpuboost_grant(vt->task, level, cgroup_id(vb->css.cgroup));
	if (vcpuboost_arm(vt, now)) {
		/* This grant pays for the chain from now on. */
		vcpuboost_drain_set(vt, NULL, 0);
		vcpuboost_set_prio(vt, level);
	} else {
		vcpuboost_end(vt, VCPUBOOST_END_REVOKED);
	}
}

/*
 * Bring a task's grant in line with its triggers and its cgroup's policy.
 * @trigger is the reported trigger for %VCPUBOOST_CAUSE_REPORT.
 */
static void vcpuboost_task_update(struct vcpuboost_task *vt,
				  enum vcpuboost_cause cause, int trigger)
{
	struct vcpuboost_cgroup *vb;
	unsigned int target;

	lockdep_assert_held(&vt->lock);

	vcpuboost_drain_unblocked(vt);

	rcu_read_lock();
	vb = css_vcpuboost(task_css(vt->task, vcpuboost_cgrp_id));

	/* A boost does not follow its task into another cgroup... */
	if (vt->level && vt->vb != vb) {
		vcpuboost_end(vt, VCPUBOOST_END_REVOKED);
		/* ...but a report made there is fresh, not had. */
		if (cause == VCPUBOOST_CAUSE_REPORT)
			vt->consumed &= ~BIT(trigger);
	}

	target = vcpuboost_target(vt, vb);

	if (cause == VCPUBOOST_CAUSE_REPORT) {
		if (!parent_vcpuboost(vb)) {
			this_cpu_inc(vcpuboost_unmanaged.reports[trigger]);
		} else {
			raw_spin_lock(&vb->lock);
			vb->stat.reports[trigger]++;
			if (!target && !vt->level)
				vb->stat.denied++;
			raw_spin_unlock(&vb->lock);
		}
		/* A denied report does not boost later, when it may. */
		if (!target)
			vt->consumed |= BIT(trigger);
	}

	if (!vt->level) {
		if (target)
			vcpuboost_grant(vt, vb, target);
	} else if (target > vt->level ||
		   (target && target < vt->level &&
		    cause != VCPUBOOST_CAUSE_POLICY)) {
		/*
		 * A higher trigger raises the boost in force; retracting the
		 * highest of several lowers it to the next. The slice still
		 * runs from the grant.
		 */
		vcpuboost_drain_lowering(vt, target);
		vt->level = target;
		vcpuboost_set_prio(vt, target);
		trace_vcpuboost_grant(vt->task, target,
				      cgroup_id(vt->vb->css.cgroup));
	} else if (target < vt->level) {
		vcpuboost_end(vt, !target && cause == VCPUBOOST_CAUSE_RETRACT ?
			      VCPUBOOST_END_RETRACTED : VCPUBOOST_END_REVOKED);
	}
	rcu_read_unlock();
}

/**
 * vcpuboost_trigger_consumed - has a pending trigger had its say?
 * @p: the task
 * @trigger: a trigger reported for @p and not retracted
 *
 * For reporters that report only edges: a trigger whose boost ended (its
 * slice, a limit) or that was denied boosts again only when reported
 * again, so a reporter that sees the event again reports it again.
 *
 * Context: Any context. @p must be pinned by the caller.
 * Return: true if @trigger may only boost @p after a new report.
 */
bool vcpuboost_trigger_consumed(struct task_struct *p,
				enum vcpuboost_trigger trigger)
{
	struct vcpuboost_task *vt;
	bool consumed = true;

	rcu_read_lock();
	/* Pairs with smp_store_release() in vcpuboost_task_prepare(). */
	vt = smp_load_acquire(&p->vcpuboost);
	if (vt)
		consumed = test_bit(trigger, &vt->consumed) ||
			   !READ_ONCE(vt->requested[trigger]);
	rcu_read_unlock();
	return consumed;
}
EXPORT_SYMBOL_GPL(vcpuboost_trigger_consumed);

/**
 * vcpuboost_unmanaged_stat - add the reports for unmanaged tasks
 * @stat: the root's counters, to which they are added, each one denied
 *
 * Context: Any. The counts are read without stopping their writers.
 */
void vcpuboost_unmanaged_stat(struct vcpuboost_stat *stat)
{
	int cpu, t;

	for_each_possible_cpu(cpu) {
		struct vcpuboost_unmanaged *u = per_cpu_ptr(&vcpuboost_unmanaged, cpu);

		for (t = 0; t < NR_VCPUBOOST_TRIGGERS; t++) {
			u64 n = READ_ONCE(u->reports[t]);

			stat->reports[t] += n;
			stat->denied += n;
		}
	}
}

/**
 * __vcpuboost_report - report that a trigger is pending for a task
 * @p: the task
 * @trigger: what is pending
 * @level: the SCHED_FIFO priority asked for; 0 retracts @trigger
 *
 * The body of vcpuboost_report(), which callers use instead: it costs
 * nothing while no cgroup has the controller enabled.
 *
 * Context: Any context, hardirq with interrupts off included. @p must be
 * pinned by the caller.
 */
void __vcpuboost_report(struct task_struct *p, enum vcpuboost_trigger trigger,
			unsigned int level)
{
	struct vcpuboost_task *vt;
	unsigned long flags;

	if (WARN_ON_ONCE(trigger >= NR_VCPUBOOST_TRIGGERS))
		return;
	if (!level) {
		__vcpuboost_retract(p, trigger);
		return;
	}
	if (p->flags & PF_EXITING)
		return;
	level = min(level, VCPUBOOST_LEVEL_MAX);
	trace_vcpuboost_report(p, trigger, level);

	rcu_read_lock();
	/* Pairs with smp_store_release() in vcpuboost_task_prepare(). */
	vt = smp_load_acquire(&p->vcpuboost);
	if (!vt) {
		this_cpu_inc(vcpuboost_unmanaged.reports[trigger]);
		goto out;
	}

	raw_spin_lock_irqsave(&vt->lock, flags);
	if (!vt->exited) {
		vt->requested[trigger] = level;
		vt->consumed &= ~BIT(trigger);
		vcpuboost_task_update(vt, VCPUBOOST_CAUSE_REPORT, trigger);
	}
	raw_spin_unlock_irqrestore(&vt->lock, flags);
out:
	rcu_read_unlock();
}
EXPORT_SYMBOL_GPL(__vcpuboost_report);

/**
 * __vcpuboost_retract - withdraw a trigger reported for a task
 * @p: the task
 * @trigger: the trigger that has been handled
 *
 * The body of vcpuboost_retract(), which callers use instead.
 *
 * Context: Any context, hardirq with interrupts off included. @p must be
 * pinned by the caller.
 */
void __vcpuboost_retract(struct task_struct *p, enum vcpuboost_trigger trigger)
{
	struct vcpuboost_task *vt;
	unsigned long flags;

	if (WARN_ON_ONCE(trigger >= NR_VCPUBOOST_TRIGGERS))
		return;

	rcu_read_lock();
	/* Pairs with smp_store_release() in vcpuboost_task_prepare(). */
	vt = smp_load_acquire(&p->vcpuboost);
	if (!vt)
		goto out;

	raw_spin_lock_irqsave(&vt->lock, flags);
	if (vt->requested[trigger]) {
		trace_vcpuboost_report(p, trigger, 0);
		vt->requested[trigger] = 0;
		vt->consumed &= ~BIT(trigger);
		vcpuboost_task_update(vt, VCPUBOOST_CAUSE_RETRACT, trigger);
	}
	raw_spin_unlock_irqrestore(&vt->lock, flags);
out:
	rcu_read_unlock();
}
EXPORT_SYMBOL_GPL(__vcpuboost_retract);

/*
 * Slice end, budget enforcement and revocation. Hardirq, interrupts off.
 * Re-armed with hrtimer_start() rather than HRTIMER_RESTART, because
 * vcpuboost_kick_subtree() may have queued it again meanwhile.
 */
static enum hrtimer_restart vcpuboost_task_timer_fn(struct hrtimer *timer)
{
	struct vcpuboost_task *vt = container_of(timer, struct vcpuboost_task, timer);
	ktime_t now;

	raw_spin_lock(&vt->lock);
	if (!vt->level)
		goto unlock;

	now = ktime_get();
	if (ktime_compare(now, vt->deadline) >= 0) {
		vcpuboost_end(vt, VCPUBOOST_END_EXPIRED);
		goto unlock;
	}

	vcpuboost_window_close(vt);
	vcpuboost_task_update(vt, VCPUBOOST_CAUSE_POLICY, 0);
	if (vt->level) {
		if (vcpuboost_arm(vt, now))
			vcpuboost_timer_follow(vt);
		else
			vcpuboost_end(vt, VCPUBOOST_END_REVOKED);
	}
unlock:
	raw_spin_unlock(&vt->lock);
	return HRTIMER_NORESTART;
}

/**
 * vcpuboost_task_exit - end an exiting task's boost for good
 * @p: the exiting task
 *
 * Context: Process context, from cgroup_exit().
 */
void vcpuboost_task_exit(struct task_struct *p)
{
	struct vcpuboost_task *vt = p->vcpuboost;

	if (!vt)
		return;

	raw_spin_lock_irq(&vt->lock);
	vt->exited = true;
	if (vt->level)
		vcpuboost_end(vt, VCPUBOOST_END_REVOKED);
	vcpuboost_drain_set(vt, NULL, 0);
	memset(vt->requested, 0, sizeof(vt->requested));
	vt->consumed = 0;
	raw_spin_unlock_irq(&vt->lock);
	/* No report re-arms it now: wait for a callback in flight. */
	hrtimer_cancel(&vt->timer);
}

/**
 * vcpuboost_task_migrated - end the boost of a task that changed cgroups
 * @p: the task, already in its new cgroup
 *
 * The runtime it used boosted stays charged to the old cgroup; its pending
 * triggers boost again only when reported anew. A report made since the
 * task entered its new cgroup was judged there, and its boost stays.
 *
 * Context: Process context, from the attach callback.
 */
void vcpuboost_task_migrated(struct task_struct *p)
{
	struct vcpuboost_task *vt = p->vcpuboost;
	struct vcpuboost_cgroup *vb;

	if (!vt)
		return;

	raw_spin_lock_irq(&vt->lock);
	rcu_read_lock();
	vb = css_vcpuboost(task_css(p, vcpuboost_cgrp_id));
	if (vt->level && vt->vb != vb)
		vcpuboost_end(vt, VCPUBOOST_END_REVOKED);
	/*
	 * A drain of the old cgroup's grant ends too: it would pin that
	 * cgroup for as long as @p stays blocked and reports nothing, and
	 * css_offline() counts on its tasks having left. The chain's
	 * runtime waits for the next grant found, as where a drain cannot
	 * tell.
	 */
	if (vt->drain_vb && vt->drain_vb != vb)
		vcpuboost_drain_set(vt, NULL, 0);
	vcpuboost_drain_unblocked(vt);
	rcu_read_unlock();
	raw_spin_unlock_irq(&vt->lock);
}

/**
 * vcpuboost_revoke - end a task's boost
 * @p: the task
 *
 * For normalize_rt_tasks() (SysRq-n), which takes real-time priority from
 * every user task: a boost is real-time priority too.
 *
 * Context: Any context, with no rq or pi_lock held.
 */
void vcpuboost_revoke(struct task_struct *p)
{
	struct vcpuboost_task *vt;
	unsigned long flags;

	rcu_read_lock();
	/* Pairs with smp_store_release() in vcpuboost_task_prepare(). */
	vt = smp_load_acquire(&p->vcpuboost);
	if (vt) {
		raw_spin_lock_irqsave(&vt->lock, flags);
		if (vt->level)
			vcpuboost_end(vt, VCPUBOOST_END_REVOKED);
		raw_spin_unlock_irqrestore(&vt->lock, flags);
	}
	rcu_read_unlock();
}

/*
 * Collect the boosts in force below @top on @boosts, under their cgroups'
 * locks; their task's lock nests outside, so each is looked at afterwards.
 * Under vcpuboost_mutex and RCU, which keeps the task state of tasks
 * released meanwhile.
 */
static void vcpuboost_collect_boosts(struct vcpuboost_cgroup *top,
				     struct list_head *boosts)
{
	struct cgroup_subsys_state *pos;
	struct vcpuboost_task *vt;

	lockdep_assert_held(&vcpuboost_mutex);
	css_for_each_descendant_pre(pos, &top->css) {
		struct vcpuboost_cgroup *vb = css_vcpuboost(pos);

		raw_spin_lock_irq(&vb->lock);
		list_for_each_entry(vt, &vb->boosted, node)
			list_add_tail(&vt->revalidate_node, boosts);
		raw_spin_unlock_irq(&vb->lock);
	}
}

/**
 * vcpuboost_revalidate_subtree - apply a policy change to the boosts in force
 * @top: the cgroup whose settings changed
 *
 * Ends at once the boosts below @top that the new settings no longer allow,
 * and arms the timer of every other one for the new settings, so that a
 * budget made finite is enforced from now on, not from the next grant.
 * A boost whose window the budget can no longer back ends.
 *
 * Context: Process context, vcpuboost_mutex held.
 */
void vcpuboost_revalidate_subtree(struct vcpuboost_cgroup *top)
{
	struct vcpuboost_task *vt, *tmp;
	LIST_HEAD(boosts);

	lockdep_assert_held(&vcpuboost_mutex);

	rcu_read_lock();
	vcpuboost_collect_boosts(top, &boosts);
	list_for_each_entry_safe(vt, tmp, &boosts, revalidate_node) {
		list_del_init(&vt->revalidate_node);
		raw_spin_lock_irq(&vt->lock);
		if (vt->level) {
			vcpuboost_window_close(vt);
			vcpuboost_task_update(vt, VCPUBOOST_CAUSE_POLICY, 0);
		}
		if (vt->level && !vcpuboost_arm(vt, ktime_get()))
			vcpuboost_end(vt, VCPUBOOST_END_REVOKED);
		raw_spin_unlock_irq(&vt->lock);
	}
	rcu_read_unlock();
}

/*
 * Charge @delta_ns to @vb's pool on @cpu; when that spends it, top it up
 * from the budget, and throttle @vb if nothing is left.
 */
static void vcpuboost_budget_charge(struct vcpuboost_cgroup *vb, int cpu,
				    u64 delta_ns)
{
	struct vcpuboost_pool *pool = per_cpu_ptr(vb->pool, cpu);
	bool spent;

	raw_spin_lock(&pool->lock);
	pool->runtime_ns -= delta_ns;
	spent = pool->runtime_ns <= 0;
	raw_spin_unlock(&pool->lock);

	if (spent)
		vcpuboost_pool_refill(vb, cpu, 0);
}

/**
 * vcpuboost_charge - charge runtime a boost gave
 * @p: the boosted task: the one that ran, or the PI donor whose boost the
 *	one that ran inherited
 * @delta_exec: the runtime, in ns
 *
 * Charged to the cgroup of @p's grant, or of the grant that ended while @p
 * was blocked on an rt_mutex (vcpuboost_drain_set()), and to every ancestor
 * with a budget, in the pools of the CPU its window was taken on.
 *
 * Context: The scheduler's runtime accounting, with the rq lock of the task
 * that ran held (the PI worker takes it too, for a PI owner the scheduler
 * could not trace to @p).
 *
 * Return: false if @p has no grant to charge: its boost ended meanwhile,
 * and not while it was blocked.
 */
bool vcpuboost_charge(struct task_struct *p, u64 delta_exec)
{
	struct vcpuboost_task *vt = READ_ONCE(p->vcpuboost);
	struct vcpuboost_cgroup *vb = NULL;
	struct vcpuboost_pool *pool;
	int cpu;

	/* Else a grant that ended while @p was blocked: vcpuboost_drain_set(). */
	if (vt)
		vb = READ_ONCE(vt->vb) ?: READ_ONCE(vt->drain_vb);

	/*
	 * @p is the running task or, through PI, its donor, whose grant may
	 * be ending on another CPU: RCU (interrupts are off) keeps the state
	 * and the cgroup, and a cgroup gone offline takes no more charges.
	 * The grant's pools then may already be another's; any pool of the
	 * cgroup is a share of the same budget.
	 */
	if (!vb)
		return false;
	cpu = READ_ONCE(vt->pool_cpu);
	pool = per_cpu_ptr(vb->pool, cpu);
	raw_spin_lock(&pool->lock);
	/* Summed into the parent's counters under this lock (css_offline). */
	if (!READ_ONCE(vb->folded))
		pool->boosted_ns += delta_exec;
	raw_spin_unlock(&pool->lock);

	for (; parent_vcpuboost(vb); vb = parent_vcpuboost(vb))
		if (vcpuboost_budget_finite(vb))
			vcpuboost_budget_charge(vb, cpu, delta_exec);
	return true;
}

/*
 * Refill the budget for a new period and lift the throttle. A period in
 * which nothing was charged stops the timer until the next charge.
 */
static enum hrtimer_restart vcpuboost_period_timer_fn(struct hrtimer *timer)
{
	struct vcpuboost_cgroup *vb =
		container_of(timer, struct vcpuboost_cgroup, period_timer);
	enum hrtimer_restart ret = HRTIMER_NORESTART;

	raw_spin_lock(&vb->lock);
	if (vb->throttled) {
		vb->stat.throttled_ns += ktime_get_ns() - vb->throttled_since;
		WRITE_ONCE(vb->throttled, false);
	}
	/*
	 * A period runs on while windows spend what the last one gave,
	 * which their charges and reservations need not top up: stopped,
	 * what they give back would outlive every period.
	 */
	if (vb->quota_ns != VCPUBOOST_BUDGET_INF &&
	    (vcpuboost_period_refill(vb) || vb->period_used)) {
		vb->period_used = false;
		hrtimer_forward_now(timer, ns_to_ktime(vb->period_ns));
		ret = HRTIMER_RESTART;
	} else {
		vb->period_active = false;
	}
	raw_spin_unlock(&vb->lock);
	return ret;
}

/**
 * vcpuboost_cgroup_init_budget - set up a new cgroup's budget: unlimited
 * @vb: the cgroup
 *
 * Return: 0, or -ENOMEM.
 */
int vcpuboost_cgroup_init_budget(struct vcpuboost_cgroup *vb)
{
	int cpu;

	vb->pool = alloc_percpu(struct vcpuboost_pool);
	if (!vb->pool)
		return -ENOMEM;
	for_each_possible_cpu(cpu)
		raw_spin_lock_init(&per_cpu_ptr(vb->pool, cpu)->lock);
	vb->quota_ns = VCPUBOOST_BUDGET_INF;
	vb->period_ns = vb->period_us * NSEC_PER_USEC;
	hrtimer_init(&vb->period_timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_HARD);
	vb->period_timer.function = vcpuboost_period_timer_fn;
	return 0;
}

/**
 * vcpuboost_cgroup_free_budget - free a cgroup's budget
 * @vb: a cgroup no boost is charged to any more
 */
void vcpuboost_cgroup_free_budget(struct vcpuboost_cgroup *vb)
{
	int cpu;

	vcpuboost_cgroup_stop(vb);
	/* Every boost below ended, and gave its enforcement window back. */
	for_each_possible_cpu(cpu)
		WARN_ON_ONCE(per_cpu_ptr(vb->pool, cpu)->reserved_ns);
	free_percpu(vb->pool);
}

/**
 * vcpuboost_cgroup_boosted_ns - the boosted runtime of a cgroup's own tasks
 * @vb: the cgroup
 *
 * Context: Any but the charge path; may nest in the cgroup's lock.
 */
u64 vcpuboost_cgroup_boosted_ns(struct vcpuboost_cgroup *vb)
{
	unsigned long flags;
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu) {
		struct vcpuboost_pool *pool = per_cpu_ptr(vb->pool, cpu);

		raw_spin_lock_irqsave(&pool->lock, flags);
		sum += pool->boosted_ns;
		raw_spin_unlock_irqrestore(&pool->lock, flags);
	}
	return sum;
}

/**
 * vcpuboost_cgroup_set_budget - apply a write of vcpuboost.max
 * @vb: the cgroup
 * @max_us: the new budget per period, or %VCPUBOOST_BUDGET_INF
 * @period_us: the new period
 *
 * The budget is refilled and a throttle lifted, as a write of cpu.max does;
 * a new period length takes effect from the next period. The boosts below
 * take their windows anew from the new budget.
 *
 * Context: Process context, vcpuboost_mutex held.
 */
void vcpuboost_cgroup_set_budget(struct vcpuboost_cgroup *vb, u64 max_us,
				 u64 period_us)
{
	int cpu;

	lockdep_assert_held(&vcpuboost_mutex);

	/* Off until the kick below is done: it takes cgroup locks without. */
	local_irq_disable();
	raw_spin_lock(&vb->lock);
	/* Both at once: a finite max_us with an infinite quota backs nothing. */
	WRITE_ONCE(vb->quota_ns, vcpuboost_quota_ns(max_us));
	WRITE_ONCE(vb->max_us, max_us);
	vb->period_ns = period_us * NSEC_PER_USEC;
	/*
	 * What the pools hold was taken from the old budget, also what backs
	 * the windows in force: from here on those spend the new one, and
	 * their charges top their pools up from it.
	 */
	for_each_possible_cpu(cpu) {
		struct vcpuboost_pool *pool = per_cpu_ptr(vb->pool, cpu);

		raw_spin_lock(&pool->lock);
		pool->runtime_ns = 0;
		raw_spin_unlock(&pool->lock);
	}
	vb->runtime_ns = vb->quota_ns;
	if (vb->throttled) {
		vb->stat.throttled_ns += ktime_get_ns() - vb->throttled_since;
		WRITE_ONCE(vb->throttled, false);
	}
	raw_spin_unlock(&vb->lock);
	/*
	 * Have the boosts below close their windows and take new ones now,
	 * from their timers, rather than when the writer, which they may
	 * keep off its CPU, gets to them.
	 */
	vcpuboost_kick_subtree(vb);
	local_irq_enable();
}

/**
 * vcpuboost_cgroup_stop - stop a cgroup's period timer for good
 * @vb: a cgroup going offline, which nothing is charged to any more
 *
 * Context: Process context.
 */
void vcpuboost_cgroup_stop(struct vcpuboost_cgroup *vb)
{
	hrtimer_cancel(&vb->period_timer);
}
