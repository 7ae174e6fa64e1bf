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
 * Live processes holding a chosen pid, per namespace with a limit in force
 * while it has any. 65,536 namespaces: beyond, or beyond its tenant's share
 * (config[PIDPOLICY_CONFIG_TENANT_SHARE]), a limited namespace without an
 * entry yet denies (reason accounting).
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
 * 262,144 pids: a charge that finds no room, or none in its caller's
 * tenant's share, is never given back (config[PIDPOLICY_CONFIG_CHARGES_KEPT]),
 * so limits err toward denying.
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
 * What each guest tenant holds of chosen_live and charged, and all of them
 * together (key .all = 1), against their shares. 65,536 tenants
 * (uids owning user namespaces): beyond, a new tenant's charges deny.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 65536);
	__type(key, struct pidpolicy_tenant_key);
	__type(value, struct pidpolicy_tenant_usage);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} tenants SEC(".maps");

/*
 * Event rate per guest tenant, for callers outside the initial user
 * namespace. 16,384 tenants, least recent forgotten (their bucket starts full).
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct pidpolicy_tenant_key);
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
 * rate-limited per tenant: 256 KiB, about 3,600 events.
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

/*
 * pidpolicy_decide() as a global function, verified once for any query:
 * inlined, every outcome of its lookups was a state the verifier walked
 * the rest of pid_choose with (ten times the instructions, seconds per load).
 * It first gets the caller's cgroup ancestors at the levels tree rules use.
 */
__noinline int decide(struct pidpolicy_query *q, struct pidpolicy_decision *d)
{
	int level;

	if (!q || !d)	/* a global function's pointers may be NULL */
		return -1;
	for (level = 0; level < PIDPOLICY_CGROUP_TREE_LEVELS; level++)
		q->cgroup_tree[level] = q->uses & PIDPOLICY_USES_TREE_LEVEL(level) ?
					bpf_get_current_ancestor_cgroup_id(level) : 0;
	pidpolicy_decide(NULL, q, d);
	return 0;
}

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
	/* per-CPU values, but a program can be preempted on its CPU */
	if (verdict == PIDPOLICY_DENY)
		__sync_fetch_and_add(&d->denied, 1);
	else if (verdict == PIDPOLICY_AUDIT)
		__sync_fetch_and_add(&d->audited, 1);
	else
		__sync_fetch_and_add(&d->allowed, 1);
}

static __always_inline struct pidpolicy_decisions *total(__u32 slot)
{
	return bpf_map_lookup_elem(&decision_totals, &slot);
}

/*
 * The tenant of user namespace user_ns (its address): the uid owning its
 * top-level ancestor. Levels go down by one a parent, from at most 32.
 * A global function, so verified once on its own: inlined, its loop's
 * exits multiplied the states of every path through each caller.
 */
__noinline __u32 tenant_of(__u64 user_ns)
{
	struct user_namespace *u = (void *)user_ns;
	int i;

	for (i = 0; i < 32 && BPF_CORE_READ(u, level) > 1; i++)
		u = BPF_CORE_READ(u, parent);
	return BPF_CORE_READ(u, level) ? BPF_CORE_READ(u, owner.val) : PIDPOLICY_TENANT_HOST;
}

/* What tenant uid holds, or all guests if all; made if missing. */
static __always_inline struct pidpolicy_tenant_usage *tenant_usage(__u32 uid, __u32 all)
{
	struct pidpolicy_tenant_key key = { .uid = uid, .all = all };
	struct pidpolicy_tenant_usage *u = bpf_map_lookup_elem(&tenants, &key), zero = {};

	if (u)
		return u;
	bpf_map_update_elem(&tenants, &key, &zero, BPF_NOEXIST);
	return bpf_map_lookup_elem(&tenants, &key);
}

/* Take one more of what is limited by share slot (its sum with what): 0 if over it. */
static __always_inline int share_take_one(struct pidpolicy_tenant_usage *u, __u32 what,
					  __u32 slot)
{
	__u64 *max = config_slot(slot + what);

	if (!max || what >= PIDPOLICY_SHARES)
		return 0;
	if (__sync_fetch_and_add(&u->held[what], 1) < (__s64)*max)
		return 1;
	__sync_fetch_and_add(&u->held[what], -1);
	return 0;
}

