// SPDX-License-Identifier: GPL-2.0
/*
 * vm attach / vm detach: turn a running VMM process into a VM cgroup with a
 * threaded child vcpuN per vCPU thread, and back.
 *
 * The layout is the one the controller is designed for (SPEC §2): the VM
 * cgroup holds the VMM process and the budget, it becomes "domain
 * threaded", and each vCPU thread lives in a threaded child whose
 * prio.max, like every new cgroup's, starts at 0. Where libvirt has already
 * made that layout (the process in .../libvirt/emulator, vCPU threads in
 * .../libvirt/vcpuN), it is used in place and never removed.
 *
 * Everything that can be checked is checked before the first write; the
 * writes then go root first, so that a failure leaves the hierarchy as a
 * prefix of the intended one, and the message says which command failed.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vcpuboost.h"

/* Controllers that can be enabled in a threaded subtree (cgroup-v2.rst). */
static const char *const threaded_ctrls[] = {
	"cpu", "cpuset", "perf_event", "pids", "vcpuboost", NULL,
};

static bool is_threaded_ctrl(const char *c)
{
	int i;

	for (i = 0; threaded_ctrls[i]; i++)
		if (!strcmp(c, threaded_ctrls[i]))
			return true;
	return false;
}

static const char *base_name(const char *rel)
{
	const char *s = strrchr(rel, '/');

	return s ? s + 1 : rel;
}

static bool is_vcpu_dir(const char *name)
{
	const char *p = name + 4;

	if (strncmp(name, "vcpu", 4) || !*p)
		return false;
	while (*p >= '0' && *p <= '9')
		p++;
	return !*p;
}

/*
 * The VM cgroup of a process in @cur: @cur itself, unless its main thread
 * is itself a vCPU thread already in a threaded vcpuN child (a VMM whose
 * first thread runs vCPU 0, given with --vcpu-threads).
 */
static void vm_of(const char *cur, char *vm, size_t size)
{
	char type[32];

	if (is_vcpu_dir(base_name(cur)) &&
	    !cg_read(cur, "cgroup.type", type, sizeof(type)) &&
	    !strcmp(type, "threaded") && !cg_parent(cur, vm, size))
		return;
	snprintf(vm, size, "%s", cur);
}

static bool str_ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

/* .../libvirt/emulator: libvirt's own per-domain layout. */
static bool libvirt_layout(const char *cur, char *vm, size_t size)
{
	char parent[PATH_MAX];

	if (strcmp(base_name(cur), "emulator") ||
	    cg_parent(cur, parent, sizeof(parent)))
		return false;
	/*
	 * libvirt 9.0 names the domain's cgroup ".../libvirt" under a
	 * systemd machine scope, "machine/qemu-N-NAME.libvirt-qemu" without
	 * systemd; vCPU threads sit in its vcpuN children either way.
	 */
	if (strcmp(base_name(parent), "libvirt") &&
	    !str_ends_with(base_name(parent), ".libvirt-qemu"))
		return false;
	snprintf(vm, size, "%s", parent);
	return true;
}

/* Processes other than @pid in @rel, as "a b c" into @others. */
static int other_procs(const char *rel, pid_t pid, char *others, size_t size)
{
	char p[PATH_MAX + 64], line[32];
	size_t len = 0;
	int n = 0;
	FILE *f;

	others[0] = '\0';
	cg_abs(rel, "cgroup.procs", p, sizeof(p));
	f = fopen(p, "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (atoi(line) == pid)
			continue;
		line[strcspn(line, "\n")] = '\0';
		if (len < size - 16)
			len += snprintf(others + len, size - len, "%s%s",
					n ? " " : "", line);
		n++;
	}
	fclose(f);
	return n;
}

