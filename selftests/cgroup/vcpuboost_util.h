/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the vcpuboost selftests. Include after cgroup_util.h,
 * which has no include guard.
 */
#ifndef __VCPUBOOST_UTIL_H
#define __VCPUBOOST_UTIL_H

#include <stdlib.h>

/* Make cgroup @name below @parent, with vcpuboost enabled for it. */
static inline char *vb_create(const char *parent, const char *name)
{
	char *cg = cg_name(parent, name);

	if (!cg)
		return NULL;
	if (cg_read_strstr(parent, "cgroup.subtree_control", "vcpuboost") &&
	    cg_write(parent, "cgroup.subtree_control", "+vcpuboost"))
		goto fail;
	if (cg_create(cg))
		goto fail;
	return cg;
fail:
	free(cg);
	return NULL;
}

static inline void vb_destroy(char *cg)
{
	if (cg) {
		cg_destroy(cg);
		free(cg);
	}
}

#endif /* __VCPUBOOST_UTIL_H */
