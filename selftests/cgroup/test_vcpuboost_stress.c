// SPDX-License-Identifier: GPL-2.0
/*
 * A randomized stress of the vcpuboost controller, for DURATION seconds
 * (argv[1], default 60), on a small tree under vb_stress: a domain "vm"
 * cgroup with threaded children, and a second domain, "other". At once:
 * random valid and invalid writes to every vcpuboost file, reads of every
 * file, mkdir and rmdir of leaves, worker threads migrated between the
 * cgroups, the controller enabled and disabled on subtrees, reports and
 * retractions through the test reporter for the workers (which spin or
 * sleep at random), CPU 1 taken down and up, and a KVM guest flapping its
 * boost request and taking MSIs (vcpu_boost_stress, argv[2] or
 * $VB_KVM_STRESS, or found beside this program in the kselftest tree).
 *
 * Afterwards nothing may be left: no boost, no charge, no vcpuboost timer;
 * in every cgroup grants = expired + retracted + revoked + nr_boosted. The
 * kernel log is the harness's to check. Runs as root, in a guest whose
 * CPUs are emulated: the operations keep to a few hundred per second.
 */
#define _GNU_SOURCE

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <linux/limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../kselftest.h"
#include "cgroup_util.h"
#include "vcpuboost_util.h"

#define NR_WORKERS	6
#define CPU1_ONLINE	"/sys/devices/system/cpu/cpu1/online"
#define KVM_STRESS_REL	"../kvm/x86_64/vcpu_boost_stress"

enum op {
	OP_MAX, OP_MAX_BAD, OP_PRIO, OP_PRIO_BAD, OP_TRIGGERS, OP_TRIGGERS_BAD,
	OP_SLICE, OP_SLICE_BAD, OP_READ, OP_STAT, OP_MKDIR, OP_RMDIR,
	OP_MOVE_THREAD, OP_MOVE_PROC, OP_ENABLE, OP_DISABLE, OP_REPORT,
	OP_RETRACT, OP_REPORT_BAD, OP_CPU_OFF, OP_CPU_ON, OP_KVM, NR_OPS
};

static const char * const op_names[NR_OPS] = {
	[OP_MAX]		= "write max",
	[OP_MAX_BAD]		= "write max (bad)",
	[OP_PRIO]		= "write prio.max",
	[OP_PRIO_BAD]		= "write prio.max (bad)",
	[OP_TRIGGERS]		= "write triggers",
	[OP_TRIGGERS_BAD]	= "write triggers (bad)",
	[OP_SLICE]		= "write slice",
	[OP_SLICE_BAD]		= "write slice (bad)",
	[OP_READ]		= "read",
	[OP_STAT]		= "stat identity",
	[OP_MKDIR]		= "mkdir",
	[OP_RMDIR]		= "rmdir",
	[OP_MOVE_THREAD]	= "migrate thread",
	[OP_MOVE_PROC]		= "migrate process",
	[OP_ENABLE]		= "+vcpuboost",
	[OP_DISABLE]		= "-vcpuboost",
	[OP_REPORT]		= "report",
	[OP_RETRACT]		= "retract",
	[OP_REPORT_BAD]		= "report (bad)",
	[OP_CPU_OFF]		= "cpu1 offline",
	[OP_CPU_ON]		= "cpu1 online",
	[OP_KVM]		= "kvm guests",
};

/* [op][0]: succeeded, [op][1]: failed */
static atomic_long ops[NR_OPS][2];

/* What must never happen, counted by the threads that see it */
static atomic_long bad_accepted, bad_changed, good_refused, good_unapplied;
static atomic_long stat_broken, complaints;

static atomic_bool stop;
/*
 * The churn and the toggler change the tree concurrently, so one counter's
 * parity cannot say whether a change is under way: tree_busy counts the
 * changes in progress, tree_gen every change begun.
 */
static atomic_int tree_busy;
static atomic_long tree_gen;

static void tree_change_begin(void)
{
	atomic_fetch_add(&tree_busy, 1);
	atomic_fetch_add(&tree_gen, 1);
}

static void tree_change_end(void)
{
	atomic_fetch_sub(&tree_busy, 1);
}

static const char * const triggers[] = { "guest", "irq", "timer", "nmi", "unhalt" };

/*
 * The tree, relative to vb_stress. The churn makes and removes the
 * leaves; the vcpuN cgroups are the KVM program's, which makes them and
 * writes their prio.max, so the churn only removes them and their values
 * are not checked.
 */
#define N_TOP		1
#define N_THREADED	2
#define N_LEAF		4
#define N_KVM		8

static struct node {
	const char *rel;
	int parent;
	int flags;
	char path[PATH_MAX];
} nodes[] = {
	{ "",		-1,	N_TOP },
	{ "vm",		0,	0 },
	{ "other",	0,	0 },
	{ "vm/t0",	1,	N_THREADED | N_LEAF },
	{ "vm/t1",	1,	N_THREADED | N_LEAF },
	{ "vm/t2",	1,	N_THREADED | N_LEAF },
	{ "vm/l0",	1,	N_THREADED | N_LEAF },
	{ "vm/l1",	1,	N_THREADED | N_LEAF },
	{ "vm/t0/l0",	3,	N_THREADED | N_LEAF },
	{ "vm/t1/l0",	4,	N_THREADED | N_LEAF },
	{ "vm/vcpu0",	1,	N_THREADED | N_KVM },
	{ "vm/vcpu1",	1,	N_THREADED | N_KVM },
};