/*
 * May tenant make one more entry of kind what? Guests within their own share
 * and all guests' together; the host always.
 */
static __always_inline int share_take(__u32 tenant, __u32 what)
{
	struct pidpolicy_tenant_usage *u, *all;

	if (tenant == PIDPOLICY_TENANT_HOST)
		return 1;
	u = tenant_usage(tenant, 0);
	all = tenant_usage(0, 1);
	if (!u || !all || !share_take_one(u, what, PIDPOLICY_CONFIG_TENANT_SHARE))
		return 0;
	if (share_take_one(all, what, PIDPOLICY_CONFIG_GUESTS_SHARE))
		return 1;
	__sync_fetch_and_add(&u->held[what], -1);
	return 0;
}

static __always_inline void share_give(__u32 tenant, __u32 what)
{
	struct pidpolicy_tenant_key key = { .uid = tenant };
	struct pidpolicy_tenant_usage *u;

	if (tenant == PIDPOLICY_TENANT_HOST || what >= PIDPOLICY_SHARES)
		return;
	u = bpf_map_lookup_elem(&tenants, &key);
	if (u)
		__sync_fetch_and_add(&u->held[what], -1);
	key = (struct pidpolicy_tenant_key){ .all = 1 };
	u = bpf_map_lookup_elem(&tenants, &key);
	if (u)
		__sync_fetch_and_add(&u->held[what], -1);
}

/* Delete a namespace's counter, giving its tenant's share back. */
static __always_inline void delete_live(struct pidpolicy_ns_key *key, __u32 tenant)
{
	if (!bpf_map_delete_elem(&chosen_live, key))
		share_give(tenant, PIDPOLICY_SHARE_NAMESPACES);
}

#define LIVE_TRIES	8	/* compare-and-swaps lost to other CPUs at most */

/*
 * One more live process with a chosen pid in namespace ns_inum of tenant:
 * the count with it, or -1 if it has no counter and none could be made.
 * The count changes by compare-and-swap of the word that also holds the
 * number: a lookup's element deleted and reused for another namespace
 * meanwhile fails it, as does one being deleted.
 */
static __always_inline __s64 add_live(__u32 ns_inum, __u32 tenant)
{
	struct pidpolicy_ns_key key = { .ns_inum = ns_inum };
	struct pidpolicy_chosen one = {
		.inum_live = (__u64)ns_inum << 32 | 1, .tenant = tenant,
	}, *c;
	__u64 old;
	int try;

	for (try = 0; try < LIVE_TRIES; try++) {
		c = bpf_map_lookup_elem(&chosen_live, &key);
		if (!c) {
			if (!share_take(tenant, PIDPOLICY_SHARE_NAMESPACES))
				return -1;
			if (!bpf_map_update_elem(&chosen_live, &key, &one, BPF_NOEXIST))
				return 1;
			share_give(tenant, PIDPOLICY_SHARE_NAMESPACES);
			continue;
		}
		old = c->inum_live;
		if (old >> 32 != ns_inum || (__u32)old >= PIDPOLICY_LIVE_DELETED - 1)
			continue;	/* another's now, or going */
		if (__sync_val_compare_and_swap(&c->inum_live, old, old + 1) == old)
			return (__u32)old + 1;
	}
	return -1;	/* contended beyond reason: deny, as uncounted */
}

/*
 * One fewer. At zero the counter goes: the last one's compare-and-swap
 * marks it deleted, which a charge that came first prevents and one after
 * it sees. A count the CPUs' races keep from being given back stays (errs
 * toward denying), counted with the charges kept.
 */
