// SPDX-License-Identifier: GPL-2.0
/*
 * Races on 2 vCPUs: processes choosing the same pids with clone2 across
 * nested pid namespaces while the policy is swapped and namespaces are
 * torn down; `pidpolicy` commands racing heavy clone2 traffic; and two
 * `pidpolicy load` at once. Nothing may crash or make the kernel report
 * anything, no decision may break the policy in force, and the counters
 * and pins must come out exact.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/nsfs.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "clone2.h"
#include "harness.h"
#include "pidpolicy.h"
#include "vmpolicy.h"
#include "vmtest.h"

#define DEPTH		3	/* nested pid namespaces below the initial one */
#define POOL		32	/* racers choose base..base+31 at every level */
#define POLICY_A	"/tmp/race-a.policy"
#define POLICY_B	"/tmp/race-b.policy"

/* The levels racers pick, mostly deep: a call there chooses at each level. */
static const int pick_level[10] = { 0, 1, 1, 2, 2, 2, 3, 3, 3, 3 };
_Static_assert(DEPTH == 3, "pick_level[] goes down to DEPTH");

/*
 * The pool: 0-7 allowed by both policies, 8-15 by A only, 16-23 by B only,
 * 24-31 by neither (forbidden).
 */
#define IS_COMMON(off)		((off) < 8)
#define IS_FORBIDDEN(off)	((off) >= 24)
#define FORBIDDEN		24

/* Shared by the test, its racers and the namespace manager. */
struct shared {
	int stop;
	int policy_checks;		/* the policy is loaded all along */
	int held;			/* children each racer keeps alive */
	pid_t base;
	pid_t chain[DEPTH + 1];		/* init of each level, in our ns; 0: none */
	/* outcomes */
	int attempts, successes, deep_successes, eperm, eexist, enomem, stale;
	int forbidden_tries, teardowns, violations;
};

static struct shared *sh;

#define COUNT(field) __atomic_fetch_add(&sh->field, 1, __ATOMIC_RELAXED)

