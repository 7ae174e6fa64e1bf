// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Whole policies: `apply FILE` writes a policy as the other generation
 * beside the active one and switches to it with one map update; `dump`
 * prints the active policy in the format apply reads.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "cgroup.h"
#include "main.h"
#include "maps.h"
#include "nshold.h"
#include "pins.h"
#include "policyfile.h"

/*
 * Delete the entries of every generation but keep_gen from a policy map;
 * *kept (if kept) gets how many stay.
 */
static int delete_other_gens(int fd, size_t key_size, __u32 keep_gen, size_t *kept)
{
	char *keys = NULL;
	size_t n, i, j;
	int err = map_keys(fd, key_size, (void **)&keys, &n);

	if (err)
		return err;
	/* every policy key starts with its generation */
	for (i = 0, j = 0; i < n; i++) {
		if (*(__u32 *)(keys + i * key_size) != keep_gen)
			memmove(keys + j++ * key_size, keys + i * key_size, key_size);
	}
	err = map_delete_keys(fd, keys, key_size, j);
	free(keys);
	if (kept)
		*kept = n - j;
	return err;
}

/* The policy maps, in the order of the counts below. */
enum { POLICY_RULES, POLICY_CHUNKS, POLICY_NS, NR_POLICY_MAPS };

static int delete_gens_but(const struct pins *pins, __u32 keep_gen,
			   size_t kept[NR_POLICY_MAPS])
{
	const struct {
		int fd;
		size_t key_size;
	} maps[NR_POLICY_MAPS] = {
		[POLICY_RULES] = { pins->rules, sizeof(struct pidpolicy_rule_key) },
		[POLICY_CHUNKS] = { pins->rule_pids, sizeof(struct pidpolicy_chunk_key) },
		[POLICY_NS] = { pins->ns_policy, sizeof(struct pidpolicy_ns_policy_key) },
	};
	size_t ignored[NR_POLICY_MAPS], i;
	int err;

	if (!kept)
		kept = ignored;
	for (i = 0; i < NR_POLICY_MAPS; i++) {
		err = delete_other_gens(maps[i].fd, maps[i].key_size, keep_gen, &kept[i]);
		if (err)
			return err;
	}
	return 0;
}

/* Entries of each policy map that write_policy() writes for p (canonical). */
static void policy_size(const struct policy *p, size_t need[NR_POLICY_MAPS])
{
	const struct policy_rule *r;
	size_t i, m = 0, l = 0;
	__u32 fp;
	__u64 at;

	need[POLICY_RULES] = p->nr_rules;
	need[POLICY_CHUNKS] = 0;
	for (i = 0; i < p->nr_rules; i++) {
		r = &p->rules[i];
		for (at = 0; ranges_next_chunk(r->ranges, r->nr_ranges, at, &fp);
		     at = (__u64)fp + PIDPOLICY_CHUNK_PIDS)
			need[POLICY_CHUNKS]++;
	}
	/* one entry per namespace with a mode or a limit; both lists sorted */
	for (need[POLICY_NS] = 0; m < p->nr_modes || l < p->nr_limits; need[POLICY_NS]++) {
		if (l == p->nr_limits ||
		    (m < p->nr_modes && p->modes[m].ns_inum < p->limits[l].ns_inum))
			m++;
		else if (m == p->nr_modes || p->limits[l].ns_inum < p->modes[m].ns_inum)
			l++;
		else
			m++, l++;
	}
}

/*
 * Both generations share each map's max_entries: the new policy must fit
 * beside the kept (active) one. Checked before anything is written.
 */
static int check_capacity(const struct pins *pins, const struct policy *p,
			  const size_t kept[NR_POLICY_MAPS], const char *name)
{
	static const char *const map_names[] = { "rules", "rule_pids", "ns_policy" };
	const int fds[] = { pins->rules, pins->rule_pids, pins->ns_policy };
	size_t need[NR_POLICY_MAPS], i, free_entries;
	struct bpf_map_info info;
	__u32 len;

	policy_size(p, need);
	for (i = 0; i < NR_POLICY_MAPS; i++) {
		memset(&info, 0, sizeof(info));
		len = sizeof(info);
		if (bpf_obj_get_info_by_fd(fds[i], &info, &len)) {
			err_msg("failed to read the size of map %s: %s", map_names[i],
				strerror(errno));
			return EXIT_RUNTIME;
		}
		free_entries = info.max_entries > kept[i] ? info.max_entries - kept[i] : 0;
		if (need[i] <= free_entries)
			continue;
		err_msg("%s is too large: it needs %zu entries of map %s, and %zu of its %u are free beside the active policy (see LIMITS in pidpolicy(8)); the policy is unchanged",
			name, need[i], map_names[i], free_entries, info.max_entries);
		return EXIT_RUNTIME;
	}
	return 0;
}

