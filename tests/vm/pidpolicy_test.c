// SPDX-License-Identifier: GPL-2.0
/*
 * The pid policy end to end, in the VM: the pid_choose hook on every path
 * that chooses pids (clone2, clone3 set_tid, ns_last_pid), the BPF policy
 * loaded and edited with `pidpolicy`, per-namespace pid_max, and what an
 * unprivileged user can and cannot do.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "clone2.h"
#include "harness.h"
#include "pidpolicy.h"
#include "vmpolicy.h"
#include "vmtest.h"

#define TEST_CGROUP	"/sys/fs/cgroup/pidpolicy-test"

/* --- the hook, on every path ------------------------------------------- */

TEST(load_alone_changes_nothing)
{
	fresh_policy();
	ASSERT_EQ(try_clone2(pick_free_pid()), 0);
	ASSERT_EQ(try_clone3(pick_free_pid()), 0);
	ASSERT_EQ(decisions_for(ns_inum_of(0)).allowed, 2ULL);
	ASSERT_EQ(decisions_for(ns_inum_of(0)).denied, 0ULL);
}

TEST(enforce_without_rule_denies_every_path)
{
	fresh_policy();
	POLICY_OK("mode --default enforce");
	ASSERT_EQ(try_clone2(pick_free_pid()), EPERM);
	ASSERT_EQ(try_clone3(pick_free_pid()), EPERM);
	ASSERT_EQ(try_ns_last_pid(pick_free_pid()), EPERM);
	ASSERT_EQ(decisions_for(ns_inum_of(0)).denied, 3ULL);
}

TEST(plain_fork_never_consults_the_policy)
{
	pid_t child;

	fresh_policy();
	POLICY_OK("mode --default enforce");
	child = fork();
	ASSERT_GE(child, 0);
	if (child == 0)
		_exit(0);
	ASSERT_EQ(wait_exit(child), 0);
	ASSERT_EQ(try_clone2_in(0, NULL, 0, 0), 0);
	ASSERT_EQ(decisions_for(ns_inum_of(0)).allowed, 0ULL);
	ASSERT_EQ(decisions_for(ns_inum_of(0)).denied, 0ULL);
}

TEST(rule_for_any_allows_exactly_its_ranges)
{
	pid_t base = pick_free_pid() + 100;

	fresh_policy();
	POLICY_OK("allow --ns any --pids %d-%d,%d", base, base + 9, base + 20);
	POLICY_OK("mode --default enforce");
	ASSERT_EQ(try_clone2(base), 0);
	ASSERT_EQ(try_clone2(base + 9), 0);
	ASSERT_EQ(try_clone2(base + 20), 0);
	ASSERT_EQ(try_clone2(base + 10), EPERM);
	ASSERT_EQ(try_clone2(base - 1), EPERM);
	ASSERT_EQ(try_clone3(base + 5), 0);
	ASSERT_EQ(try_ns_last_pid(base + 6), 0);
	ASSERT_EQ(try_ns_last_pid(base + 11), EPERM);
}

TEST(revoke_removes_pids_then_the_rule)
{
	pid_t base = pick_free_pid() + 100;

	fresh_policy();
	POLICY_OK("allow --ns any --pids %d-%d", base, base + 9);
	POLICY_OK("mode --default enforce");
	POLICY_OK("revoke --ns any --pids %d", base + 5);
	ASSERT_EQ(try_clone2(base + 5), EPERM);
	ASSERT_EQ(try_clone2(base + 4), 0);
	POLICY_OK("revoke --ns any");
	ASSERT_EQ(try_clone2(base + 6), EPERM);
	ASSERT_EQ(harness_sh(NULL, 0, "pidpolicy revoke --ns any 2>&1"), 1);
}

TEST(rule_per_namespace_applies_to_that_namespace_only)
{
	pid_t init = spawn_pidns_chain(1), outer = pick_free_pid();
	pid_t inner_ok[2] = { 0, 15 }, inner_bad[2] = { 0, 25 };
	pid_t both[2] = { outer, 16 };

	fresh_policy();
	POLICY_OK("allow --ns /proc/%d/ns/pid --pids 10-20", init);
	POLICY_OK("mode --default enforce");
	ASSERT_EQ(try_clone2_in(init, inner_ok, 2, 0), 0);
	ASSERT_EQ(try_clone2_in(init, inner_bad, 2, 0), EPERM);
	/* the outer level is our namespace, which has no rule */
	ASSERT_EQ(try_clone2_in(init, both, 2, 0), EPERM);
	POLICY_OK("allow --ns %u --pids %d", ns_inum_of(0), outer);
	ASSERT_EQ(try_clone2_in(init, both, 2, 0), 0);
	/* a decision per chosen level, even where a later level failed */
	ASSERT_EQ(decisions_for(ns_inum_of(init)).allowed, 3ULL);
	ASSERT_EQ(decisions_for(ns_inum_of(init)).denied, 1ULL);
}

