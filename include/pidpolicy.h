/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Types shared by the pid policy BPF programs (bpf/pidpolicy.bpf.c) and the
 * pidpolicy loader. Every map key and value is a named struct so that
 * `bpftool map dump pinned /sys/fs/bpf/pidpolicy/<map>` reads as policy.
 */
#ifndef PIDPOLICY_H
#define PIDPOLICY_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define PIDPOLICY_PIN_DIR	"/sys/fs/bpf/pidpolicy"
/* A directory that is the readers' lock (see loader/pins.h), not a pin. */
#define PIDPOLICY_READERS_LOCK_NAME	"readers_lock"
#define PIDPOLICY_READERS_LOCK	PIDPOLICY_PIN_DIR "/" PIDPOLICY_READERS_LOCK_NAME

/* Namespace inode 0 never names a real pid namespace: it means "any". */
#define PIDPOLICY_NS_ANY	0

/* A denied choice fails the system call with this error. */
#define PIDPOLICY_DENY_ERRNO	1	/* EPERM */

/* Pids are stored as bitmaps of this many pids per map entry. */
#define PIDPOLICY_CHUNK_PIDS	1024
#define PIDPOLICY_CHUNK_WORDS	(PIDPOLICY_CHUNK_PIDS / 64)

/* Kernel limit on pids (PID_MAX_LIMIT on 64-bit). */
#define PIDPOLICY_PID_LIMIT	4194304

enum pidpolicy_caller_kind {
	PIDPOLICY_CALLER_ANY = 0,
	PIDPOLICY_CALLER_UID = 1,	/* effective uid in the initial user ns */
	PIDPOLICY_CALLER_CGROUP = 2,	/* cgroup v2 id of the caller's cgroup */
	PIDPOLICY_CALLER_CGROUP_TREE = 3, /* cgroup v2 id of the caller's cgroup
					   * or of one of its ancestors */
};

/*
 * A cgroup-tree rule matches through the caller's ancestors at cgroup levels
 * 0 (the root) to PIDPOLICY_CGROUP_TREE_LEVELS - 1: its cgroup must be at one
 * of those levels. Each level costs a decision up to two rule lookups.
 */
#define PIDPOLICY_CGROUP_TREE_LEVELS	8

enum pidpolicy_mode {
	PIDPOLICY_MODE_UNSET = 0,	/* no mode for this ns: use the default */
	PIDPOLICY_MODE_OFF = 1,		/* no restriction beyond the kernel's */
	PIDPOLICY_MODE_AUDIT = 2,	/* allow, but count would-be denials */
	PIDPOLICY_MODE_ENFORCE = 3,	/* deny unless a rule allows the pid */
};

/*
 * Every policy entry carries the generation it belongs to; decisions use the
 * entries of the active generation only (config[PIDPOLICY_CONFIG_GEN]), so
 * `pidpolicy apply` can write a whole new policy beside the old one and
 * switch with one map update.
 */
enum pidpolicy_config_slot {
	PIDPOLICY_CONFIG_GEN = 0,		/* active policy generation */
	PIDPOLICY_CONFIG_EVENTS_ALL_UNTIL = 1,	/* report allowed decisions until
						 * this CLOCK_MONOTONIC ns time */
	PIDPOLICY_CONFIG_EVENTS_LOST = 2,	/* events the ring buffers dropped */
	PIDPOLICY_CONFIG_EVENTS_SUPPRESSED = 3,	/* events over a namespace's rate */
	PIDPOLICY_CONFIG_CHARGES_KEPT = 4,	/* charges `charged` had no room
						 * for, or whose alloc_pid_exit was
						 * skipped: never given back */
	/*
	 * What one guest tenant, and all of them together, may hold of the
	 * maps their namespaces and processes fill (pidpolicy load sets them
	 * from the maps' sizes), by enum pidpolicy_tenant_share.
	 */
	PIDPOLICY_CONFIG_TENANT_SHARE = 5,	/* 5, 6: one guest tenant */
	PIDPOLICY_CONFIG_GUESTS_SHARE = 7,	/* 7, 8: all guest tenants */
	PIDPOLICY_CONFIG_USES = 9,		/* 9, 10: what generation gen's
						 * rules use, at 9 + (gen & 1) */
	PIDPOLICY_CONFIG_SLOTS = 11,
};

/*
 * What a generation's rules use (config[PIDPOLICY_CONFIG_USES + (gen & 1)]):
 * a bit per caller kind, and for cgroup-tree rules one per cgroup level. A
 * decision looks up only the keys of what is used. The bits of a generation
 * are set before its rules are written; one may stay set with no rule left.
 */
