/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Hold the pid namespaces an edit names, so that none dies (and hands its
 * inode number to the next namespace) between the check and the write; and
 * index them in map ns_index before their entries are written.
 */
#ifndef PIDPOLICY_NSHOLD_H
#define PIDPOLICY_NSHOLD_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "policyfile.h"

struct pins;

struct ns_holds {
	__u32 *inums;		/* sorted, without repeats and PIDPOLICY_NS_ANY */
	__u64 *ids;		/* each one's id (NS_GET_ID), never reused */
	int *fds;		/* each one held open */
	size_t n;
};

/*
 * Hold every pid namespace among inums[0..n) (PIDPOLICY_NS_ANY and repeats
 * skipped): through its file in given[0..nr_given), opened while parsing,
 * once that file is checked to be that namespace still; the others by
 * number, found in one walk of /proc (ns/pid and ns/pid_for_children);
 * with each namespace's id. Returns 0; -ENOENT, with *dead the first number
 * no live pid namespace has (or whose given file is not its namespace);
 * -ESTALE, with *dead a number given with an id (N@ID) that its live
 * namespace does not have (the one meant died); or -errno. Holds nothing
 * on error.
 */
int ns_hold(struct ns_holds *h, const __u32 *inums, size_t n,
	    const struct policy_ns *given, size_t nr_given, __u32 *dead);
void ns_release(struct ns_holds *h);

/*
 * Does the namespace *ns names have entries of its own, as a decision sees
 * it: ns_index holds its number with its id (PIDPOLICY_NS_ANY: always)?
 * ns->fd, if open, is its file. 0 or -errno.
 */
int ns_own_entries(const struct pins *pins, const struct policy_ns *ns, bool *own);

/*
 * Before writing entries for the namespaces inums[0..n): hold them, so none
 * dies meanwhile, and index them, so retire_ns removes the entries when they
 * die. given[0..nr_given): the namespaces as parsed, with their files (see
 * ns_hold()). A number no live pid namespace has is refused, naming it (and
 * its line of the policy file name, if name). Prints the error and returns
 * an exit status; on success the caller releases h after writing.
 */
int prepare_ns_entries(const struct pins *pins, const __u32 *inums, size_t n,
		       const struct policy_ns *given, size_t nr_given,
		       const char *name, struct ns_holds *h);

#endif /* PIDPOLICY_NSHOLD_H */
