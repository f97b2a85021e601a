// SPDX-License-Identifier: GPL-2.0
/*
 * The cgroup2 mount, CGROUP arguments, and the cgroup core files.
 *
 * libcgroup 2.0.2 knows controllers' files, not the core interface files of
 * cgroup v2 (cgroup.type, cgroup.threads, cgroup.subtree_control,
 * cgroup.procs): it writes a controller's values with fopen("r+") and one
 * buffered fprintf(), looks the path up through its controller table, and
 * reports a failing write only as ECGOTHER without the file. For the core
 * files the exact file and errno are what the user needs to fix the
 * hierarchy, so they are read and written here directly.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <mntent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vcpuboost.h"

static char mount_path[PATH_MAX];

const char *cg_mount(void)
{
	return mount_path;
}

/* The cgroup2 mount from /proc/self/mounts, usually /sys/fs/cgroup. */
int cg_find_mount(void)
{
	struct mntent *m;
	FILE *f;

	if (mount_path[0])
		return 0;
	f = setmntent("/proc/self/mounts", "re");
	if (!f) {
		vb_err("/proc/self/mounts: %s; is /proc mounted?", strerror(errno));
		return EXIT_FAIL;
	}
	while ((m = getmntent(f))) {
		if (!strcmp(m->mnt_type, "cgroup2")) {
			snprintf(mount_path, sizeof(mount_path), "%s", m->mnt_dir);
			break;
		}
	}
	endmntent(f);
	if (!mount_path[0]) {
		vb_err("no cgroup2 file system is mounted; mount it with 'mount -t cgroup2 none /sys/fs/cgroup' (vcpuboost is a cgroup v2 controller)");
		return EXIT_FAIL;
	}
	return 0;
}

/*
 * Everything a subcommand needs before it touches a cgroup: the mount, the
 * controller in the kernel, and libcgroup initialised.
 */
int cg_setup(void)
{
	int ret = cg_find_mount();

	if (ret)
		return ret;
	if (!cg_list_has("", "cgroup.controllers", "vcpuboost")) {
		vb_err("%s/cgroup.controllers has no vcpuboost: this kernel lacks CONFIG_CGROUP_VCPUBOOST; boot a kernel with the vcpuboost patches and CONFIG_CGROUP_VCPUBOOST=y",
		       mount_path);
		return EXIT_FAIL;
	}
	return vb_lib_init();
}

/*
 * CGROUP arguments: absolute paths under the mount, or paths relative to
 * it. Any other absolute path is taken as a cgroup path the way
 * /proc/PID/cgroup and systemd print them ("/machine.slice/x"), i.e. from
 * the root of the hierarchy. ".." is refused: it could leave the mount.
 */
int cg_resolve(const char *arg, char *rel, size_t size)
{
	size_t ml = strlen(mount_path), n = 0;
	const char *p = arg;
	char tmp[PATH_MAX];

	if (ml && !strncmp(arg, mount_path, ml) &&
	    (arg[ml] == '/' || arg[ml] == '\0'))
		p = arg + ml;
	if (strlen(p) >= sizeof(tmp))
		return -ENAMETOOLONG;
	while (*p) {
		const char *e;
		size_t len;

		while (*p == '/')
			p++;
		if (!*p)
			break;
		e = strchrnul(p, '/');
		len = e - p;
		if ((len == 2 && !strncmp(p, "..", 2)) || (len == 1 && *p == '.'))
			return -EINVAL;
		if (n)
			tmp[n++] = '/';
		memcpy(tmp + n, p, len);
		n += len;
		p = e;
	}
	tmp[n] = '\0';
	if (n >= size)
		return -ENAMETOOLONG;
	memcpy(rel, tmp, n + 1);
	return 0;
}

void cg_abs(const char *rel, const char *file, char *buf, size_t size)
{
	snprintf(buf, size, "%s%s%s%s%s", mount_path, *rel ? "/" : "", rel,
		 file ? "/" : "", file ? file : "");
}

/*
 * For messages: the full path of a cgroup. A few buffers in turn, so that
 * one message can name several cgroups.
 */
const char *cg_show(const char *rel)
{
	static char buf[4][PATH_MAX + 64];
	static unsigned int next;
	char *b = buf[next++ % 4];

	cg_abs(rel, NULL, b, sizeof(buf[0]));
	return b;
}

bool cg_exists(const char *rel)
{
	char p[PATH_MAX + 64];
	struct stat st;

	cg_abs(rel, "cgroup.type", p, sizeof(p));
	if (!*rel)
		cg_abs(rel, "cgroup.controllers", p, sizeof(p));
	return !stat(p, &st);
}

/* vcpuboost is enabled for @rel (its parent's subtree_control has it). */
bool cg_vb_enabled(const char *rel)
{
	char p[PATH_MAX + 64];

	cg_abs(rel, "vcpuboost.max", p, sizeof(p));
	return !access(p, F_OK);
}

