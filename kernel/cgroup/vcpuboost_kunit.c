// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests for the vcpuboost policy arithmetic: the parsers of the
 * interface files (all-or-nothing, -EINVAL vs -ERANGE), the effective
 * ceiling and the granted level.
 */
#include <kunit/test.h>
#include <linux/string.h>

#include "vcpuboost-internal.h"

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);

static void parse_max_accepts(struct kunit *test)
{
	u64 max = 1, period = 100000;

	KUNIT_EXPECT_EQ(test, vcpuboost_parse_max("max", 2, &max, &period), 0);
	KUNIT_EXPECT_EQ(test, max, VCPUBOOST_BUDGET_INF);
	KUNIT_EXPECT_EQ(test, period, 100000);

	KUNIT_EXPECT_EQ(test, vcpuboost_parse_max("20000 50000\n", 2, &max, &period), 0);
	KUNIT_EXPECT_EQ(test, max, 20000);
	KUNIT_EXPECT_EQ(test, period, 50000);

	/* Only $MAX: the period is kept, as cpu.max does. */
	KUNIT_EXPECT_EQ(test, vcpuboost_parse_max("  7000 ", 2, &max, &period), 0);
	KUNIT_EXPECT_EQ(test, max, 7000);
	KUNIT_EXPECT_EQ(test, period, 50000);

	KUNIT_EXPECT_EQ(test, vcpuboost_parse_max("0", 2, &max, &period), 0);
	KUNIT_EXPECT_EQ(test, max, 0);

	/* Bounds: $MAX up to $PERIOD times the CPUs, $PERIOD 1ms..1s. */
	KUNIT_EXPECT_EQ(test, vcpuboost_parse_max("2000 1000", 2, &max, &period), 0);
	KUNIT_EXPECT_EQ(test, max, 2000);
	KUNIT_EXPECT_EQ(test, period, 1000);
	KUNIT_EXPECT_EQ(test, vcpuboost_parse_max("max 1000000", 2, &max, &period), 0);
	KUNIT_EXPECT_EQ(test, period, 1000000);
}

static void parse_max_rejects(struct kunit *test)
{
	static const struct {
		const char *buf;
		int err;
	} cases[] = {
		{ "", -EINVAL },
		{ "\t\t", -EINVAL },
		{ "abc", -EINVAL },
		{ "-1", -EINVAL },
		{ "-1 100000", -EINVAL },
		{ "1000 -100000", -EINVAL },
		{ "1000 100000 5", -EINVAL },
		{ "1000x", -EINVAL },
		{ "1000 100000x", -EINVAL },
		{ "max max", -EINVAL },
		{ "1000 max", -EINVAL },
		{ "0x10", -EINVAL },
		{ "1.5", -EINVAL },
		{ "99999999999999999999999", -ERANGE },
		{ "1000 99999999999999999999999", -ERANGE },
		{ "1000 999", -ERANGE },
		{ "1000 1000001", -ERANGE },
		{ "200001 100000", -ERANGE },
		{ "2001 1000", -ERANGE },
	};
	int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		u64 max = 1234, period = 100000;

		KUNIT_EXPECT_EQ_MSG(test, vcpuboost_parse_max(cases[i].buf, 2,
							      &max, &period),
				    cases[i].err, "input \"%s\"", cases[i].buf);
		KUNIT_EXPECT_EQ(test, max, 1234);
		KUNIT_EXPECT_EQ(test, period, 100000);
	}
}

static void parse_level(struct kunit *test)
{
	static const char * const bad_einval[] = {
		"", "x", "-1", "5 6", "5x", "max5", "0x5",
	};
	static const char * const bad_erange[] = {
		"100", "4294967296", "99999999999999999999",
	};
	u8 level = 42;
	int i;

	KUNIT_EXPECT_EQ(test, vcpuboost_parse_level("max\n", &level), 0);
	KUNIT_EXPECT_EQ(test, level, VCPUBOOST_LEVEL_INF);
	KUNIT_EXPECT_EQ(test, vcpuboost_parse_level("0", &level), 0);
	KUNIT_EXPECT_EQ(test, level, 0);
	KUNIT_EXPECT_EQ(test, vcpuboost_parse_level(" 99 ", &level), 0);
	KUNIT_EXPECT_EQ(test, level, 99);

	for (i = 0; i < ARRAY_SIZE(bad_einval); i++) {
		KUNIT_EXPECT_EQ_MSG(test, vcpuboost_parse_level(bad_einval[i], &level),
				    -EINVAL, "input \"%s\"", bad_einval[i]);
		KUNIT_EXPECT_EQ(test, level, 99);
	}
	for (i = 0; i < ARRAY_SIZE(bad_erange); i++) {
		KUNIT_EXPECT_EQ_MSG(test, vcpuboost_parse_level(bad_erange[i], &level),
				    -ERANGE, "input \"%s\"", bad_erange[i]);
		KUNIT_EXPECT_EQ(test, level, 99);
	}
}

