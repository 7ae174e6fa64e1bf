// SPDX-License-Identifier: GPL-2.0
/*
 * Pid policy: decides, at the kernel's pid_choose LSM hook, whether the
 * caller may take the pid it chose in a pid namespace, and counts the live
 * processes holding chosen pids per namespace for their limits. The maps are
 * pinned under /sys/fs/bpf/pidpolicy and edited at runtime by `pidpolicy`.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "pidpolicy.h"

/*
 * Every map is pinned by name, PIDPOLICY_PIN_DIR/<map> (pidpolicy opens the
 * object with that pin_root_path), where `pidpolicy` and bpftool find it.
 */

/*
 * Settings and state shared with pidpolicy, indexed by enum
 * pidpolicy_config_slot (array keys must be plain 32-bit integers):
 * PIDPOLICY_CONFIG_SLOTS __u64 slots.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, PIDPOLICY_CONFIG_SLOTS);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} config SEC(".maps");

/*
 * Capacities: the policy maps hold both generations during an `apply`; the
 * runtime maps are bounded by what the kernel bounds (live pids, live
 * namespaces) or forget (LRU). README and pidpolicy(8) list them.
 */

/*
 * Who may choose pids where: one entry per (generation, namespace, caller).
 * 262,144 entries: the two generations of `apply` together.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 262144);
	__type(key, struct pidpolicy_rule_key);
	__type(value, struct pidpolicy_rule);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} rules SEC(".maps");

/*
 * Which pids each rule allows, as bitmaps of PIDPOLICY_CHUNK_PIDS pids.
 * 262,144 chunks (268 M pids over all rules): a hash map allocates all its
 * buckets when created, so sized like `rules`.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 262144);
	__type(key, struct pidpolicy_chunk_key);
	__type(value, struct pidpolicy_chunk);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} rule_pids SEC(".maps");

/*
 * Mode and limit per namespace; PIDPOLICY_NS_ANY holds the defaults.
 * 65,536 entries, both generations together.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 65536);
	__type(key, struct pidpolicy_ns_policy_key);
	__type(value, struct pidpolicy_ns_policy);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ns_policy SEC(".maps");

/*
 * Numbers with entries in rules, rule_pids or ns_policy, with the id of the
 * namespace they were written for, written by pidpolicy before the entries:
 * a decision reads a namespace's own entries only where the id is its own,
 * and retire_ns searches those maps only for them. 65,536 namespaces.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 65536);
	__type(key, struct pidpolicy_ns_key);
	__type(value, struct pidpolicy_ns_index);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ns_index SEC(".maps");

/*
 * Decisions per namespace and verdict, pruned when the namespace dies;
 * beyond 16,384 namespaces with decisions the least recent are forgotten.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_PERCPU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct pidpolicy_ns_key);
	__type(value, struct pidpolicy_decisions);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} decisions SEC(".maps");

/*
 * Decisions of every namespace, and of those that died, moved here by
 * retire_ns: with `decisions`, what the LRU forgot is the difference.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PIDPOLICY_TOTAL_SLOTS);
	__type(key, __u32);
	__type(value, struct pidpolicy_decisions);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} decision_totals SEC(".maps");

/*
 * Live processes holding a chosen pid, per namespace with a limit in force,
 * pruned when the namespace dies. 65,536 namespaces: beyond, a limited
 * namespace without an entry yet denies (reason accounting).
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 65536);
	__type(key, struct pidpolicy_ns_key);
	__type(value, struct pidpolicy_chosen);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} chosen_live SEC(".maps");

/*
 * Charges of a thread's alloc_pid() in progress: task-local, so no capacity
 * of its own (an allocation failure denies, reason accounting).
 */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct pidpolicy_charges);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} charging SEC(".maps");

