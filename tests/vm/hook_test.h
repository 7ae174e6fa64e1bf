/* SPDX-License-Identifier: GPL-2.0 */
/* What hook_test.bpf.c records of each pid_choose call, for hook_test.c. */
#ifndef HOOK_TEST_H
#define HOOK_TEST_H

#define MAX_CALLS 16

struct hook_call {
	__u32 level;	/* of the namespace the pid is chosen in */
	__s32 nr;
	__u32 source;	/* enum pid_choice_source */
};

#endif
