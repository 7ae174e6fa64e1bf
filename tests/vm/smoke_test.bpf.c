// SPDX-License-Identifier: GPL-2.0
/* Smallest useful BPF LSM program: count task_alloc calls of one process. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

const volatile __u32 target_tgid;
__u64 task_allocs;

SEC("lsm/task_alloc")
int BPF_PROG(count_task_alloc, struct task_struct *task,
	     unsigned long clone_flags, int ret)
{
	if (ret)
		return ret;
	if (bpf_get_current_pid_tgid() >> 32 == target_tgid)
		__sync_fetch_and_add(&task_allocs, 1);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
