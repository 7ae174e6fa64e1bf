// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A whole policy in memory (see policyfile.h): its canonical order, how two
 * compare, and writing it in the policy file format.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "parse.h"
#include "policyfile.h"

const char *policy_ns_name(__u32 inum, char *buf, size_t len)
{
	if (inum == PIDPOLICY_NS_ANY)
		snprintf(buf, len, "any");
	else
		snprintf(buf, len, "%u", inum);
	return buf;
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
			if (out != i) {	/* one owner for each ranges array */
				src->ranges = NULL;
				src->nr_ranges = 0;
			}
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
		if (src->line && (!dst->line || src->line < dst->line))
			dst->line = src->line;
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
	for (i = 0; i < p->nr_ns; i++)
		if (p->ns[i].fd >= 0)
			close(p->ns[i].fd);
	free(p->ns);
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
		c->rules[i].line = r->line;
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

/*
 * NS of namespace inum in p's file: N@ID where p knows the id, but for the
 * initial pid namespace, which never dies.
 */
static const char *ns_text(const struct policy *p, __u32 inum, char *buf, size_t len)
{
	size_t i;

	for (i = 0; inum != POLICY_INIT_PIDNS && i < p->nr_ns; i++)
		if (p->ns[i].ns_inum == inum && p->ns[i].id) {
			snprintf(buf, len, "%u@%llu", inum, (unsigned long long)p->ns[i].id);
			return buf;
		}
	return policy_ns_name(inum, buf, len);
}

static void write_rule(FILE *f, const struct policy *p, const struct policy_rule *r,
		       policy_cgroup_namer name_cgroup)
{
	bool cgroup = r->key.caller_kind == PIDPOLICY_CALLER_CGROUP ||
		      r->key.caller_kind == PIDPOLICY_CALLER_CGROUP_TREE;
	char ns[40], path[PATH_MAX];
	const char *pfx = "";
	int named = 0;

	if (cgroup && name_cgroup)
		named = name_cgroup(r->key.caller_id, path, sizeof(path));
	if (!r->nr_ranges ||
	    r->key.caller_kind > PIDPOLICY_CALLER_CGROUP_TREE)
		pfx = "# cannot be applied: ";
	else if (named < 0)
		pfx = "# cannot be applied, no cgroup has this id now: ";
	fprintf(f, "%sallow ns %s", pfx, ns_text(p, r->key.ns_inum, ns, sizeof(ns)));
	switch (r->key.caller_kind) {
	case PIDPOLICY_CALLER_ANY:
		break;
	case PIDPOLICY_CALLER_UID:
		fprintf(f, " uid %llu", (unsigned long long)r->key.caller_id);
		break;
	case PIDPOLICY_CALLER_CGROUP:
	case PIDPOLICY_CALLER_CGROUP_TREE:
		if (named > 0)
			fprintf(f, " %s %s", r->key.caller_kind == PIDPOLICY_CALLER_CGROUP ?
				"cgroup" : "cgroup-tree", path);
		else
			fprintf(f, " %s %llu", r->key.caller_kind == PIDPOLICY_CALLER_CGROUP ?
				"cgroup-id" : "cgroup-tree-id",
				(unsigned long long)r->key.caller_id);
		break;
	default:
		fprintf(f, " caller-kind %u caller-id %llu", r->key.caller_kind,
			(unsigned long long)r->key.caller_id);
		break;
	}
	fprintf(f, " pids ");
	ranges_write(f, r->ranges, r->nr_ranges);
	fputc('\n', f);
}

/* A namespace that can die: named by number, not the initial one. */
static bool mortal(__u32 inum)
{
	return inum != PIDPOLICY_NS_ANY && inum != POLICY_INIT_PIDNS;
}

static bool names_mortal_ns(const struct policy *p)
{
	size_t i;

	for (i = 0; i < p->nr_modes; i++)
		if (mortal(p->modes[i].ns_inum))
			return true;
	for (i = 0; i < p->nr_rules; i++)
		if (mortal(p->rules[i].key.ns_inum))
			return true;
	for (i = 0; i < p->nr_limits; i++)
		if (mortal(p->limits[i].ns_inum))
			return true;
	return false;
}

int policy_write_named(FILE *f, const struct policy *p, policy_cgroup_namer name_cgroup)
{
	struct policy c;
	char ns[40];
	size_t i;

	if (policy_copy_canon(p, &c)) {
		errno = ENOMEM;
		return -1;
	}
	fprintf(f, "# pid policy: `pidpolicy apply FILE` replaces the whole policy with it\n");
	if (names_mortal_ns(&c))
		fprintf(f, "# 'ns N' statements, N a number but %u (the initial pid namespace), cannot outlive namespace N: once it has died, apply refuses them\n",
			POLICY_INIT_PIDNS);
	for (i = 0; i < c.nr_modes; i++) {
		const struct policy_mode *m = &c.modes[i];
		bool ok = m->mode >= PIDPOLICY_MODE_OFF &&
			  m->mode <= PIDPOLICY_MODE_ENFORCE;

		if (m->ns_inum == PIDPOLICY_NS_ANY)
			fprintf(f, "%smode default %s\n",
				ok ? "" : "# cannot be applied: ", mode_name(m->mode));
		else
			fprintf(f, "%smode ns %s %s\n",
				ok ? "" : "# cannot be applied: ",
				ns_text(p, m->ns_inum, ns, sizeof(ns)), mode_name(m->mode));
	}
	for (i = 0; i < c.nr_rules; i++)
		write_rule(f, p, &c.rules[i], name_cgroup);
	for (i = 0; i < c.nr_limits; i++)
		fprintf(f, "limit ns %s max-chosen %u\n",
			ns_text(p, c.limits[i].ns_inum, ns, sizeof(ns)),
			c.limits[i].max_chosen);
	policy_free(&c);
	if (fflush(f) || ferror(f)) {
		if (!errno)
			errno = EIO;
		return -1;
	}
	return 0;
}

int policy_write(FILE *f, const struct policy *p)
{
	return policy_write_named(f, p, NULL);
}