#define NR_NODES	ARRAY_SIZE(nodes)
#define VM		1
#define OTHER		2

static char root[PATH_MAX];
static char *top;

/* The workers: threads of a child process, which the migrations move. */
static struct workers {
	atomic_int ready;
	atomic_bool stop;
	pid_t tids[NR_WORKERS];
} *workers;
static pid_t worker_pid = -1;
static atomic_int kvm_pid = -1;

static void count(enum op op, bool ok)
{
	atomic_fetch_add(&ops[op][!ok], 1);
}

static long op_total(enum op op)
{
	return atomic_load(&ops[op][0]) + atomic_load(&ops[op][1]);
}

/* A few messages about what went wrong; the counters have the rest. */
/* On stderr too: a failed run's report prints the tail of stderr. */
static __printf(1, 2) void complain(const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (atomic_fetch_add(&complaints, 1) >= 20)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ksft_print_msg("%s", msg);
	fprintf(stderr, "# %s", msg);
}

/* Sleep up to @ms, in naps short enough to notice the stop. */
static void nap(long ms)
{
	while (ms > 0 && !atomic_load(&stop)) {
		sleep_ms(ms < 50 ? ms : 50);
		ms -= 50;
	}
}

/* A number in [lo, hi] */
static unsigned int pick(unsigned int *seed, unsigned int lo, unsigned int hi)
{
	return lo + rand_r(seed) % (hi - lo + 1);
}

static bool node_exists(int i)
{
	return !access(nodes[i].path, F_OK);
}

static pid_t worker_tid(unsigned int *seed)
{
	return workers->tids[rand_r(seed) % NR_WORKERS];
}

/* --- vcpuboost.stat ------------------------------------------------------ */

struct vb_stat {
	long grants, denied, expired, retracted, revoked, nr_boosted;
	long boosted_usec, nr_throttled;
};

/* 0, or -errno; -EIO if a key is missing */
static int stat_read(const char *cg, struct vb_stat *st)
{
	static const char * const keys[] = {
		"grants", "denied", "expired", "retracted", "revoked",
		"nr_boosted", "boosted_usec", "nr_throttled",
	};
	long *vals[] = {
		&st->grants, &st->denied, &st->expired, &st->retracted,
		&st->revoked, &st->nr_boosted, &st->boosted_usec,
		&st->nr_throttled,
	};
	char buf[1024], *line, *save;
	int ret, i, found = 0;

	ret = cg_read(cg, "vcpuboost.stat", buf, sizeof(buf));
	if (ret)
		return ret;
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *value = strchr(line, ' ');

		if (!value)
			continue;
		*value++ = '\0';
		for (i = 0; i < ARRAY_SIZE(keys); i++) {
			if (!strcmp(line, keys[i])) {
				*vals[i] = atol(value);
				found |= 1 << i;
			}
		}
	}
	return found == (1 << ARRAY_SIZE(keys)) - 1 ? 0 : -EIO;
}

static bool stat_identity(const struct vb_stat *st)
{
	return st->grants == st->expired + st->retracted + st->revoked +
			     st->nr_boosted;
}

static void stat_print(const char *cg, const struct vb_stat *st)
{
	ksft_print_msg("%s: grants %ld expired %ld retracted %ld revoked %ld\n",
		       cg, st->grants, st->expired, st->retracted, st->revoked);
	ksft_print_msg("%s: nr_boosted %ld denied %ld boosted_usec %ld\n",
		       cg, st->nr_boosted, st->denied, st->boosted_usec);
}

/* --- settings: valid and invalid values ---------------------------------- */

static const char * const bad_max[] = {
	"abc", "-1 100000", "1000 999", "1000 1000001", "max 0",
	"1000 100000 5", "99999999999999999999999 100000", "1000x 100000",
	"max max", "5000 100000junk", "1000000000 1000", "-max", "\n",
};

static const char * const bad_prio[] = {
	"100", "-1", "1000", "maxx", "1 2", "abc", "99999999999999999999",
	"5x", "\n", "max 5",
};

static const char * const bad_triggers[] = {
	"bogus 1", "irq", "irq 100", "irq -1", "irq 5 6", "irq 1\nirq 2",
	"timer 5\nbogus 3", "\n", "guest maxx", "IRQ 5", "nmi 5x",
	"unhalt 99999999999", "guest 1\nnmi 100",
};

static const char * const bad_slice[] = {
	"9", "0", "1000001", "-5", "abc", "10 20", "max", "100x",
	"99999999999999999999", "\n",
};

static const struct setting {
	const char *file;
	enum op op;
	const char * const *bad;
	int nr_bad;
} settings[] = {
	{ "vcpuboost.max", OP_MAX, bad_max, ARRAY_SIZE(bad_max) },
	{ "vcpuboost.prio.max", OP_PRIO, bad_prio, ARRAY_SIZE(bad_prio) },
	{ "vcpuboost.triggers", OP_TRIGGERS, bad_triggers, ARRAY_SIZE(bad_triggers) },
	{ "vcpuboost.slice", OP_SLICE, bad_slice, ARRAY_SIZE(bad_slice) },
};

static void level_str(unsigned int *seed, char *buf, size_t size)
{
	unsigned int r = rand_r(seed) % 10;

	if (r < 4)
		snprintf(buf, size, "max");
	else if (r < 5)
		snprintf(buf, size, "0");
	else
		snprintf(buf, size, "%u", pick(seed, 1, 99));
}

