// SPDX-License-Identifier: GPL-2.0
/*
 * The pid policy under volume, in the VM: the count of live chosen pids
 * over 10,000 create/exit cycles, whole-policy applies (round trip, racing
 * decisions, killed halfway), and explain against real clone2 outcomes.
 * Apart from tests/vm/pidpolicy_test.c so the two run in VMs side by side.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clone2.h"
#include "harness.h"
#include "vmpolicy.h"
#include "vmtest.h"

TEST_TIMEOUT(chosen_pid_count_never_drifts, 900)
{
	char pid_max[32] = "";
	pid_t base, held[8] = {};
	__u32 ns = ns_inum_of(0);
	unsigned int seed = 1, i, live = 0, slot;

	/*
	 * Some 30,000 forks go round a pid_max of 32768 once: a short-lived
	 * helper given a free slot's pid would make its choice fail EEXIST.
	 * Far above where the kernel's next pid is, no helper gets one.
	 */
	ASSERT_GT(harness_read_file("/proc/sys/kernel/pid_max", pid_max, sizeof(pid_max)), 0);
	ASSERT_EQ(try_write("/proc/sys/kernel/pid_max", "4194304"), 0);
	base = pick_free_pid() + 1000000;
	fresh_policy();
	POLICY_OK("allow --ns any --pids %d-%d", base, base + 7);
	/* chosen pids are counted only where a limit is in force */
	POLICY_OK("limit --ns any --max-chosen 100");
	POLICY_OK("mode --default enforce");
	for (i = 0; i < 10000; i++) {
		slot = rand_r(&seed) % 10;
		if (slot < 8 && held[slot]) {		/* exit one, or EEXIST */
			if (rand_r(&seed) % 2) {
				ASSERT_ERRNO(spawn_chosen(base + (pid_t)slot), EEXIST);
			} else {
				kill_and_reap(held[slot]);
				held[slot] = 0;
				live--;
			}
		} else if (slot < 8) {			/* allowed */
			held[slot] = spawn_chosen(base + (pid_t)slot);
			ASSERT_EQ(held[slot], base + (pid_t)slot);
			live++;
		} else {				/* denied */
			ASSERT_ERRNO(spawn_chosen(base + 8 + (pid_t)slot), EPERM);
		}
	}
	ASSERT_EQ(chosen_live(ns), (__s64)live);
	for (slot = 0; slot < 8; slot++)
		if (held[slot])
			kill_and_reap(held[slot]);
	ASSERT_EQ(chosen_live(ns), 0LL);
	ASSERT_EQ(try_write("/proc/sys/kernel/pid_max", pid_max), 0);
}

/* A and B both allow 6100; each allows ten pids the other does not. */
#define POLICY_A "mode default enforce\nallow ns any uid 0 pids 6000-6009,6100\n"
#define POLICY_B "mode default enforce\nallow ns any uid 0 pids 6010-6019,6100\n" \
		 "limit ns any max-chosen 100\n"

TEST(apply_replaces_the_policy_and_dump_round_trips)
{
	char dump1[4096], dump2[4096], before[4096], after[4096], out[512];

	fresh_policy();
	write_policy_file("/tmp/a.policy", POLICY_A);
	POLICY_OK("apply /tmp/a.policy");
	ASSERT_EQ(try_clone2(6005), 0);
	ASSERT_EQ(try_clone2(6015), EPERM);
	ASSERT_EQ(harness_sh(dump1, sizeof(dump1), "pidpolicy dump | tee /tmp/dump.policy"), 0);
	POLICY_OK("apply /tmp/dump.policy");
	ASSERT_EQ(harness_sh(dump2, sizeof(dump2), "pidpolicy dump"), 0);
	ASSERT_STREQ(dump1, dump2);

	/* invalid files change nothing and name the line */
	ASSERT_EQ(harness_sh(before, sizeof(before), "pidpolicy dump"), 0);
	write_policy_file("/tmp/bad.policy", "mode default enforce\nallow ns any pids 5-3\n");
	ASSERT_EQ(harness_sh(out, sizeof(out), "pidpolicy apply /tmp/bad.policy 2>&1"), 2);
	ASSERT_TRUE(strstr(out, "/tmp/bad.policy:2: ") != NULL);
	ASSERT_EQ(harness_sh(after, sizeof(after), "pidpolicy dump"), 0);
	ASSERT_STREQ(before, after);
}

