// SPDX-License-Identifier: GPL-2.0
/*
 * Attacks on the pid policy's state rather than its rules: a namespace
 * number that outlives its namespace, accounting maps an attacker fills,
 * runtime state a reload inherits, and an event flood that would hide real
 * denials. Each test stages the attack, expects the outcome the policy
 * promises, and checks the policy state it must leave as it was.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "clone2.h"
#include "harness.h"
#include "pidpolicy.h"
#include "vmpolicy.h"
#include "vmtest.h"

#define MON_OUT		"/tmp/state-monitor.txt"
#define MAX_TRIES	64

/* A pid namespace kept alive by its init, which waits to be killed. */
struct held_ns {
	pid_t holder;		/* in our namespace: unshared, parent of init */
	pid_t init;		/* pid 1 of the namespace, as we see it */
	__u32 inum;
};

#define ATTACKER	65534	/* an unprivileged user: one tenant */
#define NEIGHBOUR	65533	/* another one */

/*
 * The user namespace of unprivileged user uid (root there is uid outside),
 * made once: a new user namespace takes an inode number from the same pool
 * as the pid namespaces made in it. Its keeper lives until the test ends.
 */
static int userns_of(uid_t uid)
{
	static int fds[2] = { -1, -1 };
	int *fd = &fds[uid == ATTACKER], pfd[2];
	char path[64], c;
	pid_t keeper;

	if (*fd >= 0)
		return *fd;
	ASSERT_EQ(pipe(pfd), 0);
	keeper = fork();
	ASSERT_GE(keeper, 0);
	if (keeper == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		become_userns_root_of(uid);
		ASSERT_EQ(write(pfd[1], "", 1), 1);
		pause();
		_exit(0);
	}
	ASSERT_EQ(read(pfd[0], &c, 1), 1);
	snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)keeper);
	*fd = open(path, O_RDONLY | O_CLOEXEC);
	ASSERT_GE(*fd, 0);
	return *fd;
}

static int attacker_userns(void)
{
	return userns_of(ATTACKER);
}

/*
 * A new pid namespace, made by root or, if uid, by root of user uid's user
 * namespace. If choose, its maker then creates a child with pid choose
 * there, which exits at once or, if keep, lives as long as the namespace:
 * 0 or the errno of clone2 is returned.
 */
static int hold_pidns_of(struct held_ns *ns, uid_t uid, pid_t choose, int keep)
{
	int userns = uid ? userns_of(uid) : -1, fds[2], err = 0;
	pid_t init, child;

	ASSERT_EQ(pipe(fds), 0);
	ns->holder = fork();
	ASSERT_GE(ns->holder, 0);
	if (ns->holder == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (userns >= 0) {
			drop_to_uid(uid, 0);
			/* its owner's euid: every capability in it */
			ASSERT_EQ(setns(userns, CLONE_NEWUSER), 0);
		}
		if (unshare(CLONE_NEWPID))
			_exit(1);
		init = fork();
		if (init == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			pause();
			_exit(0);
		}
		if (init < 0 || write(fds[1], &init, sizeof(init)) != sizeof(init))
			_exit(1);
		/* our children start in the new namespace */
		child = choose ? clone2_fork(&choose, 1, 0) : 0;
		if (child == 0 && choose) {
			if (keep)
				pause();	/* until init dies */
			_exit(0);
		}
		err = child < 0 ? errno : choose && !keep ? wait_exit(child) : 0;
		if (write(fds[1], &err, sizeof(err)) != sizeof(err))
			_exit(1);
		/* reap a kept child too: init's exit waits for it */
		do
			child = waitpid(-1, &err, 0);
		while (child > 0 && child != init);
		_exit(child == init && WIFSIGNALED(err) && WTERMSIG(err) == SIGKILL ? 0 : 1);
	}
	close(fds[1]);
	ASSERT_EQ(read(fds[0], &init, sizeof(init)), (ssize_t)sizeof(init));
	ASSERT_EQ(read(fds[0], &err, sizeof(err)), (ssize_t)sizeof(err));
	close(fds[0]);
	/* the holder is in our namespace: init's pid is as we see it */
	ns->init = init;
	ns->inum = ns_inum_of(init);
	return err;
}

static int hold_pidns(struct held_ns *ns, int by_attacker, pid_t choose)
{
	return hold_pidns_of(ns, by_attacker ? ATTACKER : 0, choose, 0);
}

static void drop_pidns(struct held_ns *ns)
{
	kill(ns->init, SIGKILL);
	wait_exit(ns->holder);
}

/* clone2 in ns's own level only, from a process joined to it: 0 or errno. */
static int clone2_in(const struct held_ns *ns, pid_t pid)
{
	return try_clone2_in(ns->init, &pid, 1, 0);
}

/* Entries of a pinned policy map whose key's ns_inum (at offset) is inum. */
static int entries_of_ns(const char *pin, size_t offset, __u32 inum)
{
	char key[64], next[64];
	int fd = bpf_obj_get(pin), n = 0;
	void *prev = NULL;
	__u32 v;

	ASSERT_GE(fd, 0);
	while (!bpf_map_get_next_key(fd, prev, next)) {
		memcpy(key, next, sizeof(key));
		prev = key;
		memcpy(&v, key + offset, sizeof(v));
		n += v == inum;
	}
	close(fd);
	return n;
}

static int policy_entries_of_ns(__u32 inum)
{
	return entries_of_ns(PIN("rules"), offsetof(struct pidpolicy_rule_key, ns_inum), inum) +
	       entries_of_ns(PIN("rule_pids"), offsetof(struct pidpolicy_chunk_key, rule.ns_inum),
			     inum) +
	       entries_of_ns(PIN("ns_policy"), offsetof(struct pidpolicy_ns_policy_key, ns_inum),
			     inum);
}

static void stop_monitor(pid_t mon, char *out, size_t size)
{
	usleep(1500000);	/* it read what was queued */
	kill(mon, SIGCONT);
	kill(mon, SIGINT);
	ASSERT_EQ(wait_exit(mon), 0);
	ASSERT_GE(harness_read_file(MON_OUT, out, size), 0);
}

/*
 * As a user namespace's root (attacker_userns() first), create pid
 * namespaces until one gets inode number inum, which the kernel frees once
 * the last reference to its namespace goes (RCU). Each first chooses pid
 * choose (0: none), which must end in want_err. Returns the index in
 * next[] of the one with the number; every next[0..index] is held.
 */
static int take_number(__u32 inum, struct held_ns next[MAX_TRIES], pid_t choose, int want_err)
{
	int n = 0;

	do {
		ASSERT_EQ(hold_pidns(&next[n], 1, choose), want_err);
		if (next[n].inum == inum)
			return n;
		usleep(50000);
	} while (++n < MAX_TRIES);
	harness_fail(__FILE__, __LINE__, 1, "no new namespace got number %u in %d tries",
		     inum, MAX_TRIES);
	return -1;
}

/* ---- 1. a namespace's entries die with it ------------------------------- */

/*
 * Root governs namespace A: enforce, uid 0 may choose 300-309, at most 5.
 * A dies; the kernel gives A's inode number to the next namespace made,
 * whoever makes it. That namespace is not A: the default governs it (mode
 * off), and `show` no longer lists A's entries. Before, it inherited A's
 * enforce mode, rule and limit.
 */
