// SPDX-License-Identifier: GPL-2.0
/*
 * watch CGROUP [--count N]: a timestamped line per throttle event.
 *
 * vcpuboost.events is a kernfs file that notifies on change: poll() on an
 * open file of it returns POLLPRI|POLLERR after each change, and the file
 * must then be read again from offset 0. This needs the same open file
 * across polls, which libcgroup's read-whole-file calls cannot give, so the
 * file is opened and read here directly. No timeout: a line printed is an
 * event the kernel notified, not one found by polling.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vcpuboost.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int read_throttled(int fd, uint64_t *v)
{
	char buf[128], *p;
	ssize_t n;

	if (lseek(fd, 0, SEEK_SET) < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	p = strstr(buf, "throttled ");
	if (!p || parse_u64(strtok(p + 10, "\n"), v))
		return -EINVAL;
	return 0;
}

int cmd_watch(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "count", required_argument, NULL, OPT_COUNT },
		{ "help", no_argument, NULL, OPT_HELP },
		{ }
	};
	char rel[PATH_MAX], path[PATH_MAX + 64], ts[64];
	struct sigaction sa = { .sa_handler = on_signal };
	uint64_t count = 0, seen = 0, last, now, local;
	struct pollfd pfd;
	int opt, ret;

	vb_cmd = "watch ";
	while ((opt = getopt_long(argc, argv, "hc:", opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
		case OPT_COUNT:
			if (parse_u64(optarg, &count) || !count)
				return vb_usage_err("--count '%s': use --count N, N >= 1 events",
						    optarg);
			break;
		case 'h':
		case OPT_HELP:
			puts("usage: vcpuboost watch CGROUP [--count N]");
			return 0;
		default:
			return vb_usage_err("usage: vcpuboost watch CGROUP [--count N]");
		}
	}
	if (optind != argc - 1)
		return vb_usage_err("watch takes one CGROUP");
	ret = cg_setup();
	if (ret)
		return ret;
	if (cg_resolve(argv[optind], rel, sizeof(rel)) || !*rel)
		return vb_usage_err("'%s': give a cgroup below the root, relative to %s or absolute",
				    argv[optind], cg_mount());
	if (!cg_exists(rel))
		return vb_usage_err("no cgroup %s", cg_show(rel));
	if (!cg_vb_enabled(rel)) {
		vb_err("vcpuboost is not enabled for %s; enable it with echo +vcpuboost > PARENT/cgroup.subtree_control",
		       cg_show(rel));
		return EXIT_FAIL;
	}

	cg_abs(rel, "vcpuboost.events", path, sizeof(path));
	pfd.fd = open(path, O_RDONLY | O_CLOEXEC);
	pfd.events = POLLPRI;
	if (pfd.fd < 0 || read_throttled(pfd.fd, &last)) {
		vb_err("reading %s: %s", path, strerror(errno));
		return EXIT_FAIL;
	}
	/* No SA_RESTART: the signal must end poll(). */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	setvbuf(stdout, NULL, _IOLBF, 0);
	vb_notice("watching %s (throttled %llu); ^C ends", path,
		  (unsigned long long)last);

	while (!stop && (!count || seen < count)) {
		ret = poll(&pfd, 1, -1);
		if (ret < 0) {
			if (errno == EINTR)
				continue;
			vb_err("poll %s: %s", path, strerror(errno));
			return EXIT_FAIL;
		}
		if (read_throttled(pfd.fd, &now)) {
			/* Removed with its cgroup: nothing more to watch. */
			vb_notice("%s is gone", path);
			break;
		}
		if (now <= last)
			continue;
		if (vb_read_events(rel, "vcpuboost.events.local", &local))
			local = 0;
		timestamp(ts, sizeof(ts));
		printf("%s /%s throttled +%llu total %llu local %llu\n", ts, rel,
		       (unsigned long long)(now - last),
		       (unsigned long long)now, (unsigned long long)local);
		seen += now - last;
		last = now;
	}
	close(pfd.fd);
	return 0;
}
