/* SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause */
/*
 * clone2(): userspace API. The system call creates a process and lets the
 * caller choose its pid in the child's own pid namespace and in each
 * ancestor; see clone2(2).
 */
#ifndef CLONE2_H
#define CLONE2_H

#include <linux/clone2.h>	/* struct clone2_args, from our kernel's uapi */
#include <linux/sched.h>	/* CLONE_* flags */
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

#ifndef __NR_clone2
/* This prototype's number on Linux 6.1 (mainline gave 451 to cachestat). */
#define __NR_clone2 451
#endif

/*
 * The raw system call. pids[nr_pids - 1] is the pid in the child's own pid
 * namespace, earlier entries are further out; 0 lets the kernel choose.
 */
static inline long sys_clone2(struct clone2_args *args, size_t size,
			      const pid_t *pids)
{
	return syscall(__NR_clone2, args, size, pids);
}

/*
 * Fork-like helper for restore tools: create a child whose NSpid line ends
 * with nspid[0..nr-1] (the same order as /proc/PID/status), with extra
 * CLONE_* flags (e.g. CLONE_NEWPID). Returns the child's pid in the caller's
 * namespace to the parent, 0 to the child, -1 with errno set on failure.
 *
 * The child runs on a copy of the parent's stack, as after fork(), but
 * glibc does not know it is a new process: its cached thread id is the
 * parent's, so the child should only exec or _exit.
 */
static inline pid_t clone2_fork(const pid_t *nspid, unsigned int nr,
				uint64_t flags)
{
	struct clone2_args args;

	memset(&args, 0, sizeof(args));
	args.flags = flags;
	args.exit_signal = SIGCHLD;
	args.nr_pids = nr;
	return sys_clone2(&args, sizeof(args), nr ? nspid : NULL);
}

#endif /* CLONE2_H */