/* Domain controllers enabled in @rel's subtree_control, into @list. */
static int domain_ctrls(const char *rel, char *list, size_t size)
{
	char buf[512], *tok, *save;
	size_t len = 0;
	int n = 0;

	list[0] = '\0';
	if (cg_read(rel, "cgroup.subtree_control", buf, sizeof(buf)))
		return 0;
	for (tok = strtok_r(buf, " ", &save); tok;
	     tok = strtok_r(NULL, " ", &save)) {
		if (is_threaded_ctrl(tok))
			continue;
		len += snprintf(list + len, size - len, "%s%s", n ? " " : "", tok);
		n++;
	}
	return n;
}

static uint64_t uint_sum(const uint64_t *v, int n)
{
	uint64_t s = 0;
	int i;

	for (i = 0; i < n; i++)
		s += v[i];
	return s;
}

/* Create the levels of @vm that are missing, enabling vcpuboost above. */
static int create_path(const char *vm)
{
	char prefix[PATH_MAX], parent[PATH_MAX];
	const char *p = vm;
	bool last = false;
	int ret;

	while (!last) {
		p = strchr(p, '/');
		if (!p) {
			p = vm + strlen(vm);
			last = true;
		}
		snprintf(prefix, sizeof(prefix), "%.*s", (int)(p - vm), vm);
		p++;
		if (cg_exists(prefix))
			continue;
		cg_parent(prefix, parent, sizeof(parent));
		if (cg_enable_vb(parent))
			return EXIT_FAIL;
		ret = vb_create(prefix);
		if (ret) {
			vb_err("creating cgroup %s failed: %s; check that %s is writable (run as root) and its cgroup.type is not threaded",
			       cg_show(prefix), strerror(-ret),
			       cg_show(parent));
			return EXIT_FAIL;
		}
		vb_notice("created %s", cg_show(prefix));
	}
	return 0;
}

/*
 * A threaded child for a vCPU. mkdir(2) and cgroup.type directly: a
 * threaded cgroup is made in two steps, and libcgroup 2.0.2 has no call
 * for the second.
 */
static int make_vcpu_cgroup(const char *child, const char *vm, bool *made)
{
	char type[32], p[PATH_MAX + 64], dctrl[256];
	int ret;

	*made = false;
	if (!cg_exists(child)) {
		cg_abs(child, NULL, p, sizeof(p));
		if (mkdir(p, 0755) && errno != EEXIST) {
			vb_err("mkdir %s failed: %s; run as root or as the owner of %s",
			       p, strerror(errno), cg_show(vm));
			return EXIT_FAIL;
		}
		*made = true;
	}
	if (!cg_read(child, "cgroup.type", type, sizeof(type)) &&
	    !strcmp(type, "threaded"))
		return 0;
	ret = cg_write(child, "cgroup.type", "threaded");
	if (!ret)
		return 0;
	cg_abs(child, "cgroup.type", p, sizeof(p));
	if (ret == -EOPNOTSUPP && domain_ctrls(vm, dctrl, sizeof(dctrl)))
		vb_err("echo threaded > %s failed: %s; the VM cgroup must become 'domain threaded', which domain controllers in its cgroup.subtree_control (%s) forbid: disable them with echo -CONTROLLER > %s/cgroup.subtree_control, or use --cgroup PATH",
		       p, strerror(-ret), dctrl, cg_show(vm));
	else
		vb_err("echo threaded > %s failed: %s; %s must be able to become 'domain threaded' (no domain children, no domain controllers enabled): use --cgroup PATH for a cgroup of the VMM's own",
		       p, strerror(-ret), cg_show(vm));
	if (*made) {
		cg_abs(child, NULL, p, sizeof(p));
		rmdir(p);
		*made = false;
	}
	return EXIT_FAIL;
}

