// SPDX-License-Identifier: GPL-2.0
/*
 * tests/vm/run keeps its contract: COMMAND's exit status, failure on a
 * kernel panic or a timeout, --add, usage errors. Each case boots the VM,
 * so this runs from the top of the repository after `make kernel initramfs`.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include "harness.h"

static char out[1 << 16];

TEST_TIMEOUT(runner_exits_with_the_commands_status, 300)
{
	ASSERT_EQ(harness_sh(out, sizeof(out), "tests/vm/run -- sh -c 'exit 3' 2>&1"), 3);
	ASSERT_EQ(harness_sh(out, sizeof(out), "tests/vm/run -- true 2>&1"), 0);
}

TEST_TIMEOUT(runner_fails_on_a_kernel_panic, 300)
{
	int status = harness_sh(out, sizeof(out),
			 "tests/vm/run -- sh -c 'echo c > /proc/sysrq-trigger' 2>&1");

	ASSERT_NE(status, 0);
	ASSERT_TRUE(strstr(out, "Kernel panic") != NULL);
}

TEST_TIMEOUT(runner_kills_a_guest_past_its_timeout, 300)
{
	ASSERT_EQ(harness_sh(out, sizeof(out), "tests/vm/run --timeout 20 -- sleep 1000 2>&1"), 124);
	ASSERT_TRUE(strstr(out, "timed out after 20 s") != NULL);
}

TEST_TIMEOUT(runner_adds_host_files_to_the_guest, 300)
{
	ASSERT_EQ(harness_sh(out, sizeof(out), "echo runner-add-$$ > /tmp/runner-add && "
		      "tests/vm/run --add /tmp/runner-add:/x/y -- cat /x/y 2>&1"), 0);
	ASSERT_TRUE(strstr(out, "runner-add-") != NULL);
}

TEST(runner_rejects_bad_usage_with_status_2)
{
	ASSERT_EQ(harness_sh(out, sizeof(out), "tests/vm/run --bogus -- true 2>&1"), 2);
	ASSERT_TRUE(strstr(out, "usage:") != NULL);
	ASSERT_EQ(harness_sh(out, sizeof(out), "tests/vm/run true 2>&1"), 2);
	ASSERT_EQ(harness_sh(out, sizeof(out), "tests/vm/run -- 2>&1"), 2);
}

TEST_TIMEOUT(pidpolicy_load_without_bpf_lsm_names_the_fix, 300)
{
	ASSERT_EQ(harness_sh(out, sizeof(out), "VM_APPEND=lsm=capability tests/vm/run -- "
		      "sh -c 'pidpolicy load; echo status=$?' 2>&1"), 0);
	ASSERT_TRUE(strstr(out, "status=1") != NULL);
	ASSERT_TRUE(strstr(out, "lsm=") != NULL);
}
