// SPDX-License-Identifier: GPL-2.0
/*
 * The vcpuboost engine, driven through the test reporter (debugfs
 * vcpuboost/report, CONFIG_CGROUP_VCPUBOOST_DEBUG): every check looks at a
 * real effect, the boosted task's priority in /proc, the CPU time it gets
 * beside a hog, the counters of vcpuboost.stat and the events files.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <linux/limits.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../kselftest.h"
#include "cgroup_util.h"
#include "vcpuboost_util.h"

#define REPORT_PATH	"/sys/kernel/debug/vcpuboost/report"
#define TRACE_DIR	"/sys/kernel/tracing"

/* /proc priority of a SCHED_OTHER nice 0 task, and of one boosted to @l */
#define PRIO_NORMAL	20
#define PRIO_BOOSTED(l)	(-1 - (l))

static int ncpus;

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

/* Report (@level > 0) or retract (@level 0) @trigger for @tid. */
static int report(pid_t tid, const char *trigger, int level)
{
	char buf[64];
	int fd, len, ret = 0;

	fd = open(REPORT_PATH, O_WRONLY);
	if (fd < 0)
		return -errno;
	len = snprintf(buf, sizeof(buf), "%d %s %d\n", tid, trigger, level);
	if (write(fd, buf, len) != len)
		ret = -errno;
	close(fd);
	return ret;
}

/* Fields of /proc/PID/stat after the command name; field 3 is index 0. */
static long proc_stat_field(pid_t pid, int field)
{
	char path[64], buf[1024], *p, *save;
	int i;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if (read_text(path, buf, sizeof(buf)) <= 0)
		return -1000;
	p = strrchr(buf, ')');
	if (!p)
		return -1000;
	p = strtok_r(p + 2, " ", &save);
	for (i = 3; p && i < field; i++)
		p = strtok_r(NULL, " ", &save);
	return p ? atol(p) : -1000;
}

static long task_prio(pid_t pid)
{
	return proc_stat_field(pid, 18);
}

static long task_policy(pid_t pid)
{
	return proc_stat_field(pid, 41);
}

/* utime + stime, in clock ticks */
static long task_cputime(pid_t pid)
{
	return proc_stat_field(pid, 14) + proc_stat_field(pid, 15);
}

static long stat_key(const char *cg, const char *key)
{
	char k[64];

	snprintf(k, sizeof(k), "%s ", key);
	return cg_read_key_long(cg, "vcpuboost.stat", k);
}

/* grants = expired + retracted + revoked + nr_boosted, read at once */
static int stat_consistent(const char *cg)
{
	long grants = -1, expired = -1, retracted = -1, revoked = -1, boosted = -1;
	char buf[4096], *line, *save;

	if (cg_read(cg, "vcpuboost.stat", buf, sizeof(buf)))
		return 0;
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *value = strchr(line, ' ');

		if (!value)
			continue;
		*value++ = '\0';
		if (!strcmp(line, "grants"))
			grants = atol(value);
		else if (!strcmp(line, "expired"))
			expired = atol(value);
		else if (!strcmp(line, "retracted"))
			retracted = atol(value);
		else if (!strcmp(line, "revoked"))
			revoked = atol(value);
		else if (!strcmp(line, "nr_boosted"))
			boosted = atol(value);
	}
	if (grants < 0 || grants != expired + retracted + revoked + boosted) {
		ksft_print_msg("%s: grants %ld != %ld + %ld + %ld + %ld\n", cg,
			       grants, expired, retracted, revoked, boosted);
		return 0;
	}
	return 1;
}

static int expect_stat(const char *cg, const char *key, long expect)
{
	long v = stat_key(cg, key);

	if (v != expect) {
		ksft_print_msg("%s: %s is %ld, expected %ld\n", cg, key, v, expect);
		return 0;
	}
	return 1;
}

static int expect_prio(pid_t pid, long expect)
{
	long prio = task_prio(pid);

	if (prio != expect) {
		ksft_print_msg("pid %d: priority %ld, expected %ld\n", pid, prio,
			       expect);
		return 0;
	}
	return 1;
}

static void pin(pid_t pid, int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(pid, sizeof(set), &set);
}

/*
 * A child process in @cg (NULL: stay), pinned to @cpu (-1: not), that
 * spins if @busy or else sleeps, until killed.
 */
static pid_t spawn(const char *cg, int cpu, bool busy)
{
	int sync[2];
	pid_t pid;
	char c;

	if (pipe(sync))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		close(sync[0]);
		if (cg && cg_enter_current(cg))
			exit(1);
		if (cpu >= 0)
			pin(0, cpu);
		if (write(sync[1], "x", 1) != 1)
			exit(1);
		for (;;) {
			if (!busy)
				pause();
		}
	}
	close(sync[1]);
	if (read(sync[0], &c, 1) != 1) {
		close(sync[0]);
		waitpid(pid, NULL, 0);
		return -1;
	}
	close(sync[0]);
	return pid;
}

static void reap(pid_t pid)
{
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
}

/*
 * A boost is the task's effective priority, SCHED_FIFO at the granted
 * level, while its policy stays SCHED_OTHER; retracting ends it.
 */
