// SPDX-License-Identifier: GPL-2.0
/*
 * The vcpuboost.* files, read and written through libcgroup, as cgget and
 * cgset do, so that the tool and libcgroup's own tools see the same thing.
 *
 * libcgroup finds the file through its controller table (cgroup_init()
 * lists the controllers of the v2 mount's cgroup.controllers), so a kernel
 * without the controller fails early and clearly in cg_setup().
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libcgroup.h>

#include "vcpuboost.h"

#define CTRL "vcpuboost"

/* libcgroup's error codes as an errno, for messages and advice. */
static int lcg_errno(int ret)
{
	switch (ret) {
	case 0:
		return 0;
	case ECGOTHER:
		return -(cgroup_get_last_errno() ?: EIO);
	case ECGROUPVALUENOTEXIST:
	case ECGROUPNOTEXIST:
		return -ENOENT;
	case ECGROUPNOTALLOWED:
	case ECGROUPNOTOWNER:
		return -EACCES;
	case ECGROUPSUBSYSNOTMOUNTED:
		return -ENODEV;
	default:
		return -EIO;
	}
}

int vb_lib_init(void)
{
	char *mp = NULL;
	int ret;

	ret = cgroup_init();
	if (ret) {
		vb_err("libcgroup: cgroup_init() failed: %s; check that cgroup2 is mounted and /proc/self/mounts is readable",
		       cgroup_strerror(ret));
		return EXIT_FAIL;
	}
	ret = cgroup_get_subsys_mount_point(CTRL, &mp);
	if (ret) {
		vb_err("libcgroup does not see the vcpuboost controller (%s); check that %s/cgroup.controllers lists it",
		       cgroup_strerror(ret), cg_mount());
		return EXIT_FAIL;
	}
	free(mp);
	return 0;
}

/* A vcpuboost.* file of @rel, all lines, the last newline stripped. */
int vb_read(const char *rel, const char *file, char *buf, size_t size)
{
	char line[256], name[64];
	void *h = NULL;
	size_t len = 0;
	int ret;

	buf[0] = '\0';

	/* libcgroup 2.0.2 takes the file name as a non-const char *. */
	snprintf(name, sizeof(name), "%s", file);
	ret = cgroup_read_value_begin(CTRL, *rel ? rel : "/", name, &h,
				      line, sizeof(line));
	while (!ret) {
		len += snprintf(buf + len, size - len, "%s", line);
		if (len >= size)
			return -EOVERFLOW;
		ret = cgroup_read_value_next(&h, line, sizeof(line));
	}
	if (h)
		cgroup_read_value_end(&h);
	if (ret != ECGEOF)
		return lcg_errno(ret);
	while (len && buf[len - 1] == '\n')
		buf[--len] = '\0';
	return 0;
}

/*
 * Write one vcpuboost.* file with cgroup_modify_cgroup(), one file per
 * call, so that a failure names its file. Returns -errno.
 */
int vb_write(const char *rel, const char *file, const char *val)
{
	struct cgroup_controller *c;
	struct cgroup *cg;
	int ret;

	cg = cgroup_new_cgroup(rel);
	if (!cg)
		return -ENOMEM;
	c = cgroup_add_controller(cg, CTRL);
	if (!c || cgroup_add_value_string(c, file, val)) {
		cgroup_free(&cg);
		return -ENOMEM;
	}
	ret = lcg_errno(cgroup_modify_cgroup(cg));
	cgroup_free(&cg);
	return ret;
}

/* What to do about a failed write of @file in @rel. */
void vb_write_advice(const char *rel, const char *file, int err)
{
	char p[PATH_MAX + 64];

	cg_abs(rel, file, p, sizeof(p));
	switch (-err) {
	case EINVAL:
	case ERANGE:
		vb_err("writing %s failed: %s; the kernel refused the value: see SETTINGS in vcpuboost(8) for the ranges",
		       p, strerror(-err));
		break;
	case EACCES:
	case EPERM:
	case EROFS:
		vb_err("writing %s failed: %s; run as root, or as the owner of a delegated cgroup (the files of a delegation point belong to the delegator)",
		       p, strerror(-err));
		break;
	case ENOENT:
	case ENODEV:
		vb_err("writing %s failed: %s; the cgroup is gone or vcpuboost is not enabled for it: run 'vcpuboost status' and enable it with echo +vcpuboost > PARENT/cgroup.subtree_control",
		       p, strerror(-err));
		break;
	default:
		vb_err("writing %s failed: %s", p, strerror(-err));
	}
}