static void parse_slice(struct kunit *test)
{
	u32 slice = 1000;

	KUNIT_EXPECT_EQ(test, vcpuboost_parse_slice("10", &slice), 0);
	KUNIT_EXPECT_EQ(test, slice, 10);
	KUNIT_EXPECT_EQ(test, vcpuboost_parse_slice("1000000\n", &slice), 0);
	KUNIT_EXPECT_EQ(test, slice, 1000000);

	KUNIT_EXPECT_EQ(test, vcpuboost_parse_slice("9", &slice), -ERANGE);
	KUNIT_EXPECT_EQ(test, vcpuboost_parse_slice("0", &slice), -ERANGE);
	KUNIT_EXPECT_EQ(test, vcpuboost_parse_slice("1000001", &slice), -ERANGE);
	KUNIT_EXPECT_EQ(test, vcpuboost_parse_slice("max", &slice), -EINVAL);
	KUNIT_EXPECT_EQ(test, vcpuboost_parse_slice("-10", &slice), -EINVAL);
	KUNIT_EXPECT_EQ(test, vcpuboost_parse_slice("10 20", &slice), -EINVAL);
	KUNIT_EXPECT_EQ(test, vcpuboost_parse_slice("", &slice), -EINVAL);
	KUNIT_EXPECT_EQ(test, slice, 1000000);
}

static void parse_triggers(struct kunit *test)
{
	u8 levels[NR_VCPUBOOST_TRIGGERS] = { 1, 1, 1, 1, 1 };
	unsigned long set = 0;
	char buf[64];

	strscpy(buf, "irq 5", sizeof(buf));
	KUNIT_EXPECT_EQ(test, vcpuboost_parse_triggers(buf, levels, &set), 0);
	KUNIT_EXPECT_EQ(test, set, BIT(VCPUBOOST_TRIGGER_IRQ));
	KUNIT_EXPECT_EQ(test, levels[VCPUBOOST_TRIGGER_IRQ], 5);
	KUNIT_EXPECT_EQ(test, levels[VCPUBOOST_TRIGGER_TIMER], 1);

	strscpy(buf, "timer 0\n\nguest max\n", sizeof(buf));
	KUNIT_EXPECT_EQ(test, vcpuboost_parse_triggers(buf, levels, &set), 0);
	KUNIT_EXPECT_EQ(test, set, BIT(VCPUBOOST_TRIGGER_TIMER) |
				   BIT(VCPUBOOST_TRIGGER_GUEST));
	KUNIT_EXPECT_EQ(test, levels[VCPUBOOST_TRIGGER_TIMER], 0);
	KUNIT_EXPECT_EQ(test, levels[VCPUBOOST_TRIGGER_GUEST], VCPUBOOST_LEVEL_INF);
	KUNIT_EXPECT_EQ(test, levels[VCPUBOOST_TRIGGER_IRQ], 5);
}

static void parse_triggers_all_or_nothing(struct kunit *test)
{
	static const struct {
		const char *buf;
		int err;
	} cases[] = {
		{ "", -EINVAL },
		{ "\n\n", -EINVAL },
		{ "irq", -EINVAL },
		{ "irq 5 6", -EINVAL },
		{ "irq 5\nbogus 1", -EINVAL },
		{ "nmi 2\nirq -1", -EINVAL },
		{ "nmi 2\nirq 5x", -EINVAL },
		{ "irq 5\nirq 6", -EINVAL },
		{ "IRQ 5", -EINVAL },
		{ "nmi 2\nirq 100", -ERANGE },
	};
	int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		u8 levels[NR_VCPUBOOST_TRIGGERS] = { 1, 2, 3, 4, 5 };
		unsigned long set = 0xdead;
		char buf[64];
		int t;

		strscpy(buf, cases[i].buf, sizeof(buf));
		KUNIT_EXPECT_EQ_MSG(test, vcpuboost_parse_triggers(buf, levels, &set),
				    cases[i].err, "input \"%s\"", cases[i].buf);
		KUNIT_EXPECT_EQ(test, set, 0xdead);
		for (t = 0; t < NR_VCPUBOOST_TRIGGERS; t++)
			KUNIT_EXPECT_EQ(test, levels[t], t + 1);
	}
}

