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
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/user.h>
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

/* The inode number of path: a cgroup's id. */
static unsigned long long inode_of(const char *path)
{
	struct stat st;

	ASSERT_EQ(stat(path, &st), 0);
	return (unsigned long long)st.st_ino;
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

/* --- whole state or none, at every point of interruption ------------------ */

#ifdef __x86_64__
/* retire_ns, free_pid_entry, alloc_pid_exit, pid_choose: each with a link */
#define NR_POLICY_PROGS	4

static bool is_policy_loaded(void)
{
	return !access(PIN("pid_choose_link"), F_OK);
}

static bool is_pin(const struct user_regs_struct *r)
{
	return r->orig_rax == __NR_bpf && r->rdi == BPF_OBJ_PIN;
}

static bool is_removal(const struct user_regs_struct *r)
{
	return r->orig_rax == __NR_unlink || r->orig_rax == __NR_unlinkat ||
	       r->orig_rax == __NR_rmdir;
}

enum at_call { KILL_AT, FAIL_AT, RUN_THROUGH };

/*
 * Run `pidpolicy ARGS` traced. At the entry of its nth system call that
 * matches (from 1), KILL_AT kills it with SIGKILL, so that call never runs
 * (as a kill or a power cut there would leave things), FAIL_AT makes that
 * call fail with EPERM and lets the program go on. Returns how many calls
 * matched (a run that ended first: fewer than nth); its output to out,
 * its exit status to *status (-1: killed).
 */
static int run_to_call(const char *args, bool (*match)(const struct user_regs_struct *),
		       int nth, enum at_call what, char *out, size_t size, int *status)
{
	struct user_regs_struct regs;
	bool entry = true, failing = false;
	int st, sig = 0, seen = 0, pipefd[2];
	ssize_t len, got = 0;
	pid_t pid;

	ASSERT_EQ(pipe(pipefd), 0);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		dup2(pipefd[1], 1);
		dup2(pipefd[1], 2);
		close(pipefd[0]);
		ptrace(PTRACE_TRACEME, 0, NULL, NULL);
		raise(SIGSTOP);
		/* exec: the shell's own children would not be traced */
		execl("/bin/sh", "sh", "-c", args, (char *)NULL);
		_exit(127);
	}
	close(pipefd[1]);
	ASSERT_EQ(waitpid(pid, &st, 0), pid);
	ASSERT_EQ(ptrace(PTRACE_SETOPTIONS, pid, 0, PTRACE_O_TRACESYSGOOD |
			 PTRACE_O_EXITKILL | PTRACE_O_TRACEEXEC), 0);
	for (;;) {
		ASSERT_EQ(ptrace(PTRACE_SYSCALL, pid, 0, sig), 0);
		sig = 0;
		ASSERT_EQ(waitpid(pid, &st, 0), pid);
		if (WIFEXITED(st) || WIFSIGNALED(st))
			break;
		if (WSTOPSIG(st) != (SIGTRAP | 0x80)) {
			/* a signal to deliver; an exec's stop is none */
			sig = WSTOPSIG(st) == SIGTRAP ? 0 : WSTOPSIG(st);
			continue;
		}
		ASSERT_EQ(ptrace(PTRACE_GETREGS, pid, 0, &regs), 0);
		if (!entry && failing) {
			regs.rax = -EPERM;
			ASSERT_EQ(ptrace(PTRACE_SETREGS, pid, 0, &regs), 0);
			failing = false;
		} else if (entry && match(&regs) && ++seen == nth && what == KILL_AT) {
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			break;
		} else if (entry && seen == nth && match(&regs) && what == FAIL_AT) {
			regs.orig_rax = -1;	/* no call: the exit stop sets its result */
			ASSERT_EQ(ptrace(PTRACE_SETREGS, pid, 0, &regs), 0);
			failing = true;
		}
		entry = !entry;
	}
	if (status)
		*status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	while (size > 1 && (len = read(pipefd[0], out + got, size - 1 - got)) > 0)
		got += len;
	close(pipefd[0]);
	if (size)
		out[got] = '\0';
	return seen;
}

/* The policy file the interrupted loads had: one rule, enforced. */
#define KILLED_POLICY	"mode default enforce\nallow ns any uid 0 pids 4321\n"

