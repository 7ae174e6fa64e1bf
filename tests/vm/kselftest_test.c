// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel's own selftests pass on our patched kernel: those for clone3
 * and pid namespaces (clone3 is unchanged by the clone2 series), and those
 * the series adds for clone2 and for pid_max per pid namespace.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include "harness.h"

#define KSFT_SKIP 4

static void run_kselftest(const char *name)
{
	char cmd[128];
	int status;

	snprintf(cmd, sizeof(cmd), "/kselftests/%s", name);
	status = system(cmd);
	ASSERT_TRUE(WIFEXITED(status));
	if (WEXITSTATUS(status) == KSFT_SKIP)
		SKIP("%s skipped itself", name);
	ASSERT_EQ(WEXITSTATUS(status), 0);
}

TEST(kselftest_clone3) { run_kselftest("clone3"); }
TEST(kselftest_clone3_set_tid) { run_kselftest("clone3_set_tid"); }
TEST(kselftest_clone3_clear_sighand) { run_kselftest("clone3_clear_sighand"); }
TEST(kselftest_clone3_cap_checkpoint_restore) { run_kselftest("clone3_cap_checkpoint_restore"); }
TEST(kselftest_pid_namespace_regression_enomem) { run_kselftest("regression_enomem"); }
TEST(kselftest_pid_namespace_pid_max) { run_kselftest("pid_max"); }
TEST(kselftest_clone2_abi) { run_kselftest("clone2_abi"); }
