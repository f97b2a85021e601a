// SPDX-License-Identifier: GPL-2.0
/*
 * Measure the vcpuboost engine through the test reporter (debugfs
 * vcpuboost/report); not a test, nothing is asserted.
 *
 *   latency: a busy task shares CPU 0 with a CFS hog; when the hog is
 *	running, the reporter on CPU 1 reports the task and measures how long
 *	until the task runs again: boosted, and with the report denied
 *	(vcpuboost.prio.max 0), as the baseline. The task notes when it
 *	resumes and the reporter sleeps meanwhile: under QEMU's
 *	single-threaded emulation a reporter spinning on CPU 1 would keep
 *	CPU 0 from being emulated at all.
 *   cost: the time of a report (a write to the debugfs file) with the
 *	controller off (no cgroup has it: the static key is off), denied
 *	(the fast path), and granted then retracted.
 *
 * Prints "key value" lines; times in microseconds.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <linux/limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cgroup_util.h"
#include "vcpuboost_util.h"

#define LOAD(p)		__atomic_load_n(p, __ATOMIC_RELAXED)
#define STORE(p, v)	__atomic_store_n(p, v, __ATOMIC_RELAXED)
/* A pause this long in the busy task's loop means it was not running. */
#define RESUME_GAP_NS	20000

/* Shared between the busy task and the reporter. */
struct stamps {
	long long last;		/* the task's last timestamp */
	long long since;	/* note the first resumption after this... */
	long long resumed;	/* ...here, if not yet noted */
};

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

static pid_t spawn_busy(const char *cg, struct stamps *st)
{
	long long t, prev = 0;
	pid_t pid = fork();

	if (pid)
		return pid;
	if (cg)
		cg_enter_current(cg);
	pin(0);
	for (;;) {
		if (!st)
			continue;
		t = now_ns();
		if (t - prev > RESUME_GAP_NS && !LOAD(&st->resumed) &&
		    t > LOAD(&st->since))
			STORE(&st->resumed, t);
		STORE(&st->last, t);
		prev = t;
	}
}

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

/* Report-to-running latency of the busy task, n samples, in ns. */
static void latency(const char *cg, int n, long long *out)
{
	struct stamps *st;
	char buf[64];
	pid_t task, hog;
	int fd, i, len;

	st = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	memset(st, 0, sizeof(*st));
	STORE(&st->resumed, 1);
	task = spawn_busy(cg, st);
	hog = spawn_busy(NULL, NULL);
	pin(1);
	fd = open(VB_REPORT_PATH, O_WRONLY);
	while (!LOAD(&st->last))
		usleep(100);
	for (i = 0; i < n; i++) {
		long long t0, last;

		/* Wait until the hog has the CPU: the task's stamp goes stale. */
		do {
			last = LOAD(&st->last);
			usleep(100);
		} while (LOAD(&st->last) != last);
		t0 = now_ns();
		STORE(&st->since, t0);
		STORE(&st->resumed, 0);
		len = snprintf(buf, sizeof(buf), "%d timer 1\n", task);
		if (write(fd, buf, len) != len)
			break;
		while (!LOAD(&st->resumed))
			usleep(20);
		out[i] = LOAD(&st->resumed) - t0;
		len = snprintf(buf, sizeof(buf), "%d timer 0\n", task);
		if (write(fd, buf, len) != len)
			break;
		usleep(2000);
	}
	close(fd);
	kill(task, SIGKILL);
	kill(hog, SIGKILL);
	waitpid(task, NULL, 0);
	waitpid(hog, NULL, 0);
	munmap(st, 4096);
	qsort(out, n, sizeof(*out), cmp_ll);
}

/* Mean time of one write to the reporter, in ns, for @n writes. */
static double cost(pid_t task, int n, bool pairs)
{
	char on[64], off[64];
	int fd, i, lon, loff;
	long long t0;

	fd = open(VB_REPORT_PATH, O_WRONLY);
	lon = snprintf(on, sizeof(on), "%d timer 1\n", task);
	loff = snprintf(off, sizeof(off), "%d timer 0\n", task);
	t0 = now_ns();
	for (i = 0; i < n; i++) {
		if (write(fd, on, lon) != lon)
			break;
		if (pairs && write(fd, off, loff) != loff)
			break;
	}
	t0 = now_ns() - t0;
	close(fd);
	return (double)t0 / (pairs ? 2 * n : n);
}

static pid_t spawn_sleeper(const char *cg)
{
	pid_t pid = fork();

	if (!pid) {
		if (cg)
			cg_enter_current(cg);
		pause();
		exit(0);
	}
	usleep(100000);
	return pid;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 200, reps = argc > 2 ? atoi(argv[2]) : 20000;
	char root[PATH_MAX], *cg;
	long long *boosted, *denied;
	double off, fast, grant;
	pid_t task;

	if (cg_find_unified_root(root, sizeof(root), NULL) || access(VB_REPORT_PATH, W_OK))
		return KSFT_SKIP;
	boosted = calloc(n, sizeof(*boosted));
	denied = calloc(n, sizeof(*denied));

	/* The controller off: no cgroup has it, the static key is off. */
	task = spawn_sleeper(NULL);
	off = cost(task, reps, false);
	kill(task, SIGKILL);
	waitpid(task, NULL, 0);

	cg = vb_create(root, "vcpuboost_bench");
	if (!cg) {
		fprintf(stderr, "cannot create a vcpuboost cgroup\n");
		return 1;
	}
	/* A new cgroup's ceiling is 0: grant it. */
	vb_grant(root, cg, "max");
	cg_write(cg, "vcpuboost.slice", "1000000");

	task = spawn_sleeper(cg);
	grant = cost(task, reps, true);
	cg_write(cg, "vcpuboost.prio.max", "0");
	fast = cost(task, reps, false);
	kill(task, SIGKILL);
	waitpid(task, NULL, 0);

	latency(cg, n, denied);
	cg_write(cg, "vcpuboost.prio.max", "max");
	latency(cg, n, boosted);
	vb_destroy(cg);

	printf("cost_off_us %.2f\n", off / 1000);
	printf("cost_denied_us %.2f\n", fast / 1000);
	printf("cost_grant_or_retract_us %.2f\n", grant / 1000);
	printf("latency_unboosted_p50_us %.1f\n", denied[n / 2] / 1000.0);
	printf("latency_unboosted_p99_us %.1f\n", denied[n * 99 / 100] / 1000.0);
	printf("latency_boosted_p50_us %.1f\n", boosted[n / 2] / 1000.0);
	printf("latency_boosted_p99_us %.1f\n", boosted[n * 99 / 100] / 1000.0);
	printf("latency_p50_ratio %.1f\n", (double)denied[n / 2] / (boosted[n / 2] ?: 1));
	printf("latency_p99_ratio %.1f\n",
	       (double)denied[n * 99 / 100] / (boosted[n * 99 / 100] ?: 1));
	return 0;
}
