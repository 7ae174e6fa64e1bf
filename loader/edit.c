// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The commands that edit the active policy in place: `allow` and `revoke`
 * (a rule's pids, chunk by chunk, then its summary; undone if a write
 * fails), `mode` and `limit` (one namespace's entry).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "main.h"
#include "maps.h"
#include "names.h"
#include "nshold.h"
#include "pins.h"
#include "policyfile.h"

/* One chunk about to change, with its old content to undo the change. */
struct chunk_edit {
	struct pidpolicy_chunk_key key;
	bool had;
	struct pidpolicy_chunk old;
	struct pidpolicy_chunk new;
};

static int write_chunk(int fd, const struct pidpolicy_chunk_key *key,
		       bool present, const struct pidpolicy_chunk *bits)
{
	if (present) {
		if (bpf_map_update_elem(fd, key, bits, BPF_ANY))
			return -errno;
		return 0;
	}
	if (bpf_map_delete_elem(fd, key) && errno != ENOENT)
		return -errno;
	return 0;
}

static void undo_edits(const struct pins *pins, const struct chunk_edit *e,
		       size_t n)
{
	while (n--)
		write_chunk(pins->rule_pids, &e[n].key, e[n].had, &e[n].old);
}

/* The chunks of rule that allowing (or revoking) ranges r changes. */
static int plan_edits(const struct pins *pins,
		      const struct pidpolicy_rule_key *rule,
		      const struct pid_range *r, size_t n, bool allow,
		      struct chunk_edit **out, size_t *nout)
{
	struct chunk_edit *e, *edits = NULL, *tmp;
	size_t cap = 0;
	__u32 fp;
	__u64 at;

	*nout = 0;
	for (at = 0; ranges_next_chunk(r, n, at, &fp);
	     at = (__u64)fp + PIDPOLICY_CHUNK_PIDS) {
		if (*nout == cap) {
			cap = cap ? cap * 2 : 16;
			tmp = realloc(edits, cap * sizeof(*edits));
			if (!tmp) {
				free(edits);
				return -ENOMEM;
			}
			edits = tmp;
		}
		e = &edits[*nout];
		memset(e, 0, sizeof(*e));
		e->key.rule = *rule;
		e->key.first_pid = fp;
		e->had = !bpf_map_lookup_elem(pins->rule_pids, &e->key, &e->old);
		if (!e->had && errno != ENOENT) {
			free(edits);
			return -errno;
		}
		if (!e->had)
			memset(&e->old, 0, sizeof(e->old));
		e->new = e->old;
		chunk_apply(&e->new, fp, r, n, allow);
		if (memcmp(&e->new, &e->old, sizeof(e->new)))
			(*nout)++;
	}
	*out = edits;
	return 0;
}

/* Rewrite the summary of rule from its chunks; delete it if it has none. */
static int write_summary(const struct pins *pins,
			 const struct pidpolicy_rule_key *rule)
{
	struct range_list l = {};
	struct chunk_entry *c = NULL;
	struct pidpolicy_rule val = {};
	size_t n = 0;
	int err;

	err = read_chunks(pins, rule, &c, &n);
	if (err)
		goto out;
	err = chunks_ranges(c, n, &l);
	if (err)
		goto out;
	if (!l.n) {
		if (bpf_map_delete_elem(pins->rules, rule) && errno != ENOENT)
			err = -errno;
		goto out;
	}
	val.nr_ranges = (__u32)l.n;
	val.nr_pids = ranges_count(l.r, l.n);
	if (bpf_map_update_elem(pins->rules, rule, &val, BPF_ANY))
		err = -errno;
out:
	range_list_free(&l);
	free(c);
	return err;
}

/*
 * Allow or revoke pids r of rule: chunks first, then the summary, so that a
 * decision never sees a rule without its pids. Undone on failure.
 */
static int edit_rule(const struct pins *pins,
		     const struct pidpolicy_rule_key *rule,
		     const struct pid_range *r, size_t n, bool allow)
{
	struct pidpolicy_rule old_rule;
	struct chunk_edit *edits = NULL;
	bool had_rule;
	size_t nedits = 0, i;
	int err;

	had_rule = !bpf_map_lookup_elem(pins->rules, rule, &old_rule);
	err = plan_edits(pins, rule, r, n, allow, &edits, &nedits);
	/* decisions look the rule up from before its first pid is written */
	if (!err && allow)
		err = write_uses(pins, pins->gen, rule_uses(rule), true);
	for (i = 0; !err && i < nedits; i++) {
		err = write_chunk(pins->rule_pids, &edits[i].key,
				  !chunk_empty(&edits[i].new), &edits[i].new);
		if (err)
			undo_edits(pins, edits, i);
	}
	if (!err) {
		err = write_summary(pins, rule);
		if (err) {
			undo_edits(pins, edits, nedits);
			if (had_rule)
				bpf_map_update_elem(pins->rules, rule, &old_rule, BPF_ANY);
			else
				bpf_map_delete_elem(pins->rules, rule);
		}
	}
	free(edits);
	if (err) {
		err_msg("failed to update the policy maps: %s (the policy is unchanged)",
			strerror(-err));
		return EXIT_RUNTIME;
	}
	return 0;
}

/* prepare_ns_entries() for --ns, through the file it opened if a path. */
static int prepare_ns_arg(const struct env *env, const struct pins *pins,
			  struct ns_holds *h)
{
	struct policy_ns ns = { env->rule.ns_inum, env->ns_fd, 0, env->ns_id };

	return prepare_ns_entries(pins, &ns.ns_inum, 1, &ns, 1, NULL, h);
}

/*
 * Pids are checked against the kernel's limit only: reading a namespace's
 * own pid_max would mean entering it, and the kernel refuses a pid at or
 * above it when it is chosen anyway.
 */
int cmd_allow(const struct env *env, const struct pins *pins)
{
	struct ns_holds holds;
	int ret = prepare_ns_arg(env, pins, &holds);

	if (!ret) {
		ret = edit_rule(pins, &env->rule, env->ranges, env->nr_ranges, true);
		ns_release(&holds);
	}
	return ret;
}

static bool rule_exists(const struct pins *pins,
			const struct pidpolicy_rule_key *rule)
{
	struct pidpolicy_rule val;
	struct chunk_entry *c = NULL;
	size_t n = 0;

	if (!bpf_map_lookup_elem(pins->rules, rule, &val))
		return true;
	/* chunks without a summary: an allow that was interrupted */
	if (read_chunks(pins, rule, &c, &n))
		return true;	/* let the edit report the error */
	free(c);
	return n > 0;
}

int cmd_revoke(const struct env *env, const struct pins *pins)
{
	static const struct pid_range all = { 1, PIDPOLICY_PID_LIMIT - 1 };
	char ns[32], caller[48];

	if (!rule_exists(pins, &env->rule)) {
		policy_ns_name(env->rule.ns_inum, ns, sizeof(ns));
		format_caller(&env->rule, caller, sizeof(caller));
		err_msg("no rule for namespace %s and caller %s: see 'pidpolicy show'",
			ns, caller);
		return EXIT_RUNTIME;
	}
	if (env->ranges)
		return edit_rule(pins, &env->rule, env->ranges, env->nr_ranges, false);
	return edit_rule(pins, &env->rule, &all, 1, false);
}

/* Set the mode (if mode) or the limit of --ns, keeping the other. */
static int set_ns_policy(const struct env *env, const struct pins *pins, bool mode,
			 __u32 value)
{
	struct pidpolicy_ns_policy_key key = { .gen = pins->gen, .ns_inum = env->rule.ns_inum };
	struct pidpolicy_ns_policy val;
	struct ns_holds holds;
	int err = prepare_ns_arg(env, pins, &holds);

	if (err)
		return err;
	err = read_ns_policy(pins, key.ns_inum, &val);
	if (mode)
		val.mode = value;
	else
		val.max_chosen = value;
	if (!err && bpf_map_update_elem(pins->ns_policy, &key, &val, BPF_ANY))
		err = -errno;
	ns_release(&holds);
	if (err) {
		err_msg("failed to set the %s: %s", mode ? "mode" : "limit", strerror(-err));
		return EXIT_RUNTIME;
	}
	return 0;
}

int cmd_mode(const struct env *env, const struct pins *pins)
{
	return set_ns_policy(env, pins, true, env->mode);
}

int cmd_limit(const struct env *env, const struct pins *pins)
{
	return set_ns_policy(env, pins, false, env->max_chosen);
}
