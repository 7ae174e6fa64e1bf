// SPDX-License-Identifier: GPL-2.0
/*
 * Pid policy: decides, at the kernel's pid_choose LSM hook, whether the
 * caller may take the pid it chose in a pid namespace. The maps are pinned
 * under /sys/fs/bpf/pidpolicy and edited at runtime by `pidpolicy`.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "pidpolicy.h"

/* Who may choose pids where: one entry per (namespace, caller). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 262144);
	__type(key, struct pidpolicy_rule_key);
	__type(value, struct pidpolicy_rule);
} rules SEC(".maps");

/* Which pids each rule allows, as bitmaps of PIDPOLICY_CHUNK_PIDS pids. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 1048576);
	__type(key, struct pidpolicy_chunk_key);
	__type(value, struct pidpolicy_chunk);
} rule_pids SEC(".maps");

/* Mode per namespace; PIDPOLICY_NS_ANY holds the default. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 65536);
	__type(key, struct pidpolicy_ns_key);
	__type(value, struct pidpolicy_ns_mode);
} ns_modes SEC(".maps");

/* Decisions per namespace and verdict; old namespaces age out. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_PERCPU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct pidpolicy_ns_key);
	__type(value, struct pidpolicy_decisions);
} decisions SEC(".maps");

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

static __always_inline __u32 pidpolicy_lookup_mode(void *ctx, __u32 ns_inum)
{
	struct pidpolicy_ns_key key = { .ns_inum = ns_inum };
	struct pidpolicy_ns_mode *mode = bpf_map_lookup_elem(&ns_modes, &key);

	return mode ? mode->mode : PIDPOLICY_MODE_UNSET;
}

#include "pidpolicy_decide.h"

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

SEC("lsm/pid_choose")
int BPF_PROG(pid_choose, struct pid_namespace *ns, pid_t nr,
	     enum pid_choice_source source, int ret)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct pidpolicy_decision d;
	struct pidpolicy_query q = {
		.ns_inum = BPF_CORE_READ(ns, ns.inum),
		.pid = nr,
		.uid = BPF_CORE_READ(task, cred, euid.val),
		.cgroup_id = bpf_get_current_cgroup_id(),
	};

	if (ret)	/* an earlier BPF program on this hook refused */
		return ret;

	pidpolicy_decide(NULL, &q, &d);
	count_decision(q.ns_inum, d.verdict);
	return d.verdict == PIDPOLICY_DENY ? -PIDPOLICY_DENY_ERRNO : 0;
}

char LICENSE[] SEC("license") = "GPL";
