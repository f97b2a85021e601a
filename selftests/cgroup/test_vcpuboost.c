// SPDX-License-Identifier: GPL-2.0
/*
 * The vcpuboost controller's interface files: defaults, round trips, the
 * "max" token, all-or-nothing rejection of bad input, presence on the root,
 * threaded subtrees, the effective ceiling, no boost until prio.max is
 * granted on every level, permissions and teardown. The engine behind the
 * files is tested by test_vcpuboost_engine.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <linux/limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../kselftest.h"
#include "cgroup_util.h"
#include "vcpuboost_util.h"

#define DEFAULT_TRIGGERS "guest 1\nirq 1\ntimer 1\nnmi 1\nunhalt 1\n"

static const char * const control_files[] = {
	"vcpuboost.max", "vcpuboost.prio.max", "vcpuboost.prio.effective",
	"vcpuboost.triggers", "vcpuboost.slice", "vcpuboost.events",
	"vcpuboost.events.local",
};

static const char * const stat_keys[] = {
	"boosted_usec", "grants", "denied", "expired", "retracted", "revoked",
	"nr_throttled", "throttled_usec", "nr_boosted", "reports_guest",
	"reports_irq", "reports_timer", "reports_nmi", "reports_unhalt",
};

static bool file_exists(const char *cg, const char *file)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", cg, file);
	return access(path, F_OK) == 0;
}

/*
 * Write @buf to @file; the write must fail with -EINVAL or -ERANGE and
 * leave the file reading as before.
 */
static int expect_rejected(const char *cg, const char *file, const char *buf)
{
	char before[4096], after[4096];
	int ret;

	if (cg_read(cg, file, before, sizeof(before)))
		return -1;
	ret = vb_write(cg, file, buf);
	if (ret != -EINVAL && ret != -ERANGE) {
		ksft_print_msg("%s: \"%s\" gave %d, not -EINVAL/-ERANGE\n",
			       file, buf, ret);
		return -1;
	}
	if (cg_read(cg, file, after, sizeof(after)) || strcmp(before, after)) {
		ksft_print_msg("%s: \"%s\" was rejected but changed the file\n",
			       file, buf);
		return -1;
	}
	return 0;
}

static int expect_all_rejected(const char *cg, const char *file,
			       const char * const *bad, int n)
{
	int i, ret = 0;

	for (i = 0; i < n; i++)
		if (expect_rejected(cg, file, bad[i]))
			ret = -1;
	return ret;
}

/*
 * A test of @file's rejections: in a new cgroup @name, with @good written
 * first so that a rejection has a value other than the default to keep,
 * each of the @n @bad must be rejected.
 */
static int test_rejects(const char *root, const char *name, const char *file,
			const char *good, const char * const *bad, int n)
{
	int ret = KSFT_FAIL;
	char *cg;

	cg = vb_create(root, name);
	if (!cg || vb_write(cg, file, good))
		goto cleanup;
	if (expect_all_rejected(cg, file, bad, n))
		goto cleanup;
	ret = KSFT_PASS;
cleanup:
	vb_destroy(cg);
	return ret;
}

/* Write @buf and read back @expect. */
static int round_trip(const char *cg, const char *file, const char *buf,
		      const char *expect)
{
	if (vb_write(cg, file, buf)) {
		ksft_print_msg("%s: \"%s\" was refused\n", file, buf);
		return -1;
	}
	if (cg_read_strcmp(cg, file, expect)) {
		ksft_print_msg("%s: \"%s\" did not read back as \"%s\"\n",
			       file, buf, expect);
		return -1;
	}
	return 0;
}

static int test_vcpuboost_listed(const char *root)
{
	return cg_read_strstr(root, "cgroup.controllers", "vcpuboost") ?
		KSFT_FAIL : KSFT_PASS;
}