static __always_inline void sub_live(__u32 ns_inum)
{
	struct pidpolicy_ns_key key = { .ns_inum = ns_inum };
	struct pidpolicy_chosen *c;
	__u64 old, new;
	int try;

	for (try = 0; try < LIVE_TRIES; try++) {
		/* ns_inum 0: a charge kept for good (keep_charge_if_its()) */
		c = bpf_map_lookup_elem(&chosen_live, &key);
		if (!c)
			return;	/* its namespace died, and its count with it */
		old = c->inum_live;
		if (old >> 32 != ns_inum || !(__u32)old || (__u32)old == PIDPOLICY_LIVE_DELETED)
			return;	/* not this namespace's count any more */
		new = (__u32)old == 1 ? (__u64)ns_inum << 32 | PIDPOLICY_LIVE_DELETED : old - 1;
		if (__sync_val_compare_and_swap(&c->inum_live, old, new) != old)
			continue;
		/* marked: no one else deletes it, or reuses it, before we do */
		if ((__u32)new == PIDPOLICY_LIVE_DELETED)
			delete_live(&key, c->tenant);
		return;
	}
	config_add(PIDPOLICY_CONFIG_CHARGES_KEPT, 1);
}

/* bpf_loop() callback: give back charge i of *c. */
static long uncharge_one(__u64 i, struct pidpolicy_charges **c)
{
	if (i >= (*c)->nr || i >= PIDPOLICY_MAX_LEVELS)
		return 1;
	sub_live((*c)->ns_inum[i]);
	return 0;
}

static __always_inline void uncharge(struct pidpolicy_charges *charges)
{
	/* a loop of helpers' worth of branches: the verifier walks it once */
	bpf_loop(PIDPOLICY_MAX_LEVELS, uncharge_one, &charges, 0);
	charges->nr = 0;
}

/*
 * Count the chosen pid against its namespace's limit, for the rest of
 * alloc_pid(): the live count with it, or -1 if it could not be recorded.
 */
static __always_inline __s64 charge(struct task_struct *task, __u32 caller_tenant,
				    __u32 ns_inum, __u32 ns_tenant, __u32 level, pid_t pid)
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
	live = add_live(ns_inum, ns_tenant);
	if (live < 0)
		return -1;
	c->ns_inum[nr] = ns_inum;
	c->level[nr] = level;
	c->pid[nr] = pid;
	c->last_level = level;
	c->nr = nr + 1;
	c->tenant = caller_tenant;
	return live;
}

/*
 * May this event go to the shared ring buffer? A token bucket per caller's
 * tenant (GCRA): one that floods from any number of namespaces spends its
 * own budget, not the other tenants' room.
 */
static __always_inline int within_rate(__u32 tenant, __u64 now)
{
	const __u64 interval = 1000000000ULL / PIDPOLICY_EVENTS_PER_SEC;
	struct pidpolicy_tenant_key key = { .uid = tenant };
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
				   struct task_struct *task,
				   struct pid_namespace *ns, __u32 source)
{
	struct pidpolicy_event *e;
	__u64 now = bpf_ktime_get_ns(), *all;
	void *ring = &host_events;
	__u32 caller_tenant;

