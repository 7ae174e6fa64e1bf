// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The policy names pid namespaces by inode number, which the kernel hands
 * out again once a namespace dies; the BPF program retire_ns removes a dead
 * namespace's entries as its number is freed. An edit holds the namespaces
 * it writes entries for (an open nsfs file keeps one alive), so that retire_ns
 * cannot run between the check and the write and leave entries behind for
 * the next namespace given the number.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "pidpolicy.h"
#include "nshold.h"

#define MAX_LISTED	4	/* numbers named in the warning */

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
	if (fd >= 0 && (fstat(fd, &st) || (__u32)st.st_ino != inum)) {
		close(fd);
		fd = -1;
	}
	fds[at - v] = fd;
}

static void warn_dead(const __u32 *v, const int *fds, size_t n)
{
	char list[16 * MAX_LISTED + 8] = "";
	size_t i, dead = 0, len = 0;

	for (i = 0; i < n; i++) {
		if (fds[i] >= 0)
			continue;
		if (dead++ < MAX_LISTED)
			len += snprintf(list + len, sizeof(list) - len, "%s%u",
					len ? ", " : "", v[i]);
	}
	if (dead > MAX_LISTED)
		snprintf(list + len, sizeof(list) - len, ", ...");
	if (dead)
		fprintf(stderr, "pidpolicy: warning: no live pid namespace has inode %s: the entries will govern the next namespace given %s\n",
			list, dead > 1 ? "those numbers" : "that number");
}

int ns_hold(struct ns_holds *h, const __u32 *inums, size_t n)
{
	static const char *const kinds[] = { "pid", "pid_for_children" };
	char path[64];
	struct dirent *de;
	size_t i, k;
	__u32 *v;
	DIR *dir;

	h->fds = NULL;
	h->n = 0;
	v = wanted(inums, &n);
	if (!v)
		return -ENOMEM;
	h->fds = malloc((n ? n : 1) * sizeof(*h->fds));
	dir = h->fds ? opendir("/proc") : NULL;
	if (!dir) {
		free(v);
		free(h->fds);
		h->fds = NULL;
		return -errno;
	}
	h->n = n;
	for (i = 0; i < n; i++)
		h->fds[i] = -1;
	while (n && (de = readdir(dir))) {
		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		for (k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
			snprintf(path, sizeof(path), "/proc/%.16s/ns/%s", de->d_name, kinds[k]);
			try_hold(path, v, h->fds, n);
		}
	}
	closedir(dir);
	warn_dead(v, h->fds, n);
	free(v);
	return 0;
}

void ns_release(struct ns_holds *h)
{
	size_t i;

	for (i = 0; i < h->n; i++)
		if (h->fds[i] >= 0)
			close(h->fds[i]);
	free(h->fds);
	h->fds = NULL;
	h->n = 0;
}
