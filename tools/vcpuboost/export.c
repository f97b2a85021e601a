// SPDX-License-Identifier: GPL-2.0
/*
 * export [--textfile DIR]: every counter and setting in the Prometheus text
 * exposition format, to stdout or as node_exporter's textfile collector
 * wants it: DIR/vcpuboost.prom replaced atomically (a temporary file in DIR,
 * then rename(2)), so that a scrape never sees half a file.
 *
 * Names are in base units (seconds, not microseconds), counters end in
 * _total, and each family is written whole (HELP, TYPE, then every sample),
 * which `promtool check metrics` requires.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vcpuboost.h"

struct family {
	const char *name, *type, *help;
	bool all;	/* also the root, which has only vcpuboost.stat */
	double (*get)(const struct vb_cgroup *c);
};

static double level_val(unsigned int l)
{
	return l > VB_LEVEL_MAX ? VB_LEVEL_MAX : l;
}

static double g_boosted(const struct vb_cgroup *c)
{
	return c->stat.boosted_usec / 1e6;
}

static double g_grants(const struct vb_cgroup *c)
{
	return c->stat.grants;
}

static double g_denied(const struct vb_cgroup *c)
{
	return c->stat.denied;
}

static double g_expired(const struct vb_cgroup *c)
{
	return c->stat.expired;
}

static double g_retracted(const struct vb_cgroup *c)
{
	return c->stat.retracted;
}

static double g_revoked(const struct vb_cgroup *c)
{
	return c->stat.revoked;
}

static double g_nr_throttled(const struct vb_cgroup *c)
{
	return c->stat.nr_throttled;
}

static double g_throttled_s(const struct vb_cgroup *c)
{
	return c->stat.throttled_usec / 1e6;
}

static double g_nr_boosted(const struct vb_cgroup *c)
{
	return c->stat.nr_boosted;
}

static double g_events(const struct vb_cgroup *c)
{
	return c->events;
}

static double g_events_local(const struct vb_cgroup *c)
{
	return c->events_local;
}

static double g_budget(const struct vb_cgroup *c)
{
	return c->max_us == VB_BUDGET_INF ? 1.0 / 0.0 : c->max_us / 1e6;
}

static double g_period(const struct vb_cgroup *c)
{
	return c->period_us / 1e6;
}

static double g_prio_max(const struct vb_cgroup *c)
{
	return level_val(c->prio_max);
}

static double g_prio_eff(const struct vb_cgroup *c)
{
	return c->eff;
}

static double g_slice(const struct vb_cgroup *c)
{
	return c->slice_us / 1e6;
}

static double g_threads(const struct vb_cgroup *c)
{
	return c->nr_threads;
}

static const struct family families[] = {
	{ "vcpuboost_boosted_seconds_total", "counter",
	  "Boosted CPU time of the tasks in the cgroup's subtree.", true,
	  g_boosted },
	{ "vcpuboost_grants_total", "counter", "Boosts granted.", true,
	  g_grants },
	{ "vcpuboost_denied_total", "counter",
	  "Reports denied (ceiling or trigger 0, or throttled).", true,
	  g_denied },
	{ "vcpuboost_expired_total", "counter",
	  "Boosts that reached vcpuboost.slice.", true, g_expired },
	{ "vcpuboost_retracted_total", "counter",
	  "Boosts ended because the reporter withdrew them.", true,
	  g_retracted },
	{ "vcpuboost_revoked_total", "counter",
	  "Boosts ended by budget, ceiling, migration or exit.", true,
	  g_revoked },
	{ "vcpuboost_throttled_periods_total", "counter",
	  "Periods in which a budget in the subtree ran out.", true,
	  g_nr_throttled },
	{ "vcpuboost_throttled_seconds_total", "counter",
	  "Time spent throttled.", true, g_throttled_s },
	{ "vcpuboost_boosted_tasks", "gauge", "Tasks boosted now.", true,
	  g_nr_boosted },
	{ "vcpuboost_throttle_events_total", "counter",
	  "Throttle events of the cgroup and its descendants (vcpuboost.events).",
	  false, g_events },
	{ "vcpuboost_throttle_events_local_total", "counter",
	  "Throttle events of the cgroup itself (vcpuboost.events.local).",
	  false, g_events_local },
	{ "vcpuboost_budget_seconds", "gauge",
	  "Boosted CPU time allowed per period (+Inf: no limit).", false,
	  g_budget },
	{ "vcpuboost_period_seconds", "gauge", "Budget period.", false,
	  g_period },
	{ "vcpuboost_prio_max", "gauge",
	  "Ceiling vcpuboost.prio.max, a SCHED_FIFO priority (max as 99).",
	  false, g_prio_max },
	{ "vcpuboost_prio_effective", "gauge",
	  "Effective ceiling: the minimum of prio.max up to the root.", false,
	  g_prio_eff },
	{ "vcpuboost_slice_seconds", "gauge", "Longest single boost.", false,
	  g_slice },
	{ "vcpuboost_threads", "gauge", "Threads in the cgroup itself.", false,
	  g_threads },
};

/* A label value: backslash, double quote and newline escaped. */
static void put_label(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			fputc('\\', f);
		if (*s == '\n') {
			fputs("\\n", f);
			continue;
		}
		fputc(*s, f);
	}
}

