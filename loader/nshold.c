// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The policy names pid namespaces by inode number, which the kernel hands
 * out again once a namespace dies; the BPF program retire_ns removes a dead
 * namespace's entries as its number is freed. An edit holds the namespaces
 * it writes entries for (an open nsfs file keeps one alive), so that retire_ns
 * cannot run between the check and the write and leave entries behind for
 * the next namespace given the number; and it writes none for a number no
 * live pid namespace has, which the next namespace made would inherit. Each
 * held namespace's id (NS_GET_ID), which no other namespace ever has, goes
 * into ns_index with its entries: should retire_ns miss a namespace's death
 * (a tracing program can be skipped), no decision reads what it left.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/nsfs.h>
#include <bpf/bpf.h>
#include "pidpolicy.h"
#include "main.h"
#include "maps.h"
#include "nshold.h"
#include "parse.h"
#include "pins.h"

static int cmp_u32(const void *a, const void *b)
{
	__u32 x = *(const __u32 *)a, y = *(const __u32 *)b;

	return x < y ? -1 : x > y;
}

/* inums sorted, without repeats and PIDPOLICY_NS_ANY; *n updated. */
static __u32 *wanted(const __u32 *inums, size_t *n)
{
	__u32 *v = malloc((*n ? *n : 1) * sizeof(*v));
	size_t i, j;

	if (!v)
		return NULL;
	memcpy(v, inums, *n * sizeof(*v));
	qsort(v, *n, sizeof(*v), cmp_u32);
	for (i = 0, j = 0; i < *n; i++)
		if (v[i] != PIDPOLICY_NS_ANY && (!j || v[j - 1] != v[i]))
			v[j++] = v[i];
	*n = j;
	return v;
}

/*
 * Call fn(pid, ctx) for each process of /proc, pid the name of its
 * directory, until fn returns non-zero: that, 0 when all were seen, or
 * -errno when /proc cannot be read.
 */
static int for_each_proc_pid(int (*fn)(const char *pid, void *ctx), void *ctx)
{
	struct dirent *de;
	DIR *dir = opendir("/proc");
	int ret = 0;

	if (!dir)
		return -errno;
	while (!ret && (de = readdir(dir))) {
		if (de->d_name[0] >= '1' && de->d_name[0] <= '9')
			ret = fn(de->d_name, ctx);
	}
	closedir(dir);
	return ret;
}

/* Open path if it is a pid namespace of h still unheld, into its fds[]. */
static void try_hold(const char *path, struct ns_holds *h)
{
	struct stat st;
	__u32 *at, inum;
	int fd;

	if (stat(path, &st))
		return;
	inum = (__u32)st.st_ino;
	at = bsearch(&inum, h->inums, h->n, sizeof(*at), cmp_u32);
	if (!at || h->fds[at - h->inums] >= 0)
		return;
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	/* the process may have gone, and the number with it: check again */
	if (fd >= 0 && (ns_fd_inum(fd, &inum) || inum != *at)) {
		close(fd);
		fd = -1;
	}
	h->fds[at - h->inums] = fd;
}

/* The namespaces of h not held yet, by number: a process's ns links. */
static int hold_by_number(const char *pid, void *ctx)
{
	static const char *const kinds[] = { "pid", "pid_for_children" };
	struct ns_holds *h = ctx;
	char path[64];
	size_t k;

	for (k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		snprintf(path, sizeof(path), "/proc/%.16s/ns/%s", pid, kinds[k]);
		try_hold(path, h);
	}
	return 0;
}

/* The number of a pid namespace's nsfs link text "pid:[N]", or 0. */
static __u32 pidns_link_inum(const char *text)
{
	unsigned int inum;
	char end;

	return sscanf(text, "pid:[%u%c", &inum, &end) == 2 && end == ']' ? inum : 0;
}

/* Is a namespace of h that is named by link text unheld? */
static bool wants(const char *text, const struct ns_holds *h)
{
	__u32 inum = pidns_link_inum(text), *at;

	at = inum ? bsearch(&inum, h->inums, h->n, sizeof(*at), cmp_u32) : NULL;
	return at && h->fds[at - h->inums] < 0;
}

