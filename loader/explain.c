// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * `pidpolicy explain`: the decision the BPF program would take for a caller
 * choosing a pid in a namespace, taken by the same code
 * (include/pidpolicy_decide.h) over the pinned maps, with the reason in
 * words.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "cgroup.h"
#include "main.h"
#include "maps.h"
#include "names.h"
#include "nshold.h"
#include "output.h"
#include "pins.h"
#include "policyfile.h"

struct lookup_ctx {
	const struct pins *pins;
	struct pidpolicy_rule rule;
	struct pidpolicy_chunk chunk;
	struct pidpolicy_ns_policy ns;
	int err;			/* first lookup error other than ENOENT */
};

static const void *lookup(struct lookup_ctx *ctx, int fd, const void *key,
			  void *value)
{
	if (!bpf_map_lookup_elem(fd, key, value))
		return value;
	if (errno != ENOENT && !ctx->err)
		ctx->err = -errno;
	return NULL;
}

static const struct pidpolicy_rule *
pidpolicy_lookup_rule(void *ctx, const struct pidpolicy_rule_key *key)
{
	struct lookup_ctx *c = ctx;

	return lookup(c, c->pins->rules, key, &c->rule);
}

static const struct pidpolicy_chunk *
pidpolicy_lookup_chunk(void *ctx, const struct pidpolicy_chunk_key *key)
{
	struct lookup_ctx *c = ctx;

	return lookup(c, c->pins->rule_pids, key, &c->chunk);
}

static const struct pidpolicy_ns_policy *
pidpolicy_lookup_ns(void *ctx, const struct pidpolicy_ns_policy_key *key)
{
	struct lookup_ctx *c = ctx;

	return lookup(c, c->pins->ns_policy, key, &c->ns);
}

#include "pidpolicy_decide.h"

static void explain_text(const struct env *env, const struct pidpolicy_decision *d,
			 bool mode_from_default, char *buf, size_t len)
{
	char ns[32], caller[48];

	policy_ns_name(d->rule.ns_inum, ns, sizeof(ns));
	format_caller(&d->rule, caller, sizeof(caller));
	switch (d->reason) {
	case PIDPOLICY_REASON_RULE:
		snprintf(buf, len, "the rule for namespace %s and caller %s allows pid %u",
			 ns, caller, env->pid);
		break;
	case PIDPOLICY_REASON_MODE_OFF:
		snprintf(buf, len, "the %s mode is off: no restriction beyond the kernel's",
			 mode_from_default ? "default" : "namespace's");
		break;
	case PIDPOLICY_REASON_NO_RULE:
		snprintf(buf, len, "no rule applies to this namespace and caller");
		break;
	case PIDPOLICY_REASON_QUOTA:
		snprintf(buf, len, "the rule for namespace %s and caller %s allows pid %u, but the namespace holds its max-chosen %u live chosen pids",
			 ns, caller, env->pid, d->max_chosen);
		break;
	case PIDPOLICY_REASON_ACCOUNTING:
		snprintf(buf, len, "the rule for namespace %s and caller %s allows pid %u, but the namespace has a limit and the process could not be counted against it",
			 ns, caller, env->pid);
		break;
	default:
		snprintf(buf, len, "rules apply to this namespace and caller, but none allows pid %u",
			 env->pid);
	}
}

/* The caller explain was given: "uid:0 cgroup:1234", or "any". */
static void format_who(const struct env *env, char *buf, size_t len)
{
	int n = 0;

	if (env->who.uid != UINT64_MAX)
		n = snprintf(buf, len, "uid:%llu", (unsigned long long)env->who.uid);
	if (env->who.cgroup_id && n >= 0 && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n, "%scgroup:%llu", n ? " " : "",
			 (unsigned long long)env->who.cgroup_id);
	else if (!n)
		snprintf(buf, len, "any");
}

static struct json_object *json_who(const struct env *env)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "uid", env->who.uid == UINT64_MAX ? NULL :
				  json_object_new_uint64(env->who.uid));
	json_object_object_add(o, "cgroup", env->who.cgroup_id ?
				  json_object_new_uint64(env->who.cgroup_id) : NULL);
	if (env->caller_pid_arg)
		json_object_object_add(o, "pid", json_object_new_int64(atoll(env->caller_pid_arg)));
	return o;
}