/*
 * Charges of each live struct pid with chosen numbers, by its address.
 * 262,144 pids: a charge that finds no room is never given back
 * (config[PIDPOLICY_CONFIG_CHARGES_KEPT]), so limits err toward denying.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 262144);
	__type(key, __u64);
	__type(value, struct pidpolicy_charges);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} charged SEC(".maps");

/*
 * Event rate per namespace, for callers outside the initial user namespace.
 * 16,384 namespaces, least recent forgotten (their bucket starts full).
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct pidpolicy_ns_key);
	__type(value, struct pidpolicy_event_budget);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} event_budget SEC(".maps");

/*
 * Unused by the programs: updating an element of a map-in-map makes the
 * kernel wait for every running BPF program (synchronize_rcu()). `pidpolicy
 * apply` does it after switching generations, so no decision still reads the
 * old generation when its entries go.
 */
struct rcu_barrier_inner_def {	/* shape of rcu_barrier's inner maps */
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
};

/* The inner map rcu_barrier starts with: one __u32, never read. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} rcu_barrier_inner SEC(".maps");

/*
 * One slot holding an inner map, which `apply` replaces to wait: an inner
 * map definition cannot be pinned, so the slot's shape is a type of its own.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 1);
	__type(key, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__array(values, struct rcu_barrier_inner_def);
} rcu_barrier SEC(".maps") = {
	.values = { [0] = (void *)&rcu_barrier_inner },
};

/*
 * Decisions for `pidpolicy monitor` of callers in user namespaces,
 * rate-limited per namespace: 256 KiB, about 3,600 events.
 */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} events SEC(".maps");

/*
 * Decisions of callers of the initial user namespace (they hold real
 * capabilities), apart so that a flood from a user namespace cannot crowd
 * them out: 256 KiB, about 3,600 events.
 */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} host_events SEC(".maps");

static __always_inline const struct pidpolicy_rule *
pidpolicy_lookup_rule(void *ctx, const struct pidpolicy_rule_key *key)
{
	return bpf_map_lookup_elem(&rules, key);
}

static __always_inline const struct pidpolicy_chunk *
pidpolicy_lookup_chunk(void *ctx, const struct pidpolicy_chunk_key *key)
{
	return bpf_map_lookup_elem(&rule_pids, key);
}

static __always_inline const struct pidpolicy_ns_policy *
pidpolicy_lookup_ns(void *ctx, const struct pidpolicy_ns_policy_key *key)
{
	return bpf_map_lookup_elem(&ns_policy, key);
}

#include "pidpolicy_decide.h"

static __always_inline __u64 *config_slot(__u32 slot)
{
	return bpf_map_lookup_elem(&config, &slot);
}

static __always_inline void config_add(__u32 slot, __u64 n)
{
	__u64 *v = config_slot(slot);

	if (v)
		__sync_fetch_and_add(v, n);
}

/* The namespace's counters, made if missing (NULL: none to be had). */
static __always_inline struct pidpolicy_decisions *ns_counters(__u32 ns_inum)
{
	struct pidpolicy_ns_key key = { .ns_inum = ns_inum };
	struct pidpolicy_decisions *d = bpf_map_lookup_elem(&decisions, &key);
	struct pidpolicy_decisions zero = {};

	if (d)
		return d;
	bpf_map_update_elem(&decisions, &key, &zero, BPF_NOEXIST);
	return bpf_map_lookup_elem(&decisions, &key);
}

static __always_inline void count_decision(struct pidpolicy_decisions *d, __u32 verdict)
{
	/* per-CPU values: plain increments do not race */
	if (verdict == PIDPOLICY_DENY)
		d->denied++;
	else if (verdict == PIDPOLICY_AUDIT)
		d->audited++;
	else
		d->allowed++;
}

static __always_inline struct pidpolicy_decisions *total(__u32 slot)
{
	return bpf_map_lookup_elem(&decision_totals, &slot);
}

/*
 * Add delta to the live count of a namespace; the count after it, or -1 if
 * the namespace has no counter and none could be made.
 */
