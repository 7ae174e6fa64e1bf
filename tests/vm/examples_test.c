// SPDX-License-Identifier: GPL-2.0
/* The example programs work as documented: the EXAMPLES program of
 * clone2(2), compiled from the page, and restore-tree on a nested tree. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "harness.h"

TEST(clone2_example_prints_chosen_nspid)
{
	char out[256];

	ASSERT_EQ(harness_sh(out, sizeof(out), "clone2_example 4242 2>&1"), 0);
	ASSERT_STREQ(out, "NSpid:\t4242\n");
}

TEST(clone2_example_reports_pid_in_use)
{
	char out[256];

	ASSERT_EQ(harness_sh(out, sizeof(out), "clone2_example 1 2>&1"), 1);
	ASSERT_STREQ(out, "clone2: File exists\n");
}

TEST(clone2_example_without_arguments_prints_usage)
{
	char out[256];

	ASSERT_EQ(harness_sh(out, sizeof(out), "clone2_example 2>&1"), 2);
	ASSERT_TRUE(strstr(out, "sage") != NULL);
}

TEST(restore_tree_recreates_nested_namespaces)
{
	char out[4096];

	ASSERT_EQ(harness_sh(out, sizeof(out),
			     "restore-tree /usr/share/pidpolicy/nested-tree.txt 2>&1"), 0);
	ASSERT_TRUE(strstr(out, "NSpid:\t4000\t1\n") != NULL);
	ASSERT_TRUE(strstr(out, "NSpid:\t4011\t11\t2\n") != NULL);
	ASSERT_TRUE(strstr(out, "NSpid:\t4022\t22\t22\t3\n") != NULL);
	ASSERT_TRUE(strstr(out, "differs") == NULL);
}

TEST(restore_tree_fails_cleanly_when_a_pid_is_taken)
{
	char out[4096];

	/* pid 1 of the initial namespace is init: the root cannot be restored */
	ASSERT_EQ(harness_sh(out, sizeof(out), "printf '1\\n  4100\\n' > /tmp/taken.txt && "
			     "restore-tree /tmp/taken.txt 2>&1"), 1);
	ASSERT_TRUE(strstr(out, "File exists") != NULL);
	/* and nothing of it is left behind */
	ASSERT_NE(access("/proc/4100", F_OK), 0);
}
