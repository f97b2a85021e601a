// SPDX-License-Identifier: GPL-2.0
/*
 * Finding a VMM's vCPU threads: by the names the common VMMs give them, or
 * from a list of thread ids. Nothing else identifies a vCPU thread from the
 * outside: KVM keeps no per-thread marker in /proc.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vcpuboost.h"

/* comm = prefix, a vCPU index, suffix (comm is at most 15 characters). */
static const struct {
	const char *vmm, *prefix, *suffix;
} vcpu_names[] = {
	{ "QEMU",		"CPU ",		"/KVM" },
	{ "kvmtool",		"kvm-vcpu-",	"" },
	{ "crosvm",		"crosvm_vcpu",	"" },
	{ "Firecracker",	"fc_vcpu ",	"" },
	{ "cloud-hypervisor",	"vcpu",		"" },
};

static int match_name(const char *comm)
{
	size_t i, pl;
	const char *p;
	char *end;
	long n;

	for (i = 0; i < ARRAY_SIZE(vcpu_names); i++) {
		pl = strlen(vcpu_names[i].prefix);
		if (strncmp(comm, vcpu_names[i].prefix, pl))
			continue;
		p = comm + pl;
		if (!isdigit((unsigned char)*p))
			continue;
		n = strtol(p, &end, 10);
		if (!strcmp(end, vcpu_names[i].suffix) && n >= 0 && n < 100000)
			return n;
	}
	return -1;
}

static int read_comm(pid_t pid, pid_t tid, char *buf, size_t size)
{
	char path[64];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/comm", pid, tid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	if (!fgets(buf, size, f))
		buf[0] = '\0';
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

static int cmp_index(const void *a, const void *b)
{
	return ((const struct vcpu *)a)->index - ((const struct vcpu *)b)->index;
}

/* The vCPU threads of @pid by name, sorted by index. */
int vcpus_by_name(pid_t pid, struct vcpu **out, int *n)
{
	struct vcpu *v = NULL;
	char path[64], names[512] = "";
	struct dirent *d;
	int cnt = 0, i;
	size_t nl = 0;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	dir = opendir(path);
	if (!dir) {
		vb_err("%s: %s; is %d still running?", path, strerror(errno), pid);
		return EXIT_FAIL;
	}
	while ((d = readdir(dir))) {
		struct vcpu c = { .tid = atoi(d->d_name) };

		if (c.tid <= 0 || read_comm(pid, c.tid, c.comm, sizeof(c.comm)))
			continue;
		c.index = match_name(c.comm);
		if (c.index < 0) {
			if (nl < sizeof(names) - 40)
				nl += snprintf(names + nl, sizeof(names) - nl,
					       "%s'%s'", nl ? ", " : "", c.comm);
			continue;
		}
		v = realloc(v, (cnt + 1) * sizeof(*v));
		if (!v) {
			closedir(dir);
			return EXIT_FAIL;
		}
		v[cnt++] = c;
	}
	closedir(dir);
	if (!cnt) {
		vb_err("no vCPU thread in process %d (its threads: %s); name them as a known VMM does ('CPU N/KVM' with QEMU -name NAME,debug-threads=on, 'kvm-vcpu-N', 'crosvm_vcpuN', 'fc_vcpu N', 'vcpuN') or give --vcpu-threads TID,...",
		       pid, names);
		return EXIT_FAIL;
	}
	qsort(v, cnt, sizeof(*v), cmp_index);
	for (i = 1; i < cnt; i++) {
		if (v[i].index == v[i - 1].index) {
			vb_err("threads %d and %d of process %d are both vCPU %d ('%s'); give the vCPU threads with --vcpu-threads TID,...",
			       v[i - 1].tid, v[i].tid, pid, v[i].index,
			       v[i].comm);
			free(v);
			return EXIT_FAIL;
		}
	}
	*out = v;
	*n = cnt;
	return 0;
}

/* --vcpu-threads TID,...: vCPU N is the Nth thread id given. */
int vcpus_by_list(pid_t pid, const char *list, struct vcpu **out, int *n)
{
	char *copy = strdup(list), *tok, *save;
	struct vcpu *v = NULL;
	char path[64];
	int cnt = 0, i;
	uint64_t tid;

	if (!copy)
		return EXIT_FAIL;
	for (tok = strtok_r(copy, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (parse_u64(tok, &tid) || !tid || tid > INT32_MAX) {
			vb_usage_err("--vcpu-threads '%s': '%s' is not a thread id; use --vcpu-threads TID,TID,... (vCPU N is the Nth)",
				     list, tok);
			free(copy);
			free(v);
			return EXIT_USAGE;
		}
		snprintf(path, sizeof(path), "/proc/%d/task/%d", pid, (int)tid);
		if (access(path, F_OK)) {
			free(copy);
			free(v);
			return vb_usage_err("--vcpu-threads: %d is not a thread of process %d (no %s); list its threads with ls /proc/%d/task",
					    (int)tid, pid, path, pid);
		}
		for (i = 0; i < cnt; i++) {
			if (v[i].tid == (pid_t)tid) {
				free(copy);
				free(v);
				return vb_usage_err("--vcpu-threads: thread %d given twice",
						    (int)tid);
			}
		}
		v = realloc(v, (cnt + 1) * sizeof(*v));
		if (!v) {
			free(copy);
			return EXIT_FAIL;
		}
		v[cnt].tid = tid;
		v[cnt].index = cnt;
		read_comm(pid, tid, v[cnt].comm, sizeof(v[cnt].comm));
		cnt++;
	}
	free(copy);
	if (!cnt)
		return vb_usage_err("--vcpu-threads '%s': no thread id; use --vcpu-threads TID,TID,...",
				    list);
	*out = v;
	*n = cnt;
	return 0;
}

/* @pid holds a KVM VM file descriptor: it is a VMM. */
bool pid_has_kvm_vm(pid_t pid)
{
	char path[64], fd[300], target[64];
	struct dirent *d;
	bool found = false;
	ssize_t len;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/fd", pid);
	dir = opendir(path);
	if (!dir)
		return false;
	while (!found && (d = readdir(dir))) {
		snprintf(fd, sizeof(fd), "%s/%s", path, d->d_name);
		len = readlink(fd, target, sizeof(target) - 1);
		if (len <= 0)
			continue;
		target[len] = '\0';
		found = !strcmp(target, "anon_inode:kvm-vm");
	}
	closedir(dir);
	return found;
}
