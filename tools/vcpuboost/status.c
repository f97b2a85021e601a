// SPDX-License-Identifier: GPL-2.0
/*
 * status [CGROUP] [--json]: the tree of cgroups with vcpuboost enabled, with
 * settings, effective ceiling and counters.
 *
 * In JSON every number is a JSON number and the infinity token "max" the
 * string "max", so that a consumer can tell "no limit" from a large limit
 * without parsing strings. Cgroup paths are given as /proc/PID/cgroup
 * prints them ("/" is the root).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "vcpuboost.h"

static json_object *j_level(unsigned int level)
{
	if (level >= VB_LEVEL_INF)
		return json_object_new_string("max");
	return json_object_new_int(level);
}

static void j_add_u64(json_object *o, const char *key, uint64_t v)
{
	json_object_object_add(o, key, json_object_new_uint64(v));
}

static json_object *j_stat(const struct vb_stat *st)
{
	json_object *o = json_object_new_object();
	int t;

	j_add_u64(o, "boosted_usec", st->boosted_usec);
	j_add_u64(o, "grants", st->grants);
	j_add_u64(o, "denied", st->denied);
	j_add_u64(o, "expired", st->expired);
	j_add_u64(o, "retracted", st->retracted);
	j_add_u64(o, "revoked", st->revoked);
	j_add_u64(o, "nr_throttled", st->nr_throttled);
	j_add_u64(o, "throttled_usec", st->throttled_usec);
	j_add_u64(o, "nr_boosted", st->nr_boosted);
	for (t = 0; t < VB_NR_TRIGGERS; t++) {
		char key[32];

		snprintf(key, sizeof(key), "reports_%s", vb_trigger_names[t]);
		json_object_object_add(o, key,
				       json_object_new_uint64(st->reports[t]));
	}
	return o;
}

static json_object *j_cgroup(const struct vb_cgroup *c, int depth)
{
	json_object *o = json_object_new_object(), *b, *tr, *ev;
	char path[PATH_MAX + 1];
	int t;

	snprintf(path, sizeof(path), "/%s", c->path);
	json_object_object_add(o, "path", json_object_new_string(path));
	json_object_object_add(o, "depth", json_object_new_int(depth));
	json_object_object_add(o, "root", json_object_new_boolean(c->root));
	if (!c->root) {
		json_object_object_add(o, "type", json_object_new_string(c->type));
		json_object_object_add(o, "threads",
				       json_object_new_int(c->nr_threads));
		b = json_object_new_object();
		json_object_object_add(b, "max", c->max_us == VB_BUDGET_INF ?
				       json_object_new_string("max") :
				       json_object_new_uint64(c->max_us));
		json_object_object_add(b, "period",
				       json_object_new_uint64(c->period_us));
		json_object_object_add(o, "budget", b);
		json_object_object_add(o, "prio_max", j_level(c->prio_max));
		json_object_object_add(o, "prio_effective",
				       json_object_new_int(c->eff));
		snprintf(path, sizeof(path), "/%s", c->limiter);
		json_object_object_add(o, "prio_limited_by",
				       json_object_new_string(path));
		tr = json_object_new_object();
		for (t = 0; t < VB_NR_TRIGGERS; t++)
			json_object_object_add(tr, vb_trigger_names[t],
					       j_level(c->triggers[t]));
		json_object_object_add(o, "triggers", tr);
		json_object_object_add(o, "slice",
				       json_object_new_uint64(c->slice_us));
		ev = json_object_new_object();
		json_object_object_add(ev, "throttled",
				       json_object_new_uint64(c->events));
		json_object_object_add(o, "events", ev);
		ev = json_object_new_object();
		json_object_object_add(ev, "throttled",
				       json_object_new_uint64(c->events_local));
		json_object_object_add(o, "events_local", ev);
	}
	json_object_object_add(o, "stat", j_stat(&c->stat));
	return o;
}

static int depth_of(const char *top, const char *rel)
{
	const char *p = rel + strlen(top);
	int d = 0;

	for (; *p; p++)
		d += *p == '/';
	return *top ? d : d + !!*rel;
}

static void print_text(const struct vb_cgroup *c, int depth)
{
	const struct vb_stat *st = &c->stat;
	char lvl[8], pad[64];
	int t;

	snprintf(pad, sizeof(pad), "%*s", 2 * depth, "");
	if (c->root) {
		printf("%s/ (root: tasks outside vcpuboost cgroups)\n", pad);
	} else {
		printf("%s/%s  [%s, %d thread%s]\n", pad, c->path, c->type,
		       c->nr_threads, c->nr_threads == 1 ? "" : "s");
		printf("%s    budget ", pad);
		if (c->max_us == VB_BUDGET_INF)
			printf("max");
		else
			printf("%llu", (unsigned long long)c->max_us);
		printf("/%llu us  prio.max %s  effective %u",
		       (unsigned long long)c->period_us,
		       level_str(c->prio_max, lvl, sizeof(lvl)), c->eff);
		if (c->eff < VB_LEVEL_MAX && strcmp(c->limiter, c->path))
			printf(" (limited by /%s)", c->limiter);
		printf("  slice %u us\n%s    triggers", c->slice_us, pad);
		for (t = 0; t < VB_NR_TRIGGERS; t++)
			printf(" %s=%s", vb_trigger_names[t],
			       level_str(c->triggers[t], lvl, sizeof(lvl)));
		printf("\n");
	}
	printf("%s    boosted %.6f s  grants %llu  denied %llu  expired %llu",
	       pad, st->boosted_usec / 1e6, (unsigned long long)st->grants,
	       (unsigned long long)st->denied, (unsigned long long)st->expired);
	printf("  retracted %llu  revoked %llu  boosted now %llu\n",
	       (unsigned long long)st->retracted,
	       (unsigned long long)st->revoked,
	       (unsigned long long)st->nr_boosted);
	printf("%s    throttled %llu periods, %.6f s", pad,
	       (unsigned long long)st->nr_throttled, st->throttled_usec / 1e6);
	if (!c->root)
		printf(", events %llu (local %llu)",
		       (unsigned long long)c->events,
		       (unsigned long long)c->events_local);
	printf("\n%s    reports", pad);
	for (t = 0; t < VB_NR_TRIGGERS; t++)
		printf(" %s=%llu", vb_trigger_names[t],
		       (unsigned long long)st->reports[t]);
	printf("\n");
}

int cmd_status(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, OPT_JSON },
		{ "help", no_argument, NULL, OPT_HELP },
		{ }
	};
	char rel[PATH_MAX] = "";
	struct vb_cgroup *list;
	json_object *root, *arr;
	bool json = false;
	int opt, ret, i, n, depth;

	vb_cmd = "status ";
	while ((opt = getopt_long(argc, argv, "hj", opts, NULL)) != -1) {
		switch (opt) {
		case 'j':
		case OPT_JSON:
			json = true;
			break;
		case 'h':
		case OPT_HELP:
			puts("usage: vcpuboost status [CGROUP] [--json]");
			return 0;
		default:
			return vb_usage_err("usage: vcpuboost status [CGROUP] [--json]");
		}
	}
	if (optind < argc - 1)
		return vb_usage_err("status takes at most one CGROUP");
	ret = cg_setup();
	if (ret)
		return ret;
	if (optind < argc) {
		if (cg_resolve(argv[optind], rel, sizeof(rel)))
			return vb_usage_err("'%s': give a cgroup relative to %s or absolute, without '..'",
					    argv[optind], cg_mount());
		if (!cg_exists(rel))
			return vb_usage_err("no cgroup %s", cg_show(rel));
		if (*rel && !cg_vb_enabled(rel)) {
			vb_err("vcpuboost is not enabled for %s; enable it with echo +vcpuboost > PARENT/cgroup.subtree_control, or 'vcpuboost vm attach'",
			       cg_show(rel));
			return EXIT_FAIL;
		}
	}
	ret = vb_list(rel, &list, &n);
	if (json) {
		root = json_object_new_object();
		json_object_object_add(root, "mount",
				       json_object_new_string(cg_mount()));
		arr = json_object_new_array();
		for (i = 0; i < n; i++) {
			depth = depth_of(rel, list[i].path);
			json_object_array_add(arr, j_cgroup(&list[i], depth));
		}
		json_object_object_add(root, "cgroups", arr);
		puts(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
						    JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(root);
	} else {
		printf("cgroup2 at %s\n", cg_mount());
		for (i = 0; i < n; i++)
			print_text(&list[i], depth_of(rel, list[i].path));
		if (n == 1 && !*rel)
			printf("(no cgroup has vcpuboost enabled: echo +vcpuboost > %s/cgroup.subtree_control, or 'vcpuboost vm attach PID')\n",
			       cg_mount());
	}
	free(list);
	return ret ? EXIT_FAIL : 0;
}
