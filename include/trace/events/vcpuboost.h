/* SPDX-License-Identifier: GPL-2.0 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM vcpuboost

#if !defined(_TRACE_VCPUBOOST_H) || defined(TRACE_HEADER_MULTI_READ)
#define _TRACE_VCPUBOOST_H

#include <linux/sched.h>
#include <linux/tracepoint.h>
#include <linux/vcpuboost.h>

TRACE_DEFINE_ENUM(VCPUBOOST_TRIGGER_GUEST);
TRACE_DEFINE_ENUM(VCPUBOOST_TRIGGER_IRQ);
TRACE_DEFINE_ENUM(VCPUBOOST_TRIGGER_TIMER);
TRACE_DEFINE_ENUM(VCPUBOOST_TRIGGER_NMI);
TRACE_DEFINE_ENUM(VCPUBOOST_TRIGGER_UNHALT);
TRACE_DEFINE_ENUM(VCPUBOOST_END_EXPIRED);
TRACE_DEFINE_ENUM(VCPUBOOST_END_RETRACTED);
TRACE_DEFINE_ENUM(VCPUBOOST_END_REVOKED);

#define show_vcpuboost_trigger(t)					\
	__print_symbolic(t, { VCPUBOOST_TRIGGER_GUEST, "guest" },	\
			 { VCPUBOOST_TRIGGER_IRQ, "irq" },		\
			 { VCPUBOOST_TRIGGER_TIMER, "timer" },		\
			 { VCPUBOOST_TRIGGER_NMI, "nmi" },		\
			 { VCPUBOOST_TRIGGER_UNHALT, "unhalt" })

#define show_vcpuboost_end_reason(r)					\
	__print_symbolic(r, { VCPUBOOST_END_EXPIRED, "expired" },	\
			 { VCPUBOOST_END_RETRACTED, "retracted" },	\
			 { VCPUBOOST_END_REVOKED, "revoked" })

/*
 * A reporter said that @trigger is pending for @p and asked for @level,
 * or withdrew it (@level 0).
 */
TRACE_EVENT(vcpuboost_report,
	    TP_PROTO(struct task_struct *p, int trigger, unsigned int level),
	    TP_ARGS(p, trigger, level),
	    TP_STRUCT__entry(__field(pid_t, pid)
			     __field(int, trigger)
			     __field(unsigned int, level)),
	    TP_fast_assign(__entry->pid = p->pid;
			   __entry->trigger = trigger;
			   __entry->level = level;),
	    TP_printk("pid=%d trigger=%s level=%u", __entry->pid,
		      show_vcpuboost_trigger(__entry->trigger), __entry->level)
);

/* @p is boosted to SCHED_FIFO @level, charged to the cgroup @cgroup_id. */
TRACE_EVENT(vcpuboost_grant,
	    TP_PROTO(struct task_struct *p, unsigned int level, u64 cgroup_id),
	    TP_ARGS(p, level, cgroup_id),
	    TP_STRUCT__entry(__field(pid_t, pid)
			     __field(unsigned int, level)
			     __field(u64, cgroup_id)),
	    TP_fast_assign(__entry->pid = p->pid;
			   __entry->level = level;
			   __entry->cgroup_id = cgroup_id;),
	    TP_printk("pid=%d level=%u cgroup_id=%llu", __entry->pid,
		      __entry->level, __entry->cgroup_id)
);

/* The boost of @p ended for @reason after @duration_ns of wall time. */
TRACE_EVENT(vcpuboost_end,
	    TP_PROTO(struct task_struct *p, int reason, u64 duration_ns),
	    TP_ARGS(p, reason, duration_ns),
	    TP_STRUCT__entry(__field(pid_t, pid)
			     __field(int, reason)
			     __field(u64, duration_ns)),
	    TP_fast_assign(__entry->pid = p->pid;
			   __entry->reason = reason;
			   __entry->duration_ns = duration_ns;),
	    TP_printk("pid=%d reason=%s duration_ns=%llu", __entry->pid,
		      show_vcpuboost_end_reason(__entry->reason),
		      __entry->duration_ns)
);

/* The cgroup @cgroup_id spent its budget; @runtime_ns is what is left (<= 0). */
TRACE_EVENT(vcpuboost_throttle,
	    TP_PROTO(u64 cgroup_id, s64 runtime_ns),
	    TP_ARGS(cgroup_id, runtime_ns),
	    TP_STRUCT__entry(__field(u64, cgroup_id)
			     __field(s64, runtime_ns)),
	    TP_fast_assign(__entry->cgroup_id = cgroup_id;
			   __entry->runtime_ns = runtime_ns;),
	    TP_printk("cgroup_id=%llu runtime_ns=%lld", __entry->cgroup_id,
		      __entry->runtime_ns)
);

/*
 * The PI worker looked at @hops tasks up the chain of donors of @p, a PI
 * owner the scheduler did not trace to a grant, in one turn, and is @done
 * with @p or goes on in a later turn.
 */
TRACE_EVENT(vcpuboost_pi_repair,
	    TP_PROTO(struct task_struct *p, unsigned int hops, bool done),
	    TP_ARGS(p, hops, done),
	    TP_STRUCT__entry(__field(pid_t, pid)
			     __field(unsigned int, hops)
			     __field(bool, done)),
	    TP_fast_assign(__entry->pid = p->pid;
			   __entry->hops = hops;
			   __entry->done = done;),
	    TP_printk("pid=%d hops=%u done=%d", __entry->pid, __entry->hops,
		      __entry->done)
);

#endif /* _TRACE_VCPUBOOST_H */

/* This part must be outside protection */
#include <trace/define_trace.h>
