/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Whole-policy files of the pidpolicy CLI: what `pidpolicy apply FILE` reads
 * and `pidpolicy dump` writes. Nothing here touches BPF, so
 * tests/host/policyfile_test.c checks all of it on the host.
 *
 * Format: one statement per line; blank lines are ignored; '#' at the start
 * of a line or after whitespace starts a comment that runs to the end of the
 * line (a '#' inside a token, as in a path "/a#b", is part of the token);
 * tokens are separated by spaces, tabs or a CR (so CRLF files read fine).
 * Keywords are lowercase and the tokens of a statement come in this order:
 *
 *   mode default MODE                        default for every namespace
 *   mode ns NS MODE                          one namespace's mode
 *   allow ns NS [CALLER] pids RANGES         callers may choose these pids
 *   limit ns NS max-chosen N                 live chosen-pid processes
 *
 *   MODE    enforce | audit | off
 *   NS      any | a decimal pid namespace inode | a path such as
 *           /proc/PID/ns/pid (resolved to its inode while parsing)
 *   CALLER  uid N          effective uid in the initial user namespace
 *           cgroup PATH    a cgroup v2 directory (resolved to its id)
 *           cgroup-id N    a cgroup id (inode) in decimal (apply checks
 *                          that it exists)
 *           cgroup-tree PATH  that cgroup or any cgroup below it (its level
 *                          below PIDPOLICY_CGROUP_TREE_LEVELS)
 *           cgroup-tree-id N  the same by id
 *           (none)         any caller
 *   RANGES  pids and ranges such as 300-999,1000 (no spaces): every pid at
 *           least 1 and below PIDPOLICY_PID_LIMIT (the kernel refuses a pid
 *           at or above a namespace's own pid_max when it is chosen)
 *   N       (max-chosen) a decimal number from 0 to PIDPOLICY_NO_LIMIT - 1
 *           (4294967294); there is no 'none': no limit is no `limit` line
 *
 * `mode ns any MODE` is the same statement as `mode default MODE`.
 * `limit ns any max-chosen N` is the default limit: it applies to every pid
 * namespace that has no `limit` line of its own (each such namespace gets
 * its own count of N, it is not a total over all namespaces), as the
 * PIDPOLICY_NS_ANY entry of map `ns_policy` does.
 *
 * Duplicates: a second `mode` or `limit` line for the same namespace is an
 * error; `allow` lines for the same (namespace, caller) are merged, their
 * ranges joined. Namespaces compare by inode, so a path and the inode it
 * resolves to are the same namespace; likewise `cgroup PATH` and
 * `cgroup-id N`, and `cgroup-tree PATH` and `cgroup-tree-id N`.
 *
 * A parsed policy is canonical: modes sorted by namespace (so the default,
 * PIDPOLICY_NS_ANY, comes first), rules sorted by (namespace, caller kind,
 * caller id) with one rule per key and its ranges sorted and merged, limits
 * sorted by namespace. policy_write() writes that order (whatever the order
 * of its input), namespaces as inode numbers and cgroups as `cgroup-id N`
 * or `cgroup-tree-id N` (policy_write_named(): as paths, which outlive a
 * boot),
 * so parsing what it wrote gives an equal policy and writing twice gives
 * the same bytes.
 */
#ifndef PIDPOLICY_POLICYFILE_H
#define PIDPOLICY_POLICYFILE_H

#include <stddef.h>
#include <stdio.h>
#include "pidpolicy.h"
#include "ranges.h"

/*
 * Pids that callers of key may choose; ranges sorted, merged, nr_ranges >= 1.
 * Only key.ns_inum, key.caller_kind and key.caller_id count: the parser
 * leaves the other fields of the key (gen, reserved) 0, and writing,
 * sorting and comparing ignore them.
 */
struct policy_rule {
	struct pidpolicy_rule_key key;	/* caller_id 0 for PIDPOLICY_CALLER_ANY */
	struct pid_range *ranges;	/* malloc'ed, owned by the rule */
	size_t nr_ranges;
	unsigned long line;		/* the first line of the file with it, or 0 */
};

struct policy_mode {
	__u32 ns_inum;		/* PIDPOLICY_NS_ANY: the default mode */
	__u32 mode;		/* enum pidpolicy_mode; UNSET: as if absent */
};

struct policy_limit {
	__u32 ns_inum;		/* PIDPOLICY_NS_ANY: namespaces with no own limit */
	__u32 max_chosen;	/* live processes with a chosen pid in the ns;
				 * PIDPOLICY_NO_LIMIT: as if absent */
};

/*
 * A pid namespace a policy file names (by number or path; not 'any'): the
 * first line that names it and, for a path, the nsfs file parse_ns_spec()
 * left open (else -1), which keeps the namespace and its number its own
 * until the policy is written.
 */
struct policy_ns {
	__u32 ns_inum;
	int fd;
	unsigned long line;
	__u64 id;		/* given as N@ID (nsfs NS_GET_ID): only the
				 * namespace of that id is N; 0 if not given */
};

/* PROC_PID_INIT_INO: the initial pid namespace, which never dies. */
#define POLICY_INIT_PIDNS	4026531836U

/* Zero-initialize ({}) before parsing into it or building it by hand. */
struct policy {
	struct policy_rule *rules;
	size_t nr_rules;
	struct policy_mode *modes;
	size_t nr_modes;
	struct policy_limit *limits;
	size_t nr_limits;
	/*
	 * Every namespace the file names, once, in the order of the file:
	 * parsing fills it, nothing else; policy_free() closes the files.
	 * Sorting, comparing and writing ignore it.
	 */
	struct policy_ns *ns;
	size_t nr_ns;
};

/*
 * Parse the whole file path into *out (canonical, see above; free it with
 * policy_free()). Returns 0, or -1 with *out left empty and err holding one
 * line "FILE:LINE: message" that names the problem and the fix (for a
 * file that cannot be opened or read: "FILE: message"). No "pidpolicy: "
 * prefix. An empty file (or only comments) is a valid, empty policy.
 * NS paths and cgroup PATHs are resolved while parsing; no namespace is
 * entered. The namespaces named go to out->ns.
 */
int policy_parse_file(const char *path, struct policy *out, char *err,
		      size_t errlen);
/* The same for an open stream; name is FILE in messages (e.g. "-"). */
int policy_parse_stream(FILE *f, const char *name, struct policy *out,
			char *err, size_t errlen);

/*
 * Write p in the canonical format: a header comment, the modes (default
 * first), the rules sorted by (ns, caller kind, caller id), then the limits.
 * p need not be canonical (it is written as policy_canonicalize() would make
 * it, p itself is not changed), so a dump can fill it straight from the maps.
 * Modes UNSET and limits PIDPOLICY_NO_LIMIT are left out (what a missing
 * line means); rules with no ranges, rules with an unknown caller kind and
 * modes above ENFORCE cannot be applied and are written as comments. When p
 * names a pid namespace by number, other than the initial one, a comment
 * says that those statements die with their namespace. Returns 0, or -1 with
 * errno set when out of memory or when f has an error (ferror(f)).
 */
int policy_write(FILE *f, const struct policy *p);

/*
 * How a dump names a rule's cgroup: its path into buf and 1; 0 to write the
 * id; -1 when no cgroup has the id now (the rule is written as a comment:
 * it can never match).
 */
typedef int (*policy_cgroup_namer)(__u64 id, char *buf, size_t len);
/* policy_write(), with cgroups named by name_cgroup (NULL: by id). */
int policy_write_named(FILE *f, const struct policy *p, policy_cgroup_namer name_cgroup);

/*
 * Make p canonical in place (for policies built by hand, e.g. from the maps):
 * drop modes UNSET and limits PIDPOLICY_NO_LIMIT, sort, merge rules with the
 * same key, sort and merge every rule's ranges. Returns 0 or -ENOMEM (p then
 * still valid to free, but maybe only partly canonical).
 */
int policy_canonicalize(struct policy *p);

/* "any" for PIDPOLICY_NS_ANY, else the inode in decimal: buf, written. */
const char *policy_ns_name(__u32 inum, char *buf, size_t len);

/* Order of rule keys: generation, namespace, caller kind, caller id. */
int policy_rule_key_cmp(const struct pidpolicy_rule_key *x,
			const struct pidpolicy_rule_key *y);

/* Free what p holds and leave it empty. */
void policy_free(struct policy *p);

/*
 * 1 when a and b are the same policy once canonical (the same modes, limits
 * and rules with the same pids, in any order), else 0 (also 0 when out of
 * memory). Neither is changed.
 */
int policy_equal(const struct policy *a, const struct policy *b);

#endif /* PIDPOLICY_POLICYFILE_H */