/*
 * The namespaces of h still unheld that a process keeps alive through an
 * open file (a namespace without processes, say, made to restore into):
 * each fd is read as a link first, so that nothing but an nsfs file is
 * opened.
 */
static int hold_by_fds(const char *pid, void *ctx)
{
	char dir[64], path[128], link[64];
	struct ns_holds *h = ctx;
	struct dirent *fe;
	ssize_t len;
	DIR *fdd;

	snprintf(dir, sizeof(dir), "/proc/%.16s/fd", pid);
	fdd = opendir(dir);
	if (!fdd)
		return 0;
	while ((fe = readdir(fdd))) {
		snprintf(path, sizeof(path), "%s/%.16s", dir, fe->d_name);
		len = readlink(path, link, sizeof(link) - 1);
		if (len <= 0)
			continue;
		link[len] = '\0';
		if (wants(link, h))
			try_hold(path, h);
	}
	closedir(fdd);
	return 0;
}

/* hold_by_mounts()'s walk: the mount namespaces read so far. */
struct mount_walk {
	struct ns_holds *h;
	ino_t *seen;
	size_t nr_seen;
	char *line;		/* getline()'s buffer */
	size_t cap;
};

/*
 * The namespaces of h still unheld that a bind mount keeps alive (as
 * `ip netns` does for network namespaces): an nsfs mount whose root is
 * "pid:[N]", in each mount namespace, opened through a process of it.
 */
static int hold_by_mounts(const char *pid, void *ctx)
{
	char path[PATH_MAX + 64], root[64], point[PATH_MAX];
	struct mount_walk *w = ctx;
	struct stat st;
	ino_t *more;
	size_t i;
	FILE *f;

	/* each mount namespace once */
	snprintf(path, sizeof(path), "/proc/%.16s/ns/mnt", pid);
	if (stat(path, &st))
		return 0;
	for (i = 0; i < w->nr_seen && w->seen[i] != st.st_ino; i++)
		;
	if (i < w->nr_seen)
		return 0;
	more = realloc(w->seen, (w->nr_seen + 1) * sizeof(*more));
	if (!more)
		return -ENOMEM;	/* ends the walk: what is held stays held */
	w->seen = more;
	w->seen[w->nr_seen++] = st.st_ino;
	snprintf(path, sizeof(path), "/proc/%.16s/mountinfo", pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (getline(&w->line, &w->cap, f) > 0) {
		/* ID PARENT MAJ:MIN ROOT POINT ...; octal escapes in POINT */
		if (sscanf(w->line, "%*s %*s %*s %63s %4095s", root, point) != 2 ||
		    !wants(root, w->h) || strchr(point, '\\'))
			continue;
		snprintf(path, sizeof(path), "/proc/%.16s/root%s", pid, point);
		try_hold(path, w->h);
	}
	fclose(f);
	return 0;
}

/*
 * The files given while parsing: each keeps its namespace alive, so it is
 * checked through itself, never by looking its number up again. -ENOENT
 * (*dead set) when one is not the namespace it was.
 */
static int hold_given(const __u32 *v, int *fds, size_t n,
		      const struct policy_ns *given, size_t nr_given, __u32 *dead)
{
	__u32 *at, inum;
	size_t i;

	for (i = 0; i < nr_given; i++) {
		if (given[i].fd < 0)
			continue;
		at = bsearch(&given[i].ns_inum, v, n, sizeof(*v), cmp_u32);
		if (!at || fds[at - v] >= 0)
			continue;
		if (ns_fd_inum(given[i].fd, &inum) || inum != *at) {
			*dead = *at;
			return -ENOENT;
		}
		fds[at - v] = fcntl(given[i].fd, F_DUPFD_CLOEXEC, 0);
		if (fds[at - v] < 0)
			return -errno;
	}
	return 0;
}

/*
 * A number given with an id (N@ID) names that namespace only: -ESTALE
 * (*dead set) if the live namespace with the number has another id, that
 * is, the one meant died and the number went to another.
 */
static int check_given_ids(const struct ns_holds *h, const struct policy_ns *given,
			   size_t nr_given, __u32 *dead)
{
	__u32 *at;
	size_t i;

	for (i = 0; i < nr_given; i++) {
		if (!given[i].id)
			continue;
		at = bsearch(&given[i].ns_inum, h->inums, h->n, sizeof(*at), cmp_u32);
		if (at && h->ids[at - h->inums] != given[i].id) {
			*dead = *at;
			return -ESTALE;
		}
	}
	return 0;
}

/*
 * One open file per namespace held: past the soft limit of open files
 * (1024 by default) a live namespace would look dead. Up to the hard limit.
 */
static int raise_fd_limit(size_t n)
{
	struct rlimit r;

	if (!n)		/* nothing to hold: whatever the limit */
		return 0;
	if (getrlimit(RLIMIT_NOFILE, &r))
		return -errno;
	if (r.rlim_cur != RLIM_INFINITY && n + 64 > r.rlim_cur) {
		r.rlim_cur = r.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &r))
			return -errno;
	}
	return r.rlim_cur != RLIM_INFINITY && n + 64 > r.rlim_cur ? -EMFILE : 0;
}