/*
 * A valid value for @s in @buf. vb_stress itself keeps a finite budget of
 * at most 30%, which bounds the whole tree: a boosted vCPU or worker spins
 * at SCHED_FIFO, and the emulated guest must stay responsive.
 */
static void valid_value(const struct setting *s, int node, unsigned int *seed,
			char *buf, size_t size)
{
	static const unsigned int periods[] = { 1000, 10000, 50000, 100000, 1000000 };
	unsigned int period, r = rand_r(seed) % 8;
	char level[8];
	size_t len = 0;
	int t, mask;

	switch (s->op) {
	case OP_MAX:
		period = r < 5 ? periods[rand_r(seed) % 5] : pick(seed, 1000, 1000000);
		if (nodes[node].flags & N_TOP) {
			period = pick(seed, 1000, 100000);
			snprintf(buf, size, "%u %u", pick(seed, 0, period * 3 / 10), period);
		} else if (r == 0) {
			snprintf(buf, size, "max %u", period);
		} else if (r == 1) {
			/* Only $MAX: the period stays, and is at least 1000. */
			snprintf(buf, size, "%u", pick(seed, 0, 1000));
		} else {
			snprintf(buf, size, "%u %u", pick(seed, 0, period), period);
		}
		break;
	case OP_PRIO:
		level_str(seed, buf, size);
		break;
	case OP_TRIGGERS:
		/* Distinct keys, one to five of them; a key may come once. */
		mask = pick(seed, 1, 31);
		buf[0] = '\0';
		for (t = 0; t < ARRAY_SIZE(triggers); t++) {
			if (!(mask & (1 << t)))
				continue;
			level_str(seed, level, sizeof(level));
			len += snprintf(buf + len, size - len, "%s%s %s",
					len ? "\n" : "", triggers[t], level);
		}
		if (rand_r(seed) % 2)
			snprintf(buf + len, size - len, "\n");
		break;
	default:
		if (r < 5)
			snprintf(buf, size, "%u", pick(seed, 10, 2000));
		else
			snprintf(buf, size, "%u", pick(seed, 10, 1000000));
		break;
	}
}

/* @buf holds @line as a whole line. */
static bool has_line(const char *buf, const char *line)
{
	size_t len = strlen(line);
	const char *p = buf;

	while ((p = strstr(p, line))) {
		if ((p == buf || p[-1] == '\n') && (p[len] == '\n' || !p[len]))
			return true;
		p += len;
	}
	return false;
}

/* Did the valid write of @val to @s leave @after? */
static bool applied(const struct setting *s, const char *val, const char *after)
{
	char copy[128], want[140], *line, *save;

	switch (s->op) {
	case OP_MAX:
		if (strchr(val, ' ')) {
			snprintf(want, sizeof(want), "%s\n", val);
			return !strcmp(after, want);
		}
		snprintf(want, sizeof(want), "%s ", val);
		return !strncmp(after, want, strlen(want));
	case OP_TRIGGERS:
		snprintf(copy, sizeof(copy), "%s", val);
		for (line = strtok_r(copy, "\n", &save); line;
		     line = strtok_r(NULL, "\n", &save))
			if (!has_line(after, line))
				return false;
		return true;
	default:
		snprintf(want, sizeof(want), "%s\n", val);
		return !strcmp(after, want);
	}
}

static bool gone(int err)
{
	return err == -ENOENT || err == -ENODEV;
}

/*
 * One write of a random valid or invalid value to a random file of a
 * random cgroup. Where nothing else changed the cgroup meanwhile (no mkdir,
 * rmdir or controller toggle, and not a cgroup the KVM program writes), the
 * value read back must be the one written, or the old one if refused.
 */
static void write_one(unsigned int *seed)
{
	const struct setting *s = &settings[rand_r(seed) % ARRAY_SIZE(settings)];
	int node = rand_r(seed) % NR_NODES, err;
	bool valid = rand_r(seed) % 10 < 6;
	char val[128], before[512], after[512];
	long gen = atomic_load(&tree_gen);
	bool check = !atomic_load(&tree_busy);

	if (valid)
		valid_value(s, node, seed, val, sizeof(val));
	else
		snprintf(val, sizeof(val), "%s", s->bad[rand_r(seed) % s->nr_bad]);
	check = check && !(nodes[node].flags & N_KVM) &&
		!cg_read(nodes[node].path, s->file, before, sizeof(before));

	err = cg_write(nodes[node].path, s->file, val);
	count(valid ? s->op : s->op + 1, !err);

	if (valid && err && !gone(err)) {
		atomic_fetch_add(&good_refused, 1);
		complain("%s/%s: valid \"%s\" refused: %s\n", nodes[node].rel,
			 s->file, val, strerror(-err));
	} else if (!valid && !err) {
		atomic_fetch_add(&bad_accepted, 1);
		complain("%s/%s: bad \"%s\" accepted\n", nodes[node].rel, s->file, val);
	} else if (!valid && err != -EINVAL && err != -ERANGE && !gone(err)) {
		atomic_fetch_add(&bad_accepted, 1);
		complain("%s/%s: bad \"%s\" refused with %s, not EINVAL or ERANGE\n",
			 nodes[node].rel, s->file, val, strerror(-err));
	}

	if (!check || cg_read(nodes[node].path, s->file, after, sizeof(after)) ||
	    atomic_load(&tree_gen) != gen)
		return;
	if (valid && !err && !applied(s, val, after)) {
		atomic_fetch_add(&good_unapplied, 1);
		complain("%s/%s: wrote \"%s\", reads \"%s\"\n", nodes[node].rel,
			 s->file, val, after);
	} else if (!valid && strcmp(before, after)) {
		atomic_fetch_add(&bad_changed, 1);
		complain("%s/%s: bad \"%s\" changed \"%s\" to \"%s\"\n",
			 nodes[node].rel, s->file, val, before, after);
	}
}