static int move_thread(const char *rel, pid_t tid)
{
	char val[16], p[PATH_MAX + 64];
	int ret;

	snprintf(val, sizeof(val), "%d", tid);
	ret = cg_write(rel, "cgroup.threads", val);
	if (!ret)
		return 0;
	cg_abs(rel, "cgroup.threads", p, sizeof(p));
	if (ret == -ESRCH)
		vb_err("echo %d > %s failed: %s; the thread exited",
		       tid, p, strerror(-ret));
	else if (ret == -EOPNOTSUPP || ret == -EINVAL)
		vb_err("echo %d > %s failed: %s; the thread must be in the same threaded domain (the VMM process must be in the VM cgroup)",
		       tid, p, strerror(-ret));
	else
		vb_err("echo %d > %s failed: %s; run as root or as the owner of the cgroups",
		       tid, p, strerror(-ret));
	return EXIT_FAIL;
}

/*
 * The host-level opt-in (SPEC §4): a VM reports only if kvm.vcpu_boost was
 * Y when it was created, and no interface tells afterwards. What can be
 * seen is whether the VM cgroup's reports_* counters grow.
 */
static int check_reports(const char *vm, double secs, bool verify_asked)
{
	char param[8] = "";
	struct vb_stat st;
	uint64_t r0, r1 = 0;
	double t0, waited = 0;
	FILE *f = fopen(KVM_PARAM, "re");

	if (f) {
		if (!fgets(param, sizeof(param), f))
			param[0] = '\0';
		fclose(f);
		param[strcspn(param, "\n")] = '\0';
	}
	if (!f)
		vb_notice("%s is missing: kvm is not loaded or lacks the vcpuboost patches; without the opt-in no event of this VM is reported",
			  KVM_PARAM);
	else if (strcmp(param, "Y"))
		vb_notice("kvm.vcpu_boost is %s: VMs created now report nothing",
			  param);
	if (secs <= 0) {
		if (!strcmp(param, "Y"))
			vb_notice("kvm.vcpu_boost is Y: VMs created since it was Y report their events (not verified for this one)");
		return 0;
	}
	if (vb_read_stat(vm, &st))
		return 0;
	r0 = uint_sum(st.reports, VB_NR_TRIGGERS);
	t0 = now_mono();
	while (waited < secs) {
		usleep(100000);
		waited = now_mono() - t0;
		if (vb_read_stat(vm, &st))
			break;
		r1 = uint_sum(st.reports, VB_NR_TRIGGERS);
		if (r1 > r0)
			break;
	}
	if (r1 > r0) {
		vb_notice("the VM reports its events: reports_* grew by %llu in %.1f s",
			  (unsigned long long)(r1 - r0), waited);
		return 0;
	}
	vb_err("the VM reported nothing in %.1f s (reports_* of %s unchanged): it cannot report unless it was created with kvm.vcpu_boost=Y; set kvm.vcpu_boost=1 (echo Y > %s, or kvm.vcpu_boost=1 on the kernel command line / options kvm vcpu_boost=1 in /etc/modprobe.d) and restart the VM%s",
	       waited, cg_show(vm), KVM_PARAM, strcmp(param, "Y") ? "" :
	       " (kvm.vcpu_boost is Y now: if the VM was started after that, its vCPUs were just idle)");
	/* Certain only when the host lacks the opt-in, or when asked. */
	return strcmp(param, "Y") || verify_asked ? EXIT_FAIL : 0;
}

/*
 * The fair scheduler does not take back the CPU time a boost uses, so a
 * budget is what bounds it. A vCPU cgroup granted its first ceiling here,
 * with no --budget given, gets VB_DEFAULT_BUDGET_PCT% of a CPU in its own
 * vcpuboost.max, in the period the file has: per vCPU, where a budget on
 * the VM cgroup would be a pool that one vCPU could spend alone. A cgroup
 * already granted keeps its budget, "max" included: that is the
 * operator's.
 */
static int default_budget(const char *child, const struct vb_settings *s,
			  struct vb_settings *p)
{
	unsigned long long period;
	char prio[16], cur[64];
	const char *file;
	int ret;