int cmd_explain(const struct env *env, const struct pins *pins)
{
	struct lookup_ctx ctx = { .pins = pins };
	struct pidpolicy_query q = {
		.gen = pins->gen,
		.ns_inum = env->rule.ns_inum,
		.pid = env->pid,
		.uid = env->who.uid,
		.cgroup_id = env->who.cgroup_id,
		.uses = read_uses(pins, pins->gen),
	};
	struct policy_ns ns_arg = { env->rule.ns_inum, env->ns_fd, 0, env->ns_id };
	struct pidpolicy_decision d = {};
	struct json_object *o;
	bool own;
	char why[256], ns[32], caller[64], limit[32], v[16], r[16];
	const char *verdict, *reason;
	__u32 ns_mode = PIDPOLICY_MODE_UNSET;
	__s64 live = 0;
	int err;

	memcpy(q.cgroup_tree, env->who.cgroup_tree, sizeof(q.cgroup_tree));
	err = ns_own_entries(pins, &ns_arg, &own);
	if (!err) {
		q.own_entries = own;
		pidpolicy_decide(&ctx, &q, &d);
		err = ctx.err;
	}
	if (!err)
		err = read_mode(pins, q.ns_inum, &ns_mode);
	if (!err)
		err = read_chosen_live(pins, q.ns_inum, &live);
	if (err) {
		err_msg("failed to read the policy maps: %s", strerror(-err));
		return EXIT_RUNTIME;
	}
	if (!own)	/* a dead namespace's entries: the kernel reads none */
		ns_mode = PIDPOLICY_MODE_UNSET;
	/* as the BPF program counts it: this process included */
	pidpolicy_over_quota(&d, live + 1);
	explain_text(env, &d, ns_mode == PIDPOLICY_MODE_UNSET, why, sizeof(why));
	verdict = name_or_number(verdict_name(d.verdict), d.verdict, v, sizeof(v));
	reason = name_or_number(reason_name(d.reason), d.reason, r, sizeof(r));
	policy_ns_name(env->rule.ns_inum, ns, sizeof(ns));
	format_who(env, caller, sizeof(caller));
	if (!env->json) {
		printf("namespace: %s\ncaller:    %s\npid:       %u\n", ns, caller, env->pid);
		printf("mode:      %s%s\n", mode_name(d.mode),
		       ns_mode == PIDPOLICY_MODE_UNSET ? " (default)" : "");
		format_limit(d.max_chosen, limit, sizeof(limit));
		printf("chosen:    %lld live, limit %s\n", (long long)live, limit);
		printf("verdict:   %s\nreason:    %s\n", verdict, why);
		return 0;
	}
	o = json_object_new_object();
	json_object_object_add(o, "ns", json_ns(env->rule.ns_inum));
	json_object_object_add(o, "caller", json_who(env));
	json_object_object_add(o, "pid", json_object_new_uint64(env->pid));
	json_object_object_add(o, "mode", json_object_new_string(mode_name(d.mode)));
	json_object_object_add(o, "mode_from_default",
			       json_object_new_boolean(ns_mode == PIDPOLICY_MODE_UNSET));
	json_object_object_add(o, "verdict", json_object_new_string(verdict));
	json_object_object_add(o, "reason", json_object_new_string(reason));
	json_object_object_add(o, "explanation", json_object_new_string(why));
	json_object_object_add(o, "chosen_live", json_object_new_int64(live));
	json_object_object_add(o, "max_chosen", d.max_chosen == PIDPOLICY_NO_LIMIT ? NULL :
			       json_object_new_uint64(d.max_chosen));
	json_object_object_add(o, "matched_rule", d.matched ? json_rule(&d.rule) : NULL);
	json_print(o);
	return 0;
}

/*
 * explain's caller: the uid (none: UINT64_MAX, which no uid rule holds), and
 * the cgroup at path (none: 0) with the ancestors the BPF program would see,
 * levels 0 (the root) to PIDPOLICY_CGROUP_TREE_LEVELS - 1.
 */
int explain_caller(struct env *env, bool has_uid, __u32 uid, const char *path,
		   char *err, size_t errlen)
{
	__u64 ids[256];
	size_t n, i;
	int ret;

	env->who.uid = has_uid ? uid : UINT64_MAX;
	if (!path)
		return 0;
	if (parse_cgroup(path, &env->who.cgroup_id, err, errlen))
		return -1;
	ret = cgroup_ancestors(env->who.cgroup_id, ids, sizeof(ids) / sizeof(ids[0]), &n);
	if (ret) {
		snprintf(err, errlen, "cannot read the ancestors of cgroup %.300s: %s", path,
			 strerror(-ret));
		return -1;
	}
	for (i = 0; i < n && i < PIDPOLICY_CGROUP_TREE_LEVELS; i++)
		env->who.cgroup_tree[i] = ids[n - 1 - i];
	return 0;
}
