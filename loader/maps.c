// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Reading and writing the pinned policy maps (see maps.h): whole maps in
 * batch syscalls, the chunks of a rule, the entries of a namespace, and the
 * active policy as a whole, as `show` and `dump` read it.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "cgroup.h"
#include "maps.h"
#include "pins.h"
#include "policyfile.h"

static int cmp_rule_key_qsort(const void *a, const void *b)
{
	return policy_rule_key_cmp(a, b);
}

int cmp_ns_key(const void *a, const void *b)
{
	const struct pidpolicy_ns_key *x = a, *y = b;

	return x->ns_inum < y->ns_inum ? -1 : x->ns_inum > y->ns_inum;
}

/* Drop repeated keys from sorted keys[0..n); returns the new count. */
static size_t dedupe_sorted(void *keys, size_t n, size_t key_size)
{
	char *k = keys;
	size_t i, j;

	for (i = 0, j = 0; i < n; i++) {
		if (j && !memcmp(k + (j - 1) * key_size, k + i * key_size, key_size))
			continue;
		memmove(k + j * key_size, k + i * key_size, key_size);
		j++;
	}
	return j;
}

#define MAP_BATCH	4096	/* entries per batch syscall */

/* Grow the arrays of keys and of values side by side to cap entries. */
static int grow_entries(char **keys, size_t key_size, char **values, size_t value_size,
			size_t cap)
{
	char *tmp;

	tmp = realloc(*keys, cap * key_size);
	if (!tmp)
		return -ENOMEM;
	*keys = tmp;
	tmp = realloc(*values, cap * value_size);
	if (!tmp)
		return -ENOMEM;
	*values = tmp;
	return 0;
}

/*
 * All entries of hash map fd, as *n keys of key_size bytes and values of
 * value_size bytes (per-CPU maps: rounded up to 8, times the CPUs), in
 * malloc'ed arrays. Read in batches: a get_next_key walk costs a syscall per
 * key, 10 s on a policy of 100,000 rules in the test VM.
 */
static int map_entries(int fd, size_t key_size, size_t value_size,
		       void **keys, void **values, size_t *n)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	char *k = NULL, *v = NULL;
	__u64 token;			/* where the walk stands: a bucket */
	size_t cap = 0;
	__u32 count;
	int err;

	*n = 0;
	for (;;) {
		if (cap - *n < MAP_BATCH) {
			cap += cap ? cap : MAP_BATCH;
			err = grow_entries(&k, key_size, &v, value_size, cap);
			if (err)
				break;
		}
		count = MAP_BATCH;
		err = bpf_map_lookup_batch(fd, *n ? &token : NULL, &token,
					   k + *n * key_size, v + *n * value_size,
					   &count, &opts);
		if (err && errno != ENOENT) {
			err = -errno;
			break;
		}
		*n += count;
		if (err) {		/* ENOENT: that was the last batch */
			err = 0;
			break;
		}
	}
	if (err) {
		free(k);
		free(v);
		return err;
	}
	*keys = k;
	*values = v;
	return 0;
}

/* All keys of hash map fd, in a malloc'ed array of *n keys of key_size bytes. */
int map_keys(int fd, size_t key_size, void **keys, size_t *n)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	size_t value_size;
	void *values = NULL;
	int ncpus, err;

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	value_size = info.value_size;
	if (info.type == BPF_MAP_TYPE_PERCPU_HASH || info.type == BPF_MAP_TYPE_LRU_PERCPU_HASH) {
		ncpus = libbpf_num_possible_cpus();
		if (ncpus < 0)
			return ncpus;
		value_size = (value_size + 7) / 8 * 8 * (size_t)ncpus;
	}
	err = map_entries(fd, key_size, value_size, keys, &values, n);
	free(values);
	return err;
}

int map_writes_add(struct map_writes *w, const void *key, const void *value)
{
	int err;

	if (w->n == w->cap) {
		w->cap = w->cap ? w->cap * 2 : MAP_BATCH;
		err = grow_entries(&w->keys, w->key_size, &w->values, w->value_size, w->cap);
		if (err)
			return err;
	}
	memcpy(w->keys + w->n * w->key_size, key, w->key_size);
	memcpy(w->values + w->n * w->value_size, value, w->value_size);
	w->n++;
	return 0;
}