static int test_vcpuboost_defaults(const char *root)
{
	int ret = KSFT_FAIL, i;
	char *cg;

	cg = vb_create(root, "vb_defaults");
	if (!cg)
		goto cleanup;
	/* A new cgroup is granted no boost. */
	if (cg_read_strcmp(cg, "vcpuboost.max", "max 100000\n") ||
	    cg_read_strcmp(cg, "vcpuboost.prio.max", "0\n") ||
	    cg_read_strcmp(cg, "vcpuboost.prio.effective", "0\n") ||
	    cg_read_strcmp(cg, "vcpuboost.triggers", DEFAULT_TRIGGERS) ||
	    cg_read_strcmp(cg, "vcpuboost.slice", "1000\n") ||
	    cg_read_strcmp(cg, "vcpuboost.events", "throttled 0\n") ||
	    cg_read_strcmp(cg, "vcpuboost.events.local", "throttled 0\n"))
		goto cleanup;
	for (i = 0; i < ARRAY_SIZE(stat_keys); i++) {
		char key[64];

		snprintf(key, sizeof(key), "%s ", stat_keys[i]);
		if (cg_read_key_long(cg, "vcpuboost.stat", key) != 0)
			goto cleanup;
	}
	ret = KSFT_PASS;
cleanup:
	vb_destroy(cg);
	return ret;
}

/* vcpuboost.stat has exactly the keys of the contract, in its order. */
static int test_vcpuboost_stat_keys(const char *root)
{
	int ret = KSFT_FAIL, i;
	char buf[4096], *line, *save;
	char *cg;

	cg = vb_create(root, "vb_stat_keys");
	if (!cg || cg_read(cg, "vcpuboost.stat", buf, sizeof(buf)))
		goto cleanup;
	for (i = 0, line = strtok_r(buf, "\n", &save); line;
	     i++, line = strtok_r(NULL, "\n", &save)) {
		size_t len;

		if (i >= ARRAY_SIZE(stat_keys))
			goto cleanup;
		len = strlen(stat_keys[i]);
		if (strncmp(line, stat_keys[i], len) || line[len] != ' ')
			goto cleanup;
	}
	if (i == ARRAY_SIZE(stat_keys))
		ret = KSFT_PASS;
cleanup:
	vb_destroy(cg);
	return ret;
}

static int test_vcpuboost_root_files(const char *root)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(control_files); i++)
		if (file_exists(root, control_files[i]))
			return KSFT_FAIL;
	/* The statistics of the whole hierarchy are on the root. */
	if (!file_exists(root, "vcpuboost.stat"))
		return KSFT_FAIL;
	if (cg_read_key_long(root, "vcpuboost.stat", "nr_boosted ") < 0)
		return KSFT_FAIL;
	return KSFT_PASS;
}

static int test_vcpuboost_max_round_trip(const char *root)
{
	int ret = KSFT_FAIL;
	char *cg;

	cg = vb_create(root, "vb_max");
	if (!cg)
		goto cleanup;
	if (round_trip(cg, "vcpuboost.max", "50000 200000", "50000 200000\n") ||
	    /* Only $MAX: the period is kept. */
	    round_trip(cg, "vcpuboost.max", "20000\n", "20000 200000\n") ||
	    round_trip(cg, "vcpuboost.max", "max", "max 200000\n") ||
	    round_trip(cg, "vcpuboost.max", "max 1000", "max 1000\n") ||
	    round_trip(cg, "vcpuboost.max", "0 1000000", "0 1000000\n") ||
	    round_trip(cg, "vcpuboost.max", "1000 1000", "1000 1000\n") ||
	    round_trip(cg, "vcpuboost.max", "max 100000", "max 100000\n"))
		goto cleanup;
	ret = KSFT_PASS;
cleanup:
	vb_destroy(cg);
	return ret;
}

/* $MAX may reach the period times the number of possible CPUs, no more. */
static int test_vcpuboost_max_cpus(const char *root)
{
	int ret = KSFT_FAIL, ncpu;
	char buf[64], expect[80];
	char *cg;

	ncpu = sysconf(_SC_NPROCESSORS_CONF);
	cg = vb_create(root, "vb_max_cpus");
	if (!cg || ncpu < 1)
		goto cleanup;
	snprintf(buf, sizeof(buf), "%d 100000", ncpu * 100000);
	snprintf(expect, sizeof(expect), "%s\n", buf);
	if (round_trip(cg, "vcpuboost.max", buf, expect))
		goto cleanup;
	snprintf(buf, sizeof(buf), "%d 100000", ncpu * 100000 + 1);
	if (expect_rejected(cg, "vcpuboost.max", buf))
		goto cleanup;
	ret = KSFT_PASS;
cleanup:
	vb_destroy(cg);
	return ret;
}