static __always_inline __s64 add_live(__u32 ns_inum, __s64 delta)
{
	struct pidpolicy_ns_key key = { .ns_inum = ns_inum };
	struct pidpolicy_chosen *c = bpf_map_lookup_elem(&chosen_live, &key);

	if (!c && delta < 0)
		return 0;	/* its namespace died, and its count with it */
	if (!c) {
		struct pidpolicy_chosen zero = {};

		bpf_map_update_elem(&chosen_live, &key, &zero, BPF_NOEXIST);
		c = bpf_map_lookup_elem(&chosen_live, &key);
		if (!c)
			return -1;
	}
	return __sync_fetch_and_add(&c->live, delta) + delta;
}

static __always_inline void uncharge(struct pidpolicy_charges *charges)
{
	__u32 i;

	for (i = 0; i < PIDPOLICY_MAX_LEVELS; i++) {
		if (i >= charges->nr)
			break;
		add_live(charges->ns_inum[i], -1);
	}
	charges->nr = 0;
}

/*
 * Count the chosen pid against its namespace's limit, for the rest of
 * alloc_pid(): the live count with it, or -1 if it could not be recorded.
 */
static __always_inline __s64 charge(struct task_struct *task, __u32 ns_inum, __u32 level)
{
	struct pidpolicy_charges *c;
	__s64 live;
	__u32 nr;

	c = bpf_task_storage_get(&charging, task, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!c)
		return -1;
	/*
	 * Charges of a call whose alloc_pid_exit was skipped (recursion miss):
	 * whether its pid lives is unknown, so they are never given back, and
	 * limits err toward denying.
	 */
	if (c->nr && level >= c->last_level) {
		config_add(PIDPOLICY_CONFIG_CHARGES_KEPT, c->nr);
		c->nr = 0;
	}
	nr = c->nr;
	if (nr >= PIDPOLICY_MAX_LEVELS)
		return -1;
	live = add_live(ns_inum, 1);
	if (live < 0)
		return -1;
	c->ns_inum[nr] = ns_inum;
	c->last_level = level;
	c->nr = nr + 1;
	return live;
}

/*
 * May this event go to the shared ring buffer? A token bucket per target
 * namespace (GCRA): one that floods its own ns_last_pid spends its own
 * budget, not the other namespaces' room.
 */
static __always_inline int within_rate(__u32 ns_inum, __u64 now)
{
	const __u64 interval = 1000000000ULL / PIDPOLICY_EVENTS_PER_SEC;
	struct pidpolicy_ns_key key = { .ns_inum = ns_inum };
	struct pidpolicy_event_budget *b, full = {};
	__u64 tat, base;

	b = bpf_map_lookup_elem(&event_budget, &key);
	if (!b) {
		bpf_map_update_elem(&event_budget, &key, &full, BPF_NOEXIST);
		b = bpf_map_lookup_elem(&event_budget, &key);
		if (!b)
			return 0;
	}
	tat = b->tat_ns;
	base = tat > now ? tat : now;
	if (base - now > (PIDPOLICY_EVENTS_BURST - 1) * interval)
		return 0;
	/* a lost race with another CPU spends this event: the flood's own */
	return __sync_val_compare_and_swap(&b->tat_ns, tat, base + interval) == tat;
}

static __always_inline void report(const struct pidpolicy_query *q,
				   const struct pidpolicy_decision *d,
				   struct pidpolicy_decisions *counters,
				   struct pidpolicy_decisions *totals,
				   struct task_struct *task, struct pid_namespace *ns,
				   __u32 source)
{
	struct pidpolicy_event *e;
	__u64 now = bpf_ktime_get_ns(), *all;
	void *ring = &host_events;

	if (d->verdict == PIDPOLICY_ALLOW) {
		all = config_slot(PIDPOLICY_CONFIG_EVENTS_ALL_UNTIL);
		if (!all || *all < now)
			return;
	}
	if (BPF_CORE_READ(task, cred, user_ns, level) != 0) {
		ring = &events;
		if (!within_rate(q->ns_inum, now)) {
			if (counters)
				counters->suppressed++;
			if (totals)
				totals->suppressed++;
			config_add(PIDPOLICY_CONFIG_EVENTS_SUPPRESSED, 1);
			return;
		}
	}
	e = bpf_ringbuf_reserve(ring, sizeof(*e), 0);
	if (!e) {
		config_add(PIDPOLICY_CONFIG_EVENTS_LOST, 1);
		return;
	}
	e->time_ns = now;
	e->verdict = d->verdict;
	e->reason = d->reason;
	e->caller_pid = bpf_get_current_pid_tgid() >> 32;
	e->caller_uid = q->uid;
	e->ns_inum = q->ns_inum;
	e->level = BPF_CORE_READ(ns, level);
	e->pid = q->pid;
	e->source = source;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	bpf_ringbuf_submit(e, 0);
}

