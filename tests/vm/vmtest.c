// SPDX-License-Identifier: GPL-2.0
/* Process and /proc helpers shared by the in-VM test programs. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include "harness.h"
#include "vmtest.h"

/* Exit code of a child, 128 + signal if it was killed, -1 if not waitable. */
int wait_exit(pid_t pid)
{
	int status;
	pid_t r;

	do {
		r = waitpid(pid, &status, __WALL);
	} while (r < 0 && errno == EINTR);
	if (r != pid)
		return -1;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}

int read_int_file(const char *path)
{
	char buf[32];

	ASSERT_GT(harness_read_file(path, buf, sizeof(buf)), 0);
	return atoi(buf);
}

int get_pid_max(void)
{
	return read_int_file("/proc/sys/kernel/pid_max");
}

void write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	ASSERT_GE(fd, 0);
	ASSERT_EQ(write(fd, s, strlen(s)), (ssize_t)strlen(s));
	ASSERT_EQ(close(fd), 0);
}

/*
 * Parse the NSpid line of a /proc/<pid>/status file: outermost level (as
 * seen by the /proc mount, the initial namespace here) first. Safe in raw
 * clone children: open, read and close only.
 */
int read_nspid(const char *status_path, pid_t *out)
{
	static const char tag[] = "\nNSpid:";
	char buf[8192];
	const char *p;
	int n = 0;

	if (harness_read_file(status_path, buf, sizeof(buf)) < 0)
		return -1;
	p = strstr(buf, tag);
	if (!p)
		return -1;
	p += sizeof(tag) - 1;
	while (n < MAX_NSPID) {
		char *end;
		long v;

		while (*p == '\t' || *p == ' ')
			p++;
		if (*p < '0' || *p > '9')
			break;
		v = strtol(p, &end, 10);
		out[n++] = (pid_t)v;
		p = end;
	}
	return n;
}

int read_nspid_of(pid_t pid, pid_t *out)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	return read_nspid(path, out);
}

/*
 * A pid free in the initial pid namespace (/proc is its mount, also seen
 * from nested pid namespaces), a different one on every call, with room
 * for callers that use the pids up to PICK_ROOM above it. Below 32768, the
 * smallest default pid_max, as the pid must fit a nested namespace's
 * pid_max too. The kernel hands out pids upward from ns_last_pid and comes
 * back only after wrapping at pid_max: picks stay behind it, or, while
 * nothing is behind it, PICK_AHEAD beyond it.
 */
#define PICK_FLOOR	1000
#define PICK_ROOM	600
#define PICK_AHEAD	8000

pid_t pick_free_pid(void)
{
	int pid_max = get_pid_max(), top = (pid_max < 32768 ? pid_max : 32768) - PICK_ROOM;
	static pid_t next = PICK_FLOOR;
	char path[32];

	for (;; next++) {
		FILE *f = fopen("/proc/sys/kernel/ns_last_pid", "r");
		int last = -1;

		if (f) {
			if (fscanf(f, "%d", &last) != 1)
				last = -1;
			fclose(f);
		}
		if (last >= 0 && next + PICK_ROOM >= last && next < last + PICK_AHEAD)
			next = last > PICK_FLOOR + 2 * PICK_ROOM && next >= last ?
			       PICK_FLOOR : last + PICK_AHEAD;
		if (next >= top)
			next = PICK_FLOOR;
		snprintf(path, sizeof(path), "/proc/%d", (int)next);
		if (access(path, F_OK) && errno == ENOENT)
			return next++;
	}
}

/* Drop to uid/gid 65534; with keep_caps the permitted set survives. */
void drop_to_uid(uid_t uid, int keep_caps)
{
	if (keep_caps)
		ASSERT_EQ(prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0), 0);
	ASSERT_EQ(setgroups(0, NULL), 0);
	ASSERT_EQ(setresgid(uid, uid, uid), 0);
	ASSERT_EQ(setresuid(uid, uid, uid), 0);
	/* the uid change made us undumpable: /proc/self would be root's */
	ASSERT_EQ(prctl(PR_SET_DUMPABLE, 1, 0, 0, 0), 0);
}

void drop_to_nobody(int keep_caps)
{
	drop_to_uid(65534, keep_caps);
}
