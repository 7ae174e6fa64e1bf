/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Pid ranges of the pidpolicy CLI: RANGES parsed, canonicalised, counted and
 * written, and turned into and back from the bitmap chunks of map
 * rule_pids. Nothing here touches BPF, so tests/host/parse_test.c checks all
 * of it on the host. parse_ranges() fails as parse.h's parsers do.
 */
#ifndef PIDPOLICY_RANGES_H
#define PIDPOLICY_RANGES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include "pidpolicy.h"

/* Pids first..last, both included. */
struct pid_range {
	__u32 first;
	__u32 last;
};

/* A growable list of sorted, disjoint, non-adjacent ranges. */
struct range_list {
	struct pid_range *r;
	size_t n;
	size_t cap;
};

/*
 * Append first..last, which must not start before the last range: merged
 * with it when they overlap or touch. Returns 0 or -ENOMEM.
 */
int range_list_add(struct range_list *l, __u32 first, __u32 last);
/* Append the pids of chunk c; chunks must come in ascending first_pid order. */
int range_list_add_chunk(struct range_list *l, __u32 first_pid,
			 const struct pidpolicy_chunk *c);
void range_list_free(struct range_list *l);

/* Sort and merge r[0..*n) in place (touching ranges join). */
void ranges_canon(struct pid_range *r, size_t *n);

/*
 * Parse RANGES such as "300-999,1000,5000-5999": every pid must be at least
 * 1 and below pid_max. On success *out (free() it) holds *n sorted, merged
 * ranges.
 */
int parse_ranges(const char *s, __u32 pid_max, struct pid_range **out,
		 size_t *n, char *err, size_t errlen);
/* Number of pids in the ranges. */
__u64 ranges_count(const struct pid_range *r, size_t n);
/* "300-999,1000" (nothing for no ranges), to f. */
void ranges_write(FILE *f, const struct pid_range *r, size_t n);
/* The same as a malloc'ed string, NULL if no memory. */
char *ranges_format(const struct pid_range *r, size_t n);

/*
 * The first chunk (its first_pid, a multiple of PIDPOLICY_CHUNK_PIDS) that
 * starts at or after from and holds a pid of the sorted ranges r. False when
 * there is none. Walk all affected chunks with
 *   for (at = 0; ranges_next_chunk(r, n, at, &fp); at = (__u64)fp + PIDPOLICY_CHUNK_PIDS)
 */
bool ranges_next_chunk(const struct pid_range *r, size_t n, __u64 from,
		       __u32 *first_pid);
/*
 * Set (allow) or clear the bits of chunk c, starting at first_pid, held by
 * the sorted ranges r. Both this and ranges_next_chunk() find their place in
 * r by binary search: a walk over all chunks costs O((chunks + n) log n).
 */
void chunk_apply(struct pidpolicy_chunk *c, __u32 first_pid,
		 const struct pid_range *r, size_t n, bool allow);
bool chunk_empty(const struct pidpolicy_chunk *c);

#endif /* PIDPOLICY_RANGES_H */
