// SPDX-License-Identifier: GPL-2.0
/*
 * vcpuboost(8): the operator's tool for the vcpuboost cgroup controller.
 *
 * Subcommand dispatch, usage, and `set`. Exit codes (SPEC §6): 0 success,
 * 1 runtime failure, 2 bad usage, in which case nothing was written.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "vcpuboost.h"

void print_usage(FILE *f)
{
	fprintf(f,
		"usage: vcpuboost COMMAND [ARGS]\n"
		"\n"
		"  vm attach PID [--cgroup PATH] [--vcpu-threads TID,...] [--verify[=SECS]]\n"
		"                [--no-verify] [--shared] [SETTINGS]\n"
		"                          make the VMM's cgroup a VM cgroup with a threaded\n"
		"                          vcpuN child per vCPU thread; prints its path\n"
		"  vm detach PID           prio.max 0, vCPU threads back, vcpuN removed\n"
		"  set CGROUP SETTINGS     change the settings of a cgroup\n"
		"  status [CGROUP] [--json]\n"
		"                          the cgroups with vcpuboost: settings, counters\n"
		"  top [-d SECS] [-n COUNT]\n"
		"                          live view, a row per cgroup; q quits\n"
		"  watch CGROUP [--count N]\n"
		"                          a timestamped line per throttle event\n"
		"  export [--textfile DIR] the counters in the Prometheus text format\n"
		"\n"
		"SETTINGS (validated before anything is written; times in microseconds):\n"
		"  --budget MAX/PERIOD | --budget max[/PERIOD] | --budget MAX\n"
		"  --prio-max N|max        the ceiling, a SCHED_FIFO priority 0..99\n"
		"  --trigger KEY=N|max     KEY: guest irq timer nmi unhalt (repeatable)\n"
		"  --slice US              the longest one boost lasts, 10..1000000\n"
		"\n"
		"CGROUP: relative to the cgroup2 mount, or absolute. Exit status: 0 ok,\n"
		"1 failure, 2 bad usage. See vcpuboost(8).\n");
}

static int cmd_set_usage(FILE *f, int ret)
{
	fprintf(f, "usage: vcpuboost set CGROUP [--budget MAX/PERIOD|max] [--prio-max N|max]\n"
		"                     [--trigger KEY=N|max]... [--slice US]\n");
	return ret;
}

int cmd_set(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "budget",	required_argument, NULL, OPT_BUDGET },
		{ "prio-max",	required_argument, NULL, OPT_PRIO_MAX },
		{ "trigger",	required_argument, NULL, OPT_TRIGGER },
		{ "slice",	required_argument, NULL, OPT_SLICE },
		{ "help", no_argument, NULL, OPT_HELP },
		{ }
	};
	struct vb_settings s = { 0 };
	char rel[PATH_MAX];
	int opt, ret;

	vb_cmd = "set ";
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'h':
		case OPT_HELP:
			return cmd_set_usage(stdout, 0);
		case '?':
			return cmd_set_usage(stderr, EXIT_USAGE);
		default:
			ret = settings_opt(&s, opt, optarg);
			if (ret)
				return ret;
		}
	}
	if (optind != argc - 1)
		return vb_usage_err("set takes one CGROUP, %s",
				    optind < argc ? "got more" : "got none");
	if (!settings_any(&s))
		return vb_usage_err("set %s: nothing to set; give at least one of --budget, --prio-max, --trigger, --slice",
				    argv[optind]);
	ret = cg_setup();
	if (ret)
		return ret;
	if (cg_resolve(argv[optind], rel, sizeof(rel)))
		return vb_usage_err("'%s': give a cgroup relative to %s or absolute, without '..'",
				    argv[optind], cg_mount());
	if (!cg_exists(rel))
		return vb_usage_err("no cgroup %s; list them with 'vcpuboost status'",
				    cg_show(rel));
	ret = settings_check(rel, &s);
	if (ret)
		return ret;
	return settings_apply(rel, &s);
}

static int cmd_vm(int argc, char **argv)
{
	vb_cmd = "vm ";
	if (argc < 2)
		return vb_usage_err("vm needs a subcommand: attach or detach");
	if (!strcmp(argv[1], "attach"))
		return cmd_attach(argc - 1, argv + 1);
	if (!strcmp(argv[1], "detach"))
		return cmd_detach(argc - 1, argv + 1);
	return vb_usage_err("unknown subcommand 'vm %s': use vm attach or vm detach",
			    argv[1]);
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int argc, char **argv);
	} cmds[] = {
		{ "vm",		cmd_vm },
		{ "set",	cmd_set },
		{ "status",	cmd_status },
		{ "top",	cmd_top },
		{ "watch",	cmd_watch },
		{ "export",	cmd_export },
	};
	size_t i;

	if (argc < 2) {
		print_usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") ||
	    !strcmp(argv[1], "help")) {
		print_usage(stdout);
		return 0;
	}
	/* getopt_long() permutes: options may follow the operands. */
	for (i = 0; i < ARRAY_SIZE(cmds); i++)
		if (!strcmp(argv[1], cmds[i].name))
			return cmds[i].fn(argc - 1, argv + 1);
	vb_err("unknown command '%s'", argv[1]);
	print_usage(stderr);
	return EXIT_USAGE;
}