#define PIDPOLICY_USES_KIND(kind)	(1ULL << (kind))
#define PIDPOLICY_USES_TREE_LEVEL(level) (1ULL << (8 + (level)))
#define PIDPOLICY_USES_ALL		(~0ULL)

enum pidpolicy_reason {
	PIDPOLICY_REASON_RULE = 0,	/* allowed: a rule holds the pid */
	PIDPOLICY_REASON_MODE_OFF = 1,	/* allowed: the namespace's mode is off */
	PIDPOLICY_REASON_NO_RULE = 2,	/* no rule for this namespace and caller */
	PIDPOLICY_REASON_RANGE = 3,	/* rules exist, none holds the pid */
	PIDPOLICY_REASON_QUOTA = 4,	/* the namespace's max-chosen is reached */
	PIDPOLICY_REASON_ACCOUNTING = 5,	/* a limit is in force but the
						 * charge could not be recorded */
};

enum pidpolicy_verdict_kind {
	PIDPOLICY_ALLOW = 0,
	PIDPOLICY_DENY = 1,		/* enforce mode: the call fails */
	PIDPOLICY_AUDIT = 2,		/* audit mode: allowed, would be denied */
};

/* Who a rule is for: target namespace and caller. Key of map `rules`. */
struct pidpolicy_rule_key {
	__u32 gen;			/* policy generation */
	__u32 ns_inum;			/* PIDPOLICY_NS_ANY or a pid ns inode */
	__u32 caller_kind;		/* enum pidpolicy_caller_kind */
	__u32 reserved;
	__u64 caller_id;		/* uid or cgroup id; 0 for any */
};

/* Value of map `rules`: a summary, the pids themselves are in `rule_pids`. */
struct pidpolicy_rule {
	__u32 nr_ranges;		/* ranges the admin gave, merged */
	__u32 reserved;
	__u64 nr_pids;			/* pids the rule allows */
};

/* Key of map `rule_pids`: one chunk of PIDPOLICY_CHUNK_PIDS pids of a rule. */
struct pidpolicy_chunk_key {
	struct pidpolicy_rule_key rule;
	__u32 first_pid;		/* multiple of PIDPOLICY_CHUNK_PIDS */
	__u32 reserved;
};

/* Value of map `rule_pids`: bit i allows pid first_pid + i. */
struct pidpolicy_chunk {
	__u64 allowed[PIDPOLICY_CHUNK_WORDS];
};

/* Key of maps `decisions` and `chosen_live`: a pid namespace. */
struct pidpolicy_ns_key {
	__u32 ns_inum;
};

/* Key of map `ns_policy`; ns_inum PIDPOLICY_NS_ANY holds the defaults. */
struct pidpolicy_ns_policy_key {
	__u32 gen;
	__u32 ns_inum;
};

#define PIDPOLICY_NO_LIMIT	0xffffffffu

/* Value of map `ns_policy`: what holds for one namespace. */
struct pidpolicy_ns_policy {
	__u32 mode;			/* enum pidpolicy_mode; UNSET: the default's */
	__u32 max_chosen;		/* live processes with chosen pids at most,
					 * PIDPOLICY_NO_LIMIT: the default's or none */
};

/*
 * Value of map `chosen_live`: processes of a namespace whose pid there was
 * chosen by their creator and that still hold it (plus those being created).
 * An entry goes when its count drops to zero. The count shares one word with
 * the namespace's number, changed only by compare-and-swap: a deleted
 * element the allocator hands to another namespace meanwhile, or one marked
 * PIDPOLICY_LIVE_DELETED (being deleted), is never counted on.
 */
struct pidpolicy_chosen {
	__u64 inum_live;		/* ns_inum << 32 | live processes */
	__u32 tenant;			/* the namespace's: whose share it takes */
	__u32 reserved;
};

#define PIDPOLICY_LIVE_DELETED	0xffffffffu

/* The count of value c of chosen_live's key ns_inum; 0 if another's or going. */
static inline __s64 pidpolicy_live_count(const struct pidpolicy_chosen *c, __u32 ns_inum)
{
	__u32 live = (__u32)c->inum_live;

	return c->inum_live >> 32 == ns_inum && live != PIDPOLICY_LIVE_DELETED ? live : 0;
}

/*
 * A tenant is whoever owns a top-level user namespace (a child of the
 * initial one), by the owner's uid: an unprivileged user is one tenant
 * however many namespaces it makes. The host (the initial user namespace)
 * is PIDPOLICY_TENANT_HOST and has no share: guests never take its room.
 */