TEST_TIMEOUT(a_dead_namespaces_entries_do_not_govern_the_next_with_its_number, 180)
{
	struct held_ns a, next[MAX_TRIES];
	char out[4096], num[16];
	int n, i;

	fresh_policy();
	hold_pidns(&a, 0, 0);
	POLICY_OK("mode --ns %u enforce", a.inum);
	POLICY_OK("allow --ns %u --uid 0 --pids 300-309", a.inum);
	POLICY_OK("limit --ns %u --max-chosen 5", a.inum);
	ASSERT_EQ(clone2_in(&a, 300), 0);
	ASSERT_EQ(clone2_in(&a, 310), EPERM);
	ASSERT_EQ(decisions_for(a.inum).denied, 1ULL);
	ASSERT_GT(policy_entries_of_ns(a.inum), 0);

	attacker_userns();	/* made now, it takes no number A frees */
	drop_pidns(&a);
	n = take_number(a.inum, next, 0, 0);
	printf("# namespace %u died; a user namespace's root got its number\n", a.inum);

	/* its entries went with it, of every policy map and generation */
	ASSERT_EQ(policy_entries_of_ns(a.inum), 0);
	ASSERT_EQ(decisions_for(a.inum).denied, 0ULL);
	ASSERT_EQ(harness_sh(out, sizeof(out), "pidpolicy show; pidpolicy dump"), 0);
	snprintf(num, sizeof(num), "%u", a.inum);
	ASSERT_TRUE(strstr(out, num) == NULL);
	/* the successor: mode off by default, so what A's rule refused works */
	ASSERT_EQ(clone2_in(&next[n], 310), 0);
	ASSERT_EQ(decisions_for(a.inum).allowed, 1ULL);
	for (i = 0; i <= n; i++)
		drop_pidns(&next[i]);
}

/*
 * The attacker's best case for a recycled number: retire_ns, a tracing
 * program, is skipped when it would recurse on its CPU (preempted in its
 * long walk on a preemptible kernel), so a dead namespace's entries stay.
 * The one given its number next must not inherit them: entries carry the
 * id of the namespace they were written for, which no other has.
 */
TEST_TIMEOUT(entries_retire_ns_missed_govern_no_namespace_given_the_number, 180)
{
	struct held_ns a, next[MAX_TRIES];
	char out[4096], cmd[128];
	int n, i;

	fresh_policy();
	POLICY_OK("mode --default enforce");
	hold_pidns(&a, 0, 0);
	POLICY_OK("mode --ns %u off", a.inum);
	ASSERT_EQ(clone2_in(&a, 310), 0);

	/* retire_ns detached: as if skipped when A dies */
	ASSERT_EQ(unlink(PIDPOLICY_PIN_DIR "/retire_ns_link"), 0);
	attacker_userns();
	drop_pidns(&a);
	n = take_number(a.inum, next, 0, 0);
	printf("# namespace %u died unretired; a user namespace's root got its number\n",
	       a.inum);
	/* A's mode off is still in the maps, but it is not the successor's */
	ASSERT_GT(policy_entries_of_ns(a.inum), 0);
	ASSERT_EQ(clone2_in(&next[n], 310), EPERM);
	snprintf(cmd, sizeof(cmd), "pidpolicy explain --ns %u --uid 0 --pid 310", a.inum);
	ASSERT_EQ(harness_sh(out, sizeof(out), "%s", cmd), 0);
	ASSERT_TRUE(strstr(out, "verdict:   deny") != NULL);
	ASSERT_TRUE(strstr(out, "mode:      enforce (default)") != NULL);

	/* an edit for the successor first deletes what A left */
	POLICY_OK("allow --ns %u --uid 0 --pids 320", a.inum);
	ASSERT_EQ(policy_entries_of_ns(a.inum), 2);	/* the rule and its chunk */
	ASSERT_EQ(clone2_in(&next[n], 320), 0);
	ASSERT_EQ(clone2_in(&next[n], 311), EPERM);
	for (i = 0; i <= n; i++)
		drop_pidns(&next[i]);
	fresh_policy();	/* retire_ns attached again */
}

/*
 * One process in ns's namespace chooses pids[0..n) in turn, each child
 * living on; the errno of each call (0: created) in err[].
 */
static void clone2_many_in(const struct held_ns *ns, const pid_t *pids, int n, int *err)
{
	pid_t helper, child[8];
	int fds[2], i, fd;
	char path[64];

	ASSERT_LE(n, 8);
	ASSERT_EQ(pipe(fds), 0);
	helper = fork();
	ASSERT_GE(helper, 0);
	if (helper == 0) {
		snprintf(path, sizeof(path), "/proc/%d/ns/pid", (int)ns->init);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || setns(fd, CLONE_NEWPID))
			_exit(1);
		for (i = 0; i < n; i++) {
			child[i] = clone2_fork(&pids[i], 1, 0);
			if (child[i] == 0) {
				pause();
				_exit(0);
			}
			err[i] = child[i] < 0 ? errno : 0;
		}
		if (write(fds[1], err, n * sizeof(*err)) != (ssize_t)(n * sizeof(*err)))
			_exit(1);
		for (i = 0; i < n; i++)
			if (child[i] > 0)
				kill(child[i], SIGKILL);
		_exit(0);
	}
	close(fds[1]);
	ASSERT_EQ(read(fds[0], err, n * sizeof(*err)), (ssize_t)(n * sizeof(*err)));
	close(fds[0]);
	ASSERT_EQ(wait_exit(helper), 0);
}

/*
 * alloc_pid_exit, which hands a new pid's charges over until free_pid, is
 * a tracing program the kernel may skip. A process whose creations all
 * miss it must not get past a limit: what it was charged stays charged.
 */
TEST_TIMEOUT(a_skipped_charge_handover_lets_no_process_past_a_limit, 180)
{
	static const pid_t pids[4] = { 300, 301, 302, 303 };
	struct held_ns a;
	char out[4096];
	int err[4];

	fresh_policy();
	POLICY_OK("mode --default enforce");
	hold_pidns(&a, 0, 0);
	POLICY_OK("allow --ns %u --uid 0 --pids 300-399", a.inum);
	POLICY_OK("limit --ns %u --max-chosen 3", a.inum);
	/* alloc_pid_exit detached: as if skipped for every creation */
	ASSERT_EQ(unlink(PIDPOLICY_PIN_DIR "/alloc_pid_exit_link"), 0);
	clone2_many_in(&a, pids, 4, err);
	ASSERT_EQ(err[0], 0);
	ASSERT_EQ(err[1], 0);
	ASSERT_EQ(err[2], 0);
	/* three live: the fourth is over the limit */
	ASSERT_EQ(err[3], EPERM);
	ASSERT_EQ(decisions_for(a.inum).denied, 1ULL);
	ASSERT_EQ(harness_sh(out, sizeof(out), "pidpolicy status 2>/dev/null"), 0);
	ASSERT_TRUE(strstr(out, "charges kept:   3") != NULL);
	drop_pidns(&a);
	fresh_policy();	/* alloc_pid_exit attached again */
}

/*
 * A process in ns's namespace that creates children on command: step()
 * with a pid makes a child with that pid chosen, living on; with 0 a plain
 * child that exits at once. Each returns 0 or the errno of the creation.
 */
