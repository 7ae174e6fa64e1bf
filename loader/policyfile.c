// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Parsing whole-policy files of the pidpolicy CLI (see policyfile.h); the
 * policy they make is sorted, compared and written by policy.c.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cgroup.h"
#include "parse.h"
#include "policyfile.h"

#define NS_HELP		"use 'any', an inode number or /proc/PID/ns/pid"
#define CALLER_HELP	"uid N, cgroup PATH, cgroup-id N, cgroup-tree PATH or cgroup-tree-id N"
#define MODE_SYNTAX	"'mode default MODE' or 'mode ns NS MODE'"
#define ALLOW_SYNTAX	"'allow ns NS [uid N | cgroup PATH | cgroup-id N | cgroup-tree PATH | cgroup-tree-id N] pids RANGES'"
#define LIMIT_SYNTAX	"'limit ns NS max-chosen N'"

#define MAX_TOKENS	16

/*
 * Positions in an array by namespace number, so that each statement finds
 * the earlier one for its namespace at once (a scan made a file of 65,536
 * lines quadratic). Open addressing; at[i] is the position plus one, 0 for
 * a free slot.
 */
struct inum_index {
	__u32 *key;
	size_t *at;
	size_t cap;	/* a power of two, over twice n */
	size_t n;
};

static size_t inum_hash(__u32 inum, size_t cap)
{
	inum ^= inum >> 16;
	inum *= 0x45d9f3bU;
	inum ^= inum >> 16;
	return inum & (cap - 1);
}

/*
 * The slot of inum: its position plus one, or 0 where inum is new (the
 * caller stores the position there). NULL if out of memory.
 */
static size_t *inum_slot(struct inum_index *x, __u32 inum)
{
	size_t i;

	if (2 * (x->n + 1) > x->cap) {
		struct inum_index bigger = { .cap = x->cap ? 2 * x->cap : 64 };

		bigger.key = calloc(bigger.cap, sizeof(*bigger.key));
		bigger.at = calloc(bigger.cap, sizeof(*bigger.at));
		if (!bigger.key || !bigger.at) {
			free(bigger.key);
			free(bigger.at);
			return NULL;
		}
		for (i = 0; i < x->cap; i++) {
			size_t j = inum_hash(x->key[i], bigger.cap);

			if (!x->at[i])
				continue;
			while (bigger.at[j])
				j = (j + 1) & (bigger.cap - 1);
			bigger.key[j] = x->key[i];
			bigger.at[j] = x->at[i];
		}
		bigger.n = x->n;
		free(x->key);
		free(x->at);
		*x = bigger;
	}
	for (i = inum_hash(inum, x->cap); x->at[i]; i = (i + 1) & (x->cap - 1))
		if (x->key[i] == inum)
			return &x->at[i];
	x->key[i] = inum;
	x->n++;
	return &x->at[i];
}

static void inum_index_free(struct inum_index *x)
{
	free(x->key);
	free(x->at);
}

struct parser {
	const char *name;
	unsigned long line;
	char *err;
	size_t errlen;
	struct policy p;
	size_t cap_rules, cap_modes, cap_limits, cap_mode_lines, cap_limit_lines, cap_ns;
	unsigned long *mode_lines;	/* line of p.modes[i] */
	unsigned long *limit_lines;	/* line of p.limits[i] */
	/* where each namespace number is in p.ns, p.modes and p.limits */
	struct inum_index ns_at, mode_at, limit_at;
	/* the tokens of the current line */
	char *tok[MAX_TOKENS];
	size_t ntok;
};

static int perr(struct parser *ps, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* "NAME:LINE: message" into ps->err; returns -1. */
static int perr(struct parser *ps, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(ps->err, ps->errlen, "%s:%lu: %s", ps->name, ps->line, msg);
	return -1;
}

/* A message of parse.c, whose range errors speak of the --pids option. */
static int perr_parse(struct parser *ps, const char *msg)
{
	char fixed[512];
	const char *at, *p = msg;
	size_t off = 0;

	while ((at = strstr(p, "--pids")) && off < sizeof(fixed)) {
		off += (size_t)snprintf(fixed + off, sizeof(fixed) - off, "%.*spids",
					(int)(at - p), p);
		p = at + strlen("--pids");
	}
	if (off < sizeof(fixed))
		snprintf(fixed + off, sizeof(fixed) - off, "%s", p);
	return perr(ps, "%s", fixed);
}

/* Make room for element n of arr (capacity cap): 0 or -ENOMEM. */
#define GROW(arr, cap, n) ({						\
	int ret_ = 0;							\
	if ((n) >= (cap)) {						\
		size_t c_ = (cap) ? (cap) * 2 : 8;			\
		__typeof__(arr) a_ = realloc((arr), c_ * sizeof(*(arr))); \
		if (a_) {						\
			(arr) = a_;					\
			(cap) = c_;					\
		} else {						\
			ret_ = -ENOMEM;					\
		}							\
	}								\
	ret_;								\
})