static int test_engine_boost_visible(const char *root)
{
	int ret = KSFT_FAIL;
	pid_t pid = -1;
	char *cg;

	cg = vb_create(root, "vbe_visible");
	if (!cg || cg_write(cg, "vcpuboost.slice", "1000000"))
		goto cleanup;
	pid = spawn(cg, -1, false);
	if (pid < 0 || !expect_prio(pid, PRIO_NORMAL))
		goto cleanup;

	if (report(pid, "timer", 99) || !expect_prio(pid, PRIO_BOOSTED(1)))
		goto cleanup;
	if (task_policy(pid) != SCHED_OTHER || sched_getscheduler(pid) != SCHED_OTHER)
		goto cleanup;
	if (!expect_stat(cg, "grants", 1) || !expect_stat(cg, "nr_boosted", 1) ||
	    !expect_stat(cg, "reports_timer", 1))
		goto cleanup;

	if (report(pid, "timer", 0) || !expect_prio(pid, PRIO_NORMAL))
		goto cleanup;
	if (!expect_stat(cg, "retracted", 1) || !expect_stat(cg, "nr_boosted", 0) ||
	    !stat_consistent(cg))
		goto cleanup;
	ret = KSFT_PASS;
cleanup:
	reap(pid);
	vb_destroy(cg);
	return ret;
}

/* Granted level = min(asked, trigger value, ceiling, parent's ceiling). */
static int test_engine_caps(const char *root)
{
	char *parent = NULL, *cg = NULL;
	int ret = KSFT_FAIL;
	pid_t pid = -1;

	parent = vb_create(root, "vbe_caps");
	cg = parent ? vb_create(parent, "vm") : NULL;
	if (!cg || cg_write(cg, "vcpuboost.slice", "1000000") ||
	    cg_write(cg, "vcpuboost.triggers", "irq 30\nguest max"))
		goto cleanup;
	pid = spawn(cg, -1, false);
	if (pid < 0)
		goto cleanup;

	/* The trigger's value caps what the report asks for... */
	if (report(pid, "irq", 99) || !expect_prio(pid, PRIO_BOOSTED(30)) ||
	    report(pid, "irq", 0))
		goto cleanup;
	/* ...and the report what the value allows. */
	if (report(pid, "irq", 12) || !expect_prio(pid, PRIO_BOOSTED(12)) ||
	    report(pid, "irq", 0))
		goto cleanup;
	/* The guest asks; "max" lets it have what it asks for. */
	if (report(pid, "guest", 42) || !expect_prio(pid, PRIO_BOOSTED(42)) ||
	    report(pid, "guest", 0))
		goto cleanup;
	/* Its own ceiling. */
	if (cg_write(cg, "vcpuboost.prio.max", "9") ||
	    report(pid, "irq", 99) || !expect_prio(pid, PRIO_BOOSTED(9)) ||
	    report(pid, "irq", 0))
		goto cleanup;
	/* The parent's ceiling. */
	if (cg_write(parent, "vcpuboost.prio.max", "4") ||
	    report(pid, "guest", 99) || !expect_prio(pid, PRIO_BOOSTED(4)) ||
	    report(pid, "guest", 0))
		goto cleanup;
	/* Several triggers at once: the highest; retracting it lowers to the next. */
	if (cg_write(parent, "vcpuboost.prio.max", "max") ||
	    cg_write(cg, "vcpuboost.prio.max", "max") ||
	    cg_write(cg, "vcpuboost.triggers", "timer 3\nnmi 7") ||
	    report(pid, "timer", 99) || report(pid, "nmi", 99) ||
	    !expect_prio(pid, PRIO_BOOSTED(7)) || report(pid, "nmi", 0) ||
	    !expect_prio(pid, PRIO_BOOSTED(3)) || report(pid, "timer", 0) ||
	    !expect_prio(pid, PRIO_NORMAL))
		goto cleanup;
	if (!expect_stat(cg, "grants", 6) || !expect_stat(cg, "retracted", 6) ||
	    !stat_consistent(parent))
		goto cleanup;
	ret = KSFT_PASS;
cleanup:
	reap(pid);
	vb_destroy(cg);
	vb_destroy(parent);
	return ret;
}

/* A trigger set to 0, or a ceiling of 0, denies. */
static int test_engine_denied(const char *root)
{
	int ret = KSFT_FAIL;
	pid_t pid = -1;
	char *cg;

	cg = vb_create(root, "vbe_denied");
	if (!cg || cg_write(cg, "vcpuboost.triggers", "timer 0"))
		goto cleanup;
	pid = spawn(cg, -1, false);
	if (pid < 0)
		goto cleanup;
	if (report(pid, "timer", 50) || !expect_prio(pid, PRIO_NORMAL))
		goto cleanup;
	if (cg_write(cg, "vcpuboost.prio.max", "0") ||
	    report(pid, "irq", 50) || !expect_prio(pid, PRIO_NORMAL))
		goto cleanup;
	if (cg_write(cg, "vcpuboost.prio.max", "max") ||
	    cg_write(cg, "vcpuboost.max", "0") ||
	    report(pid, "nmi", 50) || !expect_prio(pid, PRIO_NORMAL))
		goto cleanup;
	if (!expect_stat(cg, "denied", 3) || !expect_stat(cg, "grants", 0) ||
	    !expect_stat(cg, "reports_timer", 1) || !expect_stat(cg, "reports_irq", 1) ||
	    !expect_stat(cg, "reports_nmi", 1))
		goto cleanup;
	ret = KSFT_PASS;
cleanup:
	reap(pid);
	vb_destroy(cg);
	return ret;
}