SEC("lsm/pid_choose")
int BPF_PROG(pid_choose, struct pid_namespace *ns, pid_t nr,
	     enum pid_choice_source source, int ret)
{
	struct task_struct *task = bpf_get_current_task_btf();
	__u64 *gen = config_slot(PIDPOLICY_CONFIG_GEN);
	struct pidpolicy_ns_key ns_key = { .ns_inum = BPF_CORE_READ(ns, ns.inum) };
	const struct pidpolicy_ns_index *own = bpf_map_lookup_elem(&ns_index, &ns_key);
	struct pidpolicy_decisions *counters, *all;
	struct pidpolicy_decision d;
	/*
	 * One 8-byte load of the generation. The kernel copies a value that
	 * userspace writes with memcpy(), which may store byte by byte; `apply`
	 * switches between two generations that differ in bit 0 only (gen ^ 1),
	 * so whatever a copy stores in between, a load reads old or new whole.
	 */
	struct pidpolicy_query q = {
		.gen = gen ? (__u32)*(volatile __u64 *)gen : 0,
		.ns_inum = ns_key.ns_inum,
		.pid = nr,
		/*
		 * Entries under the number are this namespace's only if written
		 * for its id: a dead namespace's that retire_ns missed are not.
		 */
		.own_entries = own && own->ns_id == BPF_CORE_READ(ns, id),
		.uid = BPF_CORE_READ(task, cred, euid.val),
		.cgroup_id = bpf_get_current_cgroup_id(),
	};
	__s64 live;
	int level;

	if (ret)	/* an earlier BPF program on this hook refused */
		return ret;
	/* for cgroup-tree rules; 0 past the caller's own level */
	for (level = 0; level < PIDPOLICY_CGROUP_TREE_LEVELS; level++) {
		q.cgroup_tree[level] = bpf_get_current_ancestor_cgroup_id(level);
		if (!q.cgroup_tree[level])
			break;
	}

	pidpolicy_decide(NULL, &q, &d);
	/*
	 * Count what will be created (ns_last_pid creates nothing) where a
	 * limit is in force. A refusal fails alloc_pid(), whose exit gives
	 * every charge of the call back.
	 */
	if (pidpolicy_limited(&d) && source != PID_CHOICE_NS_LAST_PID) {
		live = charge(task, q.ns_inum, BPF_CORE_READ(ns, level));
		if (live < 0)
			pidpolicy_unaccounted(&d);
		else
			pidpolicy_over_quota(&d, live);
	}
	counters = ns_counters(q.ns_inum);
	if (counters)
		count_decision(counters, d.verdict);
	all = total(PIDPOLICY_TOTAL_ALL);
	if (all)
		count_decision(all, d.verdict);
	report(&q, &d, counters, all, task, ns, source);
	return d.verdict == PIDPOLICY_DENY ? -PIDPOLICY_DENY_ERRNO : 0;
}

/*
 * alloc_pid() is done with every level: keep the charges of a new pid until
 * free_pid(), or give them back if it failed.
 */
SEC("fexit/alloc_pid")
int BPF_PROG(alloc_pid_exit, struct pid_namespace *ns, pid_t *set_tid,
	     size_t set_tid_size, enum pid_choice_source source, struct pid *ret)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct pidpolicy_charges *c, *stale;
	__u64 pid = (__u64)ret;
	long err;

	c = bpf_task_storage_get(&charging, task, 0, 0);
	if (!c || !c->nr)
		return 0;
	if (pid >= (__u64)-4095) {
		uncharge(c);
		return 0;
	}
	err = bpf_map_update_elem(&charged, &pid, c, BPF_NOEXIST);
	stale = err ? bpf_map_lookup_elem(&charged, &pid) : NULL;
	if (stale) {
		/* a struct pid freed while free_pid_entry did not run */
		uncharge(stale);
		err = bpf_map_update_elem(&charged, &pid, c, BPF_EXIST);
	}
	/* no room to remember them: keep the charges, limits deny early */
	if (err)
		config_add(PIDPOLICY_CONFIG_CHARGES_KEPT, c->nr);
	c->nr = 0;
	return 0;
}