TEST(rule_per_uid_matches_the_callers_uid)
{
	pid_t pid = pick_free_pid();

	fresh_policy();
	POLICY_OK("mode --default enforce");
	POLICY_OK("allow --ns any --uid 1000 --pids %d", pid);
	ASSERT_EQ(try_clone2(pid), EPERM);
	POLICY_OK("allow --ns any --uid 0 --pids %d", pid);
	ASSERT_EQ(try_clone2(pid), 0);
}

TEST(rule_per_cgroup_matches_members_only)
{
	pid_t pid = pick_free_pid(), member;
	char self[16];

	if (mkdir(TEST_CGROUP, 0755) && errno != EEXIST)
		SKIP("cannot create %s: %s", TEST_CGROUP, strerror(errno));
	fresh_policy();
	POLICY_OK("mode --default enforce");
	POLICY_OK("allow --ns any --cgroup " TEST_CGROUP " --pids %d", pid);
	ASSERT_EQ(try_clone2(pid), EPERM);

	member = fork();
	ASSERT_GE(member, 0);
	if (member == 0) {
		snprintf(self, sizeof(self), "%d", getpid());
		write_file(TEST_CGROUP "/cgroup.procs", self);
		ASSERT_EQ(try_clone2(pid), 0);
		_exit(0);
	}
	ASSERT_EQ(wait_exit(member), 0);
}

TEST(audit_mode_allows_and_counts_would_be_denials)
{
	fresh_policy();
	POLICY_OK("mode --default audit");
	ASSERT_EQ(try_clone2(pick_free_pid()), 0);
	ASSERT_EQ(decisions_for(ns_inum_of(0)).audited, 1ULL);
	ASSERT_EQ(decisions_for(ns_inum_of(0)).denied, 0ULL);
}

TEST(namespace_mode_overrides_the_default)
{
	fresh_policy();
	POLICY_OK("mode --default enforce");
	POLICY_OK("mode --ns /proc/self/ns/pid off");
	ASSERT_EQ(try_clone2(pick_free_pid()), 0);
	POLICY_OK("mode --ns /proc/self/ns/pid enforce");
	POLICY_OK("mode --default off");
	ASSERT_EQ(try_clone2(pick_free_pid()), EPERM);
}

TEST(hook_runs_once_per_chosen_level_not_for_new_init)
{
	pid_t init = spawn_pidns_chain(1);
	pid_t two[2] = { pick_free_pid(), 30 }, newns[2] = { pick_free_pid(), 1 };

	fresh_policy();
	ASSERT_EQ(try_clone2_in(init, two, 2, 0), 0);
	ASSERT_EQ(decisions_for(ns_inum_of(0)).allowed, 1ULL);
	ASSERT_EQ(decisions_for(ns_inum_of(init)).allowed, 1ULL);
	/* pid 1 of the namespace the call creates is no choice */
	ASSERT_EQ(try_clone2_in(0, newns, 2, CLONE_NEWPID), 0);
	ASSERT_EQ(decisions_for(ns_inum_of(0)).allowed, 2ULL);
}

TEST(denied_three_level_clone2_leaves_no_pid_taken)
{
	pid_t inner = spawn_pidns_chain(2);
	pid_t pids[3] = { pick_free_pid(), 40, 41 };

	fresh_policy();
	POLICY_OK("mode --default enforce");
	POLICY_OK("allow --ns /proc/%d/ns/pid --pids 41", inner);
	POLICY_OK("allow --ns any --pids 40");
	/* levels 2 and 1 are allowed and taken first; level 0 is refused */
	ASSERT_EQ(try_clone2_in(inner, pids, 3, 0), EPERM);
	/* so 40 and 41 must be free again: the same call with an allowed pid 0 */
	POLICY_OK("allow --ns any --pids %d", pids[0]);
	ASSERT_EQ(try_clone2_in(inner, pids, 3, 0), 0);
}

