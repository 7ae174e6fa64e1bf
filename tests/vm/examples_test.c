// SPDX-License-Identifier: GPL-2.0
/*
 * The examples work as documented: the EXAMPLES program of clone2(2),
 * compiled from the page, restore-tree on a nested tree, and the sessions
 * of pidpolicy(8)'s EXAMPLES.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "clone2.h"
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

/* Run one command of a session and compare what it printed with the page. */
static void replay(const char *cmd, const char *want, int line)
{
	static char got[16384];

	harness_sh(got, sizeof(got), "cd /tmp/man-examples && { %s\n} 2>&1", cmd);
	if (strcmp(got, want))
		harness_fail(__FILE__, __LINE__, 0,
			     "pidpolicy.8, block at line %d: '%s' printed\n%s--- the page shows\n%s---",
			     line, cmd, got, want);
}

/*
 * The sessions of pidpolicy(8)'s EXAMPLES (man/extract-example --session),
 * replayed in order on the real kernel: every command must print, on
 * stdout and stderr, exactly what the page shows. They start without a
 * policy and name a process 4242 in a pid namespace of its own and the
 * cgroup /sys/fs/cgroup/restore.slice: both are made here first.
 */
TEST_TIMEOUT(pidpolicy_man_page_examples_print_what_the_page_shows, 300)
{
	static char text[65536], want[16384], cmd[1024];
	pid_t nspid[2] = { 4242, 1 }, holder;
	int line = 0, run = 0, skip = 0;
	char *s, *next;

	ASSERT_GT(harness_read_file("/usr/share/pidpolicy/pidpolicy.8.sessions", text,
				    sizeof(text)), 0);
	harness_sh(NULL, 0, "pidpolicy unload >/dev/null 2>&1; rm -rf /tmp/man-examples");
	ASSERT_EQ(mkdir("/tmp/man-examples", 0755), 0);
	ASSERT_TRUE(mkdir("/sys/fs/cgroup/restore.slice", 0755) == 0 || errno == EEXIST);
	holder = clone2_fork(nspid, 2, CLONE_NEWPID);
	if (holder == 0) {
		pause();
		_exit(0);
	}
	ASSERT_EQ(holder, 4242);

	cmd[0] = want[0] = '\0';
	for (s = text; *s; s = next) {
		next = strchr(s, '\n');
		next = next ? next + 1 : s + strlen(s);
		if (*s != '$' && *s != '@') {
			if (cmd[0])
				strncat(want, s, (size_t)(next - s));
			continue;
		}
		if (cmd[0] && !skip) {
			replay(cmd, want, line);
			run++;
		}
		cmd[0] = want[0] = '\0';
		if (!strncmp(s, "$ ", 2)) {
			snprintf(cmd, sizeof(cmd), "%.*s", (int)(next - s - 3), s + 2);
		} else {
			skip = !strncmp(s, "@ skip ", 7);
			line = atoi(s + (skip ? 7 : 8));
			if (skip)
				printf("# not run: pidpolicy.8, block at line %.*s", (int)(next - s - 7),
				       s + 7);
		}
	}
	if (cmd[0] && !skip) {
		replay(cmd, want, line);
		run++;
	}
	printf("# %d commands of pidpolicy(8) replayed\n", run);
	kill(holder, SIGKILL);
	waitpid(holder, NULL, 0);
	rmdir("/sys/fs/cgroup/restore.slice");
	ASSERT_GT(run, 10);
}
