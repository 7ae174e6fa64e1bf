// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Whole-policy files of the pidpolicy CLI (see policyfile.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "policyfile.h"

#define NS_HELP		"use 'any', an inode number or /proc/PID/ns/pid"
#define CALLER_HELP	"uid N, cgroup PATH, cgroup-id N, cgroup-tree PATH or cgroup-tree-id N"
#define MODE_SYNTAX	"'mode default MODE' or 'mode ns NS MODE'"
#define ALLOW_SYNTAX	"'allow ns NS [uid N | cgroup PATH | cgroup-id N | cgroup-tree PATH | cgroup-tree-id N] pids RANGES'"
#define LIMIT_SYNTAX	"'limit ns NS max-chosen N'"

#define MAX_TOKENS	16

struct parser {
	const char *name;
	unsigned long line;
	char *err;
	size_t errlen;
	struct policy p;
	size_t cap_rules, cap_modes, cap_limits, cap_mode_lines, cap_limit_lines;
	unsigned long *mode_lines;	/* line of p.modes[i] */
	unsigned long *limit_lines;	/* line of p.limits[i] */
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

/* Decimal digits only, no sign, at most max. */
static bool parse_u64(const char *s, __u64 max, __u64 *v)
{
	__u64 x = 0;

	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		if (x > (max - (__u64)(*s - '0')) / 10)
			return false;
		x = x * 10 + (__u64)(*s - '0');
	}
	*v = x;
	return true;
}

static const char *ns_str(__u32 inum, char *buf, size_t len)
{
	if (inum == PIDPOLICY_NS_ANY)
		return "any";
	snprintf(buf, len, "%u", inum);
	return buf;
}

/* ---- ranges ---------------------------------------------------------------- */

static int cmp_range(const void *a, const void *b)
{
	const struct pid_range *x = a, *y = b;

	if (x->first != y->first)
		return x->first < y->first ? -1 : 1;
	return x->last < y->last ? -1 : x->last > y->last;
}

