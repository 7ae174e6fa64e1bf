// SPDX-License-Identifier: GPL-2.0
/*
 * lsm/pid_choose as the kernel calls it: record each call (level, pid,
 * source) and refuse one pid on request. refuse_positive returns 1, which
 * the verifier must reject; it loads only when a test asks for it.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "hook_test.h"

__u32 watch_tgid;	/* record calls from this process (initial namespace tgid) */
__s32 deny_nr;		/* refuse this pid, from anyone, if not 0 */
__u32 ncalls;
struct hook_call calls[MAX_CALLS];

SEC("lsm/pid_choose")
int BPF_PROG(record_pid_choose, struct pid_namespace *ns, pid_t nr,
	     enum pid_choice_source source, int ret)
{
	__u32 i = ncalls;

	if (ret)
		return ret;
	if (bpf_get_current_pid_tgid() >> 32 == watch_tgid) {
		if (i < MAX_CALLS) {
			calls[i].level = BPF_CORE_READ(ns, level);
			calls[i].nr = nr;
			calls[i].source = source;
		}
		ncalls = i + 1;
	}
	return nr == deny_nr ? -1 /* -EPERM */ : 0;
}

SEC("?lsm/pid_choose")
int BPF_PROG(refuse_positive, struct pid_namespace *ns, pid_t nr,
	     enum pid_choice_source source, int ret)
{
	return 1;
}

char LICENSE[] SEC("license") = "GPL";
