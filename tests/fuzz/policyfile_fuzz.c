// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: policy_parse_stream() (loader/policyfile.c), what
 * `pidpolicy apply FILE` reads, and policy_write(), what `dump` writes.
 *
 * Input: the file. Namespace and cgroup paths come from the fake machine of
 * fuzz.c.
 *
 * A parsed policy must be canonical (sorted, merged, nothing a missing line
 * would say), its pids below the kernel's limit, and its canonical
 * text must read back as the same policy and the same text; the file with
 * CRLF line ends must read the same. A refused file leaves the policy empty
 * and gets one error line "fuzz.policy:LINE: message".
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fuzz.h"
#include "policyfile.h"

#define NAME	"fuzz.policy"
#define ERRLEN	512	/* as `pidpolicy apply` */

static int parse(const char *buf, size_t len, struct policy *p, char *err)
{
	/* fmemopen() wants a buffer even for an empty file */
	FILE *f = fmemopen((void *)(len ? buf : "\n"), len ? len : 1, "r");
	int ret;

	FUZZ_CHECK(f != NULL);
	if (!len)
		getc(f);
	err[0] = '\0';
	ret = policy_parse_stream(f, NAME, p, err, ERRLEN);
	fclose(f);
	return ret;
}

static char *write_text(const struct policy *p)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	FUZZ_CHECK(f != NULL);
	FUZZ_CHECK(policy_write(f, p) == 0);
	FUZZ_CHECK(fclose(f) == 0);
	return buf;
}

/* What policyfile.h promises of a parsed policy. */
static void check_canonical(const struct policy *p)
{
	size_t i, j;

	for (i = 0; i < p->nr_modes; i++) {
		FUZZ_CHECK(p->modes[i].mode >= PIDPOLICY_MODE_OFF &&
			   p->modes[i].mode <= PIDPOLICY_MODE_ENFORCE);
		FUZZ_CHECK(i == 0 || p->modes[i - 1].ns_inum < p->modes[i].ns_inum);
	}
	for (i = 0; i < p->nr_limits; i++) {
		FUZZ_CHECK(p->limits[i].max_chosen != PIDPOLICY_NO_LIMIT);
		FUZZ_CHECK(i == 0 || p->limits[i - 1].ns_inum < p->limits[i].ns_inum);
	}
	for (i = 0; i < p->nr_rules; i++) {
		const struct policy_rule *r = &p->rules[i];

		FUZZ_CHECK(i == 0 || policy_rule_key_cmp(&p->rules[i - 1].key, &r->key) < 0);
		FUZZ_CHECK(r->key.gen == 0 && r->key.reserved == 0);
		switch (r->key.caller_kind) {
		case PIDPOLICY_CALLER_ANY:
			FUZZ_CHECK(r->key.caller_id == 0);
			break;
		case PIDPOLICY_CALLER_UID:
			FUZZ_CHECK(r->key.caller_id < UINT32_MAX);
			break;
		case PIDPOLICY_CALLER_CGROUP:
		case PIDPOLICY_CALLER_CGROUP_TREE:
			FUZZ_CHECK(r->key.caller_id != 0);
			break;
		default:
			FUZZ_CHECK(!"unknown caller kind");
		}
		FUZZ_CHECK(r->nr_ranges >= 1 && r->ranges != NULL);
		for (j = 0; j < r->nr_ranges; j++) {
			FUZZ_CHECK(r->ranges[j].first >= 1);
			FUZZ_CHECK(r->ranges[j].first <= r->ranges[j].last);
			FUZZ_CHECK(r->ranges[j].last < PIDPOLICY_PID_LIMIT);
			FUZZ_CHECK(j == 0 || (__u64)r->ranges[j - 1].last + 1 <
					     r->ranges[j].first);
		}
	}
}

/* "fuzz.policy:LINE: message" with LINE a line of the input. */
static void check_error(const char *err, const uint8_t *data, size_t size)
{
	unsigned long line, lines = 1;
	char *end;
	size_t i;

	fuzz_check_err(err, ERRLEN);
	FUZZ_CHECK(!strncmp(err, NAME ":", strlen(NAME ":")));
	line = strtoul(err + strlen(NAME ":"), &end, 10);
	FUZZ_CHECK(end != err + strlen(NAME ":") && !strncmp(end, ": ", 2));
	for (i = 0; i + 1 < size; i++)
		lines += data[i] == '\n';
	FUZZ_CHECK(line >= 1 && line <= lines);
}

static void check_empty(const struct policy *p)
{
	FUZZ_CHECK(!p->rules && !p->modes && !p->limits);
	FUZZ_CHECK(!p->nr_rules && !p->nr_modes && !p->nr_limits);
}

/* The input with every "\n" made "\r\n". */
static char *crlf(const uint8_t *data, size_t size, size_t *len)
{
	char *out = malloc(2 * size + 1);
	size_t i, n = 0;

	FUZZ_CHECK(out != NULL);
	for (i = 0; i < size; i++) {
		if (data[i] == '\n')
			out[n++] = '\r';
		out[n++] = (char)data[i];
	}
	*len = n;
	return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct policy p = { .nr_modes = 1 }, q = {}, c = {};
	char err[ERRLEN], err2[ERRLEN];
	char *text, *again, *dos;
	size_t dos_len;
	int ret;

	fuzz_begin();
	ret = parse((const char *)data, size, &p, err);

	/* CR is a separator: CRLF files read as their LF twins */
	dos = crlf(data, size, &dos_len);
	FUZZ_CHECK(parse(dos, dos_len, &c, err2) == ret);
	free(dos);

	if (ret) {
		FUZZ_CHECK(ret == -1);
		check_error(err, data, size);
		check_empty(&p);
		check_empty(&c);
		goto out;
	}
	check_canonical(&p);
	FUZZ_CHECK(policy_equal(&p, &p));
	FUZZ_CHECK(policy_equal(&p, &c));

	/* the canonical text: appliable, and a fixed point */
	text = write_text(&p);
	FUZZ_CHECK(!strstr(text, "cannot be applied"));
	ret = parse(text, strlen(text), &q, err2);
	if (ret)
		fprintf(stderr, "canonical text:\n%s\nrefused: %s\n", text, err2);
	FUZZ_CHECK(ret == 0);
	FUZZ_CHECK(policy_equal(&p, &q));
	again = write_text(&q);
	if (strcmp(text, again))
		fprintf(stderr, "canonical text:\n%s\nwritten again:\n%s\n", text, again);
	FUZZ_CHECK(!strcmp(text, again));
	free(again);
	free(text);
out:
	fuzz_end();
	policy_free(&p);
	policy_free(&q);
	policy_free(&c);
	return 0;
}
