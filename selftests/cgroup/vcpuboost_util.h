/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the vcpuboost selftests. Include after cgroup_util.h,
 * which has no include guard.
 */
#ifndef __VCPUBOOST_UTIL_H
#define __VCPUBOOST_UTIL_H

#include <errno.h>
#include <linux/limits.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../kselftest.h"

/* The test reporter, CONFIG_CGROUP_VCPUBOOST_DEBUG */
#define VB_REPORT_PATH	"/sys/kernel/debug/vcpuboost/report"

/* /proc priority of a SCHED_OTHER nice 0 task, and of one boosted to @l */
#define PRIO_NORMAL	20
#define PRIO_BOOSTED(l)	(-1 - (l))

/* CLOCK_MONOTONIC in milliseconds */
static inline long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static inline void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

/*
 * Skip the whole suite, as kselftest does, unless cgroup v2 with the
 * controller is there; @root gets the mount point.
 */
static inline void vb_require_controller(char *root, size_t size)
{
	if (cg_find_unified_root(root, size, NULL))
		ksft_exit_skip("cgroup v2 isn't mounted\n");
	if (cg_read_strstr(root, "cgroup.controllers", "vcpuboost"))
		ksft_exit_skip("vcpuboost controller isn't available\n");
}

/*
 * As vb_require_controller(), and the test reporter must be there too: a
 * suite that boosts tasks has nothing to run without it.
 */
static inline void vb_require(char *root, size_t size)
{
	vb_require_controller(root, size);
	if (access(VB_REPORT_PATH, W_OK))
		ksft_exit_skip("no test reporter (CONFIG_CGROUP_VCPUBOOST_DEBUG)\n");
}

/* A suite's test: @fn returns KSFT_PASS, KSFT_SKIP or, failing, anything else */
struct vb_test {
	int (*fn)(const char *root);
	const char *name;
};

/* The entry of a suite's table for test function @fn, named after it */
#define VB_TEST(fn)	{ fn, #fn }

/*
 * Run a suite, @n @tests in order with a TAP result each, and exit. First
 * @require, vb_require() or vb_require_controller(), finds the root or
 * skips the suite; then the controller is enabled below the root, where
 * the tests make their cgroups, or the suite skipped rather than every
 * test failed for that same reason.
 */
/* Whether @name is a word of the space-separated @list */
static inline bool vb_listed(const char *list, const char *name)
{
	size_t n = strlen(name);
	const char *p;

	for (p = strstr(list, name); p; p = strstr(p + 1, name))
		if ((p == list || p[-1] == ' ') && (p[n] == ' ' || !p[n]))
			return true;
	return false;
}

static inline __noreturn void vb_run_tests(const struct vb_test *tests, size_t n,
					   void (*require)(char *root, size_t size))
{
	const char *only = getenv("VB_TESTS");
	char root[PATH_MAX];
	size_t i;

	ksft_print_header();
	ksft_set_plan(n);
	require(root, sizeof(root));
	if (cg_read_strstr(root, "cgroup.subtree_control", "vcpuboost") &&
	    cg_write(root, "cgroup.subtree_control", "+vcpuboost"))
		ksft_exit_skip("Failed to enable the vcpuboost controller\n");

	for (i = 0; i < n; i++) {
		/* VB_TESTS="name ...": run only these, for a developer's loop */
		if (only && !vb_listed(only, tests[i].name)) {
			ksft_test_result_skip("%s (not in VB_TESTS)\n", tests[i].name);
			continue;
		}
		switch (tests[i].fn(root)) {
		case KSFT_PASS:
			ksft_test_result_pass("%s\n", tests[i].name);
			break;
		case KSFT_SKIP:
			ksft_test_result_skip("%s\n", tests[i].name);
			break;
		default:
			ksft_test_result_fail("%s\n", tests[i].name);
			break;
		}
	}
	ksft_finished();
}

/*
 * cg_write() of a string the caller may not change, such as a literal or
 * a table's entry: cg_write() takes a char *, though it only reads it.
 */
static inline int vb_write(const char *cg, const char *file, const char *value)
{
	char buf[512];

	snprintf(buf, sizeof(buf), "%s", value);
	return cg_write(cg, file, buf);
}

/* Make cgroup @name below @parent, with vcpuboost enabled for it. */
static inline char *vb_create(const char *parent, const char *name)
{
	char *cg = cg_name(parent, name);

	if (!cg)
		return NULL;
	if (cg_read_strstr(parent, "cgroup.subtree_control", "vcpuboost") &&
	    cg_write(parent, "cgroup.subtree_control", "+vcpuboost"))
		goto fail;
	if (cg_create(cg))
		goto fail;
	return cg;
fail:
	free(cg);
	return NULL;
}

static inline void vb_destroy(char *cg)
{
	if (cg) {
		cg_destroy(cg);
		free(cg);
	}
}

/*
 * Grant boosts up to @level ("max" or 0..99) to @cg: write its
 * vcpuboost.prio.max and that of every ancestor below @top, which @cg's
 * path starts with. A new cgroup's prio.max is 0, and the effective
 * ceiling is the lowest on the way up, so every level has to allow it.
 */
static inline int vb_grant(const char *top, const char *cg, const char *level)
{
	size_t len = strlen(top);
	char path[PATH_MAX], *slash;

	if (strncmp(cg, top, len) || cg[len] != '/')
		return -1;
	snprintf(path, sizeof(path), "%s", cg);
	while (strlen(path) > len) {
		if (vb_write(path, "vcpuboost.prio.max", level))
			return -1;
		slash = strrchr(path, '/');
		if (!slash)
			return -1;
		*slash = '\0';
	}
	return 0;
}

/* Report (@level > 0) or retract (@level 0) @trigger for @tid. */
static inline int vb_report(pid_t tid, const char *trigger, int level)
{
	char buf[64];
	int fd, len, ret = 0;

	fd = open(VB_REPORT_PATH, O_WRONLY);
	if (fd < 0)
		return -errno;
	len = snprintf(buf, sizeof(buf), "%d %s %d\n", tid, trigger, level);
	if (write(fd, buf, len) != len)
		ret = -errno;
	close(fd);
	return ret;
}

/*
 * Read /proc/@tid/stat (@tid 0: /proc/thread-self/stat) into @buf; return
 * where its fields after the command name begin, from field 3 (the state),
 * or NULL.
 */
static inline char *vb_proc_stat(pid_t tid, char *buf, size_t size)
{
	char path[64], *p;

	if (tid)
		snprintf(path, sizeof(path), "/proc/%d/stat", tid);
	else
		snprintf(path, sizeof(path), "/proc/thread-self/stat");
	if (read_text(path, buf, size) <= 0)
		return NULL;
	/* The command name may hold spaces and parentheses. */
	p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p + 2 : NULL;
}

/* Field @field of /proc/@tid/stat, counted as in proc(5); -1000 if unread */
static inline long vb_proc_stat_field(pid_t tid, int field)
{
	char buf[1024], *p, *save;
	int i;

	p = vb_proc_stat(tid, buf, sizeof(buf));
	if (!p)
		return -1000;
	p = strtok_r(p, " ", &save);
	for (i = 3; p && i < field; i++)
		p = strtok_r(NULL, " ", &save);
	return p ? atol(p) : -1000;
}

/* The priority /proc shows for @tid (0: the calling thread) */
static inline long vb_task_prio(pid_t tid)
{
	return vb_proc_stat_field(tid, 18);
}

#endif /* __VCPUBOOST_UTIL_H */