static void *writer_fn(void *arg)
{
	unsigned int seed = (uintptr_t)arg;

	while (!atomic_load(&stop)) {
		write_one(&seed);
		nap(pick(&seed, 5, 20));
	}
	return NULL;
}

/* --- reads ---------------------------------------------------------------- */

static const char * const all_files[] = {
	"vcpuboost.max", "vcpuboost.prio.max", "vcpuboost.prio.effective",
	"vcpuboost.triggers", "vcpuboost.slice", "vcpuboost.stat",
	"vcpuboost.events", "vcpuboost.events.local",
};

static void check_stat(const char *cg)
{
	struct vb_stat st;

	if (stat_read(cg, &st))
		return;
	count(OP_STAT, stat_identity(&st));
	if (!stat_identity(&st)) {
		atomic_fetch_add(&stat_broken, 1);
		complain("during the run:\n");
		stat_print(cg, &st);
	}
}

static void *reader_fn(void *arg)
{
	unsigned int seed = (uintptr_t)arg;
	char buf[1024];
	int i, node;

	while (!atomic_load(&stop)) {
		node = rand_r(&seed) % NR_NODES;
		for (i = 0; i < ARRAY_SIZE(all_files); i++)
			count(OP_READ, !cg_read(nodes[node].path, all_files[i],
						buf, sizeof(buf)));
		check_stat(nodes[node].path);
		if (!(rand_r(&seed) % 8))
			check_stat(root);
		nap(pick(&seed, 10, 30));
	}
	return NULL;
}

/* --- mkdir and rmdir -------------------------------------------------------- */

/* Make node @i: a threaded child if it is one. */
static int make_node(int i)
{
	if (mkdir(nodes[i].path, 0755))
		return -errno;
	if ((nodes[i].flags & N_THREADED) &&
	    cg_write(nodes[i].path, "cgroup.type", "threaded")) {
		/* A domain-invalid child would only be in the way. */
		rmdir(nodes[i].path);
		return -EINVAL;
	}
	return 0;
}

static void *churn_fn(void *arg)
{
	unsigned int seed = (uintptr_t)arg;
	int i;

	while (!atomic_load(&stop)) {
		i = rand_r(&seed) % NR_NODES;
		if (!(nodes[i].flags & (N_LEAF | N_KVM)))
			continue;
		tree_change_begin();
		if (node_exists(i)) {
			/* Fails while populated or with children: fine. */
			count(OP_RMDIR, !rmdir(nodes[i].path));
		} else if ((nodes[i].flags & N_LEAF) && node_exists(nodes[i].parent)) {
			bool ok = !make_node(i);

			count(OP_MKDIR, ok);
			/* Granted, mostly: a new cgroup's prio.max is 0. */
			if (ok && rand_r(&seed) % 4)
				count(OP_PRIO, !cg_write(nodes[i].path,
							 "vcpuboost.prio.max", "max"));
		}
		tree_change_end();
		nap(pick(&seed, 50, 150));
	}
	return NULL;
}

/* --- migrations ------------------------------------------------------------ */

static int move(const char *cg, const char *file, pid_t pid)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%d", pid);
	return cg_write(cg, file, buf);
}

static void *migrator_fn(void *arg)
{
	unsigned int seed = (uintptr_t)arg;
	unsigned int r;
	int i, kvm;

	while (!atomic_load(&stop)) {
		r = rand_r(&seed) % 100;
		kvm = atomic_load(&kvm_pid);
		if (r < 80) {
			/*
			 * Fails across domains (EOPNOTSUPP), into a cgroup
			 * being removed, or into vb_stress itself: fine.
			 */
			i = rand_r(&seed) % NR_NODES;
			count(OP_MOVE_THREAD, !move(nodes[i].path, "cgroup.threads",
						    worker_tid(&seed)));
		} else if (r < 97 || kvm <= 0) {
			i = rand_r(&seed) % 10 < 7 ? VM : OTHER;
			count(OP_MOVE_PROC, !move(nodes[i].path, "cgroup.procs", worker_pid));
		} else {
			/* The KVM program moves itself back, in time. */
			i = rand_r(&seed) % 2 ? VM : OTHER;
			count(OP_MOVE_PROC, !move(nodes[i].path, "cgroup.procs", kvm));
		}
		nap(pick(&seed, 10, 40));
	}
	return NULL;
}

/* --- the controller on and off ------------------------------------------ */

static void *toggler_fn(void *arg)
{
	/* The cgroups with children in the table: vb_stress, vm, t0, t1 */
	static const int parents[] = { 0, VM, 3, 4 };
	unsigned int seed = (uintptr_t)arg;
	bool enable, ok;
	int i, c;

	while (!atomic_load(&stop)) {
		nap(pick(&seed, 200, 800));
		i = parents[rand_r(&seed) % ARRAY_SIZE(parents)];
		enable = rand_r(&seed) % 2;
		tree_change_begin();
		/* Disabling fails with EBUSY while a child enables it: fine. */
		ok = !cg_write(nodes[i].path, "cgroup.subtree_control",
			       enable ? "+vcpuboost" : "-vcpuboost");
		count(enable ? OP_ENABLE : OP_DISABLE, ok);
		/* Newly enabled children are granted nothing: grant them, mostly. */
		if (ok && enable && rand_r(&seed) % 4) {
			for (c = 0; c < NR_NODES; c++)
				if (nodes[c].parent == i && node_exists(c))
					count(OP_PRIO, !cg_write(nodes[c].path,
								 "vcpuboost.prio.max", "max"));
		}
		tree_change_end();
	}
	return NULL;
}