/* ---- parsing --------------------------------------------------------------- */

/* Token i of the line, or NULL past the end. */
static const char *tok(const struct parser *ps, size_t i)
{
	return i < ps->ntok ? ps->tok[i] : NULL;
}

/* Nothing may follow token i-1 (the statement's last). */
static int expect_end(struct parser *ps, size_t i, const char *syntax)
{
	if (i >= ps->ntok)
		return 0;
	return perr(ps, "unexpected '%s' at the end of the statement: remove it (comments start with '#'; the syntax is %s)",
		    ps->tok[i], syntax);
}

/* Token i must be word. */
static int expect_word(struct parser *ps, size_t i, const char *word,
		       const char *what, const char *syntax)
{
	const char *t = tok(ps, i);

	if (!t)
		return perr(ps, "missing '%s %s' after '%s': write %s", word, what,
			    ps->tok[i - 1], syntax);
	if (strcmp(t, word))
		return perr(ps, "expected '%s %s' after '%s', found '%s': write %s",
			    word, what, ps->tok[i - 1], t, syntax);
	return 0;
}

/* The value of token i, which follows the keyword token i-1. */
static const char *expect_value(struct parser *ps, size_t i, const char *what,
				const char *syntax)
{
	const char *t = tok(ps, i);

	if (!t)
		perr(ps, "missing %s after '%s': write %s", what, ps->tok[i - 1],
		     syntax);
	return t;
}

/*
 * Namespace inum (fd: its file, or -1; id: as given with N@ID, or 0) is
 * named on this line: ps->p.ns.
 */
static int note_ns(struct parser *ps, __u32 inum, __u64 id, int fd)
{
	size_t *at = inum_slot(&ps->ns_at, inum);
	struct policy_ns *n;

	if (at && *at) {
		n = &ps->p.ns[*at - 1];
		if (id && n->id && id != n->id) {
			if (fd >= 0)
				close(fd);
			return perr(ps, "namespace %u is named with id %llu on line %lu and id %llu here: one number is one namespace; keep the id of the namespace meant",
				    inum, (unsigned long long)n->id, n->line,
				    (unsigned long long)id);
		}
		if (id)
			n->id = id;
		if (n->fd < 0)
			n->fd = fd;	/* named by number first, now by path */
		else if (fd >= 0)
			close(fd);
		return 0;
	}
	if (!at || GROW(ps->p.ns, ps->cap_ns, ps->p.nr_ns)) {
		if (fd >= 0)
			close(fd);
		return perr(ps, "out of memory");
	}
	ps->p.ns[ps->p.nr_ns++] = (struct policy_ns){ inum, fd, ps->line, id };
	*at = ps->p.nr_ns;
	return 0;
}

/* "ns NS" at tokens i, i+1. */
static int parse_ns_at(struct parser *ps, size_t i, const char *syntax,
		       __u32 *inum)
{
	char msg[256];
	const char *t;
	__u64 id;
	int fd;

	if (expect_word(ps, i, "ns", "NS", syntax))
		return -1;
	t = expect_value(ps, i + 1, "a namespace NS (" NS_HELP ")", syntax);
	if (!t)
		return -1;
	if (parse_ns_spec(t, inum, &id, &fd, msg, sizeof(msg)))
		return perr_parse(ps, msg);
	if (*inum == PIDPOLICY_NS_ANY)
		return 0;
	return note_ns(ps, *inum, id, fd);
}

static int stmt_mode(struct parser *ps)
{
	const char *t;
	char msg[256], ns[16];
	__u32 inum, mode;
	size_t *seen, at;

	t = tok(ps, 1);
	if (t && !strcmp(t, "default")) {
		inum = PIDPOLICY_NS_ANY;
		at = 2;
	} else if (t && !strcmp(t, "ns")) {
		if (parse_ns_at(ps, 1, MODE_SYNTAX, &inum))
			return -1;
		at = 3;
	} else if (!t) {
		return perr(ps, "missing 'default' or 'ns NS' after 'mode': write " MODE_SYNTAX);
	} else {
		return perr(ps, "expected 'default' or 'ns NS' after 'mode', found '%s': write " MODE_SYNTAX,
			    t);
	}
	t = expect_value(ps, at, "the mode (enforce, audit or off)", MODE_SYNTAX);
	if (!t)
		return -1;
	if (parse_mode(t, &mode, msg, sizeof(msg)))
		return perr_parse(ps, msg);
	if (expect_end(ps, at + 1, MODE_SYNTAX))
		return -1;
	seen = inum_slot(&ps->mode_at, inum);
	if (seen && *seen && inum == PIDPOLICY_NS_ANY)
		return perr(ps, "second default mode (the first is on line %lu): keep one 'mode default' line",
			    ps->mode_lines[*seen - 1]);
	if (seen && *seen)
		return perr(ps, "second mode for namespace %s (the first is on line %lu): keep one 'mode ns' line per namespace",
			    policy_ns_name(inum, ns, sizeof(ns)), ps->mode_lines[*seen - 1]);
	if (!seen || GROW(ps->p.modes, ps->cap_modes, ps->p.nr_modes) ||
	    GROW(ps->mode_lines, ps->cap_mode_lines, ps->p.nr_modes))
		return perr(ps, "out of memory");
	ps->mode_lines[ps->p.nr_modes] = ps->line;
	ps->p.modes[ps->p.nr_modes].ns_inum = inum;
	ps->p.modes[ps->p.nr_modes].mode = mode;
	*seen = ++ps->p.nr_modes;
	return 0;
}

