// SPDX-License-Identifier: GPL-2.0
/*
 * The policy as an admin's object, in the VM: whole state or none at load
 * and unload, readers beside readers and beside a running apply, the
 * generation switch, capacity, boot with `load --policy`, cgroup-tree
 * rules, explain of a whole caller, and a loader that enters no namespace.
 * Each attack or fault says who does what and checks the outcome and that
 * the policy is unchanged.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "clone2.h"
#include "harness.h"
#include "pidpolicy.h"
#include "vmpolicy.h"
#include "vmtest.h"

#define TREE		"/sys/fs/cgroup/pp-tree"
#define TREE_LEAF	TREE "/a/b"
/* a sibling whose name starts like the tree's: it is not below it */
#define TREE_EVIL	"/sys/fs/cgroup/pp-tree-evil"
/* a threaded domain, with a threaded cgroup a below it */
#define THREADED	"/sys/fs/cgroup/pp-threaded"
#define POLICY		"/tmp/admin.policy"
#define FIFO		"/tmp/admin.fifo"

static int nr_link_pins(void)
{
	static const char *const links[] = {
		PIN("free_pid_entry_link"), PIN("alloc_pid_exit_link"), PIN("pid_choose_link"),
	};
	int n = 0;
	size_t i;

	for (i = 0; i < sizeof(links) / sizeof(links[0]); i++)
		n += !access(links[i], F_OK);
	return n;
}

/* Lines of text that start with prefix. */
static int lines_starting(const char *text, const char *prefix)
{
	const char *line;
	int n = 0;

	for (line = text; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL)
		n += !strncmp(line, prefix, strlen(prefix));
	return n;
}

static void assert_nothing_attached(void)
{
	ASSERT_TRUE(wait_policy_objects(0, 0));
	ASSERT_EQ(nr_link_pins(), 0);
}

static __u64 active_gen(void)
{
	__u32 slot = PIDPOLICY_CONFIG_GEN;
	__u64 gen = 0;
	int fd = bpf_obj_get(PIN("config"));

	ASSERT_GE(fd, 0);
	ASSERT_EQ(bpf_map_lookup_elem(fd, &slot, &gen), 0);
	close(fd);
	return gen;
}

/* Move ourselves into cgroup dir. */
static void join_cgroup(const char *dir)
{
	char path[256], self[16];

	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	snprintf(self, sizeof(self), "%d", getpid());
	write_file(path, self);
}

static void make_cgroups(void)
{
	if (mkdir(TREE, 0755) && errno != EEXIST)
		SKIP("cannot create %s: %s", TREE, strerror(errno));
	ASSERT_TRUE(!mkdir(TREE "/a", 0755) || errno == EEXIST);
	ASSERT_TRUE(!mkdir(TREE_LEAF, 0755) || errno == EEXIST);
	ASSERT_TRUE(!mkdir(TREE_EVIL, 0755) || errno == EEXIST);
}

/* --- whole state or none ------------------------------------------------ */

/*
 * A load fails after pinning the counting programs (the hook's program pin
 * is taken by a directory): nothing of it may stay attached, and the error
 * names the program.
 */
TEST_TIMEOUT(failed_load_leaves_nothing_attached, 300)
{
	char out[1024];

	harness_sh(NULL, 0, "pidpolicy unload 2>&1");
	ASSERT_EQ(mkdir(PIDPOLICY_PIN_DIR, 0700), 0);
	ASSERT_EQ(mkdir(PIN("pid_choose"), 0700), 0);
	ASSERT_EQ(harness_sh(out, sizeof(out), "pidpolicy load 2>&1; echo exit=$?"), 0);
	printf("%s", out);
	EXPECT_TRUE(strstr(out, "exit=1\n") != NULL);
	/* libbpf may warn first; ours is one line, naming the program */
	EXPECT_EQ(lines_starting(out, "pidpolicy: "), 1);
	EXPECT_TRUE(strstr(out, "pidpolicy: failed to pin program pid_choose") != NULL);
	assert_nothing_attached();
	ASSERT_EQ(harness_sh(out, sizeof(out), "pidpolicy status 2>&1"), 0);
	EXPECT_TRUE(strstr(out, "loaded:         no\n") != NULL);
	ASSERT_EQ(rmdir(PIN("pid_choose")), 0);
	ASSERT_EQ(harness_sh(NULL, 0, "pidpolicy unload 2>&1"), 0);
}