static int test_vcpuboost_max_rejects(const char *root)
{
	static const char * const bad[] = {
		"\n", " ", "abc", "-1", "-1 100000", "1000 -100000",
		"1000 100000 7", "1000x", "1000 100000x", "max max",
		"1000 max", "0x10", "1.5", "1000,100000",
		"99999999999999999999999", "1000 99999999999999999999999",
		"1000 999", "1000 1000001", "1000 0",
	};

	return test_rejects(root, "vb_max_bad", "vcpuboost.max", "5000 100000",
			    bad, ARRAY_SIZE(bad));
}

static int test_vcpuboost_prio_round_trip(const char *root)
{
	int ret = KSFT_FAIL;
	char *cg;

	cg = vb_create(root, "vb_prio");
	if (!cg)
		goto cleanup;
	if (round_trip(cg, "vcpuboost.prio.max", "5", "5\n") ||
	    cg_read_strcmp(cg, "vcpuboost.prio.effective", "5\n") ||
	    round_trip(cg, "vcpuboost.prio.max", "0\n", "0\n") ||
	    cg_read_strcmp(cg, "vcpuboost.prio.effective", "0\n") ||
	    round_trip(cg, "vcpuboost.prio.max", "99", "99\n") ||
	    round_trip(cg, "vcpuboost.prio.max", "max", "max\n") ||
	    cg_read_strcmp(cg, "vcpuboost.prio.effective", "99\n"))
		goto cleanup;
	ret = KSFT_PASS;
cleanup:
	vb_destroy(cg);
	return ret;
}

static int test_vcpuboost_prio_rejects(const char *root)
{
	static const char * const bad[] = {
		"\n", "x", "-1", "100", "5 6", "5x", "max5", "0x5", "1.0",
		"4294967296", "99999999999999999999",
	};

	return test_rejects(root, "vb_prio_bad", "vcpuboost.prio.max", "17",
			    bad, ARRAY_SIZE(bad));
}

static int test_vcpuboost_triggers_round_trip(const char *root)
{
	int ret = KSFT_FAIL;
	char *cg;

	cg = vb_create(root, "vb_triggers");
	if (!cg)
		goto cleanup;
	if (round_trip(cg, "vcpuboost.triggers", "irq 5",
		       "guest 1\nirq 5\ntimer 1\nnmi 1\nunhalt 1\n") ||
	    /* Several keys in one write. */
	    round_trip(cg, "vcpuboost.triggers", "timer 0\nnmi 50\n",
		       "guest 1\nirq 5\ntimer 0\nnmi 50\nunhalt 1\n") ||
	    round_trip(cg, "vcpuboost.triggers", "guest max\nunhalt 99",
		       "guest max\nirq 5\ntimer 0\nnmi 50\nunhalt 99\n") ||
	    round_trip(cg, "vcpuboost.triggers",
		       "guest 1\nirq 1\ntimer 1\nnmi 1\nunhalt 1\n",
		       DEFAULT_TRIGGERS))
		goto cleanup;
	ret = KSFT_PASS;
cleanup:
	vb_destroy(cg);
	return ret;
}

static int test_vcpuboost_triggers_rejects(const char *root)
{
	static const char * const bad[] = {
		"\n", "\n\n", "irq", "irq 5 6", "bogus 1", "IRQ 5", "irq -1",
		"irq 100", "irq 5x", "irq 5\nirq 6",
		/* A bad key or value anywhere: nothing of the write applies. */
		"irq 7\nbogus 1", "timer 3\nirq 100", "nmi 4\nguest x",
		"irq 7 timer 3",
	};

	return test_rejects(root, "vb_triggers_bad", "vcpuboost.triggers", "irq 2",
			    bad, ARRAY_SIZE(bad));
}

static int test_vcpuboost_slice(const char *root)
{
	static const char * const bad[] = {
		"\n", "max", "9", "0", "-10", "1000001", "10 20", "10x", "0x20",
		"99999999999999999999",
	};
	int ret = KSFT_FAIL;
	char *cg;

	cg = vb_create(root, "vb_slice");
	if (!cg)
		goto cleanup;
	if (round_trip(cg, "vcpuboost.slice", "10", "10\n") ||
	    round_trip(cg, "vcpuboost.slice", "1000000\n", "1000000\n") ||
	    round_trip(cg, "vcpuboost.slice", "250", "250\n"))
		goto cleanup;
	if (expect_all_rejected(cg, "vcpuboost.slice", bad, ARRAY_SIZE(bad)))
		goto cleanup;
	ret = KSFT_PASS;
cleanup:
	vb_destroy(cg);
	return ret;
}

