// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Parsing and bitmap helpers of the pidpolicy CLI (see parse.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <linux/magic.h>
#include <linux/nsfs.h>
#include "parse.h"

#define NS_HELP "use /proc/PID/ns/pid, an inode number or 'any'"

static int fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errlen, const char *fmt, ...)
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

/* ---- range lists ------------------------------------------------------- */

int range_list_add(struct range_list *l, __u32 first, __u32 last)
{
	struct pid_range *r;

	if (l->n && (__u64)first <= (__u64)l->r[l->n - 1].last + 1) {
		if (last > l->r[l->n - 1].last)
			l->r[l->n - 1].last = last;
		return 0;
	}
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;

		r = realloc(l->r, cap * sizeof(*r));
		if (!r)
			return -ENOMEM;
		l->r = r;
		l->cap = cap;
	}
	l->r[l->n].first = first;
	l->r[l->n].last = last;
	l->n++;
	return 0;
}

int range_list_add_chunk(struct range_list *l, __u32 first_pid,
			 const struct pidpolicy_chunk *c)
{
	int w, err;

	for (w = 0; w < PIDPOLICY_CHUNK_WORDS; w++) {
		__u64 word = c->allowed[w];

		while (word) {
			int lo = __builtin_ctzll(word);
			__u64 above = ~(word >> lo);	/* ones from the run's end */
			int len = above ? __builtin_ctzll(above) : 64;
			__u32 first = first_pid + (__u32)(w * 64 + lo);

			err = range_list_add(l, first, first + (__u32)len - 1);
			if (err)
				return err;
			word = len == 64 ? 0 : word & ~(((1ULL << len) - 1) << lo);
		}
	}
	return 0;
}

void range_list_free(struct range_list *l)
{
	free(l->r);
	l->r = NULL;
	l->n = l->cap = 0;
}

/* ---- RANGES -------------------------------------------------------------- */

static int cmp_range(const void *a, const void *b)
{
	const struct pid_range *x = a, *y = b;

	if (x->first != y->first)
		return x->first < y->first ? -1 : 1;
	return x->last < y->last ? -1 : x->last > y->last;
}

/* Are the ranges in ascending order (as `dump` writes them)? */
static bool sorted(const struct pid_range *r, size_t n)
{
	size_t i;

	for (i = 1; i < n; i++)
		if (cmp_range(&r[i - 1], &r[i]) > 0)
			return false;
	return true;
}

void ranges_canon(struct pid_range *r, size_t *n)
{
	size_t i, out = 0;

	if (!*n)
		return;
	if (!sorted(r, *n))
		qsort(r, *n, sizeof(*r), cmp_range);
	for (i = 1; i < *n; i++) {
		if ((__u64)r[i].first <= (__u64)r[out].last + 1) {
			if (r[i].last > r[out].last)
				r[out].last = r[i].last;
		} else {
			r[++out] = r[i];
		}
	}
	*n = out + 1;
}

/* An element of RANGES, as messages quote it. */
struct range_elem {
	const char *s;
	int len;
};

/* One pid of element e: s[0..len) must be a pid in 1..pid_max-1. */
static int parse_range_pid(const char *s, size_t len, struct range_elem e,
			   __u32 pid_max, __u32 *pid, char *err, size_t errlen)
{
	__u64 v;
	int ret = parse_decimal(s, len, UINT32_MAX, &v);

	if (ret == -EINVAL)
		return fail(err, errlen,
			    "'%.*s' in --pids is not a pid or a range: write pids like 300-999,1000",
			    e.len, e.s);
	if (ret == -ERANGE || v >= pid_max)
		return fail(err, errlen,
			    "pid %.*s in '%.*s' is beyond pid_max %u: pids go up to %u",
			    (int)len, s, e.len, e.s, pid_max, pid_max - 1);
	if (v == 0)
		return fail(err, errlen, "pid 0 in '%.*s' is not valid: pids start at 1",
			    e.len, e.s);
	*pid = (__u32)v;
	return 0;
}

/* One element of RANGES, s[0..len): "N" or "N-M". */
static int parse_range(const char *s, size_t len, __u32 pid_max,
		       struct pid_range *r, char *err, size_t errlen)
{
	struct range_elem e = { s, len < 63 ? (int)len : 63 };	/* quoted as before */
	const char *dash;