/*
 * A task outside any vcpuboost cgroup is never boosted; while some cgroup
 * has the controller, reports for it count as denied on the root.
 */
static int test_engine_unmanaged(const char *root)
{
	int ret = KSFT_FAIL;
	long denied;
	pid_t pid;
	char *cg;

	cg = vb_create(root, "vbe_unmanaged");
	pid = spawn(NULL, -1, false);
	if (!cg || pid < 0)
		goto cleanup;
	denied = stat_key(root, "denied");
	if (report(pid, "irq", 50) || !expect_prio(pid, PRIO_NORMAL))
		goto cleanup;
	if (stat_key(root, "denied") != denied + 1 || stat_key(cg, "denied") != 0)
		goto cleanup;
	ret = KSFT_PASS;
cleanup:
	reap(pid);
	vb_destroy(cg);
	return ret;
}

/* Bad reporter input is refused. */
static int test_engine_reporter_input(const char *root)
{
	static const char * const bad[] = {
		"1 irq", "1 irq 5 6", "1 bogus 5", "x irq 5", "1 irq -1",
		"1 irq 100", "",
	};
	int fd, i, ret = KSFT_PASS;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		fd = open(REPORT_PATH, O_WRONLY);
		if (fd < 0)
			return KSFT_FAIL;
		if (write(fd, bad[i], strlen(bad[i])) >= 0 && strlen(bad[i])) {
			ksft_print_msg("reporter took \"%s\"\n", bad[i]);
			ret = KSFT_FAIL;
		}
		close(fd);
	}
	/* No such thread. */
	if (report(0x3fffffff, "irq", 5) != -ESRCH)
		ret = KSFT_FAIL;
	return ret;
}

/*
 * A boosted busy task pinned beside a CFS hog gets nearly all of the CPU;
 * unboosted, they share it.
 */
static int run_share(const char *cg, bool boost, double *share)
{
	pid_t vcpu, hog;
	long v0, h0, v1, h1, end;
	int ret = -1;

	vcpu = spawn(cg, 0, true);
	hog = spawn(NULL, 0, true);
	if (vcpu < 0 || hog < 0)
		goto out;
	sleep_ms(200);
	v0 = task_cputime(vcpu);
	h0 = task_cputime(hog);
	end = now_ms() + 2000;
	while (now_ms() < end) {
		/* A slice lasts 1s: report again before it runs out. */
		if (boost && (report(vcpu, "irq", 0) || report(vcpu, "irq", 1)))
			goto out;
		sleep_ms(100);
	}
	v1 = task_cputime(vcpu);
	h1 = task_cputime(hog);
	if (boost && report(vcpu, "irq", 0))
		goto out;
	if (v1 - v0 + h1 - h0 <= 0)
		goto out;
	*share = (double)(v1 - v0) / (v1 - v0 + h1 - h0);
	ret = 0;
out:
	reap(vcpu);
	reap(hog);
	return ret;
}

static int test_engine_cpu_share(const char *root)
{
	double boosted, shared;
	int ret = KSFT_FAIL;
	char *cg;

	if (ncpus < 2)
		return KSFT_SKIP;
	cg = vb_create(root, "vbe_share");
	if (!cg || cg_write(cg, "vcpuboost.slice", "1000000"))
		goto cleanup;
	/* The test itself reports from the other CPU. */
	pin(0, 1);
	if (run_share(cg, false, &shared) || run_share(cg, true, &boosted))
		goto cleanup;
	ksft_print_msg("CPU share of the busy task: %.2f unboosted, %.2f boosted\n",
		       shared, boosted);
	if (shared > 0.25 && shared < 0.75 && boosted > 0.9)
		ret = KSFT_PASS;
cleanup:
	pin(0, 0);
	{
		cpu_set_t all;
		int i;

		CPU_ZERO(&all);
		for (i = 0; i < ncpus; i++)
			CPU_SET(i, &all);
		sched_setaffinity(0, sizeof(all), &all);
	}
	vb_destroy(cg);
	return ret;
}

/* A boost ends after vcpuboost.slice; the same trigger needs a new report. */
static int test_engine_slice_expiry(const char *root)
{
	int ret = KSFT_FAIL;
	pid_t pid = -1;
	char *cg;

	cg = vb_create(root, "vbe_slice");
	if (!cg || cg_write(cg, "vcpuboost.slice", "50000"))
		goto cleanup;
	pid = spawn(cg, -1, false);
	if (pid < 0)
		goto cleanup;
	if (report(pid, "unhalt", 5) || !expect_prio(pid, PRIO_BOOSTED(1)))
		goto cleanup;
	sleep_ms(150);
	if (!expect_prio(pid, PRIO_NORMAL) || !expect_stat(cg, "expired", 1))
		goto cleanup;
	/* Still pending, but it has had its boost. */
	sleep_ms(100);
	if (!expect_prio(pid, PRIO_NORMAL) || !expect_stat(cg, "grants", 1))
		goto cleanup;
	/* A new report boosts again. */
	if (report(pid, "unhalt", 5) || !expect_prio(pid, PRIO_BOOSTED(1)))
		goto cleanup;
	sleep_ms(150);
	if (!expect_prio(pid, PRIO_NORMAL) || !expect_stat(cg, "expired", 2) ||
	    !expect_stat(cg, "grants", 2) || !stat_consistent(cg))
		goto cleanup;
	/* Retracting a trigger whose boost expired counts nothing. */
	if (report(pid, "unhalt", 0) || !expect_stat(cg, "retracted", 0))
		goto cleanup;
	ret = KSFT_PASS;
cleanup:
	reap(pid);
	vb_destroy(cg);
	return ret;
}

