// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * `pidpolicy show`: the rules of the active policy with their pids, the
 * modes, and the limits beside the live counts they cap, as tables or as
 * JSON.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "main.h"
#include "maps.h"
#include "names.h"
#include "output.h"
#include "pins.h"
#include "policyfile.h"

/* Modes per namespace (the default is shown apart), filtered like rules. */
static int read_modes(const struct pins *pins, bool filter_ns, __u32 ns_inum,
		      struct pidpolicy_ns_key **out, __u32 **modes, size_t *n)
{
	struct pidpolicy_ns_policy_key *all = NULL;
	struct pidpolicy_ns_key *keys;
	size_t nkeys, i, j;
	int err;

	err = map_keys(pins->ns_policy, sizeof(*all), (void **)&all, &nkeys);
	if (err)
		return err;
	/* the active generation's namespaces, with a mode of their own */
	keys = (struct pidpolicy_ns_key *)all;
	for (i = 0, j = 0; i < nkeys; i++) {
		__u32 mode, inum = all[i].ns_inum;

		if (all[i].gen == pins->gen && !read_mode(pins, inum, &mode) &&
		    mode != PIDPOLICY_MODE_UNSET)
			keys[j++].ns_inum = inum;
	}
	nkeys = j;
	qsort(keys, nkeys, sizeof(*keys), cmp_ns_key);
	*modes = calloc(nkeys ? nkeys : 1, sizeof(**modes));
	if (!*modes) {
		free(keys);
		return -ENOMEM;
	}
	*n = 0;
	for (i = 0; i < nkeys && !err; i++) {
		if (keys[i].ns_inum == PIDPOLICY_NS_ANY ||
		    (filter_ns && keys[i].ns_inum != ns_inum))
			continue;
		keys[*n] = keys[i];
		err = read_mode(pins, keys[i].ns_inum, &(*modes)[*n]);
		(*n)++;
	}
	*out = keys;
	return err;
}

static void print_show_table(const struct rule_view *v, size_t n, __u32 dflt,
			     const struct pidpolicy_ns_key *mk,
			     const __u32 *modes, size_t nm)
{
	char ns[32], caller[48], *pids;
	size_t i;

	printf("%-12s %-24s %s\n", "NAMESPACE", "CALLER", "PIDS");
	for (i = 0; i < n; i++) {
		policy_ns_name(v[i].key.ns_inum, ns, sizeof(ns));
		format_caller(&v[i].key, caller, sizeof(caller));
		pids = ranges_format(v[i].ranges.r, v[i].ranges.n);
		printf("%-12s %-24s %s\n", ns, caller, pids ? pids : "?");
		free(pids);
	}
	printf("\n%-12s %s\n", "NAMESPACE", "MODE");
	printf("%-12s %s%s\n", "default", mode_name(dflt),
	       dflt == PIDPOLICY_MODE_UNSET ? " (off)" : "");
	for (i = 0; i < nm; i++)
		printf("%-12u %s\n", mk[i].ns_inum, mode_name(modes[i]));
}

/* The rules and modes as a JSON object, for the caller to complete. */
static struct json_object *show_json(const struct rule_view *v, size_t n, __u32 dflt,
				     const struct pidpolicy_ns_key *mk,
				     const __u32 *modes, size_t nm)
{
	struct json_object *o = json_object_new_object(), *rules, *ns_modes;
	struct json_object *r, *ranges, *pair;
	size_t i, j;
	char *pids;

	rules = json_object_new_array();
	for (i = 0; i < n; i++) {
		r = json_rule(&v[i].key);
		ranges = json_object_new_array();
		for (j = 0; j < v[i].ranges.n; j++) {
			pair = json_object_new_array();
			json_object_array_add(pair, json_object_new_uint64(v[i].ranges.r[j].first));
			json_object_array_add(pair, json_object_new_uint64(v[i].ranges.r[j].last));
			json_object_array_add(ranges, pair);
		}
		pids = ranges_format(v[i].ranges.r, v[i].ranges.n);
		json_object_object_add(r, "pids", json_object_new_string(pids ? pids : ""));
		free(pids);
		json_object_object_add(r, "ranges", ranges);
		json_object_object_add(r, "nr_pids",
				       json_object_new_uint64(ranges_count(v[i].ranges.r,
									   v[i].ranges.n)));
		json_object_array_add(rules, r);
	}
	ns_modes = json_object_new_array();
	for (i = 0; i < nm; i++) {
		r = json_object_new_object();
		json_object_object_add(r, "ns", json_ns(mk[i].ns_inum));
		json_object_object_add(r, "mode", json_object_new_string(mode_name(modes[i])));
		json_object_array_add(ns_modes, r);
	}
	json_object_object_add(o, "rules", rules);
	json_object_object_add(o, "default_mode", json_object_new_string(mode_name(dflt)));
	json_object_object_add(o, "modes", ns_modes);
	return o;
}