struct stepper {
	pid_t pid;
	int to, from;
};

static void start_stepper(struct stepper *st, const struct held_ns *ns)
{
	int to[2], from[2], fd, err, nr = 0;
	pid_t want, child, kept[8];
	char path[64];

	ASSERT_EQ(pipe(to), 0);
	ASSERT_EQ(pipe(from), 0);
	st->pid = fork();
	ASSERT_GE(st->pid, 0);
	if (st->pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(to[1]);	/* the test's ends: its close is our EOF */
		close(from[0]);
		snprintf(path, sizeof(path), "/proc/%d/ns/pid", (int)ns->init);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || setns(fd, CLONE_NEWPID))
			_exit(1);
		while (read(to[0], &want, sizeof(want)) == sizeof(want)) {
			child = want ? clone2_fork(&want, 1, 0) : fork();
			if (child == 0) {
				if (want)
					pause();
				_exit(0);
			}
			if (child > 0 && want && nr < 8)
				kept[nr++] = child;
			err = child < 0 ? errno : want ? 0 : wait_exit(child);
			if (write(from[1], &err, sizeof(err)) != sizeof(err))
				_exit(1);
		}
		/* reaped here: their namespace's end waits for it */
		while (nr--) {
			kill(kept[nr], SIGKILL);
			wait_exit(kept[nr]);
		}
		_exit(0);
	}
	close(to[0]);
	close(from[1]);
	st->to = to[1];
	st->from = from[0];
}

static int step(const struct stepper *st, pid_t pid)
{
	int err;

	ASSERT_EQ(write(st->to, &pid, sizeof(pid)), (ssize_t)sizeof(pid));
	ASSERT_EQ(read(st->from, &err, sizeof(err)), (ssize_t)sizeof(err));
	return err;
}

static void stop_stepper(struct stepper *st)
{
	close(st->to);
	close(st->from);
	ASSERT_EQ(wait_exit(st->pid), 0);
}

/*
 * A charge left in a process's accounting by a creation whose
 * alloc_pid_exit was skipped must not be taken for the next pid it
 * creates, or given back by one that fails: that would give back a count
 * whose process lives. Under a limit of 1: a chosen 300 (its exit
 * skipped), a creation that fails in alloc_pid(), a plain child that
 * exits; a chosen 301 while 300 lives must be refused. Before, the failure
 * or the plain child's exit took 300's charge with it, and 301 was created.
 */
TEST_TIMEOUT(a_charge_whose_exit_was_skipped_is_no_other_pids, 180)
{
	struct stepper st;
	struct held_ns a;
	int prog, link;

	fresh_policy();
	POLICY_OK("mode --default enforce");
	hold_pidns(&a, 0, 0);
	POLICY_OK("allow --ns %u --uid 0 --pids 300-399", a.inum);
	POLICY_OK("limit --ns %u --max-chosen 1", a.inum);
	start_stepper(&st, &a);
	prog = bpf_obj_get(PIN("alloc_pid_exit"));
	ASSERT_GE(prog, 0);

	ASSERT_EQ(unlink(PIN("alloc_pid_exit_link")), 0);
	ASSERT_EQ(step(&st, 300), 0);	/* its exit skipped */
	link = bpf_link_create(prog, 0, BPF_TRACE_FEXIT, NULL);
	ASSERT_GE(link, 0);
	ASSERT_EQ(bpf_obj_pin(link, PIN("alloc_pid_exit_link")), 0);
	/* a creation that fails in alloc_pid(), past pid_max: nothing to give back */
	ASSERT_EQ(step(&st, 5000000), EINVAL);
	ASSERT_EQ(chosen_live(a.inum), 1LL);
	ASSERT_EQ(step(&st, 0), 0);	/* a plain child, exited */
	ASSERT_EQ(chosen_live(a.inum), 1LL);
	ASSERT_EQ(step(&st, 301), EPERM);
	ASSERT_EQ(decisions_for(a.inum).denied, 1ULL);

	stop_stepper(&st);
	close(link);
	close(prog);
	drop_pidns(&a);
	fresh_policy();
}

/* The allowed, denied and audited counts of `pidpolicy status`'s row name. */
static struct pidpolicy_decisions status_row(const char *name)
{
	struct pidpolicy_decisions d = {};
	unsigned long long a, b, c;
	char out[16384], *line;
	size_t len = strlen(name);

	ASSERT_EQ(harness_sh(out, sizeof(out), "pidpolicy status 2>/dev/null"), 0);
	for (line = out; line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
		if (strncmp(line, name, len) || line[len] != ' ')
			continue;
		ASSERT_EQ(sscanf(line + len, "%llu %llu %llu", &a, &b, &c), 3);
		d.allowed = a;
		d.denied = b;
		d.audited = c;
		return d;
	}
	harness_fail(__FILE__, __LINE__, 1, "status has no row %s:\n%s", name, out);
	return d;
}

/*
 * "Audit, then enforce" needs the evidence of every namespace: decisions of
 * namespaces that died (short-lived restores, or an attacker's) and of
 * those the LRU forgot stay counted, and the total never goes down.
 */
TEST_TIMEOUT(decisions_of_dead_and_forgotten_namespaces_stay_counted, 180)
{
	struct pidpolicy_decisions before, after, retired;
	struct pidpolicy_ns_key key;
	struct held_ns a, b;
	char num[16];
	int i, fd;

	fresh_policy();
	POLICY_OK("mode --default enforce");
	POLICY_OK("allow --ns any --uid 0 --pids 300-309");
	hold_pidns(&a, 0, 0);
	ASSERT_EQ(clone2_in(&a, 300), 0);
	ASSERT_EQ(clone2_in(&a, 310), EPERM);
	snprintf(num, sizeof(num), "%u", a.inum);
	before = status_row("total");
	ASSERT_EQ(status_row(num).allowed, 1ULL);
	ASSERT_EQ(status_row("retired").allowed, 0ULL);

	drop_pidns(&a);
	/* its row goes once its number is freed (RCU) */
	for (i = 0; i < MAX_TRIES && decisions_for(a.inum).allowed; i++)
		usleep(100000);
	ASSERT_LT(i, MAX_TRIES);
	retired = status_row("retired");
	ASSERT_EQ(retired.allowed, 1ULL);
	ASSERT_EQ(retired.denied, 1ULL);
	after = status_row("total");
	ASSERT_EQ(after.allowed, before.allowed);
	ASSERT_EQ(after.denied, before.denied);

	/* a row the LRU forgets (deleted here) is counted as forgotten */
	hold_pidns(&b, 0, 0);
	ASSERT_EQ(clone2_in(&b, 301), 0);
	fd = bpf_obj_get(PIN("decisions"));
	ASSERT_GE(fd, 0);
	key.ns_inum = b.inum;
	ASSERT_EQ(bpf_map_delete_elem(fd, &key), 0);
	close(fd);
	ASSERT_EQ(status_row("forgotten").allowed, 1ULL);
	ASSERT_EQ(status_row("total").allowed, before.allowed + 1);
	drop_pidns(&b);
}

/* `pidpolicy dump`, for comparing the policy before and after. */
static void dump_policy(char *out, size_t size)
{
	ASSERT_EQ(harness_sh(out, size, "pidpolicy dump"), 0);
}