/* --- reports ------------------------------------------------------------- */

static void *reporter_fn(void *arg)
{
	static const char * const bad[] = {
		"%d bogus 5", "%d irq 100", "%d irq -1", "%d irq", "x%d irq 5",
		"%d irq 5 6", "%d irq 5x", "%d timer 99999999999",
	};
	unsigned int seed = (uintptr_t)arg;
	const char *trigger;
	unsigned int r;
	char buf[64];
	int fd, len;
	pid_t tid;

	while (!atomic_load(&stop)) {
		r = rand_r(&seed) % 100;
		trigger = triggers[rand_r(&seed) % ARRAY_SIZE(triggers)];
		if (r < 50) {
			count(OP_REPORT, !vb_report(worker_tid(&seed), trigger,
						    pick(&seed, 1, 99)));
		} else if (r < 88) {
			count(OP_RETRACT, !vb_report(worker_tid(&seed), trigger, 0));
		} else if (r < 93) {
			len = snprintf(buf, sizeof(buf), bad[rand_r(&seed) % ARRAY_SIZE(bad)],
				       worker_tid(&seed));
			fd = open(VB_REPORT_PATH, O_WRONLY);
			if (fd >= 0) {
				bool taken = write(fd, buf, len) == len;

				count(OP_REPORT_BAD, taken);
				if (taken) {
					atomic_fetch_add(&bad_accepted, 1);
					complain("reporter took \"%s\"\n", buf);
				}
				close(fd);
			}
		} else if (r < 98) {
			/* The KVM program's main thread, or this unmanaged one. */
			tid = atomic_load(&kvm_pid);
			if (tid <= 0 || rand_r(&seed) % 2)
				tid = syscall(SYS_gettid);
			count(OP_REPORT, !vb_report(tid, trigger, pick(&seed, 0, 99)));
		} else {
			/* No such thread: ESRCH. */
			count(OP_REPORT, !vb_report(0x3fffffff, trigger, 1));
		}
		nap(pick(&seed, 2, 8));
	}
	return NULL;
}

/* --- CPU hotplug ---------------------------------------------------------- */

static atomic_bool cpu1_down;

static bool cpu1_set(bool online)
{
	bool ok = write_text(CPU1_ONLINE, online ? "1" : "0", 1) == 1;

	count(online ? OP_CPU_ON : OP_CPU_OFF, ok);
	if (ok)
		atomic_store(&cpu1_down, !online);
	return ok;
}

static void *hotplug_fn(void *arg)
{
	unsigned int seed = (uintptr_t)arg;

	while (!atomic_load(&stop)) {
		nap(pick(&seed, 2000, 4000));
		if (atomic_load(&stop) || !cpu1_set(false))
			continue;
		nap(pick(&seed, 1000, 2000));
		cpu1_set(true);
	}
	return NULL;
}

/* --- the workers ----------------------------------------------------------- */

static void *worker_fn(void *arg)
{
	unsigned int seed = (uintptr_t)arg;
	int i = (uintptr_t)arg % NR_WORKERS;
	long until;

	workers->tids[i] = syscall(SYS_gettid);
	atomic_fetch_add(&workers->ready, 1);
	while (!atomic_load(&workers->stop)) {
		if (rand_r(&seed) % 3) {
			usleep(pick(&seed, 1000, 20000));
			continue;
		}
		until = now_ms() + pick(&seed, 0, 3);
		while (now_ms() < until)
			;
	}
	return NULL;
}

/* The worker process: NR_WORKERS threads, until told to stop. */
static void worker_main(pid_t parent)
{
	pthread_t threads[NR_WORKERS];
	int i;

	/* Not left spinning if the test is killed. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() != parent)
		_exit(1);
	for (i = 0; i < NR_WORKERS; i++)
		if (pthread_create(&threads[i], NULL, worker_fn,
				   (void *)(uintptr_t)(getpid() * NR_WORKERS + i)))
			_exit(1);
	for (i = 0; i < NR_WORKERS; i++)
		pthread_join(threads[i], NULL);
	_exit(0);
}

static void workers_stop(void)
{
	int i;

	if (worker_pid <= 0)
		return;
	atomic_store(&workers->stop, true);
	for (i = 0; i < 100 && waitpid(worker_pid, NULL, WNOHANG) == 0; i++)
		sleep_ms(100);
	if (i == 100) {
		kill(worker_pid, SIGKILL);
		waitpid(worker_pid, NULL, 0);
	}
	worker_pid = -1;
}

/* --- the KVM program --------------------------------------------------------- */

static char kvm_path[PATH_MAX];
static int kvm_out = -1;

/* argv[2], $VB_KVM_STRESS, or beside this program in the kselftest tree */
static bool kvm_find(int argc, char **argv)
{
	char self[PATH_MAX];
	ssize_t len;

	if (argc > 2) {
		snprintf(kvm_path, sizeof(kvm_path), "%s", argv[2]);
	} else if (getenv("VB_KVM_STRESS")) {
		snprintf(kvm_path, sizeof(kvm_path), "%s", getenv("VB_KVM_STRESS"));
	} else {
		len = readlink("/proc/self/exe", self, sizeof(self) - 1);
		if (len > 0) {
			self[len] = '\0';
			snprintf(kvm_path, sizeof(kvm_path), "%s/" KVM_STRESS_REL,
				 dirname(self));
		}
	}
	return kvm_path[0] && !access(kvm_path, X_OK);
}

/* Its output goes to a memfd, printed as comments when it is done. */
static pid_t kvm_start(int duration)
{
	char secs[16];
	pid_t pid;

	kvm_out = memfd_create("vcpu_boost_stress", 0);
	if (kvm_out < 0)
		return -1;
	snprintf(secs, sizeof(secs), "%d", duration);
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		dup2(kvm_out, STDOUT_FILENO);
		execl(kvm_path, kvm_path, secs, nodes[VM].path, (char *)NULL);
		_exit(127);
	}
	return pid;
}