/* --- the policy as an object ---------------------------------------------- */

TEST(policy_survives_loader_exit_and_reload)
{
	pid_t pid = pick_free_pid();
	char out[4096];

	fresh_policy();
	POLICY_OK("allow --ns any --uid 0 --pids %d", pid);
	POLICY_OK("mode --default enforce");
	ASSERT_EQ(harness_sh(out, sizeof(out), "pidpolicy load 2>&1"), 0);
	ASSERT_EQ(try_clone2(pid), 0);
	ASSERT_EQ(try_clone2(pid + 1), EPERM);
	ASSERT_EQ(harness_sh(out, sizeof(out), "pidpolicy show 2>&1"), 0);
	ASSERT_TRUE(strstr(out, "uid:0") != NULL);
}

TEST(unload_restores_kernel_only_behaviour)
{
	struct stat st;

	fresh_policy();
	POLICY_OK("mode --default enforce");
	ASSERT_EQ(try_clone2(pick_free_pid()), EPERM);
	POLICY_OK("unload");
	ASSERT_EQ(try_clone2(pick_free_pid()), 0);
	ASSERT_ERRNO(stat(PIDPOLICY_PIN_DIR, &st), ENOENT);
	ASSERT_EQ(harness_sh(NULL, 0, "pidpolicy show 2>&1"), 1);
}

TEST(unprivileged_user_cannot_open_or_change_the_policy)
{
	fresh_policy();
	AS_NOBODY({
		ASSERT_EQ(bpf_obj_get(PIN("rules")), -EACCES);
		ASSERT_EQ(bpf_obj_get(PIN("pid_choose_link")), -EACCES);
		ASSERT_ERRNO(unlink(PIN("pid_choose_link")), EACCES);
		ASSERT_EQ(harness_sh(NULL, 0, "pidpolicy allow --ns any --pids 5000 2>&1"), 1);
		ASSERT_EQ(harness_sh(NULL, 0, "pidpolicy unload 2>&1"), 1);
	});
	ASSERT_EQ(harness_sh(NULL, 0, "pidpolicy status 2>&1 | grep -q 'loaded: *yes'"), 0);
}

TEST(policy_never_grants_what_the_kernel_refuses)
{
	fresh_policy();
	POLICY_OK("allow --ns any --pids 1-32767");
	POLICY_OK("mode --default enforce");
	AS_NOBODY({
		ASSERT_EQ(try_clone2(pick_free_pid()), EPERM);
		ASSERT_EQ(try_clone3(pick_free_pid()), EPERM);
		ASSERT_EQ(try_ns_last_pid(pick_free_pid()), EPERM);
	});
	/* the capability check comes first: the policy saw none of it */
	ASSERT_EQ(decisions_for(ns_inum_of(0)).allowed, 0ULL);
}

TEST(bpftool_shows_the_policy_readably)
{
	char out[8192];

	fresh_policy();
	POLICY_OK("allow --ns any --uid 0 --pids 5000-5009");
	ASSERT_EQ(harness_sh(out, sizeof(out), "bpftool prog show name pid_choose 2>&1"), 0);
	ASSERT_TRUE(strstr(out, "lsm") != NULL);
	ASSERT_EQ(harness_sh(out, sizeof(out), "bpftool link show 2>&1"), 0);
	ASSERT_TRUE(strstr(out, "lsm") != NULL);
	ASSERT_EQ(harness_sh(out, sizeof(out), "bpftool map dump pinned " PIN("rules") " 2>&1"), 0);
	ASSERT_TRUE(strstr(out, "\"caller_kind\": 1") != NULL);
	ASSERT_TRUE(strstr(out, "\"nr_pids\": 10") != NULL);
	ASSERT_EQ(harness_sh(out, sizeof(out), "bpftool map dump pinned " PIN("rule_pids") " 2>&1"), 0);
	ASSERT_TRUE(strstr(out, "\"first_pid\": 4096") != NULL);
}

