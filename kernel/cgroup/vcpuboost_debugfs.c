// SPDX-License-Identifier: GPL-2.0-only
/*
 * vcpuboost test reporter: debugfs vcpuboost/report takes "TID TRIGGER LEVEL"
 * and reports TRIGGER for thread TID with LEVEL, or retracts it for LEVEL 0,
 * so that the controller can be tested and measured without a VM.
 *
 * Reports are made with interrupts off, the context KVM reports from, so
 * that lockdep and the atomic-sleep checks see what a real reporter does.
 */
#include <linux/debugfs.h>
#include <linux/init.h>
#include <linux/irqflags.h>
#include <linux/pid.h>
#include <linux/sched/task.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "vcpuboost-internal.h"

static ssize_t vcpuboost_report_write(struct file *file, const char __user *ubuf,
				      size_t count, loff_t *ppos)
{
	char buf[64], *fields[3];
	struct task_struct *p;
	unsigned long flags;
	unsigned int level;
	int n, t, ret;
	pid_t tid;

	if (count >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	buf[count] = '\0';

	n = vcpuboost_split(buf, fields, ARRAY_SIZE(fields));
	if (n != ARRAY_SIZE(fields))
		return -EINVAL;

	ret = kstrtoint(fields[0], 10, &tid);
	if (ret)
		return ret;
	t = match_string(vcpuboost_trigger_names,
			 ARRAY_SIZE(vcpuboost_trigger_names), fields[1]);
	if (t < 0)
		return -EINVAL;
	ret = kstrtouint(fields[2], 10, &level);
	if (ret)
		return ret;
	if (level > VCPUBOOST_LEVEL_MAX)
		return -ERANGE;

	p = find_get_task_by_vpid(tid);
	if (!p)
		return -ESRCH;

	local_irq_save(flags);
	if (level)
		vcpuboost_report(p, t, level);
	else
		vcpuboost_retract(p, t);
	local_irq_restore(flags);

	put_task_struct(p);
	return count;
}

static const struct file_operations vcpuboost_report_fops = {
	.owner	= THIS_MODULE,
	.open	= simple_open,
	.write	= vcpuboost_report_write,
	.llseek	= noop_llseek,
};

static int __init vcpuboost_debugfs_init(void)
{
	struct dentry *dir = debugfs_create_dir("vcpuboost", NULL);

	debugfs_create_file("report", 0200, dir, NULL, &vcpuboost_report_fops);
	return 0;
}
late_initcall(vcpuboost_debugfs_init);