	if (s->budget || !s->prio || !s->prio_level)
		return 0;
	file = "vcpuboost.prio.max";
	ret = vb_read(child, file, prio, sizeof(prio));
	if (!ret) {
		file = "vcpuboost.max";
		ret = vb_read(child, file, cur, sizeof(cur));
	}
	if (ret) {
		vb_err("cannot read %s of %s: %s; nothing was granted to it",
		       file, cg_show(child), strerror(-ret));
		return EXIT_FAIL;
	}
	if (strcmp(prio, "0") || sscanf(cur, "max %llu", &period) != 1)
		return 0;
	snprintf(p->budget_val, sizeof(p->budget_val), "%llu %llu",
		 period * VB_DEFAULT_BUDGET_PCT / 100, period);
	p->budget = true;
	return 0;
}

/* Remind where the effective ceiling stays below what was asked. */
static void check_ceiling(const char *rel, const struct vb_settings *s)
{
	char limiter[PATH_MAX], lvl[8];
	unsigned int eff;

	if (vb_effective(rel, &eff, limiter, sizeof(limiter)))
		return;
	if (!eff)
		vb_notice("the effective ceiling of %s is 0, no boost is granted: vcpuboost.prio.max of %s is 0; grant with 'vcpuboost set %s --prio-max N' (each level from the first below the root needs it, new cgroups start at 0)",
			  cg_show(rel), cg_show(limiter), limiter);
	else if (s->prio && eff < (s->prio_level > VB_LEVEL_MAX ?
				   VB_LEVEL_MAX : s->prio_level))
		vb_notice("the effective ceiling of %s is %u, not %s: %s limits it",
			  cg_show(rel), eff,
			  level_str(s->prio_level, lvl, sizeof(lvl)),
			  cg_show(limiter));
	else
		vb_notice("effective ceiling %u", eff);
}

static void attach_usage(FILE *f)
{
	fprintf(f,
		"usage: vcpuboost vm attach PID [--cgroup PATH] [--vcpu-threads TID,...]\n"
		"                           [--verify[=SECS] | --no-verify] [--shared] [SETTINGS]\n"
		"SETTINGS: --budget MAX/PERIOD|max  --prio-max N|max  --trigger KEY=N|max\n"
		"          --slice US\n");
}