/* out is one line, and holds want. */
static void assert_one_line_with(const char *out, const char *want)
{
	const char *at = strstr(out, want);

	if (!at)
		printf("# expected \"%s\" in:\n%s", want, out);
	ASSERT_TRUE(at != NULL);
	ASSERT_TRUE(strchr(out, '\n') == out + strlen(out) - 1);
}

/*
 * A pid namespace X dies; under a default of enforce, root writes entries
 * for X by number, as a script of a dump would: `mode ns X off` first,
 * with which the next namespace given X would choose pids freely. Every
 * command that writes an entry refuses X, naming it (a policy file: its
 * line), and changes nothing; `load --policy` loads the file's default
 * mode alone. Root of a
 * user namespace then makes namespaces until one gets X: enforce governs
 * it. Before, the entries were written with a warning, and it chose 167.
 */
TEST_TIMEOUT(no_entry_is_written_for_a_number_no_live_pid_namespace_has, 300)
{
	struct held_ns a, next[MAX_TRIES];
	char out[4096], before[4096], after[4096], want[128], file[256];
	struct stat net;
	int n, i;
	__u32 x;

	fresh_policy();
	POLICY_OK("mode --default enforce");
	attacker_userns();	/* made now, it takes no number X frees */
	hold_pidns(&a, 0, 0);
	x = a.inum;
	drop_pidns(&a);
	dump_policy(before, sizeof(before));

	snprintf(want, sizeof(want), "pidpolicy: no live pid namespace has inode %u: ", x);
	ASSERT_EQ(harness_sh(out, sizeof(out), "pidpolicy mode --ns %u off 2>&1", x), 1);
	assert_one_line_with(out, want);
	ASSERT_TRUE(strstr(out, "(the policy is unchanged)") != NULL);
	ASSERT_EQ(harness_sh(out, sizeof(out), "pidpolicy allow --ns %u --pids 167 2>&1", x), 1);
	assert_one_line_with(out, want);
	ASSERT_EQ(harness_sh(out, sizeof(out), "pidpolicy limit --ns %u --max-chosen 5 2>&1", x), 1);
	assert_one_line_with(out, want);

	/* a whole policy: the statement's line is named, nothing is applied */
	snprintf(file, sizeof(file), "mode default off\nallow ns any pids 5\nmode ns %u off\n", x);
	write_policy_file("/tmp/state.policy", file);
	snprintf(want, sizeof(want),
		 "pidpolicy: /tmp/state.policy:3: no live pid namespace has inode %u: ", x);
	ASSERT_EQ(harness_sh(out, sizeof(out), "pidpolicy apply /tmp/state.policy 2>&1"), 1);
	assert_one_line_with(out, want);
	dump_policy(after, sizeof(after));
	ASSERT_STREQ(after, before);
	ASSERT_EQ(policy_entries_of_ns(x), 0);

	/* a live namespace that is not a pid namespace is no better */
	ASSERT_EQ(stat("/proc/self/ns/net", &net), 0);
	snprintf(want, sizeof(want), "no live pid namespace has inode %u: ", (__u32)net.st_ino);
	ASSERT_EQ(harness_sh(out, sizeof(out), "pidpolicy allow --ns %u --uid 0 --pids 300 2>&1",
			     (__u32)net.st_ino), 1);
	assert_one_line_with(out, want);

	/* live ones by number and by path, and 'any', are written */
	POLICY_OK("allow --ns %u --uid 0 --pids 300 2>&1", ns_inum_of(0));
	POLICY_OK("mode --ns /proc/self/ns/pid audit 2>&1");
	POLICY_OK("limit --ns any --max-chosen 50 2>&1");

	/* a live one this process may not hold a file for: says how to fix it */
	snprintf(file, sizeof(file), "mode default off\nmode ns %u enforce\n", ns_inum_of(0));
	write_policy_file("/tmp/fds.policy", file);
	dump_policy(before, sizeof(before));
	ASSERT_EQ(harness_sh(out, sizeof(out),
			     "ulimit -n 40 && pidpolicy apply /tmp/fds.policy 2>&1"), 1);
	assert_one_line_with(out, "pidpolicy: holding each namespace the policy names takes an open file, more than this process may open: raise the hard limit (ulimit -Hn, LimitNOFILE=) (the policy is unchanged)");
	dump_policy(after, sizeof(after));
	ASSERT_STREQ(after, before);
	/* a statement that names no namespace needs no file for one */
	ASSERT_EQ(harness_sh(out, sizeof(out), "ulimit -n 40 && pidpolicy mode --default enforce 2>&1"), 0);

	/*
	 * `load --policy` of that file, on no load: no entry for X either; the
	 * hook goes on with the file's default alone (fails closed)
	 */
	POLICY_OK("unload");
	ASSERT_EQ(harness_sh(out, sizeof(out), "pidpolicy load --policy /tmp/state.policy 2>&1"), 1);
	ASSERT_TRUE(strstr(out, "/tmp/state.policy:3: no live pid namespace has inode") != NULL);
	ASSERT_TRUE(strstr(out, "was not applied: loaded with no rule and mode default off") != NULL);
	ASSERT_EQ(policy_entries_of_ns(x), 0);
	POLICY_OK("mode --default enforce");

	/* the next namespace given X is governed by the default */
	n = take_number(x, next, 167, EPERM);
	printf("# namespace %u died; a user namespace's root got its number, and no pid\n", x);
	for (i = 0; i <= n; i++)
		drop_pidns(&next[i]);
}

/* Has process pid a flock it waits for (a "->" line of /proc/locks)? */
static int waits_for_a_lock(pid_t pid)
{
	char locks[16384], want[32];

	if (harness_read_file("/proc/locks", locks, sizeof(locks)) < 0)
		return 0;
	snprintf(want, sizeof(want), " %d ", (int)pid);
	for (char *line = strtok(locks, "\n"); line; line = strtok(NULL, "\n"))
		if (strstr(line, "-> FLOCK") && strstr(line, want))
			return 1;
	return 0;
}

/*
 * A process that holds n pid namespaces, each by an open file only: made
 * and left, its init (it needs one to be opened) gone at once. Their
 * numbers go to inums[], the fd of the first to *fd0.
 */
static pid_t hold_pidns_by_files(int n, __u32 *inums, int *fd0)
{
	int fds[2], self, fd, i;
	struct rlimit r = { n + 1024, n + 1024 };
	size_t got;
	ssize_t len;
	struct stat st;
	pid_t keeper, init;

	ASSERT_EQ(pipe(fds), 0);
	keeper = fork();
	ASSERT_GE(keeper, 0);
	if (keeper == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		self = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
		if (self < 0 || setrlimit(RLIMIT_NOFILE, &r))
			_exit(errno);
		for (i = 0; i < n; i++) {
			if (unshare(CLONE_NEWPID))
				_exit(errno);
			init = fork();
			if (init == 0)
				_exit(0);
			fd = open("/proc/self/ns/pid_for_children", O_RDONLY);
			if (init < 0 || fd < 0 || wait_exit(init) ||
			    setns(self, CLONE_NEWPID) || fstat(fd, &st))
				_exit(errno);
			inums[i] = (__u32)st.st_ino;
			if (!i)
				*fd0 = fd;
		}
		if (write(fds[1], fd0, sizeof(*fd0)) != sizeof(*fd0) ||
		    write(fds[1], inums, n * sizeof(*inums)) != (ssize_t)(n * sizeof(*inums)))
			_exit(1);
		pause();
		_exit(0);
	}
	close(fds[1]);
	if (read(fds[0], fd0, sizeof(*fd0)) != sizeof(*fd0))
		harness_fail(__FILE__, __LINE__, 1, "the keeper failed: %s",
			     harness_errno_name(wait_exit(keeper)));
	for (got = 0; got < n * sizeof(*inums); got += (size_t)len) {
		len = read(fds[0], (char *)inums + got, n * sizeof(*inums) - got);
		ASSERT_GT(len, 0);
	}
	close(fds[0]);
	return keeper;
}