static int stat_key(struct vb_stat *st, const char *name, uint64_t v)
{
	static const struct {
		const char *name;
		size_t off;
	} keys[] = {
#define K(f) { #f, offsetof(struct vb_stat, f) }
		K(boosted_usec), K(grants), K(denied), K(expired),
		K(retracted), K(revoked), K(nr_throttled), K(throttled_usec),
		K(nr_boosted),
#undef K
	};
	size_t i;
	int t;

	for (i = 0; i < ARRAY_SIZE(keys); i++) {
		if (!strcmp(name, keys[i].name)) {
			*(uint64_t *)((char *)st + keys[i].off) = v;
			return 0;
		}
	}
	if (!strncmp(name, "reports_", 8)) {
		for (t = 0; t < VB_NR_TRIGGERS; t++) {
			if (!strcmp(name + 8, vb_trigger_names[t])) {
				st->reports[t] = v;
				return 0;
			}
		}
	}
	return -ENOENT;	/* a newer kernel's key: ignored */
}

/* vcpuboost.stat with libcgroup's flat-keyed stat iterator. */
int vb_read_stat(const char *rel, struct vb_stat *st)
{
	struct cgroup_stat s;
	void *h = NULL;
	uint64_t v;
	int ret;

	memset(st, 0, sizeof(*st));
	ret = cgroup_read_stats_begin(CTRL, *rel ? rel : "/", &h, &s);
	while (!ret) {
		s.value[strcspn(s.value, "\n")] = '\0';
		if (!parse_u64(s.value, &v))
			stat_key(st, s.name, v);
		ret = cgroup_read_stats_next(&h, &s);
	}
	if (h)
		cgroup_read_stats_end(&h);
	return ret == ECGEOF ? 0 : lcg_errno(ret);
}

int vb_read_events(const char *rel, const char *file, uint64_t *throttled)
{
	char buf[256], *p;
	int ret;

	ret = vb_read(rel, file, buf, sizeof(buf));
	if (ret)
		return ret;
	p = strstr(buf, "throttled ");
	if (!p || parse_u64(strtok(p + 10, "\n"), throttled))
		return -EINVAL;
	return 0;
}

/*
 * The effective ceiling of @rel: the minimum of prio.max over @rel and its
 * ancestors, "max" counting as 99 (SPEC §2). @limiter gets the cgroup
 * nearest the root that holds the minimum: the one to raise.
 */
int vb_effective(const char *rel, unsigned int *eff, char *limiter, size_t size)
{
	unsigned int level, min = VB_LEVEL_MAX;
	char prefix[PATH_MAX], buf[32];
	const char *p = rel;
	bool last = false;
	int ret;

	if (limiter)
		limiter[0] = '\0';
	while (!last) {
		p = strchr(p, '/');
		if (!p) {
			p = rel + strlen(rel);
			last = true;
		}
		snprintf(prefix, sizeof(prefix), "%.*s", (int)(p - rel), rel);
		p++;
		ret = vb_read(prefix, "vcpuboost.prio.max", buf, sizeof(buf));
		if (ret)
			return ret;
		if (parse_level(buf, &level))
			return -EINVAL;
		if (level > VB_LEVEL_MAX)
			level = VB_LEVEL_MAX;
		if (level < min || (limiter && !limiter[0] && level == min)) {
			min = level;
			if (limiter)
				snprintf(limiter, size, "%s", prefix);
		}
	}
	*eff = min;
	return 0;
}

