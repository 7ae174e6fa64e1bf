// SPDX-License-Identifier: GPL-2.0
/*
 * Shared helpers of the libFuzzer targets, and the fake machine the parsers
 * see while a target runs (see fuzz.h). The Makefile links with
 *   -Wl,--wrap=open,--wrap=stat,--wrap=statfs
 * so the parsers' calls land in the __wrap_ functions below. Outside
 * fuzz_begin()..fuzz_end() they pass through: libFuzzer itself stat()s and
 * opens its corpus through the same symbols.
 *
 * The fake machine, chosen so that every branch of the parsers is reachable:
 *   open     /proc/self/ns/{pid,pid_for_children,user,net}: the real files
 *            (nsfs, read-only, no side effect); /noaccess/...: EACCES;
 *            anything else: ENOENT. Opening for writing is a failure.
 *   stat(fs) /sys/fs/cgroup and below: a cgroup2 directory whose inode is
 *            fuzz_cgroup_id() (a regular file when the last component
 *            starts with "cgroup.", like cgroup.procs), where a trailing
 *            "/.." goes up a directory as in the kernel's tree; /proc and
 *            below: a procfs directory; anything else: ENOENT.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include "pidpolicy.h"
#include "fuzz.h"

int __real_open(const char *path, int flags, ...);
int __real_stat(const char *path, struct stat *st);
int __real_statfs(const char *path, struct statfs *sfs);

static bool active;

void fuzz_begin(void)
{
	active = true;
}

void fuzz_end(void)
{
	active = false;
}

void fuzz_fail(const char *file, int line, const char *what)
{
	fprintf(stderr, "%s:%d: invariant does not hold: %s\n", file, line, what);
	abort();
}

char *fuzz_strndup(const uint8_t *data, size_t size)
{
	char *s = strndup((const char *)data, size);

	FUZZ_CHECK(s != NULL);
	return s;
}

void fuzz_check_err(const char *err, size_t errlen)
{
	size_t len = strnlen(err, errlen), i;

	if (len == 0 || len == errlen)
		fprintf(stderr, "error message: \"%.*s\"\n", (int)len, err);
	FUZZ_CHECK(len > 0);
	FUZZ_CHECK(len < errlen);
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)err[i];

		if (c < 0x20 || c == 0x7f)
			fprintf(stderr, "error message: \"%s\"\n", err);
		FUZZ_CHECK(c >= 0x20 && c != 0x7f);
	}
}

__u64 fuzz_cgroup_id(const char *path)
{
	__u64 h = 14695981039346656037ULL;	/* FNV-1a */

	for (; *path; path++)
		h = (h ^ (unsigned char)*path) * 1099511628211ULL;
	return h | 1;
}

static bool under(const char *path, const char *dir)
{
	size_t len = strlen(dir);

	return !strncmp(path, dir, len) && (!path[len] || path[len] == '/');
}

int __wrap_open(const char *path, int flags, ...)
{
	static const char *const real[] = {
		"/proc/self/ns/pid", "/proc/self/ns/pid_for_children",
		"/proc/self/ns/user", "/proc/self/ns/net",
	};
	mode_t mode = 0;
	va_list ap;
	size_t i;

	if ((flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE) {
		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	if (!active)
		return __real_open(path, flags, mode);
	/* the parsers only ever read */
	FUZZ_CHECK((flags & O_ACCMODE) == O_RDONLY);
	FUZZ_CHECK(!(flags & (O_CREAT | O_TRUNC)) && (flags & O_TMPFILE) != O_TMPFILE);
	for (i = 0; i < sizeof(real) / sizeof(real[0]); i++)
		if (!strcmp(path, real[i]))
			return __real_open(path, flags);
	errno = under(path, "/noaccess") ? EACCES : ENOENT;
	return -1;
}

/* The fake file at path, or -1 with errno set. */
static int fake_stat(const char *in, __u32 *fs_magic, struct stat *st)
{
	char path[4096], *last;
	size_t len;

	/* each trailing "/.." takes off the component before it */
	snprintf(path, sizeof(path), "%s", in);
	while ((len = strlen(path)) >= 3 && !strcmp(path + len - 3, "/..")) {
		path[len - 3] = '\0';
		last = strrchr(path, '/');
		if (!last)
			break;
		*last = '\0';
	}
	last = strrchr(path, '/');
	if (!last)
		last = path;
	memset(st, 0, sizeof(*st));
	if (under(path, "/sys/fs/cgroup")) {
		*fs_magic = CGROUP2_SUPER_MAGIC;
		st->st_ino = fuzz_cgroup_id(path);
		st->st_mode = !strncmp(last, "/cgroup.", 8) ? S_IFREG | 0644 : S_IFDIR | 0755;
		return 0;
	}
	if (under(path, "/proc")) {
		*fs_magic = PROC_SUPER_MAGIC;
		st->st_ino = 1;
		st->st_mode = S_IFDIR | 0555;
		return 0;
	}
	errno = ENOENT;
	return -1;
}

int __wrap_stat(const char *path, struct stat *st)
{
	__u32 magic;

	if (!active)
		return __real_stat(path, st);
	return fake_stat(path, &magic, st);
}

int __wrap_statfs(const char *path, struct statfs *sfs)
{
	struct stat st;
	__u32 magic;

	if (!active)
		return __real_statfs(path, sfs);
	if (fake_stat(path, &magic, &st))
		return -1;
	memset(sfs, 0, sizeof(*sfs));
	sfs->f_type = magic;
	return 0;
}