/* stat, events and prio.effective are read-only. */
static int test_vcpuboost_read_only(const char *root)
{
	static const char * const ro[] = {
		"vcpuboost.stat", "vcpuboost.events", "vcpuboost.events.local",
		"vcpuboost.prio.effective",
	};
	int ret = KSFT_FAIL, i;
	char *cg;

	cg = vb_create(root, "vb_ro");
	if (!cg)
		goto cleanup;
	for (i = 0; i < ARRAY_SIZE(ro); i++) {
		if (cg_write(cg, ro[i], "0") == 0)
			goto cleanup;
	}
	if (cg_write(root, "vcpuboost.stat", "0") == 0)
		goto cleanup;
	ret = KSFT_PASS;
cleanup:
	vb_destroy(cg);
	return ret;
}

/* The ceiling in force is the lowest on the way to the root. */
static int test_vcpuboost_effective_ceiling(const char *root)
{
	char *a = NULL, *b = NULL, *c = NULL;
	int ret = KSFT_FAIL;

	a = vb_create(root, "vb_eff_a");
	b = a ? vb_create(a, "b") : NULL;
	c = b ? vb_create(b, "c") : NULL;
	if (!c || vb_grant(root, c, "max"))
		goto cleanup;

	if (cg_write(a, "vcpuboost.prio.max", "20") ||
	    cg_write(c, "vcpuboost.prio.max", "50"))
		goto cleanup;
	if (cg_read_strcmp(a, "vcpuboost.prio.effective", "20\n") ||
	    cg_read_strcmp(b, "vcpuboost.prio.effective", "20\n") ||
	    cg_read_strcmp(c, "vcpuboost.prio.effective", "20\n") ||
	    /* Its own value reads as written. */
	    cg_read_strcmp(c, "vcpuboost.prio.max", "50\n"))
		goto cleanup;

	if (cg_write(b, "vcpuboost.prio.max", "7") ||
	    cg_read_strcmp(c, "vcpuboost.prio.effective", "7\n") ||
	    cg_read_strcmp(a, "vcpuboost.prio.effective", "20\n"))
		goto cleanup;

	/* 0 at the top disables the subtree. */
	if (cg_write(a, "vcpuboost.prio.max", "0") ||
	    cg_read_strcmp(b, "vcpuboost.prio.effective", "0\n") ||
	    cg_read_strcmp(c, "vcpuboost.prio.effective", "0\n"))
		goto cleanup;

	/* Raising it back gives each level the lowest of its path again. */
	if (cg_write(a, "vcpuboost.prio.max", "max") ||
	    cg_write(b, "vcpuboost.prio.max", "max") ||
	    cg_read_strcmp(a, "vcpuboost.prio.effective", "99\n") ||
	    cg_read_strcmp(b, "vcpuboost.prio.effective", "99\n") ||
	    cg_read_strcmp(c, "vcpuboost.prio.effective", "50\n"))
		goto cleanup;

	/*
	 * A new child is granted nothing; once granted, it inherits the
	 * effective value of its parent.
	 */
	if (cg_write(b, "vcpuboost.prio.max", "3"))
		goto cleanup;
	vb_destroy(c);
	c = vb_create(b, "c");
	if (!c || cg_read_strcmp(c, "vcpuboost.prio.effective", "0\n") ||
	    cg_read_strcmp(c, "vcpuboost.prio.max", "0\n"))
		goto cleanup;
	if (cg_write(c, "vcpuboost.prio.max", "max") ||
	    cg_read_strcmp(c, "vcpuboost.prio.effective", "3\n"))
		goto cleanup;
	ret = KSFT_PASS;
cleanup:
	vb_destroy(c);
	vb_destroy(b);
	vb_destroy(a);
	return ret;
}

static int thread_pipe[2];

static void *sleeper(void *arg)
{
	pid_t tid = syscall(SYS_gettid);

	if (write(thread_pipe[1], &tid, sizeof(tid)) != sizeof(tid))
		return NULL;
	pause();
	return NULL;
}

