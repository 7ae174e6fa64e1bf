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
};

enum pidpolicy_mode {
	PIDPOLICY_MODE_UNSET = 0,	/* no mode for this ns: use the default */
	PIDPOLICY_MODE_OFF = 1,		/* no restriction beyond the kernel's */
	PIDPOLICY_MODE_AUDIT = 2,	/* allow, but count would-be denials */
	PIDPOLICY_MODE_ENFORCE = 3,	/* deny unless a rule allows the pid */
};

/* Who a rule is for: target namespace and caller. Key of map `rules`. */
struct pidpolicy_rule_key {
	__u32 ns_inum;			/* PIDPOLICY_NS_ANY or a pid ns inode */
	__u32 caller_kind;		/* enum pidpolicy_caller_kind */
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

/* Key of map `ns_modes`; ns_inum PIDPOLICY_NS_ANY holds the default. */
struct pidpolicy_ns_key {
	__u32 ns_inum;
};

struct pidpolicy_ns_mode {
	__u32 mode;			/* enum pidpolicy_mode */
};

/* Per-CPU value of map `decisions`, keyed by struct pidpolicy_ns_key. */
struct pidpolicy_decisions {
	__u64 allowed;			/* by a rule, or in mode off */
	__u64 denied;			/* enforce: the call failed with EPERM */
	__u64 audited;			/* audit: would have been denied */
};

#endif /* PIDPOLICY_H */