	if (!len)
		return fail(err, errlen,
			    "empty element in --pids: remove the extra comma");
	if (s[0] == '-')
		return fail(err, errlen,
			    "'%.*s' in --pids is negative: pids start at 1", e.len, e.s);
	dash = memchr(s, '-', len);
	if (!dash) {
		if (parse_range_pid(s, len, e, pid_max, &r->first, err, errlen))
			return -1;
		r->last = r->first;
		return 0;
	}
	if (parse_range_pid(s, (size_t)(dash - s), e, pid_max, &r->first,
			    err, errlen) ||
	    parse_range_pid(dash + 1, len - (size_t)(dash - s) - 1, e,
			    pid_max, &r->last, err, errlen))
		return -1;
	if (r->first > r->last)
		return fail(err, errlen, "range '%.*s' is reversed: write '%u-%u'",
			    e.len, e.s, r->last, r->first);
	return 0;
}

int parse_ranges(const char *s, __u32 pid_max, struct pid_range **out,
		 size_t *n, char *err, size_t errlen)
{
	struct pid_range *raw = NULL;
	size_t nraw = 0, elems = 1;
	const char *p = s, *comma;
	int ret = -1;

	if (!*s)
		return fail(err, errlen,
			    "--pids is empty: give pids like 300-999,1000");
	for (comma = s; (comma = strchr(comma, ',')); comma++)
		elems++;
	raw = calloc(elems, sizeof(*raw));
	if (!raw)
		return fail(err, errlen, "out of memory");
	for (;;) {
		comma = strchrnul(p, ',');
		if (parse_range(p, (size_t)(comma - p), pid_max, &raw[nraw++],
				err, errlen))
			goto out;
		if (!*comma)
			break;
		p = comma + 1;
	}
	ranges_canon(raw, &nraw);
	*out = raw;
	*n = nraw;
	raw = NULL;
	ret = 0;
out:
	free(raw);
	return ret;
}

__u64 ranges_count(const struct pid_range *r, size_t n)
{
	__u64 total = 0;
	size_t i;

	for (i = 0; i < n; i++)
		total += (__u64)r[i].last - r[i].first + 1;
	return total;
}

void ranges_write(FILE *f, const struct pid_range *r, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		const char *sep = i ? "," : "";

		if (r[i].first == r[i].last)
			fprintf(f, "%s%u", sep, r[i].first);
		else
			fprintf(f, "%s%u-%u", sep, r[i].first, r[i].last);
	}
}

