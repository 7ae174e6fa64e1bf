// SPDX-License-Identifier: GPL-2.0
/*
 * The pid_choose hook as the kernel calls it, seen by a BPF LSM program that
 * records every call: it sees every chosen level before any pid is taken,
 * a refused ns_last_pid write leaves the file as it was, that write asks
 * about where the next search for a pid starts, and no program can make the
 * hook return a positive value.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/types.h>
#include <bpf/libbpf.h>
#include "clone2.h"
#include "harness.h"
#include "hook_test.h"
#include "vmpolicy.h"
#include "vmtest.h"
#include "hook_test.skel.h"

/* enum pid_choice_source */
#define SOURCE_CLONE2		1
#define SOURCE_NS_LAST_PID	2
#define RESERVED_PIDS		300

static struct hook_test_bpf *load_recorder(void)
{
	struct hook_test_bpf *skel = hook_test_bpf__open_and_load();

	ASSERT_TRUE(skel != NULL);
	ASSERT_EQ(hook_test_bpf__attach(skel), 0);
	return skel;
}

/* Record our calls: by our tgid in the initial namespace, as BPF sees it. */
static void watch_me(struct hook_test_bpf *skel)
{
	pid_t nspid[MAX_NSPID];

	if (read_nspid("/proc/self/status", nspid) < 1)
		_exit(102);
	skel->bss->watch_tgid = nspid[0];
}

/*
 * Fork a process whose calls the recorder watches (its .bss is shared
 * memory), in the pid namespace of in_ns_of: setns() moves only the
 * children, so it forks once more there. Returns 0 in that process.
 */
static pid_t fork_watched(struct hook_test_bpf *skel, pid_t in_ns_of)
{
	pid_t helper = fork(), inside;
	char path[64];
	int fd;

	ASSERT_GE(helper, 0);
	if (helper > 0)
		return helper;
	snprintf(path, sizeof(path), "/proc/%d/ns/pid", in_ns_of);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, CLONE_NEWPID))
		_exit(100);
	inside = fork();
	if (inside < 0)
		_exit(101);
	if (inside > 0)
		_exit(wait_exit(inside));
	watch_me(skel);
	return 0;
}

/*
 * clone2_fork(pids, nr) by a watched process in the pid namespace of
 * in_ns_of: 0 or the errno.
 */
static int clone2_watched_in(struct hook_test_bpf *skel, pid_t in_ns_of,
			     const pid_t *pids, unsigned int nr)
{
	pid_t inside = fork_watched(skel, in_ns_of), child;

	if (inside == 0) {
		child = clone2_fork(pids, nr, 0);
		if (child == 0)
			_exit(0);
		_exit(child < 0 ? errno : wait_exit(child));
	}
	return wait_exit(inside);
}

static void expect_call(struct hook_test_bpf *skel, unsigned int i,
			unsigned int level, int nr, unsigned int source)
{
	ASSERT_LT(i, skel->bss->ncalls);
	EXPECT_EQ(skel->bss->calls[i].level, level);
	EXPECT_EQ(skel->bss->calls[i].nr, nr);
	EXPECT_EQ(skel->bss->calls[i].source, source);
}

/*
 * A request whose innermost pid is taken (pid 1 of a namespace with init)
 * and whose outer pid is free: the hook is asked about both levels, inner
 * first, before the kernel finds pid 1 taken (EEXIST).
 */
TEST(hook_sees_every_chosen_level_before_a_pid_is_taken)
{
	struct hook_test_bpf *skel = load_recorder();
	pid_t ns_init = spawn_pidns_chain(1), outer = pick_free_pid();
	pid_t pids[2] = { outer, 1 };

	ASSERT_EQ(clone2_watched_in(skel, ns_init, pids, 2), EEXIST);
	ASSERT_EQ(skel->bss->ncalls, 2U);
	expect_call(skel, 0, 1, 1, SOURCE_CLONE2);
	expect_call(skel, 1, 0, outer, SOURCE_CLONE2);
	hook_test_bpf__destroy(skel);
}

/*
 * The kernel checks every level before the hook hears of any: a request
 * whose outer pid is out of range (the initial namespace's pid_max) fails
 * with EINVAL, and the hook was not asked about the valid inner pid.
 */
TEST(hook_is_asked_only_once_every_level_passed_the_kernel_checks)
{
	struct hook_test_bpf *skel = load_recorder();
	pid_t ns_init = spawn_pidns_chain(1);
	pid_t pids[2] = { get_pid_max(), 5 };

	ASSERT_EQ(clone2_watched_in(skel, ns_init, pids, 2), EINVAL);
	EXPECT_EQ(skel->bss->ncalls, 0U);
	hook_test_bpf__destroy(skel);
}

/*
 * A refusal at the outer level leaves the inner pid untaken: the same
 * request succeeds once the hook allows it, with both pids.
 */
TEST(refused_outer_level_leaves_no_pid_taken)
{
	struct hook_test_bpf *skel = load_recorder();
	pid_t ns_init = spawn_pidns_chain(1), outer = pick_free_pid();
	pid_t pids[2] = { outer, 50 };

	skel->bss->deny_nr = outer;
	ASSERT_EQ(try_clone2_in(ns_init, pids, 2, 0), EPERM);
	skel->bss->deny_nr = 0;
	ASSERT_EQ(try_clone2_in(ns_init, pids, 2, 0), 0);
	hook_test_bpf__destroy(skel);
}

