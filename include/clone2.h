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
/*
 * This series' number on x86 (x86_64, x32, i386) and arm64 (native and
 * compat), Linux 6.12: far above mainline's numbers, none of which up to
 * 7.x is 600.
 */
#define __NR_clone2 600
#endif
/* The number as a string, for assembly that makes the call itself */
#define CLONE2_NR_STRING __CLONE2_STRING(__NR_clone2)
#define __CLONE2_STRING(x) __CLONE2_STRING_(x)
#define __CLONE2_STRING_(x) #x

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