/* Queue rule r's chunks and summary as generation gen. */
static int queue_rule(struct map_writes *chunks, struct map_writes *rules,
		      const struct policy_rule *r, __u32 gen)
{
	struct pidpolicy_chunk_key key = { .rule = r->key };
	struct pidpolicy_rule summary = {
		.nr_ranges = (__u32)r->nr_ranges,
		.nr_pids = ranges_count(r->ranges, r->nr_ranges),
	};
	struct pidpolicy_chunk bits;
	__u64 at;
	int err;

	key.rule.gen = gen;
	for (at = 0; ranges_next_chunk(r->ranges, r->nr_ranges, at, &key.first_pid);
	     at = (__u64)key.first_pid + PIDPOLICY_CHUNK_PIDS) {
		memset(&bits, 0, sizeof(bits));
		chunk_apply(&bits, key.first_pid, r->ranges, r->nr_ranges, true);
		err = map_writes_add(chunks, &key, &bits);
		if (err)
			return err;
	}
	return map_writes_add(rules, &key.rule, &summary);
}

static int write_ns_entry(const struct pins *pins, __u32 gen, __u32 ns_inum,
			  bool mode, __u32 value)
{
	struct pidpolicy_ns_policy_key key = { .gen = gen, .ns_inum = ns_inum };
	struct pidpolicy_ns_policy val = {
		.mode = PIDPOLICY_MODE_UNSET, .max_chosen = PIDPOLICY_NO_LIMIT,
	};

	if (bpf_map_lookup_elem(pins->ns_policy, &key, &val) && errno != ENOENT)
		return -errno;
	if (mode)
		val.mode = value;
	else
		val.max_chosen = value;
	if (bpf_map_update_elem(pins->ns_policy, &key, &val, BPF_ANY))
		return -errno;
	return 0;
}

/* Write policy p as generation gen, beside the active one. */
static int write_policy(const struct pins *pins, const struct policy *p, __u32 gen)
{
	struct map_writes chunks = {
		.key_size = sizeof(struct pidpolicy_chunk_key),
		.value_size = sizeof(struct pidpolicy_chunk),
	};
	struct map_writes rules = {
		.key_size = sizeof(struct pidpolicy_rule_key),
		.value_size = sizeof(struct pidpolicy_rule),
	};
	__u64 uses = 0;
	size_t i;
	int err;

	for (i = 0; i < p->nr_rules; i++) {
		uses |= rule_uses(&p->rules[i].key);
		err = queue_rule(&chunks, &rules, &p->rules[i], gen);
		if (err)
			goto out_free;
	}
	/* read by a decision once gen is switched to: this generation's alone */
	err = write_uses(pins, gen, uses, false);
	if (err)
		goto out_free;
	err = map_writes_flush(pins->rule_pids, &chunks);
	if (err)
		goto out_free;
	err = map_writes_flush(pins->rules, &rules);
out_free:
	map_writes_free(&chunks);
	map_writes_free(&rules);
	if (err)
		return err;
	for (i = 0; i < p->nr_modes; i++) {
		err = write_ns_entry(pins, gen, p->modes[i].ns_inum, true, p->modes[i].mode);
		if (err)
			return err;
	}
	for (i = 0; i < p->nr_limits; i++) {
		err = write_ns_entry(pins, gen, p->limits[i].ns_inum, false,
				     p->limits[i].max_chosen);
		if (err)
			return err;
	}
	return 0;
}

/* Returns once no BPF program that may have read the old generation runs. */
static int wait_for_decisions(const struct pins *pins)
{
	__u32 zero = 0;
	int inner = bpf_map_create(BPF_MAP_TYPE_ARRAY, "pidpolicy_rcu", sizeof(__u32),
				   sizeof(__u32), 1, NULL), err = 0;

	if (inner < 0)
		return -errno;
	if (bpf_map_update_elem(pins->rcu_barrier, &zero, &inner, BPF_ANY))
		err = -errno;
	close(inner);
	return err;
}

/* Make generation gen the active one: readers see the switch whole. */
static int switch_gen(const struct pins *pins, __u32 gen)
{
	__u32 slot = PIDPOLICY_CONFIG_GEN;
	__u64 gen64 = gen;
	int err;

	err = lock_readers(pins);
	if (err)
		return err;
	if (bpf_map_update_elem(pins->config, &slot, &gen64, BPF_ANY))
		err = -errno;
	unlock_readers(pins);
	return err;
}

/* prepare_ns_entries() for every namespace policy p names. */
static int hold_policy_ns(const struct pins *pins, const struct policy *p,
			  const char *name, struct ns_holds *h)
{
	size_t i, n = 0;
	__u32 *inums = malloc((p->nr_rules + p->nr_modes + p->nr_limits + 1) * sizeof(*inums));
	int err;

	if (!inums) {
		err_msg("failed to index the policy's namespaces: %s (the policy is unchanged)",
			strerror(ENOMEM));
		return EXIT_RUNTIME;
	}
	for (i = 0; i < p->nr_rules; i++)
		inums[n++] = p->rules[i].key.ns_inum;
	for (i = 0; i < p->nr_modes; i++)
		inums[n++] = p->modes[i].ns_inum;
	for (i = 0; i < p->nr_limits; i++)
		inums[n++] = p->limits[i].ns_inum;
	err = prepare_ns_entries(pins, inums, n, p->ns, p->nr_ns, name, h);
	free(inums);
	return err;
}