static void effective_ceiling(struct kunit *test)
{
	unsigned int top, mid, leaf;

	/* "max" counts as 99; the lowest value on the way up wins. */
	top = vcpuboost_effective_ceiling(VCPUBOOST_LEVEL_INF, VCPUBOOST_LEVEL_MAX);
	KUNIT_EXPECT_EQ(test, top, 99);
	top = vcpuboost_effective_ceiling(20, VCPUBOOST_LEVEL_MAX);
	mid = vcpuboost_effective_ceiling(VCPUBOOST_LEVEL_INF, top);
	leaf = vcpuboost_effective_ceiling(50, mid);
	KUNIT_EXPECT_EQ(test, mid, 20);
	KUNIT_EXPECT_EQ(test, leaf, 20);
	leaf = vcpuboost_effective_ceiling(7, mid);
	KUNIT_EXPECT_EQ(test, leaf, 7);
	/* 0 anywhere above disables the subtree. */
	mid = vcpuboost_effective_ceiling(0, top);
	KUNIT_EXPECT_EQ(test, vcpuboost_effective_ceiling(VCPUBOOST_LEVEL_INF, mid), 0);
}

static void grant_level(struct kunit *test)
{
	u8 triggers[NR_VCPUBOOST_TRIGGERS] = {
		[VCPUBOOST_TRIGGER_GUEST] = 10,
		[VCPUBOOST_TRIGGER_IRQ] = 5,
		[VCPUBOOST_TRIGGER_TIMER] = VCPUBOOST_LEVEL_INF,
		[VCPUBOOST_TRIGGER_NMI] = 0,
		[VCPUBOOST_TRIGGER_UNHALT] = 1,
	};
	u8 requested[NR_VCPUBOOST_TRIGGERS] = {
		[VCPUBOOST_TRIGGER_GUEST] = 30,
		[VCPUBOOST_TRIGGER_IRQ] = 99,
		[VCPUBOOST_TRIGGER_TIMER] = 99,
		[VCPUBOOST_TRIGGER_NMI] = 99,
		[VCPUBOOST_TRIGGER_UNHALT] = 99,
	};

#define GRANT(pending, ceiling) \
	vcpuboost_grant_level(requested, pending, triggers, ceiling)

	/* Nothing pending, nothing granted. */
	KUNIT_EXPECT_EQ(test, GRANT(0, 99), 0);
	/* The guest's request is capped by its trigger value. */
	KUNIT_EXPECT_EQ(test, GRANT(BIT(VCPUBOOST_TRIGGER_GUEST), 99), 10);
	requested[VCPUBOOST_TRIGGER_GUEST] = 3;
	KUNIT_EXPECT_EQ(test, GRANT(BIT(VCPUBOOST_TRIGGER_GUEST), 99), 3);
	/* A trigger at 0 is ignored. */
	KUNIT_EXPECT_EQ(test, GRANT(BIT(VCPUBOOST_TRIGGER_NMI), 99), 0);
	/* Several at once: the highest. */
	KUNIT_EXPECT_EQ(test, GRANT(BIT(VCPUBOOST_TRIGGER_IRQ) |
				    BIT(VCPUBOOST_TRIGGER_UNHALT) |
				    BIT(VCPUBOOST_TRIGGER_NMI), 99), 5);
	/* "max" is 99, capped by the ceiling. */
	KUNIT_EXPECT_EQ(test, GRANT(BIT(VCPUBOOST_TRIGGER_TIMER), 99), 99);
	KUNIT_EXPECT_EQ(test, GRANT(BIT(VCPUBOOST_TRIGGER_TIMER) |
				    BIT(VCPUBOOST_TRIGGER_IRQ), 4), 4);
	/* A ceiling of 0 denies everything. */
	KUNIT_EXPECT_EQ(test, GRANT(0x1f, 0), 0);
#undef GRANT
}

