// SPDX-License-Identifier: GPL-2.0-only
/*
 * vCPU priority boost controller: the cgroup side.
 *
 * Reporters such as KVM say that a latency-sensitive event is pending for a
 * task (a vCPU thread); this controller decides whether the task gets a
 * SCHED_FIFO boost for it, how high and for how long, and charges the
 * boosted runtime to a budget. This file holds the interface files, their
 * hierarchy and the statistics; vcpuboost_engine.c applies the boosts.
 *
 * A boost is real-time priority, which an unprivileged user may not take,
 * so the ceiling follows the allocation model of cpu.rt_runtime_us rather
 * than the limits model: a new cgroup's vcpuboost.prio.max is 0, and the
 * effective ceiling is the lowest on the way to the root. Nothing boosts
 * until whoever may write the files of every level down from the root has
 * granted a ceiling, and a delegatee, who cannot write the files of its
 * delegation point, can never exceed what was granted there. Enabling the
 * controller, creating a cgroup or having a reporter report (KVM does for
 * the VMs that opted in) grants nothing. The budget, triggers and slice
 * only narrow a grant and keep the permissive defaults of the limits model.
 * The controller is threaded: a VM's cgroup can give each vCPU thread a
 * child of its own.
 */
#include <linux/cgroup.h>
#include <linux/cpumask.h>
#include <linux/jump_label.h>
#include <linux/sched/task.h>
#include <linux/seq_file.h>
#include <linux/slab.h>

#include "vcpuboost-internal.h"

/* Serializes settings writes, hierarchy changes and stat summation. */
DEFINE_MUTEX(vcpuboost_mutex);

DEFINE_STATIC_KEY_FALSE(vcpuboost_enabled_key);
EXPORT_SYMBOL_GPL(vcpuboost_enabled_key);

static struct cgroup_subsys_state *
vcpuboost_css_alloc(struct cgroup_subsys_state *parent)
{
	struct vcpuboost_cgroup *vb;
	int t;

	/* Policy can only be set through the cgroup v2 interface files. */
	if (parent && !cgroup_subsys_on_dfl(vcpuboost_cgrp_subsys))
		return ERR_PTR(-EOPNOTSUPP);

	vb = kzalloc(sizeof(*vb), GFP_KERNEL);
	if (!vb)
		return ERR_PTR(-ENOMEM);

	vb->max_us = VCPUBOOST_BUDGET_INF;
	vb->period_us = VCPUBOOST_PERIOD_DEFAULT_US;
	/*
	 * Nothing granted below the root (see the top of this file); the
	 * root, which has no files, bounds nothing.
	 */
	vb->prio_max = parent ? 0 : VCPUBOOST_LEVEL_INF;
	vb->prio_effective = parent ? 0 : VCPUBOOST_LEVEL_MAX;
	for (t = 0; t < NR_VCPUBOOST_TRIGGERS; t++)
		vb->triggers[t] = 1;
	vb->slice_us = VCPUBOOST_SLICE_DEFAULT_US;

	raw_spin_lock_init(&vb->lock);
	INIT_LIST_HEAD(&vb->boosted);
	if (vcpuboost_cgroup_init_budget(vb)) {
		kfree(vb);
		return ERR_PTR(-ENOMEM);
	}
	init_irq_work(&vb->events_work, vcpuboost_events_fn);
	return &vb->css;
}

static int vcpuboost_css_online(struct cgroup_subsys_state *css)
{
	struct vcpuboost_cgroup *vb = css_vcpuboost(css);
	struct vcpuboost_cgroup *parent = parent_vcpuboost(vb);

	if (!parent)
		return 0;

	mutex_lock(&vcpuboost_mutex);
	WRITE_ONCE(vb->prio_effective,
		   vcpuboost_effective_ceiling(vb->prio_max,
					       READ_ONCE(parent->prio_effective)));
	mutex_unlock(&vcpuboost_mutex);

	/* Reports cost one branch until a cgroup can boost. */
	static_branch_inc(&vcpuboost_enabled_key);
	return 0;
}

