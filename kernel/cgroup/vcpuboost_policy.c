// SPDX-License-Identifier: GPL-2.0-only
/*
 * vcpuboost policy arithmetic: parsing of the interface files, effective
 * ceiling and granted level. No locks and no state, so that KUnit can test
 * all of it (vcpuboost_kunit.c).
 *
 * A write either parses completely and within range, or fails with -EINVAL
 * (malformed: garbage, negative, wrong field count, trailing junk, unknown
 * key) or -ERANGE (a number too large or out of the file's range), and the
 * caller changes nothing.
 */
#include <linux/ctype.h>
#include <linux/kernel.h>
#include <linux/minmax.h>
#include <linux/string.h>
#include <kunit/visibility.h>

#include "vcpuboost-internal.h"

const char * const vcpuboost_trigger_names[NR_VCPUBOOST_TRIGGERS] = {
	[VCPUBOOST_TRIGGER_GUEST]	= "guest",
	[VCPUBOOST_TRIGGER_IRQ]		= "irq",
	[VCPUBOOST_TRIGGER_TIMER]	= "timer",
	[VCPUBOOST_TRIGGER_NMI]		= "nmi",
	[VCPUBOOST_TRIGGER_UNHALT]	= "unhalt",
};
EXPORT_SYMBOL_IF_KUNIT(vcpuboost_trigger_names);

/**
 * vcpuboost_split - split a string into whitespace-separated fields
 * @s: the string, split in place
 * @fields: set to the fields
 * @max: size of @fields
 *
 * Return: the number of fields, or -EINVAL if there are more than @max.
 */
int vcpuboost_split(char *s, char **fields, int max)
{
	int n = 0;

	while (*(s = skip_spaces(s))) {
		if (n == max)
			return -EINVAL;
		fields[n++] = s;
		while (*s && !isspace(*s))
			s++;
		if (*s)
			*s++ = '\0';
	}
	return n;
}
EXPORT_SYMBOL_IF_KUNIT(vcpuboost_split);

/* Copy a short single-line value so that it can be split in place. */
static int vcpuboost_copy(char *dst, size_t size, const char *buf)
{
	return strscpy(dst, buf, size) < 0 ? -EINVAL : 0;
}

static int vcpuboost_parse_level_field(const char *field, u8 *level)
{
	unsigned int v;
	int ret;

	if (!strcmp(field, VCPUBOOST_MAX_STR)) {
		*level = VCPUBOOST_LEVEL_INF;
		return 0;
	}
	ret = kstrtouint(field, 10, &v);
	if (ret)
		return ret;
	if (v > VCPUBOOST_LEVEL_MAX)
		return -ERANGE;
	*level = v;
	return 0;
}

/**
 * vcpuboost_parse_max - parse a write to vcpuboost.max
 * @buf: "$MAX $PERIOD" or "$MAX", $MAX being "max" or a number of us
 * @nr_cpus: number of possible CPUs, which bounds $MAX
 * @max_us: set to $MAX, %VCPUBOOST_BUDGET_INF for "max"
 * @period_us: in: the current period, kept when @buf has none; out: $PERIOD
 *
 * Return: 0, or -EINVAL / -ERANGE with @max_us and @period_us unchanged.
 */
