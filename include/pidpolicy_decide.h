/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The pid policy decision, shared by the BPF program and `pidpolicy explain`
 * so that the two cannot drift. The includer provides the map lookups:
 *
 *   static const struct pidpolicy_rule *
 *   pidpolicy_lookup_rule(void *ctx, const struct pidpolicy_rule_key *key);
 *   static const struct pidpolicy_chunk *
 *   pidpolicy_lookup_chunk(void *ctx, const struct pidpolicy_chunk_key *key);
 *   static const struct pidpolicy_ns_policy *
 *   pidpolicy_lookup_ns(void *ctx, const struct pidpolicy_ns_policy_key *key);
 *
 * A decision makes 2 namespace lookups, 6 chunk lookups for the caller's
 * uid, cgroup and any rules, 2 rule lookups per level of the caller's cgroup
 * (up to PIDPOLICY_CGROUP_TREE_LEVELS) for cgroup-tree rules and a chunk
 * lookup for each such rule found, and, if none was, 6 rule lookups for the
 * reason: at most 2 + 6 + 16 + 16 = 40, however many rules and ranges there
 * are; about half as many for a namespace without entries of its own, whose
 * keys are not looked up, and none for a kind of rule or a cgroup level that
 * no rule of the generation uses (q->uses). Rules are found by exact key,
 * and a rule's pids are bitmaps found by (rule, chunk).
 */
#ifndef PIDPOLICY_DECIDE_H
#define PIDPOLICY_DECIDE_H

#include "pidpolicy.h"

struct pidpolicy_query {
	__u32 gen;			/* policy generation to decide by */
	__u32 ns_inum;			/* target pid namespace */
	__u32 pid;			/* chosen pid, as seen in that namespace */
	__u32 own_entries;		/* the namespace has entries of its own:
					 * its ns_index entry names its id */
	__u64 uid;			/* caller's effective uid */
	__u64 cgroup_id;		/* caller's cgroup v2 id */
	__u64 uses;			/* what generation gen's rules use:
					 * PIDPOLICY_USES_* bits */
	/* ids of the caller's cgroup and its ancestors by level, 0 unused */
	__u64 cgroup_tree[PIDPOLICY_CGROUP_TREE_LEVELS];
};

struct pidpolicy_decision {
	__u32 verdict;			/* enum pidpolicy_verdict_kind */
	__u32 reason;			/* enum pidpolicy_reason */
	__u32 mode;			/* enum pidpolicy_mode in effect */
	__u32 matched;			/* rule is valid (REASON_RULE) */
	__u32 max_chosen;		/* the namespace's limit, or NO_LIMIT */
	__u32 reserved;
	struct pidpolicy_rule_key rule;	/* the rule that allowed the pid */
};

static __always_inline int pidpolicy_rule_holds(void *ctx,
						 const struct pidpolicy_rule_key *rule,
						 __u32 pid)
{
	struct pidpolicy_chunk_key key = {
		.rule = *rule,
		.first_pid = pid - pid % PIDPOLICY_CHUNK_PIDS,
	};
	const struct pidpolicy_chunk *chunk = pidpolicy_lookup_chunk(ctx, &key);
	__u32 bit = pid % PIDPOLICY_CHUNK_PIDS;

	return chunk && (chunk->allowed[bit / 64] >> (bit % 64)) & 1;
}

/*
 * The six keys a caller may match, most specific first; the first three,
 * the namespace's own, exist only where it has entries of its own.
 */
static __always_inline int pidpolicy_first_candidate(const struct pidpolicy_query *q)
{
	return q->own_entries ? 0 : 3;
}

static __always_inline __u32 pidpolicy_candidate_kind(int i)
{
	return i % 3 == 0 ? PIDPOLICY_CALLER_UID :
	       i % 3 == 1 ? PIDPOLICY_CALLER_CGROUP : PIDPOLICY_CALLER_ANY;
}

static __always_inline void pidpolicy_candidate(const struct pidpolicy_query *q,
						int i, struct pidpolicy_rule_key *key)
{
	__u32 kind = pidpolicy_candidate_kind(i);

	key->gen = q->gen;
	key->ns_inum = i < 3 ? q->ns_inum : PIDPOLICY_NS_ANY;
	key->reserved = 0;
	key->caller_kind = kind;
	key->caller_id = kind == PIDPOLICY_CALLER_UID ? q->uid :
			 kind == PIDPOLICY_CALLER_CGROUP ? q->cgroup_id : 0;
}

/* Is candidate i's kind of rule one the generation has? */
static __always_inline int pidpolicy_candidate_used(const struct pidpolicy_query *q, int i)
{
	return (q->uses & PIDPOLICY_USES_KIND(pidpolicy_candidate_kind(i))) != 0;
}

/* The namespace's own mode and limit, each falling back to the default's. */
static __always_inline void pidpolicy_ns_settings(void *ctx,
						  const struct pidpolicy_query *q,
						  struct pidpolicy_decision *d)
{
	struct pidpolicy_ns_policy_key key = { .gen = q->gen, .ns_inum = q->ns_inum };
	const struct pidpolicy_ns_policy *p =
		q->own_entries ? pidpolicy_lookup_ns(ctx, &key) : NULL;

