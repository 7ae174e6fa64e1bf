// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: parse_ranges() (loader/ranges.c), the RANGES of
 * `pidpolicy allow/revoke --pids` and of policy files.
 *
 * Input: "PID_MAX\nRANGES" when the first line is a pid_max from 2 to
 * PIDPOLICY_PID_LIMIT in decimal, else all of it is RANGES checked against
 * PIDPOLICY_PID_LIMIT (a NUL byte ends RANGES).
 *
 * On success the ranges must be sorted, disjoint, non-adjacent and within
 * 1..pid_max-1; equal to the union of the elements as a naive reference
 * computes it; ranges_format() must read back as the same ranges; and the
 * chunk bitmaps the loader writes to the maps must give them back. On
 * failure: one error line, nothing returned.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include "fuzz.h"
#include "ranges.h"

#define ERRLEN 256	/* as the loader's callers */

static int cmp_range(const void *a, const void *b)
{
	const struct pid_range *x = a, *y = b;

	return x->first < y->first ? -1 : x->first > y->first;
}

/* The first line as a pid_max, or 0. */
static __u32 header_pid_max(const char *s, const char **rest)
{
	const char *nl = strchr(s, '\n');
	__u64 v = 0;
	const char *p;

	if (!nl || nl == s || nl - s > 8)
		return 0;
	for (p = s; p < nl; p++) {
		if (*p < '0' || *p > '9')
			return 0;
		v = v * 10 + (__u64)(*p - '0');
	}
	if (v < 2 || v > PIDPOLICY_PID_LIMIT)
		return 0;
	*rest = nl + 1;
	return (__u32)v;
}

/*
 * The reference: every element of s (already known valid, "N" or "N-M"),
 * sorted and merged the obvious way. Returns the count, ranges in *out.
 */
static size_t reference(const char *s, struct pid_range **out)
{
	size_t n = 1, i, m = 0;
	struct pid_range *r;
	const char *p;
	char *end;

	for (p = s; *p; p++)
		n += *p == ',';
	r = calloc(n, sizeof(*r));
	FUZZ_CHECK(r != NULL);
	for (p = s, i = 0; i < n; i++) {
		r[i].first = r[i].last = (__u32)strtoul(p, &end, 10);
		if (*end == '-')
			r[i].last = (__u32)strtoul(end + 1, &end, 10);
		FUZZ_CHECK(*end == ',' || !*end);
		p = end + 1;
	}
	qsort(r, n, sizeof(*r), cmp_range);
	for (i = 1; i < n; i++) {
		if ((__u64)r[i].first <= (__u64)r[m].last + 1) {
			if (r[i].last > r[m].last)
				r[m].last = r[i].last;
		} else {
			r[++m] = r[i];
		}
	}
	*out = r;
	return m + 1;
}

static bool same(const struct pid_range *a, size_t na, const struct pid_range *b,
		 size_t nb)
{
	return na == nb && !memcmp(a, b, na * sizeof(*a));
}

/* Through the chunk bitmaps of the maps and back, as allow/show do. */
static void check_chunks(const struct pid_range *r, size_t n)
{
	struct range_list back = {};
	struct pidpolicy_chunk c;
	__u32 fp, prev = 0;
	bool first = true;
	__u64 at;

	for (at = 0; ranges_next_chunk(r, n, at, &fp);
	     at = (__u64)fp + PIDPOLICY_CHUNK_PIDS) {
		FUZZ_CHECK(fp % PIDPOLICY_CHUNK_PIDS == 0);
		FUZZ_CHECK(first || fp > prev);
		first = false;
		prev = fp;
		memset(&c, 0, sizeof(c));
		chunk_apply(&c, fp, r, n, true);
		FUZZ_CHECK(!chunk_empty(&c));	/* only chunks with pids */
		FUZZ_CHECK(range_list_add_chunk(&back, fp, &c) == 0);
		chunk_apply(&c, fp, r, n, false);
		FUZZ_CHECK(chunk_empty(&c));	/* revoke clears them all */
	}
	FUZZ_CHECK(same(back.r, back.n, r, n));
	range_list_free(&back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *input = fuzz_strndup(data, size), *text, *again;
	const char *s = input;
	struct pid_range *r = NULL, *r2 = NULL, *ref;
	char err[ERRLEN] = "", err2[ERRLEN];
	size_t n = 0, n2 = 0, nref, i;
	__u32 pid_max = header_pid_max(input, &s);
	__u64 count = 0;

	if (!pid_max)
		pid_max = PIDPOLICY_PID_LIMIT;
	fuzz_begin();
	if (parse_ranges(s, pid_max, &r, &n, err, sizeof(err))) {
		fuzz_check_err(err, sizeof(err));
		FUZZ_CHECK(r == NULL && n == 0);
		goto out;
	}
	FUZZ_CHECK(r != NULL && n >= 1);
	for (i = 0; i < n; i++) {
		FUZZ_CHECK(r[i].first >= 1);
		FUZZ_CHECK(r[i].first <= r[i].last);
		FUZZ_CHECK(r[i].last < pid_max);
		/* sorted, disjoint and not touching: merged */
		FUZZ_CHECK(i == 0 || (__u64)r[i - 1].last + 1 < r[i].first);
		count += (__u64)r[i].last - r[i].first + 1;
	}
	FUZZ_CHECK(ranges_count(r, n) == count);
	nref = reference(s, &ref);
	FUZZ_CHECK(same(r, n, ref, nref));
	free(ref);

	text = ranges_format(r, n);
	FUZZ_CHECK(text != NULL);
	FUZZ_CHECK(parse_ranges(text, pid_max, &r2, &n2, err2, sizeof(err2)) == 0);
	FUZZ_CHECK(same(r, n, r2, n2));
	again = ranges_format(r2, n2);
	FUZZ_CHECK(again != NULL && !strcmp(text, again));
	free(again);
	free(text);
	free(r2);

	/* pid-by-pid bitmaps: keep it cheap */
	if (count <= 1 << 16)
		check_chunks(r, n);
out:
	fuzz_end();
	free(r);
	free(input);
	return 0;
}