static void assert_status(const char *want)
{
	char out[2048];

	ASSERT_EQ(harness_sh(out, sizeof(out), "pidpolicy status 2>&1"), 0);
	if (!strstr(out, want))
		harness_fail(__FILE__, __LINE__, 1, "status says\n%swant: %s", out, want);
}

/*
 * A plain load after an interruption starts clean: nothing of the
 * interrupted load's policy (its rule, its enforce) is in force, all four
 * programs are attached, and unload leaves nothing.
 */
static void assert_load_starts_clean(void)
{
	char out[4096];

	ASSERT_EQ(harness_sh(out, sizeof(out), "pidpolicy load 2>&1"), 0);
	printf("# %s", out);
	EXPECT_TRUE(strstr(out, "removing the pins of a load or unload that did not finish") != NULL);
	ASSERT_EQ(harness_sh(out, sizeof(out), "pidpolicy dump 2>&1 | sed '/^#/d'"), 0);
	EXPECT_STREQ(out, "");
	EXPECT_TRUE(wait_policy_objects(NR_POLICY_PROGS, NR_POLICY_PROGS));
	POLICY_OK("unload 2>&1");
	assert_nothing_attached();
}

/*
 * `pidpolicy load --policy` is killed (SIGKILL, a crash, `systemctl kill`)
 * at its first pin, in the middle of its map pins, at its first program
 * pin (maps filled, counting programs attached, nothing of them pinned),
 * at the first link pin (a counting program attached by its pin) and at
 * the hook's link pin. Each state status reports as incomplete (the first,
 * with nothing pinned, as not loaded), and the next plain load starts
 * clean from it rather than reusing maps no program pruned meanwhile.
 */
TEST_TIMEOUT(a_load_killed_at_any_pin_leaves_what_the_next_load_repairs, 900)
{
	const char *load = "exec pidpolicy load --policy " POLICY;
	int pins, points[5], i;
	char out[4096];

	harness_sh(NULL, 0, "pidpolicy unload 2>&1");
	write_policy_file(POLICY, KILLED_POLICY);
	pins = run_to_call(load, is_pin, 1000, RUN_THROUGH, out, sizeof(out), NULL);
	printf("# a load pins %d objects: %s", pins, out);
	ASSERT_GE(pins, 2 * NR_POLICY_PROGS + 2);
	POLICY_OK("unload 2>&1");
	points[0] = 1;
	points[1] = 2;
	points[2] = pins - 2 * NR_POLICY_PROGS + 1;	/* the first program */
	points[3] = points[2] + 1;			/* its link */
	points[4] = pins;				/* the hook's link */
	for (i = 0; i < 5; i++) {
		ASSERT_EQ(run_to_call(load, is_pin, points[i], KILL_AT, out, sizeof(out), NULL),
			  points[i]);
		ASSERT_FALSE(is_policy_loaded());
		assert_status(i ? "loaded:         incomplete" : "loaded:         no\n");
		/* no hook: the rule's enforce is not in force, nothing refuses */
		EXPECT_EQ(try_clone2(pick_free_pid() + 300), 0);
	}
	assert_load_starts_clean();
}

/*
 * `pidpolicy unload` is killed before its first removal (all in force
 * still), after the hook's link went (the counting programs stay
 * attached) and after the links went (maps pinned, nothing attached).
 */
TEST_TIMEOUT(an_unload_killed_at_any_removal_leaves_what_load_repairs, 600)
{
	const char *unload = "exec pidpolicy unload";
	char out[4096];
	pid_t pid;

	harness_sh(NULL, 0, "pidpolicy unload 2>&1");
	write_policy_file(POLICY, KILLED_POLICY);
	POLICY_OK("load --policy " POLICY " 2>&1");
	pid = pick_free_pid() + 300;
	ASSERT_EQ(try_clone2(pid), EPERM);

	ASSERT_EQ(run_to_call(unload, is_removal, 1, KILL_AT, out, sizeof(out), NULL), 1);
	assert_status("loaded:         yes");
	ASSERT_EQ(try_clone2(pid), EPERM);
	ASSERT_EQ(run_to_call(unload, is_removal, 2, KILL_AT, out, sizeof(out), NULL), 2);
	assert_status("loaded:         incomplete");
	ASSERT_EQ(try_clone2(pid), 0);
	ASSERT_EQ(run_to_call(unload, is_removal, NR_POLICY_PROGS + 1, KILL_AT,
			      out, sizeof(out), NULL), NR_POLICY_PROGS + 1);
	assert_status("loaded:         incomplete");
	assert_load_starts_clean();
}

