// SPDX-License-Identifier: GPL-2.0
/*
 * The decision of include/pidpolicy_decide.h, which the BPF program and
 * `pidpolicy explain` share, over maps held in arrays: cgroup-tree rules
 * match the caller's cgroup and its ancestors, and nothing else.
 */
#include <string.h>
#include "harness.h"
#include "pidpolicy.h"

#define MAX_ENTRIES	32

static struct {
	struct pidpolicy_rule_key rule_keys[MAX_ENTRIES];
	struct pidpolicy_rule rules[MAX_ENTRIES];
	struct pidpolicy_chunk_key chunk_keys[MAX_ENTRIES];
	struct pidpolicy_chunk chunks[MAX_ENTRIES];
	struct pidpolicy_ns_policy_key ns_keys[MAX_ENTRIES];
	struct pidpolicy_ns_policy ns[MAX_ENTRIES];
	int nr_rules, nr_chunks, nr_ns, lookups;
	__u64 uses;		/* what the rules use, as the loader writes it */
} m;

static const void *find(const void *keys, size_t key_size, int n, const void *key,
			const void *values, size_t value_size)
{
	int i;

	m.lookups++;
	for (i = 0; i < n; i++)
		if (!memcmp((const char *)keys + i * key_size, key, key_size))
			return (const char *)values + i * value_size;
	return NULL;
}

static const struct pidpolicy_rule *
pidpolicy_lookup_rule(void *ctx, const struct pidpolicy_rule_key *key)
{
	(void)ctx;
	return find(m.rule_keys, sizeof(*key), m.nr_rules, key, m.rules, sizeof(m.rules[0]));
}

static const struct pidpolicy_chunk *
pidpolicy_lookup_chunk(void *ctx, const struct pidpolicy_chunk_key *key)
{
	(void)ctx;
	return find(m.chunk_keys, sizeof(*key), m.nr_chunks, key, m.chunks, sizeof(m.chunks[0]));
}

static const struct pidpolicy_ns_policy *
pidpolicy_lookup_ns(void *ctx, const struct pidpolicy_ns_policy_key *key)
{
	(void)ctx;
	return find(m.ns_keys, sizeof(*key), m.nr_ns, key, m.ns, sizeof(m.ns[0]));
}

#include "pidpolicy_decide.h"

static void add_rule(__u32 ns, __u32 kind, __u64 id, __u32 pid)
{
	struct pidpolicy_rule_key key = { .ns_inum = ns, .caller_kind = kind, .caller_id = id };
	int c = m.nr_chunks++;

	if (kind != PIDPOLICY_CALLER_CGROUP_TREE)
		m.uses |= PIDPOLICY_USES_KIND(kind);
	m.rule_keys[m.nr_rules] = key;
	m.rules[m.nr_rules++] = (struct pidpolicy_rule){ .nr_ranges = 1, .nr_pids = 1 };
	memset(&m.chunk_keys[c], 0, sizeof(m.chunk_keys[c]));
	m.chunk_keys[c].rule = key;
	m.chunk_keys[c].first_pid = pid - pid % PIDPOLICY_CHUNK_PIDS;
	memset(&m.chunks[c], 0, sizeof(m.chunks[c]));
	m.chunks[c].allowed[pid % PIDPOLICY_CHUNK_PIDS / 64] = 1ULL << (pid % 64);
}

/* A cgroup-tree rule for cgroup id, at cgroup level level. */
static void add_tree_rule(__u32 ns, __u64 id, int level, __u32 pid)
{
	add_rule(ns, PIDPOLICY_CALLER_CGROUP_TREE, id, pid);
	m.uses |= PIDPOLICY_USES_TREE_LEVEL(level);
}

static void fresh_maps(__u32 default_mode)
{
	memset(&m, 0, sizeof(m));
	m.ns_keys[0] = (struct pidpolicy_ns_policy_key){ .ns_inum = PIDPOLICY_NS_ANY };
	m.ns[0] = (struct pidpolicy_ns_policy){ default_mode, PIDPOLICY_NO_LIMIT };
	m.nr_ns = 1;
}