/* Counting programs attached without the hook: status must say so. */
TEST_TIMEOUT(status_reports_an_incomplete_load, 300)
{
	char out[2048];

	fresh_policy();
	ASSERT_EQ(unlink(PIN("pid_choose_link")), 0);	/* as a load killed there */
	ASSERT_EQ(harness_sh(out, sizeof(out), "pidpolicy status 2>&1"), 0);
	EXPECT_TRUE(strstr(out, "loaded:         incomplete") != NULL);
	ASSERT_EQ(harness_sh(out, sizeof(out), "pidpolicy status --json 2>&1"), 0);
	EXPECT_TRUE(strstr(out, "\"incomplete\":true") != NULL);
	POLICY_OK("unload 2>&1");
	assert_nothing_attached();
}

/*
 * Open path (a directory) and flock it with op; not inherited, or the
 * pidpolicy we start would hold the lock it waits for.
 */
static int lock_dir(const char *path, int op)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	ASSERT_GE(fd, 0);
	ASSERT_EQ(flock(fd, op), 0);
	return fd;
}

/* Every reader runs to its end (within 20 s, rather than waiting). */
static void assert_readers_run(void)
{
	EXPECT_EQ(harness_sh(NULL, 0, "timeout 20 pidpolicy show >/dev/null 2>&1"), 0);
	EXPECT_EQ(harness_sh(NULL, 0, "timeout 20 pidpolicy dump >/dev/null 2>&1"), 0);
	EXPECT_EQ(harness_sh(NULL, 0, "timeout 20 pidpolicy status >/dev/null 2>&1"), 0);
	EXPECT_EQ(harness_sh(NULL, 0, "timeout 20 pidpolicy explain --ns any --uid 0 --pid 5000 "
			     ">/dev/null 2>&1"), 0);
}

/* An edit waits: timeout kills it, status 124 (busybox: 143). */
static void assert_edit_waits(void)
{
	EXPECT_NE(harness_sh(NULL, 0, "timeout 3 pidpolicy allow --ns any --pids 5001 2>&1"), 0);
}

/*
 * A reader holds the readers' lock (a long `dump`, say): other readers run
 * beside it, an edit waits for it.
 */
TEST_TIMEOUT(readers_share_the_lock_edits_wait, 300)
{
	int readers;

	fresh_policy();
	POLICY_OK("allow --ns any --pids 5000");
	readers = lock_dir(PIDPOLICY_READERS_LOCK, LOCK_SH);
	assert_readers_run();
	assert_edit_waits();
	close(readers);
	ASSERT_EQ(harness_sh(NULL, 0, "pidpolicy show | grep -q '5000 *$'"), 0);
}

/*
 * An admin applies a large policy (seconds of map writes) while scripts
 * poll `status` and `show`: they must not queue behind the writing, only
 * behind the switch, and see the old policy until then. We stand in for
 * the apply's writing by holding the writers' lock, then for a reader by
 * holding the readers' one while a real apply runs.
 */
TEST_TIMEOUT(readers_do_not_wait_while_apply_writes, 300)
{
	pid_t apply;
	int lock;

	fresh_policy();
	POLICY_OK("allow --ns any --pids 5000");
	lock = lock_dir(PIDPOLICY_PIN_DIR, LOCK_EX);
	assert_readers_run();
	assert_edit_waits();
	close(lock);

	write_policy_file(POLICY, "allow ns any pids 6000\n");
	lock = lock_dir(PIDPOLICY_READERS_LOCK, LOCK_SH);
	apply = fork();
	ASSERT_GE(apply, 0);
	if (apply == 0) {
		execlp("pidpolicy", "pidpolicy", "apply", POLICY, (char *)NULL);
		_exit(127);
	}
	/* the apply waits at its switch for the reader: the old policy shows */
	EXPECT_EQ(harness_sh(NULL, 0, "timeout 20 pidpolicy show | grep -q '5000 *$'"), 0);
	EXPECT_EQ(waitpid(apply, NULL, WNOHANG), 0);
	close(lock);
	ASSERT_EQ(wait_exit(apply), 0);
	EXPECT_EQ(harness_sh(NULL, 0, "pidpolicy show | grep -q '6000 *$'"), 0);
	EXPECT_NE(harness_sh(NULL, 0, "pidpolicy show | grep -q '5000 *$'"), 0);
}

