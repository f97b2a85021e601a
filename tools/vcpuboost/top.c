// SPDX-License-Identifier: GPL-2.0
/*
 * top [-d SECS] [-n COUNT]: a live view, a row per cgroup with vcpuboost.
 *
 * Plain ANSI escapes rather than curses: the screen is one table redrawn
 * in place, which any terminal (a tmux pane included) understands, and the
 * tool then needs no terminfo entry at run time. Rates are deltas between
 * two refreshes; the first screen shows totals only.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "vcpuboost.h"

static struct termios saved;
static bool raw_mode;
static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void restore_tty(void)
{
	if (raw_mode)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved);
	raw_mode = false;
}

/* Keys without Enter and without echo, so that 'q' quits at once. */
static void raw_tty(void)
{
	struct termios t;

	if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &saved))
		return;
	t = saved;
	t.c_lflag &= ~(ICANON | ECHO);
	t.c_cc[VMIN] = 0;
	t.c_cc[VTIME] = 0;
	if (!tcsetattr(STDIN_FILENO, TCSANOW, &t)) {
		raw_mode = true;
		atexit(restore_tty);
	}
}

static const struct vb_cgroup *find(const struct vb_cgroup *v, int n,
				    const char *path)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(v[i].path, path))
			return &v[i];
	return NULL;
}

static void draw(const struct vb_cgroup *cur, int n,
		 const struct vb_cgroup *prev, int np, double dt, double d)
{
	struct winsize ws = { .ws_row = 24, .ws_col = 80 };
	char clock[16], name[PATH_MAX + 2], budget[32];
	int i, rows = 0, w;
	time_t now = time(NULL);
	bool tty = isatty(STDOUT_FILENO);

	if (tty)
		ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws);
	/* The other columns take 50, the budget up to 16 ("max/1000000"). */
	w = ws.ws_col > 86 ? ws.ws_col - 66 : 20;
	strftime(clock, sizeof(clock), "%H:%M:%S", localtime(&now));
	if (tty)
		fputs("\033[H\033[2J", stdout);
	printf("vcpuboost top - %s  every %.1f s  %d cgroup%s  (q quits)\n\n",
	       clock, d, n, n == 1 ? "" : "s");
	printf("%-*s %6s %7s %7s %7s %5s %4s %4s %s\n", w, "CGROUP", "BOOST%",
	       "GRANT/s", "DENY/s", "EXPIR/s", "THROT", "NOW", "PRIO", "BUDGET");
	for (i = 0; i < n; i++) {
		const struct vb_cgroup *c = &cur[i];
		const struct vb_cgroup *p = find(prev, np, c->path);

		if (tty && rows >= ws.ws_row - 4)
			break;
		snprintf(name, sizeof(name), "/%s", c->path);
		if ((int)strlen(name) > w)	/* keep the leaf visible */
			memmove(name, name + strlen(name) - w, w + 1);
		if (c->root)
			snprintf(budget, sizeof(budget), "(unmanaged)");
		else if (c->max_us == VB_BUDGET_INF)
			snprintf(budget, sizeof(budget), "max/%llu",
				 (unsigned long long)c->period_us);
		else
			snprintf(budget, sizeof(budget), "%llu/%llu",
				 (unsigned long long)c->max_us,
				 (unsigned long long)c->period_us);
		printf("%-*s ", w, name);
		if (p && dt > 0)
			/* Boosted CPU time per wall time, in % of one CPU. */
			printf("%6.1f %7.1f %7.1f %7.1f ",
			       (c->stat.boosted_usec - p->stat.boosted_usec) /
			       (dt * 1e4),
			       (c->stat.grants - p->stat.grants) / dt,
			       (c->stat.denied - p->stat.denied) / dt,
			       (c->stat.expired - p->stat.expired) / dt);
		else
			printf("%6s %7s %7s %7s ", "-", "-", "-", "-");
		printf("%5llu %4llu ", (unsigned long long)c->stat.nr_throttled,
		       (unsigned long long)c->stat.nr_boosted);
		if (c->root)
			printf("%4s ", "-");
		else
			printf("%4u ", c->eff);
		printf("%s\n", budget);
		rows++;
	}
	if (rows < n)
		printf("... %d more (a larger window shows them)\n", n - rows);
	fflush(stdout);
}

int cmd_top(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "delay", required_argument, NULL, 'd' },
		{ "iterations", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, OPT_HELP },
		{ }
	};
	struct sigaction sa = { .sa_handler = on_signal };
	struct vb_cgroup *cur = NULL, *prev = NULL;
	int opt, ret, n = 0, np = 0;
	uint64_t count = 0, iter = 0;
	double d = 1, t, tprev = 0;

	vb_cmd = "top ";
	while ((opt = getopt_long(argc, argv, "hd:n:", opts, NULL)) != -1) {
		switch (opt) {
		case 'd':
			if (parse_secs(optarg, 0.1, 3600, &d))
				return vb_usage_err("-d '%s': use -d SECS, the refresh interval, 0.1..3600",
						    optarg);
			break;
		case 'n':
			if (parse_u64(optarg, &count) || !count)
				return vb_usage_err("-n '%s': use -n COUNT, the number of refreshes, >= 1",
						    optarg);
			break;
		case 'h':
		case OPT_HELP:
			puts("usage: vcpuboost top [-d SECS] [-n COUNT]");
			return 0;
		default:
			return vb_usage_err("usage: vcpuboost top [-d SECS] [-n COUNT]");
		}
	}
	if (optind != argc)
		return vb_usage_err("top takes no operand ('%s')", argv[optind]);
	ret = cg_setup();
	if (ret)
		return ret;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	raw_tty();

	while (!stop) {
		struct pollfd pfd = { .fd = STDIN_FILENO, .events = POLLIN };
		double deadline;
		char key;

		t = now_mono();
		free(cur);
		ret = vb_list("", &cur, &n);
		if (ret && !n)
			break;
		draw(cur, n, prev, np, prev ? t - tprev : 0, d);
		free(prev);
		prev = cur;
		np = n;
		cur = NULL;
		tprev = t;
		if (count && ++iter >= count)
			break;
		deadline = t + d;
		while (!stop && (t = now_mono()) < deadline) {
			if (!raw_mode) {
				usleep((deadline - t) * 1e6);
				continue;
			}
			if (poll(&pfd, 1, (deadline - t) * 1000 + 1) <= 0)
				continue;
			if (read(STDIN_FILENO, &key, 1) == 1 &&
			    (key == 'q' || key == 'Q'))
				stop = 1;
		}
	}
	free(prev);
	free(cur);
	restore_tty();
	return ret && !np ? EXIT_FAIL : 0;
}
