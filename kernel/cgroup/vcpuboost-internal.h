/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internals of the vcpuboost controller, shared by its interface files
 * (vcpuboost.c), its engine (vcpuboost_engine.c), its policy arithmetic
 * (vcpuboost_policy.c) and their tests.
 */
#ifndef _KERNEL_CGROUP_VCPUBOOST_INTERNAL_H
#define _KERNEL_CGROUP_VCPUBOOST_INTERNAL_H

#include <linux/cgroup.h>
#include <linux/hrtimer.h>
#include <linux/irq_work.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/vcpuboost.h>

#define VCPUBOOST_MAX_STR		"max"

/* vcpuboost.max: "$MAX $PERIOD", in microseconds */
#define VCPUBOOST_BUDGET_INF		U64_MAX
#define VCPUBOOST_PERIOD_MIN_US		1000ULL
#define VCPUBOOST_PERIOD_MAX_US		1000000ULL
#define VCPUBOOST_PERIOD_DEFAULT_US	100000ULL

/*
 * vcpuboost.prio.max and vcpuboost.triggers values: 0..99, or "max", which
 * is kept apart from 99 so that a value reads back as it was written.
 */
#define VCPUBOOST_LEVEL_INF		(VCPUBOOST_LEVEL_MAX + 1)

/* vcpuboost.slice, in microseconds */
#define VCPUBOOST_SLICE_MIN_US		10U
#define VCPUBOOST_SLICE_MAX_US		1000000U
#define VCPUBOOST_SLICE_DEFAULT_US	1000U

/*
 * A boosted task with a finite budget above it is charged, whatever HZ is,
 * at the end of an enforcement window taken out of its CPU's pools, and
 * never more often than this: a window is at least this long, and a pool
 * backs all of its windows but at most one such floor, so each CPU
 * overshoots by at most this and the timer's latency, inside the 1000us
 * per CPU the interface promises. (Runtime an rt_mutex owner runs on a
 * boosted waiter's behalf is charged at the owner's own ticks.)
 */
#define VCPUBOOST_ENFORCE_MIN_NS	(500 * NSEC_PER_USEC)

/*
 * The least a CPU's pool takes from its cgroup's budget at a time, as CFS
 * bandwidth control's default slice: boosts on one CPU take the cgroup's
 * lock once a slice at most, not at every grant and charge.
 */
#define VCPUBOOST_POOL_SLICE_NS		(5 * NSEC_PER_MSEC)

/* Counters of one cgroup's own tasks; vcpuboost.stat sums them over a subtree. */
struct vcpuboost_stat {
	u64				boosted_ns;
	u64				grants;
	u64				denied;
	u64				expired;
	u64				retracted;
	u64				revoked;
	u64				nr_throttled;
	u64				throttled_ns;
	u64				reports[NR_VCPUBOOST_TRIGGERS];
};

/*
 * One CPU's share of a cgroup's budget. Enforcement windows of boosts armed
 * on this CPU are held here, and the runtime they give is charged here,
 * wherever the task runs meanwhile, so that the windows held in a pool
 * never exceed what it was given, whatever HZ is.
 */
struct vcpuboost_pool {
	raw_spinlock_t			lock;
	/* Taken from the budget of this period, less what was charged */
	s64				runtime_ns;
	/* Enforcement windows held here */
	s64				reserved_ns;
	/* Boosted runtime of the cgroup's own tasks charged here */
	u64				boosted_ns;
};

struct vcpuboost_cgroup {
	struct cgroup_subsys_state	css;

	/*
	 * Settings. Written under vcpuboost_mutex, read without it: each is
	 * one word, and a report racing with a write may see either value.
	 */
	u64				max_us;
	u64				period_us;
	u8				prio_max;
	/* Lowest prio.max from here to the root, "max" counting as 99 */
	u8				prio_effective;
	u8				triggers[NR_VCPUBOOST_TRIGGERS];
	u32				slice_us;

	raw_spinlock_t			lock;
	/* Tasks whose current boost is charged here, and how many */
	struct list_head		boosted;
	unsigned int			nr_boosted;
	struct vcpuboost_stat		stat;

	/*
	 * Budget of the current period, under ->lock: what no pool took yet.
	 * A refill takes back what the pools hold beyond their windows.
	 */
	u64				quota_ns;
	u64				period_ns;
	s64				runtime_ns;
	u64				throttled_since;
	struct vcpuboost_pool __percpu	*pool;
	bool				period_active;
	bool				period_used;
	bool				throttled;
	struct hrtimer			period_timer;

	/* Counts folded into the parent's when this cgroup went offline */
	bool				folded;

	atomic64_t			events_throttled;
	atomic64_t			events_local_throttled;
	struct cgroup_file		events_file;
	struct cgroup_file		events_local_file;
	/* cgroup_file_notify() may not run under an rq lock: defer it */
	struct irq_work			events_work;
};