/*
 * A caller in cgroup 40, below 30, 20 and the root 1 (levels 3, 2, 1, 0),
 * choosing in namespace ns, whose entries are its own.
 */
static struct pidpolicy_decision decide(__u32 ns, __u32 pid)
{
	struct pidpolicy_query q = {
		.ns_inum = ns, .pid = pid, .own_entries = 1, .uid = 1000, .cgroup_id = 40,
		.cgroup_tree = { 1, 20, 30, 40 },
	};
	struct pidpolicy_decision d;

	q.uses = m.uses;
	m.lookups = 0;
	pidpolicy_decide(NULL, &q, &d);
	return d;
}

#define ASSERT_DECISION(d, v, r) do {				\
	ASSERT_EQ((d).verdict, (__u32)(v));				\
	ASSERT_EQ((d).reason, (__u32)(r));				\
} while (0)

TEST(cgroup_tree_rule_matches_the_callers_cgroup_and_ancestors)
{
	struct pidpolicy_decision d;

	fresh_maps(PIDPOLICY_MODE_ENFORCE);
	add_tree_rule(PIDPOLICY_NS_ANY, 20, 1, 500);
	add_tree_rule(7, 40, 3, 501);
	d = decide(7, 500);
	ASSERT_DECISION(d, PIDPOLICY_ALLOW, PIDPOLICY_REASON_RULE);
	ASSERT_EQ(d.rule.caller_id, 20ULL);
	ASSERT_EQ(d.rule.caller_kind, (__u32)PIDPOLICY_CALLER_CGROUP_TREE);
	ASSERT_EQ(decide(7, 501).verdict, (__u32)PIDPOLICY_ALLOW);
	/* the namespace-specific rule is for namespace 7 only */
	ASSERT_DECISION(decide(8, 501), PIDPOLICY_DENY, PIDPOLICY_REASON_RANGE);
}

TEST(cgroup_tree_rule_of_a_cgroup_off_the_path_does_not_match)
{
	fresh_maps(PIDPOLICY_MODE_ENFORCE);
	add_tree_rule(PIDPOLICY_NS_ANY, 21, 1, 500);	/* a sibling */
	add_rule(PIDPOLICY_NS_ANY, PIDPOLICY_CALLER_CGROUP, 30, 500);	/* exact: an ancestor */
	ASSERT_DECISION(decide(7, 500), PIDPOLICY_DENY, PIDPOLICY_REASON_NO_RULE);
}

TEST(cgroup_tree_rule_that_exists_makes_a_range_denial)
{
	fresh_maps(PIDPOLICY_MODE_AUDIT);
	add_tree_rule(PIDPOLICY_NS_ANY, 1, 0, 500);
	ASSERT_DECISION(decide(7, 600), PIDPOLICY_AUDIT, PIDPOLICY_REASON_RANGE);
}

/* What the man page and README promise: 40 lookups at most. */
TEST(a_decision_makes_at_most_40_lookups)
{
	struct pidpolicy_query q = {
		.ns_inum = 7, .pid = 600, .own_entries = 1, .uid = 1000, .cgroup_id = 8,
	};
	struct pidpolicy_decision d;
	__u64 level;

	fresh_maps(PIDPOLICY_MODE_ENFORCE);
	for (level = 0; level < PIDPOLICY_CGROUP_TREE_LEVELS; level++) {
		q.cgroup_tree[level] = level + 1;
		add_tree_rule(7, level + 1, (int)level, 500);
		add_tree_rule(PIDPOLICY_NS_ANY, level + 1, (int)level, 501);
	}
	q.uses = PIDPOLICY_USES_ALL;
	m.lookups = 0;
	pidpolicy_decide(NULL, &q, &d);
	ASSERT_DECISION(d, PIDPOLICY_DENY, PIDPOLICY_REASON_RANGE);
	/* 2 modes, 6 uid/cgroup/any chunks, 16 tree rules, their 16 chunks */
	ASSERT_EQ(m.lookups, 40);
}