/*
 * Counters as integers; seconds, which come from microseconds, with six
 * decimals at most and no trailing zeros (0.05, not 0.050000).
 */
static void put_value(FILE *f, double v)
{
	char buf[64];
	size_t len;

	if (v > 1e300) {
		fputs("+Inf\n", f);
		return;
	}
	if (v == (double)(uint64_t)v && v < 1e15) {
		fprintf(f, "%llu\n", (unsigned long long)v);
		return;
	}
	len = snprintf(buf, sizeof(buf), "%.6f", v);
	while (len > 1 && buf[len - 1] == '0')
		buf[--len] = '\0';
	fprintf(f, "%s\n", buf);
}

static void put_cgroup(FILE *f, const char *name, const struct vb_cgroup *c,
		       const char *trigger)
{
	fprintf(f, "%s{cgroup=\"/", name);
	put_label(f, c->path);
	fputc('"', f);
	if (trigger)
		fprintf(f, ",trigger=\"%s\"", trigger);
	fputs("} ", f);
}

/* A family's HELP and TYPE lines, which come before its samples. */
static void put_header(FILE *f, const char *name, const char *type,
		       const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void emit(FILE *f, const struct vb_cgroup *list, int n)
{
	size_t k;
	int i, t;

	for (k = 0; k < ARRAY_SIZE(families); k++) {
		const struct family *fam = &families[k];

		put_header(f, fam->name, fam->type, fam->help);
		for (i = 0; i < n; i++) {
			if (list[i].root && !fam->all)
				continue;
			put_cgroup(f, fam->name, &list[i], NULL);
			put_value(f, fam->get(&list[i]));
		}
	}
	put_header(f, "vcpuboost_reports_total", "counter",
		   "Reports received, by trigger.");
	for (i = 0; i < n; i++) {
		for (t = 0; t < VB_NR_TRIGGERS; t++) {
			put_cgroup(f, "vcpuboost_reports_total", &list[i],
				   vb_trigger_names[t]);
			put_value(f, list[i].stat.reports[t]);
		}
	}
	put_header(f, "vcpuboost_trigger_level", "gauge",
		   "Level a trigger may ask for (vcpuboost.triggers, max as 99).");
	for (i = 0; i < n; i++) {
		if (list[i].root)
			continue;
		for (t = 0; t < VB_NR_TRIGGERS; t++) {
			put_cgroup(f, "vcpuboost_trigger_level", &list[i],
				   vb_trigger_names[t]);
			put_value(f, level_val(list[i].triggers[t]));
		}
	}
}

static int write_textfile(const char *dir, const struct vb_cgroup *list, int n)
{
	char tmp[PATH_MAX], dst[PATH_MAX];
	FILE *f;
	int fd;

	snprintf(tmp, sizeof(tmp), "%s/.vcpuboost.prom.XXXXXX", dir);
	snprintf(dst, sizeof(dst), "%s/vcpuboost.prom", dir);
	/* In DIR, so that rename() stays on one file system: atomic. */
	fd = mkstemp(tmp);
	if (fd < 0) {
		vb_err("creating a temporary file in %s: %s; the directory must be writable",
		       dir, strerror(errno));
		return EXIT_FAIL;
	}
	f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		unlink(tmp);
		return EXIT_FAIL;
	}
	emit(f, list, n);
	/* node_exporter runs as its own user: the file must be readable. */
	if (fflush(f) || fchmod(fd, 0644) || fsync(fd) || ferror(f)) {
		vb_err("writing %s: %s", tmp, strerror(errno));
		fclose(f);
		unlink(tmp);
		return EXIT_FAIL;
	}
	if (fclose(f) || rename(tmp, dst)) {
		vb_err("renaming %s to %s: %s", tmp, dst, strerror(errno));
		unlink(tmp);
		return EXIT_FAIL;
	}
	return 0;
}

int cmd_export(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "textfile", required_argument, NULL, OPT_TEXTFILE },
		{ "help", no_argument, NULL, OPT_HELP },
		{ }
	};
	const char *dir = NULL;
	struct vb_cgroup *list;
	struct stat st;
	int opt, ret, n;

	vb_cmd = "export ";
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case OPT_TEXTFILE:
			dir = optarg;
			break;
		case 'h':
		case OPT_HELP:
			puts("usage: vcpuboost export [--textfile DIR]");
			return 0;
		default:
			return vb_usage_err("usage: vcpuboost export [--textfile DIR]");
		}
	}
	if (optind != argc)
		return vb_usage_err("export takes no operand ('%s'); use --textfile DIR",
				    argv[optind]);
	if (dir && (stat(dir, &st) || !S_ISDIR(st.st_mode)))
		return vb_usage_err("--textfile %s: not a directory; give node_exporter's --collector.textfile.directory",
				    dir);
	ret = cg_setup();
	if (ret)
		return ret;
	ret = vb_list("", &list, &n);
	if (ret && !n) {
		free(list);
		return EXIT_FAIL;
	}
	if (dir) {
		ret = write_textfile(dir, list, n) ? EXIT_FAIL : ret;
	} else {
		emit(stdout, list, n);
		if (fflush(stdout))
			ret = EXIT_FAIL;
	}
	free(list);
	return ret ? EXIT_FAIL : 0;
}
