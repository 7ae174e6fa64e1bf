// SPDX-License-Identifier: GPL-2.0
/*
 * A real restore tool under the pid policy: Debian's criu, unmodified,
 * checkpoints a small process tree in its own pid namespace (tests/criu/
 * tree.c) and restores it, with and without the policy. criu restores
 * pids with clone3 set_tid, one level: the pid inside the tree's
 * namespace. That is the level the policy sees, and the level criu can
 * give back; the tree's pids in the initial namespace are the kernel's
 * choice on every restore (choosing them too takes clone2).
 *
 * The tests share one checkpoint, taken by the first test that needs it.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clone2.h"
#include "harness.h"
#include "vmpolicy.h"
#include "vmtest.h"

#define WORK		"/tmp/criu-test"
#define IMAGES		WORK "/images"
#define COUNTS		WORK "/counts"	/* the tree's count files */
#define TREE_BIN	"/tests/criu-tree"
#define NR_TREE		4

static const char *const names[NR_TREE] = { "root", "reader", "middle", "leaf" };

/* The tree as seen in its own namespace: pid and parent's pid (0: none). */
static const pid_t tree_pid[NR_TREE] = { 1, 2, 3, 4 };
static const pid_t tree_ppid[NR_TREE] = { 0, 1, 1, 3 };

struct member {
	pid_t pid;		/* in the initial namespace */
	pid_t inner;		/* in the tree's namespace */
	pid_t inner_ppid;
};

static char out[1 << 16];

/* The children of pid, from /proc (CONFIG_PROC_CHILDREN); count. */
static int children_of(pid_t pid, pid_t *kids, int max)
{
	char path[64], buf[512], *p, *end;
	int n = 0;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", pid, pid);
	if (harness_read_file(path, buf, sizeof(buf)) < 0)
		return 0;
	for (p = buf; n < max; p = end) {
		long v = strtol(p, &end, 10);

		if (end == p)
			break;
		kids[n++] = v;
	}
	return n;
}

/* Walk the tree under root; its members, root first. */
static int walk_tree(pid_t root, struct member *m, int max)
{
	pid_t nspid[MAX_NSPID], kids[8];
	int n = 0, i, k, nk;

	m[n++] = (struct member){ .pid = root };
	for (i = 0; i < n; i++) {
		ASSERT_EQ(read_nspid_of(m[i].pid, nspid), 2);
		m[i].inner = nspid[1];
		nk = children_of(m[i].pid, kids, 8);
		for (k = 0; k < nk && n < max; k++)
			m[n++] = (struct member){ .pid = kids[k], .inner_ppid = m[i].inner };
	}
	return n;
}

/* The tree under root has exactly the shape and inner pids criu-tree makes. */
static void assert_tree_shape(pid_t root)
{
	struct member m[NR_TREE + 4];
	int n = walk_tree(root, m, NR_TREE + 4), i, j, found;

	ASSERT_EQ(n, NR_TREE);
	for (i = 0; i < NR_TREE; i++) {
		found = 0;
		for (j = 0; j < n; j++)
			if (m[j].inner == tree_pid[i] && m[j].inner_ppid == tree_ppid[i])
				found++;
		if (found != 1)
			printf("# no %s with NSpid ... %d and parent %d\n", names[i],
			       tree_pid[i], tree_ppid[i]);
		ASSERT_EQ(found, 1);
	}
}

static unsigned long read_count(const char *dir, const char *name)
{
	char path[256], buf[64];

	snprintf(path, sizeof(path), "%s/%s.count", dir, name);
	if (harness_read_file(path, buf, sizeof(buf)) <= 0)
		return 0;
	return strtoul(buf, NULL, 10);
}

/* Wait until every member counted past each floor[i] (10 s at most). */
static void wait_counting_past(const unsigned long *floor)
{
	int tries, i, behind;

	for (tries = 0; tries < 200 * (int)harness_timeout_scale(); tries++) {
		behind = 0;
		for (i = 0; i < NR_TREE; i++)
			behind += read_count(COUNTS, names[i]) <= floor[i];
		if (!behind)
			return;
		usleep(50 * 1000);
	}
	for (i = 0; i < NR_TREE; i++)
		printf("# %s counted %lu, wanted more than %lu\n", names[i],
		       read_count(COUNTS, names[i]), floor[i]);
	ASSERT_TRUE(0 && "the tree does not count");
}

/* Start criu-tree as pid 1 of a new pid namespace, in a session of its own. */
static pid_t start_tree(void)
{
	static const unsigned long zero[NR_TREE];
	pid_t root = clone2_fork(NULL, 0, CLONE_NEWPID);
	int fd;

	ASSERT_GE(root, 0);
	if (root == 0) {
		/* criu dumps neither a controlling tty nor our stdio */
		fd = open("/dev/null", O_RDWR);
		if (setsid() < 0 || fd < 0 || dup2(fd, 0) < 0 || dup2(fd, 1) < 0 ||
		    dup2(fd, 2) < 0)
			_exit(126);
		execl(TREE_BIN, TREE_BIN, COUNTS, (char *)NULL);
		_exit(127);
	}
	wait_counting_past(zero);
	return root;
}

