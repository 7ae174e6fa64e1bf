/* SPDX-License-Identifier: GPL-2.0 */
/* Process and /proc helpers shared by the in-VM test programs. */
#ifndef VMTEST_H
#define VMTEST_H

#include <sys/types.h>

/* MAX_PID_NS_LEVEL: the deepest pid namespace, and the most pids clone2 takes */
#define MAX_LEVELS 32
/* A process in a namespace of level 32 has 33 entries in its NSpid line */
#define MAX_NSPID (MAX_LEVELS + 1)

/* Exit code of a child, 128 + signal if it was killed, -1 if not waitable. */
int wait_exit(pid_t pid);

/* pid_max of a new pid namespace, and the most any may have (64-bit) */
#define PID_MAX_LIMIT	(4 * 1024 * 1024)

/* The integer in a file such as /proc/sys/kernel/pid_max; asserts. */
int read_int_file(const char *path);
int get_pid_max(void);
/* Write s to an existing file; asserts. */
void write_file(const char *path, const char *s);
/* The NSpid line of a status file / of a pid, outermost first; count or -1. */
int read_nspid(const char *status_path, pid_t *out);
int read_nspid_of(pid_t pid, pid_t *out);
/* A pid free in the initial pid namespace, different on every call. */
pid_t pick_free_pid(void);
/* Drop to uid/gid uid; with keep_caps the permitted set survives. */
void drop_to_uid(uid_t uid, int keep_caps);
/* drop_to_uid(65534, keep_caps) */
void drop_to_nobody(int keep_caps);

#endif /* VMTEST_H */
