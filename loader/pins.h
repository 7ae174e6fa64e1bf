/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The pins under PIDPOLICY_PIN_DIR: opening the pinned maps under the lock
 * of their directory, and checking that directory and the caller.
 */
#ifndef PIDPOLICY_PINS_H
#define PIDPOLICY_PINS_H

#include <stdbool.h>
#include <linux/types.h>

/*
 * The maps the commands use, as this pidpolicy's BPF side makes them:
 * X(name, map type, key type, value type) each. A map added here gets its
 * fd in struct pins, -1 in PINS_INIT, and is opened and checked by
 * open_pins() and closed by close_pins(), and load takes its fd from the
 * skeleton's map of that name.
 */
#define PINNED_MAPS(X)								\
	X(rules, BPF_MAP_TYPE_HASH,						\
	  struct pidpolicy_rule_key, struct pidpolicy_rule)			\
	X(rule_pids, BPF_MAP_TYPE_HASH,						\
	  struct pidpolicy_chunk_key, struct pidpolicy_chunk)			\
	X(ns_policy, BPF_MAP_TYPE_HASH,						\
	  struct pidpolicy_ns_policy_key, struct pidpolicy_ns_policy)		\
	X(decisions, BPF_MAP_TYPE_LRU_PERCPU_HASH,				\
	  struct pidpolicy_ns_key, struct pidpolicy_decisions)			\
	X(config, BPF_MAP_TYPE_ARRAY, __u32, __u64)				\
	X(chosen_live, BPF_MAP_TYPE_HASH,					\
	  struct pidpolicy_ns_key, struct pidpolicy_chosen)			\
	X(rcu_barrier, BPF_MAP_TYPE_ARRAY_OF_MAPS, __u32, __u32)		\
	X(ns_index, BPF_MAP_TYPE_HASH,						\
	  struct pidpolicy_ns_key, struct pidpolicy_ns_index)			\
	X(decision_totals, BPF_MAP_TYPE_PERCPU_ARRAY,				\
	  __u32, struct pidpolicy_decisions)

#define PINS_FD_FIELD(name, type, key, value)	int name;
#define PINS_FD_INIT(name, type, key, value)	.name = -1,

/* File descriptors of the pinned maps, and of the locks held. */
struct pins {
	PINNED_MAPS(PINS_FD_FIELD)
	int dir;			/* PIDPOLICY_PIN_DIR, or -1 */
	int readers;			/* PIDPOLICY_READERS_LOCK, or -1 */
	__u32 gen;			/* the active policy generation */
};

#define PINS_INIT { PINNED_MAPS(PINS_FD_INIT) .dir = -1, .readers = -1 }

/*
 * Two locks. Writers (load, unload, edits, apply) take the pin directory's,
 * exclusive, for all they do: one at a time. Readers (status, show, dump,
 * explain) take only the readers' lock, shared, which a writer takes
 * exclusive only while it changes what readers read: an edit for its whole
 * run, apply for its generation switch alone, so readers do not wait while
 * apply writes the other generation. Writers take the directory's first.
 */
enum pins_lock {
	PINS_READ = 1,		/* the readers' lock, shared */
	PINS_EDIT,		/* both, exclusive */
	PINS_APPLY,		/* the directory's; the readers' in lock_readers() */
};

/*
 * The programs in the order load attaches them: those that count chosen
 * pids first, so every pid the hook charges is given back; unload detaches
 * in the reverse order, the hook first.
 */
#define NR_PROGS	4
extern const char *const attach_order[NR_PROGS];

/* 0 when running as root, else prints why not and returns EXIT_RUNTIME. */
int check_root(void);
/* The hook's link is pinned last: its pin marks a complete load. */
bool is_loaded(void);
/*
 * Pins of a load or unload that did not finish: no hook link, but other
 * pins than the readers' lock.
 */
bool is_incomplete(void);

/*
 * The one way to open a pin: the map pinned as PIDPOLICY_PIN_DIR/name, into
 * *fd, checked to be what this pidpolicy made (type, key and value sizes).
 * Prints the error and returns an exit status.
 */
int open_pinned_map(const char *name, __u32 type, __u32 key_size,
		    __u32 value_size, int *fd);
/*
 * Open every pinned map, holding the locks lock names. Prints the error and
 * returns an exit status.
 */
int open_pins(struct pins *pins, enum pins_lock lock);
void close_pins(struct pins *pins);
/* The readers' lock, exclusive, around apply's switch: 0 or -errno. */
int lock_readers(const struct pins *pins);
void unlock_readers(const struct pins *pins);
/* The active policy generation, config[PIDPOLICY_CONFIG_GEN], into pins->gen. */
int read_gen(struct pins *pins);

/*
 * What unload holds: the pin directory, locked as lock_pin_dir() does, and
 * the readers' lock, exclusive, where it exists, so that no reader is
 * halfway through what goes. 0 or -errno; close_pins() drops them.
 */
int lock_for_unload(struct pins *pins);
/*
 * Open and lock PIDPOLICY_PIN_DIR (made first if create), as load and unload
 * do. The locked fd, or -1 with errno set: EPERM (ELOOP, ENOTDIR) for a
 * directory that is not root's alone (a symlink, a file), see
 * check_pin_dir().
 */
int lock_pin_dir(bool create);
/* The pin directory dir must be root's alone; prints why not (dir -1: it is not). */
int check_pin_dir(int dir);

#endif /* PIDPOLICY_PINS_H */