/* Read a whole small file; trailing newline stripped. Returns -errno. */
int cg_read(const char *rel, const char *file, char *buf, size_t size)
{
	char p[PATH_MAX + 64];
	ssize_t n;
	int fd;

	cg_abs(rel, file, p, sizeof(p));
	fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	if (n < 0) {
		n = -errno;
		close(fd);
		return n;
	}
	close(fd);
	buf[n] = '\0';
	while (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	return 0;
}

/*
 * One write() of @val: the kernel takes a cgroup file write whole, and
 * cgroup.threads/cgroup.procs take one id per write. Returns -errno.
 */
int cg_write(const char *rel, const char *file, const char *val)
{
	char p[PATH_MAX + 64];
	size_t len = strlen(val);
	ssize_t n;
	int fd, ret = 0;

	cg_abs(rel, file, p, sizeof(p));
	fd = open(p, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, val, len);
	if (n < 0)
		ret = -errno;
	else if ((size_t)n != len)
		ret = -EIO;
	close(fd);
	return ret;
}

/* @word is one of the space-separated words of @file. */
bool cg_list_has(const char *rel, const char *file, const char *word)
{
	char buf[1024], *tok, *save;

	if (cg_read(rel, file, buf, sizeof(buf)))
		return false;
	for (tok = strtok_r(buf, "\n ", &save); tok;
	     tok = strtok_r(NULL, "\n ", &save))
		if (!strcmp(tok, word))
			return true;
	return false;
}

int cg_count_lines(const char *rel, const char *file)
{
	char p[PATH_MAX + 64], line[64];
	int n = 0;
	FILE *f;

	cg_abs(rel, file, p, sizeof(p));
	f = fopen(p, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		n++;
	fclose(f);
	return n;
}

int cg_parent(const char *rel, char *parent, size_t size)
{
	const char *slash = strrchr(rel, '/');

	if (!*rel)
		return -ENOENT;
	if (!slash) {
		parent[0] = '\0';
		return 0;
	}
	snprintf(parent, size, "%.*s", (int)(slash - rel), rel);
	return 0;
}

/*
 * Enable vcpuboost for the children of @rel. The messages name the exact
 * command that failed, and the kernel's reason in cgroup terms.
 */
int cg_enable_vb(const char *rel)
{
	char file[PATH_MAX + 64];
	int err;

	if (cg_list_has(rel, "cgroup.subtree_control", "vcpuboost"))
		return 0;
	err = cg_write(rel, "cgroup.subtree_control", "+vcpuboost");
	if (!err)
		return 0;
	cg_abs(rel, "cgroup.subtree_control", file, sizeof(file));
	switch (-err) {
	case EBUSY:
		vb_err("echo +vcpuboost > %s failed: %s; the cgroup has processes of its own and domain children or domain controllers enabled (no internal processes): move its processes into a leaf cgroup, then run the command again",
		       file, strerror(-err));
		break;
	case EOPNOTSUPP:
		vb_err("echo +vcpuboost > %s failed: %s; the cgroup is not a valid domain (cgroup.type is 'domain invalid'): make it threaded or move the cgroup",
		       file, strerror(-err));
		break;
	case ENOENT:
		vb_err("echo +vcpuboost > %s failed: %s; vcpuboost is not in its cgroup.controllers: enable it in the parent first",
		       file, strerror(-err));
		break;
	case EACCES:
	case EPERM:
	case EROFS:
		vb_err("echo +vcpuboost > %s failed: %s; run as root, or ask the owner of the cgroup (a delegation point's files belong to the delegator)",
		       file, strerror(-err));
		break;
	default:
		vb_err("echo +vcpuboost > %s failed: %s", file, strerror(-err));
	}
	return EXIT_FAIL;
}

/*
 * Make vcpuboost's files appear in @rel: enable it in every ancestor's
 * cgroup.subtree_control, from the root down to @rel's parent.
 */
int cg_enable_path(const char *rel)
{
	char anc[PATH_MAX];
	const char *p = rel;
	int ret;

	if (!*rel)
		return 0;
	ret = cg_enable_vb("");
	while (!ret && (p = strchr(p, '/'))) {
		snprintf(anc, sizeof(anc), "%.*s", (int)(p - rel), rel);
		ret = cg_enable_vb(anc);
		p++;
	}
	return ret;
}

/* The v2 cgroup of @pid ("0::/path"), relative to the mount. */
int proc_cgroup(pid_t pid, char *rel, size_t size)
{
	char path[64], line[PATH_MAX + 8];
	int ret = -ENOENT;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/cgroup", pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "0::", 3))
			continue;
		line[strcspn(line, "\n")] = '\0';
		if (strstr(line, " (deleted)"))
			ret = -ESTALE;
		else
			ret = cg_resolve(line + 3, rel, size);
		break;
	}
	fclose(f);
	return ret;
}

static int walk(const char *rel, int depth, cg_walk_fn fn, void *arg)
{
	char dir[PATH_MAX + 64], child[PATH_MAX];
	struct dirent **ents;
	int i, n, ret;

	ret = fn(rel, depth, arg);
	if (ret)
		return ret;
	cg_abs(rel, NULL, dir, sizeof(dir));
	n = scandir(dir, &ents, NULL, alphasort);
	if (n < 0)
		return 0;	/* removed under us: nothing below */
	for (i = 0; i < n; i++) {
		if (ents[i]->d_type == DT_DIR && ents[i]->d_name[0] != '.' &&
		    strlen(rel) + strlen(ents[i]->d_name) + 2 < sizeof(child)) {
			snprintf(child, sizeof(child), "%s%s%s", rel,
				 *rel ? "/" : "", ents[i]->d_name);
			/* Only where vcpuboost is enabled: it is below too. */
			if (!ret && cg_vb_enabled(child))
				ret = walk(child, depth + 1, fn, arg);
		}
		free(ents[i]);
	}
	free(ents);
	return ret;
}

/* Pre-order, sorted by name, over @rel and its descendants with vcpuboost. */
int cg_walk(const char *rel, cg_walk_fn fn, void *arg)
{
	return walk(rel, 0, fn, arg);
}
