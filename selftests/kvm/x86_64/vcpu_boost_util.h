/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the KVM vcpuboost selftest programs share: writing cgroup files.
 */
#ifndef SELFTEST_KVM_VCPU_BOOST_UTIL_H
#define SELFTEST_KVM_VCPU_BOOST_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* 0, or the negative errno of opening or writing @dir/@file. */
static inline int cg_try_write(const char *dir, const char *file, const char *val)
{
	char path[PATH_MAX];
	int fd, len = strlen(val), err = 0;

	if (snprintf(path, sizeof(path), "%s/%s", dir, file) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	errno = 0;
	if (write(fd, val, len) != len)
		err = errno ? -errno : -EIO;
	close(fd);
	return err;
}

#endif /* SELFTEST_KVM_VCPU_BOOST_UTIL_H */