/*
 * A reader whose output nobody reads: `pidpolicy show | sleep 600` on a
 * policy of more than a pipe's worth of lines. It holds no lock while it
 * waits to write, so an edit and an apply's switch go through.
 */
TEST_TIMEOUT(a_reader_whose_output_nobody_reads_blocks_no_writer, 300)
{
	int fd, i, queued = 0, size;
	char line[64];
	pid_t reader;
	FILE *f;

	fresh_policy();
	f = fopen(POLICY, "w");
	ASSERT_TRUE(f != NULL);
	for (i = 0; i < 3000; i++)
		fprintf(f, "allow ns any uid %d pids %d\n", 1000 + i, 2000 + i);
	ASSERT_EQ(fclose(f), 0);
	POLICY_OK("apply " POLICY " 2>&1");
	ASSERT_EQ(harness_sh(line, sizeof(line), "pidpolicy show | wc -c"), 0);
	unlink(FIFO);
	ASSERT_EQ(mkfifo(FIFO, 0600), 0);
	reader = fork();
	ASSERT_GE(reader, 0);
	if (reader == 0) {
		fd = open(FIFO, O_WRONLY);
		if (fd < 0 || dup2(fd, 1) < 0)
			_exit(127);
		execlp("pidpolicy", "pidpolicy", "show", (char *)NULL);
		_exit(127);
	}
	fd = open(FIFO, O_RDONLY);
	ASSERT_GE(fd, 0);
	size = fcntl(fd, F_GETPIPE_SZ);
	ASSERT_GT(atoi(line), size);
	/* the pipe full: the reader waits for it to drain, and we never read */
	for (i = 0; i < 240 && queued < size; i++) {
		usleep(500000);
		ASSERT_EQ(ioctl(fd, FIONREAD, &queued), 0);
	}
	ASSERT_EQ(queued, size);
	EXPECT_EQ(harness_sh(NULL, 0, "timeout 30 pidpolicy allow --ns any --pids 5000 2>&1"), 0);
	EXPECT_EQ(harness_sh(NULL, 0, "timeout 60 pidpolicy apply " POLICY " 2>&1"), 0);
	close(fd);
	wait_exit(reader);
	unlink(FIFO);
}

/*
 * The kernel copies a generation written from userspace with memcpy(),
 * which may store it byte by byte: consecutive generations must differ in
 * a single bit, so a decision can only read the old or the new one.
 */
TEST_TIMEOUT(apply_switches_generations_that_differ_in_one_bit, 300)
{
	__u64 g0, g1, g2;

	fresh_policy();
	write_policy_file(POLICY, "mode default off\n");
	g0 = active_gen();
	POLICY_OK("apply " POLICY " 2>&1");
	g1 = active_gen();
	POLICY_OK("apply " POLICY " 2>&1");
	g2 = active_gen();
	ASSERT_EQ(g0 ^ g1, 1ULL);
	ASSERT_EQ(g1 ^ g2, 1ULL);
}

