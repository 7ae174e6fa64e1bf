// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Cgroup paths and ids, resolved as the kernel resolves them. A walk up a
 * path with ".." stops at the root of its mount: under a bind mount of a
 * subtree, or in a cgroup namespace, it would count too few levels. So
 * every id is opened by file handle (open_by_handle_at(), root only) on the
 * cgroup2 mount at /sys/fs/cgroup, which must be the whole hierarchy, and
 * walked up from there to the root, whose id kernfs makes 1.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <linux/magic.h>
#include "cgroup.h"
#include "parse.h"
#include "pidpolicy.h"

#define CGROUP_MOUNT	"/sys/fs/cgroup"
#define CGROUP_ROOT_ID	1
#define FILEID_KERNFS	0xfe	/* include/linux/exportfs.h: a kernfs id */

int parse_cgroup(const char *path, __u64 *id, char *err, size_t errlen)
{
	struct statfs sfs;
	struct stat st;

	if (statfs(path, &sfs) || stat(path, &st))
		return parse_fail(err, errlen,
				  "cannot use cgroup %s: %s (give a cgroup v2 directory under /sys/fs/cgroup)",
				  path, strerror(errno));
	if (sfs.f_type != CGROUP2_SUPER_MAGIC || !S_ISDIR(st.st_mode))
		return parse_fail(err, errlen,
				  "%s is not a cgroup v2 directory (give a directory of the cgroup2 mount, see /proc/mounts)",
				  path);
	*id = st.st_ino;
	return 0;
}

/* Cgroup id's directory, opened: an fd, or -errno (-ENOENT: no such id). */
static int cgroup_open(__u64 id)
{
	union {
		struct file_handle fh;
		char buf[sizeof(struct file_handle) + sizeof(__u64)];
	} h = { .fh = { .handle_bytes = sizeof(__u64), .handle_type = FILEID_KERNFS } };
	struct statfs sfs;
	struct stat st;
	int mnt, fd;

	memcpy(h.fh.f_handle, &id, sizeof(id));
	mnt = open(CGROUP_MOUNT, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (mnt < 0)
		return -errno;
	/* the whole hierarchy: a subtree's paths would name other cgroups */
	if (fstatfs(mnt, &sfs) || sfs.f_type != CGROUP2_SUPER_MAGIC ||
	    fstat(mnt, &st) || st.st_ino != CGROUP_ROOT_ID) {
		close(mnt);
		return -EXDEV;
	}
	fd = open_by_handle_at(mnt, &h.fh, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		fd = errno == ESTALE ? -ENOENT : -errno;
	close(mnt);
	return fd;
}

int cgroup_ancestors(__u64 id, __u64 *ids, size_t max, size_t *n)
{
	struct statfs sfs;
	struct stat st;
	int fd = cgroup_open(id), up, err = 0;

	for (*n = 0; fd >= 0; fd = up) {
		if (fstat(fd, &st) || fstatfs(fd, &sfs)) {
			err = -errno;
			break;
		}
		/* above the mount's root, or back at it: not the whole tree */
		if (sfs.f_type != CGROUP2_SUPER_MAGIC || (*n && ids[*n - 1] == st.st_ino)) {
			err = -EXDEV;
			break;
		}
		if (*n == max) {
			err = -E2BIG;
			break;
		}
		ids[(*n)++] = st.st_ino;
		if (st.st_ino == CGROUP_ROOT_ID)
			break;
		up = openat(fd, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		close(fd);
		if (up < 0)
			return -errno;
	}
	if (fd < 0)
		return fd;
	close(fd);
	return err;
}

/* The message for cgroup_ancestors()'s error ret on cgroup what. */
static int ancestors_fail(int ret, const char *what, char *err, size_t errlen)
{
	if (ret == -E2BIG)
		return parse_fail(err, errlen,
				  "cgroup %s is deeper than level %d: cgroup-tree rules take a cgroup at most %d levels below /sys/fs/cgroup (use --cgroup for deeper ones)",
				  what, PIDPOLICY_CGROUP_TREE_LEVELS - 1,
				  PIDPOLICY_CGROUP_TREE_LEVELS - 1);
	if (ret == -EXDEV)
		return parse_fail(err, errlen,
				  "cannot count the levels of cgroup %s: " CGROUP_MOUNT " is not the whole cgroup v2 hierarchy (mount cgroup2 there, outside any cgroup namespace)",
				  what);
	if (ret == -ENOENT)
		return parse_fail(err, errlen, "no cgroup %s exists now: a rule for it could never match (ids are per boot: name the cgroup by its path)",
				  what);
	return parse_fail(err, errlen, "cannot walk up from cgroup %s: %s", what, strerror(-ret));
}

/* Cgroup id, named what in messages, is at a level the program walks. */
static int check_tree_level(__u64 id, const char *what, char *err, size_t errlen)
{
	__u64 ids[PIDPOLICY_CGROUP_TREE_LEVELS];
	size_t n;
	int ret = cgroup_ancestors(id, ids, PIDPOLICY_CGROUP_TREE_LEVELS, &n);

	return ret ? ancestors_fail(ret, what, err, errlen) : 0;
}

int parse_cgroup_tree(const char *path, __u64 *id, char *err, size_t errlen)
{
	if (parse_cgroup(path, id, err, errlen))
		return -1;
	return check_tree_level(*id, path, err, errlen);
}

int check_cgroup_id(__u64 id, int tree, char *err, size_t errlen)
{
	char what[32];
	int fd;

	snprintf(what, sizeof(what), "id %llu", (unsigned long long)id);
	if (tree)
		return check_tree_level(id, what, err, errlen);
	fd = cgroup_open(id);
	if (fd < 0)
		return ancestors_fail(fd, what, err, errlen);
	close(fd);
	return 0;
}

int cgroup_name(__u64 id, char *buf, size_t len)
{
	char proc[32];
	int fd = cgroup_open(id);
	ssize_t n;

	if (fd == -ENOENT)
		return -1;
	if (fd < 0)
		return 0;
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	n = readlink(proc, buf, len);
	close(fd);
	if (n <= 0 || (size_t)n >= len)
		return 0;
	buf[n] = '\0';
	if (buf[0] != '/')
		return 0;
	/* a policy file token: no white space of any kind, no control, no '#' */
	for (; *buf; buf++)
		if ((unsigned char)*buf <= ' ' || *buf == 0x7f || *buf == '#')
			return 0;
	return 1;
}