	/* copy before the next lookup: userspace lookups share one buffer */
	d->mode = p ? p->mode : PIDPOLICY_MODE_UNSET;
	d->max_chosen = p ? p->max_chosen : PIDPOLICY_NO_LIMIT;
	key.ns_inum = PIDPOLICY_NS_ANY;
	p = pidpolicy_lookup_ns(ctx, &key);
	if (p && d->mode == PIDPOLICY_MODE_UNSET)
		d->mode = p->mode;
	if (p && d->max_chosen == PIDPOLICY_NO_LIMIT)
		d->max_chosen = p->max_chosen;
}

/*
 * The cgroup-tree rules of the caller's cgroup and its ancestors, the
 * namespace's before any's: does one hold q->pid? *any_rule is set when such
 * a rule exists. Rules are looked up before their pids, as most ancestors
 * have none.
 */
static __always_inline int pidpolicy_tree_holds(void *ctx,
						const struct pidpolicy_query *q,
						struct pidpolicy_rule_key *key,
						int *any_rule)
{
	int i;

	for (i = q->own_entries ? 0 : PIDPOLICY_CGROUP_TREE_LEVELS;
	     i < 2 * PIDPOLICY_CGROUP_TREE_LEVELS; i++) {
		key->gen = q->gen;
		key->ns_inum = i < PIDPOLICY_CGROUP_TREE_LEVELS ? q->ns_inum :
			       PIDPOLICY_NS_ANY;
		key->caller_kind = PIDPOLICY_CALLER_CGROUP_TREE;
		key->reserved = 0;
		key->caller_id = q->cgroup_tree[i % PIDPOLICY_CGROUP_TREE_LEVELS];
		if (!(q->uses & PIDPOLICY_USES_TREE_LEVEL(i % PIDPOLICY_CGROUP_TREE_LEVELS)) ||
		    !key->caller_id || !pidpolicy_lookup_rule(ctx, key))
			continue;
		*any_rule = 1;
		if (pidpolicy_rule_holds(ctx, key, q->pid))
			return 1;
	}
	return 0;
}

/*
 * Decide by the rules and the mode. The namespace's limit on live chosen
 * pids is checked apart, by pidpolicy_charge(), as the BPF program counts
 * atomically.
 */
static __always_inline void pidpolicy_decide(void *ctx,
					     const struct pidpolicy_query *q,
					     struct pidpolicy_decision *d)
{
	struct pidpolicy_rule_key key;
	int i, any_rule = 0;

	d->verdict = PIDPOLICY_ALLOW;
	d->matched = 0;
	pidpolicy_ns_settings(ctx, q, d);
	if (d->mode != PIDPOLICY_MODE_AUDIT && d->mode != PIDPOLICY_MODE_ENFORCE) {
		d->mode = PIDPOLICY_MODE_OFF;
		d->reason = PIDPOLICY_REASON_MODE_OFF;
		return;
	}

	for (i = pidpolicy_first_candidate(q); i < 6; i++) {
		pidpolicy_candidate(q, i, &key);
		if (pidpolicy_candidate_used(q, i) && pidpolicy_rule_holds(ctx, &key, q->pid))
			break;
	}
	if (i < 6 || pidpolicy_tree_holds(ctx, q, &key, &any_rule)) {
		d->reason = PIDPOLICY_REASON_RULE;
		d->matched = 1;
		d->rule = key;
		return;
	}
	for (i = pidpolicy_first_candidate(q); i < 6 && !any_rule; i++) {
		pidpolicy_candidate(q, i, &key);
		any_rule = pidpolicy_candidate_used(q, i) &&
			   pidpolicy_lookup_rule(ctx, &key) != 0;
	}
	d->reason = any_rule ? PIDPOLICY_REASON_RANGE : PIDPOLICY_REASON_NO_RULE;
	d->verdict = d->mode == PIDPOLICY_MODE_ENFORCE ? PIDPOLICY_DENY : PIDPOLICY_AUDIT;
}

/*
 * Does the process the decision lets be created count against a limit? Only
 * where one is in force: enforce and audit modes with a max_chosen.
 */
static __always_inline int pidpolicy_limited(const struct pidpolicy_decision *d)
{
	return d->verdict != PIDPOLICY_DENY && d->mode != PIDPOLICY_MODE_OFF &&
	       d->max_chosen != PIDPOLICY_NO_LIMIT;
}

/*
 * A limit is in force but the charge could not be recorded: fail closed,
 * as a limit that cannot count cannot hold.
 */
static __always_inline void pidpolicy_unaccounted(struct pidpolicy_decision *d)
{
	if (d->verdict != PIDPOLICY_ALLOW)
		return;
	d->reason = PIDPOLICY_REASON_ACCOUNTING;
	d->verdict = d->mode == PIDPOLICY_MODE_ENFORCE ? PIDPOLICY_DENY : PIDPOLICY_AUDIT;
}

/*
 * The limit, once a decision allowed the pid: with `live` processes holding a
 * chosen pid in the namespace, this one included, is it one too many? Only
 * enforce and audit modes have limits.
 */
static __always_inline int pidpolicy_over_quota(struct pidpolicy_decision *d,
						__s64 live)
{
	if (d->verdict != PIDPOLICY_ALLOW || d->reason != PIDPOLICY_REASON_RULE ||
	    d->max_chosen == PIDPOLICY_NO_LIMIT || live <= d->max_chosen)
		return 0;
	d->reason = PIDPOLICY_REASON_QUOTA;
	d->verdict = d->mode == PIDPOLICY_MODE_ENFORCE ? PIDPOLICY_DENY : PIDPOLICY_AUDIT;
	return 1;
}

#endif /* PIDPOLICY_DECIDE_H */
