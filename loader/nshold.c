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
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/nsfs.h>
#include "pidpolicy.h"
#include "nshold.h"
#include "parse.h"

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

/* Open path if it is the pid namespace v[k] still unheld: fds[k]. */
static void try_hold(const char *path, const __u32 *v, int *fds, size_t n)
{
	struct stat st;
	__u32 *at, inum;
	int fd;

	if (stat(path, &st))
		return;
	inum = (__u32)st.st_ino;
	at = bsearch(&inum, v, n, sizeof(*v), cmp_u32);
	if (!at || fds[at - v] >= 0)
		return;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	/* the process may have gone, and the number with it: check again */
	if (fd >= 0 && (ns_fd_inum(fd, &inum) || inum != *at)) {
		close(fd);
		fd = -1;
	}
	fds[at - v] = fd;
}

/* The numbers of v[0..n) not held yet, by a walk of /proc. */
static int hold_by_number(const __u32 *v, int *fds, size_t n)
{
	static const char *const kinds[] = { "pid", "pid_for_children" };
	char path[64];
	struct dirent *de;
	DIR *dir = opendir("/proc");
	size_t k;

	if (!dir)
		return -errno;
	while ((de = readdir(dir))) {
		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		for (k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
			snprintf(path, sizeof(path), "/proc/%.16s/ns/%s", de->d_name, kinds[k]);
			try_hold(path, v, fds, n);
		}
	}
	closedir(dir);
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
	err = hold_given(v, h->fds, n, given, nr_given, dead);
	if (!err && first_unheld(h) < n)
		err = hold_by_number(v, h->fds, n);
	i = first_unheld(h);
	if (!err && i < n) {
		*dead = v[i];
		err = -ENOENT;
	}
	for (i = 0; !err && i < n; i++)
		if (ioctl(h->fds[i], NS_GET_ID, &h->ids[i]))
			err = -errno;
	if (err)
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
