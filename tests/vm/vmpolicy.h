/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers for in-VM tests of the pid policy: drive `pidpolicy`, read its
 * pinned maps, and try each pid-choosing path from a throwaway process.
 * The try_* helpers return 0 on success or the errno of the refusal.
 */
#ifndef VMPOLICY_H
#define VMPOLICY_H

#include <stdint.h>
#include <sys/types.h>
#include <linux/types.h>

#include "pidpolicy.h"

#define PIN(name)	PIDPOLICY_PIN_DIR "/" name

/* Run `pidpolicy ARGS...` (printf-style), asserting it succeeds. */
#define POLICY_OK(...) ASSERT_EQ(harness_sh(NULL, 0, "pidpolicy " __VA_ARGS__), 0)

/* Run body in a child dropped to uid 65534 without capabilities. */
#define AS_NOBODY(body) do {						\
	pid_t nobody_ = fork();						\
	ASSERT_GE(nobody_, 0);						\
	if (nobody_ == 0) {						\
		drop_to_nobody(0);					\
		body;							\
		_exit(0);						\
	}								\
	ASSERT_EQ(wait_exit(nobody_), 0);				\
} while (0)

/* A fresh policy: loaded, empty, default mode off. */
void fresh_policy(void);
/* The inode number of pid's pid namespace (0: ours). */
__u32 ns_inum_of(pid_t pid);
/* Decisions the policy counted for a namespace, summed over CPUs. */
struct pidpolicy_decisions decisions_for(__u32 ns_inum);
/*
 * Pid 1 of `levels` nested new pid namespaces, waiting to be killed; returns
 * its pid in ours. The processes of the chain die with the test.
 */
pid_t spawn_pidns_chain(int levels);
/*
 * clone2 from a helper process that first joins the pid namespace of
 * in_ns_of (0: stay in ours); the child exits at once.
 */
int try_clone2_in(pid_t in_ns_of, const pid_t *pids, unsigned int nr,
		  uint64_t flags);
/* clone2 / clone3 set_tid choosing pid in our namespace */
int try_clone2(pid_t pid);
int try_clone3(pid_t pid);
/* clone3 with set_tid[0..n), innermost namespace first */
int try_clone3_tids(const pid_t *set_tid, size_t n);
/* Write value to a /proc/sys file: the errno of open or write. */
int try_write(const char *path, const char *value);
/* The ns_last_pid dance for pid next: write next - 1. */
int try_ns_last_pid(pid_t next);

/*
 * The policy loaded (only if it is not: a load takes about 15 s in the VM)
 * and replaced whole by the policy file at path.
 */
void policy_from_file(const char *path);
/* n consecutive pids free in the initial pid namespace: the first. */
pid_t pick_free_pids(int n);
/*
 * The policy's programs (pid_choose, alloc_pid_exit, free_pid_entry,
 * retire_ns) that
 * are loaded, and the links that attach one of them, system-wide.
 */
void count_policy_objects(int *progs, int *links);
/* Wait (bounded, scaled) until they number progs and links; 0 if they never do. */
int wait_policy_objects(int want_progs, int want_links);

/*
 * A fresh policy that enforces: any caller may choose base..base+9 in any
 * namespace, and our namespace holds at most max live chosen pids.
 */
void fresh_policy_with_own_limit(pid_t base, int max);
/* Live chosen-pid processes of a namespace, as the policy counts them. */
__s64 chosen_live(__u32 ns_inum);
/* A child with a chosen pid (in our namespace) that lives until killed. */
pid_t spawn_chosen(pid_t pid);
void kill_and_reap(pid_t pid);
/*
 * Become uid without capabilities, then root (all capabilities) of a new
 * user namespace mapping its uid 0 to uid.
 */
void become_userns_root_of(uid_t uid);
/* become_userns_root_of(65534) */
void become_userns_root(void);
/* Write text to the file at path (a policy file, say). */
void write_policy_file(const char *path, const char *text);

/* What `pidpolicy monitor` prints on stderr once it is reading events. */
#define MONITOR_READY	"Tracing pid choices... Hit Ctrl-C to end."
/*
 * `LOADER monitor ARGS >out_path 2>out_path.err` in the background,
 * returned once it is ready: every decision after this is reported.
 * LOADER runs pidpolicy: "pidpolicy", or "env VAR=value... /path".
 */
pid_t start_monitor(const char *loader, const char *args, const char *out_path);

#endif /* VMPOLICY_H */