/*
 * A pid namespace lives on while an open file or a bind mount holds it,
 * its processes gone (the kernel gives it no pid any more, and its number
 * to no other namespace): an edit by number finds and holds it. Once the
 * mount goes it is dead, and refused. Before, only /proc/PID/ns/pid and
 * pid_for_children were searched: it was refused as dead.
 */
TEST_TIMEOUT(namespaces_held_by_a_file_or_a_mount_only_are_live, 300)
{
	__u32 inums[1];
	char src[64], out[4096];
	const char *bind = "/tmp/state-pidns";
	pid_t keeper;
	int fd0, i;

	fresh_policy();
	keeper = hold_pidns_by_files(1, inums, &fd0);
	POLICY_OK("mode --ns %u audit", inums[0]);
	ASSERT_EQ(policy_entries_of_ns(inums[0]), 1);

	/* by a bind mount only */
	close(open(bind, O_CREAT | O_WRONLY | O_CLOEXEC, 0600));
	snprintf(src, sizeof(src), "/proc/%d/fd/%d", (int)keeper, fd0);
	ASSERT_EQ(mount(src, bind, NULL, MS_BIND, NULL), 0);
	kill_and_reap(keeper);
	POLICY_OK("limit --ns %u --max-chosen 3", inums[0]);
	ASSERT_EQ(umount2(bind, MNT_DETACH), 0);
	for (i = 0; i < MAX_TRIES && policy_entries_of_ns(inums[0]); i++)
		usleep(100000);
	ASSERT_LT(i, MAX_TRIES);
	ASSERT_EQ(harness_sh(out, sizeof(out), "pidpolicy mode --ns %u off 2>&1", inums[0]), 1);
	assert_one_line_with(out, "no live pid namespace has inode");
}

/*
 * Root dumps the policy, and applies the dump later (after a reboot, or as
 * a backup): a namespace A it named has died meanwhile, and a user
 * namespace's root got A's number (lowest free first). The dump names each
 * namespace with its id (N@ID), so apply refuses A's statements, naming
 * them, and changes nothing. Before, the dump named numbers only, and apply
 * wrote A's "mode off" for the attacker's namespace.
 */
TEST_TIMEOUT(a_dumped_policy_is_not_applied_to_a_namespace_given_a_dead_ones_number, 300)
{
	struct held_ns a, next[MAX_TRIES];
	char out[4096], before[4096], after[4096], want[128];
	int n, i;

	fresh_policy();
	POLICY_OK("mode --default enforce");
	attacker_userns();	/* made now, it takes no number A frees */
	hold_pidns(&a, 0, 0);
	POLICY_OK("mode --ns %u off", a.inum);
	POLICY_OK("allow --ns %u --uid 0 --pids 300-399", a.inum);
	ASSERT_EQ(harness_sh(NULL, 0, "pidpolicy dump > /tmp/state-dump.policy"), 0);
	ASSERT_EQ(harness_sh(out, sizeof(out), "cat /tmp/state-dump.policy"), 0);
	snprintf(want, sizeof(want), "\nmode ns %u@", a.inum);
	ASSERT_TRUE(strstr(out, want) != NULL);
	/* while A lives, the dump applies as it is */
	POLICY_OK("apply /tmp/state-dump.policy");

	drop_pidns(&a);
	n = take_number(a.inum, next, 0, 0);
	ASSERT_EQ(clone2_in(&next[n], 310), EPERM);
	dump_policy(before, sizeof(before));
	ASSERT_EQ(harness_sh(out, sizeof(out), "pidpolicy apply /tmp/state-dump.policy 2>&1"), 1);
	snprintf(want, sizeof(want), "has died, and number %u is another namespace's now", a.inum);
	assert_one_line_with(out, want);
	ASSERT_TRUE(strstr(out, "pidpolicy: /tmp/state-dump.policy:") != NULL);
	dump_policy(after, sizeof(after));
	ASSERT_STREQ(after, before);
	ASSERT_EQ(clone2_in(&next[n], 310), EPERM);
	for (i = 0; i <= n; i++)
		drop_pidns(&next[i]);
}

/*
 * Root runs `mode --ns /proc/PID/ns/pid off` for namespace A while another
 * writer holds the lock; A's last process dies meanwhile. The edit's open
 * file keeps A, so its number stays A's: root of a user namespace, making
 * namespaces all the while, never gets it, the edit writes for A, and A's
 * entry goes with A. Before, the edit looked A's number up again after
 * the wait and wrote `off` for the attacker's namespace that had it.
 */