/* Lowering the ceiling, or a trigger, ends the boosts it no longer allows. */
static int test_engine_revoke_policy(const char *root)
{
	int ret = KSFT_FAIL;
	pid_t pid = -1;
	char *cg;

	cg = vb_create(root, "vbe_revoke");
	if (!cg || cg_write(cg, "vcpuboost.slice", "1000000") ||
	    cg_write(cg, "vcpuboost.triggers", "irq 20\ntimer 20"))
		goto cleanup;
	pid = spawn(cg, -1, false);
	if (pid < 0)
		goto cleanup;

	if (report(pid, "irq", 99) || !expect_prio(pid, PRIO_BOOSTED(20)))
		goto cleanup;
	/* A ceiling at or above the level keeps it. */
	if (cg_write(cg, "vcpuboost.prio.max", "20") ||
	    !expect_prio(pid, PRIO_BOOSTED(20)))
		goto cleanup;
	if (cg_write(cg, "vcpuboost.prio.max", "10") ||
	    !expect_prio(pid, PRIO_NORMAL) || !expect_stat(cg, "revoked", 1))
		goto cleanup;

	if (cg_write(cg, "vcpuboost.prio.max", "max") ||
	    report(pid, "timer", 99) || !expect_prio(pid, PRIO_BOOSTED(20)))
		goto cleanup;
	if (cg_write(cg, "vcpuboost.triggers", "timer 0") ||
	    !expect_prio(pid, PRIO_NORMAL) || !expect_stat(cg, "revoked", 2))
		goto cleanup;

	if (cg_write(cg, "vcpuboost.triggers", "timer 20") ||
	    report(pid, "timer", 99) || !expect_prio(pid, PRIO_BOOSTED(20)))
		goto cleanup;
	if (cg_write(cg, "vcpuboost.max", "0") ||
	    !expect_prio(pid, PRIO_NORMAL) || !expect_stat(cg, "revoked", 3) ||
	    !stat_consistent(cg))
		goto cleanup;
	ret = KSFT_PASS;
cleanup:
	reap(pid);
	vb_destroy(cg);
	return ret;
}

/* Moving a boosted task to another cgroup ends its boost. */
static int test_engine_migration(const char *root)
{
	char *a = NULL, *b = NULL;
	int ret = KSFT_FAIL;
	pid_t pid = -1;

	a = vb_create(root, "vbe_mig_a");
	b = vb_create(root, "vbe_mig_b");
	if (!a || !b || cg_write(a, "vcpuboost.slice", "1000000") ||
	    cg_write(b, "vcpuboost.slice", "1000000"))
		goto cleanup;
	pid = spawn(a, -1, false);
	if (pid < 0)
		goto cleanup;
	if (report(pid, "nmi", 9) || !expect_prio(pid, PRIO_BOOSTED(1)))
		goto cleanup;
	if (cg_enter(b, pid) || !expect_prio(pid, PRIO_NORMAL))
		goto cleanup;
	if (!expect_stat(a, "revoked", 1) || !expect_stat(a, "nr_boosted", 0) ||
	    !expect_stat(b, "grants", 0))
		goto cleanup;
	/* Its pending trigger does not boost in the new cgroup by itself... */
	sleep_ms(50);
	if (!expect_prio(pid, PRIO_NORMAL))
		goto cleanup;
	/* ...a new report does, charged there. */
	if (report(pid, "nmi", 9) || !expect_prio(pid, PRIO_BOOSTED(1)) ||
	    !expect_stat(b, "grants", 1))
		goto cleanup;
	/* Out of every vcpuboost cgroup: back to the root. */
	if (cg_enter(root, pid) || !expect_prio(pid, PRIO_NORMAL) ||
	    !expect_stat(b, "revoked", 1) || !stat_consistent(a) || !stat_consistent(b))
		goto cleanup;
	ret = KSFT_PASS;
cleanup:
	reap(pid);
	vb_destroy(a);
	vb_destroy(b);
	return ret;
}