static void vcpuboost_stat_add(struct vcpuboost_stat *dst,
			       const struct vcpuboost_stat *src)
{
	int t;

	dst->boosted_ns += src->boosted_ns;
	dst->grants += src->grants;
	dst->denied += src->denied;
	dst->expired += src->expired;
	dst->retracted += src->retracted;
	dst->revoked += src->revoked;
	dst->nr_throttled += src->nr_throttled;
	dst->throttled_ns += src->throttled_ns;
	for (t = 0; t < NR_VCPUBOOST_TRIGGERS; t++)
		dst->reports[t] += src->reports[t];
}

static void vcpuboost_css_offline(struct cgroup_subsys_state *css)
{
	struct vcpuboost_cgroup *vb = css_vcpuboost(css);
	struct vcpuboost_cgroup *parent = parent_vcpuboost(vb);
	struct vcpuboost_stat stat;

	if (!parent)
		return;

	/*
	 * Its tasks have left (and their boosts ended with the migration):
	 * hand the counters to the parent, whose subtree they belong to, and
	 * take no more charges (a PI donor's, racing, is dropped), so that the
	 * period timer, stopped next, is not started again.
	 */
	mutex_lock(&vcpuboost_mutex);
	raw_spin_lock_irq(&vb->lock);
	stat = vb->stat;
	/*
	 * A throttle in force ends here: the period timer that would have
	 * counted it is stopped next, and must not count it again.
	 */
	if (vb->throttled) {
		stat.throttled_ns += ktime_get_ns() - vb->throttled_since;
		WRITE_ONCE(vb->throttled, false);
	}
	vb->folded = true;
	raw_spin_unlock_irq(&vb->lock);
	/* A charge that saw it online may still land: it is dropped. */
	stat.boosted_ns += vcpuboost_cgroup_boosted_ns(vb);

	raw_spin_lock_irq(&parent->lock);
	vcpuboost_stat_add(&parent->stat, &stat);
	raw_spin_unlock_irq(&parent->lock);
	mutex_unlock(&vcpuboost_mutex);
	vcpuboost_cgroup_stop(vb);

	static_branch_dec(&vcpuboost_enabled_key);
}

static void vcpuboost_css_free(struct cgroup_subsys_state *css)
{
	struct vcpuboost_cgroup *vb = css_vcpuboost(css);

	irq_work_sync(&vb->events_work);
	vcpuboost_cgroup_free_budget(vb);
	kfree(vb);
}

static int vcpuboost_can_attach(struct cgroup_taskset *tset)
{
	struct cgroup_subsys_state *dst_css;
	struct task_struct *task;
	int ret;

	cgroup_taskset_for_each(task, dst_css, tset) {
		if (!dst_css->parent)
			continue;
		ret = vcpuboost_task_prepare(task);
		if (ret)
			return ret;
	}
	return 0;
}

static void vcpuboost_attach(struct cgroup_taskset *tset)
{
	struct cgroup_subsys_state *dst_css;
	struct task_struct *task;

	cgroup_taskset_for_each(task, dst_css, tset)
		vcpuboost_task_migrated(task);
}

static int vcpuboost_can_fork(struct task_struct *task, struct css_set *cset)
{
	if (!cset->subsys[vcpuboost_cgrp_id]->parent)
		return 0;
	return vcpuboost_task_prepare(task);
}

static void vcpuboost_cancel_fork(struct task_struct *task, struct css_set *cset)
{
	vcpuboost_task_free(task);
}

static void vcpuboost_exit(struct task_struct *task)
{
	vcpuboost_task_exit(task);
}

static void vcpuboost_release(struct task_struct *task)
{
	vcpuboost_task_free(task);
}

/* vcpuboost.max */