/* A policy larger than the maps: refused before anything is written. */
TEST_TIMEOUT(apply_beyond_capacity_fails_cleanly, 300)
{
	char before[4096], after[4096], out[1024];
	FILE *f;
	int uid;

	fresh_policy();
	POLICY_OK("allow --ns any --uid 0 --pids 5000-5009");
	ASSERT_EQ(harness_sh(before, sizeof(before), "pidpolicy dump"), 0);
	/* 65 rules of 4,096 chunks each: 266,240 chunks of a 262,144-entry map */
	f = fopen(POLICY, "w");
	ASSERT_TRUE(f != NULL);
	for (uid = 1; uid <= 65; uid++)
		fprintf(f, "allow ns any uid %d pids 1-4194303\n", uid);
	ASSERT_EQ(fclose(f), 0);
	ASSERT_EQ(harness_sh(out, sizeof(out), "pidpolicy apply " POLICY " 2>&1"), 1);
	printf("# %s", out);
	EXPECT_TRUE(strstr(out, "too large") && strstr(out, "rule_pids"));
	EXPECT_TRUE(strchr(out, '\n') == strrchr(out, '\n'));
	ASSERT_EQ(harness_sh(after, sizeof(after), "pidpolicy dump"), 0);
	ASSERT_STREQ(before, after);
}

/* --- no unenforced window at boot ---------------------------------------- */

/*
 * The boot unit loads with the policy file: a file that cannot be applied
 * (a cgroup that does not exist yet) leaves nothing attached; a good one is
 * in the maps before the hook is attached, and a second load applies it.
 */
TEST_TIMEOUT(load_with_policy_attaches_only_a_filled_policy, 600)
{
	pid_t pid = pick_free_pid() + 300;
	char out[4096], text[256];

	harness_sh(NULL, 0, "pidpolicy unload 2>&1");
	write_policy_file(POLICY, "mode default enforce\n"
			  "allow ns any cgroup /sys/fs/cgroup/no-such-service pids 5000\n");
	ASSERT_EQ(harness_sh(out, sizeof(out), "pidpolicy load --policy " POLICY " 2>&1"), 2);
	printf("# %s", out);
	EXPECT_TRUE(strstr(out, POLICY ":2: ") != NULL);
	assert_nothing_attached();

	snprintf(text, sizeof(text), "mode default enforce\nallow ns any uid 0 pids %d\n", pid);
	write_policy_file(POLICY, text);
	ASSERT_EQ(harness_sh(out, sizeof(out), "pidpolicy load --policy " POLICY " 2>&1"), 0);
	ASSERT_EQ(try_clone2(pid), 0);
	ASSERT_EQ(try_clone2(pid + 1), EPERM);
	/* loaded already: the file replaces the policy, as apply */
	write_policy_file(POLICY, "mode default off\n");
	ASSERT_EQ(harness_sh(out, sizeof(out), "pidpolicy load --policy " POLICY " 2>&1"), 0);
	ASSERT_EQ(try_clone2(pid + 1), 0);
	ASSERT_EQ(harness_sh(out, sizeof(out), "pidpolicy dump"), 0);
	EXPECT_TRUE(strstr(out, "allow") == NULL);
}

/* --- cgroup-tree rules and explain of a whole caller ----------------------- */

/*
 * A restore runs in cgroups below the service's: a cgroup-tree rule lets
 * them choose; a sibling cgroup with a look-alike name does not match, nor
 * does an exact --cgroup rule match below its cgroup.
 */