/*
 * Entries under a namespace's number that are not its own (a dead
 * namespace's, ns_index naming another id) govern nothing: the decision is
 * the defaults', and it does not look those keys up, half the lookups.
 */
TEST(entries_not_the_namespaces_own_are_not_read)
{
	struct pidpolicy_query q = { .ns_inum = 7, .pid = 500, .uid = 1000, .cgroup_id = 8 };
	struct pidpolicy_decision d;
	__u64 level;

	fresh_maps(PIDPOLICY_MODE_ENFORCE);
	m.ns_keys[1] = (struct pidpolicy_ns_policy_key){ .ns_inum = 7 };
	m.ns[1] = (struct pidpolicy_ns_policy){ PIDPOLICY_MODE_OFF, PIDPOLICY_NO_LIMIT };
	m.nr_ns = 2;
	add_rule(7, PIDPOLICY_CALLER_UID, 1000, 500);
	for (level = 0; level < PIDPOLICY_CGROUP_TREE_LEVELS; level++) {
		q.cgroup_tree[level] = level + 1;
		add_tree_rule(7, level + 1, (int)level, 500);
	}
	q.uses = PIDPOLICY_USES_ALL;
	q.own_entries = 1;
	pidpolicy_decide(NULL, &q, &d);
	ASSERT_DECISION(d, PIDPOLICY_ALLOW, PIDPOLICY_REASON_MODE_OFF);

	q.own_entries = 0;
	m.lookups = 0;
	pidpolicy_decide(NULL, &q, &d);
	ASSERT_DECISION(d, PIDPOLICY_DENY, PIDPOLICY_REASON_NO_RULE);
	ASSERT_EQ(d.mode, (__u32)PIDPOLICY_MODE_ENFORCE);
	/* the default's mode, 3 uid/cgroup/any chunks, 8 tree rules, 3 rules for the reason */
	ASSERT_EQ(m.lookups, 15);
}

/*
 * A decision looks up only the kinds of rule and the cgroup levels that the
 * generation's rules use: with uid rules alone, the two chunks of the uid
 * candidates, and for the reason their two rules, besides the two modes.
 */
TEST(a_decision_looks_up_only_what_the_generations_rules_use)
{
	struct pidpolicy_decision d;

	fresh_maps(PIDPOLICY_MODE_ENFORCE);
	add_rule(PIDPOLICY_NS_ANY, PIDPOLICY_CALLER_UID, 1000, 500);
	d = decide(7, 500);
	ASSERT_DECISION(d, PIDPOLICY_ALLOW, PIDPOLICY_REASON_RULE);
	ASSERT_EQ(m.lookups, 2 + 2);
	d = decide(7, 600);
	ASSERT_DECISION(d, PIDPOLICY_DENY, PIDPOLICY_REASON_RANGE);
	ASSERT_EQ(m.lookups, 2 + 2 + 2);

	/* a tree rule at level 2: that level's two keys (the namespace's, any) */
	add_tree_rule(PIDPOLICY_NS_ANY, 30, 2, 600);
	d = decide(7, 600);
	ASSERT_DECISION(d, PIDPOLICY_ALLOW, PIDPOLICY_REASON_RULE);
	ASSERT_EQ(d.rule.caller_id, 30ULL);
	ASSERT_EQ(m.lookups, 2 + 2 + 2 + 1);
}

/*
 * A rule whose kind the summary lacks is not seen: the summary must be set
 * before a rule is written (the loader does), and a stale one denies.
 */
TEST(a_rule_the_summary_does_not_name_allows_nothing)
{
	fresh_maps(PIDPOLICY_MODE_ENFORCE);
	add_rule(PIDPOLICY_NS_ANY, PIDPOLICY_CALLER_CGROUP, 40, 500);
	ASSERT_EQ(decide(7, 500).verdict, (__u32)PIDPOLICY_ALLOW);
	m.uses = 0;
	ASSERT_DECISION(decide(7, 500), PIDPOLICY_DENY, PIDPOLICY_REASON_NO_RULE);
}
