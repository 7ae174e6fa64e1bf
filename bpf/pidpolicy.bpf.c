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
 * Settings and state shared with pidpolicy, indexed by enum
 * pidpolicy_config_slot (array keys must be plain 32-bit integers).
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, PIDPOLICY_CONFIG_SLOTS);
	__type(key, __u32);
	__type(value, __u64);
} config SEC(".maps");

/* Who may choose pids where: one entry per (generation, namespace, caller). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 262144);
	__type(key, struct pidpolicy_rule_key);
	__type(value, struct pidpolicy_rule);
} rules SEC(".maps");

/*
 * Which pids each rule allows, as bitmaps of PIDPOLICY_CHUNK_PIDS pids.
 * Sized like `rules`: a hash map allocates all its buckets when created.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 262144);
	__type(key, struct pidpolicy_chunk_key);
	__type(value, struct pidpolicy_chunk);
} rule_pids SEC(".maps");

/* Mode and limit per namespace; PIDPOLICY_NS_ANY holds the defaults. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 65536);
	__type(key, struct pidpolicy_ns_policy_key);
	__type(value, struct pidpolicy_ns_policy);
} ns_policy SEC(".maps");

/* Decisions per namespace and verdict; old namespaces age out. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_PERCPU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct pidpolicy_ns_key);
	__type(value, struct pidpolicy_decisions);
} decisions SEC(".maps");

/* Live processes holding a chosen pid, per namespace. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 65536);
	__type(key, struct pidpolicy_ns_key);
	__type(value, struct pidpolicy_chosen);
} chosen_live SEC(".maps");

/* Charges of a thread's alloc_pid() in progress, by pid_tgid. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, struct pidpolicy_charges);
} charging SEC(".maps");

/* Charges of each live struct pid with chosen numbers, by its address. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 262144);
	__type(key, __u64);
	__type(value, struct pidpolicy_charges);
} charged SEC(".maps");

/*
 * Unused by the programs: updating an element of a map-in-map makes the
 * kernel wait for every running BPF program (synchronize_rcu()). `pidpolicy
 * apply` does it after switching generations, so no decision still reads the
 * old generation when its entries go.
 */
struct rcu_barrier_inner {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} rcu_barrier_inner SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 1);
	__type(key, __u32);
	__array(values, struct rcu_barrier_inner);
} rcu_barrier SEC(".maps") = {
	.values = { [0] = &rcu_barrier_inner },
};

/* Decisions for `pidpolicy monitor`. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

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

static __always_inline void count_decision(__u32 ns_inum, __u32 verdict)
{
	struct pidpolicy_ns_key key = { .ns_inum = ns_inum };
	struct pidpolicy_decisions *d = bpf_map_lookup_elem(&decisions, &key);

	if (!d) {
		struct pidpolicy_decisions zero = {};

		bpf_map_update_elem(&decisions, &key, &zero, BPF_NOEXIST);
		d = bpf_map_lookup_elem(&decisions, &key);
		if (!d)
			return;
	}
	/* per-CPU values: plain increments do not race */
	if (verdict == PIDPOLICY_DENY)
		d->denied++;
	else if (verdict == PIDPOLICY_AUDIT)
		d->audited++;
	else
		d->allowed++;
}

/* Add delta to the live count of a namespace; the count after it. */
static __always_inline __s64 add_live(__u32 ns_inum, __s64 delta)
{
	struct pidpolicy_ns_key key = { .ns_inum = ns_inum };
	struct pidpolicy_chosen *c = bpf_map_lookup_elem(&chosen_live, &key);

	if (!c) {
		struct pidpolicy_chosen zero = {};

		bpf_map_update_elem(&chosen_live, &key, &zero, BPF_NOEXIST);
		c = bpf_map_lookup_elem(&chosen_live, &key);
		if (!c)
			return 0;
	}
	return __sync_fetch_and_add(&c->live, delta) + delta;
}

static __always_inline void uncharge(const struct pidpolicy_charges *charges)
{
	__u32 i;

	for (i = 0; i < 33; i++) {
		if (i >= charges->nr)
			break;
		add_live(charges->ns_inum[i], -1);
	}
}

/* Count the chosen pid against its namespace, for the rest of alloc_pid(). */
static __always_inline __s64 charge(__u32 ns_inum)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct pidpolicy_charges *c = bpf_map_lookup_elem(&charging, &id);
	__u32 nr;

	if (!c) {
		struct pidpolicy_charges zero = {};

		bpf_map_update_elem(&charging, &id, &zero, BPF_ANY);
		c = bpf_map_lookup_elem(&charging, &id);
		if (!c)
			return 0;
	}
	nr = c->nr;
	if (nr >= 33)
		return 0;
	c->ns_inum[nr] = ns_inum;
	c->nr = nr + 1;
	return add_live(ns_inum, 1);
}

static __always_inline void report(const struct pidpolicy_query *q,
				   const struct pidpolicy_decision *d,
				   struct pid_namespace *ns, __u32 source)
{
	struct pidpolicy_event *e;
	__u64 now = bpf_ktime_get_ns(), *all, *lost;

	if (d->verdict == PIDPOLICY_ALLOW) {
		all = config_slot(PIDPOLICY_CONFIG_EVENTS_ALL_UNTIL);
		if (!all || *all < now)
			return;
	}
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		lost = config_slot(PIDPOLICY_CONFIG_EVENTS_LOST);
		if (lost)
			__sync_fetch_and_add(lost, 1);
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
	struct pidpolicy_decision d;
	/*
	 * One 8-byte load of the generation. The kernel copies a value that
	 * userspace writes with memcpy(), which may store byte by byte; `apply`
	 * switches between two generations that differ in bit 0 only (gen ^ 1),
	 * so whatever a copy stores in between, a load reads old or new whole.
	 */
	struct pidpolicy_query q = {
		.gen = gen ? (__u32)*(volatile __u64 *)gen : 0,
		.ns_inum = BPF_CORE_READ(ns, ns.inum),
		.pid = nr,
		.uid = BPF_CORE_READ(task, cred, euid.val),
		.cgroup_id = bpf_get_current_cgroup_id(),
	};
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
	 * Count what will be created (ns_last_pid creates nothing). A refusal
	 * fails alloc_pid(), whose exit gives every charge of the call back.
	 */
	if (d.verdict != PIDPOLICY_DENY && source != PID_CHOICE_NS_LAST_PID)
		pidpolicy_over_quota(&d, charge(q.ns_inum));
	count_decision(q.ns_inum, d.verdict);
	report(&q, &d, ns, source);
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
	__u64 id = bpf_get_current_pid_tgid(), pid = (__u64)ret;
	struct pidpolicy_charges *c = bpf_map_lookup_elem(&charging, &id);

	if (!c)
		return 0;
	if (pid >= (__u64)-4095 || bpf_map_update_elem(&charged, &pid, c, BPF_ANY))
		uncharge(c);
	bpf_map_delete_elem(&charging, &id);
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

char LICENSE[] SEC("license") = "GPL";