/* Exit, rmdir and a controller disable leave no boost behind. */
static int test_engine_teardown(const char *root)
{
	char *parent = NULL, *cg = NULL;
	int ret = KSFT_FAIL;
	pid_t pid = -1;

	parent = vb_create(root, "vbe_teardown");
	cg = parent ? vb_create(parent, "vm") : NULL;
	if (!cg || cg_write(cg, "vcpuboost.slice", "1000000") ||
	    cg_write(parent, "vcpuboost.slice", "1000000"))
		goto cleanup;

	/* Exit. */
	pid = spawn(cg, -1, false);
	if (pid < 0 || report(pid, "irq", 5) || !expect_prio(pid, PRIO_BOOSTED(1)))
		goto cleanup;
	reap(pid);
	pid = -1;
	if (!expect_stat(cg, "nr_boosted", 0) || !expect_stat(cg, "revoked", 1))
		goto cleanup;

	/* rmdir once its boosted task is gone: the counts move up. */
	pid = spawn(cg, -1, true);
	if (pid < 0 || report(pid, "irq", 5) || !expect_prio(pid, PRIO_BOOSTED(1)))
		goto cleanup;
	reap(pid);
	pid = -1;
	if (cg_destroy(cg))
		goto cleanup;
	if (!expect_stat(parent, "grants", 2) || !expect_stat(parent, "revoked", 2) ||
	    !expect_stat(parent, "nr_boosted", 0))
		goto cleanup;

	/* Disabling the controller under a boosted task ends its boost. */
	if (cg_create(cg) || cg_write(cg, "vcpuboost.slice", "1000000"))
		goto cleanup;
	pid = spawn(cg, -1, false);
	if (pid < 0 || report(pid, "irq", 5) || !expect_prio(pid, PRIO_BOOSTED(1)))
		goto cleanup;
	if (cg_write(parent, "cgroup.subtree_control", "-vcpuboost") ||
	    !expect_prio(pid, PRIO_NORMAL))
		goto cleanup;
	if (!expect_stat(parent, "grants", 3) || !expect_stat(parent, "revoked", 3) ||
	    !expect_stat(parent, "nr_boosted", 0) || !stat_consistent(parent))
		goto cleanup;
	/* The task is now managed by the parent: a report boosts it there. */
	if (report(pid, "irq", 5) || !expect_prio(pid, PRIO_BOOSTED(1)))
		goto cleanup;
	if (report(pid, "irq", 0))
		goto cleanup;
	ret = KSFT_PASS;
cleanup:
	reap(pid);
	vb_destroy(cg);
	vb_destroy(parent);
	return ret;
}

/*
 * sched_setattr(), nice and an RT policy of the task's own compose with the
 * boost and survive it: effective = highest of own and boost.
 */
static int test_engine_own_policy(const char *root)
{
	struct sched_param sp = { .sched_priority = 50 };
	int ret = KSFT_FAIL;
	pid_t pid = -1;
	char *cg;

	cg = vb_create(root, "vbe_policy");
	if (!cg || cg_write(cg, "vcpuboost.slice", "1000000") ||
	    cg_write(cg, "vcpuboost.triggers", "irq 10"))
		goto cleanup;
	pid = spawn(cg, -1, false);
	if (pid < 0 || report(pid, "irq", 99) || !expect_prio(pid, PRIO_BOOSTED(10)))
		goto cleanup;
	/* nice while boosted: kept boosted, and nice applies after. */
	if (setpriority(PRIO_PROCESS, pid, 5) || !expect_prio(pid, PRIO_BOOSTED(10)))
		goto cleanup;
	if (report(pid, "irq", 0) || !expect_prio(pid, PRIO_NORMAL + 5))
		goto cleanup;
	/* An own RT priority above the boost wins, and stays. */
	if (report(pid, "irq", 99) || sched_setscheduler(pid, SCHED_FIFO, &sp) ||
	    !expect_prio(pid, PRIO_BOOSTED(50)))
		goto cleanup;
	if (report(pid, "irq", 0) || !expect_prio(pid, PRIO_BOOSTED(50)) ||
	    sched_getscheduler(pid) != SCHED_FIFO)
		goto cleanup;
	/* Below the boost, the boost wins until it ends. */
	sp.sched_priority = 2;
	if (sched_setscheduler(pid, SCHED_FIFO, &sp) || report(pid, "irq", 99) ||
	    !expect_prio(pid, PRIO_BOOSTED(10)) || report(pid, "irq", 0) ||
	    !expect_prio(pid, PRIO_BOOSTED(2)))
		goto cleanup;
	sp.sched_priority = 0;
	if (sched_setscheduler(pid, SCHED_OTHER, &sp) ||
	    !expect_prio(pid, PRIO_NORMAL + 5) || !stat_consistent(cg))
		goto cleanup;
	ret = KSFT_PASS;
cleanup:
	reap(pid);
	vb_destroy(cg);
	return ret;
}