static int vcpuboost_max_show(struct seq_file *sf, void *v)
{
	struct vcpuboost_cgroup *vb = css_vcpuboost(seq_css(sf));
	u64 max_us = READ_ONCE(vb->max_us);

	if (max_us == VCPUBOOST_BUDGET_INF)
		seq_printf(sf, "%s %llu\n", VCPUBOOST_MAX_STR,
			   READ_ONCE(vb->period_us));
	else
		seq_printf(sf, "%llu %llu\n", max_us, READ_ONCE(vb->period_us));
	return 0;
}

static ssize_t vcpuboost_max_write(struct kernfs_open_file *of, char *buf,
				   size_t nbytes, loff_t off)
{
	struct vcpuboost_cgroup *vb = css_vcpuboost(of_css(of));
	u64 max_us, period_us;
	int ret;

	mutex_lock(&vcpuboost_mutex);
	period_us = vb->period_us;
	ret = vcpuboost_parse_max(buf, num_possible_cpus(), &max_us, &period_us);
	if (!ret) {
		WRITE_ONCE(vb->period_us, period_us);
		vcpuboost_cgroup_set_budget(vb, max_us, period_us);
		/* A zero budget ends every boost below. */
		vcpuboost_revalidate_subtree(vb);
	}
	mutex_unlock(&vcpuboost_mutex);
	return ret ?: nbytes;
}

/* vcpuboost.prio.max and vcpuboost.prio.effective */

static void vcpuboost_print_level(struct seq_file *sf, u8 level)
{
	if (level == VCPUBOOST_LEVEL_INF)
		seq_printf(sf, "%s\n", VCPUBOOST_MAX_STR);
	else
		seq_printf(sf, "%u\n", level);
}

static int vcpuboost_prio_max_show(struct seq_file *sf, void *v)
{
	vcpuboost_print_level(sf, READ_ONCE(css_vcpuboost(seq_css(sf))->prio_max));
	return 0;
}

/* Push the effective ceiling down from @top, as cpu_util_update_eff() does. */
static void vcpuboost_update_effective(struct vcpuboost_cgroup *top)
{
	struct cgroup_subsys_state *pos;

	lockdep_assert_held(&vcpuboost_mutex);

	rcu_read_lock();
	css_for_each_descendant_pre(pos, &top->css) {
		struct vcpuboost_cgroup *vb = css_vcpuboost(pos);
		struct vcpuboost_cgroup *parent = parent_vcpuboost(vb);
		unsigned int eff;

		eff = vcpuboost_effective_ceiling(vb->prio_max,
						  parent->prio_effective);
		if (eff == vb->prio_effective && pos != &top->css) {
			/* Unchanged here, so unchanged below. */
			pos = css_rightmost_descendant(pos);
			continue;
		}
		WRITE_ONCE(vb->prio_effective, eff);
	}
	rcu_read_unlock();
}

static ssize_t vcpuboost_prio_max_write(struct kernfs_open_file *of, char *buf,
					size_t nbytes, loff_t off)
{
	struct vcpuboost_cgroup *vb = css_vcpuboost(of_css(of));
	u8 level;
	int ret;

	ret = vcpuboost_parse_level(buf, &level);
	if (ret)
		return ret;

	mutex_lock(&vcpuboost_mutex);
	WRITE_ONCE(vb->prio_max, level);
	vcpuboost_update_effective(vb);
	/* Boosts above the new ceiling end now, not at their slice's end. */
	vcpuboost_revalidate_subtree(vb);
	mutex_unlock(&vcpuboost_mutex);
	return nbytes;
}

static int vcpuboost_prio_effective_show(struct seq_file *sf, void *v)
{
	seq_printf(sf, "%u\n",
		   READ_ONCE(css_vcpuboost(seq_css(sf))->prio_effective));
	return 0;
}

/* vcpuboost.triggers */