int map_writes_flush(int fd, const struct map_writes *w)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts, .elem_flags = BPF_ANY);
	size_t done;
	__u32 count;

	for (done = 0; done < w->n; done += count) {
		count = (__u32)(w->n - done < MAP_BATCH ? w->n - done : MAP_BATCH);
		if (bpf_map_update_batch(fd, w->keys + done * w->key_size,
					 w->values + done * w->value_size, &count, &opts))
			return -errno;
	}
	return 0;
}

void map_writes_free(struct map_writes *w)
{
	free(w->keys);
	free(w->values);
}

/* Delete keys[0..n) from map fd in batches; keys already gone are fine. */
int map_delete_keys(int fd, const void *keys, size_t key_size, size_t n)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	const char *k = keys;
	size_t done = 0;
	__u32 count;

	while (done < n) {
		count = (__u32)(n - done < MAP_BATCH ? n - done : MAP_BATCH);
		if (!bpf_map_delete_batch(fd, k + done * key_size, &count, &opts)) {
			done += count;
			continue;
		}
		if (errno != ENOENT)
			return -errno;
		done += count + 1;	/* count were deleted, the next was gone */
	}
	return 0;
}

static int cmp_chunk_entry(const void *a, const void *b)
{
	const struct chunk_entry *x = a, *y = b;
	int c = policy_rule_key_cmp(&x->key.rule, &y->key.rule);

	if (c)
		return c;
	return x->key.first_pid < y->key.first_pid ? -1 :
	       x->key.first_pid > y->key.first_pid;
}

/* The chunks of rule (all chunks if rule is NULL), sorted by rule and pid. */
int read_chunks(const struct pins *pins,
		const struct pidpolicy_rule_key *rule,
		struct chunk_entry **out, size_t *n)
{
	struct pidpolicy_chunk_key *keys = NULL;
	struct pidpolicy_chunk *bits = NULL;
	struct chunk_entry *e;
	size_t nkeys, i;
	int err;

	err = map_entries(pins->rule_pids, sizeof(*keys), sizeof(*bits),
			  (void **)&keys, (void **)&bits, &nkeys);
	if (err)
		return err;
	e = calloc(nkeys ? nkeys : 1, sizeof(*e));
	if (!e) {
		free(keys);
		free(bits);
		return -ENOMEM;
	}
	*n = 0;
	for (i = 0; i < nkeys; i++) {
		if (rule ? policy_rule_key_cmp(&keys[i].rule, rule) != 0 :
			   keys[i].rule.gen != pins->gen)
			continue;
		e[*n].key = keys[i];
		e[*n].bits = bits[i];
		(*n)++;
	}
	free(keys);
	free(bits);
	qsort(e, *n, sizeof(*e), cmp_chunk_entry);
	*out = e;
	return 0;
}

/* The ranges held by chunks c[0..n), which are sorted by first_pid. */
int chunks_ranges(const struct chunk_entry *c, size_t n,
		  struct range_list *l)
{
	size_t i;
	int err;

	for (i = 0; i < n; i++) {
		err = range_list_add_chunk(l, c[i].key.first_pid, &c[i].bits);
		if (err)
			return err;
	}
	return 0;
}

/* What the active policy holds for ns_inum (unset if nothing); -errno. */
int read_ns_policy(const struct pins *pins, __u32 ns_inum,
		   struct pidpolicy_ns_policy *val)
{
	struct pidpolicy_ns_policy_key key = { .gen = pins->gen, .ns_inum = ns_inum };

	if (!bpf_map_lookup_elem(pins->ns_policy, &key, val))
		return 0;
	val->mode = PIDPOLICY_MODE_UNSET;
	val->max_chosen = PIDPOLICY_NO_LIMIT;
	return errno == ENOENT ? 0 : -errno;
}