static void violation(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void violation(const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	COUNT(violations);
	harness_fail(__FILE__, __LINE__, 0, "%s", msg);
}

static struct shared *map_shared(void)
{
	struct shared *s = mmap(NULL, sizeof(*s), PROT_READ | PROT_WRITE,
				MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	ASSERT_TRUE(s != MAP_FAILED);
	memset(s, 0, sizeof(*s));
	return s;
}

static int stopped(void)
{
	return __atomic_load_n(&sh->stop, __ATOMIC_ACQUIRE);
}

/* ---- racers ---------------------------------------------------------- */

/* Depth of the pid namespace of fd below ours (ours is the initial one). */
static int ns_level(int fd)
{
	int cur = dup(fd), parent, level = 0;

	while ((parent = ioctl(cur, NS_GET_PARENT)) >= 0) {
		close(cur);
		cur = parent;
		level++;
	}
	close(cur);
	return errno == EPERM ? level : -1;
}

/* A racer's fd of each level's pid namespace, and the init it is from. */
struct ns_cache {
	pid_t init[DEPTH + 1];
	int fd[DEPTH + 1];
};

/*
 * The pid namespace of the init of `level` (0: ours), as published; -1 if
 * none. A namespace torn down since stays ours to try (ENOMEM).
 */
static int level_fd(struct ns_cache *c, int level)
{
	pid_t init = __atomic_load_n(&sh->chain[level], __ATOMIC_ACQUIRE);
	char path[64];

	if (!level || init == c->init[level])
		return c->fd[level];
	if (c->fd[level] >= 0)
		close(c->fd[level]);
	c->fd[level] = -1;
	c->init[level] = init;
	if (!init)
		return -1;
	snprintf(path, sizeof(path), "/proc/%d/ns/pid", init);
	c->fd[level] = open(path, O_RDONLY | O_CLOEXEC);
	/* a dead init's pid may already be someone else's */
	if (c->fd[level] >= 0 && ns_level(c->fd[level]) != level) {
		close(c->fd[level]);
		c->fd[level] = -1;
	}
	return c->fd[level];
}

/* One clone2 at `level`, checked against the policy and the NSpid. */
static pid_t race_once(unsigned int *seed, int level, int ns_fd)
{
	pid_t pids[DEPTH + 1], nspid[MAX_NSPID], child;
	int nr = level + 1, i, n, err, only_common = 1, forbidden = 0;
	char desc[128];
	size_t len = 0;

	for (i = 0; i < nr; i++) {
		int r = (int)(rand_r(seed) % (POOL + POOL / 2));

		/* now and then the kernel's choice, at an outer level */
		pids[i] = r >= POOL && i < nr - 1 ? 0 : sh->base + r % POOL;
		if (pids[i]) {
			only_common &= IS_COMMON(pids[i] - sh->base);
			forbidden |= IS_FORBIDDEN(pids[i] - sh->base);
		}
		len += (size_t)snprintf(desc + len, sizeof(desc) - len, " %d", pids[i]);
	}
	if (forbidden)
		COUNT(forbidden_tries);
	if (setns(ns_fd, CLONE_NEWPID)) {
		COUNT(stale);
		return 0;
	}
	child = clone2_fork(pids, (unsigned int)nr, 0);
	if (child == 0) {
		pause();
		_exit(0);
	}
	err = errno;
	COUNT(attempts);
	if (child < 0) {
		if (err == EPERM) {
			COUNT(eperm);
			/* both policies allow these: never refused, at no moment */
			if (sh->policy_checks && only_common)
				violation("clone2 {%s } (all allowed by A and B) failed with EPERM", desc);
		} else if (err == EEXIST) {
			COUNT(eexist);
		} else if (err == ENOMEM) {
			COUNT(enomem);	/* its namespace is dying */
		} else {
			violation("clone2 {%s } at level %d: unexpected %s", desc, level,
				  harness_errno_name(err));
		}
		return 0;
	}
	COUNT(successes);
	if (level >= 2)
		COUNT(deep_successes);
	if (sh->policy_checks && forbidden)
		violation("clone2 {%s } succeeded with a pid neither A nor B allows", desc);
	/* a zombie still has its NSpid: teardown cannot hide it */
	n = read_nspid_of(child, nspid);
	if (n != nr || nspid[0] != child)
		violation("clone2 {%s }: child %d has %d NSpid entries, first %d", desc,
			  child, n, n > 0 ? nspid[0] : -1);
	for (i = 0; n == nr && i < nr; i++)
		if (pids[i] && nspid[i] != pids[i])
			violation("clone2 {%s }: NSpid[%d] is %d", desc, i, nspid[i]);
	return child;
}

static void racer(int id, int progress)
{
	unsigned int seed = (unsigned int)(id * 7919 + getpid());
	struct ns_cache cache = { .fd = { -1, -1, -1, -1 } };
	pid_t held[4] = {}, child;
	int nheld = 0, level, fd, i;

	cache.fd[0] = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
	ASSERT_GE(cache.fd[0], 0);
	signal(SIGPIPE, SIG_IGN);	/* the manager may be gone */
	/* the pidpolicy commands under test go first: 2 vCPUs, 8+ racers */
	ASSERT_EQ(nice(10), 10);
	while (!stopped()) {
		level = pick_level[rand_r(&seed) % 10];
		fd = level_fd(&cache, level);
		if (fd < 0) {
			COUNT(stale);
			sched_yield();	/* the manager is building */
			continue;
		}
		child = race_once(&seed, level, fd);
		if (write(progress, "", 1) < 0 && errno != EAGAIN && errno != EPIPE)
			violation("progress pipe: %s", strerror(errno));
		/* teardown kills held children: reap them, their pids go */
		for (i = 0; i < nheld; i++) {
			if (waitpid(held[i], NULL, WNOHANG) == held[i]) {
				held[i] = held[--nheld];
				i--;
			}
		}
		if (child <= 0)
			continue;
		if (nheld == sh->held && nheld) {
			kill_and_reap(held[0]);
			memmove(held, held + 1, (size_t)--nheld * sizeof(held[0]));
		}
		if (nheld < sh->held)
			held[nheld++] = child;
		else
			kill_and_reap(child);
	}
	while (nheld)
		kill_and_reap(held[--nheld]);
}

/* ---- pid namespaces, built and torn down under the racers -------------- */

/*
 * A holder process with DEPTH nested pid namespaces under it, an init in
 * each; their pids in our namespace go to sh->chain. Killing the holder
 * kills them all (parent-death signals).
 */
static pid_t build_chain(void)
{
	pid_t holder, pid, nspid[MAX_NSPID];
	int fds[2], i;

	ASSERT_EQ(pipe(fds), 0);
	holder = fork();
	ASSERT_GE(holder, 0);
	if (holder == 0) {
		close(fds[0]);
		for (i = 1; i <= DEPTH; i++) {
			if (unshare(CLONE_NEWPID))
				_exit(1);
			pid = fork();
			if (pid < 0)
				_exit(1);
			if (pid > 0) {
				pause();
				_exit(0);
			}
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			/* pid 1 of level i: our pid in the initial namespace */
			if (read_nspid("/proc/self/status", nspid) != i + 1 ||
			    write(fds[1], &nspid[0], sizeof(pid_t)) != sizeof(pid_t))
				_exit(1);
		}
		pause();
		_exit(0);
	}
	close(fds[1]);
	for (i = 1; i <= DEPTH; i++) {
		ASSERT_EQ(read(fds[0], &pid, sizeof(pid)), (ssize_t)sizeof(pid));
		__atomic_store_n(&sh->chain[i], pid, __ATOMIC_RELEASE);
	}
	close(fds[0]);
	return holder;
}

/* Wait for n racer attempts; 0 once every racer is gone. */
static int wait_progress(int progress, int n)
{
	char buf[64];
	ssize_t r;

	while (n > 0) {
		r = read(progress, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return 0;
		n -= (int)r;
	}
	return 1;
}

static void reap_orphans(int block)
{
	while (waitpid(-1, NULL, __WALL | (block ? 0 : WNOHANG)) > 0)
		;
}

/*
 * Builds a chain, lets the racers use it, kills the init of one of its
 * namespaces (that level and those below die, their processes with them)
 * while the racers go on, then kills the rest and starts over. Orphans of
 * the chain come to us (subreaper): nothing outlives the test.
 */
static void manager(int progress, int every)
{
	unsigned int seed = (unsigned int)getpid();
	pid_t holder, old;
	int i, k, more = 1;

	ASSERT_EQ(prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0), 0);
	ASSERT_EQ(nice(10), 10);
	holder = build_chain();
	while (more && !stopped()) {
		more = wait_progress(progress, every);
		if (!more)
			break;
		/* racers keep trying the dead levels until the next chain is up */
		k = 1 + (int)(rand_r(&seed) % DEPTH);
		kill(sh->chain[k], SIGKILL);
		COUNT(teardowns);
		more = wait_progress(progress, every / 2);
		old = holder;
		holder = build_chain();
		kill_and_reap(old);
		reap_orphans(0);
	}
	for (i = 1; i <= DEPTH; i++)
		__atomic_store_n(&sh->chain[i], 0, __ATOMIC_RELEASE);
	kill_and_reap(holder);
	/* the inits wait for the racers to reap their children in there */
	reap_orphans(1);
}

struct traffic {
	pid_t racers[8];
	int nr_racers;
	pid_t manager;
};

static void start_traffic(struct traffic *t, int nr_racers, int teardown_every)
{
	int fds[2], i;

	ASSERT_EQ(pipe(fds), 0);
	/* racers never block on progress: the manager may be busy */
	ASSERT_EQ(fcntl(fds[1], F_SETFL, O_NONBLOCK), 0);
	__atomic_store_n(&sh->stop, 0, __ATOMIC_RELEASE);
	t->nr_racers = nr_racers;
	for (i = 0; i < nr_racers; i++) {
		t->racers[i] = fork();
		ASSERT_GE(t->racers[i], 0);
		if (t->racers[i] == 0) {
			close(fds[0]);
			racer(i, fds[1]);
			_exit(0);
		}
	}
	t->manager = fork();
	ASSERT_GE(t->manager, 0);
	if (t->manager == 0) {
		close(fds[1]);
		manager(fds[0], teardown_every);
		_exit(0);
	}
	close(fds[0]);
	close(fds[1]);
}

static void stop_traffic(struct traffic *t)
{
	int i;

	__atomic_store_n(&sh->stop, 1, __ATOMIC_RELEASE);
	for (i = 0; i < t->nr_racers; i++)
		ASSERT_EQ(wait_exit(t->racers[i]), 0);
	ASSERT_EQ(wait_exit(t->manager), 0);
	reap_orphans(0);
}

/* ---- checks ------------------------------------------------------------ */

static void write_policies(pid_t base)
{
	char text[256];

	snprintf(text, sizeof(text), "mode default enforce\nallow ns any uid 0 pids %d-%d\n",
		 base, base + 15);
	write_policy_file(POLICY_A, text);
	snprintf(text, sizeof(text),
		 "mode default enforce\nallow ns any uid 0 pids %d-%d,%d-%d\n"
		 "limit ns any max-chosen 100000\n", base, base + 7, base + 16, base + 23);
	write_policy_file(POLICY_B, text);
}

#define KERNEL_REPORTS "BUG:|WARNING:|KASAN|UBSAN|Oops|general protection|" \
	"possible circular|possible recursive|inconsistent lock|INFO: task|stall"
/* a user-space program's fault, as tests/vm/run tells it from a report */
#define USER_FAULT "traps: [^ ]+\\[[0-9]+\\] "

/* Reports the kernel logged so far. */
static int kernel_reports(void)
{
	char out[64];

	harness_sh(out, sizeof(out), "dmesg | grep -E '" KERNEL_REPORTS "' | "
		   "grep -cvE '" USER_FAULT "'");
	return atoi(out);
}

/* Entries of a pinned map (hash maps: keys up to 64 bytes). */
static int map_entries(const char *pin)
{
	char key[64], next[64];
	int fd = bpf_obj_get(pin), n = 0;
	void *prev = NULL;

	ASSERT_GE(fd, 0);
	while (!bpf_map_get_next_key(fd, prev, next)) {
		memcpy(key, next, sizeof(key));
		prev = key;
		n++;
	}
	close(fd);
	return n;
}

/* No live chosen pid anywhere, and no charge record left behind. */
static void expect_counts_zero(void)
{
	struct pidpolicy_ns_key key, next, *prev = NULL;
	struct pidpolicy_chosen val;
	int fd = bpf_obj_get(PIN("chosen_live")), bad = 0;

	ASSERT_GE(fd, 0);
	while (!bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		if (!bpf_map_lookup_elem(fd, &key, &val) && pidpolicy_live_count(&val, key.ns_inum)) {
			printf("chosen_live of namespace %u: %lld\n", key.ns_inum,
			       (long long)pidpolicy_live_count(&val, key.ns_inum));
			bad++;
		}
	}
	close(fd);
	EXPECT_EQ(bad, 0);
	/* (charging is task-local storage: it cannot be listed, nor outlive the task) */
	EXPECT_EQ(map_entries(PIN("charged")), 0);
}

/* Pids of the processes outside the initial pid namespace, up to max. */
static int nested_processes(pid_t *out, int max)
{
	__u32 init_ns = ns_inum_of(0);
	struct dirent *de;
	struct stat st;
	char path[64];
	DIR *d = opendir("/proc");
	int n = 0;

	ASSERT_TRUE(d != NULL);
	while ((de = readdir(d)) && n < max) {
		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		snprintf(path, sizeof(path), "/proc/%.32s/ns/pid", de->d_name);
		if (!stat(path, &st) && st.st_ino != init_ns)
			out[n++] = atoi(de->d_name);
	}
	closedir(d);
	return n;
}

/* The processes a test leaves in nested pid namespaces: none. */
static void expect_no_new_nested(const pid_t *before, int nbefore)
{
	pid_t now[256];
	int n = nested_processes(now, 256), i, j, found;

	for (i = 0; i < n; i++) {
		for (j = 0, found = 0; j < nbefore && !found; j++)
			found = now[i] == before[j];
		if (!found)
			violation("process %d left behind in a nested pid namespace", now[i]);
	}
}

static void expect_pool_free(void)
{
	char path[32];
	int i;

	for (i = 0; i < POOL; i++) {
		snprintf(path, sizeof(path), "/proc/%d", sh->base + i);
		if (!access(path, F_OK))
			violation("pid %d still in use", sh->base + i);
	}
}

/* Every pin a complete load leaves: 16 maps, 4 programs, 4 links. */
static const char *const all_pins[] = {
	"config", "rules", "rule_pids", "ns_policy", "ns_index", "decisions", "decision_totals",
	"chosen_live", "charging", "charged", "tenants", "event_budget", "rcu_barrier_inner",
	"rcu_barrier", "events",
	"host_events", "pid_choose", "alloc_pid_exit", "free_pid_entry", "retire_ns",
	"pid_choose_link", "alloc_pid_exit_link", "free_pid_entry_link", "retire_ns_link",
};
#define NR_PINS ((int)(sizeof(all_pins) / sizeof(all_pins[0])))

static int pins_present(void)
{
	char path[128];
	int i, n = 0;

	for (i = 0; i < NR_PINS; i++) {
		snprintf(path, sizeof(path), PIDPOLICY_PIN_DIR "/%s", all_pins[i]);
		if (!access(path, F_OK))
			n++;
		else
			printf("missing pin %s\n", path);
	}
	return n;
}

/* The id of the link of the policy's program `name`; 0 if none. */
static __u32 link_id_of(const char *name)
{
	__u32 id = 0, found = 0;

	while (!bpf_link_get_next_id(id, &id)) {
		struct bpf_link_info l = {};
		struct bpf_prog_info p = {};
		__u32 len = sizeof(l);
		int fd = bpf_link_get_fd_by_id(id), pfd = -1;

		if (fd >= 0 && !bpf_obj_get_info_by_fd(fd, &l, &len))
			pfd = bpf_prog_get_fd_by_id(l.prog_id);
		len = sizeof(p);
		if (pfd >= 0 && !bpf_obj_get_info_by_fd(pfd, &p, &len) && !strcmp(p.name, name))
			found = id;
		if (pfd >= 0)
			close(pfd);
		if (fd >= 0)
			close(fd);
	}
	return found;
}

/*
 * The hook charges each pid it allows to its namespace; alloc_pid_exit
 * and free_pid_entry give the charges back. Were the hook attached first,
 * a pid charged meanwhile would stay counted against the limit for good.
 * Link ids are handed out as the links are made: they tell the order.
 */
static void expect_hook_attached_last(void)
{
	__u32 hook = link_id_of("pid_choose"), alloc_exit = link_id_of("alloc_pid_exit");
	__u32 free_entry = link_id_of("free_pid_entry");

	ASSERT_TRUE(hook && alloc_exit && free_entry);
	if (hook < alloc_exit || hook < free_entry)
		violation("the hook's link (id %u) was made before those of alloc_pid_exit (%u) "
			  "and free_pid_entry (%u)", hook, alloc_exit, free_entry);
}

/*
 * Loaded whole: every pin, one attached set, attached in order; and
 * show/dump/status work.
 */
static void expect_loaded_whole(int full)
{
	char out[8192], out2[8192];

	ASSERT_EQ(pins_present(), NR_PINS);
	ASSERT_TRUE(wait_policy_objects(4, 4));
	expect_hook_attached_last();
	if (!full)
		return;
	ASSERT_EQ(harness_sh(out, sizeof(out), "pidpolicy status 2>&1"), 0);
	ASSERT_TRUE(strstr(out, "loaded:         yes") != NULL);
	ASSERT_EQ(harness_sh(out, sizeof(out), "pidpolicy show 2>&1"), 0);
	ASSERT_TRUE(strstr(out, "NAMESPACE") != NULL);
	/* the dump is a policy file that applies to itself */
	ASSERT_EQ(harness_sh(out, sizeof(out), "pidpolicy dump 2>&1 | tee /tmp/race.dump"), 0);
	ASSERT_EQ(harness_sh(NULL, 0, "pidpolicy apply /tmp/race.dump 2>&1"), 0);
	ASSERT_EQ(harness_sh(out2, sizeof(out2), "pidpolicy dump 2>&1"), 0);
	ASSERT_STREQ(out, out2);
}

static void expect_unloaded(void)
{
	struct stat st;

	ASSERT_ERRNO(stat(PIDPOLICY_PIN_DIR, &st), ENOENT);
	ASSERT_TRUE(wait_policy_objects(0, 0));
}

static void print_stats(const char *what, long ms)
{
	printf("%s: %d clone2 calls in %ld ms: %d succeeded (%d at level 2 or deeper), "
	       "%d EPERM, %d EEXIST, %d ENOMEM; %d stale namespace picks, "
	       "%d tries with a forbidden pid, %d namespace teardowns\n",
	       what, sh->attempts, ms, sh->successes, sh->deep_successes, sh->eperm,
	       sh->eexist, sh->enomem, sh->stale, sh->forbidden_tries, sh->teardowns);
	fflush(stdout);
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void setup(int *nbefore, pid_t *before, int policy_checks, int held)
{
	sh = map_shared();
	sh->base = pick_free_pids(POOL);
	sh->policy_checks = policy_checks;
	sh->held = held;
	*nbefore = nested_processes(before, 256);
	/* orphans of the racers, should one die, come to us */
	ASSERT_EQ(prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0), 0);
	write_policies(sh->base);
}

/* On one CPU the racers would only interleave by preemption. */
TEST(the_racers_have_two_cpus)
{
	ASSERT_GE(sysconf(_SC_NPROCESSORS_ONLN), 2);
}

/* ---- (1) the policy swapped and namespaces torn down under 8 racers ---- */

/* Swap for this long, at least 4 times: an apply takes about 1 s under the racers. */
#define SWAP_MS		20000

TEST_TIMEOUT(racing_clone2_never_gets_a_pid_the_policy_denies, 300)
{
	struct traffic t;
	pid_t before[256];
	int nbefore, reports = kernel_reports(), i;
	long start;

	setup(&nbefore, before, 1, 1);
	policy_from_file(POLICY_A);
	start = now_ms();
	start_traffic(&t, 8, 20);
	for (i = 0; i < 4 || now_ms() < start + SWAP_MS; i++)
		EXPECT_EQ(harness_sh(NULL, 0, "pidpolicy apply %s 2>&1",
				     i % 2 ? POLICY_A : POLICY_B), 0);
	printf("%d applies in %ld ms\n", i, now_ms() - start);
	stop_traffic(&t);
	print_stats("racers", now_ms() - start);

	EXPECT_EQ(sh->violations, 0);
	/* the race happened: deep successes, contention, teardowns, bait */
	EXPECT_GT(sh->deep_successes, 0);
	EXPECT_GT(sh->eexist, 0);
	EXPECT_GT(sh->eperm, 0);
	EXPECT_GT(sh->forbidden_tries, 0);
	EXPECT_GT(sh->teardowns, 0);
	reap_orphans(0);
	expect_counts_zero();
	expect_no_new_nested(before, nbefore);
	expect_pool_free();
	EXPECT_EQ(kernel_reports(), reports);
	/* still loaded, for the next test: a load takes about 8 s */
}

/* ---- (2) pidpolicy commands under heavy clone2 traffic ------------------ */

/*
 * Rounds of unload+load under traffic (RACE_LOAD_CYCLES, default 1): a
 * load takes about 8 s in the VM, twice that under traffic.
 */
static int env_count(const char *name, int dflt)
{
	const char *v = getenv(name);

	return v && atoi(v) > 0 ? atoi(v) : dflt;
}

/* Run a command that may lose a race (status 1) but must never crash. */
static int admin(const char *fmt, const char *arg)
{
	char cmd[256], out[2048];
	int st;

	snprintf(cmd, sizeof(cmd), fmt, arg);
	st = harness_sh(out, sizeof(out), "pidpolicy %s 2>&1", cmd);
	if (st != 0 && st != 1)
		violation("pidpolicy %s: status %d: %s", cmd, st, out);
	return st;
}

static void editor(int *done)
{
	static const char *const cmds[] = {
		"apply " POLICY_A, "apply " POLICY_B, "allow --ns any --uid 0 --pids %s",
		"revoke --ns any --uid 0 --pids %s", "mode --default audit",
		"mode --default enforce", "limit --ns any --max-chosen 5",
		"limit --ns any --max-chosen none", "show", "dump", "status",
		"explain --ns any --uid 0 --pid %s",
	};
	unsigned int seed = (unsigned int)getpid();
	char pid[16];

	snprintf(pid, sizeof(pid), "%d", sh->base + FORBIDDEN);
	while (!__atomic_load_n(done, __ATOMIC_ACQUIRE))
		admin(cmds[rand_r(&seed) % (sizeof(cmds) / sizeof(cmds[0]))], pid);
}

TEST_TIMEOUT(pidpolicy_commands_under_clone2_traffic_leave_a_sane_state, 300)
{
	struct traffic t;
	pid_t before[256], ed;
	int nbefore, reports = kernel_reports(), round, *done;
	int rounds = env_count("RACE_LOAD_CYCLES", 1);
	long start = now_ms();

	setup(&nbefore, before, 0, 0);
	done = mmap(NULL, sizeof(int), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_TRUE(done != MAP_FAILED);
	policy_from_file(POLICY_B);
	for (round = 0; round < rounds; round++) {
		*done = 0;
		start_traffic(&t, 4, 60);
		ed = fork();
		ASSERT_GE(ed, 0);
		if (ed == 0) {
			editor(done);
			_exit(0);
		}
		/* the editor and the racers go on all along */
		EXPECT_EQ(admin("unload", ""), 0);
		EXPECT_EQ(admin("load", ""), 0);
		__atomic_store_n(done, 1, __ATOMIC_RELEASE);
		ASSERT_EQ(wait_exit(ed), 0);
		stop_traffic(&t);
		/*
		 * Loaded under traffic: whole, and with no chosen pid left
		 * alive, the counters at 0 (a pid charged before the
		 * counting programs were attached would stay counted).
		 */
		expect_loaded_whole(1);
		expect_counts_zero();
		EXPECT_EQ(sh->violations, 0);
		printf("round %d done at %ld ms\n", round, now_ms() - start);
		fflush(stdout);
	}
	print_stats("traffic", now_ms() - start);
	EXPECT_GT(sh->successes, 0);
	/* a final load over it all: a sane, working policy */
	POLICY_OK("apply " POLICY_A);
	ASSERT_EQ(try_clone2(sh->base), 0);
	ASSERT_EQ(try_clone2(sh->base + FORBIDDEN), EPERM);
	expect_counts_zero();
	expect_no_new_nested(before, nbefore);
	EXPECT_EQ(kernel_reports(), reports);
	/* still loaded, for the next test */
}

/* ---- (3) two `pidpolicy load` at once ------------------------------------ */

/* RACE_LOAD_PAIRS, default 2: two loads at once take about 30 s in the VM. */

/* `pidpolicy load` with its output in path, started when go closes. */
static pid_t spawn_load(const int go[2], const char *path)
{
	pid_t pid = fork();
	char c;
	int fd;

	ASSERT_GE(pid, 0);
	if (pid == 0) {
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
			_exit(126);
		close(go[1]);
		if (read(go[0], &c, 1) != 0)
			_exit(126);
		execlp("pidpolicy", "pidpolicy", "load", (char *)NULL);
		_exit(127);
	}
	return pid;
}

/* 0 for "loaded", 1 for "already loaded", -1 for anything else. */
static int load_outcome(int status, const char *path)
{
	char out[1024];

	if (status != 0 || harness_read_file(path, out, sizeof(out)) < 0)
		return -1;
	if (!strcmp(out, "loaded: set a mode to apply the policy, e.g. "
		    "'pidpolicy mode --default audit'\n"))
		return 0;
	if (!strcmp(out, "pidpolicy: already loaded\n"))
		return 1;
	return -1;
}

TEST_TIMEOUT(concurrent_loads_leave_exactly_one_attached_set, 300)
{
	static const char *const outs[2] = { "/tmp/load0.out", "/tmp/load1.out" };
	int round, i, go[2], st[2], outcome[2], both = 0, one = 0;
	int reports = kernel_reports(), pairs = env_count("RACE_LOAD_PAIRS", 2);
	char out[1024];
	pid_t pid[2];
	long start = now_ms();

	sh = map_shared();
	harness_sh(NULL, 0, "pidpolicy unload 2>&1");
	expect_unloaded();
	for (round = 0; round < pairs; round++) {
		ASSERT_EQ(pipe(go), 0);
		for (i = 0; i < 2; i++)
			pid[i] = spawn_load(go, outs[i]);
		close(go[0]);
		close(go[1]);		/* both start now */
		for (i = 0; i < 2; i++) {
			st[i] = wait_exit(pid[i]);
			outcome[i] = load_outcome(st[i], outs[i]);
			if (outcome[i] < 0) {
				harness_read_file(outs[i], out, sizeof(out));
				printf("round %d, load %d: status %d: %s", round, i, st[i], out);
			}
		}
		EXPECT_TRUE(outcome[0] >= 0 && outcome[1] >= 0);
		/* one of them loaded, whatever the other says */
		EXPECT_TRUE(outcome[0] == 0 || outcome[1] == 0);
		both += outcome[0] == 0 && outcome[1] == 0;
		one += outcome[0] + outcome[1] == 1;
		expect_loaded_whole(0);
		POLICY_OK("unload");
		expect_unloaded();
	}
	printf("%d concurrent load pairs in %ld ms: both loaded %d times, "
	       "one found it already loaded %d times\n", pairs, now_ms() - start, both, one);
	EXPECT_EQ(kernel_reports(), reports);
}
