/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Hold the pid namespaces an edit names, so that none dies (and hands its
 * inode number to the next namespace) between the check and the write.
 */
#ifndef PIDPOLICY_NSHOLD_H
#define PIDPOLICY_NSHOLD_H

#include <stddef.h>
#include <linux/types.h>

struct ns_holds {
	int *fds;
	size_t n;
};

/*
 * Open the nsfs file of each live pid namespace among inums[0..n) (found in
 * one walk of /proc: ns/pid and ns/pid_for_children), and warn, in one line
 * on stderr, about the numbers no live pid namespace has. PIDPOLICY_NS_ANY
 * and repeated numbers are skipped. Returns 0 or -errno.
 */
int ns_hold(struct ns_holds *h, const __u32 *inums, size_t n);
void ns_release(struct ns_holds *h);

#endif /* PIDPOLICY_NSHOLD_H */
