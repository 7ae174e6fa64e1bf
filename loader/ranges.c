// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Pid ranges and bitmap chunks of the pidpolicy CLI (see ranges.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "parse.h"
#include "ranges.h"

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
		return parse_fail(err, errlen,
				  "'%.*s' in --pids is not a pid or a range: write pids like 300-999,1000",
				  e.len, e.s);
	if (ret == -ERANGE || v >= pid_max)
		return parse_fail(err, errlen,
				  "pid %.*s in '%.*s' is beyond pid_max %u: pids go up to %u",
				  (int)len, s, e.len, e.s, pid_max, pid_max - 1);
	if (v == 0)
		return parse_fail(err, errlen, "pid 0 in '%.*s' is not valid: pids start at 1",
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
		return parse_fail(err, errlen,
				  "empty element in --pids: remove the extra comma");
	if (s[0] == '-')
		return parse_fail(err, errlen,
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
		return parse_fail(err, errlen, "range '%.*s' is reversed: write '%u-%u'",
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
		return parse_fail(err, errlen,
				  "--pids is empty: give pids like 300-999,1000");
	for (comma = s; (comma = strchr(comma, ',')); comma++)
		elems++;
	raw = calloc(elems, sizeof(*raw));
	if (!raw)
		return parse_fail(err, errlen, "out of memory");
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
