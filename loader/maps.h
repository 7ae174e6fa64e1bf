/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Reading and writing the pinned policy maps: whole maps in batches, the
 * chunks of a rule, the entries of a namespace, the active policy as a
 * whole. Functions return 0 or -errno unless they say otherwise.
 */
#ifndef PIDPOLICY_MAPS_H
#define PIDPOLICY_MAPS_H

#include <stdbool.h>
#include <stddef.h>
#include "pidpolicy.h"
#include "ranges.h"

struct pins;
struct policy;

/* Order of struct pidpolicy_ns_key, for qsort(). */
int cmp_ns_key(const void *a, const void *b);

/* All keys of hash map fd, in a malloc'ed array of *n keys of key_size bytes. */
int map_keys(int fd, size_t key_size, void **keys, size_t *n);

/* Entries to write to a map, a batch syscall per MAP_BATCH of them. */
struct map_writes {
	size_t key_size, value_size;
	size_t n, cap;
	char *keys, *values;
};

int map_writes_add(struct map_writes *w, const void *key, const void *value);
int map_writes_flush(int fd, const struct map_writes *w);
void map_writes_free(struct map_writes *w);
/* Delete keys[0..n) from map fd in batches; keys already gone are fine. */
int map_delete_keys(int fd, const void *keys, size_t key_size, size_t n);

/* A chunk of a rule, as read from map rule_pids. */
struct chunk_entry {
	struct pidpolicy_chunk_key key;
	struct pidpolicy_chunk bits;
};

/* The chunks of rule (all chunks if rule is NULL), sorted by rule and pid. */
int read_chunks(const struct pins *pins, const struct pidpolicy_rule_key *rule,
		struct chunk_entry **out, size_t *n);
/* The ranges held by chunks c[0..n), which are sorted by first_pid. */
int chunks_ranges(const struct chunk_entry *c, size_t n, struct range_list *l);

/* What the active policy holds for ns_inum (unset if nothing). */
int read_ns_policy(const struct pins *pins, __u32 ns_inum,
		   struct pidpolicy_ns_policy *val);
/* The mode stored for ns_inum, or PIDPOLICY_MODE_UNSET. */
int read_mode(const struct pins *pins, __u32 ns_inum, __u32 *mode);
/* Live processes holding a pid chosen in ns_inum. */
int read_chosen_live(const struct pins *pins, __u32 ns_inum, __s64 *live);

/*
 * The PIDPOLICY_USES_* bits a decision needs to look rule up: its kind's,
 * for a cgroup-tree rule its cgroup's level's (every level's if its level
 * cannot be told: the cgroup went).
 */
__u64 rule_uses(const struct pidpolicy_rule_key *rule);
/* What generation gen's rules use (PIDPOLICY_USES_ALL if unreadable). */
__u64 read_uses(const struct pins *pins, __u32 gen);
/* Set generation gen's summary to bits, or add them to it if add. */
int write_uses(const struct pins *pins, __u32 gen, __u64 bits, bool add);

/* A rule as shown: its key and the ranges of its chunks. */
struct rule_view {
	struct pidpolicy_rule_key key;
	struct range_list ranges;
};

/* The rules, filtered by namespace unless filter_ns is false. */
int read_rules(const struct pins *pins, bool filter_ns, __u32 ns_inum,
	       struct rule_view **out, size_t *n);
/* Namespace entries of the active generation, as policy modes and limits. */
int read_ns_entries(const struct pins *pins, struct policy *p);
/* The active policy, as `apply` reads it. */
int read_policy(const struct pins *pins, struct policy *p);

#endif /* PIDPOLICY_MAPS_H */