/*
 * Every cgroup a rule of p names by id must exist (an id is never reused:
 * a rule for a gone one could never match, and after a reboot the number
 * is another cgroup's), and a tree rule's be at a level the program walks.
 */
static int check_policy_cgroups(const struct policy *p, const char *name)
{
	const struct policy_rule *r;
	char msg[512];
	size_t i;

	for (i = 0; i < p->nr_rules; i++) {
		r = &p->rules[i];
		if (r->key.caller_kind != PIDPOLICY_CALLER_CGROUP &&
		    r->key.caller_kind != PIDPOLICY_CALLER_CGROUP_TREE)
			continue;
		if (!check_cgroup_id(r->key.caller_id,
				     r->key.caller_kind == PIDPOLICY_CALLER_CGROUP_TREE,
				     msg, sizeof(msg)))
			continue;
		if (name && r->line)
			err_msg("%s:%lu: %s (the policy is unchanged)", name, r->line, msg);
		else
			err_msg("%s (the policy is unchanged)", msg);
		return EXIT_RUNTIME;
	}
	return 0;
}

/* Parse the policy file at path; prints the error and returns an exit status. */
int read_policy_file(const char *path, struct policy *p)
{
	char err_text[512];

	if (!policy_parse_file(path, p, err_text, sizeof(err_text)))
		return 0;
	err_msg("%s", err_text);
	return EXIT_USAGE;
}

/*
 * Policy p (from file name) becomes the whole policy at once: written as
 * the other generation (after removing what an interrupted apply left),
 * then made active by one update of config. A kill before that leaves the
 * old policy whole, after it the new one; the old generation goes once no
 * decision can read it. The two generations differ in bit 0 only, so no
 * copy of the value, however the kernel makes it, can be read as a third.
 * Readers wait for the switch alone, and it for them: they read the active
 * generation, which nothing else here writes.
 */
int apply_policy(const struct pins *pins, const struct policy *p,
		 const char *name)
{
	__u32 gen = pins->gen ^ 1;
	size_t kept[NR_POLICY_MAPS];
	struct ns_holds holds;
	int err;

	err = check_policy_cgroups(p, name);
	if (err)
		return err;
	err = hold_policy_ns(pins, p, name, &holds);
	if (err)
		return err;
	err = delete_gens_but(pins, pins->gen, kept);
	if (err)
		goto out_unchanged;
	if (check_capacity(pins, p, kept, name)) {
		ns_release(&holds);
		return EXIT_RUNTIME;
	}
	err = write_policy(pins, p, gen);
	if (err)
		goto out_unchanged;
	err = switch_gen(pins, gen);
	if (err)
		goto out_unchanged;
	ns_release(&holds);

	err = wait_for_decisions(pins);
	if (!err)
		err = delete_gens_but(pins, gen, NULL);
	if (err)
		note_msg("applied, but failed to remove the old policy: %s (the next apply removes it)",
			strerror(-err));
	return 0;

out_unchanged:
	ns_release(&holds);
	delete_gens_but(pins, pins->gen, NULL);
	err_msg("failed to write the policy maps: %s (the policy is unchanged)", strerror(-err));
	return EXIT_RUNTIME;
}

int cmd_apply(const struct env *env, const struct pins *pins)
{
	struct policy p = {};
	int err;

	err = read_policy_file(env->word, &p);
	if (!err)
		err = apply_policy(pins, &p, env->word);
	policy_free(&p);
	return err;
}

/*
 * With -j: {"policy": TEXT}, TEXT what dump prints without it, so that
 * `jq -r .policy` gives a file for apply.
 */
static int dump_json(const struct policy *p)
{
	struct json_object *o;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	int err = 0;

	if (!f)
		return -errno;
	if (policy_write_named(f, p, cgroup_name))
		err = -errno;
	if (fclose(f) && !err)
		err = -errno;
	if (!err) {
		o = json_object_new_object();
		json_object_object_add(o, "policy", json_object_new_string_len(text, (int)len));
		json_print(o);
	}
	free(text);
	return err;
}

int cmd_dump(const struct env *env, const struct pins *pins)
{
	struct policy p = {};
	int err;

	err = read_policy(pins, &p);
	if (!err && env->json)
		err = dump_json(&p);
	else if (!err && policy_write_named(stdout, &p, cgroup_name))
		err = -errno;
	policy_free(&p);
	if (err) {
		err_msg("failed to dump the policy: %s", strerror(-err));
		return EXIT_RUNTIME;
	}
	return 0;
}