/* A process with two threads, which report their TIDs through a pipe. */
static int run_two_threads(const char *cgroup, void *arg)
{
	pthread_t t[2];

	if (pthread_create(&t[0], NULL, sleeper, NULL) ||
	    pthread_create(&t[1], NULL, sleeper, NULL))
		return 1;
	pause();
	return 0;
}

/*
 * A VM's cgroup is a threaded domain with one threaded child per vCPU;
 * vcpuboost works in it, and threads move with cgroup.threads.
 */
static int test_vcpuboost_threaded(const char *root)
{
	char *vm = NULL, *vcpu0 = NULL, *vcpu1 = NULL;
	int ret = KSFT_FAIL, pid = -1;
	char buf[64];
	pid_t tid[2];

	vm = vb_create(root, "vb_vm");
	vcpu0 = vm ? cg_name(vm, "vcpu0") : NULL;
	vcpu1 = vm ? cg_name(vm, "vcpu1") : NULL;
	if (!vcpu0 || !vcpu1 || cg_create(vcpu0) || cg_create(vcpu1))
		goto cleanup;
	if (cg_write(vcpu0, "cgroup.type", "threaded") ||
	    cg_write(vcpu1, "cgroup.type", "threaded") ||
	    cg_read_strcmp(vm, "cgroup.type", "domain threaded\n"))
		goto cleanup;
	if (cg_write(vm, "cgroup.subtree_control", "+vcpuboost"))
		goto cleanup;
	if (!file_exists(vcpu0, "vcpuboost.prio.max") ||
	    !file_exists(vcpu1, "vcpuboost.triggers"))
		goto cleanup;
	if (vb_grant(root, vcpu0, "max") || vb_grant(root, vcpu1, "max"))
		goto cleanup;

	if (pipe(thread_pipe))
		goto cleanup;
	pid = cg_run_nowait(vm, run_two_threads, NULL);
	if (pid < 0)
		goto cleanup;
	if (read(thread_pipe[0], &tid[0], sizeof(pid_t)) != sizeof(pid_t) ||
	    read(thread_pipe[0], &tid[1], sizeof(pid_t)) != sizeof(pid_t))
		goto cleanup;

	snprintf(buf, sizeof(buf), "%d", tid[0]);
	if (cg_write(vcpu0, "cgroup.threads", buf))
		goto cleanup;
	snprintf(buf, sizeof(buf), "%d", tid[1]);
	if (cg_write(vcpu1, "cgroup.threads", buf))
		goto cleanup;
	snprintf(buf, sizeof(buf), "%d\n", tid[0]);
	if (cg_read_strcmp(vcpu0, "cgroup.threads", buf))
		goto cleanup;
	snprintf(buf, sizeof(buf), "%d\n", tid[1]);
	if (cg_read_strcmp(vcpu1, "cgroup.threads", buf))
		goto cleanup;

	/* Per-vCPU policy below the VM's. */
	if (cg_write(vm, "vcpuboost.prio.max", "10") ||
	    cg_write(vcpu0, "vcpuboost.prio.max", "4") ||
	    cg_read_strcmp(vcpu0, "vcpuboost.prio.effective", "4\n") ||
	    cg_read_strcmp(vcpu1, "vcpuboost.prio.effective", "10\n"))
		goto cleanup;

	/* And back: a thread moved to the VM's cgroup. */
	snprintf(buf, sizeof(buf), "%d", tid[1]);
	if (cg_write(vm, "cgroup.threads", buf))
		goto cleanup;
	snprintf(buf, sizeof(buf), "%d\n", tid[1]);
	if (cg_read_strstr(vm, "cgroup.threads", buf + 0))
		goto cleanup;
	ret = KSFT_PASS;
cleanup:
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		close(thread_pipe[0]);
		close(thread_pipe[1]);
	}
	if (vcpu0)
		cg_destroy(vcpu0);
	if (vcpu1)
		cg_destroy(vcpu1);
	free(vcpu0);
	free(vcpu1);
	vb_destroy(vm);
	return ret;
}