int cmd_attach(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "budget",	required_argument, NULL, OPT_BUDGET },
		{ "prio-max",	required_argument, NULL, OPT_PRIO_MAX },
		{ "trigger",	required_argument, NULL, OPT_TRIGGER },
		{ "slice",	required_argument, NULL, OPT_SLICE },
		{ "cgroup",	required_argument, NULL, OPT_CGROUP },
		{ "vcpu-threads", required_argument, NULL, OPT_VCPU_THREADS },
		{ "verify",	optional_argument, NULL, OPT_VERIFY },
		{ "no-verify",	no_argument, NULL, OPT_NO_VERIFY },
		{ "shared",	no_argument, NULL, OPT_SHARED },
		{ "help",	no_argument, NULL, OPT_HELP },
		{ }
	};
	const char *cgroup_arg = NULL, *threads_arg = NULL;
	char cur[PATH_MAX], vm[PATH_MAX], child[PATH_MAX + 16], others[256];
	char dctrl[256], proc[64];
	struct vb_settings s = { 0 }, *cs = NULL;
	struct vcpu *v = NULL;
	double verify = 2;
	bool verify_asked = false, libvirt = false, shared = false, made;
	int opt, ret, i, n = 0;
	uint64_t pid64;
	pid_t pid;

	vb_cmd = "vm attach ";
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case OPT_CGROUP:
			cgroup_arg = optarg;
			break;
		case OPT_VCPU_THREADS:
			threads_arg = optarg;
			break;
		case OPT_VERIFY:
			verify_asked = true;
			if (optarg && parse_secs(optarg, 0, 600, &verify))
				return vb_usage_err("--verify=%s: use --verify=SECS, 0..600",
						    optarg);
			break;
		case OPT_NO_VERIFY:
			verify = 0;
			break;
		case OPT_SHARED:
			shared = true;
			break;
		case 'h':
		case OPT_HELP:
			attach_usage(stdout);
			return 0;
		case '?':
			attach_usage(stderr);
			return EXIT_USAGE;
		default:
			ret = settings_opt(&s, opt, optarg);
			if (ret)
				return ret;
		}
	}
	if (optind != argc - 1)
		return vb_usage_err("vm attach takes one PID (the VMM process), %s",
				    optind < argc ? "got more" : "got none");
	if (parse_u64(argv[optind], &pid64) || !pid64 || pid64 > INT32_MAX)
		return vb_usage_err("'%s' is not a process id", argv[optind]);
	pid = pid64;
	snprintf(proc, sizeof(proc), "/proc/%d/task", pid);
	if (access(proc, F_OK))
		return vb_usage_err("no process %d; give the VMM's process id (e.g. pidof qemu-system-x86_64)",
				    pid);
	if (threads_arg) {
		ret = vcpus_by_list(pid, threads_arg, &v, &n);
		if (ret)
			return ret;
	}

	ret = cg_setup();
	if (ret)
		goto out;
	if (cgroup_arg && (cg_resolve(cgroup_arg, vm, sizeof(vm)) || !*vm)) {
		ret = vb_usage_err("--cgroup '%s': give a cgroup below the root, relative to %s or absolute, without '..'",
				   cgroup_arg, cg_mount());
		goto out;
	}
	ret = proc_cgroup(pid, cur, sizeof(cur));
	if (ret) {
		vb_err("reading /proc/%d/cgroup: %s; is %d running, and on cgroup v2?",
		       pid, strerror(-ret), pid);
		ret = EXIT_FAIL;
		goto out;
	}

	if (!cgroup_arg && libvirt_layout(cur, vm, sizeof(vm))) {
		libvirt = true;
		vb_notice("libvirt layout: using %s/vcpuN in place",
			  cg_show(vm));
	} else if (!cgroup_arg) {
		vm_of(cur, vm, sizeof(vm));
		if (!*vm) {
			vb_err("process %d is in the root cgroup, which cannot be a VM cgroup; give --cgroup PATH (e.g. --cgroup machine.slice/vm-%d) to move it into one",
			       pid, pid);
			ret = EXIT_FAIL;
			goto out;
		}
	}
	/*
	 * A cgroup shared with other processes becomes their threaded domain
	 * too, which is what a KubeVirt compute container wants (QEMU beside
	 * virt-launcher) and what a system cgroup must not get by accident.
	 */
	if (!libvirt && !shared && cg_exists(vm) &&
	    other_procs(vm, pid, others, sizeof(others))) {
		vb_err("cgroup %s holds other processes than %d (%s); a VM cgroup must hold the VMM alone: give --cgroup PATH for a cgroup of its own, or --shared if they belong to the VM (a container's cgroup, as KubeVirt's)",
		       cg_show(vm), pid, others);
		ret = EXIT_FAIL;
		goto out;
	}
	if (!libvirt && cg_exists(vm) &&
	    domain_ctrls(vm, dctrl, sizeof(dctrl))) {
		vb_err("%s has domain controllers enabled for its children (%s), so it cannot hold threaded vcpuN children; disable them (echo -CONTROLLER > %s/cgroup.subtree_control) or give --cgroup PATH",
		       cg_show(vm), dctrl, cg_show(vm));
		ret = EXIT_FAIL;
		goto out;
	}
	if (!pid_has_kvm_vm(pid))
		vb_notice("process %d has no KVM VM open (no anon_inode:kvm-vm fd): is it the VMM?",
			  pid);
	if (!v) {
		ret = vcpus_by_name(pid, &v, &n);
		if (ret)
			goto out;
	}

	/* Checked what can be: now the writes, root first. */
	ret = cgroup_arg ? create_path(vm) : 0;
	if (!ret)
		ret = cg_enable_path(vm);
	if (!ret)
		ret = cg_enable_vb(vm);
	if (!ret && cgroup_arg && strcmp(cur, vm)) {
		char val[16];

		snprintf(val, sizeof(val), "%d", pid);
		ret = cg_write(vm, "cgroup.procs", val);
		if (ret) {
			cg_abs(vm, "cgroup.procs", child, sizeof(child));
			vb_err("echo %d > %s failed: %s; run as root, and check that %s is not threaded",
			       pid, child, strerror(-ret), cg_show(vm));
			ret = EXIT_FAIL;
		}
	}
	for (i = 0; !ret && i < n; i++) {
		snprintf(child, sizeof(child), "%s/vcpu%d", vm, v[i].index);
		ret = make_vcpu_cgroup(child, vm, &made);
		if (!ret)
			ret = move_thread(child, v[i].tid);
		if (!ret)
			vb_notice("vCPU %d: thread %d ('%s') in %s%s",
				  v[i].index, v[i].tid, v[i].comm,
				  cg_show(child), made ? " (created)" : "");
	}
	/* Every child's default is read before the first grant is written. */
	if (!ret && s.prio) {
		cs = calloc(n, sizeof(*cs));
		if (!cs) {
			vb_err("out of memory");
			ret = EXIT_FAIL;
		}
	}
	for (i = 0; !ret && cs && i < n; i++) {
		cs[i].prio = true;
		cs[i].prio_level = s.prio_level;
		snprintf(child, sizeof(child), "%s/vcpu%d", vm, v[i].index);
		ret = default_budget(child, &s, &cs[i]);
	}
	if (!ret)
		ret = settings_apply(vm, &s);
	for (i = 0; !ret && cs && i < n; i++) {
		snprintf(child, sizeof(child), "%s/vcpu%d", vm, v[i].index);
		ret = settings_apply(child, &cs[i]);
		if (!ret && cs[i].budget)
			vb_notice("no budget given: vcpuboost.max of %s is \"%s\" (%u%% of a CPU); --budget sets the VM's instead",
				  cg_show(child), cs[i].budget_val, VB_DEFAULT_BUDGET_PCT);
	}
	if (ret)
		goto out;
	snprintf(child, sizeof(child), "%s/vcpu%d", vm, v[0].index);
	check_ceiling(child, &s);
	ret = check_reports(vm, verify, verify_asked);
	/* The VM cgroup is in place either way: scripts capture it. */
	printf("%s\n", cg_show(vm));
