/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Parsers of the pidpolicy CLI's arguments (the pid ranges and their bitmap
 * chunks are ranges.h's). Nothing here touches BPF, so
 * tests/host/parse_test.c checks all of it on the host.
 *
 * Functions that can fail with a usage error return -1 and write one
 * lowercase line, without the "pidpolicy: " prefix, to err.
 */
#ifndef PIDPOLICY_PARSE_H
#define PIDPOLICY_PARSE_H

#include <stddef.h>
#include "pidpolicy.h"

/*
 * Make message s one printable line: messages quote what the user gave,
 * whose control characters (a newline, an escape sequence) become '?'.
 */
void one_line(char *s);

/*
 * The usage error of the convention above: fmt's message, made one line,
 * into err. Returns -1.
 */
int parse_fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Decimal digits s[0..len) as a number no larger than max: 0, -EINVAL when
 * empty or not all digits (no sign, no spaces), -ERANGE when above max.
 */
int parse_decimal(const char *s, size_t len, __u64 max, __u64 *v);

/*
 * NS: "any" (PIDPOLICY_NS_ANY), a decimal inode number, optionally with the
 * namespace's id as N@ID (what `dump` writes: the number names that
 * namespace only, not whichever has the number after it died; *id, else 0),
 * or a path to an nsfs file of a pid namespace (/proc/PID/ns/pid). For a
 * path, *fd is that file, left open: it keeps the namespace, and so its
 * number, from going to another namespace until the policy is written;
 * close() it. Else -1.
 */
int parse_ns_spec(const char *s, __u32 *inum, __u64 *id, int *fd, char *err,
		  size_t errlen);
/*
 * The inode number of the pid namespace whose nsfs file fd is: 0, or -1
 * when fd is no pid namespace's (nsfs, NS_GET_NSTYPE CLONE_NEWPID, 32-bit).
 */
int ns_fd_inum(int fd, __u32 *inum);
/* A decimal uid, as seen in the initial user namespace. */
int parse_uid(const char *s, __u32 *uid, char *err, size_t errlen);
/* A pid in 1..PIDPOLICY_PID_LIMIT-1 (for explain). */
int parse_pid(const char *s, __u32 *pid, char *err, size_t errlen);
/*
 * The caller PID (decimal) as the policy would see it: its effective uid and
 * its cgroup v2 directory under /sys/fs/cgroup, read from /proc/PID.
 */
int parse_caller_pid(const char *s, __u32 *euid, char *cgroup, size_t len,
		     char *err, size_t errlen);
/* enforce, audit or off: an enum pidpolicy_mode. */
int parse_mode(const char *s, __u32 *mode, char *err, size_t errlen);
/* A --max-chosen value: a count of processes, or "none" (PIDPOLICY_NO_LIMIT). */
int parse_max_chosen(const char *s, __u32 *max, char *err, size_t errlen);
void format_limit(__u32 max, char *buf, size_t len);
/* "enforce", "audit", "off" or "unset". */
const char *mode_name(__u32 mode);

#endif /* PIDPOLICY_PARSE_H */