/* The policy is A or B, whole: A allows 6000-6009 only, B 6010-6019 only. */
static int policy_is_a_or_b(void)
{
	char out[4096];

	harness_sh(out, sizeof(out), "pidpolicy dump");
	return (strstr(out, "pids 6000-6009,6100") && !strstr(out, "6010")) ||
	       (strstr(out, "pids 6010-6019,6100") && !strstr(out, "6000") &&
		strstr(out, "max-chosen 100"));
}

/* Applies while decisions run; each is a process under TCG and KASAN. */
#define CONCURRENT_APPLIES 200

TEST_TIMEOUT(concurrent_decisions_see_policy_a_or_b_never_a_mix, 900)
{
	pid_t applier, pid;
	int i, status;

	fresh_policy();
	write_policy_file("/tmp/a.policy", POLICY_A);
	write_policy_file("/tmp/b.policy", POLICY_B);
	POLICY_OK("apply /tmp/a.policy");
	applier = fork();
	ASSERT_GE(applier, 0);
	if (applier == 0) {
		_exit(harness_sh(NULL, 0, "i=0; while [ $i -lt %d ]; do pidpolicy apply /tmp/b.policy && "
			 "pidpolicy apply /tmp/a.policy || exit 1; i=$((i+2)); done",
			 CONCURRENT_APPLIES));
	}
	/*
	 * Every decision sees A or B whole: 6100, in both, is never refused (no
	 * empty or half-written window), 6020, in neither, never allowed.
	 */
	for (i = 0; waitpid(applier, &status, WNOHANG) == 0; i++) {
		pid = 6100;
		ASSERT_EQ(try_clone2(pid), 0);
		pid = 6020;
		ASSERT_EQ(try_clone2(pid), EPERM);
	}
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ASSERT_GT(i, 0);
	ASSERT_TRUE(policy_is_a_or_b());
}

TEST_TIMEOUT(sigkill_during_apply_leaves_a_or_b_whole, 900)
{
	int i;

	fresh_policy();
	write_policy_file("/tmp/a.policy", POLICY_A);
	write_policy_file("/tmp/b.policy", POLICY_B);
	POLICY_OK("apply /tmp/a.policy");
	for (i = 0; i < 100; i++) {
		pid_t applier = fork();

		ASSERT_GE(applier, 0);
		if (applier == 0) {
			execlp("pidpolicy", "pidpolicy", "apply",
			       i % 2 ? "/tmp/a.policy" : "/tmp/b.policy", (char *)NULL);
			_exit(127);
		}
		usleep((useconds_t)(rand() % 40000));
		kill(applier, SIGKILL);
		wait_exit(applier);
		ASSERT_TRUE(policy_is_a_or_b());
	}
}

/* Random queries, each an explain and a real clone2 (about 0.3 s under TCG). */
#define EXPLAIN_QUERIES 500

TEST_TIMEOUT(explain_agrees_with_real_clone2_outcomes, 900)
{
	pid_t init = spawn_pidns_chain(1);
	__u32 nss[2] = { ns_inum_of(0), ns_inum_of(init) };
	unsigned int seed = 7, i;
	char out[1024];

	fresh_policy();
	POLICY_OK("allow --ns any --uid 0 --pids 3000-3099,3200");
	POLICY_OK("allow --ns %u --uid 0 --pids 3100-3149", nss[1]);
	POLICY_OK("allow --ns %u --uid 1000 --pids 3150-3199", nss[0]);
	POLICY_OK("mode --default enforce");
	POLICY_OK("mode --ns %u audit", nss[1]);
	for (i = 0; i < EXPLAIN_QUERIES; i++) {
		int which = (int)(rand_r(&seed) % 2);
		pid_t pid = 2990 + (pid_t)(rand_r(&seed) % 220);
		pid_t pids[2] = { 0, pid };
		int real, verdict_allows;

		ASSERT_EQ(harness_sh(out, sizeof(out), "pidpolicy explain --ns %u --uid 0 --pid %d",
			     nss[which], pid), 0);
		verdict_allows = !strstr(out, "verdict:   deny");
		real = which ? try_clone2_in(init, pids, 2, 0) : try_clone2(pid);
		if (real == EEXIST)
			continue;	/* the pid is taken: no verdict to compare */
		if ((real == 0) != verdict_allows)
			fprintf(stderr, "ns %u pid %d: explain says %s, clone2 gave %d\n%s",
				nss[which], pid, verdict_allows ? "allow" : "deny", real, out);
		ASSERT_EQ(real == 0, verdict_allows);
	}
}

/* Last: the programs that run after this one find no policy loaded. */
TEST(unload_leaves_no_policy)
{
	POLICY_OK("unload");
}