/* Write value to fd at its current position: 0 or the errno. */
static int write_at(int fd, const char *value)
{
	ssize_t len = strlen(value);

	errno = 0;
	return write(fd, value, len) == len ? 0 : errno;
}

/*
 * A refused ns_last_pid write leaves the file position alone: a retry on
 * the same file is a new write, which takes effect (it was silently
 * ignored when the refusal had moved the position).
 */
TEST(refused_ns_last_pid_write_can_be_retried_on_the_same_file)
{
	struct hook_test_bpf *skel = load_recorder();
	pid_t ns_init = spawn_pidns_chain(1), inside;

	skel->bss->deny_nr = 101;
	inside = fork_watched(skel, ns_init);
	if (inside == 0) {
		int fd = open("/proc/sys/kernel/ns_last_pid", O_WRONLY);

		if (fd < 0)
			_exit(1);
		if (write_at(fd, "100") != EPERM)
			_exit(2);
		if (write_at(fd, "200"))
			_exit(3);
		close(fd);
		_exit(read_int_file("/proc/sys/kernel/ns_last_pid") == 200 ? 0 : 4);
	}
	ASSERT_EQ(wait_exit(inside), 0);
	ASSERT_EQ(skel->bss->ncalls, 2U);
	expect_call(skel, 0, 1, 101, SOURCE_NS_LAST_PID);
	expect_call(skel, 1, 1, 201, SOURCE_NS_LAST_PID);
	hook_test_bpf__destroy(skel);
}

/*
 * The ns_last_pid decision governs the written value only, as pidpolicy(8),
 * clone2(2) and the hook's documentation say: with 150 refused as a start,
 * a process that holds 149 writes 148 (a start of 149, allowed) and its
 * next fork gets 150.
 */
TEST(ns_last_pid_decision_governs_the_written_value_only)
{
	struct hook_test_bpf *skel = load_recorder();
	pid_t ns_init = spawn_pidns_chain(1), inside;

	skel->bss->deny_nr = 150;
	inside = fork_watched(skel, ns_init);
	if (inside == 0) {
		int fd = open("/proc/sys/kernel/ns_last_pid", O_WRONLY);
		pid_t holder, steered;

		if (fd < 0 || write_at(fd, "149") != EPERM)
			_exit(1);
		write_file("/proc/sys/kernel/ns_last_pid", "148");
		holder = fork();
		if (holder == 0) {
			pause();
			_exit(0);
		}
		write_file("/proc/sys/kernel/ns_last_pid", "148");
		steered = fork();
		if (steered == 0)
			_exit(0);
		kill(holder, SIGKILL);
		if (holder != 149 || wait_exit(holder) != 128 + SIGKILL)
			_exit(2);
		_exit(steered == 150 && !wait_exit(steered) ? 0 : 3);
	}
	ASSERT_EQ(wait_exit(inside), 0);
	ASSERT_EQ(skel->bss->ncalls, 3U);
	expect_call(skel, 0, 1, 150, SOURCE_NS_LAST_PID);
	expect_call(skel, 1, 1, 149, SOURCE_NS_LAST_PID);
	expect_call(skel, 2, 1, 149, SOURCE_NS_LAST_PID);
	hook_test_bpf__destroy(skel);
}

/*
 * Writing the end of the pid space (pid_max, or pid_max - 1) names no pid:
 * the next search wraps around to RESERVED_PIDS, and that is what the hook
 * is asked about, and where the next pid comes from.
 */
TEST(ns_last_pid_at_the_end_asks_about_where_the_search_wraps)
{
	struct hook_test_bpf *skel = load_recorder();
	pid_t ns_init = spawn_pidns_chain(1), inside;

	inside = fork_watched(skel, ns_init);
	if (inside == 0) {
		char value[16];
		pid_t child;

		snprintf(value, sizeof(value), "%d", PID_MAX_LIMIT);
		write_file("/proc/sys/kernel/ns_last_pid", value);
		snprintf(value, sizeof(value), "%d", PID_MAX_LIMIT - 1);
		write_file("/proc/sys/kernel/ns_last_pid", value);
		child = fork();
		if (child == 0)
			_exit(0);
		_exit(child == RESERVED_PIDS && !wait_exit(child) ? 0 : 1);
	}
	ASSERT_EQ(wait_exit(inside), 0);
	ASSERT_EQ(skel->bss->ncalls, 2U);
	expect_call(skel, 0, 1, RESERVED_PIDS, SOURCE_NS_LAST_PID);
	expect_call(skel, 1, 1, RESERVED_PIDS, SOURCE_NS_LAST_PID);
	hook_test_bpf__destroy(skel);
}

/*
 * A program returning a positive value would make alloc_pid() return
 * ERR_PTR(1): the verifier confines lsm/pid_choose to [-MAX_ERRNO, 0].
 */
TEST(pid_choose_program_returning_positive_is_refused_by_the_verifier)
{
	struct hook_test_bpf *skel = hook_test_bpf__open();
	static char log[16384];

	ASSERT_TRUE(skel != NULL);
	bpf_program__set_autoload(skel->progs.record_pid_choose, false);
	bpf_program__set_autoload(skel->progs.refuse_positive, true);
	bpf_program__set_log_buf(skel->progs.refuse_positive, log, sizeof(log));
	ASSERT_LT(hook_test_bpf__load(skel), 0);
	if (!strstr(log, "should have been in"))
		fprintf(stderr, "verifier log: %s\n", log);
	ASSERT_TRUE(strstr(log, "should have been in") != NULL);
	hook_test_bpf__destroy(skel);
}