int vcpuboost_parse_max(const char *buf, unsigned int nr_cpus,
			u64 *max_us, u64 *period_us)
{
	u64 max, period = *period_us;
	char tmp[64], *fields[2];
	int n, ret;

	ret = vcpuboost_copy(tmp, sizeof(tmp), buf);
	if (ret)
		return ret;
	n = vcpuboost_split(tmp, fields, ARRAY_SIZE(fields));
	if (n < 1)
		return -EINVAL;

	if (n == 2) {
		ret = kstrtoull(fields[1], 10, &period);
		if (ret)
			return ret;
		if (period < VCPUBOOST_PERIOD_MIN_US ||
		    period > VCPUBOOST_PERIOD_MAX_US)
			return -ERANGE;
	}

	if (!strcmp(fields[0], VCPUBOOST_MAX_STR)) {
		max = VCPUBOOST_BUDGET_INF;
	} else {
		ret = kstrtoull(fields[0], 10, &max);
		if (ret)
			return ret;
		if (max > period * nr_cpus)
			return -ERANGE;
	}

	*max_us = max;
	*period_us = period;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(vcpuboost_parse_max);

/**
 * vcpuboost_parse_level - parse a write to vcpuboost.prio.max
 * @buf: "max" or 0..99
 * @level: set to the value, %VCPUBOOST_LEVEL_INF for "max"
 *
 * Return: 0, or -EINVAL / -ERANGE with @level unchanged.
 */
int vcpuboost_parse_level(const char *buf, u8 *level)
{
	char tmp[32], *fields[1];
	int ret;

	ret = vcpuboost_copy(tmp, sizeof(tmp), buf);
	if (ret)
		return ret;
	if (vcpuboost_split(tmp, fields, ARRAY_SIZE(fields)) != 1)
		return -EINVAL;
	return vcpuboost_parse_level_field(fields[0], level);
}
EXPORT_SYMBOL_IF_KUNIT(vcpuboost_parse_level);

/**
 * vcpuboost_parse_slice - parse a write to vcpuboost.slice
 * @buf: a number of us, %VCPUBOOST_SLICE_MIN_US..%VCPUBOOST_SLICE_MAX_US
 * @slice_us: set to the value
 *
 * Return: 0, or -EINVAL / -ERANGE with @slice_us unchanged.
 */
int vcpuboost_parse_slice(const char *buf, u32 *slice_us)
{
	char tmp[32], *fields[1];
	unsigned int v;
	int ret;

	ret = vcpuboost_copy(tmp, sizeof(tmp), buf);
	if (ret)
		return ret;
	if (vcpuboost_split(tmp, fields, ARRAY_SIZE(fields)) != 1)
		return -EINVAL;
	ret = kstrtouint(fields[0], 10, &v);
	if (ret)
		return ret;
	if (v < VCPUBOOST_SLICE_MIN_US || v > VCPUBOOST_SLICE_MAX_US)
		return -ERANGE;
	*slice_us = v;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(vcpuboost_parse_slice);

/**
 * vcpuboost_parse_triggers - parse a write to vcpuboost.triggers
 * @buf: one "KEY VALUE" per line; parsed in place
 * @levels: the current values, NR_VCPUBOOST_TRIGGERS of them; the keys
 *	present in @buf are updated on success
 * @set: set to the mask of triggers present in @buf
 *
 * A key may appear once per write. Empty lines are ignored, but a write
 * without any key is invalid.
 *
 * Return: 0, or -EINVAL / -ERANGE with @levels and @set unchanged.
 */
int vcpuboost_parse_triggers(char *buf, u8 *levels, unsigned long *set)
{
	u8 parsed[NR_VCPUBOOST_TRIGGERS];
	unsigned long mask = 0;
	char *line, *fields[2];
	int n, t, ret;

	while ((line = strsep(&buf, "\n"))) {
		n = vcpuboost_split(line, fields, ARRAY_SIZE(fields));
		if (!n)
			continue;
		if (n != 2)
			return -EINVAL;
		t = match_string(vcpuboost_trigger_names,
				 ARRAY_SIZE(vcpuboost_trigger_names), fields[0]);
		if (t < 0 || (mask & BIT(t)))
			return -EINVAL;
		ret = vcpuboost_parse_level_field(fields[1], &parsed[t]);
		if (ret)
			return ret;
		mask |= BIT(t);
	}
	if (!mask)
		return -EINVAL;

	for_each_set_bit(t, &mask, NR_VCPUBOOST_TRIGGERS)
		levels[t] = parsed[t];
	*set = mask;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(vcpuboost_parse_triggers);

/**
 * vcpuboost_level_value - the SCHED_FIFO priority a stored level stands for
 * @level: 0..99 or %VCPUBOOST_LEVEL_INF
 *
 * Return: @level, with "max" counting as 99.
 */
unsigned int vcpuboost_level_value(u8 level)
{
	return min_t(unsigned int, level, VCPUBOOST_LEVEL_MAX);
}
EXPORT_SYMBOL_IF_KUNIT(vcpuboost_level_value);

/**
 * vcpuboost_effective_ceiling - a cgroup's effective prio.max
 * @prio_max: its own vcpuboost.prio.max
 * @parent_effective: its parent's effective ceiling (99 below the root)
 *
 * Return: the lower of the two, "max" counting as 99.
 */
unsigned int vcpuboost_effective_ceiling(u8 prio_max, unsigned int parent_effective)
{
	return min(vcpuboost_level_value(prio_max), parent_effective);
}
EXPORT_SYMBOL_IF_KUNIT(vcpuboost_effective_ceiling);

/**
 * vcpuboost_grant_level - the level a task's pending triggers earn it
 * @requested: level each trigger asked for
 * @pending: mask of the triggers that may boost
 * @triggers: the cgroup's vcpuboost.triggers values
 * @ceiling: the cgroup's effective ceiling
 *
 * Each trigger earns min(what it asked for, its vcpuboost.triggers value,
 * the ceiling); several at once give the highest.
 *
 * Return: the level to grant, 0 for none.
 */
unsigned int vcpuboost_grant_level(const u8 *requested, unsigned long pending,
				   const u8 *triggers, unsigned int ceiling)
{
	unsigned int level = 0;
	int t;

	for_each_set_bit(t, &pending, NR_VCPUBOOST_TRIGGERS) {
		unsigned int l = min3((unsigned int)requested[t],
				      vcpuboost_level_value(triggers[t]), ceiling);

		level = max(level, l);
	}
	return level;
}
EXPORT_SYMBOL_IF_KUNIT(vcpuboost_grant_level);

/**
 * vcpuboost_quota_ns - a budget in nanoseconds
 * @max_us: $MAX of vcpuboost.max
 *
 * Return: @max_us in ns, or %VCPUBOOST_BUDGET_INF.
 */
u64 vcpuboost_quota_ns(u64 max_us)
{
	if (max_us == VCPUBOOST_BUDGET_INF)
		return VCPUBOOST_BUDGET_INF;
	return max_us * NSEC_PER_USEC;
}
EXPORT_SYMBOL_IF_KUNIT(vcpuboost_quota_ns);

/*
 * How much a CPU's pool, holding @spare_ns beyond its windows, takes from
 * @budget_ns, what its cgroup's budget has left, once it holds less than
 * an enforcement window's floor: a share of it for each of @nr_cpus CPUs
 * that may spend it at once, but at least a slice, so that a budget far
 * from spent costs a timer per long window instead of a poll, and a
 * budget near its end is not split finer than a slice.
 */
s64 vcpuboost_pool_topup_ns(s64 spare_ns, s64 budget_ns, unsigned int nr_cpus)
{
	if (budget_ns <= 0 || spare_ns >= VCPUBOOST_ENFORCE_MIN_NS)
		return 0;
	return min_t(s64, max_t(s64, div_u64(budget_ns, max(nr_cpus, 1U)),
				VCPUBOOST_POOL_SLICE_NS), budget_ns);
}
EXPORT_SYMBOL_IF_KUNIT(vcpuboost_pool_topup_ns);