/* All numbers of a pid are free again: its namespaces have one fewer. */
SEC("fentry/free_pid")
int BPF_PROG(free_pid_entry, struct pid *pid)
{
	__u64 key = (__u64)pid;
	struct pidpolicy_charges *c = bpf_map_lookup_elem(&charged, &key);

	if (!c)
		return 0;
	uncharge(c);
	bpf_map_delete_elem(&charged, &key);
	return 0;
}

/* bpf_for_each_map_elem() callbacks: delete the entries of namespace *inum. */
static long retire_rule(struct bpf_map *map, const struct pidpolicy_rule_key *key,
			void *value, const __u32 *inum)
{
	if (key->ns_inum == *inum)
		bpf_map_delete_elem(map, key);
	return 0;
}

static long retire_chunk(struct bpf_map *map, const struct pidpolicy_chunk_key *key,
			 void *value, const __u32 *inum)
{
	if (key->rule.ns_inum == *inum)
		bpf_map_delete_elem(map, key);
	return 0;
}

static long retire_ns_policy(struct bpf_map *map,
			     const struct pidpolicy_ns_policy_key *key,
			     void *value, const __u32 *inum)
{
	if (key->ns_inum == *inum)
		bpf_map_delete_elem(map, key);
	return 0;
}

/*
 * A namespace's inode number is free again (every kind of namespace shares
 * one pool, handed out lowest-free-first): what the policy held for the
 * namespace dies with it, of every generation, before the number can be
 * handed to the next namespace. proc_free_inum() is where the number goes
 * back (ida_free()); destroy_pid_namespace() is inlined, and
 * delayed_free_pidns() runs a grace period after the number is reused.
 */
/* bpf_loop() callback: add CPU cpu's counters of *key to the retired total. */
static long retire_cpu(__u32 cpu, struct pidpolicy_ns_key *key)
{
	__u32 slot = PIDPOLICY_TOTAL_RETIRED;
	struct pidpolicy_decisions *d, *t;

	d = bpf_map_lookup_percpu_elem(&decisions, key, cpu);
	t = bpf_map_lookup_percpu_elem(&decision_totals, &slot, cpu);
	if (!d || !t)
		return 1;	/* past the last possible CPU */
	/* another CPU's value: retire_ns may run there too */
	__sync_fetch_and_add(&t->allowed, d->allowed);
	__sync_fetch_and_add(&t->denied, d->denied);
	__sync_fetch_and_add(&t->audited, d->audited);
	__sync_fetch_and_add(&t->suppressed, d->suppressed);
	return 0;
}

SEC("fentry/proc_free_inum")
int BPF_PROG(retire_ns, unsigned int inum)
{
	struct pidpolicy_ns_key key = { .ns_inum = inum };

	/* its decisions stay counted: in the retired total */
	if (bpf_map_lookup_elem(&decisions, &key))
		bpf_loop(PIDPOLICY_MAX_CPUS, retire_cpu, &key, 0);
	bpf_map_delete_elem(&decisions, &key);
	bpf_map_delete_elem(&chosen_live, &key);
	bpf_map_delete_elem(&event_budget, &key);
	if (!bpf_map_lookup_elem(&ns_index, &key))
		return 0;
	bpf_for_each_map_elem(&rules, retire_rule, &inum, 0);
	bpf_for_each_map_elem(&rule_pids, retire_chunk, &inum, 0);
	bpf_for_each_map_elem(&ns_policy, retire_ns_policy, &inum, 0);
	bpf_map_delete_elem(&ns_index, &key);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
