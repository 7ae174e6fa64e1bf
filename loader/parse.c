// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Parsers of the pidpolicy CLI's arguments (see parse.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <linux/magic.h>
#include <linux/nsfs.h>
#include "parse.h"

#define NS_HELP "use /proc/PID/ns/pid, an inode number or 'any'"

int parse_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	if (errlen)
		one_line(err);
	return -1;
}

void one_line(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '?';
}

int parse_decimal(const char *s, size_t len, __u64 max, __u64 *v)
{
	__u64 x = 0;
	size_t i;

	if (!len)
		return -EINVAL;
	for (i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
	for (i = 0; i < len; i++) {
		if (x > (max - (__u64)(s[i] - '0')) / 10)
			return -ERANGE;
		x = x * 10 + (__u64)(s[i] - '0');
	}
	*v = x;
	return 0;
}

/* ---- NS, UID, PID, cgroup, mode ---------------------------------------- */

int ns_fd_inum(int fd, __u32 *inum)
{
	struct statfs sfs;
	struct stat st;

	if (fstatfs(fd, &sfs) || sfs.f_type != NSFS_MAGIC ||
	    ioctl(fd, NS_GET_NSTYPE) != CLONE_NEWPID || fstat(fd, &st))
		return -1;
	*inum = (__u32)st.st_ino;
	return st.st_ino == PIDPOLICY_NS_ANY || st.st_ino > UINT32_MAX ? -1 : 0;
}

/*
 * O_NONBLOCK: whatever the path is (a FIFO, a device), opening it must
 * neither block nor have an effect before it is found not to be nsfs.
 */
static int parse_ns_path(const char *path, __u32 *inum, int *fd, char *err,
			 size_t errlen)
{
	*fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (*fd < 0 && errno != ENOENT && errno != ENOTDIR)
		return parse_fail(err, errlen, "cannot open %s: %s (" NS_HELP ")",
				  path, strerror(errno));
	if (*fd >= 0 && !ns_fd_inum(*fd, inum))
		return 0;
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
	return parse_fail(err, errlen, "%s is not a pid namespace file (" NS_HELP ")", path);
}

int parse_ns_spec(const char *s, __u32 *inum, __u64 *id, int *fd, char *err,
		  size_t errlen)
{
	const char *at = strchr(s, '@');
	__u64 v;
	int ret;

	*fd = -1;
	*id = 0;
	if (!strcmp(s, "any")) {
		*inum = PIDPOLICY_NS_ANY;
		return 0;
	}
	/* N@ID: a number, then an id (a path may hold an @ too) */
	ret = parse_decimal(s, at ? (size_t)(at - s) : strlen(s), UINT32_MAX, &v);
	if (at && !ret && (parse_decimal(at + 1, strlen(at + 1), UINT64_MAX, id) || !*id))
		return parse_fail(err, errlen,
				  "bad namespace id in %s: N@ID takes the id `pidpolicy dump` wrote, a number above 0",
				  s);
	if (ret == -ERANGE)
		return parse_fail(err, errlen,
				  "namespace inode %s is too large: pid namespace inodes are 32-bit (" NS_HELP ")",
				  s);
	if (!ret && v == PIDPOLICY_NS_ANY)
		return parse_fail(err, errlen,
				  "namespace inode 0 is not valid: use 'any' for every namespace");
	if (!ret) {
		*inum = (__u32)v;
		return 0;
	}
	if (!*s)
		return parse_fail(err, errlen, "empty namespace (" NS_HELP ")");
	return parse_ns_path(s, inum, fd, err, errlen);
}

int parse_uid(const char *s, __u32 *uid, char *err, size_t errlen)
{
	__u64 v;

	/* (uid_t)-1 is "no uid" for the kernel, never a caller's uid */
	if (parse_decimal(s, strlen(s), UINT32_MAX - 1, &v))
		return parse_fail(err, errlen,
				  "uid '%s' is not valid: give a decimal uid below 4294967295",
				  s);
	*uid = (__u32)v;
	return 0;
}

int parse_pid(const char *s, __u32 *pid, char *err, size_t errlen)
{
	__u64 v;

	if (parse_decimal(s, strlen(s), UINT32_MAX, &v) || v == 0 ||
	    v >= PIDPOLICY_PID_LIMIT)
		return parse_fail(err, errlen,
				  "pid '%s' is not valid: give a decimal pid from 1 to %u",
				  s, PIDPOLICY_PID_LIMIT - 1);
	*pid = (__u32)v;
	return 0;
}

int parse_max_chosen(const char *s, __u32 *max, char *err, size_t errlen)
{
	__u64 v;

	if (!strcmp(s, "none")) {
		*max = PIDPOLICY_NO_LIMIT;
		return 0;
	}
	if (parse_decimal(s, strlen(s), PIDPOLICY_NO_LIMIT - 1, &v))
		return parse_fail(err, errlen,
				  "limit '%s' is not valid: give a number of processes from 0 to %u, or 'none'",
				  s, PIDPOLICY_NO_LIMIT - 1);
	*max = (__u32)v;
	return 0;
}

void format_limit(__u32 max, char *buf, size_t len)
{
	if (max == PIDPOLICY_NO_LIMIT)
		snprintf(buf, len, "none");
	else
		snprintf(buf, len, "%u", max);
}

/*
 * Does the cgroup directory dir hold task pid? cgroup.threads, not
 * cgroup.procs: that lists thread group leaders only, and none at all in a
 * threaded cgroup (EOPNOTSUPP), where /proc/PID/cgroup still names it.
 */
static bool lists_process(const char *dir, __u64 pid)
{
	char path[PATH_MAX + 16];
	unsigned long long p;
	bool found = false;
	FILE *f;

	snprintf(path, sizeof(path), "%s/cgroup.threads", dir);
	f = fopen(path, "re");
	while (f && !found && fscanf(f, "%llu", &p) == 1)
		found = p == pid;
	if (f)
		fclose(f);
	return found;
}

int parse_caller_pid(const char *s, __u32 *euid, char *cgroup, size_t len,
		     char *err, size_t errlen)
{
	unsigned int ruid, uid;
	char path[64], line[4096];
	int found = 0;
	__u64 pid;
	FILE *f;

	if (parse_decimal(s, strlen(s), INT32_MAX, &pid) || !pid)
		return parse_fail(err, errlen,
				  "--caller '%s' is not valid: give the pid of a process", s);
	snprintf(path, sizeof(path), "/proc/%llu/status", (unsigned long long)pid);
	f = fopen(path, "re");
	while (f && !found && fgets(line, sizeof(line), f))
		found = sscanf(line, "Uid: %u %u", &ruid, &uid) == 2;
	if (f)
		fclose(f);
	snprintf(path, sizeof(path), "/proc/%llu/cgroup", (unsigned long long)pid);
	f = found ? fopen(path, "re") : NULL;
	found = 0;
	/* the cgroup v2 line: "0::/path" */
	while (f && !found && fgets(line, sizeof(line), f))
		found = !strncmp(line, "0::/", 4);
	if (f)
		fclose(f);
	if (!found)
		return parse_fail(err, errlen,
				  "cannot read the uid and cgroup v2 of process %s: give the pid of a running process (cgroup v2 mounted)",
				  s);
	line[strcspn(line, "\n")] = '\0';
	snprintf(cgroup, len, "/sys/fs/cgroup%s", strcmp(line + 3, "/") ? line + 3 : "");
	/*
	 * The line is the path whole: the kernel refuses a cgroup name with a
	 * newline (cgroup_mkdir()). The task may have moved since: the cgroup
	 * must still hold it.
	 */
	if (!lists_process(cgroup, pid))
		return parse_fail(err, errlen,
				  "cannot tell the cgroup of process %s: %.200s does not list it (it moved or exited): give --uid and --cgroup",
				  s, cgroup);
	*euid = uid;
	return 0;
}

static const char *const mode_names[] = {
	[PIDPOLICY_MODE_UNSET] = "unset",
	[PIDPOLICY_MODE_OFF] = "off",
	[PIDPOLICY_MODE_AUDIT] = "audit",
	[PIDPOLICY_MODE_ENFORCE] = "enforce",
};

int parse_mode(const char *s, __u32 *mode, char *err, size_t errlen)
{
	__u32 m;

	for (m = PIDPOLICY_MODE_OFF; m <= PIDPOLICY_MODE_ENFORCE; m++) {
		if (!strcmp(s, mode_names[m])) {
			*mode = m;
			return 0;
		}
	}
	return parse_fail(err, errlen, "unknown mode '%s': use enforce, audit or off", s);
}

const char *mode_name(__u32 mode)
{
	if (mode > PIDPOLICY_MODE_ENFORCE)
		return "invalid";
	return mode_names[mode];
}