static int events_watch(const char *cg, const char *file)
{
	char path[PATH_MAX];
	int fd;

	fd = inotify_init1(IN_NONBLOCK);
	if (fd < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/%s", cg, file);
	if (inotify_add_watch(fd, path, IN_MODIFY) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static bool events_fired(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	return poll(&pfd, 1, 1000) == 1;
}

/*
 * Keep @n busy tasks boosted for @ms by reporting them again and again;
 * return the boosted time charged to @cg meanwhile, in us.
 */
static long hammer(const char *cg, pid_t *pids, int n, long ms)
{
	long before = stat_key(cg, "boosted_usec"), end = now_ms() + ms;
	int i;

	while (now_ms() < end) {
		for (i = 0; i < n; i++)
			if (report(pids[i], "guest", 50))
				return -1;
		sleep_ms(1);
	}
	for (i = 0; i < n; i++)
		report(pids[i], "guest", 0);
	return stat_key(cg, "boosted_usec") - before;
}

/*
 * A thread re-reported for seconds is charged no more than the budget plus
 * 1000us per CPU each period; running out throttles and notifies.
 */
static int test_engine_budget(const char *root)
{
	const long budget = 10000, period = 100000, ms = 3000;
	int ret = KSFT_FAIL, fd = -1, fd_local = -1;
	char *parent = NULL, *cg = NULL;
	long charged, allowed;
	pid_t pid = -1;

	parent = vb_create(root, "vbe_budget");
	cg = parent ? vb_create(parent, "vm") : NULL;
	if (!cg || cg_write(cg, "vcpuboost.max", "10000 100000") ||
	    cg_write(cg, "vcpuboost.slice", "1000000"))
		goto cleanup;
	fd = events_watch(parent, "vcpuboost.events");
	fd_local = events_watch(cg, "vcpuboost.events.local");
	if (fd < 0 || fd_local < 0)
		goto cleanup;
	pid = spawn(cg, 0, true);
	if (pid < 0)
		goto cleanup;

	charged = hammer(cg, &pid, 1, ms);
	allowed = (ms * 1000 / period + 2) * (budget + 1000 * ncpus);
	ksft_print_msg("charged %ld us in %ld ms at %ld/%ld us, allowed %ld\n",
		       charged, ms, budget, period, allowed);
	if (charged < 0 || charged > allowed)
		goto cleanup;
	/* It was boosted for real, most of the budget of most periods. */
	if (charged < allowed / 4)
		goto cleanup;
	if (stat_key(cg, "nr_throttled") < 5 || stat_key(cg, "throttled_usec") <= 0)
		goto cleanup;
	if (cg_read_key_long(cg, "vcpuboost.events", "throttled ") < 5 ||
	    cg_read_key_long(cg, "vcpuboost.events.local", "throttled ") < 5 ||
	    cg_read_key_long(parent, "vcpuboost.events", "throttled ") < 5 ||
	    cg_read_key_long(parent, "vcpuboost.events.local", "throttled ") != 0)
		goto cleanup;
	if (!events_fired(fd) || !events_fired(fd_local))
		goto cleanup;
	if (!stat_consistent(cg))
		goto cleanup;
	ret = KSFT_PASS;
cleanup:
	if (fd >= 0)
		close(fd);
	if (fd_local >= 0)
		close(fd_local);
	reap(pid);
	vb_destroy(cg);
	vb_destroy(parent);
	return ret;
}

/* A parent's budget is shared by its children. */
static int test_engine_budget_hierarchy(const char *root)
{
	const long budget = 10000, period = 100000, ms = 3000;
	char *parent = NULL, *c[2] = { NULL, NULL };
	int ret = KSFT_FAIL, i;
	pid_t pids[2] = { -1, -1 };
	long charged, allowed;

	parent = vb_create(root, "vbe_budget_tree");
	if (!parent || cg_write(parent, "vcpuboost.max", "10000 100000"))
		goto cleanup;
	for (i = 0; i < 2; i++) {
		c[i] = vb_create(parent, i ? "vcpu1" : "vcpu0");
		if (!c[i] || cg_write(c[i], "vcpuboost.slice", "1000000"))
			goto cleanup;
		pids[i] = spawn(c[i], i % ncpus, true);
		if (pids[i] < 0)
			goto cleanup;
	}
	charged = hammer(parent, pids, 2, ms);
	allowed = (ms * 1000 / period + 2) * (budget + 1000 * ncpus);
	ksft_print_msg("two children charged %ld us in %ld ms, allowed %ld\n",
		       charged, ms, allowed);
	if (charged < allowed / 4 || charged > allowed)
		goto cleanup;
	/* The parent ran out, not the children. */
	ksft_print_msg("parent throttled %ld times, first child %ld\n",
		       cg_read_key_long(parent, "vcpuboost.events.local", "throttled "),
		       cg_read_key_long(c[0], "vcpuboost.events", "throttled "));
	if (cg_read_key_long(parent, "vcpuboost.events.local", "throttled ") < 5 ||
	    cg_read_key_long(c[0], "vcpuboost.events", "throttled ") != 0 ||
	    !stat_consistent(parent))
		goto cleanup;
	ret = KSFT_PASS;
cleanup:
	for (i = 0; i < 2; i++) {
		reap(pids[i]);
		vb_destroy(c[i]);
	}
	vb_destroy(parent);
	return ret;
}

/* Taking a CPU down ends the boosts of the tasks on it. */
static int test_engine_hotplug(const char *root)
{
	const char *online = "/sys/devices/system/cpu/cpu1/online";
	int ret = KSFT_FAIL;
	pid_t pid = -1;
	char *cg;

	if (ncpus < 2 || access(online, W_OK))
		return KSFT_SKIP;
	cg = vb_create(root, "vbe_hotplug");
	if (!cg || cg_write(cg, "vcpuboost.slice", "1000000"))
		goto cleanup;
	/*
	 * A sleeping task: a busy one, boosted above the CPU hotplug thread,
	 * would hold the CPU up until its slice ends.
	 */
	pid = spawn(cg, 1, false);
	if (pid < 0 || report(pid, "timer", 5) || !expect_prio(pid, PRIO_BOOSTED(1)))
		goto cleanup;
	if (write_text(online, "0", 1) != 1)
		goto cleanup;
	if (!expect_prio(pid, PRIO_NORMAL) || !expect_stat(cg, "revoked", 1))
		goto cleanup_online;
	ret = KSFT_PASS;
cleanup_online:
	write_text(online, "1", 1);
cleanup:
	reap(pid);
	vb_destroy(cg);
	return ret;
}

/* The tracepoints fire with what happened. */
static int test_engine_tracepoints(const char *root)
{
	char buf[1 << 16];
	int ret = KSFT_FAIL;
	pid_t pid = -1;
	char *cg;

	if (access(TRACE_DIR "/events/vcpuboost/enable", W_OK))
		return KSFT_SKIP;
	write_text(TRACE_DIR "/trace", "", 0);
	if (write_text(TRACE_DIR "/events/vcpuboost/enable", "1", 1) != 1)
		return KSFT_FAIL;
	cg = vb_create(root, "vbe_trace");
	if (!cg || cg_write(cg, "vcpuboost.slice", "1000000") ||
	    cg_write(cg, "vcpuboost.triggers", "irq 7"))
		goto cleanup;
	pid = spawn(cg, 0, true);
	if (pid < 0 || report(pid, "irq", 7) || report(pid, "irq", 0))
		goto cleanup;
	/* Spend a small budget, to see the throttle. */
	if (cg_write(cg, "vcpuboost.max", "2000 100000") || report(pid, "timer", 1))
		goto cleanup;
	sleep_ms(100);
	report(pid, "timer", 0);
	if (read_text(TRACE_DIR "/trace", buf, sizeof(buf)) <= 0)
		goto cleanup;
	if (!strstr(buf, "vcpuboost_report:") || !strstr(buf, "trigger=irq level=7") ||
	    !strstr(buf, "vcpuboost_grant:") || !strstr(buf, "vcpuboost_end:") ||
	    !strstr(buf, "reason=retracted") || !strstr(buf, "vcpuboost_throttle:") ||
	    !strstr(buf, "reason=revoked")) {
		ksft_print_msg("trace lacks an event:\n%.2000s\n", buf);
		goto cleanup;
	}
	ret = KSFT_PASS;
cleanup:
	write_text(TRACE_DIR "/events/vcpuboost/enable", "0", 1);
	reap(pid);
	vb_destroy(cg);
	return ret;
}

/* Stress: reports, settings, migrations and removals at once. */
#define STRESS_TASKS	8
#define STRESS_SECONDS	30

static atomic_bool stress_stop;
static pid_t stress_pids[STRESS_TASKS];
static char *stress_cg[2];
static const char *stress_root;

static unsigned int rnd(unsigned int *seed)
{
	return rand_r(seed);
}

static void *stress_reporter(void *arg)
{
	static const char * const triggers[] = {
		"guest", "irq", "timer", "nmi", "unhalt",
	};
	unsigned int seed = (uintptr_t)arg;
	char buf[64];
	int fd, len;

	pin(0, (uintptr_t)arg % ncpus);
	fd = open(REPORT_PATH, O_WRONLY);
	if (fd < 0)
		return NULL;
	while (!atomic_load(&stress_stop)) {
		int level = rnd(&seed) % 3 ? rnd(&seed) % 100 : 0;

		len = snprintf(buf, sizeof(buf), "%d %s %d\n",
			       stress_pids[rnd(&seed) % STRESS_TASKS],
			       triggers[rnd(&seed) % 5], level);
		if (write(fd, buf, len) < 0 && errno != ESRCH)
			break;
	}
	close(fd);
	return NULL;
}

static void *stress_settings(void *arg)
{
	static const char * const files[] = {
		"vcpuboost.max", "vcpuboost.prio.max", "vcpuboost.triggers",
		"vcpuboost.slice",
	};
	static const char * const values[][3] = {
		{ "max", "2000 10000", "500 1000" },
		{ "max", "3", "0" },
		{ "irq 0\ntimer 5", "guest max\nnmi 40", "irq 1\ntimer 1" },
		{ "10", "1000", "100000" },
	};
	unsigned int seed = 7;
	char v[64];

	while (!atomic_load(&stress_stop)) {
		int f = rnd(&seed) % 4;

		snprintf(v, sizeof(v), "%s", values[f][rnd(&seed) % 3]);
		cg_write(stress_cg[rnd(&seed) % 2], files[f], v);
		if (!stat_consistent(stress_root))
			return (void *)1;
		usleep(500);
	}
	return NULL;
}

static void *stress_migrator(void *arg)
{
	unsigned int seed = 11;

	while (!atomic_load(&stress_stop)) {
		cg_enter(stress_cg[rnd(&seed) % 2],
			 stress_pids[rnd(&seed) % STRESS_TASKS]);
		usleep(300);
	}
	return NULL;
}

/* Cgroups made, used, emptied and removed, and the controller toggled. */
static void *stress_churn(void *arg)
{
	unsigned int seed = 13;
	char *tmp, *sub;

	while (!atomic_load(&stress_stop)) {
		pid_t pid = stress_pids[rnd(&seed) % STRESS_TASKS];
		char *home = stress_cg[rnd(&seed) % 2];

		tmp = cg_name(stress_cg[0], "churn");
		sub = cg_name(tmp, "sub");
		if (!cg_create(tmp) &&
		    !cg_write(tmp, "cgroup.subtree_control", "+vcpuboost") &&
		    !cg_create(sub)) {
			cg_enter(sub, pid);
			report(pid, "irq", 1 + rnd(&seed) % 99);
			usleep(200);
			if (rnd(&seed) % 2)
				cg_write(tmp, "cgroup.subtree_control", "-vcpuboost");
			cg_enter(home, pid);
		}
		cg_destroy(sub);
		cg_destroy(tmp);
		free(sub);
		free(tmp);
	}
	return NULL;
}

static int test_engine_stress(const char *root)
{
	pthread_t reporters[4], settings, migrator, churn;
	int ret = KSFT_FAIL, i;
	void *bad = NULL;
	char *top;

	top = vb_create(root, "vbe_stress");
	stress_cg[0] = top ? vb_create(top, "a") : NULL;
	stress_cg[1] = top ? vb_create(top, "b") : NULL;
	if (!stress_cg[0] || !stress_cg[1])
		goto cleanup;
	stress_root = top;
	for (i = 0; i < STRESS_TASKS; i++) {
		stress_pids[i] = spawn(stress_cg[i % 2], i % ncpus, i % 2);
		if (stress_pids[i] < 0)
			goto cleanup;
	}
	atomic_store(&stress_stop, false);
	for (i = 0; i < 4; i++)
		pthread_create(&reporters[i], NULL, stress_reporter, (void *)(uintptr_t)(i + 1));
	pthread_create(&settings, NULL, stress_settings, NULL);
	pthread_create(&migrator, NULL, stress_migrator, NULL);
	pthread_create(&churn, NULL, stress_churn, NULL);
	sleep(STRESS_SECONDS);
	atomic_store(&stress_stop, true);
	for (i = 0; i < 4; i++)
		pthread_join(reporters[i], NULL);
	pthread_join(settings, &bad);
	pthread_join(migrator, NULL);
	pthread_join(churn, NULL);
	pin(0, 0);

	if (bad || !stat_consistent(top))
		goto cleanup;
	ksft_print_msg("stress: %ld grants, %ld expired, %ld retracted, %ld revoked, %ld denied\n",
		       stat_key(top, "grants"), stat_key(top, "expired"),
		       stat_key(top, "retracted"), stat_key(top, "revoked"),
		       stat_key(top, "denied"));
	if (stat_key(top, "grants") < 100)
		goto cleanup;
	for (i = 0; i < STRESS_TASKS; i++) {
		reap(stress_pids[i]);
		stress_pids[i] = -1;
	}
	/* Nothing leaks: every boost ended, every cgroup goes. */
	if (!expect_stat(top, "nr_boosted", 0) || !stat_consistent(top))
		goto cleanup;
	if (cg_destroy(stress_cg[0]) || cg_destroy(stress_cg[1]) || cg_destroy(top))
		goto cleanup;
	ret = KSFT_PASS;
cleanup:
	for (i = 0; i < STRESS_TASKS; i++)
		reap(stress_pids[i]);
	{
		cpu_set_t all;

		CPU_ZERO(&all);
		for (i = 0; i < ncpus; i++)
			CPU_SET(i, &all);
		sched_setaffinity(0, sizeof(all), &all);
	}
	vb_destroy(stress_cg[0]);
	vb_destroy(stress_cg[1]);
	vb_destroy(top);
	return ret;
}

struct vcpuboost_test {
	int (*fn)(const char *root);
	const char *name;
};

#define T(x) { x, #x }
static const struct vcpuboost_test tests[] = {
	T(test_engine_boost_visible),
	T(test_engine_caps),
	T(test_engine_denied),
	T(test_engine_unmanaged),
	T(test_engine_reporter_input),
	T(test_engine_cpu_share),
	T(test_engine_slice_expiry),
	T(test_engine_revoke_policy),
	T(test_engine_migration),
	T(test_engine_teardown),
	T(test_engine_own_policy),
	T(test_engine_budget),
	T(test_engine_budget_hierarchy),
	T(test_engine_hotplug),
	T(test_engine_tracepoints),
	T(test_engine_stress),
};

#undef T

int main(int argc, char **argv)
{
	char root[PATH_MAX];
	int i;

	ksft_print_header();
	ksft_set_plan(ARRAY_SIZE(tests));
	ncpus = sysconf(_SC_NPROCESSORS_ONLN);
	if (cg_find_unified_root(root, sizeof(root), NULL))
		ksft_exit_skip("cgroup v2 isn't mounted\n");
	if (cg_read_strstr(root, "cgroup.controllers", "vcpuboost"))
		ksft_exit_skip("vcpuboost controller isn't available\n");
	if (access(REPORT_PATH, W_OK))
		ksft_exit_skip("no test reporter (CONFIG_CGROUP_VCPUBOOST_DEBUG)\n");
	if (cg_read_strstr(root, "cgroup.subtree_control", "vcpuboost") &&
	    cg_write(root, "cgroup.subtree_control", "+vcpuboost"))
		ksft_exit_skip("Failed to enable the vcpuboost controller\n");

	for (i = 0; i < ARRAY_SIZE(tests); i++) {
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