TEST_TIMEOUT(an_edit_by_path_writes_for_the_namespace_it_opened, 300)
{
	struct held_ns a, during[MAX_TRIES], after[MAX_TRIES];
	pid_t edit;
	int lock, n, i, m = 0;
	char cmd[128];

	fresh_policy();
	POLICY_OK("mode --default enforce");
	attacker_userns();
	hold_pidns(&a, 0, 0);
	lock = open(PIDPOLICY_PIN_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ASSERT_GE(lock, 0);
	ASSERT_EQ(flock(lock, LOCK_EX), 0);
	snprintf(cmd, sizeof(cmd), "exec pidpolicy mode --ns /proc/%d/ns/pid off", (int)a.init);
	edit = fork();
	ASSERT_GE(edit, 0);
	if (edit == 0) {
		close(lock);
		execlp("sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	for (i = 0; i < 3000 && !waits_for_a_lock(edit); i++)
		usleep(20000);
	ASSERT_LT(i, 3000);

	drop_pidns(&a);
	for (n = 0; n < MAX_TRIES; n++) {
		ASSERT_EQ(hold_pidns(&during[n], 1, 167), EPERM);
		ASSERT_NE(during[n].inum, a.inum);
		usleep(50000);
	}
	/* the holders forked meanwhile share the lock's file: unlock it */
	ASSERT_EQ(flock(lock, LOCK_UN), 0);
	close(lock);
	ASSERT_EQ(wait_exit(edit), 0);

	/* A goes once the edit's file does: its entry with it, then its number */
	for (i = 0; i < 300 && policy_entries_of_ns(a.inum); i++)
		usleep(100000);
	ASSERT_EQ(policy_entries_of_ns(a.inum), 0);
	do {
		ASSERT_EQ(hold_pidns(&after[m], 1, 167), EPERM);
		if (after[m].inum == a.inum)
			break;
		usleep(50000);
	} while (++m < MAX_TRIES);
	ASSERT_LT(m, MAX_TRIES);
	for (i = 0; i < n; i++)
		drop_pidns(&during[i]);
	for (i = 0; i <= m; i++)
		drop_pidns(&after[i]);
}

/*
 * A FIFO given as the namespace, on the command line or in a policy file
 * that `apply` reads under the writers' lock: refused at once (status 2,
 * one line), never waiting for a writer; timeout's 124 would say it did.
 */
TEST_TIMEOUT(a_fifo_given_as_a_namespace_is_refused_at_once, 120)
{
	char out[4096];

	fresh_policy();
	unlink("/tmp/state.fifo");
	ASSERT_EQ(mkfifo("/tmp/state.fifo", 0600), 0);
	ASSERT_EQ(harness_sh(out, sizeof(out), "timeout 20 pidpolicy mode --ns /tmp/state.fifo off 2>&1"), 2);
	assert_one_line_with(out, "pidpolicy: /tmp/state.fifo is not a pid namespace file");
	write_policy_file("/tmp/state.policy", "mode ns /tmp/state.fifo off\n");
	ASSERT_EQ(harness_sh(out, sizeof(out), "timeout 20 pidpolicy apply /tmp/state.policy 2>&1"), 2);
	assert_one_line_with(out, "pidpolicy: /tmp/state.policy:1: /tmp/state.fifo is not a pid namespace file");
	unlink("/tmp/state.fifo");
}

/* dump says which of its statements die with their namespace. */
TEST_TIMEOUT(dump_says_which_statements_cannot_outlive_their_namespace, 120)
{
	struct held_ns a;
	char out[4096], want[64];

	fresh_policy();
	POLICY_OK("allow --ns any --pids 300");
	dump_policy(out, sizeof(out));
	ASSERT_TRUE(strstr(out, "cannot outlive") == NULL);
	hold_pidns(&a, 0, 0);
	POLICY_OK("mode --ns /proc/%d/ns/pid audit", (int)a.init);
	dump_policy(out, sizeof(out));
	ASSERT_TRUE(strstr(out, "\n# 'ns N' statements, N a number but 4026531836 (the initial pid namespace), cannot outlive namespace N: once it has died, apply refuses them\n") != NULL);
	/* with the namespace's id: N@ID */
	snprintf(want, sizeof(want), "\nmode ns %u@", a.inum);
	ASSERT_TRUE(strstr(out, want) != NULL);
	ASSERT_TRUE(strstr(strstr(out, want), " audit\n") != NULL);
	drop_pidns(&a);
}

/* ---- 2. a limit that cannot count denies ---------------------------------- */

/* Fill chosen_live but for `room` entries, with namespaces that never die. */
static int fill_chosen_live(int room)
{
	struct bpf_map_info info = {};
	struct pidpolicy_chosen zero = {};
	struct pidpolicy_ns_key key;
	__u32 len = sizeof(info), i;
	int fd = bpf_obj_get(PIN("chosen_live"));

	ASSERT_GE(fd, 0);
	ASSERT_EQ(bpf_obj_get_info_by_fd(fd, &info, &len), 0);
	/* numbers below 0xf0000000 are no namespace's (PROC_DYNAMIC_FIRST) */
	for (i = 1; i <= info.max_entries - (__u32)room; i++) {
		key.ns_inum = i;
		ASSERT_EQ(bpf_map_update_elem(fd, &key, &zero, BPF_NOEXIST), 0);
	}
	close(fd);
	return (int)info.max_entries - room;
}

static void unfill_chosen_live(int n)
{
	struct pidpolicy_ns_key key;
	int fd = bpf_obj_get(PIN("chosen_live")), i;

	ASSERT_GE(fd, 0);
	for (i = 1; i <= n; i++) {
		key.ns_inum = (__u32)i;
		ASSERT_EQ(bpf_map_delete_elem(fd, &key), 0);
	}
	close(fd);
}

/*
 * A limit holds in every namespace (the default's). The map counting
 * chosen pids per namespace has room for two more namespaces (the rest
 * stands for namespaces whose chosen pids live): root of a user
 * namespace takes them with two pid namespaces of its own, one live chosen
 * pid each. Then root's restore into a new namespace cannot be counted: it is
 * denied, reason accounting, where it used to be allowed uncounted. The
 * attacker's namespaces die, their counters with them, and root succeeds.
 */
TEST_TIMEOUT(a_limit_that_cannot_count_a_pid_denies_it, 240)
{
	struct held_ns evil[2], victim, free_ns;
	char out[8192];
	int filled, i;
	pid_t mon;

	fresh_policy();
	POLICY_OK("allow --ns any --uid 0 --pids 2-999");
	POLICY_OK("allow --ns any --uid 65534 --pids 2-999");
	POLICY_OK("mode --default enforce");
	POLICY_OK("limit --ns any --max-chosen 100");
	filled = fill_chosen_live(2);
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(hold_pidns_of(&evil[i], ATTACKER, 500, 1), 0);
		ASSERT_EQ(decisions_for(evil[i].inum).allowed, 1ULL);
	}
	hold_pidns(&victim, 0, 0);
	mon = start_monitor("pidpolicy", "", MON_OUT);
	ASSERT_EQ(clone2_in(&victim, 500), EPERM);
	stop_monitor(mon, out, sizeof(out));
	ASSERT_TRUE(strstr(out, "deny       accounting") != NULL);
	ASSERT_EQ(decisions_for(victim.inum).denied, 1ULL);

	/* where no limit is in force nothing is charged, so nothing fails */
	POLICY_OK("limit --ns any --max-chosen none");
	hold_pidns(&free_ns, 0, 0);
	ASSERT_EQ(clone2_in(&free_ns, 500), 0);
	POLICY_OK("limit --ns any --max-chosen 100");

	for (i = 0; i < 2; i++)
		drop_pidns(&evil[i]);
	/* their numbers, and counters, go once the last reference does (RCU) */
	for (i = 0; i < MAX_TRIES && clone2_in(&victim, 501 + i); i++)
		usleep(100000);
	ASSERT_LT(i, MAX_TRIES);
	drop_pidns(&victim);
	drop_pidns(&free_ns);
	unfill_chosen_live(filled);
}

/* What guest tenant uid, or all if all, holds of kind what (0 if no entry). */
static __s64 tenant_holds(__u32 uid, __u32 all, __u32 what)
{
	struct pidpolicy_tenant_key key = { .uid = uid, .all = all };
	struct pidpolicy_tenant_usage u = {};
	int fd = bpf_obj_get(PIN("tenants"));

	ASSERT_GE(fd, 0);
	bpf_map_lookup_elem(fd, &key, &u);
	close(fd);
	return u.held[what];
}

/* The test's capacity knob: what one guest tenant may hold of kind what. */
static void set_tenant_share(__u32 what, __u64 n)
{
	__u32 slot = PIDPOLICY_CONFIG_TENANT_SHARE + what;
	int fd = bpf_obj_get(PIN("config"));

	ASSERT_GE(fd, 0);
	ASSERT_EQ(bpf_map_update_elem(fd, &slot, &n, BPF_ANY), 0);
	close(fd);
}

/*
 * A user namespace's root makes one charged choice in each of 5 pid
 * namespaces of its own and keeps the namespaces: the chosen processes
 * exited, so no counter stays for them and the tenant holds nothing. Before,
 * each counter stayed at zero until its namespace died, so 65,536 held
 * namespaces (nsfs fds, seconds of work) left every other limited namespace
 * refused. A live one is counted, and goes with its namespace.
 */
TEST_TIMEOUT(a_namespaces_counter_goes_with_its_last_chosen_pid, 180)
{
	struct held_ns evil[5], kept;
	int i;

	fresh_policy();
	POLICY_OK("allow --ns any --uid 65534 --pids 2-999");
	POLICY_OK("mode --default enforce");
	POLICY_OK("limit --ns any --max-chosen 100");
	for (i = 0; i < 5; i++) {
		ASSERT_EQ(hold_pidns(&evil[i], 1, 500), 0);
		ASSERT_EQ(decisions_for(evil[i].inum).allowed, 1ULL);
		ASSERT_EQ(entries_of_ns(PIN("chosen_live"), 0, evil[i].inum), 0);
	}
	ASSERT_EQ(tenant_holds(ATTACKER, 0, PIDPOLICY_SHARE_NAMESPACES), 0LL);
	ASSERT_EQ(tenant_holds(ATTACKER, 0, PIDPOLICY_SHARE_PIDS), 0LL);

	ASSERT_EQ(hold_pidns_of(&kept, ATTACKER, 500, 1), 0);
	ASSERT_EQ(chosen_live(kept.inum), 1LL);
	ASSERT_EQ(tenant_holds(ATTACKER, 0, PIDPOLICY_SHARE_NAMESPACES), 1LL);
	ASSERT_EQ(tenant_holds(ATTACKER, 0, PIDPOLICY_SHARE_PIDS), 1LL);
	drop_pidns(&kept);
	ASSERT_EQ(entries_of_ns(PIN("chosen_live"), 0, kept.inum), 0);
	ASSERT_EQ(tenant_holds(ATTACKER, 0, PIDPOLICY_SHARE_NAMESPACES), 0LL);
	ASSERT_EQ(tenant_holds(ATTACKER, 0, PIDPOLICY_SHARE_PIDS), 0LL);
	for (i = 0; i < 5; i++)
		drop_pidns(&evil[i]);
}

/*
 * One tenant fills its own share only. With a share of 3 namespaces (the
 * test's knob; a 64th of chosen_live, 1,024, by default), root of a user
 * namespace keeps chosen pids alive in 3 pid namespaces of its own: its 4th
 * is refused (reason accounting), while another user's namespace and root's
 * restore are counted and allowed. Before, one tenant could fill the map,
 * and every limited namespace was refused, root's restores included.
 */
TEST_TIMEOUT(one_tenant_exhausts_only_its_own_share, 240)
{
	struct held_ns evil[4], other, host;
	char out[8192];
	pid_t mon;
	int i;

	fresh_policy();
	POLICY_OK("allow --ns any --uid 0 --pids 2-999");
	POLICY_OK("allow --ns any --uid %d --pids 2-999", ATTACKER);
	POLICY_OK("allow --ns any --uid %d --pids 2-999", NEIGHBOUR);
	POLICY_OK("mode --default enforce");
	POLICY_OK("limit --ns any --max-chosen 100");
	set_tenant_share(PIDPOLICY_SHARE_NAMESPACES, 3);
	for (i = 0; i < 3; i++)
		ASSERT_EQ(hold_pidns_of(&evil[i], ATTACKER, 500, 1), 0);
	ASSERT_EQ(tenant_holds(ATTACKER, 0, PIDPOLICY_SHARE_NAMESPACES), 3LL);
	mon = start_monitor("pidpolicy", "", MON_OUT);
	ASSERT_EQ(hold_pidns_of(&evil[3], ATTACKER, 500, 1), EPERM);
	stop_monitor(mon, out, sizeof(out));
	ASSERT_TRUE(strstr(out, "deny       accounting") != NULL);
	ASSERT_EQ(decisions_for(evil[3].inum).denied, 1ULL);

	ASSERT_EQ(hold_pidns_of(&other, NEIGHBOUR, 500, 1), 0);
	hold_pidns(&host, 0, 0);
	ASSERT_EQ(clone2_in(&host, 500), 0);
	ASSERT_EQ(tenant_holds(NEIGHBOUR, 0, PIDPOLICY_SHARE_NAMESPACES), 1LL);
	ASSERT_EQ(tenant_holds(0, 1, PIDPOLICY_SHARE_NAMESPACES), 4LL);

	/* its namespaces gone, its share is free again */
	for (i = 0; i < 4; i++)
		drop_pidns(&evil[i]);
	ASSERT_EQ(tenant_holds(ATTACKER, 0, PIDPOLICY_SHARE_NAMESPACES), 0LL);
	ASSERT_EQ(tenant_holds(ATTACKER, 0, PIDPOLICY_SHARE_PIDS), 0LL);
	ASSERT_EQ(hold_pidns_of(&evil[0], ATTACKER, 500, 1), 0);
	drop_pidns(&evil[0]);
	drop_pidns(&other);
	drop_pidns(&host);
	fresh_policy();		/* the shares of a load */
}

/* ---- 3. a load starts from clean runtime state ----------------------------- */

/*
 * Two processes hold chosen pids under a limit of 2 when the programs are
 * detached (their link pins removed, as an interrupted unload leaves them);
 * the processes exit unseen. A new load must not inherit their charges: it
 * starts clean, and the same limit admits two processes again.
 */
TEST_TIMEOUT(a_reload_does_not_inherit_charges_it_never_saw_released, 180)
{
	pid_t base = pick_free_pid() + 300, a, b;
	__u32 ns = ns_inum_of(0);

	fresh_policy_with_own_limit(base, 2);
	a = spawn_chosen(base);
	b = spawn_chosen(base + 1);
	ASSERT_EQ(chosen_live(ns), 2LL);
	ASSERT_EQ(harness_sh(NULL, 0, "rm " PIDPOLICY_PIN_DIR "/*_link"), 0);
	kill_and_reap(a);
	kill_and_reap(b);
	POLICY_OK("load");
	ASSERT_EQ(chosen_live(ns), 0LL);
	POLICY_OK("allow --ns any --pids %d-%d", base, base + 9);
	POLICY_OK("mode --default enforce");
	POLICY_OK("limit --ns /proc/self/ns/pid --max-chosen 2");
	a = spawn_chosen(base + 2);
	b = spawn_chosen(base + 3);
	ASSERT_EQ(a, base + 2);
	ASSERT_EQ(b, base + 3);
	ASSERT_ERRNO(spawn_chosen(base + 4), EPERM);
	kill_and_reap(a);
	kill_and_reap(b);
}

TEST(status_reports_each_programs_recursion_misses)
{
	char out[8192];

	fresh_policy();
	ASSERT_EQ(harness_sh(out, sizeof(out), "pidpolicy status 2>&1"), 0);
	ASSERT_TRUE(strstr(out, "recursion misses: pid_choose 0, alloc_pid_exit 0, "
				"free_pid_entry 0, retire_ns 0") != NULL);
	ASSERT_TRUE(strstr(out, "warning") == NULL);
	ASSERT_EQ(harness_sh(out, sizeof(out), "pidpolicy status --json"), 0);
	ASSERT_TRUE(strstr(out, "\"retire_ns\":{") != NULL);
	ASSERT_TRUE(strstr(out, "\"recursion_misses\":0") != NULL);
}

/* ---- 4. a flood hides no denial ------------------------------------------- */

/*
 * Root of the attacker's user namespace writes the ns_last_pid of each of
 * nns pid namespaces of its own n times; each write is denied (EPERM). The
 * process to wait for: 0 if all were.
 */
static pid_t flood_ns_last_pid(int nns, int n)
{
	pid_t pid = fork(), inside;
	char buf[16];
	int i, fd;

	ASSERT_GE(pid, 0);
	if (pid)
		return pid;
	become_userns_root();
	while (nns--) {
		inside = fork();
		if (inside < 0)
			_exit(1);
		if (inside > 0) {
			if (wait_exit(inside))
				_exit(1);
			continue;
		}
		if (unshare(CLONE_NEWPID))
			_exit(1);
		inside = fork();	/* pid 1 there: ns_last_pid is its own */
		if (inside == 0) {
			fd = open("/proc/sys/kernel/ns_last_pid", O_WRONLY | O_CLOEXEC);
			for (i = 0; fd >= 0 && i < n; i++) {
				snprintf(buf, sizeof(buf), "%d", 400 + i % 100);
				if (pwrite(fd, buf, strlen(buf), 0) >= 0 || errno != EPERM)
					_exit(1);
			}
			_exit(fd < 0);
		}
		_exit(inside < 0 ? 1 : wait_exit(inside));
	}
	_exit(0);
}

/*
 * Enforce with no rule for uid 65534: root of a user namespace floods its
 * own ns_last_pid, every write denied and reported, while the monitor is
 * stopped (a slow reader). Root's one denial in the initial namespace
 * must still reach the monitor; the flood is cut to its namespace's rate,
 * and the cut is counted.
 */
TEST_TIMEOUT(a_flood_in_a_user_namespace_hides_no_denial_of_root, 240)
{
	pid_t base = pick_free_pid() + 500, mon, flood;
	char out[65536], line[64];

	fresh_policy();
	POLICY_OK("allow --ns any --uid 0 --pids %d", base);
	POLICY_OK("mode --default enforce");
	mon = start_monitor("pidpolicy", "", MON_OUT);
	kill(mon, SIGSTOP);
	flood = flood_ns_last_pid(1, 6000);
	ASSERT_EQ(wait_exit(flood), 0);
	ASSERT_EQ(try_clone2(base + 1), EPERM);
	kill(mon, SIGCONT);
	stop_monitor(mon, out, sizeof(out));
	snprintf(line, sizeof(line), "pid=%d via=clone2", base + 1);
	ASSERT_TRUE(strstr(out, line) != NULL);
	ASSERT_TRUE(strstr(out, "suppressed ") != NULL);
	ASSERT_EQ(harness_sh(out, sizeof(out), "pidpolicy status --json"), 0);
	ASSERT_TRUE(strstr(out, "\"events_suppressed\":0,") == NULL);
	ASSERT_TRUE(strstr(out, "\"events_suppressed\"") != NULL);
}

/*
 * Root of a user namespace floods from 40 pid namespaces of its own, 200
 * denied ns_last_pid writes each: 8,000 events, twice the ring. A
 * denial in another user's namespace must still reach the monitor, whether
 * it reads all along or is stopped through the flood and a second more. The
 * event budget is per tenant (the uid owning a top-level user namespace),
 * which no number of namespaces multiplies. Before, each new namespace had
 * a full budget (40 bursts fill the ring), and the ring held the flood only.
 *
 * One tenant's rate fills the ring of a reader stopped for over 70 s (3,600
 * events at 50 a second): the flood must be quicker than that, so it comes
 * from few namespaces (creating one is the slow part under TCG), and its
 * time is printed.
 */
TEST_TIMEOUT(a_flood_from_many_namespaces_hides_no_other_tenants_denial, 900)
{
	char out[65536];
	struct timespec start, end;
	struct held_ns nb;
	pid_t mon;
	int stopped;

	for (stopped = 0; stopped < 2; stopped++) {
		fresh_policy();
		POLICY_OK("mode --default enforce");
		mon = start_monitor("pidpolicy", "", MON_OUT);
		if (stopped)
			kill(mon, SIGSTOP);
		clock_gettime(CLOCK_MONOTONIC, &start);
		ASSERT_EQ(wait_exit(flood_ns_last_pid(40, 200)), 0);
		ASSERT_EQ(hold_pidns_of(&nb, NEIGHBOUR, 777, 0), EPERM);
		clock_gettime(CLOCK_MONOTONIC, &end);
		printf("# flood and denial, monitor %s: %ld s\n", stopped ? "stopped" : "reading",
		       (long)(end.tv_sec - start.tv_sec));
		if (stopped)
			usleep(1000000);
		stop_monitor(mon, out, sizeof(out));
		/* more than out holds: the file is searched */
		ASSERT_EQ(harness_sh(NULL, 0, "grep -q 'pid=777 via=clone2' " MON_OUT), 0);
		ASSERT_EQ(harness_sh(NULL, 0, "grep -q '^suppressed ' " MON_OUT), 0);
		drop_pidns(&nb);
	}
}

/*
 * A monitor runs when the policy is unloaded and loaded again: the maps it
 * reads are no longer the policy's. It says so in one line and exits (1),
 * and a new monitor starts and reports the new policy's denials. Before,
 * it printed nothing more and kept its lock: the new one was refused.
 */
TEST_TIMEOUT(a_monitor_exits_when_the_policy_is_reloaded, 180)
{
	pid_t base = pick_free_pid() + 500, mon;
	char out[4096], line[64];
	int i, status = -1;

	fresh_policy();
	mon = start_monitor("pidpolicy", "", MON_OUT);
	POLICY_OK("unload");
	POLICY_OK("load");
	for (i = 0; i < 1000 * (int)harness_timeout_scale(); i++) {
		if (waitpid(mon, &status, WNOHANG) == mon)
			break;
		usleep(20000);
	}
	if (i == 1000 * (int)harness_timeout_scale()) {
		kill_and_reap(mon);
		ASSERT_TRUE(!"the monitor of the unloaded policy still runs");
	}
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(WEXITSTATUS(status), 1);
	ASSERT_GE(harness_read_file(MON_OUT ".err", out, sizeof(out)), 0);
	ASSERT_TRUE(strstr(out, "\npidpolicy: the policy was unloaded or loaded again, its events come here no more: run 'pidpolicy monitor' again once it is loaded\n") != NULL);

	POLICY_OK("allow --ns any --uid 0 --pids %d", base);
	POLICY_OK("mode --default enforce");
	mon = start_monitor("pidpolicy", "", MON_OUT);
	ASSERT_EQ(try_clone2(base + 1), EPERM);
	stop_monitor(mon, out, sizeof(out));
	snprintf(line, sizeof(line), "pid=%d via=clone2", base + 1);
	ASSERT_TRUE(strstr(out, line) != NULL);
}

TEST_TIMEOUT(a_second_monitor_is_refused, 120)
{
	char out[1024];
	pid_t mon;

	fresh_policy();
	mon = start_monitor("pidpolicy", "", MON_OUT);
	ASSERT_EQ(harness_sh(out, sizeof(out), "pidpolicy monitor 2>&1"), 1);
	ASSERT_STREQ(out, "pidpolicy: another 'pidpolicy monitor' is running: stop it first (the events have one reader)\n");
	stop_monitor(mon, out, sizeof(out));
	harness_sh(NULL, 0, "pidpolicy unload");
}