TEST_TIMEOUT(cgroup_tree_rule_matches_the_tree_and_nothing_else, 300)
{
	pid_t pid = pick_free_pid() + 300, child;
	char out[4096];

	make_cgroups();
	fresh_policy();
	POLICY_OK("mode --default enforce");
	POLICY_OK("allow --ns any --cgroup " TREE " --pids %d", pid);
	child = fork();
	ASSERT_GE(child, 0);
	if (child == 0) {
		join_cgroup(TREE_LEAF);
		ASSERT_EQ(try_clone2(pid), EPERM);	/* exact: not below */
		_exit(0);
	}
	ASSERT_EQ(wait_exit(child), 0);

	POLICY_OK("allow --ns any --cgroup-tree " TREE " --pids %d", pid);
	child = fork();
	ASSERT_GE(child, 0);
	if (child == 0) {
		join_cgroup(TREE_LEAF);
		ASSERT_EQ(try_clone2(pid), 0);
		ASSERT_EQ(try_clone2(pid + 1), EPERM);
		join_cgroup(TREE);
		ASSERT_EQ(try_clone2(pid), 0);
		join_cgroup(TREE_EVIL);
		ASSERT_EQ(try_clone2(pid), EPERM);
		join_cgroup("/sys/fs/cgroup");
		ASSERT_EQ(try_clone2(pid), EPERM);
		_exit(0);
	}
	ASSERT_EQ(wait_exit(child), 0);
	ASSERT_EQ(harness_sh(out, sizeof(out), "pidpolicy dump"), 0);
	EXPECT_TRUE(strstr(out, " cgroup-tree-id ") != NULL);

	/* explain agrees, for a whole caller and for a running process */
	ASSERT_EQ(harness_sh(out, sizeof(out), "pidpolicy explain --ns any --uid 0 --cgroup "
			     TREE_LEAF " --pid %d 2>&1", pid), 0);
	EXPECT_TRUE(strstr(out, "verdict:   allow") && strstr(out, "cgroup-tree:"));
	ASSERT_EQ(harness_sh(out, sizeof(out), "pidpolicy explain --ns any --uid 0 --cgroup "
			     TREE_EVIL " --pid %d 2>&1", pid), 0);
	EXPECT_TRUE(strstr(out, "verdict:   deny") != NULL);
	ASSERT_EQ(harness_sh(out, sizeof(out), "sh -c 'echo $$ > " TREE_LEAF "/cgroup.procs; "
			     "exec pidpolicy explain --ns any --caller $$ --pid %d --json' 2>&1",
			     pid), 0);
	EXPECT_TRUE(strstr(out, "\"verdict\":\"allow\"") != NULL);
	EXPECT_TRUE(strstr(out, "\"uid\":0") != NULL);
	/* the caller is one process: not also --uid */
	EXPECT_EQ(harness_sh(NULL, 0, "pidpolicy explain --ns any --caller 1 --uid 0 --pid 5 2>&1"), 2);
}

/*
 * explain --caller reads a process's cgroup from the 0:: line of
 * /proc/PID/cgroup, which does not escape a newline: a name holding one
 * would read as another cgroup (a sibling a rule allows, say). The kernel
 * refuses such names, here too, whoever asks; explain relies on it.
 */
TEST(a_cgroup_name_with_a_newline_is_refused)
{
	make_cgroups();
	ASSERT_NE(mkdir(TREE "/evil\n0::", 0755), 0);
	ASSERT_EQ(errno, EINVAL);
}

static void *report_tid_and_wait(void *tid)
{
	__atomic_store_n((pid_t *)tid, gettid(), __ATOMIC_RELEASE);
	pause();
	return NULL;
}

/*
 * The program decides per calling thread: explain --caller takes a thread's
 * ID too, in a threaded cgroup (whose cgroup.procs cannot be read) apart
 * from the rest of its process. A rule allows that cgroup only.
 */
TEST_TIMEOUT(explain_caller_takes_a_thread_in_a_threaded_cgroup, 300)
{
	pid_t pid = pick_free_pid(), tid = 0;
	char out[1024], id[16];
	pthread_t t;

	ASSERT_TRUE(!mkdir(THREADED, 0755) || errno == EEXIST);
	ASSERT_TRUE(!mkdir(THREADED "/a", 0755) || errno == EEXIST);
	write_file(THREADED "/a/cgroup.type", "threaded");
	fresh_policy();
	POLICY_OK("allow --ns any --cgroup " THREADED "/a --pids %d", pid);
	POLICY_OK("mode --default enforce");
	ASSERT_EQ(pthread_create(&t, NULL, report_tid_and_wait, &tid), 0);
	while (!__atomic_load_n(&tid, __ATOMIC_ACQUIRE))
		usleep(1000);
	/* the process in the threaded domain, the thread in its threaded child */
	join_cgroup(THREADED);
	snprintf(id, sizeof(id), "%d", tid);
	write_file(THREADED "/a/cgroup.threads", id);
	EXPECT_EQ(harness_sh(out, sizeof(out), "pidpolicy explain --ns any --caller %d --pid %d 2>&1",
			     tid, pid), 0);
	printf("%s", out);
	EXPECT_TRUE(strstr(out, "verdict:   allow") != NULL);
	/* the process itself is in the domain, which no rule allows */
	EXPECT_EQ(harness_sh(out, sizeof(out), "pidpolicy explain --ns any --caller %d --pid %d 2>&1",
			     getpid(), pid), 0);
	EXPECT_TRUE(strstr(out, "verdict:   deny") != NULL);
	pthread_cancel(t);
	pthread_join(t, NULL);
	join_cgroup("/sys/fs/cgroup");
	harness_sh(NULL, 0, "pidpolicy unload");
	rmdir(THREADED "/a");
	rmdir(THREADED);
}