/*
 * Pinning fails (EPERM, as a full or read-only bpffs would) at the first
 * map, at a counting program's link and at the hook's link: load fails
 * with one line naming what failed, removes every pin it made, and
 * leaves no program attached.
 */
TEST_TIMEOUT(a_load_whose_pin_fails_leaves_nothing_attached, 600)
{
	static const char *const failing[] = {
		"pidpolicy: failed to load BPF programs: Operation not permitted",
		"pidpolicy: failed to pin program retire_ns at " PIN("retire_ns_link"),
		"pidpolicy: failed to pin program pid_choose at " PIN("pid_choose_link"),
	};
	const char *load = "exec pidpolicy load --policy " POLICY;
	int pins, points[3], i, status;
	char out[4096];

	harness_sh(NULL, 0, "pidpolicy unload 2>&1");
	write_policy_file(POLICY, KILLED_POLICY);
	pins = run_to_call(load, is_pin, 1000, RUN_THROUGH, out, sizeof(out), NULL);
	POLICY_OK("unload 2>&1");
	points[0] = 1;
	points[1] = pins - 2 * NR_POLICY_PROGS + 2;
	points[2] = pins;
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(run_to_call(load, is_pin, points[i], FAIL_AT, out, sizeof(out),
				      &status), points[i]);
		printf("# pin %d fails: %s", points[i], out);
		EXPECT_EQ(status, 1);
		/* libbpf may warn first; ours is one line */
		EXPECT_EQ(lines_starting(out, "pidpolicy: "), 1);
		EXPECT_TRUE(strstr(out, failing[i]) != NULL);
		assert_nothing_attached();
		assert_status("loaded:         no\n");
	}
}
#endif /* __x86_64__ */

/*
 * Pins without the readers' lock (an older pidpolicy's) are refused by
 * readers and writers alike, naming the fix, rather than read unlocked.
 */
TEST_TIMEOUT(pins_without_the_readers_lock_are_refused, 300)
{
	const char *want = "pidpolicy: " PIDPOLICY_PIN_DIR " has no readers' lock: these pins are an older pidpolicy's; run 'pidpolicy unload', then 'pidpolicy load'\n";
	char out[1024];

	fresh_policy();
	ASSERT_EQ(rmdir(PIDPOLICY_READERS_LOCK), 0);
	ASSERT_EQ(harness_sh(out, sizeof(out), "pidpolicy show 2>&1"), 1);
	EXPECT_STREQ(out, want);
	ASSERT_EQ(harness_sh(out, sizeof(out), "pidpolicy allow --ns any --pids 5000 2>&1"), 1);
	EXPECT_STREQ(out, want);
	POLICY_OK("unload 2>&1");
	assert_nothing_attached();
}

/*
 * Pins of a load by an older pidpolicy, whose config had fewer slots (no
 * summary of what each generation's rules use): an edit there would write
 * rules the programs of this version never look up, or fail on a slot
 * that is not there. Every command refuses them, naming the fix.
 */
TEST_TIMEOUT(pins_of_an_older_config_layout_are_refused, 300)
{
	const char *want = "pidpolicy: pinned map " PIDPOLICY_PIN_DIR "/config does not match this pidpolicy: run 'pidpolicy unload' and 'pidpolicy load'\n";
	char out[1024];
	int fd;

	fresh_policy();
	ASSERT_EQ(unlink(PIN("config")), 0);
	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "config", sizeof(__u32), sizeof(__u64),
			    PIDPOLICY_CONFIG_USES, NULL);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(bpf_obj_pin(fd, PIN("config")), 0);
	close(fd);
	ASSERT_EQ(harness_sh(out, sizeof(out), "pidpolicy allow --ns any --pids 5000 2>&1"), 1);
	EXPECT_STREQ(out, want);
	write_policy_file(POLICY, "mode default enforce\n");
	ASSERT_EQ(harness_sh(out, sizeof(out), "pidpolicy apply " POLICY " 2>&1"), 1);
	EXPECT_STREQ(out, want);
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