/* Per-task state, allocated when a task first enters a non-root cgroup. */
struct vcpuboost_task {
	raw_spinlock_t			lock;
	struct task_struct		*task;
	/* The cgroup charged for the boost in force, pinned; NULL if none */
	struct vcpuboost_cgroup		*vb;
	struct list_head		node;
	/* Slice end, budget enforcement and asynchronous revocation */
	struct hrtimer			timer;
	/* Moves @timer to the task's CPU (vcpuboost_timer_follow()) */
	struct irq_work			timer_move;
	/* When @timer was last started to fire, under @lock; kicks leave it */
	ktime_t				expires;
	ktime_t				start;
	ktime_t				deadline;
	/*
	 * Enforcement window held from @vb up to @window_top, 0 if none, in
	 * the pools of @pool_cpu, which the grant's runtime is charged to
	 */
	u64				window_ns;
	struct vcpuboost_cgroup		*window_top;
	int				pool_cpu;
	/* SCHED_FIFO priority granted now, 0 if not boosted */
	unsigned int			level;
	/* Level each pending trigger asked for, 0 if it is not pending */
	u8				requested[NR_VCPUBOOST_TRIGGERS];
	/* Pending triggers that may not boost again until reported anew */
	unsigned long			consumed;
	bool				exited;
	/* Entry in a list of boosts to revalidate, under vcpuboost_mutex */
	struct list_head		revalidate_node;
	/* Entry in the list of tasks whose PI chain needs adjusting */
	struct list_head		pi_node;
	/*
	 * The cgroup of the last grant that ended while the task was blocked
	 * on an rt_mutex, pinned, and that grant's level: the lock's owner
	 * may run at that priority until the deboost reaches it, and pays for
	 * it from there (vcpuboost_pi_draining()). NULL if none. Under @lock.
	 */
	struct vcpuboost_cgroup		*drain_vb;
	unsigned int			drain_level;
	/* @pi_seq when the drain began */
	unsigned int			drain_seq;
	/* The rt_mutex waiter the task was blocked on then, compared only */
	void				*drain_waiter;
	/*
	 * Changed when PI gives the task the drained priority, under its
	 * pi_lock and rq lock (vcpuboost_pi_prio_changed())
	 */
	unsigned int			pi_seq;
	struct rcu_head			rcu;
};

extern struct mutex vcpuboost_mutex;

static inline struct vcpuboost_cgroup *css_vcpuboost(struct cgroup_subsys_state *css)
{
	return container_of(css, struct vcpuboost_cgroup, css);
}

static inline struct vcpuboost_cgroup *parent_vcpuboost(struct vcpuboost_cgroup *vb)
{
	return vb->css.parent ? css_vcpuboost(vb->css.parent) : NULL;
}

/* vcpuboost_policy.c: parsing and arithmetic, free of locks and state */
extern const char * const vcpuboost_trigger_names[NR_VCPUBOOST_TRIGGERS];

int vcpuboost_split(char *s, char **fields, int max);
int vcpuboost_parse_max(const char *buf, unsigned int nr_cpus,
			u64 *max_us, u64 *period_us);
int vcpuboost_parse_level(const char *buf, u8 *level);
int vcpuboost_parse_slice(const char *buf, u32 *slice_us);
int vcpuboost_parse_triggers(char *buf, u8 *levels, unsigned long *set);
unsigned int vcpuboost_level_value(u8 level);
unsigned int vcpuboost_effective_ceiling(u8 prio_max, unsigned int parent_effective);
unsigned int vcpuboost_grant_level(const u8 *requested, unsigned long pending,
				   const u8 *triggers, unsigned int ceiling);
u64 vcpuboost_quota_ns(u64 max_us);
s64 vcpuboost_pool_topup_ns(s64 spare_ns, s64 budget_ns, unsigned int nr_cpus);

/* vcpuboost_engine.c */
int vcpuboost_task_prepare(struct task_struct *p);
void vcpuboost_task_free(struct task_struct *p);
void vcpuboost_task_exit(struct task_struct *p);
void vcpuboost_task_migrated(struct task_struct *p);
int vcpuboost_cgroup_init_budget(struct vcpuboost_cgroup *vb);
void vcpuboost_cgroup_free_budget(struct vcpuboost_cgroup *vb);
u64 vcpuboost_cgroup_boosted_ns(struct vcpuboost_cgroup *vb);
void vcpuboost_cgroup_set_budget(struct vcpuboost_cgroup *vb, u64 max_us,
				 u64 period_us);
void vcpuboost_cgroup_stop(struct vcpuboost_cgroup *vb);
void vcpuboost_revalidate_subtree(struct vcpuboost_cgroup *vb);
void vcpuboost_unmanaged_stat(struct vcpuboost_stat *stat);
void vcpuboost_events_fn(struct irq_work *work);

#endif /* _KERNEL_CGROUP_VCPUBOOST_INTERNAL_H */