static int parse_max(const char *buf, uint64_t *max, uint64_t *period)
{
	char a[32], b[32];

	if (sscanf(buf, "%31s %31s", a, b) != 2 || parse_u64(b, period))
		return -EINVAL;
	if (!strcmp(a, "max")) {
		*max = VB_BUDGET_INF;
		return 0;
	}
	return parse_u64(a, max);
}

/* Everything the tool shows about one cgroup. */
int vb_load(const char *rel, struct vb_cgroup *c)
{
	char buf[512], *line, *save;
	uint64_t v;
	int ret, t;

	memset(c, 0, sizeof(*c));
	snprintf(c->path, sizeof(c->path), "%s", rel);
	c->root = !*rel;
	ret = vb_read_stat(rel, &c->stat);
	if (ret || c->root)
		return ret;
	if (cg_read(rel, "cgroup.type", c->type, sizeof(c->type)))
		snprintf(c->type, sizeof(c->type), "?");
	c->nr_threads = cg_count_lines(rel, "cgroup.threads");

	ret = vb_read(rel, "vcpuboost.max", buf, sizeof(buf));
	if (!ret)
		ret = parse_max(buf, &c->max_us, &c->period_us);
	if (!ret)
		ret = vb_read(rel, "vcpuboost.prio.max", buf, sizeof(buf));
	if (!ret)
		ret = parse_level(buf, &c->prio_max);
	if (!ret)
		ret = vb_read(rel, "vcpuboost.slice", buf, sizeof(buf));
	if (!ret)
		ret = parse_u64(buf, &v);
	if (!ret)
		c->slice_us = v;
	if (!ret)
		ret = vb_read(rel, "vcpuboost.triggers", buf, sizeof(buf));
	for (line = ret ? NULL : strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char key[16], val[16];

		if (sscanf(line, "%15s %15s", key, val) != 2)
			continue;
		for (t = 0; t < VB_NR_TRIGGERS; t++)
			if (!strcmp(key, vb_trigger_names[t]))
				parse_level(val, &c->triggers[t]);
	}
	if (!ret)
		ret = vb_read_events(rel, "vcpuboost.events", &c->events);
	if (!ret)
		ret = vb_read_events(rel, "vcpuboost.events.local",
				     &c->events_local);
	if (!ret)
		ret = vb_effective(rel, &c->eff, c->limiter, sizeof(c->limiter));
	return ret;
}

/*
 * Create one cgroup level with libcgroup (the caller enabled vcpuboost in
 * the parent, with its own messages). Ownership is left alone: with it,
 * libcgroup 2.0.2 also chowns a v1 "tasks" file that v2 does not have.
 */
int vb_create(const char *rel)
{
	struct cgroup *cg;
	int ret;

	cg = cgroup_new_cgroup(rel);
	if (!cg)
		return -ENOMEM;
	if (!cgroup_add_controller(cg, CTRL)) {
		cgroup_free(&cg);
		return -ENOMEM;
	}
	ret = lcg_errno(cgroup_create_cgroup(cg, 1));
	cgroup_free(&cg);
	return ret;
}

struct list_ctx {
	struct vb_cgroup *v;
	int n, cap, err;
};

static int list_one(const char *rel, int depth, void *arg)
{
	struct list_ctx *l = arg;
	int ret;

	(void)depth;
	if (l->n == l->cap) {
		struct vb_cgroup *nv;

		l->cap = l->cap ? 2 * l->cap : 16;
		nv = realloc(l->v, l->cap * sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		l->v = nv;
	}
	ret = vb_load(rel, &l->v[l->n]);
	/* A cgroup removed while we walk is simply not listed. */
	if (ret == -ENOENT || ret == -ENODEV)
		return 0;
	if (ret) {
		vb_err("reading the vcpuboost files of %s: %s", cg_show(rel),
		       strerror(-ret));
		l->err = ret;
		return 0;
	}
	l->n++;
	return 0;
}

/* @top and every cgroup below it with vcpuboost, in pre-order. */
int vb_list(const char *top, struct vb_cgroup **list, int *n)
{
	struct list_ctx l = { 0 };
	int ret;

	ret = cg_walk(top, list_one, &l);
	*list = l.v;
	*n = l.n;
	return ret ? ret : l.err;
}