out:
	free(cs);
	free(v);
	return ret;
}

static bool has_children(const char *rel)
{
	char dir[PATH_MAX + 64];
	struct dirent *d;
	bool found = false;
	DIR *dp;

	cg_abs(rel, NULL, dir, sizeof(dir));
	dp = opendir(dir);
	if (!dp)
		return false;
	while (!found && (d = readdir(dp)))
		found = d->d_type == DT_DIR && d->d_name[0] != '.';
	closedir(dp);
	return found;
}

/* Move @pid's threads in threaded child @child back to @vm; rmdir it. */
static int undo_vcpu(const char *vm, const char *child, pid_t pid)
{
	char p[PATH_MAX + 64], line[32], task[64];
	int ret = 0, left = 0;
	FILE *f;

	cg_abs(child, "cgroup.threads", p, sizeof(p));
	f = fopen(p, "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		pid_t tid = atoi(line);

		snprintf(task, sizeof(task), "/proc/%d/task/%d", pid, tid);
		if (access(task, F_OK)) {
			left++;
			continue;
		}
		if (move_thread(vm, tid))
			ret = EXIT_FAIL;
		else
			vb_notice("thread %d back in %s", tid, cg_show(vm));
	}
	fclose(f);
	if (left) {
		vb_err("%s keeps %d thread(s) of other processes; left in place",
		       cg_show(child), left);
		return EXIT_FAIL;
	}
	cg_abs(child, NULL, p, sizeof(p));
	if (!ret && rmdir(p)) {
		vb_err("rmdir %s failed: %s", p, strerror(errno));
		return EXIT_FAIL;
	}
	return ret;
}

