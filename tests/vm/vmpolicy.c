// SPDX-License-Identifier: GPL-2.0
/* Helpers for in-VM tests of the pid policy: see vmpolicy.h. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "clone2.h"
#include "pidpolicy.h"
#include "harness.h"
#include "vmpolicy.h"
#include "vmtest.h"

void fresh_policy(void)
{
	harness_sh(NULL, 0, "pidpolicy unload 2>&1");
	ASSERT_EQ(harness_sh(NULL, 0, "pidpolicy load 2>&1"), 0);
}

__u32 ns_inum_of(pid_t pid)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%d/ns/pid", pid ? (int)pid : (int)getpid());
	ASSERT_EQ(stat(path, &st), 0);
	return (__u32)st.st_ino;
}

struct pidpolicy_decisions decisions_for(__u32 ns_inum)
{
	int ncpus = libbpf_num_possible_cpus(), fd, i;
	struct pidpolicy_decisions sum = {}, per_cpu[ncpus];
	struct pidpolicy_ns_key key = { .ns_inum = ns_inum };

	fd = bpf_obj_get(PIN("decisions"));
	ASSERT_GE(fd, 0);
	if (!bpf_map_lookup_elem(fd, &key, per_cpu)) {
		for (i = 0; i < ncpus; i++) {
			sum.allowed += per_cpu[i].allowed;
			sum.denied += per_cpu[i].denied;
			sum.audited += per_cpu[i].audited;
		}
	}
	close(fd);
	return sum;
}

pid_t spawn_pidns_chain(int levels)
{
	pid_t nspid[MAX_NSPID], pid;
	int fds[2], i;

	ASSERT_EQ(pipe(fds), 0);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		for (i = 0; i < levels; i++) {
			if (unshare(CLONE_NEWPID))
				_exit(1);
			pid = fork();
			if (pid < 0)
				_exit(1);
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			if (pid > 0) {
				pause();
				_exit(0);
			}
		}
		/* /proc is the initial namespace's: NSpid starts with our pid */
		if (read_nspid("/proc/self/status", nspid) != levels + 1 ||
		    write(fds[1], &nspid[0], sizeof(pid_t)) != sizeof(pid_t))
			_exit(1);
		pause();
		_exit(0);
	}
	close(fds[1]);
	ASSERT_EQ(read(fds[0], &pid, sizeof(pid)), (ssize_t)sizeof(pid));
	close(fds[0]);
	return pid;
}

int try_clone2_in(pid_t in_ns_of, const pid_t *pids, unsigned int nr,
			 uint64_t flags)
{
	pid_t helper = fork();

	ASSERT_GE(helper, 0);
	if (helper == 0) {
		char path[64];
		pid_t child;
		int fd;

		if (in_ns_of) {
			snprintf(path, sizeof(path), "/proc/%d/ns/pid", in_ns_of);
			fd = open(path, O_RDONLY | O_CLOEXEC);
			if (fd < 0 || setns(fd, CLONE_NEWPID))
				_exit(100);
		}
		child = clone2_fork(pids, nr, flags);
		if (child == 0)
			_exit(0);
		if (child < 0)
			_exit(errno);
		_exit(wait_exit(child) == 0 ? 0 : 101);
	}
	return wait_exit(helper);
}

int try_clone2(pid_t pid)
{
	return try_clone2_in(0, &pid, 1, 0);
}

int try_clone3(pid_t pid)
{
	return try_clone3_tids(&pid, 1);
}

int try_clone3_tids(const pid_t *set_tid, size_t n)
{
	struct clone_args args = {
		.exit_signal = SIGCHLD,
		.set_tid = (uintptr_t)set_tid,
		.set_tid_size = n,
	};
	pid_t child = syscall(__NR_clone3, &args, sizeof(args));

	if (child == 0)
		_exit(0);
	if (child < 0)
		return errno;
	wait_exit(child);
	return 0;
}

int try_write(const char *path, const char *value)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), err = 0;

	if (fd < 0)
		return errno;
	if (write(fd, value, strlen(value)) < 0)
		err = errno;
	close(fd);
	return err;
}

int try_ns_last_pid(pid_t next)
{
	char buf[16];

	snprintf(buf, sizeof(buf), "%d", next - 1);
	return try_write("/proc/sys/kernel/ns_last_pid", buf);
}

void policy_from_file(const char *path)
{
	if (access(PIN("pid_choose_link"), F_OK))
		fresh_policy();
	POLICY_OK("apply %s 2>&1", path);
}

pid_t pick_free_pids(int n)
{
	pid_t first = pick_free_pid(), p;
	int i;

	for (i = 1; i < n; i++) {
		p = pick_free_pid();
		if (p != first + i) {
			first = p;
			i = 0;
		}
	}
	return first;
}