/* Wait up to @ms for the KVM program; its exit status, or -1 if killed. */
static int kvm_wait(pid_t pid, long ms)
{
	char buf[4096], *line, *save;
	int status = -1;
	long end = now_ms() + ms;
	FILE *f;

	while (waitpid(pid, &status, WNOHANG) == 0) {
		if (now_ms() > end) {
			ksft_print_msg("kvm: still running after %ld ms, killed\n", ms);
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			status = -1;
			break;
		}
		sleep_ms(200);
	}
	atomic_store(&kvm_pid, -1);
	lseek(kvm_out, 0, SEEK_SET);
	f = fdopen(kvm_out, "r");
	while (f && fgets(buf, sizeof(buf), f)) {
		line = strtok_r(buf, "\n", &save);
		if (line)
			ksft_print_msg("kvm: %s\n", line);
	}
	if (f)
		fclose(f);
	if (status == -1)
		return -1;
	if (WIFSIGNALED(status)) {
		ksft_print_msg("kvm: killed by signal %d\n", WTERMSIG(status));
		return -1;
	}
	return WEXITSTATUS(status);
}

/* --- setup, checks and teardown ---------------------------------------------- */

/* Collect the cgroups of the tree under @dir, parents first. */
static int tree_list(const char *dir, char paths[][PATH_MAX], int n, int max)
{
	struct dirent *e;
	DIR *d;

	if (n >= max)
		return n;
	snprintf(paths[n++], PATH_MAX, "%s", dir);
	d = opendir(dir);
	if (!d)
		return n;
	while ((e = readdir(d))) {
		char sub[PATH_MAX];

		if (e->d_type != DT_DIR || e->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", dir, e->d_name);
		n = tree_list(sub, paths, n, max);
	}
	closedir(d);
	return n;
}

/* Remove the tree under @dir, children first; 0 or -errno. */
static int tree_remove(const char *dir)
{
	char paths[32][PATH_MAX];
	int i, n, tries, err, ret = 0;

	n = tree_list(dir, paths, 0, ARRAY_SIZE(paths));
	for (i = n - 1; i >= 0; i--) {
		/* EBUSY for a moment after the last task left: retry. */
		for (tries = 0; ; tries++) {
			err = rmdir(paths[i]) && errno != ENOENT ? errno : 0;
			if (err != EBUSY || tries == 20)
				break;
			sleep_ms(100);
		}
		if (err) {
			ret = -err;
			ksft_print_msg("rmdir %s: %s\n", paths[i], strerror(err));
		}
	}
	return ret;
}

static int tree_setup(void)
{
	int i, p;

	for (i = 0; i < NR_NODES; i++)
		snprintf(nodes[i].path, sizeof(nodes[i].path), "%s%s%s", top,
			 nodes[i].rel[0] ? "/" : "", nodes[i].rel);
	/* The budget of the whole tree; the writer keeps it under 30%. */
	if (cg_write(top, "vcpuboost.max", "30000 100000") ||
	    cg_write(top, "cgroup.subtree_control", "+vcpuboost"))
		return -1;
	/* Parents first; each with the controller for its children. */
	for (i = 1; i < NR_NODES; i++) {
		if (nodes[i].flags & N_KVM)
			continue;
		p = nodes[i].parent;
		if (p > 0 && cg_read_strstr(nodes[p].path, "cgroup.subtree_control",
					    "vcpuboost") &&
		    cg_write(nodes[p].path, "cgroup.subtree_control", "+vcpuboost"))
			return -1;
		if (make_node(i))
			return -1;
	}
	/* prio.max is 0 in a new cgroup: grant every level. */
	for (i = 0; i < NR_NODES; i++)
		if (!(nodes[i].flags & N_KVM) &&
		    cg_write(nodes[i].path, "vcpuboost.prio.max", "max"))
			return -1;
	return 0;
}

/* The worker process in vm, its threads spread over vm's threaded children. */
static int workers_start(void)
{
	pid_t parent = getpid();
	int i;

	workers = mmap(NULL, sizeof(*workers), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (workers == MAP_FAILED)
		return -1;
	fflush(stdout);
	fflush(stderr);
	worker_pid = fork();
	if (worker_pid < 0)
		return -1;
	if (worker_pid == 0)
		worker_main(parent);
	for (i = 0; i < 300 && atomic_load(&workers->ready) < NR_WORKERS; i++)
		sleep_ms(100);
	if (atomic_load(&workers->ready) < NR_WORKERS ||
	    move(nodes[VM].path, "cgroup.procs", worker_pid))
		return -1;
	for (i = 0; i < NR_WORKERS; i++)
		if (move(nodes[3 + i % 3].path, "cgroup.threads", workers->tids[i]))
			return -1;
	return 0;
}

/* Every cgroup of the tree: nr_boosted 0 (within 5 s), and the identity. */
static bool tree_settled(const char *when)
{
	char paths[32][PATH_MAX];
	struct vb_stat st;
	bool ok = true, busy = true;
	int i, n, tries;

	n = tree_list(top, paths, 0, ARRAY_SIZE(paths));
	for (tries = 0; busy && tries < 50; tries++) {
		if (tries)
			sleep_ms(100);
		busy = false;
		for (i = 0; i < n; i++)
			if (!stat_read(paths[i], &st) && st.nr_boosted)
				busy = true;
	}
	for (i = 0; i < n; i++) {
		if (stat_read(paths[i], &st))
			continue;	/* controller off there */
		if (st.nr_boosted || !stat_identity(&st)) {
			ksft_print_msg("%s:\n", when);
			stat_print(paths[i], &st);
			ok = false;
		}
	}
	return ok;
}

static bool workers_unboosted(const char *when)
{
	bool ok = true;
	long prio;
	int i;

	for (i = 0; i < NR_WORKERS; i++) {
		prio = vb_task_prio(workers->tids[i]);
		if (prio != PRIO_NORMAL) {
			ksft_print_msg("%s: worker %d has priority %ld\n", when,
				       workers->tids[i], prio);
			ok = false;
		}
	}
	return ok;
}

/* No charge after the boosts ended: boosted time and throttling stay put. */
static bool charge_stopped(void)
{
	struct vb_stat a, b;

	/* A period of vb_stress (at most 100 ms) refills any spent budget. */
	sleep_ms(1200);
	if (stat_read(top, &a))
		return false;
	sleep_ms(1000);
	if (stat_read(top, &b))
		return false;
	if (a.boosted_usec != b.boosted_usec || a.nr_throttled != b.nr_throttled) {
		ksft_print_msg("still charged: boosted_usec %ld -> %ld, nr_throttled %ld -> %ld\n",
			       a.boosted_usec, b.boosted_usec, a.nr_throttled, b.nr_throttled);
		return false;
	}
	return true;
}

static bool root_settled(void)
{
	struct vb_stat st;
	int tries;

	for (tries = 0; tries < 50; tries++) {
		if (stat_read(root, &st))
			return false;
		if (!st.nr_boosted)
			break;
		sleep_ms(100);
	}
	if (st.nr_boosted || !stat_identity(&st)) {
		stat_print("root", &st);
		return false;
	}
	return true;
}

/* 1: no enqueued vcpuboost hrtimer, 0: one stays, -1: no /proc/timer_list */
static int no_vcpuboost_timer(void)
{
	char line[512];
	bool found = true;
	int tries;
	FILE *f;

	for (tries = 0; found && tries < 30; tries++) {
		if (tries)
			sleep_ms(100);
		f = fopen("/proc/timer_list", "r");
		if (!f)
			return -1;
		found = false;
		while (fgets(line, sizeof(line), f)) {
			if (strstr(line, "vcpuboost")) {
				if (tries == 29)
					ksft_print_msg("timer_list: %s", line);
				found = true;
			}
		}
		fclose(f);
	}
	return !found;
}

static bool every_kind_ran(bool hotplug)
{
	static const enum op needed[] = {
		OP_MAX, OP_PRIO, OP_TRIGGERS, OP_SLICE, OP_READ, OP_STAT,
		OP_MKDIR, OP_RMDIR, OP_MOVE_THREAD, OP_MOVE_PROC, OP_ENABLE,
		OP_DISABLE, OP_REPORT, OP_RETRACT,
	};
	static const enum op refused[] = {
		OP_MAX_BAD, OP_PRIO_BAD, OP_TRIGGERS_BAD, OP_SLICE_BAD, OP_REPORT_BAD,
	};
	bool ok = true;
	int i;

	for (i = 0; i < ARRAY_SIZE(needed); i++) {
		if (!atomic_load(&ops[needed[i]][0])) {
			ksft_print_msg("no %s succeeded\n", op_names[needed[i]]);
			ok = false;
		}
	}
	for (i = 0; i < ARRAY_SIZE(refused); i++) {
		if (!atomic_load(&ops[refused[i]][1])) {
			ksft_print_msg("no %s ran\n", op_names[refused[i]]);
			ok = false;
		}
	}
	if (hotplug && (!atomic_load(&ops[OP_CPU_OFF][0]) || !atomic_load(&ops[OP_CPU_ON][0]))) {
		ksft_print_msg("CPU 1 never went down and up\n");
		ok = false;
	}
	return ok;
}

static void print_counts(long ms)
{
	long total = 0;
	int i;

	for (i = 0; i < NR_OPS; i++)
		total += op_total(i);
	ksft_print_msg("%ld operations in %ld ms:\n", total, ms);
	for (i = 0; i < NR_OPS; i++)
		ksft_print_msg("  %-22s %7ld ok %7ld failed\n", op_names[i],
			       atomic_load(&ops[i][0]), atomic_load(&ops[i][1]));
}

#define NR_TESTS	11

int main(int argc, char **argv)
{
	void *(*fns[])(void *) = {
		writer_fn, reader_fn, churn_fn, migrator_fn, toggler_fn,
		reporter_fn, hotplug_fn,
	};
	pthread_t threads[ARRAY_SIZE(fns)];
	int duration = argc > 1 ? atoi(argv[1]) : 60;
	bool hotplug, kvm, exercised, settled, unboosted, moved;
	int i, nr_threads = 0, kvm_status = -1, timer;
	unsigned int seed = time(NULL) ^ getpid();
	struct vb_stat st = {};
	long start, ms;
	pid_t pid = -1;

	if (duration <= 0)
		duration = 60;
	ksft_print_header();
	vb_require(root, sizeof(root));
	ksft_set_plan(NR_TESTS);

	/* What a killed earlier run left; it holds no tasks. */
	top = cg_name(root, "vb_stress");
	if (!access(top, F_OK))
		tree_remove(top);
	free(top);
	top = vb_create(root, "vb_stress");
	if (!top || vb_grant(root, top, "max") || tree_setup())
		ksft_exit_fail_msg("cannot set up %s/vb_stress\n", root);
	if (workers_start()) {
		workers_stop();
		tree_remove(top);
		ksft_exit_fail_msg("cannot start the workers\n");
	}

	hotplug = sysconf(_SC_NPROCESSORS_CONF) > 1 && !access(CPU1_ONLINE, W_OK);
	kvm = kvm_find(argc, argv) && !access("/dev/kvm", R_OK | W_OK);
	ksft_print_msg("%d s, seed %u, CPU hotplug %s, KVM %s\n", duration, seed,
		       hotplug ? "on" : "off (no cpu1/online)",
		       kvm ? kvm_path : "off (no program or /dev/kvm)");
	start = now_ms();
	if (kvm) {
		pid = kvm_start(duration);
		if (pid > 0)
			atomic_store(&kvm_pid, pid);
		else
			count(OP_KVM, false);
	}
	for (i = 0; i < ARRAY_SIZE(fns); i++) {
		if (fns[i] == hotplug_fn && !hotplug)
			continue;
		if (!pthread_create(&threads[nr_threads], NULL, fns[i],
				    (void *)(uintptr_t)(seed + 7919 * i)))
			nr_threads++;
	}
	for (i = 1; i <= duration; i++) {
		sleep_ms(1000);
		if (!(i % 15) && i < duration)
			ksft_print_msg("%d s: %ld reports, %ld writes\n", i,
				       op_total(OP_REPORT), op_total(OP_MAX) +
				       op_total(OP_PRIO) + op_total(OP_TRIGGERS) +
				       op_total(OP_SLICE));
	}

	/* Stop everything. */
	atomic_store(&stop, true);
	for (i = 0; i < nr_threads; i++)
		pthread_join(threads[i], NULL);
	for (i = 0; i < 10 && atomic_load(&cpu1_down); i++)
		if (!cpu1_set(true))
			sleep_ms(500);
	if (pid > 0) {
		kvm_status = kvm_wait(pid, 180000);
		if (kvm_status != KSFT_SKIP)
			count(OP_KVM, !kvm_status);
	}
	ms = now_ms() - start;
	print_counts(ms);

	ksft_test_result(!atomic_load(&stat_broken) && atomic_load(&ops[OP_STAT][0]),
			 "stat identity held throughout the run\n");
	ksft_test_result(!atomic_load(&bad_accepted) && !atomic_load(&bad_changed),
			 "bad input refused, with the old value kept\n");
	ksft_test_result(!atomic_load(&good_refused) && !atomic_load(&good_unapplied),
			 "valid settings taken and read back\n");
	ksft_test_result(every_kind_ran(hotplug), "every kind of operation ran\n");
	if (!kvm || kvm_status == KSFT_SKIP)
		ksft_test_result_skip("kvm guests ran and exited cleanly\n");
	else
		ksft_test_result(kvm_status == 0, "kvm guests ran and exited cleanly\n");

	/* Retract everything: every boost ends, none is left to expire. */
	for (i = 0; i < NR_WORKERS * ARRAY_SIZE(triggers); i++)
		count(OP_RETRACT, !vb_report(workers->tids[i / ARRAY_SIZE(triggers)],
					     triggers[i % ARRAY_SIZE(triggers)], 0));
	settled = tree_settled("after retraction");
	unboosted = workers_unboosted("after retraction");
	ksft_test_result(settled && unboosted, "no boost left after retraction\n");
	ksft_test_result(charge_stopped(), "no charge after the boosts ended\n");

	/*
	 * The run did what it is there for, or the checks say little: boosts
	 * granted, and ended by each of their causes.
	 */
	exercised = !stat_read(top, &st) && st.grants && st.expired &&
		    st.retracted && st.revoked && st.denied;
	stat_print("vb_stress", &st);
	ksft_test_result(exercised,
			 "boosts granted, denied, expired, retracted and revoked\n");

	/* Every worker back to the root. */
	moved = !move(root, "cgroup.procs", worker_pid);
	count(OP_MOVE_PROC, moved);
	unboosted = workers_unboosted("in the root");
	settled = tree_settled("in the root");
	ksft_test_result(moved && unboosted && settled && root_settled(),
			 "workers in the root unboosted, every stat and the root's settled\n");
	workers_stop();

	ksft_test_result(!tree_remove(top), "tree removed\n");
	/* The period timers stop when a period passes unused: 1 s at most. */
	sleep_ms(1000);
	timer = no_vcpuboost_timer();
	if (timer < 0)
		ksft_test_result_skip("no vcpuboost hrtimer left (no /proc/timer_list)\n");
	else
		ksft_test_result(timer, "no vcpuboost hrtimer left\n");
	free(top);
	ksft_finished();
}
