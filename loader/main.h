/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What the files of the pidpolicy CLI share: the command line as parsed
 * (struct env), the exit statuses, and the commands that main.c's table
 * dispatches to, each defined in the file of its job.
 */
#ifndef PIDPOLICY_MAIN_H
#define PIDPOLICY_MAIN_H

#include <stdbool.h>
#include <stddef.h>
#include "pidpolicy.h"
#include "output.h"
#include "parse.h"
#include "ranges.h"

/* Exit status: 0 success, 1 runtime error, 2 usage error. */
#define EXIT_RUNTIME	1
#define EXIT_USAGE	2

enum opt_bits {
	OPT_NS		= 1 << 0,
	OPT_UID		= 1 << 1,
	OPT_CGROUP	= 1 << 2,
	OPT_PIDS	= 1 << 3,
	OPT_PID		= 1 << 4,
	OPT_DEFAULT	= 1 << 5,
	OPT_WORD	= 1 << 7,	/* one positional word (the mode) */
	OPT_MAX_CHOSEN	= 1 << 8,
	OPT_ALL		= 1 << 9,
	OPT_CGROUP_TREE	= 1 << 10,
	OPT_CALLER_PID	= 1 << 11,	/* explain --caller PID */
	OPT_POLICY	= 1 << 12,	/* load --policy FILE */
};
#define OPT_CALLER	(OPT_UID | OPT_CGROUP | OPT_CGROUP_TREE)

/* Everything the command line asked for, validated. */
struct env {
	const struct command *cmd;
	bool verbose;
	bool json;			/* -j/--json or -p/--pretty */
	unsigned int given;		/* enum opt_bits */
	const char *ns_arg, *uid_arg, *cgroup_arg, *pids_arg, *pid_arg, *word;
	const char *max_chosen_arg, *cgroup_tree_arg, *caller_pid_arg, *policy_arg;
	struct pidpolicy_rule_key rule;	/* --ns and the caller */
	int ns_fd;			/* --ns PATH's nsfs file, open until
					 * exit (see parse_ns_spec()); or -1 */
	__u64 ns_id;			/* --ns N@ID's id; 0 */
	struct {			/* explain: the whole caller */
		__u64 uid;		/* UINT64_MAX: none */
		__u64 cgroup_id;	/* 0: none */
		__u64 cgroup_tree[PIDPOLICY_CGROUP_TREE_LEVELS];
	} who;
	struct pid_range *ranges;	/* --pids */
	size_t nr_ranges;
	__u32 pid;			/* --pid */
	__u32 mode;			/* the mode word */
	__u32 max_chosen;		/* --max-chosen, PIDPOLICY_NO_LIMIT for none */
};

struct pins;
struct policy;

/* load.c: the kernel's checks, load and unload */
int cmd_load(const struct env *env, const struct pins *pins);
int cmd_unload(const struct env *env, const struct pins *pins);
bool bpf_lsm_active(void);

/* edit.c: allow, revoke, mode and limit */
int cmd_allow(const struct env *env, const struct pins *pins);
int cmd_revoke(const struct env *env, const struct pins *pins);
int cmd_mode(const struct env *env, const struct pins *pins);
int cmd_limit(const struct env *env, const struct pins *pins);

/* apply.c: whole policies */
int cmd_apply(const struct env *env, const struct pins *pins);
int cmd_dump(const struct env *env, const struct pins *pins);
/* Parse the policy file at path; prints the error and returns an exit status. */
int read_policy_file(const char *path, struct policy *p);
/* Make policy p (from file name) the whole policy at once; an exit status. */
int apply_policy(const struct pins *pins, const struct policy *p, const char *name);

/* status.c and show.c: what is loaded, what the policy holds */
int cmd_status(const struct env *env, const struct pins *pins);
int cmd_show(const struct env *env, const struct pins *pins);

/* explain.c: one decision, as the BPF program would take it */
int cmd_explain(const struct env *env, const struct pins *pins);
int explain_caller(struct env *env, bool has_uid, __u32 uid, const char *path,
		   char *err, size_t errlen);

#endif /* PIDPOLICY_MAIN_H */