#define PIDPOLICY_TENANT_HOST	0xffffffffu	/* (uid_t)-1 is no one's uid */

enum pidpolicy_tenant_share {
	PIDPOLICY_SHARE_NAMESPACES = 0,	/* entries of chosen_live */
	PIDPOLICY_SHARE_PIDS = 1,	/* entries of charged */
	PIDPOLICY_SHARES,
};

/* Key of maps `tenants` and `event_budget`. */
struct pidpolicy_tenant_key {
	__u32 uid;			/* or PIDPOLICY_TENANT_HOST */
	__u32 all;			/* 1: all guest tenants together (tenants) */
};

/* Value of map `tenants`: what the tenant holds, by enum pidpolicy_tenant_share. */
struct pidpolicy_tenant_usage {
	__s64 held[PIDPOLICY_SHARES];
};

#define PIDPOLICY_MAX_LEVELS	33	/* MAX_PID_NS_LEVEL + 1 */

/*
 * Namespaces a process was charged to, until its pids are freed. alloc_pid()
 * chooses from the innermost level outward, so within one call the levels
 * of the charges go down: one that does not started another call.
 */
struct pidpolicy_charges {
	__u32 nr;
	__u32 last_level;		/* level of ns_inum[nr - 1] */
	__u32 ns_inum[PIDPOLICY_MAX_LEVELS];
	__u32 tenant;			/* the caller's: whose share its entry takes */
	/*
	 * The level and number each charge was for: alloc_pid_exit takes
	 * only those its call was asked for (its set_tid), so a charge left
	 * by a call whose exit was skipped is never taken for another call's
	 * and given back.
	 */
	__u32 level[PIDPOLICY_MAX_LEVELS];
	__s32 pid[PIDPOLICY_MAX_LEVELS];
};

/*
 * Value of map `ns_index`: the key's number has entries in the policy maps,
 * written for the pid namespace of this id (nsfs NS_GET_ID; unlike an inode
 * number, never given to another namespace). A decision reads a
 * namespace's own entries only where the id is its own: entries a dead
 * namespace left (retire_ns, a tracing program, can be skipped) govern
 * nothing, and `pidpolicy` deletes them before it writes for the number.
 */
struct pidpolicy_ns_index {
	__u64 ns_id;
};

/*
 * Events of callers outside the initial user namespace are rate-limited per
 * caller's tenant (no number of namespaces multiplies it): a token bucket of PIDPOLICY_EVENTS_BURST events that
 * refills at PIDPOLICY_EVENTS_PER_SEC (a GCRA: one theoretical arrival time).
 */
#define PIDPOLICY_EVENTS_PER_SEC	50
#define PIDPOLICY_EVENTS_BURST		100

/* Value of map `event_budget`, keyed by struct pidpolicy_tenant_key. */
struct pidpolicy_event_budget {
	__u64 tat_ns;			/* bucket empty until this time */
};

/* Ring buffer record of one decision, for `pidpolicy monitor`. */
struct pidpolicy_event {
	__u64 time_ns;			/* CLOCK_MONOTONIC */
	__u32 verdict;			/* enum pidpolicy_verdict_kind */
	__u32 reason;			/* enum pidpolicy_reason */
	__u32 caller_pid;		/* tgid, in the initial pid namespace */
	__u32 caller_uid;		/* effective uid, initial user namespace */
	__u32 ns_inum;			/* target pid namespace */
	__u32 level;			/* its depth: 0 is the initial namespace */
	__u32 pid;			/* chosen pid, as seen in ns_inum */
	__u32 source;			/* enum pid_choice_source */
	char comm[16];
};

/*
 * Slots of map `decision_totals` (per CPU, struct pidpolicy_decisions):
 * counters that never go down, whatever `decisions` prunes or forgets.
 */
/* CPUs retire_ns looks at: the kernel's NR_CPUS at most (Debian: 8192) */
#define PIDPOLICY_MAX_CPUS	8192

enum pidpolicy_total_slot {
	PIDPOLICY_TOTAL_ALL = 0,	/* every decision */
	PIDPOLICY_TOTAL_RETIRED = 1,	/* those of namespaces that died */
	PIDPOLICY_TOTAL_SLOTS,
};

/* Per-CPU value of map `decisions`, keyed by struct pidpolicy_ns_key. */
struct pidpolicy_decisions {
	__u64 allowed;			/* by a rule, or in mode off */
	__u64 denied;			/* enforce: the call failed with EPERM */
	__u64 audited;			/* audit: would have been denied */
	__u64 suppressed;		/* events over the namespace's rate */
};

#endif /* PIDPOLICY_H */
