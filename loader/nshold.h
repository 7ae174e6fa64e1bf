/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Hold the pid namespaces an edit names, so that none dies (and hands its
 * inode number to the next namespace) between the check and the write.
 */
#ifndef PIDPOLICY_NSHOLD_H
#define PIDPOLICY_NSHOLD_H

#include <stddef.h>
#include <linux/types.h>
#include "policyfile.h"

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

#endif /* PIDPOLICY_NSHOLD_H */