static size_t first_unheld(const struct ns_holds *h)
{
	size_t i;

	for (i = 0; i < h->n && h->fds[i] >= 0; i++)
		;
	return i;
}

int ns_hold(struct ns_holds *h, const __u32 *inums, size_t n,
	    const struct policy_ns *given, size_t nr_given, __u32 *dead)
{
	size_t i;
	__u32 *v;
	int err;

	*h = (struct ns_holds){};
	v = wanted(inums, &n);
	if (!v)
		return -ENOMEM;
	h->inums = v;
	h->n = n;
	h->fds = malloc((n ? n : 1) * sizeof(*h->fds));
	h->ids = malloc((n ? n : 1) * sizeof(*h->ids));
	if (!h->fds || !h->ids) {
		h->n = 0;	/* no fd to close yet */
		ns_release(h);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++)
		h->fds[i] = -1;
	err = raise_fd_limit(n);
	if (err)
		goto out_release;
	err = hold_given(v, h->fds, n, given, nr_given, dead);
	if (err)
		goto out_release;
	if (first_unheld(h) < n) {
		err = for_each_proc_pid(hold_by_number, h);
		if (err)
			goto out_release;
	}
	/* rarer, and dearer to find; a walk that fails holds what it found */
	if (first_unheld(h) < n)
		for_each_proc_pid(hold_by_fds, h);
	if (first_unheld(h) < n) {
		struct mount_walk w = { .h = h };

		for_each_proc_pid(hold_by_mounts, &w);
		free(w.line);
		free(w.seen);
	}
	i = first_unheld(h);
	if (i < n) {
		*dead = v[i];
		err = -ENOENT;
		goto out_release;
	}
	for (i = 0; i < n; i++) {
		if (ioctl(h->fds[i], NS_GET_ID, &h->ids[i])) {
			err = -errno;
			goto out_release;
		}
	}
	err = check_given_ids(h, given, nr_given, dead);
	if (err)
		goto out_release;
	return 0;

out_release:
	ns_release(h);
	return err;
}

void ns_release(struct ns_holds *h)
{
	size_t i;

	for (i = 0; h->fds && i < h->n; i++)
		if (h->fds[i] >= 0)
			close(h->fds[i]);
	free(h->fds);
	free(h->ids);
	free(h->inums);
	*h = (struct ns_holds){};
}

/* Name the number no live pid namespace has, and its line of file name. */
static void report_dead(const struct policy_ns *given, size_t nr_given,
			const char *name, __u32 dead, int err)
{
	char where[PATH_MAX + 32] = "";
	size_t i;

	for (i = 0; i < nr_given && given[i].ns_inum != dead; i++)
		;
	if (name && i < nr_given)
		snprintf(where, sizeof(where), "%s:%lu: ", name, given[i].line);
	else if (name)
		snprintf(where, sizeof(where), "%s: ", name);
	if (err == -ESTALE)
		err_msg("%snamespace %u@%llu has died, and number %u is another namespace's now: its entries would govern that one; name a live one (/proc/PID/ns/pid) or 'any'%s (the policy is unchanged)",
			where, dead, (unsigned long long)given[i].id, dead,
			name ? ", or remove the statement" : "");
	else
		err_msg("%sno live pid namespace has inode %u: its entries would govern the next namespace given that number; name a live one (/proc/PID/ns/pid) or 'any'%s (the policy is unchanged)",
			where, dead, name ? ", or remove the statement" : "");
}