/* Only root may change a policy; a refused write changes nothing. */
static int test_vcpuboost_unprivileged(const char *root)
{
	int ret = KSFT_FAIL, status;
	char *cg;
	pid_t pid;

	cg = vb_create(root, "vb_unpriv");
	if (!cg)
		goto cleanup;
	pid = fork();
	if (pid < 0)
		goto cleanup;
	if (pid == 0) {
		static const char * const files[] = {
			"vcpuboost.max", "vcpuboost.prio.max",
			"vcpuboost.triggers", "vcpuboost.slice",
		};
		static const char * const values[] = {
			"max 1000", "7", "irq 9", "55",
		};
		int i;

		if (setgid(TEST_UID) || setuid(TEST_UID))
			exit(2);
		for (i = 0; i < ARRAY_SIZE(files); i++)
			if (vb_write(cg, files[i], values[i]) != -EACCES)
				exit(1);
		/* Reading is allowed. */
		if (cg_read_strcmp(cg, "vcpuboost.prio.max", "0\n"))
			exit(1);
		exit(0);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		goto cleanup;
	if (cg_read_strcmp(cg, "vcpuboost.max", "max 100000\n") ||
	    cg_read_strcmp(cg, "vcpuboost.prio.max", "0\n") ||
	    cg_read_strcmp(cg, "vcpuboost.triggers", DEFAULT_TRIGGERS) ||
	    cg_read_strcmp(cg, "vcpuboost.slice", "1000\n"))
		goto cleanup;
	ret = KSFT_PASS;
cleanup:
	vb_destroy(cg);
	return ret;
}

/*
 * Report the calling thread, in @cg, for irq: without @granted the report
 * must be denied and boost nothing; with it, it must boost the thread to
 * SCHED_FIFO 1, irq's default value, for the first time.
 */
static int report_self(const char *cg, bool granted)
{
	long denied = cg_read_key_long(cg, "vcpuboost.stat", "denied ");
	pid_t tid = syscall(SYS_gettid);
	long prio;

	if (denied < 0 || vb_report(tid, "irq", 1))
		return -1;
	prio = vb_task_prio(0);
	if (cg_read_key_long(cg, "vcpuboost.stat", "denied ") != denied + !granted ||
	    cg_read_key_long(cg, "vcpuboost.stat", "grants ") != granted ||
	    prio != (granted ? PRIO_BOOSTED(1) : PRIO_NORMAL)) {
		ksft_print_msg("report %s: priority %ld, denied %ld, grants %ld\n",
			       granted ? "granted" : "denied", prio,
			       cg_read_key_long(cg, "vcpuboost.stat", "denied "),
			       cg_read_key_long(cg, "vcpuboost.stat", "grants "));
		return -1;
	}
	return 0;
}

/* In a child process in @vm: its thread moves to @arg, vm's threaded child. */
static int deny_until_granted(const char *vm, void *arg)
{
	const char *vcpu = arg;

	if (cg_enter_current_thread(vcpu) || vb_task_prio(0) != PRIO_NORMAL)
		return KSFT_FAIL;
	/* Nothing written: denied. */
	if (report_self(vcpu, false))
		return KSFT_FAIL;
	/* Granted on one level only, either: denied. */
	if (cg_write(vm, "vcpuboost.prio.max", "max") || report_self(vcpu, false))
		return KSFT_FAIL;
	if (cg_write(vm, "vcpuboost.prio.max", "0") ||
	    cg_write(vcpu, "vcpuboost.prio.max", "max") || report_self(vcpu, false))
		return KSFT_FAIL;
	/* Granted on both: boosted. */
	if (cg_write(vm, "vcpuboost.prio.max", "max") || report_self(vcpu, true))
		return KSFT_FAIL;
	if (vb_report(syscall(SYS_gettid), "irq", 0) || vb_task_prio(0) != PRIO_NORMAL)
		return KSFT_FAIL;
	return KSFT_PASS;
}

/*
 * Enabling the controller and creating cgroups grants nobody a boost: a
 * report is denied until vcpuboost.prio.max is written on every level
 * from the first below the root down to the task's cgroup.
 */
static int test_vcpuboost_prio_max_default_denies(const char *root)
{
	char *vm = NULL, *vcpu0 = NULL;
	int ret = KSFT_FAIL;

	if (access(VB_REPORT_PATH, W_OK))
		return KSFT_SKIP;
	vm = vb_create(root, "vb_deny");
	vcpu0 = vm ? vb_create(vm, "vcpu0") : NULL;
	/* A boost outlasts what emulation takes to look at it. */
	if (!vcpu0 || cg_write(vcpu0, "cgroup.type", "threaded") ||
	    cg_write(vcpu0, "vcpuboost.slice", "1000000"))
		goto cleanup;
	if (cg_read_strcmp(vm, "vcpuboost.prio.effective", "0\n") ||
	    cg_read_strcmp(vcpu0, "vcpuboost.prio.effective", "0\n"))
		goto cleanup;
	if (cg_run(vm, deny_until_granted, vcpu0) != KSFT_PASS)
		goto cleanup;
	if (cg_read_key_long(vcpu0, "vcpuboost.stat", "denied ") != 3 ||
	    cg_read_key_long(vm, "vcpuboost.stat", "grants ") != 1)
		goto cleanup;
	ret = KSFT_PASS;
cleanup:
	vb_destroy(vcpu0);
	vb_destroy(vm);
	return ret;
}

/* rmdir and a controller disable leave nothing behind. */
static int test_vcpuboost_teardown(const char *root)
{
	char *parent = NULL, *child = NULL;
	int ret = KSFT_FAIL, i;

	parent = vb_create(root, "vb_teardown");
	child = parent ? vb_create(parent, "child") : NULL;
	/* The parent granted, so that the child's own value is what counts. */
	if (!child || vb_grant(root, parent, "max"))
		goto cleanup;
	if (cg_write(child, "vcpuboost.prio.max", "3") ||
	    cg_write(child, "vcpuboost.max", "100 1000") ||
	    cg_write(child, "vcpuboost.triggers", "irq 0"))
		goto cleanup;

	/* Disabling the controller removes its files... */
	if (cg_write(parent, "cgroup.subtree_control", "-vcpuboost"))
		goto cleanup;
	for (i = 0; i < ARRAY_SIZE(control_files); i++)
		if (file_exists(child, control_files[i]))
			goto cleanup;
	if (file_exists(child, "vcpuboost.stat"))
		goto cleanup;
	/* ...and enabling it again starts from the defaults. */
	if (cg_write(parent, "cgroup.subtree_control", "+vcpuboost"))
		goto cleanup;
	if (cg_read_strcmp(child, "vcpuboost.prio.max", "0\n") ||
	    cg_read_strcmp(child, "vcpuboost.prio.effective", "0\n") ||
	    cg_read_strcmp(child, "vcpuboost.max", "max 100000\n") ||
	    cg_read_strcmp(child, "vcpuboost.triggers", DEFAULT_TRIGGERS))
		goto cleanup;

	/* A cgroup removed and made again has the defaults too. */
	if (cg_write(child, "vcpuboost.prio.max", "3") || cg_destroy(child))
		goto cleanup;
	if (cg_create(child) ||
	    cg_read_strcmp(child, "vcpuboost.prio.max", "0\n") ||
	    cg_read_strcmp(child, "vcpuboost.prio.effective", "0\n"))
		goto cleanup;
	ret = KSFT_PASS;
cleanup:
	if (child)
		cg_destroy(child);
	free(child);
	vb_destroy(parent);
	return ret;
}

static const struct vb_test tests[] = {
	VB_TEST(test_vcpuboost_listed),
	VB_TEST(test_vcpuboost_defaults),
	VB_TEST(test_vcpuboost_stat_keys),
	VB_TEST(test_vcpuboost_root_files),
	VB_TEST(test_vcpuboost_max_round_trip),
	VB_TEST(test_vcpuboost_max_cpus),
	VB_TEST(test_vcpuboost_max_rejects),
	VB_TEST(test_vcpuboost_prio_round_trip),
	VB_TEST(test_vcpuboost_prio_rejects),
	VB_TEST(test_vcpuboost_triggers_round_trip),
	VB_TEST(test_vcpuboost_triggers_rejects),
	VB_TEST(test_vcpuboost_slice),
	VB_TEST(test_vcpuboost_read_only),
	VB_TEST(test_vcpuboost_effective_ceiling),
	VB_TEST(test_vcpuboost_prio_max_default_denies),
	VB_TEST(test_vcpuboost_threaded),
	VB_TEST(test_vcpuboost_unprivileged),
	VB_TEST(test_vcpuboost_teardown),
};

int main(void)
{
	/*
	 * Not vb_require(): only test_vcpuboost_prio_max_default_denies needs
	 * the test reporter, and it skips itself without it.
	 */
	vb_run_tests(tests, ARRAY_SIZE(tests), vb_require_controller);
}