/*
 * An edit waits behind an unload (we hold the writers' lock as it does,
 * and remove the pins as it does): once the lock is free, the edit finds
 * the pins gone and says so, rather than writing to whatever is pinned by
 * then under a lock that guards nothing.
 */
TEST_TIMEOUT(an_edit_that_waited_for_an_unload_writes_nothing, 300)
{
	char out[1024];
	pid_t edit;
	int lock;

	fresh_policy();
	lock = lock_dir(PIDPOLICY_PIN_DIR, LOCK_EX);
	edit = fork();
	ASSERT_GE(edit, 0);
	if (edit == 0) {
		close(lock);	/* ours to drop, not the edit's to hold */
		_exit(harness_sh(NULL, 0, "pidpolicy allow --ns any --pids 5000 "
				 ">/tmp/edit.out 2>&1"));
	}
	sleep(2);	/* it waits for our lock */
	ASSERT_EQ(waitpid(edit, NULL, WNOHANG), 0);
	ASSERT_EQ(harness_sh(NULL, 0, "rm " PIDPOLICY_PIN_DIR "/*_link && "
			     "rm -rf " PIDPOLICY_PIN_DIR "/*"), 0);
	ASSERT_EQ(rmdir(PIDPOLICY_PIN_DIR), 0);
	close(lock);
	ASSERT_EQ(wait_exit(edit), 1);
	ASSERT_GT(harness_read_file("/tmp/edit.out", out, sizeof(out)), 0);
	EXPECT_STREQ(out, "pidpolicy: the policy was unloaded while this waited for its lock: run 'pidpolicy status'\n");
	assert_nothing_attached();
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

/* The number of a pid namespace that lived and died. */
static __u32 dead_pidns_inum(void)
{
	struct stat st = {};
	int fds[2];
	pid_t child;

	ASSERT_EQ(pipe(fds), 0);
	child = fork();
	ASSERT_GE(child, 0);
	if (child == 0) {
		/* the namespace's pid 1 tells its number, and dies with it */
		if (unshare(CLONE_NEWPID))
			_exit(1);
		child = fork();
		if (child == 0 && !stat("/proc/self/ns/pid", &st) &&
		    write(fds[1], &st.st_ino, sizeof(st.st_ino)) == sizeof(st.st_ino))
			_exit(0);
		_exit(child > 0 ? wait_exit(child) : 1);
	}
	ASSERT_EQ(wait_exit(child), 0);
	ASSERT_EQ(read(fds[0], &st.st_ino, sizeof(st.st_ino)), (ssize_t)sizeof(st.st_ino));
	close(fds[0]);
	close(fds[1]);
	return (__u32)st.st_ino;
}

/*
 * The boot unit loads with the policy file. One that cannot be applied
 * (a syntax error; a namespace that is gone) must not leave the host
 * without a policy: the hook goes on with no rule and the file's default
 * mode, enforce where it names none or cannot be read, and load fails,
 * naming the file and the fix. A good file is in the maps before the hook
 * is attached, and a second load applies it as apply does.
 */
TEST_TIMEOUT(load_with_policy_fails_closed_and_attaches_only_a_filled_policy, 600)
{
	pid_t pid = pick_free_pid() + 300;
	char out[4096], text[256];

	harness_sh(NULL, 0, "pidpolicy unload 2>&1");
	write_policy_file(POLICY, "mode default off\nallow ns any uid 0 pids 5000 oops\n");
	ASSERT_EQ(harness_sh(out, sizeof(out), "pidpolicy load --policy " POLICY " 2>&1"), 2);
	printf("# %s", out);
	EXPECT_TRUE(strstr(out, "pidpolicy: " POLICY ":2: ") != NULL);
	EXPECT_TRUE(strstr(out, "pidpolicy: " POLICY " was not applied: loaded with no rule and mode default enforce instead; fix the file, then run 'pidpolicy apply " POLICY "'\n") != NULL);
	EXPECT_EQ(lines_starting(out, "pidpolicy: "), 2);
	EXPECT_TRUE(wait_policy_objects(4, 4));
	ASSERT_EQ(try_clone2(pid), EPERM);
	ASSERT_EQ(try_clone3(pid), EPERM);
	ASSERT_EQ(harness_sh(out, sizeof(out), "pidpolicy dump | sed '/^#/d'"), 0);
	EXPECT_STREQ(out, "mode default enforce\n");

	/* a file that parses: the strictest mode it names */
	snprintf(text, sizeof(text), "mode default audit\nmode ns %u off\n", dead_pidns_inum());
	write_policy_file(POLICY, text);
	POLICY_OK("unload");
	ASSERT_EQ(harness_sh(out, sizeof(out), "pidpolicy load --policy " POLICY " 2>&1"), 1);
	EXPECT_TRUE(strstr(out, "mode default audit instead") != NULL);
	ASSERT_EQ(harness_sh(out, sizeof(out), "pidpolicy dump | sed '/^#/d'"), 0);
	EXPECT_STREQ(out, "mode default audit\n");
	/*
	 * a tenant removes the cgroup a rule names: the namespace the file
	 * enforces stays enforced, though the file's default is off
	 */
	ASSERT_TRUE(!mkdir("/sys/fs/cgroup/pp-gone", 0755) || errno == EEXIST);
	snprintf(text, sizeof(text), "mode default off\nmode ns %u enforce\n"
		 "allow ns any cgroup-id %llu pids 5\n", ns_inum_of(0),
		 inode_of("/sys/fs/cgroup/pp-gone"));
	ASSERT_EQ(rmdir("/sys/fs/cgroup/pp-gone"), 0);
	write_policy_file(POLICY, text);
	POLICY_OK("unload");
	ASSERT_EQ(harness_sh(out, sizeof(out), "pidpolicy load --policy " POLICY " 2>&1"), 1);
	EXPECT_TRUE(strstr(out, POLICY ":3: no cgroup id ") != NULL);
	EXPECT_TRUE(strstr(out, "mode default enforce instead") != NULL);
	ASSERT_EQ(try_clone2(pid), EPERM);

	/* the fixed file, by apply (systemctl reload) or load (restart) */
	snprintf(text, sizeof(text), "mode default enforce\nallow ns any uid 0 pids %d\n", pid);
	write_policy_file(POLICY, text);
	POLICY_OK("apply " POLICY);
	ASSERT_EQ(try_clone2(pid), 0);
	ASSERT_EQ(try_clone2(pid + 1), EPERM);
	POLICY_OK("unload");
	ASSERT_EQ(harness_sh(out, sizeof(out), "pidpolicy load --policy " POLICY " 2>&1"), 0);
	EXPECT_STREQ(out, "loaded with the policy of " POLICY "\n");
	ASSERT_EQ(try_clone2(pid), 0);
	ASSERT_EQ(try_clone2(pid + 1), EPERM);
	/* loaded already: the file replaces the policy, as apply */
	write_policy_file(POLICY, "mode default off\n");
	ASSERT_EQ(harness_sh(out, sizeof(out), "pidpolicy load --policy " POLICY " 2>&1"), 0);
	ASSERT_EQ(try_clone2(pid + 1), 0);
	ASSERT_EQ(harness_sh(out, sizeof(out), "pidpolicy dump"), 0);
	EXPECT_TRUE(strstr(out, "allow") == NULL);
	/* and a bad file then leaves the policy in force as it was */
	write_policy_file(POLICY, "mode default enforce\nbogus\n");
	ASSERT_EQ(harness_sh(out, sizeof(out), "pidpolicy load --policy " POLICY " 2>&1"), 2);
	EXPECT_TRUE(strstr(out, "pidpolicy: the policy in force is unchanged\n") != NULL);
	ASSERT_EQ(try_clone2(pid + 1), 0);
}

/*
 * Whoever can write to the bpffs root (1777 as a plain mount makes it)
 * makes /sys/fs/bpf/pidpolicy before root loads: a directory of its own,
 * or a symlink, with a pid_choose_link in it. Load must not take that for
 * a load ("already loaded", exit 0, nothing attached), nor wait on a lock
 * its owner holds: it refuses, naming the fix, and status says not loaded.
 */
TEST_TIMEOUT(a_pin_directory_not_roots_alone_is_no_load, 300)
{
	const char *want = "pidpolicy: " PIDPOLICY_PIN_DIR " is not a directory only root can write to: remove it, then load\n";
	char out[1024];
	int lock;

	harness_sh(NULL, 0, "pidpolicy unload 2>&1");
	/* bpffs makes no plain files: a directory stands in for the pin */
	ASSERT_EQ(mkdir(PIDPOLICY_PIN_DIR, 0700), 0);
	ASSERT_EQ(mkdir(PIN("pid_choose_link"), 0700), 0);
	ASSERT_EQ(chown(PIDPOLICY_PIN_DIR, 65534, 65534), 0);
	lock = lock_dir(PIDPOLICY_PIN_DIR, LOCK_EX);	/* its owner holds it */
	ASSERT_EQ(harness_sh(out, sizeof(out), "timeout 60 pidpolicy load 2>&1"), 1);
	EXPECT_STREQ(out, want);
	close(lock);
	ASSERT_EQ(harness_sh(out, sizeof(out), "pidpolicy status 2>&1"), 0);
	EXPECT_TRUE(strstr(out, "loaded:         no\n") != NULL);
	ASSERT_EQ(harness_sh(NULL, 0, "rm -r " PIDPOLICY_PIN_DIR), 0);

	ASSERT_EQ(harness_sh(NULL, 0, "mkdir -p /tmp/fake-pins && touch /tmp/fake-pins/pid_choose_link"), 0);
	ASSERT_EQ(symlink("/tmp/fake-pins", PIDPOLICY_PIN_DIR), 0);
	ASSERT_EQ(harness_sh(out, sizeof(out), "pidpolicy load 2>&1"), 1);
	EXPECT_STREQ(out, want);
	ASSERT_EQ(harness_sh(out, sizeof(out), "pidpolicy unload 2>&1"), 1);
	EXPECT_STREQ(out, want);
	ASSERT_EQ(unlink(PIDPOLICY_PIN_DIR), 0);
	POLICY_OK("load 2>&1");
	POLICY_OK("unload 2>&1");
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

	/* whatever a_pin_directory_not_roots_alone_is_no_load left if it failed */
	harness_sh(NULL, 0, "rm -rf " PIDPOLICY_PIN_DIR " 2>&1");

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
	EXPECT_TRUE(strstr(out, " cgroup-tree " TREE " pids ") != NULL);

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

/* From TREE_LEAF, clone2 choosing a answers err_a, then choosing b err_b. */
static void clone2_in_leaf(pid_t a, int err_a, pid_t b, int err_b)
{
	pid_t child = fork();

	ASSERT_GE(child, 0);
	if (child == 0) {
		join_cgroup(TREE_LEAF);
		ASSERT_EQ(try_clone2(a), err_a);
		ASSERT_EQ(try_clone2(b), err_b);
		_exit(0);
	}
	ASSERT_EQ(wait_exit(child), 0);
}

/*
 * A decision looks up only the kinds of rule (and cgroup-tree levels) that
 * the active generation's rules use, as apply and each edit record before
 * writing a rule. Switching between a policy of uid rules and one of a
 * cgroup-tree rule, and adding a uid rule by an edit, every rule is seen
 * at once, and a rule of the old generation's kind no longer.
 */
TEST_TIMEOUT(decisions_see_every_kind_of_rule_as_generations_switch, 300)
{
	pid_t pid = pick_free_pid() + 300;
	char uid_rules[256], tree_rules[256];

	snprintf(uid_rules, sizeof(uid_rules),
		 "mode default enforce\nallow ns any uid 0 pids %d\n", pid);
	snprintf(tree_rules, sizeof(tree_rules),
		 "mode default enforce\nallow ns any cgroup-tree " TREE " pids %d\n", pid + 1);
	make_cgroups();
	fresh_policy();
	write_policy_file(POLICY, uid_rules);
	POLICY_OK("apply " POLICY " 2>&1");
	clone2_in_leaf(pid, 0, pid + 1, EPERM);

	write_policy_file(POLICY, tree_rules);
	POLICY_OK("apply " POLICY " 2>&1");
	clone2_in_leaf(pid + 1, 0, pid, EPERM);

	/* an edit of the active generation: its kind is looked up from now on */
	POLICY_OK("allow --ns any --uid 0 --pids %d", pid);
	clone2_in_leaf(pid, 0, pid + 1, 0);
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
	/*
	 * The same cgroup through a bind mount of pp-deep, whose ".." walk
	 * stops one level short: still level 8, as the kernel counts; and by id
	 */
	ASSERT_TRUE(!mkdir("/tmp/cg-bind", 0755) || errno == EEXIST);
	ASSERT_EQ(mount("/sys/fs/cgroup/pp-deep", "/tmp/cg-bind", NULL, MS_BIND, NULL), 0);
	ASSERT_EQ(harness_sh(out, sizeof(out), "pidpolicy allow --ns any --cgroup-tree %s --pids 5 2>&1",
			     "/tmp/cg-bind/d/d/d/d/d/d/d"), 2);
	EXPECT_TRUE(strstr(out, "deeper than level 7") != NULL);
	ASSERT_EQ(umount("/tmp/cg-bind"), 0);
	snprintf(out, sizeof(out), "allow ns any cgroup-tree-id %llu pids 5\n", inode_of(path));
	write_policy_file(POLICY, out);
	ASSERT_EQ(harness_sh(out, sizeof(out), "pidpolicy apply " POLICY " 2>&1"), 1);
	printf("# %s", out);
	EXPECT_TRUE(strstr(out, "pidpolicy: " POLICY ":1: cgroup id ") != NULL);
	EXPECT_TRUE(strstr(out, " is deeper than level 7") != NULL);
	ASSERT_EQ(harness_sh(after, sizeof(after), "pidpolicy dump"), 0);
	ASSERT_STREQ(before, after);
	/* one level up is the deepest a tree may start */
	*strrchr(path, '/') = '\0';
	POLICY_OK("allow --ns any --cgroup-tree %s --pids 5", path);
}

/*
 * A rule made with --cgroup PATH survives a reboot only as a path: dump
 * writes paths (cgroup ids are per boot), and apply of the dump gives the
 * same policy. Once the cgroup is gone, dump writes its rules as comments
 * (they can never match) and apply refuses an id that names no cgroup.
 */
TEST(dump_writes_cgroup_paths_and_apply_refuses_gone_ids)
{
	char out[4096], want[256], first[4096], again[4096];
	unsigned long long id;

	fresh_policy();
	ASSERT_TRUE(!mkdir("/sys/fs/cgroup/restorejob", 0755) || errno == EEXIST);
	id = inode_of("/sys/fs/cgroup/restorejob");
	POLICY_OK("allow --ns any --cgroup /sys/fs/cgroup/restorejob --pids 5000");
	POLICY_OK("allow --ns any --cgroup-tree /sys/fs/cgroup/restorejob --pids 5001");
	ASSERT_EQ(harness_sh(first, sizeof(first), "pidpolicy dump | tee " POLICY), 0);
	printf("%s", first);
	EXPECT_TRUE(strstr(first, "\nallow ns any cgroup /sys/fs/cgroup/restorejob pids 5000\n") != NULL);
	EXPECT_TRUE(strstr(first, "\nallow ns any cgroup-tree /sys/fs/cgroup/restorejob pids 5001\n") != NULL);
	POLICY_OK("apply " POLICY);
	ASSERT_EQ(harness_sh(again, sizeof(again), "pidpolicy dump"), 0);
	ASSERT_STREQ(again, first);

	ASSERT_EQ(rmdir("/sys/fs/cgroup/restorejob"), 0);
	ASSERT_EQ(harness_sh(out, sizeof(out), "pidpolicy dump"), 0);
	snprintf(want, sizeof(want),
		 "\n# cannot be applied, no cgroup has this id now: allow ns any cgroup-id %llu pids 5000\n", id);
	EXPECT_TRUE(strstr(out, want) != NULL);
	snprintf(want, sizeof(want), "allow ns any cgroup-id %llu pids 5000\n", id);
	write_policy_file(POLICY, want);
	ASSERT_EQ(harness_sh(out, sizeof(out), "pidpolicy apply " POLICY " 2>&1"), 1);
	printf("# %s", out);
	snprintf(want, sizeof(want), "pidpolicy: " POLICY ":1: no cgroup id %llu exists now", id);
	EXPECT_TRUE(strstr(out, want) != NULL);
	ASSERT_EQ(harness_sh(again, sizeof(again), "pidpolicy dump | grep -c 'cannot be applied, no cgroup'"), 0);
	EXPECT_STREQ(again, "2\n");
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