static int vcpuboost_triggers_show(struct seq_file *sf, void *v)
{
	struct vcpuboost_cgroup *vb = css_vcpuboost(seq_css(sf));
	int t;

	for (t = 0; t < NR_VCPUBOOST_TRIGGERS; t++) {
		seq_printf(sf, "%s ", vcpuboost_trigger_names[t]);
		vcpuboost_print_level(sf, READ_ONCE(vb->triggers[t]));
	}
	return 0;
}

static ssize_t vcpuboost_triggers_write(struct kernfs_open_file *of, char *buf,
					size_t nbytes, loff_t off)
{
	struct vcpuboost_cgroup *vb = css_vcpuboost(of_css(of));
	u8 levels[NR_VCPUBOOST_TRIGGERS];
	unsigned long set;
	int ret, t;

	mutex_lock(&vcpuboost_mutex);
	memcpy(levels, vb->triggers, sizeof(levels));
	ret = vcpuboost_parse_triggers(buf, levels, &set);
	if (!ret) {
		for_each_set_bit(t, &set, NR_VCPUBOOST_TRIGGERS)
			WRITE_ONCE(vb->triggers[t], levels[t]);
		/* A trigger lowered or set to 0 ends what it no longer allows. */
		vcpuboost_revalidate_subtree(vb);
	}
	mutex_unlock(&vcpuboost_mutex);
	return ret ?: nbytes;
}

/* vcpuboost.slice */

static int vcpuboost_slice_show(struct seq_file *sf, void *v)
{
	seq_printf(sf, "%u\n", READ_ONCE(css_vcpuboost(seq_css(sf))->slice_us));
	return 0;
}

static ssize_t vcpuboost_slice_write(struct kernfs_open_file *of, char *buf,
				     size_t nbytes, loff_t off)
{
	struct vcpuboost_cgroup *vb = css_vcpuboost(of_css(of));
	u32 slice_us;
	int ret;

	ret = vcpuboost_parse_slice(buf, &slice_us);
	if (ret)
		return ret;
	/* Boosts in force keep the slice they were granted with. */
	WRITE_ONCE(vb->slice_us, slice_us);
	return nbytes;
}

/* vcpuboost.stat */

/*
 * Sum the counters of a subtree. Each cgroup's counters are read under its
 * lock, under which grants always equal expired + retracted + revoked +
 * nr_boosted, so the sums keep that identity too.
 */
static int vcpuboost_stat_show(struct seq_file *sf, void *v)
{
	struct vcpuboost_cgroup *top = css_vcpuboost(seq_css(sf));
	struct cgroup_subsys_state *pos;
	struct vcpuboost_stat sum = {};
	u64 nr_boosted = 0;
	int t;

	mutex_lock(&vcpuboost_mutex);
	rcu_read_lock();
	css_for_each_descendant_pre(pos, &top->css) {
		struct vcpuboost_cgroup *vb = css_vcpuboost(pos);
		struct vcpuboost_stat stat;

		raw_spin_lock_irq(&vb->lock);
		if (vb->folded) {
			raw_spin_unlock_irq(&vb->lock);
			continue;
		}
		stat = vb->stat;
		/* Sampled under the lock, so never before throttled_since. */
		if (vb->throttled)
			stat.throttled_ns += ktime_get_ns() - vb->throttled_since;
		nr_boosted += vb->nr_boosted;
		raw_spin_unlock_irq(&vb->lock);
		/*
		 * Not under the lock, which charges may wait for: the mutex
		 * keeps the cgroup from being folded meanwhile.
		 */
		stat.boosted_ns += vcpuboost_cgroup_boosted_ns(vb);
		vcpuboost_stat_add(&sum, &stat);
	}
	rcu_read_unlock();
	mutex_unlock(&vcpuboost_mutex);
	if (!parent_vcpuboost(top))
		vcpuboost_unmanaged_stat(&sum);

	seq_printf(sf, "boosted_usec %llu\n", div_u64(sum.boosted_ns, NSEC_PER_USEC));
	seq_printf(sf, "grants %llu\n", sum.grants);
	seq_printf(sf, "denied %llu\n", sum.denied);
	seq_printf(sf, "expired %llu\n", sum.expired);
	seq_printf(sf, "retracted %llu\n", sum.retracted);
	seq_printf(sf, "revoked %llu\n", sum.revoked);
	seq_printf(sf, "nr_throttled %llu\n", sum.nr_throttled);
	seq_printf(sf, "throttled_usec %llu\n",
		   div_u64(sum.throttled_ns, NSEC_PER_USEC));
	seq_printf(sf, "nr_boosted %llu\n", nr_boosted);
	for (t = 0; t < NR_VCPUBOOST_TRIGGERS; t++)
		seq_printf(sf, "reports_%s %llu\n", vcpuboost_trigger_names[t],
			   sum.reports[t]);
	return 0;
}