static int stmt_allow(struct parser *ps)
{
	struct policy_rule rule = {};
	const char *t;
	char msg[256];
	size_t at = 3;
	__u64 v;

	if (parse_ns_at(ps, 1, ALLOW_SYNTAX, &rule.key.ns_inum))
		return -1;
	t = tok(ps, at);
	if (t && !strcmp(t, "uid")) {
		__u32 uid;

		t = expect_value(ps, at + 1, "a uid", ALLOW_SYNTAX);
		if (!t)
			return -1;
		if (parse_uid(t, &uid, msg, sizeof(msg)))
			return perr_parse(ps, msg);
		rule.key.caller_kind = PIDPOLICY_CALLER_UID;
		rule.key.caller_id = uid;
		at += 2;
	} else if (t && (!strcmp(t, "cgroup") || !strcmp(t, "cgroup-tree"))) {
		bool tree = !strcmp(t, "cgroup-tree");
		int ret;

		t = expect_value(ps, at + 1, "a cgroup v2 directory", ALLOW_SYNTAX);
		if (!t)
			return -1;
		if (tree)
			ret = parse_cgroup_tree(t, &rule.key.caller_id, msg, sizeof(msg));
		else
			ret = parse_cgroup(t, &rule.key.caller_id, msg, sizeof(msg));
		if (ret)
			return perr_parse(ps, msg);
		rule.key.caller_kind = tree ? PIDPOLICY_CALLER_CGROUP_TREE :
					      PIDPOLICY_CALLER_CGROUP;
		at += 2;
	} else if (t && (!strcmp(t, "cgroup-id") || !strcmp(t, "cgroup-tree-id"))) {
		bool tree = !strcmp(t, "cgroup-tree-id");

		t = expect_value(ps, at + 1, "a cgroup id", ALLOW_SYNTAX);
		if (!t)
			return -1;
		if (parse_decimal(t, strlen(t), UINT64_MAX, &v) || !v)
			return perr(ps, "cgroup id '%s' is not valid: give the decimal inode number of a cgroup v2 directory (or write '%s PATH')",
				    t, tree ? "cgroup-tree" : "cgroup");
		rule.key.caller_kind = tree ? PIDPOLICY_CALLER_CGROUP_TREE :
					      PIDPOLICY_CALLER_CGROUP;
		rule.key.caller_id = v;
		at += 2;
	} else if (t && strcmp(t, "pids")) {
		return perr(ps, "expected a caller (" CALLER_HELP ") or 'pids RANGES' after the namespace, found '%s': write " ALLOW_SYNTAX,
			    t);
	}
	if (expect_word(ps, at, "pids", "RANGES", ALLOW_SYNTAX))
		return -1;
	t = expect_value(ps, at + 1, "the pids (like 300-999,1000)", ALLOW_SYNTAX);
	if (!t)
		return -1;
	if (t[strlen(t) - 1] == ',' && tok(ps, at + 2))
		return perr(ps, "pids '%s' end at a space: write them without spaces, like 300-999,1000",
			    t);
	if (parse_ranges(t, PIDPOLICY_PID_LIMIT, &rule.ranges, &rule.nr_ranges, msg,
			 sizeof(msg)))
		return perr_parse(ps, msg);
	if (expect_end(ps, at + 2, ALLOW_SYNTAX)) {
		free(rule.ranges);
		return -1;
	}
	if (GROW(ps->p.rules, ps->cap_rules, ps->p.nr_rules)) {
		free(rule.ranges);
		return perr(ps, "out of memory");
	}
	/* same keys are merged by policy_canonicalize() at the end */
	rule.line = ps->line;
	ps->p.rules[ps->p.nr_rules++] = rule;
	return 0;
}