/* Delete the keys of fd whose __u32 at inum_off is inum. */
static int delete_ns_keys(int fd, size_t key_size, size_t inum_off, __u32 inum)
{
	size_t n, i, j;
	char *keys = NULL;
	__u32 k;
	int err = map_keys(fd, key_size, (void **)&keys, &n);

	for (i = 0, j = 0; !err && i < n; i++) {
		memcpy(&k, keys + i * key_size + inum_off, sizeof(k));
		if (k == inum)
			memmove(keys + j++ * key_size, keys + i * key_size, key_size);
	}
	if (!err)
		err = map_delete_keys(fd, keys, key_size, j);
	free(keys);
	return err;
}

/*
 * Entries under inum written for a namespace of another id: a dead one's,
 * which retire_ns missed. No decision reads them; delete them before the
 * namespace that has the number now gets entries of its own.
 */
static int delete_stale_entries(const struct pins *pins, __u32 inum)
{
	int err;

	err = delete_ns_keys(pins->rules, sizeof(struct pidpolicy_rule_key),
			     offsetof(struct pidpolicy_rule_key, ns_inum), inum);
	if (err)
		return err;
	err = delete_ns_keys(pins->rule_pids, sizeof(struct pidpolicy_chunk_key),
			     offsetof(struct pidpolicy_chunk_key, rule.ns_inum), inum);
	if (err)
		return err;
	return delete_ns_keys(pins->ns_policy, sizeof(struct pidpolicy_ns_policy_key),
			      offsetof(struct pidpolicy_ns_policy_key, ns_inum), inum);
}

int ns_own_entries(const struct pins *pins, const struct policy_ns *ns, bool *own)
{
	struct pidpolicy_ns_key key = { .ns_inum = ns->ns_inum };
	struct pidpolicy_ns_index idx;
	struct ns_holds h;
	__u32 dead;
	int err;

	*own = true;	/* the defaults' keys are everyone's */
	if (ns->ns_inum == PIDPOLICY_NS_ANY)
		return 0;
	*own = false;
	if (bpf_map_lookup_elem(pins->ns_index, &key, &idx))
		return errno == ENOENT ? 0 : -errno;
	err = ns_hold(&h, &ns->ns_inum, 1, ns, 1, &dead);
	if (err == -ENOENT || err == -ESTALE)	/* not the live one's entries */
		return 0;
	if (!err)
		*own = h.ids[0] == idx.ns_id;
	ns_release(&h);
	return err;
}

int prepare_ns_entries(const struct pins *pins, const __u32 *inums, size_t n,
		       const struct policy_ns *given, size_t nr_given,
		       const char *name, struct ns_holds *h)
{
	struct pidpolicy_ns_index idx;
	struct pidpolicy_ns_key key;
	__u32 dead = 0;
	size_t i;
	int err = ns_hold(h, inums, n, given, nr_given, &dead);

	if (err == -ENOENT || err == -ESTALE) {
		report_dead(given, nr_given, name, dead, err);
		return EXIT_RUNTIME;
	}
	for (i = 0; !err && i < h->n; i++) {
		key.ns_inum = h->inums[i];
		if (!bpf_map_lookup_elem(pins->ns_index, &key, &idx) && idx.ns_id != h->ids[i])
			err = delete_stale_entries(pins, key.ns_inum);
		idx.ns_id = h->ids[i];
		if (!err && bpf_map_update_elem(pins->ns_index, &key, &idx, BPF_ANY))
			err = -errno;
	}
	if (!err)
		return 0;
	ns_release(h);
	if (err == -EMFILE)
		err_msg("holding each namespace the policy names takes an open file, more than this process may open: raise the hard limit (ulimit -Hn, LimitNOFILE=) (the policy is unchanged)");
	else
		err_msg("failed to index the policy's namespaces: %s (the policy is unchanged)",
			strerror(-err));
	return EXIT_RUNTIME;
}