/* The mode stored for ns_inum, or PIDPOLICY_MODE_UNSET; -errno on error. */
int read_mode(const struct pins *pins, __u32 ns_inum, __u32 *mode)
{
	struct pidpolicy_ns_policy val;
	int err = read_ns_policy(pins, ns_inum, &val);

	*mode = val.mode;
	return err;
}

/* Live processes holding a pid chosen in ns_inum; -errno on error. */
int read_chosen_live(const struct pins *pins, __u32 ns_inum, __s64 *live)
{
	struct pidpolicy_ns_key key = { .ns_inum = ns_inum };
	struct pidpolicy_chosen val;

	*live = 0;
	if (bpf_map_lookup_elem(pins->chosen_live, &key, &val))
		return errno == ENOENT ? 0 : -errno;
	*live = pidpolicy_live_count(&val, ns_inum);
	return 0;
}

__u64 rule_uses(const struct pidpolicy_rule_key *rule)
{
	__u64 ids[PIDPOLICY_CGROUP_TREE_LEVELS], all = 0;
	size_t n, level;

	if (rule->caller_kind != PIDPOLICY_CALLER_CGROUP_TREE)
		return PIDPOLICY_USES_KIND(rule->caller_kind);
	if (!cgroup_ancestors(rule->caller_id, ids, PIDPOLICY_CGROUP_TREE_LEVELS, &n))
		return PIDPOLICY_USES_TREE_LEVEL(n - 1);
	for (level = 0; level < PIDPOLICY_CGROUP_TREE_LEVELS; level++)
		all |= PIDPOLICY_USES_TREE_LEVEL(level);
	return all;
}

__u64 read_uses(const struct pins *pins, __u32 gen)
{
	__u32 slot = PIDPOLICY_CONFIG_USES + (gen & 1);
	__u64 uses;

	return bpf_map_lookup_elem(pins->config, &slot, &uses) ? PIDPOLICY_USES_ALL : uses;
}

int write_uses(const struct pins *pins, __u32 gen, __u64 bits, bool add)
{
	__u32 slot = PIDPOLICY_CONFIG_USES + (gen & 1);
	__u64 uses = bits;

	if (add) {
		if (bpf_map_lookup_elem(pins->config, &slot, &uses))
			return -errno;
		if ((uses | bits) == uses)
			return 0;
		uses |= bits;
	}
	return bpf_map_update_elem(pins->config, &slot, &uses, BPF_ANY) ? -errno : 0;
}

/* Rule keys of both maps (chunks without a summary are shown too), sorted. */
static int collect_rule_keys(const struct pins *pins,
			     const struct chunk_entry *c, size_t nc,
			     struct pidpolicy_rule_key **out, size_t *n)
{
	struct pidpolicy_rule_key *keys = NULL, *tmp;
	size_t nkeys, i, j;
	int err;

	err = map_keys(pins->rules, sizeof(*keys), (void **)&keys, &nkeys);
	if (err)
		return err;
	for (i = 0, j = 0; i < nkeys; i++)
		if (keys[i].gen == pins->gen)
			keys[j++] = keys[i];
	nkeys = j;
	tmp = realloc(keys, (nkeys + nc + 1) * sizeof(*keys));
	if (!tmp) {
		free(keys);
		return -ENOMEM;
	}
	keys = tmp;
	for (i = 0; i < nc; i++)
		keys[nkeys++] = c[i].key.rule;
	qsort(keys, nkeys, sizeof(*keys), cmp_rule_key_qsort);
	*out = keys;
	*n = dedupe_sorted(keys, nkeys, sizeof(*keys));
	return 0;
}

/* The rules, filtered by namespace unless filter_ns is false. */
int read_rules(const struct pins *pins, bool filter_ns, __u32 ns_inum,
	       struct rule_view **out, size_t *n)
{
	struct pidpolicy_rule_key *keys = NULL;
	struct chunk_entry *c = NULL;
	struct rule_view *v = NULL;
	size_t nc = 0, nkeys = 0, i, ci = 0, start;
	int err;