	if (d->verdict == PIDPOLICY_ALLOW) {
		all = config_slot(PIDPOLICY_CONFIG_EVENTS_ALL_UNTIL);
		if (!all || *all < now)
			return;
	}
	/* worked out here, past the common case: an allow nobody watches */
	caller_tenant = tenant_of((__u64)BPF_CORE_READ(task, cred, user_ns));
	if (caller_tenant != PIDPOLICY_TENANT_HOST) {
		ring = &events;
		if (!within_rate(caller_tenant, now)) {
			if (counters)
				__sync_fetch_and_add(&counters->suppressed, 1);
			if (totals)
				__sync_fetch_and_add(&totals->suppressed, 1);
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
	__u64 *gen = config_slot(PIDPOLICY_CONFIG_GEN), *uses;
	struct pidpolicy_ns_key ns_key = { .ns_inum = BPF_CORE_READ(ns, ns.inum) };
	const struct pidpolicy_ns_index *own = bpf_map_lookup_elem(&ns_index, &ns_key);
	struct pidpolicy_decisions *counters, *all;
	struct pidpolicy_decision d = {};
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

	if (ret)	/* an earlier BPF program on this hook refused */
		return ret;
	/* written before the generation is switched to */
	uses = config_slot(PIDPOLICY_CONFIG_USES + (q.gen & 1));
	q.uses = uses ? *uses : PIDPOLICY_USES_ALL;
	if (decide(&q, &d))
		return -PIDPOLICY_DENY_ERRNO;	/* no decision: fail closed */
	/*
	 * Count what will be created (ns_last_pid creates nothing) where a
	 * limit is in force. A refusal fails alloc_pid(), whose exit gives
	 * every charge of the call back.
	 */
	if (pidpolicy_limited(&d) && source != PID_CHOICE_NS_LAST_PID) {
		live = charge(task, tenant_of((__u64)BPF_CORE_READ(task, cred, user_ns)), q.ns_inum,
			      tenant_of((__u64)BPF_CORE_READ(ns, user_ns)), BPF_CORE_READ(ns, level), nr);
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
 * One alloc_pid() call: its namespaces' numbers by level, and the pids it
 * was asked for (set_tid[k] for level ns->level - k).
 */
struct call_ctx {
	struct pidpolicy_charges *c;
	__u64 set_tid;			/* a kernel address */
	__u64 set_tid_size;
	__u64 level;			/* of the call's innermost namespace */
	__u64 walk;			/* note_inum(): the next namespace up */
	__u32 inums[PIDPOLICY_MAX_LEVELS];
	int any;			/* a charge is the call's */
	__u64 mine;			/* how many: only counted, never tested */
};

/* bpf_loop() callback: note namespace ctx->walk's number, then go up. */
static long note_inum(__u64 i, struct call_ctx *ctx)
{
	struct pid_namespace *ns = (void *)ctx->walk;
	__u64 level;

	if (!ns)
		return 1;
	level = BPF_CORE_READ(ns, level);
	if (level < PIDPOLICY_MAX_LEVELS)
		ctx->inums[level] = BPF_CORE_READ(ns, ns.inum);
	ctx->walk = (__u64)BPF_CORE_READ(ns, parent);
	return 0;
}

/* Was the call asked for pid at level, in the namespace of number ns_inum? */
static __always_inline int call_chose(const struct call_ctx *ctx, __u64 level, pid_t pid,
				      __u32 ns_inum)
{
	__u64 k = ctx->level - level;
	pid_t tid = 0;

	if (level > ctx->level || level >= PIDPOLICY_MAX_LEVELS || k >= ctx->set_tid_size)
		return 0;
	bpf_probe_read_kernel(&tid, sizeof(tid), (void *)(ctx->set_tid + k * sizeof(tid)));
	return tid == pid && ctx->inums[level] == ns_inum;
}

/*
 * bpf_loop() callback: leave charge i if the call made it; else drop it from
 * the charges (ns_inum 0, no namespace's), kept for good. Nothing here
 * counts per iteration, so the verifier walks the callback once.
 */
static long keep_charge_if_the_calls(__u64 i, struct call_ctx *ctx)
{
	struct pidpolicy_charges *c = ctx->c;

	if (i >= c->nr || i >= PIDPOLICY_MAX_LEVELS)
		return 1;
	if (call_chose(ctx, c->level[i], c->pid[i], c->ns_inum[i])) {
		ctx->any = 1;
		ctx->mine++;
		return 0;
	}
	if (c->ns_inum[i])
		config_add(PIDPOLICY_CONFIG_CHARGES_KEPT, 1);
	c->ns_inum[i] = 0;
	return 0;
}

/*
 * alloc_pid() is done with every level: keep the charges of a new pid until
 * free_pid(), or give them back if it failed. Only the charges this call
 * made: those left by a call whose exit was skipped (whether their pid
 * lives is unknown) are kept for good, never taken for this one's.
 */
static __always_inline void hand_over(struct pidpolicy_charges *c, struct pid_namespace *ns,
				      pid_t *set_tid, size_t set_tid_size, struct pid *ret)
{
	struct call_ctx ctx = {
		.c = c, .set_tid = (__u64)set_tid, .set_tid_size = set_tid_size,
		.level = BPF_CORE_READ(ns, level), .walk = (__u64)ns,
	};
	struct pidpolicy_charges *stale;
	__u64 pid = (__u64)ret;
	__u32 tenant;
	long err;

	bpf_loop(PIDPOLICY_MAX_LEVELS, note_inum, &ctx, 0);
	bpf_loop(PIDPOLICY_MAX_LEVELS, keep_charge_if_the_calls, &ctx, 0);
	if (pid >= (__u64)-4095) {
		uncharge(c);
		return;
	}
	if (!ctx.any) {
		c->nr = 0;
		return;
	}
	stale = bpf_map_lookup_elem(&charged, &pid);
	if (stale) {
		/* a struct pid freed while free_pid_entry did not run */
		uncharge(stale);
		tenant = stale->tenant;
		if (!bpf_map_delete_elem(&charged, &pid))
			share_give(tenant, PIDPOLICY_SHARE_PIDS);
	}
	err = -1;
	if (share_take(c->tenant, PIDPOLICY_SHARE_PIDS)) {
		err = bpf_map_update_elem(&charged, &pid, c, BPF_NOEXIST);
		if (err)
			share_give(c->tenant, PIDPOLICY_SHARE_PIDS);
	}
	/* no room to remember them: keep the charges, limits deny early */
	if (err)
		config_add(PIDPOLICY_CONFIG_CHARGES_KEPT, ctx.mine);
	c->nr = 0;
}

SEC("fexit/alloc_pid")
int BPF_PROG(alloc_pid_exit, struct pid_namespace *ns, pid_t *set_tid,
	     size_t set_tid_size, enum pid_choice_source source, struct pid *ret)
{
	struct pidpolicy_charges *c;

	c = bpf_task_storage_get(&charging, bpf_get_current_task_btf(), 0, 0);
	if (c && c->nr)
		hand_over(c, ns, set_tid, set_tid_size, ret);
	return 0;
}

/* All numbers of a pid are free again: its namespaces have one fewer. */
SEC("fentry/free_pid")
int BPF_PROG(free_pid_entry, struct pid *pid)
{
	__u64 key = (__u64)pid;
	struct pidpolicy_charges *c = bpf_map_lookup_elem(&charged, &key);
	__u32 tenant;

	if (!c)
		return 0;
	uncharge(c);
	tenant = c->tenant;	/* the element is reused once deleted */
	if (!bpf_map_delete_elem(&charged, &key))
		share_give(tenant, PIDPOLICY_SHARE_PIDS);
	return 0;
}

/*
 * The keys of the three policy maps start alike, {gen, ns_inum}: one
 * bpf_for_each_map_elem() callback deletes the entries of namespace *inum
 * from each.
 */
_Static_assert(__builtin_offsetof(struct pidpolicy_rule_key, ns_inum) ==
	       __builtin_offsetof(struct pidpolicy_ns_policy_key, ns_inum) &&
	       __builtin_offsetof(struct pidpolicy_chunk_key, rule.ns_inum) ==
	       __builtin_offsetof(struct pidpolicy_ns_policy_key, ns_inum),
	       "policy map keys start with gen and ns_inum");

static long retire_entry(struct bpf_map *map, const struct pidpolicy_ns_policy_key *key,
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
	struct pidpolicy_chosen *c;

	/* its decisions stay counted: in the retired total */
	if (bpf_map_lookup_elem(&decisions, &key))
		bpf_loop(PIDPOLICY_MAX_CPUS, retire_cpu, &key, 0);
	bpf_map_delete_elem(&decisions, &key);
	c = bpf_map_lookup_elem(&chosen_live, &key);
	if (c)
		delete_live(&key, c->tenant);
	if (!bpf_map_lookup_elem(&ns_index, &key))
		return 0;
	bpf_for_each_map_elem(&rules, retire_entry, &inum, 0);
	bpf_for_each_map_elem(&rule_pids, retire_entry, &inum, 0);
	bpf_for_each_map_elem(&ns_policy, retire_entry, &inum, 0);
	bpf_map_delete_elem(&ns_index, &key);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