TEST(bad_cli_input_exits_2_and_changes_nothing)
{
	static const char *const bad[] = {
		"frobnicate", "allow --bogus", "allow --ns any", "allow --pids 5",
		"allow --ns any --pids 5-3", "allow --ns any --pids 0",
		"allow --ns any --pids -1", "allow --ns any --pids 99999999999999999999",
		"allow --ns any --pids 4194304", "allow --ns any --pids 5,,6",
		"allow --ns any --pids 12a", "allow --ns /nonexistent --pids 5",
		"allow --ns /etc/hostname --pids 5", "allow --ns any --uid x --pids 5",
		"allow --ns any --uid 0 --cgroup /sys/fs/cgroup --pids 5",
		"mode --default strict", "mode enforce", "show --frob",
	};
	char before[8192], after[8192], out[1024];
	size_t i;

	fresh_policy();
	POLICY_OK("allow --ns any --pids 5000");
	ASSERT_EQ(harness_sh(before, sizeof(before), "pidpolicy show --json"), 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int status = harness_sh(out, sizeof(out), "pidpolicy %s 2>&1", bad[i]);

		if (status != 2 || !strstr(out, "pidpolicy: "))
			fprintf(stderr, "pidpolicy %s: exit %d: %s", bad[i], status, out);
		EXPECT_EQ(status, 2);
		EXPECT_TRUE(strchr(out, '\n') == strrchr(out, '\n'));
	}
	ASSERT_EQ(harness_sh(after, sizeof(after), "pidpolicy show --json"), 0);
	ASSERT_STREQ(before, after);
}

/* --- pid_max per pid namespace ------------------------------------------- */

/* Run a shell command in a new process inside init's pid namespace. */
static int sh_in_ns(pid_t init, char *out, size_t size, const char *cmd)
{
	return harness_sh(out, size, "nsenter -t %d -p sh -c '%s' 2>&1", init, cmd);
}

/* PID_MAX_LIMIT on x86_64 without CONFIG_BASE_SMALL */
#define PID_MAX_LIMIT (4 * 1024 * 1024)

/* As mainline from 6.14 on: no copy of the parent's value. */
TEST(new_pid_namespace_starts_without_a_limit_of_its_own)
{
	pid_t init = spawn_pidns_chain(1);
	char out[64];

	ASSERT_EQ(sh_in_ns(init, out, sizeof(out), "cat /proc/sys/kernel/pid_max"), 0);
	ASSERT_EQ(atoi(out), PID_MAX_LIMIT);
}

TEST(pid_max_of_a_namespace_bounds_its_pids)
{
	pid_t init = spawn_pidns_chain(1), ours = get_pid_max();
	pid_t high[2] = { 0, 500 }, low[2] = { 0, 350 };
	int first, second;
	char out[64];

	ASSERT_EQ(sh_in_ns(init, out, sizeof(out), "echo 400 > /proc/sys/kernel/pid_max"), 0);
	ASSERT_EQ(sh_in_ns(init, out, sizeof(out), "cat /proc/sys/kernel/pid_max"), 0);
	ASSERT_EQ(atoi(out), 400);
	ASSERT_EQ(get_pid_max(), ours);
	ASSERT_EQ(try_clone2_in(init, high, 2, 0), EINVAL);
	ASSERT_EQ(try_clone2_in(init, low, 2, 0), 0);
	/* kernel-chosen pids wrap below it too */
	ASSERT_EQ(sh_in_ns(init, out, sizeof(out),
			   "echo 398 > /proc/sys/kernel/ns_last_pid; "
			   "sh -c \"echo \\$\\$\"; sh -c \"echo \\$\\$\""), 0);
	ASSERT_EQ(sscanf(out, "%d %d", &first, &second), 2);
	ASSERT_EQ(first, 399);
	ASSERT_LT(second, 400);
}

/*
 * Each level is bounded by its own namespace's pid_max only (mainline's
 * semantics): a namespace nested in one whose pid_max is 1000 may choose
 * 5000 at its own level, and the outer level may not choose 1000.
 */
static pid_t parent_of(pid_t pid)
{
	char path[64], line[128];
	pid_t ppid = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "r");
	ASSERT_TRUE(f != NULL);
	while (ppid < 0 && fgets(line, sizeof(line), f))
		sscanf(line, "PPid: %d", &ppid);
	fclose(f);
	return ppid;
}

TEST(each_level_is_bounded_by_its_own_pid_max_only)
{
	pid_t inner = spawn_pidns_chain(2);
	pid_t mine[3] = { 0, 0, 5000 }, at_outer_max[3] = { 0, 1000, 0 };
	char out[64];

	/* the inner init's parent is pid 1 of the outer namespace */
	ASSERT_EQ(sh_in_ns(parent_of(inner), out, sizeof(out),
			   "echo 1000 > /proc/sys/kernel/pid_max; cat /proc/sys/kernel/pid_max"), 0);
	ASSERT_EQ(atoi(out), 1000);
	ASSERT_EQ(try_clone2_in(inner, mine, 3, 0), 0);
	ASSERT_EQ(try_clone2_in(inner, at_outer_max, 3, 0), EINVAL);
}

