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
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
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

/*
 * The attacker's user namespace (root there is uid 65534 outside), made
 * once: a new user namespace takes an inode number from the same pool as
 * the pid namespaces made in it. Its keeper lives until the test ends.
 */
static int attacker_userns(void)
{
	static int fd = -1;
	char path[64], c;
	int fds[2];
	pid_t keeper;

	if (fd >= 0)
		return fd;
	ASSERT_EQ(pipe(fds), 0);
	keeper = fork();
	ASSERT_GE(keeper, 0);
	if (keeper == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		become_userns_root();
		ASSERT_EQ(write(fds[1], "", 1), 1);
		pause();
		_exit(0);
	}
	ASSERT_EQ(read(fds[0], &c, 1), 1);
	snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)keeper);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	ASSERT_GE(fd, 0);
	return fd;
}

/*
 * A new pid namespace, made by root or, if by_attacker, by root of the
 * attacker's user namespace. If choose, its maker then creates a child with
 * pid choose there, which exits at once: 0 or the errno of clone2 is
 * returned.
 */
static int hold_pidns(struct held_ns *ns, int by_attacker, pid_t choose)
{
	int userns = by_attacker ? attacker_userns() : -1, fds[2], err = 0;
	pid_t init, child;

	ASSERT_EQ(pipe(fds), 0);
	ns->holder = fork();
	ASSERT_GE(ns->holder, 0);
	if (ns->holder == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (userns >= 0) {
			drop_to_nobody(0);
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
		if (child == 0 && choose)
			_exit(0);
		err = child < 0 ? errno : choose ? wait_exit(child) : 0;
		if (write(fds[1], &err, sizeof(err)) != sizeof(err))
			_exit(1);
		_exit(wait_exit(init) == 128 + SIGKILL ? 0 : 1);
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
	int n = 0, i;

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
	/* the number is freed once the last reference to A goes (RCU) */
	do {
		hold_pidns(&next[n], 1, 0);
		if (next[n].inum == a.inum)
			break;
		usleep(50000);
	} while (++n < MAX_TRIES);
	ASSERT_LT(n, MAX_TRIES);
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
	int n = 0, i;

	fresh_policy();
	POLICY_OK("mode --default enforce");
	hold_pidns(&a, 0, 0);
	POLICY_OK("mode --ns %u off", a.inum);
	ASSERT_EQ(clone2_in(&a, 310), 0);

	/* retire_ns detached: as if skipped when A dies */
	ASSERT_EQ(unlink(PIDPOLICY_PIN_DIR "/retire_ns_link"), 0);
	attacker_userns();
	drop_pidns(&a);
	do {
		hold_pidns(&next[n], 1, 0);
		if (next[n].inum == a.inum)
			break;
		usleep(50000);
	} while (++n < MAX_TRIES);
	ASSERT_LT(n, MAX_TRIES);
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
 * line), and changes nothing; `load --policy` loads nothing. Root of a
 * user namespace then makes namespaces until one gets X: enforce governs
 * it. Before, the entries were written with a warning, and it chose 167.
 */
TEST_TIMEOUT(no_entry_is_written_for_a_number_no_live_pid_namespace_has, 300)
{
	struct held_ns a, next[MAX_TRIES];
	char out[4096], before[4096], after[4096], want[128], file[256];
	struct stat net;
	int n = 0, i;
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

	/* `load --policy` of that file, on no load: nothing stays loaded */
	POLICY_OK("unload");
	ASSERT_EQ(harness_sh(out, sizeof(out), "pidpolicy load --policy /tmp/state.policy 2>&1"), 1);
	ASSERT_TRUE(strstr(out, "/tmp/state.policy:3: no live pid namespace has inode") != NULL);
	ASSERT_NE(access(PIN("pid_choose_link"), F_OK), 0);
	fresh_policy();
	POLICY_OK("mode --default enforce");

	/* the next namespace given X is governed by the default */
	do {
		ASSERT_EQ(hold_pidns(&next[n], 1, 167), EPERM);
		if (next[n].inum == x)
			break;
		usleep(50000);
	} while (++n < MAX_TRIES);
	ASSERT_LT(n, MAX_TRIES);
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
	snprintf(want, sizeof(want), "\nmode ns %u audit\n", a.inum);
	ASSERT_TRUE(strstr(out, want) != NULL);
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
 * stands for namespaces an attacker already holds): root of a user
 * namespace takes them with two pid namespaces of its own, one chosen pid
 * each. Then root's restore into a new namespace cannot be counted: it is
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
		ASSERT_EQ(hold_pidns(&evil[i], 1, 500), 0);
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

/* ---- 3. a load starts from clean runtime state ----------------------------- */

/*
 * Two processes hold chosen pids under a limit of 2 when the programs are
 * detached (their link pins removed, as an interrupted unload leaves them);
 * the processes exit unseen. A new load must not inherit their charges:
 * the limit admits two processes again.
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
 * Root of a user namespace writes the ns_last_pid of a pid namespace of its
 * own n times; each write is denied (EPERM). 0 if all were.
 */
static pid_t flood_ns_last_pid(int n)
{
	pid_t pid = fork(), inside;
	char buf[16];
	int i, fd;

	ASSERT_GE(pid, 0);
	if (pid)
		return pid;
	become_userns_root();
	if (unshare(CLONE_NEWPID))
		_exit(1);
	inside = fork();		/* pid 1 there: ns_last_pid is its own */
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
	flood = flood_ns_last_pid(6000);
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
