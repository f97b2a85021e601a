// SPDX-License-Identifier: GPL-2.0
/*
 * SETTINGS: --budget, --prio-max, --trigger, --slice.
 *
 * Every option is checked against the kernel's ranges (SPEC §2) when it is
 * parsed, and the whole set again against the target cgroup before the
 * first write, so that a bad argument writes nothing: the kernel would
 * reject a bad value too, but only after the good ones before it had been
 * written.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "vcpuboost.h"

static int bad_budget(const char *arg, const char *why)
{
	return vb_usage_err("--budget '%s': %s; use --budget MAX/PERIOD (microseconds, PERIOD %llu..%llu, MAX 0..PERIOD x %u possible CPUs), --budget max[/PERIOD], or --budget MAX to keep the period",
			    arg, why, VB_PERIOD_MIN, VB_PERIOD_MAX,
			    nr_possible_cpus());
}

static int opt_budget(struct vb_settings *s, const char *arg)
{
	char max[32], period[32];
	const char *slash = strchr(arg, '/');
	uint64_t m = 0, p = 0;
	bool inf;

	if (strlen(arg) >= sizeof(max))
		return bad_budget(arg, "too long");
	if (slash) {
		snprintf(max, sizeof(max), "%.*s", (int)(slash - arg), arg);
		snprintf(period, sizeof(period), "%s", slash + 1);
	} else {
		snprintf(max, sizeof(max), "%s", arg);
		period[0] = '\0';
	}
	inf = !strcmp(max, "max");
	if (!inf && parse_u64(max, &m))
		return bad_budget(arg, "MAX is not 'max' or a number");
	if (slash) {
		if (parse_u64(period, &p))
			return bad_budget(arg, "PERIOD is not a number");
		if (p < VB_PERIOD_MIN || p > VB_PERIOD_MAX)
			return bad_budget(arg, "PERIOD out of range");
		if (!inf && m > p * nr_possible_cpus())
			return bad_budget(arg, "MAX larger than PERIOD x CPUs");
		snprintf(s->budget_val, sizeof(s->budget_val), "%s %llu",
			 max, (unsigned long long)p);
	} else {
		/* The kernel keeps the period, as for cpu.max. */
		snprintf(s->budget_val, sizeof(s->budget_val), "%s", max);
		s->budget_keep_period = !inf;
		s->budget_max = m;
	}
	s->budget = true;
	return 0;
}

static int opt_trigger(struct vb_settings *s, const char *arg)
{
	const char *eq = strchr(arg, '=');
	unsigned int level;
	int t;

	for (t = 0; eq && t < VB_NR_TRIGGERS; t++)
		if (strlen(vb_trigger_names[t]) == (size_t)(eq - arg) &&
		    !strncmp(arg, vb_trigger_names[t], eq - arg))
			break;
	if (!eq || t == VB_NR_TRIGGERS || parse_level(eq + 1, &level))
		return vb_usage_err("--trigger '%s': use --trigger KEY=LEVEL, KEY one of guest irq timer nmi unhalt, LEVEL 0..99 or max",
				    arg);
	if (s->trig[t])
		return vb_usage_err("--trigger '%s': %s given twice; give each key once",
				    arg, vb_trigger_names[t]);
	s->trig[t] = true;
	s->trig_level[t] = level;
	return 0;
}

/* One SETTINGS option; returns 0 or EXIT_USAGE with the message printed. */
int settings_opt(struct vb_settings *s, int opt, const char *arg)
{
	uint64_t v;

	switch (opt) {
	case OPT_BUDGET:
		return opt_budget(s, arg);
	case OPT_PRIO_MAX:
		if (parse_level(arg, &s->prio_level))
			return vb_usage_err("--prio-max '%s': use --prio-max N, N a SCHED_FIFO priority 0..99, or --prio-max max",
					    arg);
		s->prio = true;
		return 0;
	case OPT_TRIGGER:
		return opt_trigger(s, arg);
	case OPT_SLICE:
		if (parse_u64(arg, &v) || v < VB_SLICE_MIN || v > VB_SLICE_MAX)
			return vb_usage_err("--slice '%s': use --slice US, the longest boost in microseconds, %u..%u",
					    arg, VB_SLICE_MIN, VB_SLICE_MAX);
		s->slice = true;
		s->slice_us = v;
		return 0;
	}
	return EXIT_USAGE;
}

bool settings_any(const struct vb_settings *s)
{
	int t;

	for (t = 0; t < VB_NR_TRIGGERS; t++)
		if (s->trig[t])
			return true;
	return s->budget || s->prio || s->slice;
}

/*
 * The checks that need the cgroup, before any write: vcpuboost enabled
 * there, and a MAX given alone fitting the period it keeps.
 */
int settings_check(const char *rel, const struct vb_settings *s)
{
	char buf[64], a[32];
	unsigned long long period;
	int ret;

	if (!*rel) {
		vb_err("the root cgroup has no vcpuboost settings (SPEC: the control files are absent on the root); give a child cgroup");
		return EXIT_USAGE;
	}
	if (!cg_vb_enabled(rel)) {
		char parent[PATH_MAX];

		cg_parent(rel, parent, sizeof(parent));
		vb_err("%s has no vcpuboost files; enable the controller for it with: echo +vcpuboost > %s/cgroup.subtree_control (and in each ancestor)",
		       cg_show(rel), cg_show(parent));
		return EXIT_FAIL;
	}
	if (s->budget && s->budget_keep_period) {
		ret = vb_read(rel, "vcpuboost.max", buf, sizeof(buf));
		if (ret || sscanf(buf, "%31s %llu", a, &period) != 2) {
			vb_err("reading %s/vcpuboost.max: %s", cg_show(rel),
			       ret ? strerror(-ret) : "unexpected format");
			return EXIT_FAIL;
		}
		if (s->budget_max > period * nr_possible_cpus()) {
			snprintf(buf, sizeof(buf), "%llu",
				 (unsigned long long)s->budget_max);
			return bad_budget(buf, "MAX larger than the current period x CPUs");
		}
	}
	return 0;
}

static int apply_one(const char *rel, const char *file, const char *val)
{
	int ret = vb_write(rel, file, val);

	if (ret) {
		vb_write_advice(rel, file, ret);
		return EXIT_FAIL;
	}
	return 0;
}

/*
 * Write the settings. The ceiling goes last: raising prio.max is what lets
 * boosts happen, and it should find the budget, triggers and slice it is
 * meant to run with already in place.
 */
int settings_apply(const char *rel, const struct vb_settings *s)
{
	char buf[256], lvl[8];
	size_t len = 0;
	int t, ret = 0;

	if (s->budget)
		ret = apply_one(rel, "vcpuboost.max", s->budget_val);
	for (t = 0; t < VB_NR_TRIGGERS; t++)
		if (s->trig[t])
			len += snprintf(buf + len, sizeof(buf) - len, "%s %s\n",
					vb_trigger_names[t],
					level_str(s->trig_level[t], lvl,
						  sizeof(lvl)));
	if (!ret && len)
		ret = apply_one(rel, "vcpuboost.triggers", buf);
	if (!ret && s->slice) {
		snprintf(buf, sizeof(buf), "%u", s->slice_us);
		ret = apply_one(rel, "vcpuboost.slice", buf);
	}
	if (!ret && s->prio)
		ret = apply_one(rel, "vcpuboost.prio.max",
				level_str(s->prio_level, lvl, sizeof(lvl)));
	return ret;
}
