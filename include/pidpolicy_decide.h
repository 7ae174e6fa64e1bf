/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The pid policy decision, shared by the BPF program and `pidpolicy explain`
 * so that the two cannot drift. The includer provides the map lookups:
 *
 *   static const struct pidpolicy_rule *
 *   pidpolicy_lookup_rule(void *ctx, const struct pidpolicy_rule_key *key);
 *   static const struct pidpolicy_chunk *
 *   pidpolicy_lookup_chunk(void *ctx, const struct pidpolicy_chunk_key *key);
 *   static __u32 pidpolicy_lookup_mode(void *ctx, __u32 ns_inum);
 *
 * A decision makes at most 2 mode lookups and 12 rule lookups, however many
 * rules and ranges there are: rules are found by exact key, and a rule's pids
 * are bitmaps found by (rule, chunk).
 */
#ifndef PIDPOLICY_DECIDE_H
#define PIDPOLICY_DECIDE_H

#include "pidpolicy.h"

enum pidpolicy_reason {
	PIDPOLICY_REASON_RULE = 0,	/* allowed: a rule holds the pid */
	PIDPOLICY_REASON_MODE_OFF = 1,	/* allowed: the namespace's mode is off */
	PIDPOLICY_REASON_NO_RULE = 2,	/* no rule for this namespace and caller */
	PIDPOLICY_REASON_RANGE = 3,	/* rules exist, none holds the pid */
};

enum pidpolicy_verdict_kind {
	PIDPOLICY_ALLOW = 0,
	PIDPOLICY_DENY = 1,		/* enforce mode: the call fails */
	PIDPOLICY_AUDIT = 2,		/* audit mode: allowed, would be denied */
};

struct pidpolicy_query {
	__u32 ns_inum;			/* target pid namespace */
	__u32 pid;			/* chosen pid, as seen in that namespace */
	__u64 uid;			/* caller's effective uid */
	__u64 cgroup_id;		/* caller's cgroup v2 id */
};

struct pidpolicy_decision {
	__u32 verdict;			/* enum pidpolicy_verdict_kind */
	__u32 reason;			/* enum pidpolicy_reason */
	__u32 mode;			/* enum pidpolicy_mode in effect */
	__u32 matched;			/* rule is valid (REASON_RULE) */
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

/* The six keys a caller may match, most specific first. */
static __always_inline void pidpolicy_candidate(const struct pidpolicy_query *q,
						int i, struct pidpolicy_rule_key *key)
{
	__u32 kind = i % 3 == 0 ? PIDPOLICY_CALLER_UID :
		     i % 3 == 1 ? PIDPOLICY_CALLER_CGROUP : PIDPOLICY_CALLER_ANY;

	key->ns_inum = i < 3 ? q->ns_inum : PIDPOLICY_NS_ANY;
	key->caller_kind = kind;
	key->caller_id = kind == PIDPOLICY_CALLER_UID ? q->uid :
			 kind == PIDPOLICY_CALLER_CGROUP ? q->cgroup_id : 0;
}

static __always_inline void pidpolicy_decide(void *ctx,
					     const struct pidpolicy_query *q,
					     struct pidpolicy_decision *d)
{
	struct pidpolicy_rule_key key;
	int i, any_rule = 0;

	d->verdict = PIDPOLICY_ALLOW;
	d->matched = 0;
	d->mode = pidpolicy_lookup_mode(ctx, q->ns_inum);
	if (d->mode == PIDPOLICY_MODE_UNSET)
		d->mode = pidpolicy_lookup_mode(ctx, PIDPOLICY_NS_ANY);
	if (d->mode != PIDPOLICY_MODE_AUDIT && d->mode != PIDPOLICY_MODE_ENFORCE) {
		d->mode = PIDPOLICY_MODE_OFF;
		d->reason = PIDPOLICY_REASON_MODE_OFF;
		return;
	}

	for (i = 0; i < 6; i++) {
		pidpolicy_candidate(q, i, &key);
		if (pidpolicy_rule_holds(ctx, &key, q->pid)) {
			d->reason = PIDPOLICY_REASON_RULE;
			d->matched = 1;
			d->rule = key;
			return;
		}
	}
	for (i = 0; i < 6 && !any_rule; i++) {
		pidpolicy_candidate(q, i, &key);
		any_rule = pidpolicy_lookup_rule(ctx, &key) != 0;
	}
	d->reason = any_rule ? PIDPOLICY_REASON_RANGE : PIDPOLICY_REASON_NO_RULE;
	d->verdict = d->mode == PIDPOLICY_MODE_ENFORCE ? PIDPOLICY_DENY : PIDPOLICY_AUDIT;
}

#endif /* PIDPOLICY_DECIDE_H */