	err = read_chunks(pins, NULL, &c, &nc);
	if (err)
		goto out;
	err = collect_rule_keys(pins, c, nc, &keys, &nkeys);
	if (err)
		goto out;
	v = calloc(nkeys ? nkeys : 1, sizeof(*v));
	if (!v) {
		err = -ENOMEM;
		goto out;
	}
	*n = 0;
	for (i = 0; i < nkeys && !err; i++) {
		/* chunks and keys are in the same order */
		while (ci < nc && policy_rule_key_cmp(&c[ci].key.rule, &keys[i]) < 0)
			ci++;
		start = ci;
		while (ci < nc && !policy_rule_key_cmp(&c[ci].key.rule, &keys[i]))
			ci++;
		if (filter_ns && keys[i].ns_inum != ns_inum)
			continue;
		v[*n].key = keys[i];
		err = chunks_ranges(c + start, ci - start, &v[*n].ranges);
		(*n)++;
	}
out:
	free(keys);
	free(c);
	if (err && v) {
		for (i = 0; i < *n; i++)
			range_list_free(&v[i].ranges);
		free(v);
	} else {
		*out = v;
	}
	return err;
}

/* Namespace entries of the active generation, as policy modes and limits. */
int read_ns_entries(const struct pins *pins, struct policy *p)
{
	struct pidpolicy_ns_policy_key *keys = NULL;
	struct pidpolicy_ns_policy val;
	size_t n, i;
	int err = map_keys(pins->ns_policy, sizeof(*keys), (void **)&keys, &n);

	if (!err) {
		p->modes = calloc(n + 1, sizeof(*p->modes));
		p->limits = calloc(n + 1, sizeof(*p->limits));
		if (!p->modes || !p->limits)
			err = -ENOMEM;
	}
	for (i = 0; !err && i < n; i++) {
		if (keys[i].gen != pins->gen)
			continue;
		err = read_ns_policy(pins, keys[i].ns_inum, &val);
		if (!err && val.mode != PIDPOLICY_MODE_UNSET)
			p->modes[p->nr_modes++] = (struct policy_mode){ keys[i].ns_inum, val.mode };
		if (!err && val.max_chosen != PIDPOLICY_NO_LIMIT)
			p->limits[p->nr_limits++] =
				(struct policy_limit){ keys[i].ns_inum, val.max_chosen };
	}
	free(keys);
	return err;
}

/* The id each namespace of p was written for (ns_index): p->ns. */
static int read_ns_ids(const struct pins *pins, struct policy *p)
{
	struct pidpolicy_ns_index *ids = NULL;
	struct pidpolicy_ns_key *keys = NULL;
	size_t n, i;
	int err = map_entries(pins->ns_index, sizeof(*keys), sizeof(*ids), (void **)&keys,
			      (void **)&ids, &n);

	if (!err) {
		p->ns = calloc(n + 1, sizeof(*p->ns));
		if (!p->ns)
			err = -ENOMEM;
	}
	for (i = 0; !err && i < n; i++)
		p->ns[p->nr_ns++] = (struct policy_ns){ keys[i].ns_inum, -1, 0, ids[i].ns_id };
	free(keys);
	free(ids);
	return err;
}

int read_policy(const struct pins *pins, struct policy *p)
{
	struct rule_view *v = NULL;
	size_t n = 0, i;
	int err = read_rules(pins, false, 0, &v, &n);

	if (!err) {
		p->rules = calloc(n + 1, sizeof(*p->rules));
		if (!p->rules)
			err = -ENOMEM;
	}
	for (i = 0; i < n; i++) {
		if (!err && v[i].ranges.n) {
			/* the rule takes over the ranges */
			p->rules[p->nr_rules++] = (struct policy_rule){
				.key = v[i].key, .ranges = v[i].ranges.r,
				.nr_ranges = v[i].ranges.n,
			};
			v[i].ranges.r = NULL;
		}
		range_list_free(&v[i].ranges);
	}
	free(v);
	if (err)
		return err;
	err = read_ns_entries(pins, p);
	if (err)
		return err;
	err = policy_canonicalize(p);
	if (err)
		return err;
	return read_ns_ids(pins, p);
}