/* Limits beside the live count they cap ("any": each namespace's own count). */
static int show_limits(const struct env *env, const struct pins *pins,
		       const struct policy *p, struct json_object *arr)
{
	char ns[32], limit[16], live_text[24];
	struct json_object *e;
	bool header = !arr;
	size_t i;
	__s64 live;
	int err;

	for (i = 0; i < p->nr_limits; i++) {
		__u32 inum = p->limits[i].ns_inum;

		if ((env->given & OPT_NS) && inum != env->rule.ns_inum)
			continue;
		err = read_chosen_live(pins, inum, &live);
		if (err)
			return err;
		policy_ns_name(inum, ns, sizeof(ns));
		format_limit(p->limits[i].max_chosen, limit, sizeof(limit));
		if (header) {	/* a table only where there are limits */
			printf("\n%-12s %10s %12s\n", "NAMESPACE", "LIMIT", "CHOSEN-LIVE");
			header = false;
		}
		if (!arr) {
			snprintf(live_text, sizeof(live_text), "%lld", (long long)live);
			printf("%-12s %10s %12s\n", ns, limit,
			       inum == PIDPOLICY_NS_ANY ? "per ns" : live_text);
			continue;
		}
		e = json_object_new_object();
		json_object_object_add(e, "ns", json_ns(inum));
		json_object_object_add(e, "max_chosen", json_object_new_uint64(p->limits[i].max_chosen));
		if (inum != PIDPOLICY_NS_ANY)
			json_object_object_add(e, "chosen_live", json_object_new_int64(live));
		json_object_array_add(arr, e);
	}
	return 0;
}

int cmd_show(const struct env *env, const struct pins *pins)
{
	bool filter = env->given & OPT_NS;
	struct pidpolicy_ns_key *mk = NULL;
	struct json_object *o = NULL, *limits = NULL;
	struct rule_view *v = NULL;
	struct policy ns_entries = {};
	__u32 *modes = NULL, dflt;
	size_t n = 0, nm = 0, i;
	int err;

	err = read_rules(pins, filter, env->rule.ns_inum, &v, &n);
	if (!err)
		err = read_modes(pins, filter, env->rule.ns_inum, &mk, &modes, &nm);
	if (!err)
		err = read_mode(pins, PIDPOLICY_NS_ANY, &dflt);
	if (!err)
		err = read_ns_entries(pins, &ns_entries);
	if (!err && env->json) {
		o = show_json(v, n, dflt, mk, modes, nm);
		limits = json_object_new_array();
		json_object_object_add(o, "limits", limits);
	} else if (!err) {
		print_show_table(v, n, dflt, mk, modes, nm);
	}
	if (!err)
		err = show_limits(env, pins, &ns_entries, limits);
	if (err) {
		err_msg("failed to read the policy maps: %s", strerror(-err));
		err = EXIT_RUNTIME;
	}
	if (o && !err)
		json_print(o);
	else
		json_object_put(o);
	policy_free(&ns_entries);
	for (i = 0; i < n; i++)
		range_list_free(&v[i].ranges);
	free(v);
	free(mk);
	free(modes);
	return err;
}