/* vcpuboost.events and vcpuboost.events.local */

static int vcpuboost_events_show(struct seq_file *sf, void *v)
{
	struct vcpuboost_cgroup *vb = css_vcpuboost(seq_css(sf));

	seq_printf(sf, "throttled %lld\n", atomic64_read(&vb->events_throttled));
	return 0;
}

static int vcpuboost_events_local_show(struct seq_file *sf, void *v)
{
	struct vcpuboost_cgroup *vb = css_vcpuboost(seq_css(sf));

	seq_printf(sf, "throttled %lld\n",
		   atomic64_read(&vb->events_local_throttled));
	return 0;
}

static struct cftype vcpuboost_files[] = {
	{
		.name = "max",
		.seq_show = vcpuboost_max_show,
		.write = vcpuboost_max_write,
		.flags = CFTYPE_NOT_ON_ROOT,
	},
	{
		.name = "prio.max",
		.seq_show = vcpuboost_prio_max_show,
		.write = vcpuboost_prio_max_write,
		.flags = CFTYPE_NOT_ON_ROOT,
	},
	{
		.name = "prio.effective",
		.seq_show = vcpuboost_prio_effective_show,
		.flags = CFTYPE_NOT_ON_ROOT,
	},
	{
		.name = "triggers",
		.seq_show = vcpuboost_triggers_show,
		.write = vcpuboost_triggers_write,
		.flags = CFTYPE_NOT_ON_ROOT,
	},
	{
		.name = "slice",
		.seq_show = vcpuboost_slice_show,
		.write = vcpuboost_slice_write,
		.flags = CFTYPE_NOT_ON_ROOT,
	},
	{
		.name = "stat",
		.seq_show = vcpuboost_stat_show,
	},
	{
		.name = "events",
		.seq_show = vcpuboost_events_show,
		.file_offset = offsetof(struct vcpuboost_cgroup, events_file),
		.flags = CFTYPE_NOT_ON_ROOT,
	},
	{
		.name = "events.local",
		.seq_show = vcpuboost_events_local_show,
		.file_offset = offsetof(struct vcpuboost_cgroup, events_local_file),
		.flags = CFTYPE_NOT_ON_ROOT,
	},
	{ }	/* terminate */
};

struct cgroup_subsys vcpuboost_cgrp_subsys = {
	.css_alloc	= vcpuboost_css_alloc,
	.css_online	= vcpuboost_css_online,
	.css_offline	= vcpuboost_css_offline,
	.css_free	= vcpuboost_css_free,
	.can_attach	= vcpuboost_can_attach,
	.attach		= vcpuboost_attach,
	.can_fork	= vcpuboost_can_fork,
	.cancel_fork	= vcpuboost_cancel_fork,
	.exit		= vcpuboost_exit,
	.release	= vcpuboost_release,
	.dfl_cftypes	= vcpuboost_files,
	.threaded	= true,
};