TEST(pid_max_rejects_out_of_range_writes)
{
	static const char *const bad[] = { "0", "100", "4194305", "-1" };
	int before = get_pid_max();
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		EXPECT_EQ(try_write("/proc/sys/kernel/pid_max", bad[i]), EINVAL);
	ASSERT_EQ(get_pid_max(), before);
}

/* Who may write is decided at open(): the file is 0644, owned by root. */
TEST(pid_max_cannot_be_opened_for_writing_without_cap_sys_admin)
{
	int before = get_pid_max();

	AS_NOBODY(ASSERT_EQ(try_write("/proc/sys/kernel/pid_max", "5000"), EACCES));
	ASSERT_EQ(get_pid_max(), before);
}

/*
 * The attack: an unprivileged user opens pid_max for writing and hands the
 * file to a privileged writer (here over SCM_RIGHTS; a setuid program's
 * stderr works the same), which writes 301: no more forks system-wide. It
 * must fail at the user's open(), leaving nothing to hand over.
 */
TEST(unprivileged_opener_cannot_hand_pid_max_to_a_privileged_writer)
{
	int before = get_pid_max(), sv[2], fd = -1, err = 0;
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { .iov_base = &err, .iov_len = sizeof(err) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cmsg;
	pid_t opener;

	ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	opener = fork();
	ASSERT_GE(opener, 0);
	if (opener == 0) {
		drop_to_nobody(0);
		fd = open("/proc/sys/kernel/pid_max", O_WRONLY);
		err = fd < 0 ? errno : 0;
		if (fd >= 0) {
			cmsg = CMSG_FIRSTHDR(&msg);
			cmsg->cmsg_level = SOL_SOCKET;
			cmsg->cmsg_type = SCM_RIGHTS;
			cmsg->cmsg_len = CMSG_LEN(sizeof(int));
			memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
		} else {
			msg.msg_control = NULL;
			msg.msg_controllen = 0;
		}
		_exit(sendmsg(sv[1], &msg, 0) == sizeof(err) ? 0 : 1);
	}
	ASSERT_EQ(wait_exit(opener), 0);
	ASSERT_EQ(recvmsg(sv[0], &msg, 0), (ssize_t)sizeof(err));
	cmsg = msg.msg_controllen ? CMSG_FIRSTHDR(&msg) : NULL;
	if (cmsg && cmsg->cmsg_type == SCM_RIGHTS) {
		/* what the privileged writer would do with it */
		memcpy(&fd, CMSG_DATA(cmsg), sizeof(int));
		EXPECT_EQ(write(fd, "301", 3), -1);
		close(fd);
		write_file("/proc/sys/kernel/pid_max", "32768");
	}
	close(sv[0]);
	close(sv[1]);
	ASSERT_EQ(err, EACCES);
	ASSERT_EQ(get_pid_max(), before);
}

/* --- policy depth: limits, events, whole-policy files, explain ------------- */

TEST(limit_caps_live_chosen_pids_and_frees_on_exit)
{
	pid_t base = pick_free_pid() + 200, a, b, c;
	__u32 ns = ns_inum_of(0);
	char out[2048];

	fresh_policy_with_own_limit(base, 2);
	a = spawn_chosen(base);
	b = spawn_chosen(base + 1);
	ASSERT_EQ(a, base);
	ASSERT_EQ(b, base + 1);
	ASSERT_EQ(chosen_live(ns), 2LL);
	ASSERT_ERRNO(spawn_chosen(base + 2), EPERM);
	ASSERT_EQ(harness_sh(out, sizeof(out), "pidpolicy explain --ns %u --pid %d", ns, base + 3), 0);
	ASSERT_TRUE(strstr(out, "quota") || strstr(out, "max-chosen"));
	kill_and_reap(a);
	ASSERT_EQ(chosen_live(ns), 1LL);
	c = spawn_chosen(base + 2);
	ASSERT_EQ(c, base + 2);
	ASSERT_EQ(harness_sh(out, sizeof(out), "pidpolicy status"), 0);
	ASSERT_TRUE(strstr(out, "CHOSEN-LIVE") != NULL);
	kill_and_reap(b);
	kill_and_reap(c);
	ASSERT_EQ(chosen_live(ns), 0LL);
	POLICY_OK("limit --ns /proc/self/ns/pid --max-chosen none");
}

TEST(pid_namespace_teardown_releases_its_chosen_pids)
{
	pid_t init = spawn_pidns_chain(1), pids[2] = { 0, 50 };
	pid_t helper;
	int fd;
	char path[64];

	fresh_policy();
	/* only a limit in force counts chosen pids */
	POLICY_OK("mode --default audit");
	POLICY_OK("limit --ns any --max-chosen 1000");
	/* a process with a chosen pid in the namespace, living until teardown */
	helper = fork();
	ASSERT_GE(helper, 0);
	if (helper == 0) {
		snprintf(path, sizeof(path), "/proc/%d/ns/pid", init);
		fd = open(path, O_RDONLY);
		if (fd < 0 || setns(fd, CLONE_NEWPID))
			_exit(100);
		if (clone2_fork(pids, 2, 0) == 0) {
			pause();
			_exit(0);
		}
		_exit(0);
	}
	ASSERT_EQ(wait_exit(helper), 0);
	ASSERT_EQ(chosen_live(ns_inum_of(init)), 1LL);
	kill_and_reap(init);	/* its namespace dies with it */
	usleep(200000);
	ASSERT_EQ(chosen_live(ns_inum_of(0)), 0LL);
	ASSERT_EQ(harness_sh(NULL, 0, "bpftool map dump pinned " PIN("chosen_live") " | "
		     "grep -q '\"live\": 1'"), 1);
}

TEST(monitor_reports_denials_and_with_all_every_decision)
{
	pid_t base = pick_free_pid() + 400, mon;
	char out[8192], line[256];

	fresh_policy();
	POLICY_OK("allow --ns any --pids %d", base);
	POLICY_OK("mode --default enforce");
	mon = start_monitor("pidpolicy", "--json --all", "/tmp/mon.json");
	ASSERT_EQ(try_clone2(base), 0);
	ASSERT_EQ(try_clone2(base + 1), EPERM);
	ASSERT_EQ(try_clone3(base + 2), EPERM);
	/* the events are in the ring buffer: on SIGINT the monitor drains it */
	kill(mon, SIGINT);
	ASSERT_EQ(wait_exit(mon), 0);
	ASSERT_GT(harness_read_file("/tmp/mon.json", out, sizeof(out)), 0);
	snprintf(line, sizeof(line), "\"verdict\":\"allow\",\"reason\":\"rule\"");
	ASSERT_TRUE(strstr(out, line) != NULL);
	snprintf(line, sizeof(line), "\"level\":0,\"pid\":%d,\"via\":\"clone2\"", base + 1);
	ASSERT_TRUE(strstr(out, line) != NULL);
	snprintf(line, sizeof(line), "\"level\":0,\"pid\":%d,\"via\":\"clone3\"", base + 2);
	ASSERT_TRUE(strstr(out, line) != NULL);
	ASSERT_TRUE(strstr(out, "\"verdict\":\"deny\",\"reason\":\"range\"") != NULL);

	/* text, denials only */
	mon = start_monitor("pidpolicy", "", "/tmp/mon.txt");
	ASSERT_EQ(harness_sh(NULL, 0, "clone2_example %d && ! clone2_example %d",
			     base, base + 5), 0);
	kill(mon, SIGINT);
	ASSERT_EQ(wait_exit(mon), 0);
	ASSERT_GT(harness_read_file("/tmp/mon.txt", out, sizeof(out)), 0);
	snprintf(line, sizeof(line), "pid=%d via=clone2", base + 5);
	ASSERT_TRUE(strstr(out, line) != NULL);
	ASSERT_TRUE(strstr(out, "deny") != NULL);
	snprintf(line, sizeof(line), "pid=%d ", base);
	ASSERT_TRUE(strstr(out, line) == NULL);
}

/* Last: the programs that run after this one find no policy loaded. */
TEST(unload_removes_every_pin)
{
	struct stat st;

	fresh_policy();
	POLICY_OK("unload");
	ASSERT_ERRNO(stat(PIDPOLICY_PIN_DIR, &st), ENOENT);
	ASSERT_EQ(harness_sh(NULL, 0, "pidpolicy unload 2>&1"), 1);
}
