// SPDX-License-Identifier: GPL-2.0
/*
 * The floor of a decision: lsm/pid_choose programs that decide nothing.
 * pidbench attaches each on its own and reads its run time per call
 * (kernel.bpf_stats_enabled): empty_pid_choose is the cost of the BPF LSM
 * trampoline's stats bracket itself, one_lookup_pid_choose adds one lookup
 * of a missing key in a hash map, the unit a pid policy decision is made of.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u64);
	__type(value, __u64);
} lookup_floor SEC(".maps");

SEC("lsm/pid_choose")
int BPF_PROG(empty_pid_choose, struct pid_namespace *ns, pid_t nr,
	     enum pid_choice_source source, int ret)
{
	return ret;
}

SEC("lsm/pid_choose")
int BPF_PROG(one_lookup_pid_choose, struct pid_namespace *ns, pid_t nr,
	     enum pid_choice_source source, int ret)
{
	__u64 key = nr;

	if (bpf_map_lookup_elem(&lookup_floor, &key))
		return -1;
	return ret;
}

char LICENSE[] SEC("license") = "GPL";