/* Sort and merge r[0..*n) in place (touching ranges join). */
static void ranges_canon(struct pid_range *r, size_t *n)
{
	size_t i, out = 0;

	if (!*n)
		return;
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

/* ---- canonical order ------------------------------------------------------ */

int policy_rule_key_cmp(const struct pidpolicy_rule_key *x,
			const struct pidpolicy_rule_key *y)
{
	if (x->gen != y->gen)
		return x->gen < y->gen ? -1 : 1;
	if (x->ns_inum != y->ns_inum)
		return x->ns_inum < y->ns_inum ? -1 : 1;
	if (x->caller_kind != y->caller_kind)
		return x->caller_kind < y->caller_kind ? -1 : 1;
	if (x->caller_id != y->caller_id)
		return x->caller_id < y->caller_id ? -1 : 1;
	return 0;
}

static int cmp_rule(const void *a, const void *b)
{
	return policy_rule_key_cmp(&((const struct policy_rule *)a)->key,
		       &((const struct policy_rule *)b)->key);
}

static int cmp_mode(const void *a, const void *b)
{
	const struct policy_mode *x = a, *y = b;

	if (x->ns_inum != y->ns_inum)
		return x->ns_inum < y->ns_inum ? -1 : 1;
	return x->mode < y->mode ? -1 : x->mode > y->mode;
}

static int cmp_limit(const void *a, const void *b)
{
	const struct policy_limit *x = a, *y = b;

	if (x->ns_inum != y->ns_inum)
		return x->ns_inum < y->ns_inum ? -1 : 1;
	return x->max_chosen < y->max_chosen ? -1 : x->max_chosen > y->max_chosen;
}

int policy_canonicalize(struct policy *p)
{
	size_t i, out = 0;

	/* UNSET and PIDPOLICY_NO_LIMIT say what a missing line says */
	for (i = 0; i < p->nr_modes; i++)
		if (p->modes[i].mode != PIDPOLICY_MODE_UNSET)
			p->modes[out++] = p->modes[i];
	p->nr_modes = out;
	out = 0;
	for (i = 0; i < p->nr_limits; i++)
		if (p->limits[i].max_chosen != PIDPOLICY_NO_LIMIT)
			p->limits[out++] = p->limits[i];
	p->nr_limits = out;
	out = 0;
	if (p->nr_modes)
		qsort(p->modes, p->nr_modes, sizeof(*p->modes), cmp_mode);
	if (p->nr_limits)
		qsort(p->limits, p->nr_limits, sizeof(*p->limits), cmp_limit);
	if (!p->nr_rules)
		return 0;
	qsort(p->rules, p->nr_rules, sizeof(*p->rules), cmp_rule);
	/* join rules of the same key into the first of them */
	for (i = 1; i < p->nr_rules; i++) {
		struct policy_rule *dst = &p->rules[out], *src = &p->rules[i];
		struct pid_range *r;

		if (policy_rule_key_cmp(&dst->key, &src->key)) {
			p->rules[++out] = *src;
			continue;
		}
		r = realloc(dst->ranges, (dst->nr_ranges + src->nr_ranges + 1) *
				 sizeof(*r));
		if (!r)
			return -ENOMEM;
		if (src->nr_ranges)
			memcpy(r + dst->nr_ranges, src->ranges,
			       src->nr_ranges * sizeof(*r));
		dst->ranges = r;
		dst->nr_ranges += src->nr_ranges;
		free(src->ranges);
		src->ranges = NULL;
		src->nr_ranges = 0;
	}
	p->nr_rules = out + 1;
	for (i = 0; i < p->nr_rules; i++)
		ranges_canon(p->rules[i].ranges, &p->rules[i].nr_ranges);
	return 0;
}

void policy_free(struct policy *p)
{
	size_t i;

	for (i = 0; i < p->nr_rules; i++)
		free(p->rules[i].ranges);
	free(p->rules);
	free(p->modes);
	free(p->limits);
	memset(p, 0, sizeof(*p));
}

/* A deep copy of a, canonical. 0 or -ENOMEM. */
static int policy_copy_canon(const struct policy *a, struct policy *c)
{
	size_t i;

	memset(c, 0, sizeof(*c));
	c->rules = calloc(a->nr_rules + 1, sizeof(*c->rules));
	c->modes = calloc(a->nr_modes + 1, sizeof(*c->modes));
	c->limits = calloc(a->nr_limits + 1, sizeof(*c->limits));
	if (!c->rules || !c->modes || !c->limits)
		goto nomem;
	if (a->nr_modes)
		memcpy(c->modes, a->modes, a->nr_modes * sizeof(*c->modes));
	c->nr_modes = a->nr_modes;
	if (a->nr_limits)
		memcpy(c->limits, a->limits, a->nr_limits * sizeof(*c->limits));
	c->nr_limits = a->nr_limits;
	for (i = 0; i < a->nr_rules; i++) {
		const struct policy_rule *r = &a->rules[i];

		c->rules[i].key = r->key;
		c->rules[i].ranges = malloc((r->nr_ranges + 1) *
					    sizeof(*r->ranges));
		if (!c->rules[i].ranges)
			goto nomem;
		if (r->nr_ranges)
			memcpy(c->rules[i].ranges, r->ranges,
			       r->nr_ranges * sizeof(*r->ranges));
		c->rules[i].nr_ranges = r->nr_ranges;
		c->nr_rules = i + 1;
	}
	if (policy_canonicalize(c))
		goto nomem;
	return 0;
nomem:
	policy_free(c);
	return -ENOMEM;
}

int policy_equal(const struct policy *a, const struct policy *b)
{
	struct policy ca, cb;
	int eq = 0;
	size_t i;

	if (policy_copy_canon(a, &ca))
		return 0;
	if (policy_copy_canon(b, &cb)) {
		policy_free(&ca);
		return 0;
	}
	if (ca.nr_rules != cb.nr_rules || ca.nr_modes != cb.nr_modes ||
	    ca.nr_limits != cb.nr_limits)
		goto out;
	for (i = 0; i < ca.nr_modes; i++)
		if (cmp_mode(&ca.modes[i], &cb.modes[i]))
			goto out;
	for (i = 0; i < ca.nr_limits; i++)
		if (cmp_limit(&ca.limits[i], &cb.limits[i]))
			goto out;
	for (i = 0; i < ca.nr_rules; i++) {
		const struct policy_rule *x = &ca.rules[i], *y = &cb.rules[i];

		if (policy_rule_key_cmp(&x->key, &y->key) || x->nr_ranges != y->nr_ranges ||
		    (x->nr_ranges && memcmp(x->ranges, y->ranges,
					    x->nr_ranges * sizeof(*x->ranges))))
			goto out;
	}
	eq = 1;
out:
	policy_free(&ca);
	policy_free(&cb);
	return eq;
}

/* ---- writing ------------------------------------------------------------- */

static void write_ranges(FILE *f, const struct pid_range *r, size_t n)
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

static void write_rule(FILE *f, const struct policy_rule *r)
{
	const char *pfx = "";
	char ns[16];

	if (!r->nr_ranges ||
	    r->key.caller_kind > PIDPOLICY_CALLER_CGROUP_TREE)
		pfx = "# cannot be applied: ";
	fprintf(f, "%sallow ns %s", pfx, ns_str(r->key.ns_inum, ns, sizeof(ns)));
	switch (r->key.caller_kind) {
	case PIDPOLICY_CALLER_ANY:
		break;
	case PIDPOLICY_CALLER_UID:
		fprintf(f, " uid %llu", (unsigned long long)r->key.caller_id);
		break;
	case PIDPOLICY_CALLER_CGROUP:
		fprintf(f, " cgroup-id %llu", (unsigned long long)r->key.caller_id);
		break;
	case PIDPOLICY_CALLER_CGROUP_TREE:
		fprintf(f, " cgroup-tree-id %llu", (unsigned long long)r->key.caller_id);
		break;
	default:
		fprintf(f, " caller-kind %u caller-id %llu", r->key.caller_kind,
			(unsigned long long)r->key.caller_id);
		break;
	}
	fprintf(f, " pids ");
	write_ranges(f, r->ranges, r->nr_ranges);
	fputc('\n', f);
}

int policy_write(FILE *f, const struct policy *p)
{
	struct policy c;
	char ns[16];
	size_t i;

	if (policy_copy_canon(p, &c)) {
		errno = ENOMEM;
		return -1;
	}
	fprintf(f, "# pid policy: `pidpolicy apply FILE` replaces the whole policy with it\n");
	for (i = 0; i < c.nr_modes; i++) {
		const struct policy_mode *m = &c.modes[i];
		bool ok = m->mode >= PIDPOLICY_MODE_OFF &&
			  m->mode <= PIDPOLICY_MODE_ENFORCE;

		if (m->ns_inum == PIDPOLICY_NS_ANY)
			fprintf(f, "%smode default %s\n",
				ok ? "" : "# cannot be applied: ", mode_name(m->mode));
		else
			fprintf(f, "%smode ns %u %s\n",
				ok ? "" : "# cannot be applied: ", m->ns_inum,
				mode_name(m->mode));
	}
	for (i = 0; i < c.nr_rules; i++)
		write_rule(f, &c.rules[i]);
	for (i = 0; i < c.nr_limits; i++)
		fprintf(f, "limit ns %s max-chosen %u\n",
			ns_str(c.limits[i].ns_inum, ns, sizeof(ns)),
			c.limits[i].max_chosen);
	policy_free(&c);
	if (fflush(f) || ferror(f)) {
		if (!errno)
			errno = EIO;
		return -1;
	}
	return 0;
}

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

/* "ns NS" at tokens i, i+1. */
static int parse_ns_at(struct parser *ps, size_t i, const char *syntax,
		       __u32 *inum)
{
	char msg[256];
	const char *t;
	bool is_path;

	if (expect_word(ps, i, "ns", "NS", syntax))
		return -1;
	t = expect_value(ps, i + 1, "a namespace NS (" NS_HELP ")", syntax);
	if (!t)
		return -1;
	if (parse_ns_spec(t, inum, &is_path, msg, sizeof(msg)))
		return perr_parse(ps, msg);
	return 0;
}

static int stmt_mode(struct parser *ps)
{
	const char *t;
	char msg[256], ns[16];
	__u32 inum, mode;
	size_t i, at;

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
	for (i = 0; i < ps->p.nr_modes; i++) {
		if (ps->p.modes[i].ns_inum != inum)
			continue;
		if (inum == PIDPOLICY_NS_ANY)
			return perr(ps, "second default mode (the first is on line %lu): keep one 'mode default' line",
				    ps->mode_lines[i]);
		return perr(ps, "second mode for namespace %s (the first is on line %lu): keep one 'mode ns' line per namespace",
			    ns_str(inum, ns, sizeof(ns)), ps->mode_lines[i]);
	}
	if (GROW(ps->p.modes, ps->cap_modes, ps->p.nr_modes) ||
	    GROW(ps->mode_lines, ps->cap_mode_lines, ps->p.nr_modes))
		return perr(ps, "out of memory");
	ps->mode_lines[ps->p.nr_modes] = ps->line;
	ps->p.modes[ps->p.nr_modes].ns_inum = inum;
	ps->p.modes[ps->p.nr_modes].mode = mode;
	ps->p.nr_modes++;
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

		t = expect_value(ps, at + 1, "a cgroup v2 directory", ALLOW_SYNTAX);
		if (!t)
			return -1;
		if (tree ? parse_cgroup_tree(t, &rule.key.caller_id, msg, sizeof(msg)) :
			   parse_cgroup(t, &rule.key.caller_id, msg, sizeof(msg)))
			return perr_parse(ps, msg);
		rule.key.caller_kind = tree ? PIDPOLICY_CALLER_CGROUP_TREE :
					      PIDPOLICY_CALLER_CGROUP;
		at += 2;
	} else if (t && (!strcmp(t, "cgroup-id") || !strcmp(t, "cgroup-tree-id"))) {
		bool tree = !strcmp(t, "cgroup-tree-id");

		t = expect_value(ps, at + 1, "a cgroup id", ALLOW_SYNTAX);
		if (!t)
			return -1;
		if (!parse_u64(t, UINT64_MAX, &v) || !v)
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
	ps->p.rules[ps->p.nr_rules++] = rule;
	return 0;
}

static int stmt_limit(struct parser *ps)
{
	const char *t;
	char ns[16];
	size_t i;
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
	if (!parse_u64(t, PIDPOLICY_NO_LIMIT - 1, &v))
		return perr(ps, "max-chosen '%s' is not valid: give a decimal number of processes from 0 to %u",
			    t, PIDPOLICY_NO_LIMIT - 1);
	if (expect_end(ps, 5, LIMIT_SYNTAX))
		return -1;
	for (i = 0; i < ps->p.nr_limits; i++) {
		if (ps->p.limits[i].ns_inum == inum)
			return perr(ps, "second limit for namespace %s (the first is on line %lu): keep one 'limit' line per namespace",
				    ns_str(inum, ns, sizeof(ns)), ps->limit_lines[i]);
	}
	if (GROW(ps->p.limits, ps->cap_limits, ps->p.nr_limits) ||
	    GROW(ps->limit_lines, ps->cap_limit_lines, ps->p.nr_limits))
		return perr(ps, "out of memory");
	ps->limit_lines[ps->p.nr_limits] = ps->line;
	ps->p.limits[ps->p.nr_limits].ns_inum = inum;
	ps->p.limits[ps->p.nr_limits].max_chosen = (__u32)v;
	ps->p.nr_limits++;
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