char *ranges_format(const struct pid_range *r, size_t n)
{
	char *buf = NULL;
	size_t size;
	FILE *f = open_memstream(&buf, &size);

	if (!f)
		return NULL;
	ranges_write(f, r, n);
	if (fclose(f)) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* ---- bitmap chunks --------------------------------------------------------- */

/* The first of the sorted ranges r that ends at or after pid (n if none). */
static size_t first_reaching(const struct pid_range *r, size_t n, __u64 pid)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (r[mid].last < pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

bool ranges_next_chunk(const struct pid_range *r, size_t n, __u64 from,
		       __u32 *first_pid)
{
	size_t i = first_reaching(r, n, from);
	__u64 start;

	if (i == n)
		return false;
	start = r[i].first > from ? r[i].first : from;
	*first_pid = (__u32)(start - start % PIDPOLICY_CHUNK_PIDS);
	return true;
}

void chunk_apply(struct pidpolicy_chunk *c, __u32 first_pid,
		 const struct pid_range *r, size_t n, bool allow)
{
	__u64 end = (__u64)first_pid + PIDPOLICY_CHUNK_PIDS - 1;
	size_t i;

	for (i = first_reaching(r, n, first_pid); i < n && r[i].first <= end; i++) {
		__u64 lo = r[i].first > first_pid ? r[i].first : first_pid;
		__u64 hi = r[i].last < end ? r[i].last : end;
		__u64 pid;

		for (pid = lo; pid <= hi; pid++) {
			__u32 bit = (__u32)(pid - first_pid);
			__u64 mask = 1ULL << (bit % 64);

			if (allow)
				c->allowed[bit / 64] |= mask;
			else
				c->allowed[bit / 64] &= ~mask;
		}
	}
}

bool chunk_empty(const struct pidpolicy_chunk *c)
{
	int w;

	for (w = 0; w < PIDPOLICY_CHUNK_WORDS; w++)
		if (c->allowed[w])
			return false;
	return true;
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
		return fail(err, errlen, "cannot open %s: %s (" NS_HELP ")",
			    path, strerror(errno));
	if (*fd >= 0 && !ns_fd_inum(*fd, inum))
		return 0;
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
	return fail(err, errlen, "%s is not a pid namespace file (" NS_HELP ")", path);
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
		return fail(err, errlen,
			    "bad namespace id in %s: N@ID takes the id `pidpolicy dump` wrote, a number above 0",
			    s);
	if (ret == -ERANGE)
		return fail(err, errlen,
			    "namespace inode %s is too large: pid namespace inodes are 32-bit (" NS_HELP ")",
			    s);
	if (!ret && v == PIDPOLICY_NS_ANY)
		return fail(err, errlen,
			    "namespace inode 0 is not valid: use 'any' for every namespace");
	if (!ret) {
		*inum = (__u32)v;
		return 0;
	}
	if (!*s)
		return fail(err, errlen, "empty namespace (" NS_HELP ")");
	return parse_ns_path(s, inum, fd, err, errlen);
}

int parse_uid(const char *s, __u32 *uid, char *err, size_t errlen)
{
	__u64 v;

	/* (uid_t)-1 is "no uid" for the kernel, never a caller's uid */
	if (parse_decimal(s, strlen(s), UINT32_MAX - 1, &v))
		return fail(err, errlen,
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
		return fail(err, errlen,
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
		return fail(err, errlen,
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

int parse_cgroup(const char *path, __u64 *id, char *err, size_t errlen)
{
	struct statfs sfs;
	struct stat st;

	if (statfs(path, &sfs) || stat(path, &st))
		return fail(err, errlen,
			    "cannot use cgroup %s: %s (give a cgroup v2 directory under /sys/fs/cgroup)",
			    path, strerror(errno));
	if (sfs.f_type != CGROUP2_SUPER_MAGIC || !S_ISDIR(st.st_mode))
		return fail(err, errlen,
			    "%s is not a cgroup v2 directory (give a directory of the cgroup2 mount, see /proc/mounts)",
			    path);
	*id = st.st_ino;
	return 0;
}

int cgroup_ancestors(const char *path, __u64 *ids, size_t max, size_t *n)
{
	char at[PATH_MAX];
	struct statfs sfs;
	struct stat st;
	size_t len;

	/* ".." walks the kernel's tree: no symlink or "a/../b" misleads it */
	len = (size_t)snprintf(at, sizeof(at), "%s", path);
	for (*n = 0; len < sizeof(at); *n += 1) {
		if (statfs(at, &sfs) || stat(at, &st))
			return *n ? 0 : -errno;	/* above the mount: done */
		if (sfs.f_type != CGROUP2_SUPER_MAGIC || !S_ISDIR(st.st_mode))
			return *n ? 0 : -ENOTDIR;
		if (*n && ids[*n - 1] == st.st_ino)
			return 0;		/* the root is its own parent */
		if (*n == max)
			return -E2BIG;
		ids[*n] = st.st_ino;
		len += (size_t)snprintf(at + len, sizeof(at) - len, "/..");
	}
	return -ENAMETOOLONG;
}

int parse_cgroup_tree(const char *path, __u64 *id, char *err, size_t errlen)
{
	__u64 ids[PIDPOLICY_CGROUP_TREE_LEVELS];
	size_t n;
	int ret;

	if (parse_cgroup(path, id, err, errlen))
		return -1;
	ret = cgroup_ancestors(path, ids, PIDPOLICY_CGROUP_TREE_LEVELS, &n);
	if (ret == -E2BIG)
		return fail(err, errlen,
			    "cgroup %s is deeper than level %d: cgroup-tree rules take a cgroup at most %d levels below /sys/fs/cgroup (use --cgroup for deeper ones)",
			    path, PIDPOLICY_CGROUP_TREE_LEVELS - 1,
			    PIDPOLICY_CGROUP_TREE_LEVELS - 1);
	if (ret)
		return fail(err, errlen, "cannot walk up from cgroup %s: %s", path,
			    strerror(-ret));
	return 0;
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
		return fail(err, errlen, "--caller '%s' is not valid: give the pid of a process", s);
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
		return fail(err, errlen,
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
		return fail(err, errlen,
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
	return fail(err, errlen, "unknown mode '%s': use enforce, audit or off", s);
}

const char *mode_name(__u32 mode)
{
	if (mode > PIDPOLICY_MODE_ENFORCE)
		return "invalid";
	return mode_names[mode];
}