static void kill_tree(pid_t root)
{
	kill(root, SIGKILL);	/* pid 1: its namespace dies with it */
	ASSERT_EQ(wait_exit(root), 128 + SIGKILL);
}

/* Every process of the VM is in the initial pid namespace only. */
static void assert_no_tree_left(void)
{
	pid_t nspid[MAX_NSPID];
	struct dirent *d;
	DIR *proc = opendir("/proc");
	char path[300];

	ASSERT_TRUE(proc != NULL);
	while ((d = readdir(proc))) {
		if (d->d_name[0] < '1' || d->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/status", d->d_name);
		if (read_nspid(path, nspid) > 1)
			printf("# pid %s of a restored tree is left\n", d->d_name);
		EXPECT_TRUE(read_nspid(path, nspid) <= 1);
	}
	closedir(proc);
}

/*
 * The checkpoint all restores start from: the tree, dumped (criu kills it),
 * and the counts it had reached, which a restored tree must count past.
 */
static void ensure_checkpoint(void)
{
	char counts[128];
	pid_t root;
	int i, len = 0;

	if (access(IMAGES "/counts", F_OK) == 0)
		return;
	ASSERT_EQ(harness_sh(NULL, 0, "rm -rf " WORK " && mkdir -p " IMAGES " " COUNTS), 0);
	root = start_tree();
	assert_tree_shape(root);
	if (harness_sh(out, sizeof(out), "criu dump -t %d -D " IMAGES " -o dump.log -v4 2>&1",
		       root) != 0) {
		harness_sh(out, sizeof(out), "tail -n 30 " IMAGES "/dump.log");
		printf("%s", out);
		ASSERT_TRUE(0 && "criu dump failed");
	}
	ASSERT_EQ(wait_exit(root), 128 + SIGKILL);
	for (i = 0; i < NR_TREE; i++)
		len += snprintf(counts + len, sizeof(counts) - len, "%lu\n",
				read_count(COUNTS, names[i]));
	ASSERT_EQ(harness_sh(NULL, 0, "printf '%s' > " IMAGES "/counts", counts), 0);
}

/*
 * criu restore, detached: the restored root is reparented to us (a child
 * subreaper). criu's exit status; its messages in out. *root is the
 * restored root's pid, 0 when none came back.
 */
static int criu_restore(pid_t *root)
{
	pid_t kids[8], nspid[MAX_NSPID];
	int rc, i, n;

	ensure_checkpoint();
	ASSERT_EQ(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
	rc = harness_sh(out, sizeof(out), "criu restore -D " IMAGES " -d -v2 2>&1");
	if (rc)
		printf("# criu restore exited %d:\n%s", rc, out);
	/* our children in another pid namespace: the restored root, or none */
	*root = 0;
	n = children_of(getpid(), kids, 8);
	for (i = 0; i < n; i++) {
		if (read_nspid_of(kids[i], nspid) != 2)
			continue;
		ASSERT_EQ(*root, 0);
		*root = kids[i];
	}
	return rc;
}

/*
 * Restore the tree, check it runs on, kill it. With a policy loaded, counts
 * gets its pid namespace's decision counters, read while it lives: they
 * die with the namespace.
 */
static void restore_and_check(__u32 *ns, struct pidpolicy_decisions *counts)
{
	unsigned long dumped[NR_TREE];
	char buf[128], *p = buf;
	pid_t root;
	int i;

	ASSERT_EQ(criu_restore(&root), 0);
	ASSERT_GT(root, 0);
	assert_tree_shape(root);
	ASSERT_GT(harness_read_file(IMAGES "/counts", buf, sizeof(buf)), 0);
	for (i = 0; i < NR_TREE; i++)
		dumped[i] = strtoul(p, &p, 10);
	wait_counting_past(dumped);
	*ns = ns_inum_of(root);
	if (counts)
		*counts = decisions_for(*ns);
	kill_tree(root);
}

/* Run `pidpolicy monitor --json --all` into WORK/monitor.json until stopped. */
static pid_t watch_decisions(void)
{
	ensure_checkpoint();	/* not while it watches */
	return start_monitor("pidpolicy", "--json --all", WORK "/monitor.json");
}

/*
 * Stop the monitor; the namespace of its one event with the given verdict
 * and reason for the clone3 choosing pid (asserted to be the only one).
 */
static __u32 monitored_ns(pid_t mon, const char *verdict, const char *reason, pid_t pid)
{
	char events[16384], decision[96], choice[64], *line, *next, *ns;
	__u32 inum = 0;
	int found = 0;

	kill(mon, SIGINT);	/* it drains the ring buffer first */
	ASSERT_EQ(wait_exit(mon), 0);
	ASSERT_GT(harness_read_file(WORK "/monitor.json", events, sizeof(events)), 0);
	snprintf(decision, sizeof(decision), "\"verdict\":\"%s\",\"reason\":\"%s\"",
		 verdict, reason);
	snprintf(choice, sizeof(choice), ",\"level\":1,\"pid\":%d,\"via\":\"clone3\"", pid);
	for (line = events; *line; line = next) {
		next = strchrnul(line, '\n');
		if (*next)
			*next++ = '\0';
		ns = strstr(line, "\"ns\":");
		if (!strstr(line, decision) || !strstr(line, choice) || !ns)
			continue;
		inum = strtoul(ns + 5, NULL, 10);
		found++;
	}
	if (found != 1) {
		harness_read_file(WORK "/monitor.json", events, sizeof(events));
		printf("# %d %s/%s events for pid %d in:\n%s", found, verdict, reason, pid, events);
	}
	ASSERT_EQ(found, 1);
	/* the tree's own namespace, made by the restore, not ours */
	ASSERT_NE(inum, ns_inum_of(0));
	return inum;
}

TEST_TIMEOUT(criu_check_passes, 120)
{
	int rc = harness_sh(out, sizeof(out), "criu check 2>&1");

	if (rc)
		printf("%s", out);
	ASSERT_EQ(rc, 0);
	ASSERT_TRUE(strstr(out, "Looks good.") != NULL);
}

TEST_TIMEOUT(criu_restores_tree_with_its_pids_and_it_runs_on, 300)
{
	__u32 ns;

	harness_sh(NULL, 0, "pidpolicy unload 2>&1");
	restore_and_check(&ns, NULL);
	assert_no_tree_left();
}

TEST_TIMEOUT(criu_restore_succeeds_when_policy_allows_exactly_its_pids, 300)
{
	struct pidpolicy_decisions counts;
	__u32 ns;
	pid_t mon;

	fresh_policy();
	POLICY_OK("allow --ns any --uid 0 --pids 2-4");
	POLICY_OK("mode --default enforce");
	mon = watch_decisions();
	restore_and_check(&ns, &counts);
	/* three chosen pids, all allowed: an allow event each, in its namespace */
	ASSERT_EQ(monitored_ns(mon, "allow", "rule", 4), ns);
	ASSERT_EQ(counts.allowed, 3ULL);
	ASSERT_EQ(counts.denied, 0ULL);
	assert_no_tree_left();
}

TEST_TIMEOUT(criu_restore_fails_cleanly_when_policy_leaves_out_a_pid, 300)
{
	pid_t root, mon;

	fresh_policy();
	POLICY_OK("allow --ns any --uid 0 --pids 2-3");
	POLICY_OK("mode --default enforce");
	mon = watch_decisions();
	ASSERT_NE(criu_restore(&root), 0);
	ASSERT_EQ(root, 0);
	/* criu names the refused clone3 */
	ASSERT_TRUE(strstr(out, "Operation not permitted") != NULL);
	/* (the restore's namespace, and its counters, died with it) */
	monitored_ns(mon, "deny", "range", 4);
	assert_no_tree_left();
}

TEST_TIMEOUT(criu_restore_in_audit_mode_succeeds_and_records_the_denial, 300)
{
	struct pidpolicy_decisions counts;
	__u32 ns;
	pid_t mon;

	fresh_policy();
	POLICY_OK("allow --ns any --uid 0 --pids 2-3");
	POLICY_OK("mode --default audit");
	mon = watch_decisions();
	restore_and_check(&ns, &counts);
	ASSERT_EQ(monitored_ns(mon, "audit-only", "range", 4), ns);
	ASSERT_EQ(counts.audited, 1ULL);
	ASSERT_EQ(counts.denied, 0ULL);
	assert_no_tree_left();
}

TEST_TIMEOUT(criu_restore_over_quota_fails_with_a_quota_event, 300)
{
	pid_t root, mon;

	fresh_policy();
	POLICY_OK("allow --ns any --uid 0 --pids 2-4");
	POLICY_OK("limit --ns any --max-chosen 2");
	POLICY_OK("mode --default enforce");
	mon = watch_decisions();
	ASSERT_NE(criu_restore(&root), 0);
	ASSERT_EQ(root, 0);
	ASSERT_TRUE(strstr(out, "Operation not permitted") != NULL);
	monitored_ns(mon, "deny", "quota", 4);
	assert_no_tree_left();
	harness_sh(NULL, 0, "pidpolicy unload 2>&1");
}