int cmd_detach(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, OPT_HELP },
		{ }
	};
	char cur[PATH_MAX], vm[PATH_MAX], child[PATH_MAX + 300], dir[PATH_MAX + 64];
	struct dirent **ents;
	bool libvirt;
	uint64_t pid64;
	int opt, ret, i, n, err = 0;
	pid_t pid;

	vb_cmd = "vm detach ";
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (opt == 'h' || opt == OPT_HELP) {
			puts("usage: vcpuboost vm detach PID");
			return 0;
		}
		return vb_usage_err("usage: vcpuboost vm detach PID");
	}
	if (optind != argc - 1)
		return vb_usage_err("vm detach takes one PID");
	if (parse_u64(argv[optind], &pid64) || !pid64 || pid64 > INT32_MAX)
		return vb_usage_err("'%s' is not a process id", argv[optind]);
	pid = pid64;
	snprintf(dir, sizeof(dir), "/proc/%d/task", pid);
	if (access(dir, F_OK))
		return vb_usage_err("no process %d; an exited VM leaves empty vcpuN cgroups, remove them with rmdir",
				    pid);
	ret = cg_setup();
	if (ret)
		return ret;
	ret = proc_cgroup(pid, cur, sizeof(cur));
	if (ret) {
		vb_err("reading /proc/%d/cgroup: %s", pid, strerror(-ret));
		return EXIT_FAIL;
	}
	libvirt = libvirt_layout(cur, vm, sizeof(vm));
	if (!libvirt)
		vm_of(cur, vm, sizeof(vm));
	if (!*vm || !cg_vb_enabled(vm)) {
		vb_err("process %d is not in a VM cgroup (%s has no vcpuboost files); nothing to detach",
		       pid, cg_show(vm));
		return EXIT_FAIL;
	}
	/* Opt out first: from here on nothing of the VM is boosted. */
	ret = vb_write(vm, "vcpuboost.prio.max", "0");
	if (ret) {
		vb_write_advice(vm, "vcpuboost.prio.max", ret);
		return EXIT_FAIL;
	}
	vb_notice("%s/vcpuboost.prio.max is 0", cg_show(vm));
	if (libvirt) {
		vb_notice("libvirt's vcpuN cgroups stay as libvirt made them");
		printf("%s\n", cg_show(vm));
		return 0;
	}
	cg_abs(vm, NULL, dir, sizeof(dir));
	n = scandir(dir, &ents, NULL, alphasort);
	for (i = 0; i < n; i++) {
		if (ents[i]->d_type == DT_DIR && is_vcpu_dir(ents[i]->d_name)) {
			snprintf(child, sizeof(child), "%s/%s", vm,
				 ents[i]->d_name);
			if (undo_vcpu(vm, child, pid))
				err = EXIT_FAIL;
		}
		free(ents[i]);
	}
	if (n >= 0)
		free(ents);
	/*
	 * attach enabled vcpuboost for the VM cgroup's children; with none
	 * left, that only keeps the cgroup "domain threaded" (a domain with
	 * tasks and a threaded controller enabled is a thread root), so it
	 * goes too. The VM cgroup's own files stay: they are its parent's.
	 */
	if (!err && !has_children(vm) &&
	    cg_list_has(vm, "cgroup.subtree_control", "vcpuboost")) {
		ret = cg_write(vm, "cgroup.subtree_control", "-vcpuboost");
		if (ret)
			vb_notice("echo -vcpuboost > %s/cgroup.subtree_control failed: %s",
				  cg_show(vm), strerror(-ret));
	}
	printf("%s\n", cg_show(vm));
	return err;
}