/* A tree deeper than the BPF program looks: refused, policy unchanged. */
TEST(cgroup_tree_deeper_than_the_bound_is_refused)
{
	char path[256] = "/sys/fs/cgroup/pp-deep", before[4096], after[4096], out[1024];
	int level;

	fresh_policy();
	for (level = 1; level <= PIDPOLICY_CGROUP_TREE_LEVELS; level++) {
		ASSERT_TRUE(!mkdir(path, 0755) || errno == EEXIST);
		if (level < PIDPOLICY_CGROUP_TREE_LEVELS)
			strcat(path, "/d");
	}
	ASSERT_EQ(harness_sh(before, sizeof(before), "pidpolicy dump"), 0);
	ASSERT_EQ(harness_sh(out, sizeof(out), "pidpolicy allow --ns any --cgroup-tree %s --pids 5 2>&1",
			     path), 2);
	printf("# %s", out);
	EXPECT_TRUE(strstr(out, "deeper than level") != NULL);
	ASSERT_EQ(harness_sh(after, sizeof(after), "pidpolicy dump"), 0);
	ASSERT_STREQ(before, after);
	/* one level up is the deepest a tree may start */
	*strrchr(path, '/') = '\0';
	POLICY_OK("allow --ns any --cgroup-tree %s --pids 5", path);
}

/* "ns" is a number in every JSON output: 0 is any. */
TEST(json_ns_is_always_a_number)
{
	char out[4096];

	fresh_policy();
	POLICY_OK("allow --ns any --pids 5000");
	POLICY_OK("limit --ns any --max-chosen 5");
	ASSERT_EQ(harness_sh(out, sizeof(out), "pidpolicy show --json"), 0);
	EXPECT_TRUE(strstr(out, "\"ns\":0") != NULL);
	EXPECT_TRUE(strstr(out, "\"ns\":\"any\"") == NULL);
	ASSERT_EQ(harness_sh(out, sizeof(out), "pidpolicy explain --ns any --pid 5000 --json"), 0);
	EXPECT_TRUE(strstr(out, "\"ns\":0") != NULL);
}

/* --- the loader enters no namespace ------------------------------------------ */

/* The last pid handed out in init's namespace, as a process there reads it. */
static int ns_last_pid_in(pid_t init)
{
	char out[64];

	ASSERT_EQ(harness_sh(out, sizeof(out), "nsenter -t %d -p cat /proc/sys/kernel/ns_last_pid",
			     init), 0);
	return atoi(out);
}

/*
 * Whoever owns a pid namespace controls what runs in it: root editing a
 * rule for it must not fork a process into it (to read its pid_max).
 */
TEST(allow_forks_no_process_into_the_namespace)
{
	pid_t init = spawn_pidns_chain(1);
	char text[128];
	int a, b, c;

	fresh_policy();
	snprintf(text, sizeof(text), "allow ns /proc/%d/ns/pid pids 30\n", init);
	write_policy_file(POLICY, text);
	a = ns_last_pid_in(init);
	b = ns_last_pid_in(init);
	POLICY_OK("allow --ns /proc/%d/ns/pid --pids 10-20", init);
	POLICY_OK("apply " POLICY);
	c = ns_last_pid_in(init);
	/* each read forks the same processes into it; nothing else may */
	ASSERT_EQ(c - b, b - a);
}

/* Last: the programs that run after this one find no policy loaded. */
TEST(admin_test_leaves_no_policy)
{
	harness_sh(NULL, 0, "pidpolicy unload 2>&1");
	rmdir(TREE_LEAF);
	rmdir(TREE "/a");
	rmdir(TREE);
	rmdir(TREE_EVIL);
	assert_nothing_attached();
}