static int is_policy_prog(__u32 id)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	int fd = bpf_prog_get_fd_by_id(id), ours = 0;

	if (fd < 0)
		return 0;	/* gone meanwhile */
	if (!bpf_obj_get_info_by_fd(fd, &info, &len))
		ours = !strcmp(info.name, "pid_choose") ||
		       !strcmp(info.name, "alloc_pid_exit") ||
		       !strcmp(info.name, "free_pid_entry") ||
		       !strcmp(info.name, "retire_ns");
	close(fd);
	return ours;
}

void count_policy_objects(int *progs, int *links)
{
	__u32 id = 0;

	*progs = 0;
	while (!bpf_prog_get_next_id(id, &id))
		*progs += is_policy_prog(id);
	*links = 0;
	id = 0;
	while (!bpf_link_get_next_id(id, &id)) {
		struct bpf_link_info info = {};
		__u32 len = sizeof(info);
		int fd = bpf_link_get_fd_by_id(id);

		if (fd < 0)
			continue;
		if (!bpf_obj_get_info_by_fd(fd, &info, &len))
			*links += is_policy_prog(info.prog_id);
		close(fd);
	}
}

/*
 * Wait for the policy's programs and links to number progs and links.
 * Removing a pin drops its reference only after an RCU grace period, from
 * a work item: no event tells userspace when, so poll, bounded.
 */
int wait_policy_objects(int want_progs, int want_links)
{
	int progs, links, ms;

	for (ms = 0; ms < 20000 * (int)harness_timeout_scale(); ms += 20) {
		count_policy_objects(&progs, &links);
		if (progs == want_progs && links == want_links)
			return 1;
		usleep(20000);
	}
	printf("policy objects: %d programs and %d links, expected %d and %d\n",
	       progs, links, want_progs, want_links);
	fflush(stdout);
	if (system("bpftool prog show; bpftool link show"))
		printf("bpftool failed\n");
	return 0;
}

void fresh_policy_with_own_limit(pid_t base, int max)
{
	fresh_policy();
	POLICY_OK("allow --ns any --pids %d-%d", base, base + 9);
	POLICY_OK("mode --default enforce");
	POLICY_OK("limit --ns /proc/self/ns/pid --max-chosen %d", max);
}

__s64 chosen_live(__u32 ns_inum)
{
	struct pidpolicy_ns_key key = { .ns_inum = ns_inum };
	struct pidpolicy_chosen val = {};
	int fd = bpf_obj_get(PIN("chosen_live"));

	ASSERT_GE(fd, 0);
	bpf_map_lookup_elem(fd, &key, &val);
	close(fd);
	return pidpolicy_live_count(&val, ns_inum);
}

pid_t spawn_chosen(pid_t pid)
{
	pid_t child = clone2_fork(&pid, 1, 0);

	if (child == 0) {
		pause();
		_exit(0);
	}
	return child;
}

void kill_and_reap(pid_t pid)
{
	kill(pid, SIGKILL);
	wait_exit(pid);
}

void write_policy_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	ASSERT_TRUE(f != NULL);
	ASSERT_GE(fputs(text, f), 0);
	ASSERT_EQ(fclose(f), 0);
}

pid_t start_monitor(const char *loader, const char *args, const char *out_path)
{
	char cmd[512], err_path[256], err[4096];
	pid_t mon;
	int i;

	snprintf(err_path, sizeof(err_path), "%s.err", out_path);
	unlink(err_path);
	snprintf(cmd, sizeof(cmd), "exec %s monitor %s >%s 2>%s", loader, args, out_path, err_path);
	mon = fork();
	ASSERT_GE(mon, 0);
	if (mon == 0) {
		execlp("sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	/* No fixed delay: its banner says it reads and handles signals. */
	for (i = 0; i < 3000 * (int)harness_timeout_scale(); i++) {
		if (harness_read_file(err_path, err, sizeof(err)) > 0 &&
		    strstr(err, MONITOR_READY))
			return mon;
		ASSERT_EQ(waitpid(mon, NULL, WNOHANG), 0);	/* it did not give up */
		usleep(20000);
	}
	harness_fail(__FILE__, __LINE__, 1, "%s monitor %s: not ready after %u s", loader, args,
		     60 * harness_timeout_scale());
	return -1;
}

void become_userns_root_of(uid_t uid)
{
	char map[32];

	drop_to_uid(uid, 0);
	ASSERT_EQ(unshare(CLONE_NEWUSER), 0);
	write_file("/proc/self/setgroups", "deny");
	snprintf(map, sizeof(map), "0 %u 1", (unsigned int)uid);
	write_file("/proc/self/uid_map", map);
	write_file("/proc/self/gid_map", map);
}

void become_userns_root(void)
{
	become_userns_root_of(65534);
}