static int stmt_limit(struct parser *ps)
{
	const char *t;
	char ns[16];
	size_t *seen;
	__u32 inum;
	__u64 v;

	if (parse_ns_at(ps, 1, LIMIT_SYNTAX, &inum) ||
	    expect_word(ps, 3, "max-chosen", "N", LIMIT_SYNTAX))
		return -1;
	t = expect_value(ps, 4, "the number N", LIMIT_SYNTAX);
	if (!t)
		return -1;
	if (!strcmp(t, "none"))
		return perr(ps, "max-chosen 'none' is not valid in a policy file: leave out the 'limit' line (a namespace without one takes 'limit ns any', if any)");
	if (parse_decimal(t, strlen(t), PIDPOLICY_NO_LIMIT - 1, &v))
		return perr(ps, "max-chosen '%s' is not valid: give a decimal number of processes from 0 to %u",
			    t, PIDPOLICY_NO_LIMIT - 1);
	if (expect_end(ps, 5, LIMIT_SYNTAX))
		return -1;
	seen = inum_slot(&ps->limit_at, inum);
	if (seen && *seen)
		return perr(ps, "second limit for namespace %s (the first is on line %lu): keep one 'limit' line per namespace",
			    policy_ns_name(inum, ns, sizeof(ns)), ps->limit_lines[*seen - 1]);
	if (!seen || GROW(ps->p.limits, ps->cap_limits, ps->p.nr_limits) ||
	    GROW(ps->limit_lines, ps->cap_limit_lines, ps->p.nr_limits))
		return perr(ps, "out of memory");
	ps->limit_lines[ps->p.nr_limits] = ps->line;
	ps->p.limits[ps->p.nr_limits].ns_inum = inum;
	ps->p.limits[ps->p.nr_limits].max_chosen = (__u32)v;
	*seen = ++ps->p.nr_limits;
	return 0;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' ||
	       c == '\f';
}

/* Split line into ps->tok, in place, up to a comment. */
static int tokenize(struct parser *ps, char *line)
{
	char *s = line;

	ps->ntok = 0;
	for (;;) {
		while (is_space(*s))
			s++;
		if (!*s || *s == '#')
			return 0;
		if (ps->ntok == MAX_TOKENS)
			return perr(ps, "too many words in one statement: put one statement on each line");
		ps->tok[ps->ntok++] = s;
		while (*s && !is_space(*s))
			s++;
		if (!*s)
			return 0;
		*s++ = '\0';
	}
}

static int statement(struct parser *ps, char *line, size_t len)
{
	const char *kw;

	if (strlen(line) != len)
		return perr(ps, "NUL byte in the line: a policy file is text");
	if (tokenize(ps, line))
		return -1;
	if (!ps->ntok)
		return 0;
	kw = ps->tok[0];
	if (!strcmp(kw, "mode"))
		return stmt_mode(ps);
	if (!strcmp(kw, "allow"))
		return stmt_allow(ps);
	if (!strcmp(kw, "limit"))
		return stmt_limit(ps);
	return perr(ps, "unknown statement '%s': statements start with mode, allow or limit ('#' starts a comment)",
		    kw);
}

int policy_parse_stream(FILE *f, const char *name, struct policy *out,
			char *err, size_t errlen)
{
	struct parser ps = { .name = name, .err = err, .errlen = errlen };
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int ret = -1;

	memset(out, 0, sizeof(*out));
	errno = 0;
	while ((len = getline(&line, &cap, f)) >= 0) {
		ps.line++;
		if (statement(&ps, line, (size_t)len))
			goto out;
		errno = 0;
	}
	if (ferror(f) || errno == ENOMEM) {
		snprintf(err, errlen, "%s: cannot read: %s", name,
			 strerror(errno ? errno : EIO));
		goto out;
	}
	if (policy_canonicalize(&ps.p)) {
		snprintf(err, errlen, "%s: out of memory", name);
		goto out;
	}
	*out = ps.p;
	memset(&ps.p, 0, sizeof(ps.p));
	ret = 0;
out:
	if (ret && errlen)
		one_line(err);	/* it quotes the file's name and tokens */
	policy_free(&ps.p);
	free(ps.mode_lines);
	free(ps.limit_lines);
	inum_index_free(&ps.ns_at);
	inum_index_free(&ps.mode_at);
	inum_index_free(&ps.limit_at);
	free(line);
	return ret;
}

int policy_parse_file(const char *path, struct policy *out, char *err,
		      size_t errlen)
{
	FILE *f = fopen(path, "re");
	int ret;

	if (!f) {
		memset(out, 0, sizeof(*out));
		snprintf(err, errlen, "%s: cannot open: %s (give the path of a policy file, such as one `pidpolicy dump` wrote)",
			 path, strerror(errno));
		if (errlen)
			one_line(err);
		return -1;
	}
	ret = policy_parse_stream(f, path, out, err, errlen);
	fclose(f);
	return ret;
}
