/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vcpuboost(8): configure and monitor the vcpuboost cgroup controller.
 *
 * Shared declarations. The cgroup interface the tool drives is described in
 * SPEC §2 and Documentation; the tool's own contract (subcommands, exit
 * codes) in SPEC §6 and vcpuboost.8.
 */
#ifndef VCPUBOOST_TOOL_H
#define VCPUBOOST_TOOL_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Exit codes: SPEC §6 */
#define EXIT_OK		0
#define EXIT_FAIL	1	/* runtime failure */
#define EXIT_USAGE	2	/* bad usage: nothing was written */

/* The kernel's ranges (SPEC §2); the tool checks them before writing. */
#define VB_PERIOD_MIN	1000ULL
#define VB_PERIOD_MAX	1000000ULL
#define VB_SLICE_MIN	10U
#define VB_SLICE_MAX	1000000U
#define VB_LEVEL_MAX	99U
#define VB_LEVEL_INF	100U		/* "max" in a level file */
#define VB_BUDGET_INF	UINT64_MAX	/* "max" in vcpuboost.max */
/* vm attach's budget for a vCPU cgroup granted a ceiling without one */
#define VB_DEFAULT_BUDGET_PCT	10U

#define VB_NR_TRIGGERS	5
extern const char *const vb_trigger_names[VB_NR_TRIGGERS];

#define KVM_PARAM	"/sys/module/kvm/parameters/vcpu_boost"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

#ifndef __printf
#define __printf(a, b)	__attribute__((format(printf, a, b)))
#endif

/* util.c */
extern const char *vb_cmd;	/* the subcommand, for messages */
void vb_err(const char *fmt, ...) __printf(1, 2);
void vb_notice(const char *fmt, ...) __printf(1, 2);
int vb_usage_err(const char *fmt, ...) __printf(1, 2);
int parse_u64(const char *s, uint64_t *v);
int parse_level(const char *s, unsigned int *level);
int parse_secs(const char *s, double min, double max, double *secs);
const char *level_str(unsigned int level, char *buf, size_t size);
double now_mono(void);
void timestamp(char *buf, size_t size);
unsigned int nr_possible_cpus(void);

/* cgfs.c: the cgroup2 mount, paths and the cgroup core files */
const char *cg_mount(void);
int cg_find_mount(void);
int cg_setup(void);
int cg_resolve(const char *arg, char *rel, size_t size);
void cg_abs(const char *rel, const char *file, char *buf, size_t size);
const char *cg_show(const char *rel);
bool cg_exists(const char *rel);
bool cg_vb_enabled(const char *rel);
int cg_read(const char *rel, const char *file, char *buf, size_t size);
int cg_write(const char *rel, const char *file, const char *val);
bool cg_list_has(const char *rel, const char *file, const char *word);
int cg_enable_vb(const char *rel);
int cg_enable_path(const char *rel);
int cg_parent(const char *rel, char *parent, size_t size);
int proc_cgroup(pid_t pid, char *rel, size_t size);
int cg_count_lines(const char *rel, const char *file);
typedef int (*cg_walk_fn)(const char *rel, int depth, void *arg);
int cg_walk(const char *rel, cg_walk_fn fn, void *arg);

/* vbfs.c: the vcpuboost.* files, through libcgroup */
struct vb_stat {
	uint64_t boosted_usec, grants, denied, expired, retracted, revoked;
	uint64_t nr_throttled, throttled_usec, nr_boosted;
	uint64_t reports[VB_NR_TRIGGERS];
};

struct vb_cgroup {
	char path[PATH_MAX];		/* relative to the mount, "" is the root */
	bool root;			/* only vcpuboost.stat is there */
	char type[32];			/* cgroup.type */
	uint64_t max_us, period_us;	/* max_us may be VB_BUDGET_INF */
	unsigned int prio_max;		/* 0..99 or VB_LEVEL_INF */
	unsigned int triggers[VB_NR_TRIGGERS];
	unsigned int slice_us;
	unsigned int eff;		/* effective ceiling, 0..99 */
	char limiter[PATH_MAX];		/* the nearest-to-root cgroup holding eff */
	struct vb_stat stat;
	uint64_t events, events_local;	/* throttled, subtree and local */
	int nr_threads;
};

int vb_lib_init(void);
int vb_read(const char *rel, const char *file, char *buf, size_t size);
int vb_write(const char *rel, const char *file, const char *val);
int vb_read_stat(const char *rel, struct vb_stat *st);
int vb_read_events(const char *rel, const char *file, uint64_t *throttled);
int vb_effective(const char *rel, unsigned int *eff, char *limiter, size_t size);
int vb_load(const char *rel, struct vb_cgroup *c);
int vb_create(const char *rel);
void vb_write_advice(const char *rel, const char *file, int err);
int vb_list(const char *top, struct vb_cgroup **list, int *n);

/* settings.c: SETTINGS, validated before anything is written */
struct vb_settings {
	bool budget;
	char budget_val[48];		/* "MAX PERIOD", "max", "MAX" */
	uint64_t budget_max;		/* for MAX alone: checked on apply */
	bool budget_keep_period;
	bool prio;
	unsigned int prio_level;
	bool trig[VB_NR_TRIGGERS];
	unsigned int trig_level[VB_NR_TRIGGERS];
	bool slice;
	unsigned int slice_us;
};

/* getopt_long() values of the long options without a short form */
enum {
	OPT_BUDGET = 0x100, OPT_PRIO_MAX, OPT_TRIGGER, OPT_SLICE,
	OPT_CGROUP, OPT_VCPU_THREADS, OPT_JSON, OPT_TEXTFILE, OPT_COUNT,
	OPT_VERIFY, OPT_NO_VERIFY, OPT_SHARED, OPT_HELP,
};

/*
 * SETTINGS are the long options --budget, --prio-max, --trigger and --slice
 * (OPT_BUDGET..OPT_SLICE, each with a required argument), in the option
 * tables of set and vm attach; settings_opt() takes them.
 */
int settings_opt(struct vb_settings *s, int opt, const char *arg);
bool settings_any(const struct vb_settings *s);
int settings_check(const char *rel, const struct vb_settings *s);
int settings_apply(const char *rel, const struct vb_settings *s);

/* vcpus.c: finding a VMM's vCPU threads */
struct vcpu {
	pid_t tid;
	int index;
	char comm[32];
};

int vcpus_by_name(pid_t pid, struct vcpu **v, int *n);
int vcpus_by_list(pid_t pid, const char *list, struct vcpu **v, int *n);
bool pid_has_kvm_vm(pid_t pid);

/* the subcommands */
int cmd_attach(int argc, char **argv);
int cmd_detach(int argc, char **argv);
int cmd_set(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_top(int argc, char **argv);
int cmd_watch(int argc, char **argv);
int cmd_export(int argc, char **argv);
void print_usage(FILE *f);

#endif /* VCPUBOOST_TOOL_H */
