// SPDX-License-Identifier: GPL-2.0
/*
 * Messages, number parsing and time helpers.
 *
 * Every error goes to stderr as "vcpuboost: <what>: <why>; <what to do>", so
 * that stdout stays what scripts capture (the VM cgroup of `vm attach`, the
 * JSON of `status --json`, the metrics of `export`).
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vcpuboost.h"

const char *vb_cmd;

const char *const vb_trigger_names[VB_NR_TRIGGERS] = {
	"guest", "irq", "timer", "nmi", "unhalt",
};

static void vmsg(const char *fmt, va_list ap)
{
	fputs("vcpuboost: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void vb_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
}

/* Diagnostics that are not errors: same prefix, same stream. */
void vb_notice(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
}

/* A usage error: say it, point at the help, and return EXIT_USAGE. */
int vb_usage_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
	fprintf(stderr, "vcpuboost: see 'vcpuboost %s--help' or vcpuboost(8)\n",
		vb_cmd ? vb_cmd : "");
	return EXIT_USAGE;
}

/*
 * A decimal number and nothing else: the kernel rejects signs, spaces
 * inside and trailing junk, and so does the tool, so that what it validated
 * is what the kernel will accept.
 */
int parse_u64(const char *s, uint64_t *v)
{
	unsigned long long x;
	char *end;

	if (!s || !isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	x = strtoull(s, &end, 10);
	if (errno || *end)
		return -ERANGE;
	*v = x;
	return 0;
}

/* A FIFO level: "max" or 0..99. */
int parse_level(const char *s, unsigned int *level)
{
	uint64_t v;

	if (!strcmp(s, "max")) {
		*level = VB_LEVEL_INF;
		return 0;
	}
	if (parse_u64(s, &v) || v > VB_LEVEL_MAX)
		return -EINVAL;
	*level = v;
	return 0;
}

int parse_secs(const char *s, double min, double max, double *secs)
{
	char *end;
	double d;

	errno = 0;
	d = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(d) || d < min || d > max)
		return -EINVAL;
	*secs = d;
	return 0;
}

const char *level_str(unsigned int level, char *buf, size_t size)
{
	if (level >= VB_LEVEL_INF)
		snprintf(buf, size, "max");
	else
		snprintf(buf, size, "%u", level);
	return buf;
}

double now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ISO 8601 local time with milliseconds, for `watch`. */
void timestamp(char *buf, size_t size)
{
	struct timespec ts;
	char tz[8], base[32];
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	strftime(tz, sizeof(tz), "%z", &tm);
	snprintf(buf, size, "%s.%03ld%s", base, ts.tv_nsec / 1000000, tz);
}

/*
 * The kernel bounds a budget by the number of possible CPUs, not online
 * ones; /sys/devices/system/cpu/possible is "0-N" or a list of ranges.
 */
unsigned int nr_possible_cpus(void)
{
	FILE *f = fopen("/sys/devices/system/cpu/possible", "re");
	unsigned int n = 0, a, b;
	char c;

	if (!f)
		return 1;
	while (fscanf(f, "%u", &a) == 1) {
		b = a;
		if (fscanf(f, "%c", &c) == 1 && c == '-') {
			if (fscanf(f, "%u", &b) != 1)
				break;
			if (fscanf(f, "%c", &c) != 1)
				c = '\n';
		}
		n += b - a + 1;
		if (c != ',')
			break;
	}
	fclose(f);
	return n ? n : 1;
}