static void budget_arithmetic(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, vcpuboost_quota_ns(VCPUBOOST_BUDGET_INF),
			VCPUBOOST_BUDGET_INF);
	KUNIT_EXPECT_EQ(test, vcpuboost_quota_ns(0), 0);
	KUNIT_EXPECT_EQ(test, vcpuboost_quota_ns(20000), 20000000ULL);
	/* The largest finite budget does not overflow. */
	KUNIT_EXPECT_EQ(test, vcpuboost_quota_ns(VCPUBOOST_PERIOD_MAX_US * 8192),
			VCPUBOOST_PERIOD_MAX_US * 8192 * NSEC_PER_USEC);
}

static void pool_topup(struct kunit *test)
{
	const s64 slice = VCPUBOOST_POOL_SLICE_NS;

	/* A pool that still holds a window's floor takes nothing. */
	KUNIT_EXPECT_EQ(test, vcpuboost_pool_topup_ns(VCPUBOOST_ENFORCE_MIN_NS,
						      S64_MAX, 2), 0);
	/* One short takes its CPU's share of what is left... */
	KUNIT_EXPECT_EQ(test, vcpuboost_pool_topup_ns(0, 400000000, 2), 200000000);
	KUNIT_EXPECT_EQ(test, vcpuboost_pool_topup_ns(100000, 400000000, 4), 100000000);
	/* ...also when its windows hold more than it has... */
	KUNIT_EXPECT_EQ(test, vcpuboost_pool_topup_ns(-2000000, 400000000, 2), 200000000);
	/* ...but at least a slice, */
	KUNIT_EXPECT_EQ(test, vcpuboost_pool_topup_ns(0, 6000000, 2), slice);
	KUNIT_EXPECT_EQ(test, vcpuboost_pool_topup_ns(0, 6000000, 0), 6000000);
	/* and never more than the budget has left. */
	KUNIT_EXPECT_EQ(test, vcpuboost_pool_topup_ns(0, 300000, 2), 300000);
	KUNIT_EXPECT_EQ(test, vcpuboost_pool_topup_ns(0, 0, 2), 0);
	KUNIT_EXPECT_EQ(test, vcpuboost_pool_topup_ns(0, -1000, 2), 0);
	/* A window's floor, the most a pool leaves unbacked, keeps the bound. */
	KUNIT_EXPECT_LT(test, VCPUBOOST_ENFORCE_MIN_NS, 1000 * NSEC_PER_USEC);
}

static void split_fields(struct kunit *test)
{
	char buf[32], *fields[2];

	strscpy(buf, "  a \t b\n", sizeof(buf));
	KUNIT_EXPECT_EQ(test, vcpuboost_split(buf, fields, 2), 2);
	KUNIT_EXPECT_STREQ(test, fields[0], "a");
	KUNIT_EXPECT_STREQ(test, fields[1], "b");
	strscpy(buf, "a b c", sizeof(buf));
	KUNIT_EXPECT_EQ(test, vcpuboost_split(buf, fields, 2), -EINVAL);
	strscpy(buf, "\t\t", sizeof(buf));
	KUNIT_EXPECT_EQ(test, vcpuboost_split(buf, fields, 2), 0);
}

static struct kunit_case vcpuboost_test_cases[] = {
	KUNIT_CASE(parse_max_accepts),
	KUNIT_CASE(parse_max_rejects),
	KUNIT_CASE(parse_level),
	KUNIT_CASE(parse_slice),
	KUNIT_CASE(parse_triggers),
	KUNIT_CASE(parse_triggers_all_or_nothing),
	KUNIT_CASE(effective_ceiling),
	KUNIT_CASE(grant_level),
	KUNIT_CASE(budget_arithmetic),
	KUNIT_CASE(pool_topup),
	KUNIT_CASE(split_fields),
	{}
};

static struct kunit_suite vcpuboost_test_suite = {
	.name = "vcpuboost",
	.test_cases = vcpuboost_test_cases,
};

kunit_test_suite(vcpuboost_test_suite);

MODULE_DESCRIPTION("KUnit tests for the vcpuboost cgroup controller");
MODULE_LICENSE("GPL");
