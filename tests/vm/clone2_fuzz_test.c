// SPDX-License-Identifier: GPL-2.0
/*
 * clone2(): a seeded fuzzer of the system call's ABI, in the VM.
 *
 * The test process is the coordinator: it draws every call from its own
 * PRNG (splitmix64, so a seed means the same sequence everywhere), has a
 * worker process run it, and compares what happened with what the kernel
 * must do, which it works out by replaying the kernel's checks in their
 * order (clone2() in kernel/fork.c, copy_process(), alloc_pid(), and the
 * pid policy's decision through include/pidpolicy_decide.h). Workers sit
 * at pid namespace levels 0-5, 31 and 32 of one chain of nested
 * namespaces, each with its own pid_max; one worker runs as uid 65534
 * without capabilities, one lives in a cgroup of its own. Every few
 * thousand calls the coordinator checks the policy's counters and the
 * processes in our namespaces against its model, and switches the pid
 * policy (`pidpolicy apply` of a random policy file, or unload).
 *
 * CLONE2_FUZZ_SEED=N (default below), CLONE2_FUZZ_CALLS=N (100000) and
 * CLONE2_FUZZ_EPOCH=N (calls between policy switches, default 4000-8000)
 * select the run; a failure prints the seed, the call number and the
 * arguments. The run's PRNG stream does not depend on CLONE2_FUZZ_CALLS,
 * so a shorter run replays a prefix of a longer one.
 *
 * Children never use their stack or libc: the assembly below makes the
 * system call and, in the child, waits on a futex word if asked to and
 * calls exit(). Any stack, TLS or CLONE_VM combination is thus harmless.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/futex.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "clone2.h"
#include "harness.h"
#include "vmtest.h"
#include "vmpolicy.h"

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

#define DEFAULT_SEED	0xc10e2f022a5eedULL
/*
 * 100,000 calls take about 6 minutes under TCG, KASAN and kmemleak: 97% are refused
 * in microseconds, the others copy the caller (20-200 ms each).
 */
#define DEFAULT_CALLS	100000
#define MAX_SWITCHES	100	/* an apply costs ~1 s in the VM, a load ~8 s */
#define BATCH		64	/* calls per command to a worker */
#define NHOLD		2	/* long-lived children per worker */
#define POOL		256	/* chosen pids come from a window this wide, */
#define POOL_DEEP	48	/* narrower at levels only the deep workers reach */
#define STACK_SIZE	(64 * 1024)
#define CTID_POISON	0x5a5a5a5a
#define KERNEL_ADDR	0xffffffff81000000ULL
#define LOW_ADDR	0x1000ULL	/* below mmap_min_addr: never mapped */
#define KNOWN_FLAGS	(0xffffffffULL | CLONE_CLEAR_SIGHAND)
#define NS_FLAGS	(CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWPID | \
			 CLONE_NEWNET | CLONE_NEWCGROUP | CLONE_NEWTIME)
#define THREAD_FLAGS	(CLONE_THREAD | CLONE_SIGHAND | CLONE_VM)
#define POLICY_FILE	"/tmp/clone2-fuzz.policy"
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define ULL(x)		((unsigned long long)(x))

/* ------------------------------------------------------------------------ */
/* The child side: raw clone2, then (in the child) wait and exit             */
/* ------------------------------------------------------------------------ */

#ifdef __x86_64__
/*
 * long fuzz_clone2(args, size, pids, hold): clone2(); returns the kernel's
 * value (pid or -errno). The child touches neither stack nor TLS: while
 * *hold is 0 (hold non-NULL) it waits on it with FUTEX_WAIT, then exits.
 */
long fuzz_clone2(const void *args, uint64_t size, const void *pids, int *hold)
	__attribute__((visibility("hidden")));

asm(".text\n"
    ".globl fuzz_clone2\n"
    ".hidden fuzz_clone2\n"
    ".type fuzz_clone2, @function\n"
    "fuzz_clone2:\n"
    "	push %r12\n"
    "	mov %rcx, %r12\n"		/* hold survives into the child */
    "	mov $" CLONE2_NR_STRING ", %eax\n"		/* args, size, pids: rdi, rsi, rdx */
    "	syscall\n"
    "	test %rax, %rax\n"
    "	jz 1f\n"
    "	pop %r12\n"
    "	ret\n"
    "1:	test %r12, %r12\n"
    "	jz 3f\n"
    "2:	cmpl $0, (%r12)\n"
    "	jne 3f\n"
    "	mov $202, %eax\n"		/* futex(hold, FUTEX_WAIT, 0, NULL) */
    "	mov %r12, %rdi\n"
    "	xor %esi, %esi\n"
    "	xor %edx, %edx\n"
    "	xor %r10d, %r10d\n"
    "	syscall\n"
    "	jmp 2b\n"
    "3:	mov $60, %eax\n"		/* exit(0): this thread only */
    "	xor %edi, %edi\n"
    "	syscall\n"
    "	hlt\n"
    ".size fuzz_clone2, .-fuzz_clone2\n");
#else
/* No start code for other architectures: the test skips. */
static long fuzz_clone2(const void *args, uint64_t size, const void *pids, int *hold)
{
	(void)args;
	(void)size;
	(void)pids;
	(void)hold;
	return -ENOSYS;
}
#endif

/* ------------------------------------------------------------------------ */
/* PRNG                                                                      */
/* ------------------------------------------------------------------------ */

struct rng {
	uint64_t s;
};

static uint64_t rnd(struct rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t below(struct rng *r, uint64_t n)
{
	return n ? rnd(r) % n : 0;
}

/* true with probability pm/1000 */
static int chance(struct rng *r, unsigned int pm)
{
	return below(r, 1000) < pm;
}

/* ------------------------------------------------------------------------ */
/* Calls, results and the shared mailbox                                     */
/* ------------------------------------------------------------------------ */

/* Where the struct is: the kinds, for the report. */
enum { AK_NORMAL, AK_MISALIGNED, AK_EDGE, AK_RO, AK_NULL, AK_LOW, AK_NONE,
       AK_KERNEL, AK_NONCANON };
static const char *const akind_name[] = { "normal", "misaligned", "edge", "read-only",
	"NULL", "unmapped", "PROT_NONE", "kernel", "non-canonical" };
/* Where the pids array is */
enum { PK_NULL, PK_NORMAL, PK_MISALIGNED, PK_EDGE, PK_RO, PK_LOW, PK_NONE, PK_KERNEL };
static const char *const pkind_name[] = { "NULL", "normal", "misaligned", "edge",
	"read-only", "unmapped", "PROT_NONE", "kernel" };
/* Where pidfd, parent_tid, child_tid point */
enum { PT_NULL, PT_VALID, PT_RO, PT_NONE, PT_LOW, PT_KERNEL, PT_GARBAGE, PT_SAME };
static const char *const ptkind_name[] = { "NULL", "valid", "read-only", "PROT_NONE",
	"unmapped", "kernel", "garbage", "=pidfd" };

/* One call, as the kernel will see it, and how the worker lays it out. */
struct fcall {
	uint64_t index;			/* in the run; sweep calls follow */
	struct clone2_args a;		/* the first 80 bytes, as read */
	uint64_t size;
	uint64_t args_addr;
	uint64_t pids_addr;
	uint32_t args_write;		/* bytes the worker writes at args_addr */
	uint32_t tail_nz;		/* offset of a nonzero tail byte, 0: none */
	uint32_t pids_write;		/* entries the worker writes */
	pid_t pids[MAX_LEVELS];		/* as read (entries beyond 32 never are) */
	int hold;			/* holder slot, -1: the child exits at once */
	pid_t probe_l0;			/* level-0 pid to look up in /proc first */
	uint8_t tail_val, akind, pkind, pidfd_kind, ptid_kind, ctid_kind;
	uint8_t shape, sweep;
	uint8_t costly;			/* gets as far as copy_process() copying */
	uint32_t faults;		/* what the generator broke on purpose */
};

struct fres {
	long ret;			/* pid, or -errno */
	int nspid_n;			/* NSpid entries read, 0: not read */
	pid_t nspid[MAX_NSPID];
	int status;			/* the child's exit status, -1: none */
	int l0_taken;			/* probe_l0 was in use before the call */
	int pidfd_slot;			/* the slots after the call */
	pid_t ptid_slot, ctid_slot;
	int usec;			/* the call and looking at its child */
	int werr;			/* the worker could not observe: errno */
	char wnote[160];		/* and what it saw then */
};

/* A process of ours: its NSpid line and its pid namespace's inode. */
struct rec {
	int n;
	pid_t nspid[MAX_NSPID];
	__u32 inum;
	__u32 children_inum;		/* helper: pid_for_children */
	int pid_max;			/* of its pid namespace */
};

enum { CMD_NONE, CMD_CALLS, CMD_UNSHARED, CMD_RELEASE, CMD_EXIT };

enum { W_D0, W_D1, W_D2, W_D3, W_D4, W_D5, W_D31, W_D32, W_NOBODY, NR_WORKERS };
static const int wdepth[NR_WORKERS] = { 0, 1, 2, 3, 4, 5, 31, 32, 0 };
static const char *const wname[NR_WORKERS] = { "depth0", "depth1", "depth2",
	"depth3", "depth4", "depth5", "depth31", "depth32", "nobody" };
/* how often each worker is the caller of a batch */
static const int wweight[NR_WORKERS] = { 18, 12, 12, 10, 10, 10, 9, 9, 10 };
/*
 * Calls that get as far as copying the caller's memory (copy_process()
 * before alloc_pid()), per mille: those cost 20-70 ms in the VM (80-300 ms
 * from level 32), like a child; the others are refused in microseconds.
 */
static const unsigned int wcostly[NR_WORKERS] = { 44, 30, 30, 30, 30, 30, 7, 7, 36 };
#define CGROUP_WORKER	W_D2

/*
 * pid_max of chain levels, larger than an ancestor's or smaller; the others
 * keep a new namespace's PID_MAX_LIMIT. Each level is bounded by its own
 * value only (mainline since 6.14).
 */
static const struct {
	int level, pid_max;
} pid_max_set[] = {
	{ 1, 40000 }, { 2, 20000 }, { 3, 30000 }, { 4, 5000 }, { 5, 1000 },
	{ 31, 600 }, { 32, 30000 },
};

struct box {
	int ready;			/* chain processes and workers set up */
	int setup_failed;
	int go[NR_WORKERS], done[NR_WORKERS];
	int cmd[NR_WORKERS], arg[NR_WORKERS];
	int fd_leak[NR_WORKERS];	/* lowest free fd moved: its number */
	int nr;
	struct fcall calls[BATCH];
	struct fres res[BATCH];
	struct rec init[MAX_LEVELS + 1];	/* I_k: pid 1 of chain level k */
	struct rec link[MAX_LEVELS + 1];	/* L_k: parent of I_k+1 */
	struct rec wrec[NR_WORKERS];		/* depth0, nobody */
	struct rec helper;			/* the unshared helper */
	int hold[NR_WORKERS][NHOLD];		/* futex words of holders */
	pid_t holder[NR_WORKERS][NHOLD];	/* in the worker's namespace */
};

/* Mapped before any fork: the same addresses in every process. */
static struct box *box;
static size_t page;
static char *args_arena;	/* 2 pages rw, 1 PROT_NONE */
static char *pids_arena;	/* 1 page rw, 1 PROT_NONE */
static char *misc;		/* rw (slots), read-only, PROT_NONE */
static char *stack_area;

struct slots {
	int pidfd;
	pid_t ptid;
	pid_t ctid;
	int tword;			/* what a thread child waits on */
};
#define SLOTS		((struct slots *)misc)
#define SLOT_ADDR(f)	(ULL(misc) + offsetof(struct slots, f))

static pid_t self_tid0;		/* the running process, in the initial ns */

static int unshared_helper;	/* this process did unshare(CLONE_NEWPID) */

/*
 * A child that may be pid 1 of a new namespace (CLONE_NEWPID, or the first
 * one after unshare()) and shares our signal handlers: when it dies,
 * zap_pid_ns_processes() sets *our* SIGCHLD to SIG_IGN, so it (with
 * exit_signal SIGCHLD) and later children are reaped by the kernel. The
 * worker holds it to see it, and restores SIGCHLD after.
 */
static int shares_init(uint64_t flags)
{
	return (flags & CLONE_SIGHAND) && ((flags & CLONE_NEWPID) || unshared_helper);
}

/* ------------------------------------------------------------------------ */
/* Small helpers                                                             */
/* ------------------------------------------------------------------------ */

static long futex_wait(int *addr, int val, const struct timespec *ts)
{
	return syscall(SYS_futex, addr, FUTEX_WAIT, val, ts, NULL, 0);
}

static void futex_wake(int *addr)
{
	syscall(SYS_futex, addr, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
}

/* All signals, 32 and 33 too (glibc's sigprocmask() leaves those out). */
static void block_signals(void)
{
	uint64_t all = ~0ULL;

	syscall(SYS_rt_sigprocmask, SIG_BLOCK, &all, NULL, sizeof(all));
}

/* Children's exit signals pile up, blocked: drop them now and then. */
static void drain_signals(void)
{
	uint64_t all = ~0ULL;
	struct timespec zero = { 0, 0 };

	while (syscall(SYS_rt_sigtimedwait, &all, NULL, &zero, sizeof(all)) > 0)
		;
}

static int proc_exists(pid_t pid)
{
	char path[32];

	snprintf(path, sizeof(path), "/proc/%d", (int)pid);
	return access(path, F_OK) == 0;
}

static __u32 inode_of(const char *path)
{
	struct stat st;

	return stat(path, &st) ? 0 : (__u32)st.st_ino;
}

static void record_self(struct rec *r)
{
	char buf[32];

	r->n = read_nspid("/proc/self/status", r->nspid);
	r->inum = inode_of("/proc/self/ns/pid");
	r->pid_max = harness_read_file("/proc/sys/kernel/pid_max", buf, sizeof(buf)) > 0 ?
		     atoi(buf) : -1;
	self_tid0 = r->n > 0 ? r->nspid[0] : 0;
}

static void post_ready(void)
{
	__atomic_add_fetch(&box->ready, 1, __ATOMIC_ACQ_REL);
	futex_wake(&box->ready);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ------------------------------------------------------------------------ */
/* Worker side                                                               */
/* ------------------------------------------------------------------------ */

/* The init-namespace tid of our other thread, 0 if there is none. */
static pid_t other_task(int *count)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	pid_t other = 0;

	*count = 0;
	if (!d)
		return 0;
	while ((e = readdir(d))) {
		pid_t t = (pid_t)atoi(e->d_name);

		if (t <= 0)
			continue;
		(*count)++;
		if (t != self_tid0)
			other = t;
	}
	closedir(d);
	return other;
}

/*
 * A thread child: read its NSpid while it waits, let it go, and wait
 * until it is released: gone from our thread list, and past
 * release_task(), whose tasklist_lock section a do_wait() waits out.
 */
static void observe_thread(struct fres *r, int *hold)
{
	char path[64];
	siginfo_t si;
	pid_t tid;
	int count, i;

	tid = other_task(&count);
	if (hold && tid > 0) {
		snprintf(path, sizeof(path), "/proc/self/task/%d/status", (int)tid);
		r->nspid_n = read_nspid(path, r->nspid);
	}
	if (hold) {
		__atomic_store_n(hold, 1, __ATOMIC_RELEASE);
		futex_wake(hold);
	}
	for (i = 0; ; i++) {
		other_task(&count);
		if (count <= 1)
			break;
		if (i > 20000 * (int)harness_timeout_scale()) {	/* 20 s a unit */
			r->werr = ETIMEDOUT;
			return;
		}
		usleep(i < 100 ? 0 : 1000);
	}
	waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT | __WALL);
	r->status = 0;
}

/* Why could we not reap the child: its state, our SIGCHLD disposition. */
static void note_wait_failure(struct fres *r)
{
	char buf[4096], path[64];
	const char *keys[] = { "\nState:", "\nPPid:", "\nSigIgn:" }, *p;
	size_t i, n = 0;

	r->werr = errno;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)r->nspid[0]);
	if (harness_read_file(path, buf, sizeof(buf)) <= 0)
		snprintf(buf, sizeof(buf), "\nState:\tgone\n");
	for (i = 0; i < 3; i++) {
		const char *src = i < 2 ? buf : NULL;
		char own[4096];

		if (!src) {
			if (harness_read_file("/proc/self/status", own, sizeof(own)) <= 0)
				continue;
			src = own;
		}
		p = strstr(src, keys[i]);
		if (p && n < sizeof(r->wnote) - 1)
			n += (size_t)snprintf(r->wnote + n, sizeof(r->wnote) - n, "%s%.*s",
					      i == 2 ? " ours:" : "", (int)strcspn(p + 1, "\n"), p + 1);
	}
}

/* A process child: its NSpid through a pidfd, then reap it (or keep it). */
/* Until the pid a pidfd refers to is released (fdinfo then shows -1). */
static void wait_released(int fd)
{
	char path[64], buf[512];
	siginfo_t si;
	int i;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	for (i = 0; i < 100000 * (int)harness_timeout_scale(); i++) {	/* 10 s a unit */
		if (harness_read_file(path, buf, sizeof(buf)) <= 0 || strstr(buf, "Pid:\t-1"))
			break;
		usleep(100);
	}
	/* free_pid() runs under tasklist_lock, which do_wait() takes */
	waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT | __WALL);
}

static void observe_child(const struct fcall *c, struct fres *r, int w, int *hold)
{
	struct slots *s = SLOTS;
	uint64_t f = c->a.flags;
	int pidfd = (f & CLONE_PIDFD) ? s->pidfd : -1;
	int fd = pidfd;
	char path[64];

	if (fd < 0)
		fd = (int)syscall(SYS_pidfd_open, (pid_t)r->ret, 0);
	if (fd >= 0) {
		snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
		r->nspid_n = read_nspid(path, r->nspid);
		if (r->nspid_n == 1 && r->nspid[0] < 0)
			r->nspid_n = 0;		/* already released */
	} else if (!(errno == ESRCH && shares_init(f))) {
		r->werr = errno;
	}
	if (c->hold >= 0) {
		box->holder[w][c->hold] = (pid_t)r->ret;
	} else {
		if (hold) {
			__atomic_store_n(hold, 1, __ATOMIC_RELEASE);
			futex_wake(hold);
		}
		r->status = wait_exit((pid_t)r->ret);
		if (r->status < 0 && errno == ECHILD && shares_init(f)) {
			if (fd >= 0)
				wait_released(fd);
			r->status = -2;		/* the kernel reaped it */
		} else if (r->status < 0) {
			note_wait_failure(r);
		}
		if (shares_init(f))
			signal(SIGCHLD, SIG_DFL);
	}
	if (fd >= 0)
		close(fd);
	if (pidfd >= 0 && pidfd != fd)
		close(pidfd);
}

/* No call may leave our SIGCHLD ignored (see shares_init()). */
static void sighand_check(struct fres *r)
{
	struct sigaction sa;

	if (!sigaction(SIGCHLD, NULL, &sa) && sa.sa_handler != SIG_DFL && !r->werr) {
		r->werr = EBADE;
		snprintf(r->wnote, sizeof(r->wnote), "our SIGCHLD handler is now %s",
			 sa.sa_handler == SIG_IGN ? "SIG_IGN" : "set");
		signal(SIGCHLD, SIG_DFL);
	}
}

static void run_call(const struct fcall *c, struct fres *r, int w)
{
	struct slots *s = SLOTS;
	uint64_t f = c->a.flags;
	int *hold = NULL;
	double t;

	memset(r, 0, sizeof(*r));
	r->status = -1;
	if (c->args_write) {
		char *dst = (char *)(uintptr_t)c->args_addr;
		size_t n = c->args_write;

		memset(dst, 0, n);
		memcpy(dst, &c->a, n < sizeof(c->a) ? n : sizeof(c->a));
		if (c->tail_nz && c->tail_nz < n)
			dst[c->tail_nz] = (char)c->tail_val;
	}
	if (c->pids_write)
		memcpy((void *)(uintptr_t)c->pids_addr, c->pids,
		       c->pids_write * sizeof(pid_t));
	s->pidfd = -1;
	s->ptid = 0;
	s->ctid = CTID_POISON;
	s->tword = 0;
	if (c->hold >= 0) {
		hold = &box->hold[w][c->hold];
		*hold = 0;
	} else if ((f & (CLONE_THREAD | CLONE_VFORK)) == CLONE_THREAD ||
		   (shares_init(f) && !(f & CLONE_VFORK))) {
		hold = &s->tword;	/* until we have seen it */
	}
	if (c->probe_l0 > 0)
		r->l0_taken = proc_exists(c->probe_l0);

	t = now_s();
	r->ret = fuzz_clone2((void *)(uintptr_t)c->args_addr, c->size,
			     (void *)(uintptr_t)c->pids_addr, hold);
	if (r->ret > 0) {
		if (f & CLONE_THREAD)
			observe_thread(r, hold);
		else
			observe_child(c, r, w, hold);
	}
	r->usec = (int)((now_s() - t) * 1e6);
	r->pidfd_slot = s->pidfd;
	r->ptid_slot = s->ptid;
	r->ctid_slot = s->ctid;
	if (r->ret > 0)
		sighand_check(r);
}

static void run_batch(int w)
{
	int i, fd;

	for (i = 0; i < box->nr; i++)
		run_call(&box->calls[i], &box->res[i], w);
	drain_signals();
	/* a failed CLONE_PIDFD must not leave an fd behind */
	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (fd != box->fd_leak[w])
		box->fd_leak[w] = -fd - 1000;
	if (fd >= 0)
		close(fd);
}

/*
 * The calls of the batch from a fresh helper process whose children go
 * into a new pid namespace, which has no init until one of them is.
 */
static void run_unshared(int w)
{
	pid_t pid = fork();
	int i;

	if (pid == 0) {
		if (unshare(CLONE_NEWPID))
			_exit(1);
		unshared_helper = 1;
		record_self(&box->helper);
		box->helper.children_inum = inode_of("/proc/self/ns/pid_for_children");
		for (i = 0; i < box->nr; i++)
			run_call(&box->calls[i], &box->res[i], w);
		_exit(0);
	}
	if (pid < 0 || wait_exit(pid) != 0)
		box->helper.n = -1;
}

static void release_holder(int w, int slot)
{
	int *word = &box->hold[w][slot];

	__atomic_store_n(word, 1, __ATOMIC_RELEASE);
	futex_wake(word);
	box->res[0].status = wait_exit(box->holder[w][slot]);
	box->holder[w][slot] = 0;
}

static void worker_loop(int w)
{
	int seq = 0, fd;

	block_signals();
	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	box->fd_leak[w] = fd;	/* the lowest free fd, from now on */
	close(fd);
	post_ready();
	for (;;) {
		int g;

		while ((g = __atomic_load_n(&box->go[w], __ATOMIC_ACQUIRE)) == seq)
			futex_wait(&box->go[w], seq, NULL);
		seq = g;
		switch (box->cmd[w]) {
		case CMD_CALLS:
			run_batch(w);
			break;
		case CMD_UNSHARED:
			run_unshared(w);
			break;
		case CMD_RELEASE:
			release_holder(w, box->arg[w]);
			break;
		case CMD_EXIT:
			_exit(0);
		}
		__atomic_store_n(&box->done[w], seq, __ATOMIC_RELEASE);
		futex_wake(&box->done[w]);
	}
}

static int worker_at(int level)
{
	int w;

	for (w = W_D1; w <= W_D32; w++)
		if (wdepth[w] == level)
			return w;
	return -1;
}

static void chain_init(int k);

/* L_k: makes level k+1 and stays its init's parent. */
static void chain_link(int k)
{
	pid_t pid;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	block_signals();
	record_self(&box->link[k]);
	if (unshare(CLONE_NEWPID)) {
		box->setup_failed = 1;
		_exit(1);
	}
	pid = fork();
	if (pid == 0)
		chain_init(k + 1);
	post_ready();
	_exit(pid > 0 ? wait_exit(pid) : 1);
}

/* I_k: pid 1 of chain level k; a worker if one sits at this level. */
static void chain_init(int k)
{
	char buf[16];
	size_t i;
	int w;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	block_signals();
	for (i = 0; i < ARRAY_SIZE(pid_max_set); i++) {
		if (pid_max_set[i].level != k)
			continue;
		snprintf(buf, sizeof(buf), "%d", pid_max_set[i].pid_max);
		if (try_write("/proc/sys/kernel/pid_max", buf))
			box->setup_failed = 1;
	}
	record_self(&box->init[k]);
	if (k < MAX_LEVELS && fork() == 0)
		chain_link(k);
	w = worker_at(k);
	if (w >= 0)
		worker_loop(w);
	post_ready();
	for (;;)
		pause();
}

/* ------------------------------------------------------------------------ */
/* The coordinator's model                                                   */
/* ------------------------------------------------------------------------ */

struct caller {
	int w;
	int depth;			/* level of its pid namespace */
	int is_init;			/* pid 1 there: CLONE_PARENT is refused */
	int priv;			/* root with every capability */
	__u64 uid, cgid;
	int unshared;			/* children go to a new namespace */
	int un_state;
	__u32 un_inum;
};
enum { UN_FRESH, UN_DEAD, UN_DEAD_NOREAPER };
static const char *const un_name[] = { "without init yet", "whose init died",
	"whose first fork failed" };

/* A live process of ours: levels 0..depth are chain namespaces. */
struct mproc {
	int used;
	const char *what;
	int depth;
	struct rec r;
	int w, slot;			/* a holder: its worker and slot */
	int ncharged;			/* chain levels the policy charged */
	int charged[MAX_NSPID];
};
#define MAX_PROCS 128
static struct mproc procs[MAX_PROCS];

/* The pid policy as the coordinator last applied it. */
struct mrule {
	__u32 ns, kind;
	__u64 id;
	int n;
	__u32 lo[3], hi[3];
	int level;			/* chain level of ns, -1: any */
};
struct mns {
	__u32 ns, mode, max;
};
struct mpolicy {
	int loaded;
	int nrules, nns;
	struct mrule rule[8];
	struct mns ns[16];
	char desc[200];
};
static struct mpolicy pol;

/* Decisions and live chosen pids, as the BPF program must count them. */
struct mcount {
	__u64 allowed, denied, audited;
	__s64 live;
};
static struct mcount cnt_chain[MAX_LEVELS + 1], cnt_other;

static struct {
	struct rng r;
	uint64_t seed, calls, epoch;
	int pid_max[MAX_LEVELS + 1];	/* of each chain level, its only bound */
	pid_t chosen_top[MAX_LEVELS + 1];	/* the highest pid in chosen[] */
	__u32 inum[MAX_LEVELS + 1];
	uint64_t task_size_max;
	int unpriv_userns;
	__u64 cgid_root, cgid_fuzz;
	char cgroup_path[128];
	int pool0;			/* level 0's window of chosen pids */
	pid_t wpid0[NR_WORKERS];	/* workers, in the initial namespace */
	int wpidfd[NR_WORKERS];
	pid_t d0, nobody, link0;
	uint8_t *chosen[MAX_LEVELS + 1];	/* pids chosen successfully */
	int kmsg;
	double t0;
} F;

/* What children cost, by kind and by the caller's level. */
enum { K_PROC, K_VM, K_THREAD, K_NEWPID, K_NS, K_LATE, K_EARLY, K_COUNT };
static const char *const kind_name[] = { "process", "clone-vm", "thread", "newpid",
	"other-ns", "refused late", "refused" };
static const char *const depth_name[] = { "level 0", "levels 1-5", "levels 31-32" };

static struct {
	uint64_t n[K_COUNT][3];
	double us[K_COUNT][3];
} cost;

static struct {
	uint64_t calls, ok, errs[256], switches, holds, releases, unshared;
	uint64_t sweep, sweep_skipped, l0_foreign, threads, newpid, loaded_calls;
	uint64_t denied, audited;
} st;

static const char *const mode_name[] = { "unset", "off", "audit", "enforce" };

/* The bound of level i for a caller: a namespace it creates has no own value yet. */
static int level_eff(const struct caller *cx, int i)
{
	return i <= cx->depth ? F.pid_max[i] : PID_MAX_LIMIT;
}

static struct mproc *proc_add(const char *what, int depth, const struct rec *r)
{
	int i;

	for (i = 0; i < MAX_PROCS; i++) {
		if (!procs[i].used) {
			memset(&procs[i], 0, sizeof(procs[i]));
			procs[i].used = 1;
			procs[i].what = what;
			procs[i].depth = depth;
			procs[i].r = *r;
			procs[i].w = procs[i].slot = -1;
			return &procs[i];
		}
	}
	harness_fail(__FILE__, __LINE__, 1, "too many processes in the model");
	return NULL;
}

/* Does a process of ours hold pid at chain level i? */
static const struct mproc *taken_by(int i, pid_t pid)
{
	int k;

	for (k = 0; k < MAX_PROCS; k++)
		if (procs[k].used && procs[k].depth >= i && procs[k].r.n > i &&
		    procs[k].r.nspid[i] == pid)
			return &procs[k];
	return NULL;
}

/* ------------------------------------------------------------------------ */
/* Memory layout                                                             */
/* ------------------------------------------------------------------------ */

/* Readable bytes from addr on, up to len. */
static uint64_t readable(uint64_t addr, uint64_t len)
{
	uint64_t a = ULL(args_arena), p = ULL(pids_arena), m = ULL(misc);
	uint64_t s = ULL(stack_area), end = 0;

	if (addr >= a && addr < a + 2 * page)
		end = a + 2 * page;
	else if (addr >= p && addr < p + page)
		end = p + page;
	else if (addr >= m && addr < m + 2 * page)
		end = m + 2 * page;
	else if (addr >= s && addr < s + STACK_SIZE)
		end = s + STACK_SIZE;
	if (!end)
		return 0;
	return end - addr < len ? end - addr : len;
}

static uint64_t ptr_of(int kind, uint64_t valid, struct rng *r)
{
	switch (kind) {
	case PT_VALID:
		return valid;
	case PT_RO:
		return ULL(misc) + page + 64;
	case PT_NONE:
		return ULL(misc) + 2 * page;
	case PT_LOW:
		return LOW_ADDR;
	case PT_KERNEL:
		return KERNEL_ADDR;
	case PT_GARBAGE:
		return rnd(r) | (1ULL << 63);
	case PT_SAME:
		return SLOT_ADDR(pidfd);
	}
	return 0;
}

/* ------------------------------------------------------------------------ */
/* The policy model: lookups for pidpolicy_decide.h                          */
/* ------------------------------------------------------------------------ */

static int rule_is(const struct mrule *m, const struct pidpolicy_rule_key *k)
{
	return m->ns == k->ns_inum && m->kind == k->caller_kind && m->id == k->caller_id;
}

static const struct pidpolicy_rule *
pidpolicy_lookup_rule(void *ctx, const struct pidpolicy_rule_key *key)
{
	static struct pidpolicy_rule found;
	const struct mpolicy *p = ctx;
	int i;

	for (i = 0; i < p->nrules; i++) {
		if (rule_is(&p->rule[i], key)) {
			found.nr_ranges = (__u32)p->rule[i].n;
			return &found;
		}
	}
	return NULL;
}

/* Rules for the same namespace and caller are one rule: OR their pids. */
static const struct pidpolicy_chunk *
pidpolicy_lookup_chunk(void *ctx, const struct pidpolicy_chunk_key *key)
{
	static struct pidpolicy_chunk chunk;
	const struct mpolicy *p = ctx;
	__u32 first = key->first_pid, last = first + PIDPOLICY_CHUNK_PIDS - 1, pid;
	int i, j, any = 0;

	memset(&chunk, 0, sizeof(chunk));
	for (i = 0; i < p->nrules; i++) {
		if (!rule_is(&p->rule[i], &key->rule))
			continue;
		for (j = 0; j < p->rule[i].n; j++) {
			__u32 lo = p->rule[i].lo[j], hi = p->rule[i].hi[j];

			for (pid = lo > first ? lo : first; pid <= hi && pid <= last; pid++) {
				chunk.allowed[(pid - first) / 64] |= 1ULL << ((pid - first) % 64);
				any = 1;
			}
		}
	}
	return any ? &chunk : NULL;
}

static const struct pidpolicy_ns_policy *
pidpolicy_lookup_ns(void *ctx, const struct pidpolicy_ns_policy_key *key)
{
	static struct pidpolicy_ns_policy found;
	const struct mpolicy *p = ctx;
	int i;

	for (i = 0; i < p->nns; i++) {
		if (p->ns[i].ns == key->ns_inum) {
			found.mode = p->ns[i].mode;
			found.max_chosen = p->ns[i].max;
			return &found;
		}
	}
	return NULL;
}

#include "pidpolicy_decide.h"

/*
 * The verdict for pid at a level; live: the namespace's count before.
 * *limited: the pid counts against a limit (when the call succeeds).
 */
static __u32 policy_verdict(const struct caller *cx, __u32 inum, pid_t pid, __s64 live,
			    int *limited)
{
	struct pidpolicy_query q = {
		.gen = 0,
		.ns_inum = inum,
		.pid = (__u32)pid,
		/* the model's namespaces live on: what apply writes is theirs */
		.own_entries = 1,
		.uid = cx->uid,
		.cgroup_id = cx->cgid,
		/* every rule: the kernel's summary, written by apply, must agree */
		.uses = PIDPOLICY_USES_ALL,
	};
	struct pidpolicy_decision d;

	pidpolicy_decide(&pol, &q, &d);
	/* as the BPF program does: charge, then compare, this one included */
	*limited = pidpolicy_limited(&d);
	if (*limited)
		pidpolicy_over_quota(&d, live + 1);
	return d.verdict;
}

/* ------------------------------------------------------------------------ */
/* What the kernel must do                                                   */
/* ------------------------------------------------------------------------ */

struct hook {
	int level;			/* chain level, -1: another namespace */
	__u32 verdict;
	int limited;			/* charged to the level's limit */
};

struct sim {
	int err;			/* 0: success */
	const char *why;
	int L;				/* the child's level */
	int nhook;
	struct hook hook[MAX_NSPID];
	int un_state;			/* of the unshared namespace after it */
	int child_init;			/* the child is pid 1 of its namespace */
};

#define EXPECT(e, w) do { s->err = (e); s->why = (w); return; } while (0)

static int stack_ok(uint64_t stack, uint64_t size)
{
	if (!stack)
		return size == 0;
	return size && size <= F.task_size_max && stack <= F.task_size_max - size;
}

/* copy_struct_from_user(): the tail, then the struct */
static void sim_args(const struct fcall *c, struct sim *s)
{
	uint64_t ra;

	if (c->size > page)
		EXPECT(E2BIG, "size above the page size");
	if (c->size < CLONE2_ARGS_SIZE_VER0)
		EXPECT(EINVAL, "size below CLONE2_ARGS_SIZE_VER0");
	ra = readable(c->args_addr, c->size);
	if (c->size > CLONE2_ARGS_SIZE_VER0) {
		/* word by word from the start of the tail; pages are words */
		if (c->tail_nz && c->tail_nz < ra)
			EXPECT(E2BIG, "nonzero byte in the tail");
		if (ra < c->size)
			EXPECT(EFAULT, "the tail is not readable");
	}
	if (ra < CLONE2_ARGS_SIZE_VER0)
		EXPECT(EFAULT, "the struct is not readable");
}

/*
 * Replays clone2()'s checks, copy_process()'s, copy_namespaces()' and
 * alloc_pid()'s in their order; r supplies what was in use at level 0.
 */
static void simulate(const struct fcall *c, const struct caller *cx,
		     const struct fres *r, struct sim *s)
{
	const struct clone2_args *a = &c->a;
	uint64_t f = a->flags;
	int i, newlevel, L, nr = (int)a->nr_pids;

	memset(s, 0, sizeof(*s));
	s->un_state = cx->un_state;
	sim_args(c, s);
	if (s->err)
		return;
	if (a->reserved0 || a->reserved1)
		EXPECT(EINVAL, "reserved field not 0");
	if (a->nr_pids > MAX_LEVELS)
		EXPECT(EINVAL, "nr_pids above 32");
	if ((c->pids_addr != 0) != (a->nr_pids > 0))
		EXPECT(EINVAL, "pids NULL iff nr_pids 0 violated");
	if ((a->exit_signal & ~(uint64_t)CSIGNAL) || a->exit_signal > 64)
		EXPECT(EINVAL, "invalid exit_signal");
	if (nr && readable(c->pids_addr, (uint64_t)nr * 4) < (uint64_t)nr * 4)
		EXPECT(EFAULT, "pids not readable");
	if (f & ~KNOWN_FLAGS)
		EXPECT(EINVAL, "unknown flag");
	if (f & (CLONE_DETACHED | (CSIGNAL & ~CLONE_NEWTIME)))
		EXPECT(EINVAL, "CLONE_DETACHED or a CSIGNAL bit");
	if ((f & (CLONE_SIGHAND | CLONE_CLEAR_SIGHAND)) ==
	    (CLONE_SIGHAND | CLONE_CLEAR_SIGHAND))
		EXPECT(EINVAL, "CLONE_SIGHAND with CLONE_CLEAR_SIGHAND");
	if ((f & (CLONE_THREAD | CLONE_PARENT)) && a->exit_signal)
		EXPECT(EINVAL, "exit_signal with CLONE_THREAD or CLONE_PARENT");
	if (!stack_ok(a->stack, a->stack_size))
		EXPECT(EINVAL, "bad stack");
	if ((f & CLONE_PIDFD) && (f & CLONE_PARENT_SETTID) && a->pidfd == a->parent_tid)
		EXPECT(EINVAL, "pidfd == parent_tid");

	/* copy_process() */
	if ((f & (CLONE_NEWNS | CLONE_FS)) == (CLONE_NEWNS | CLONE_FS))
		EXPECT(EINVAL, "CLONE_NEWNS with CLONE_FS");
	if ((f & (CLONE_NEWUSER | CLONE_FS)) == (CLONE_NEWUSER | CLONE_FS))
		EXPECT(EINVAL, "CLONE_NEWUSER with CLONE_FS");
	if ((f & CLONE_NEWUSER) && !F.unpriv_userns && !cx->priv)
		EXPECT(EPERM, "CLONE_NEWUSER unprivileged");
	if ((f & CLONE_THREAD) && !(f & CLONE_SIGHAND))
		EXPECT(EINVAL, "CLONE_THREAD without CLONE_SIGHAND");
	if ((f & CLONE_SIGHAND) && !(f & CLONE_VM))
		EXPECT(EINVAL, "CLONE_SIGHAND without CLONE_VM");
	if ((f & CLONE_PARENT) && cx->is_init)
		EXPECT(EINVAL, "CLONE_PARENT from a pid namespace's init");
	if ((f & CLONE_THREAD) && ((f & (CLONE_NEWUSER | CLONE_NEWPID)) || cx->unshared))
		EXPECT(EINVAL, "CLONE_THREAD into another pid or user namespace");
	/* CLONE_PIDFD with CLONE_THREAD is allowed since 6.9 (a thread pidfd) */
	/* copy_namespaces() */
	if (f & NS_FLAGS) {
		if (!cx->priv && !(f & CLONE_NEWUSER))
			EXPECT(EPERM, "new namespace without CAP_SYS_ADMIN");
		if ((f & (CLONE_NEWIPC | CLONE_SYSVSEM)) == (CLONE_NEWIPC | CLONE_SYSVSEM))
			EXPECT(EINVAL, "CLONE_NEWIPC with CLONE_SYSVSEM");
		if ((f & CLONE_NEWPID) && cx->unshared)
			EXPECT(EINVAL, "CLONE_NEWPID after unshare(CLONE_NEWPID)");
		if ((f & CLONE_NEWPID) && cx->depth + 1 > MAX_LEVELS)
			EXPECT(ENOSPC, "CLONE_NEWPID beyond level 32");
	}
	/* copy_thread() */
	if ((f & CLONE_SETTLS) && a->tls >= F.task_size_max)
		EXPECT(EPERM, "CLONE_SETTLS beyond TASK_SIZE_MAX");

	/* alloc_pid() checks every chosen level, the child's own first */
	newlevel = (f & CLONE_NEWPID) || cx->unshared;
	L = s->L = cx->depth + newlevel;
	s->child_init = newlevel && (!cx->unshared || cx->un_state == UN_FRESH);
	if (nr > L + 1)
		EXPECT(EINVAL, "nr_pids above the child's level + 1");
	for (i = L; i >= 0; i--) {
		int j = nr - 1 - (L - i), is_new = newlevel && i == L, reaper, cap;
		pid_t tid = j >= 0 ? c->pids[j] : 0;

		if (j < 0)
			continue;	/* the kernel chooses, always succeeds here */
		reaper = !is_new || (cx->unshared && cx->un_state == UN_DEAD);
		cap = cx->priv || (is_new && (f & CLONE_NEWUSER));
		if (tid < 0 || tid >= level_eff(cx, i))
			EXPECT(EINVAL, "pid out of [0, pid_max)");
		if (tid > 1 && !reaper)
			EXPECT(EINVAL, "pid > 1 in a namespace without init");
		if (tid && !cap)
			EXPECT(EPERM, "choosing a pid without CAP_CHECKPOINT_RESTORE");
	}
	/* then it asks the pid_choose hook about each chosen level */
	for (i = L; i >= 0; i--) {
		int j = nr - 1 - (L - i), is_new = newlevel && i == L, reaper;
		pid_t tid = j >= 0 ? c->pids[j] : 0;

		reaper = !is_new || (cx->unshared && cx->un_state == UN_DEAD);
		if (tid && (tid != 1 || reaper) && pol.loaded) {
			struct hook *h = &s->hook[s->nhook++];
			__s64 live = is_new ? 0 : cnt_chain[i].live;

			h->level = is_new ? -1 : i;
			h->verdict = policy_verdict(cx, is_new ? cx->un_inum : F.inum[i],
						    tid, live, &h->limited);
			if (h->verdict == PIDPOLICY_DENY)
				EXPECT(EPERM, "the pid policy denies the pid");
		}
	}
	/* then it takes them: every level's checks come before any pid is taken */
	for (i = L; i >= 0; i--) {
		int j = nr - 1 - (L - i), is_new = newlevel && i == L;
		pid_t tid = j >= 0 ? c->pids[j] : 0;

		if (tid && !is_new && (i == 0 ? r->l0_taken : taken_by(i, tid) != NULL))
			EXPECT(EEXIST, "pid in use");
	}
	if (cx->unshared && cx->un_state != UN_FRESH)
		EXPECT(ENOMEM, "the namespace's init is gone");
	if ((f & CLONE_PIDFD) && c->pidfd_kind != PT_VALID) {
		/* the pid was taken and is freed again: a first one kills the ns */
		if (cx->unshared && cx->un_state == UN_FRESH)
			s->un_state = UN_DEAD_NOREAPER;
		EXPECT(EFAULT, "pidfd not writable");
	}
	if (cx->unshared)
		s->un_state = UN_DEAD;
	s->why = "valid";
}

/* ------------------------------------------------------------------------ */
/* Generating calls                                                          */
/* ------------------------------------------------------------------------ */

enum { F_SIZE, F_TAIL, F_ARGSPTR, F_RESERVED, F_NRPIDS, F_SIGNAL, F_PIDSPTR,
       F_FLAGS, F_STACK, F_PIDFD, F_TLS, F_PIDVAL, F_COUNT };
static const char *const fault_name[] = { "size", "tail", "args-pointer",
	"reserved", "nr_pids", "exit_signal", "pids-pointer", "flags", "stack",
	"pidfd-pointer", "tls", "pid-values" };
enum { S_PROC, S_VMPROC, S_THREAD, S_RANDOM, S_COMBO, S_GARBAGE, S_SWEEP };
static const char *const shape_name[] = { "process", "vm-process", "thread",
	"random-flags", "bad-combination", "garbage-flags", "sweep" };

/* The window chosen pids of a level come from, and its size. */
static void pool_of(int level, int eff, int *lo, int *n)
{
	int size = level > 5 ? POOL_DEEP : POOL;

	if (level == 0) {
		*lo = F.pool0;
		*n = POOL;
	} else {
		*lo = 2;
		*n = eff - 2 < size ? eff - 2 : size;
	}
}

static pid_t free_pid_at(struct rng *r, const struct caller *cx, int level)
{
	int eff = level_eff(cx, level), lo, n, i;

	/* a rule's pids half of the time, when a rule is for this level */
	if (pol.loaded && pol.nrules && chance(r, 500)) {
		const struct mrule *m = &pol.rule[below(r, (uint64_t)pol.nrules)];

		if (level <= cx->depth && (m->level < 0 || m->level == level)) {
			i = (int)below(r, (uint64_t)m->n);
			if ((int)m->lo[i] < eff) {
				__u32 hi = m->hi[i] < (__u32)eff ? m->hi[i] : (__u32)eff - 1;

				return (pid_t)(m->lo[i] + below(r, hi - m->lo[i] + 1));
			}
		}
	}
	if (chance(r, 30))
		return (pid_t)(eff - 1 - (int)below(r, 4));	/* the last ones */
	pool_of(level, eff, &lo, &n);
	return (pid_t)(lo + (int)below(r, (uint64_t)n));
}

/* A pid a process of ours holds at chain level i; 1 if there is none. */
static pid_t taken_pid_at(struct rng *r, int i)
{
	int idx[MAX_PROCS], n = 0, k;

	for (k = 0; k < MAX_PROCS; k++)
		if (procs[k].used && procs[k].depth >= i && procs[k].r.n > i)
			idx[n++] = k;
	if (!n)
		return 1;
	return procs[idx[below(r, (uint64_t)n)]].r.nspid[i];
}

static pid_t bad_pid_at(struct rng *r, const struct caller *cx, int level, int is_new)
{
	int eff = level_eff(cx, level);

	switch (below(r, 10)) {
	case 0:
	case 1:
		return is_new ? (pid_t)(2 + below(r, 100)) : taken_pid_at(r, level);
	case 2:
		return (pid_t)(eff + (int)below(r, 10));
	case 3:
		return (pid_t)(eff + 1);
	case 4:
		return chance(r, 500) ? PID_MAX_LIMIT : INT_MAX;
	case 5:
		return -1;
	case 6:
		return chance(r, 500) ? INT_MIN : -(pid_t)(1 + below(r, 1000000));
	case 7:
		return is_new ? 2 : 1;
	case 8:
		return (pid_t)eff;
	default:
		return (pid_t)rnd(r);
	}
}

/* Flags for a clean call of the shape; fields they use are set later. */
static uint64_t clean_flags(struct rng *r, const struct caller *cx, int hold, int shape)
{
	uint64_t f = 0;

	if (shape == S_THREAD) {
		f = THREAD_FLAGS;
		if (chance(r, 50))
			f |= CLONE_VFORK;
		if (chance(r, 150))
			f |= CLONE_SETTLS;
		if (chance(r, 200))
			f |= CLONE_PARENT_SETTID;
		if (chance(r, 150))
			f |= CLONE_CHILD_SETTID;
		if (chance(r, 200))
			f |= CLONE_CHILD_CLEARTID;
		if (chance(r, 100))
			f |= CLONE_FILES;
		if (chance(r, 100))
			f |= CLONE_FS;
		if (chance(r, 100))
			f |= CLONE_SYSVSEM;
		if (chance(r, 50))
			f |= CLONE_IO;
		return f;
	}
	if (shape == S_VMPROC) {
		f = CLONE_VM;
		if (chance(r, 300))
			f |= CLONE_SIGHAND;
		if (hold < 0 && chance(r, 150))
			f |= CLONE_VFORK;
	} else if (hold < 0 && chance(r, 80)) {
		f |= CLONE_VFORK;
	}
	if (chance(r, 100))
		f |= CLONE_FILES;
	if (chance(r, 100))
		f |= CLONE_FS;
	if (chance(r, 80))
		f |= CLONE_SYSVSEM;
	if (chance(r, 50))
		f |= CLONE_IO;
	if (chance(r, 50))
		f |= CLONE_UNTRACED;
	if (chance(r, 30))
		f |= CLONE_PTRACE;
	if (!(f & CLONE_SIGHAND) && chance(r, 80))
		f |= CLONE_CLEAR_SIGHAND;
	if (chance(r, 80))
		f |= CLONE_SETTLS;
	if (chance(r, 150))
		f |= CLONE_PIDFD;
	if (chance(r, 120))
		f |= CLONE_PARENT_SETTID;
	if (chance(r, 60))
		f |= CLONE_CHILD_SETTID;
	if (chance(r, 60))
		f |= CLONE_CHILD_CLEARTID;
	if (!cx->unshared && cx->priv && !(hold >= 0 && (f & CLONE_SIGHAND)) && chance(r, 250))
		f |= CLONE_NEWPID;
	/* namespaces cost a lot under KASAN: now and then */
	if (cx->priv || chance(r, 200)) {
		if (!(f & CLONE_FS) && chance(r, 30))
			f |= CLONE_NEWUSER;
		if (cx->priv || (f & CLONE_NEWUSER)) {
			if (chance(r, 30))
				f |= CLONE_NEWUTS;
			if (!(f & CLONE_SYSVSEM) && chance(r, 30))
				f |= CLONE_NEWIPC;
			if (!(f & CLONE_FS) && chance(r, 20))
				f |= CLONE_NEWNS;
			if (chance(r, 20))
				f |= CLONE_NEWCGROUP;
			if (chance(r, 10))
				f |= CLONE_NEWTIME;
			if (chance(r, 2))
				f |= CLONE_NEWNET;
		}
	}
	return f;
}

/*
 * A combination clone2() or copy_process() refuses with EINVAL on top of f,
 * before copying anything; late: CLONE_NEWIPC with CLONE_SYSVSEM, which
 * copy_namespaces() refuses.
 */
static uint64_t bad_combo(struct rng *r, struct fcall *c, uint64_t f, int late)
{
	if (late)
		return f | CLONE_NEWIPC | CLONE_SYSVSEM;
	switch (below(r, 13)) {
	case 0:
		return f | CLONE_NEWNS | CLONE_FS;
	case 1:
		return f | CLONE_NEWUSER | CLONE_FS;
	case 2:
		return (f | CLONE_THREAD | CLONE_VM) & ~CLONE_SIGHAND;
	case 3:
		return (f | CLONE_SIGHAND) & ~CLONE_VM;
	case 4:
		c->a.exit_signal = c->a.exit_signal ? c->a.exit_signal : SIGCHLD;
		return f | CLONE_PARENT;
	case 5:
		return f | THREAD_FLAGS | CLONE_NEWPID;
	case 6:
		return f | THREAD_FLAGS | CLONE_NEWUSER;
	case 7:
		return f | CLONE_NEWUSER | CLONE_FS;
	case 8:
		return f | CLONE_SIGHAND | CLONE_VM | CLONE_CLEAR_SIGHAND;
	case 9:
		return f | CLONE_DETACHED;
	case 10:
		return f | (1 + below(r, 0x7f));	/* a CSIGNAL bit */
	case 11:
		return f | CLONE_INTO_CGROUP;
	default:
		return f | (1ULL << (34 + below(r, 30)));
	}
}

static uint64_t random_flags(struct rng *r)
{
	uint64_t f = 0;
	int b;

	for (b = 0; b <= 32; b++)
		if (chance(r, 150))
			f |= 1ULL << b;
	if (!chance(r, 20))
		f &= ~(uint64_t)CLONE_NEWNET;
	return f;
}

/* Flags with a bit clone2() does not know (CLONE_INTO_CGROUP and above). */
static uint64_t garbage_u64(struct rng *r)
{
	switch (below(r, 3)) {
	case 0:
		return rnd(r) | (1ULL << (33 + below(r, 31)));
	case 1:
		return ~0ULL;
	default:
		return 1ULL << (33 + below(r, 31));
	}
}

static void gen_call(struct rng *r, const struct caller *cx, int hold, struct fcall *c)
{
	struct clone2_args *a = &c->a;
	uint32_t faults = 0;
	uint64_t f;
	int shape, L, nr, i, k, mismatch;

	memset(c, 0, sizeof(*c));
	c->index = st.calls;
	c->hold = hold;
	/*
	 * Most calls are cheap: 1-3 faults, one of which the kernel finds
	 * before it copies anything. Of the costly ones (holders always),
	 * two thirds have no fault, the others one found late.
	 */
	if (hold >= 0 || chance(r, cx->unshared ? 250 : wcostly[cx->w])) {
		c->costly = 1;
		if (hold < 0 && chance(r, 350)) {
			static const int late[] = { F_PIDVAL, F_PIDVAL, F_NRPIDS, F_TLS,
						    F_PIDFD, F_FLAGS };

			faults = 1u << late[below(r, ARRAY_SIZE(late))];
		}
	} else {
		static const int early[] = { F_SIZE, F_TAIL, F_ARGSPTR, F_RESERVED,
					     F_NRPIDS, F_SIGNAL, F_PIDSPTR, F_FLAGS, F_STACK };

		faults = 1u << early[below(r, ARRAY_SIZE(early))];
		k = (int)below(r, 3);
		for (i = 0; i < k; i++)
			faults |= 1u << below(r, F_COUNT);
	}
	c->faults = faults;

	/* flags, exit_signal */
	i = (int)below(r, 100);
	/* CLONE_VM children and threads cost a fifth of a fork here */
	shape = hold >= 0 ? (i < 50 ? S_PROC : S_VMPROC) :
		i < 35 ? S_PROC : i < 70 ? S_VMPROC : S_THREAD;
	if (faults & (1u << F_FLAGS)) {
		i = (int)below(r, 100);
		shape = c->costly ? (i < 60 ? S_RANDOM : S_COMBO) : i < 70 ? S_COMBO : S_GARBAGE;
	}
	c->shape = (uint8_t)shape;
	switch (shape) {
	case S_RANDOM:
		f = random_flags(r);
		break;
	case S_GARBAGE:
		f = garbage_u64(r);
		break;
	case S_COMBO:
		f = clean_flags(r, cx, hold, below(r, 2) ? S_PROC : S_VMPROC);
		break;
	default:
		f = clean_flags(r, cx, hold, shape);
	}
	if (shape == S_THREAD) {
		a->exit_signal = 0;
	} else {
		i = (int)below(r, 100);
		a->exit_signal = i < 75 ? SIGCHLD : i < 85 ? 0 : 1 + below(r, 64);
		/* SIGKILL and SIGSTOP would hit a parent that is no init */
		if (!cx->is_init && (a->exit_signal == SIGKILL || a->exit_signal == SIGSTOP))
			a->exit_signal = SIGCHLD;
	}
	if (shape == S_COMBO)
		f = bad_combo(r, c, f, c->costly);
	if (faults & (1u << F_SIGNAL)) {
		switch (below(r, 5)) {
		case 0:
			a->exit_signal = 65 + below(r, 191);
			break;
		case 1:
			a->exit_signal = (1ULL << (32 + below(r, 32))) | SIGCHLD;
			break;
		case 2:
			a->exit_signal = 256;
			break;
		case 3:
			a->exit_signal = ~0ULL;
			break;
		default:
			a->exit_signal = 65;
		}
	}
	/* a sibling would be our parent's to reap: keep CLONE_PARENT failing */
	if ((f & CLONE_PARENT) && !(f & CLONE_THREAD) && !cx->is_init && !a->exit_signal)
		a->exit_signal = SIGCHLD;
	a->flags = f;

	/* stack and tls */
	if (f & CLONE_VM ? chance(r, 850) : chance(r, 100)) {
		a->stack_size = 4096 + below(r, STACK_SIZE - 4096 + 1);
		a->stack = ULL(stack_area) + (STACK_SIZE - a->stack_size);
	} else if (chance(r, 50)) {
		a->stack = 0x10000;		/* not mapped, but a user range */
		a->stack_size = 4096;
	}
	if (faults & (1u << F_STACK)) {
		switch (below(r, 6)) {
		case 0:
			a->stack = 0;
			a->stack_size = 1 + below(r, 65536);
			break;
		case 1:
			a->stack = ULL(stack_area);
			a->stack_size = 0;
			break;
		case 2:
			a->stack = F.task_size_max - 4096;
			a->stack_size = 4097;
			break;
		case 3:
			a->stack = ULL(stack_area);
			a->stack_size = F.task_size_max + 1;
			break;
		case 4:
			a->stack = ~0ULL - below(r, 4096);
			a->stack_size = 8 + below(r, 8192);
			break;
		default:
			a->stack = rnd(r);
			a->stack_size = rnd(r) >> below(r, 64);
			if (stack_ok(a->stack, a->stack_size))
				a->stack_size = 0;
		}
	}
	i = (int)below(r, 10);
	a->tls = i < 5 ? SLOT_ADDR(tword) + 64 : i < 7 ? 0 :
		 i < 9 ? below(r, F.task_size_max) : F.task_size_max - 1;
	if (faults & (1u << F_TLS)) {
		a->flags |= CLONE_SETTLS;
		a->tls = chance(r, 500) ? F.task_size_max + below(r, 1 << 20) : rnd(r) | (1ULL << 63);
	}
	f = a->flags;

	/* pidfd, parent_tid, child_tid */
	c->pidfd_kind = (f & CLONE_PIDFD) ? PT_VALID : (uint8_t)below(r, PT_SAME);
	if (faults & (1u << F_PIDFD)) {
		a->flags |= CLONE_PIDFD;
		c->pidfd_kind = (uint8_t)(chance(r, 150) ? PT_NULL : PT_RO + below(r, PT_SAME - PT_RO));
		if (chance(r, 200)) {		/* parent_tid == pidfd */
			a->flags |= CLONE_PARENT_SETTID;
			c->pidfd_kind = PT_VALID;
			c->ptid_kind = PT_SAME;
		}
	}
	if (c->ptid_kind != PT_SAME)
		c->ptid_kind = (uint8_t)(chance(r, 700) ? PT_VALID : below(r, PT_SAME + 1));
	c->ctid_kind = (uint8_t)(chance(r, 700) ? PT_VALID : below(r, PT_SAME));
	a->pidfd = ptr_of(c->pidfd_kind, SLOT_ADDR(pidfd), r);
	a->parent_tid = ptr_of(c->ptid_kind, SLOT_ADDR(ptid), r);
	a->child_tid = ptr_of(c->ctid_kind, SLOT_ADDR(ctid), r);
	f = a->flags;

	/* nr_pids and the pids */
	L = cx->depth + (((f & CLONE_NEWPID) || cx->unshared) ? 1 : 0);
	if (L > MAX_LEVELS)
		L = MAX_LEVELS;
	i = (int)below(r, 100);
	if (hold >= 0)
		nr = i < 10 ? 0 : i < 70 ? L + 1 : 1 + (int)below(r, (uint64_t)L + 1);
	else
		nr = i < 30 ? 0 : i < 58 ? L + 1 : i < 79 ? 1 : 1 + (int)below(r, (uint64_t)L + 1);
	if (nr > MAX_LEVELS)
		nr = MAX_LEVELS;
	/* a costly call's fault in nr_pids: more than the child's levels */
	if ((faults & (1u << F_NRPIDS)) && c->costly && L + 2 > MAX_LEVELS)
		faults = c->faults = 1u << F_PIDVAL;
	if ((faults & (1u << F_PIDVAL)) && c->costly && !nr)
		nr = 1 + (int)below(r, (uint64_t)(L < MAX_LEVELS ? L + 1 : MAX_LEVELS));
	for (k = 0; k < nr; k++) {
		int level = L - (nr - 1 - k);
		int is_new = L > cx->depth && level == L;

		if (is_new) {
			if (cx->unshared && cx->un_state != UN_FRESH && chance(r, 400))
				c->pids[k] = free_pid_at(r, cx, level);
			else
				c->pids[k] = chance(r, 500) ? 1 : 0;
		} else {
			c->pids[k] = chance(r, hold >= 0 ? 250 : 450) ? 0 : free_pid_at(r, cx, level);
		}
		if ((faults & (1u << F_PIDVAL)) && chance(r, 300))
			c->pids[k] = bad_pid_at(r, cx, level, is_new);
	}
	if ((faults & (1u << F_PIDVAL)) && nr) {	/* one bad entry at least */
		k = (int)below(r, (uint64_t)nr);
		c->pids[k] = bad_pid_at(r, cx, L - (nr - 1 - k), L > cx->depth && k == nr - 1);
	}
	a->nr_pids = (__u32)nr;
	mismatch = 0;
	if (faults & (1u << F_NRPIDS)) {
		switch (c->costly ? 0 : 1 + below(r, 3)) {
		case 0:		/* more than the child has levels: alloc_pid() */
			nr = L + 2 + (int)below(r, (uint64_t)(MAX_LEVELS - L - 1));
			for (k = 0; k < nr; k++)
				c->pids[k] = chance(r, 500) ? 0 : 2 + (pid_t)below(r, 100);
			a->nr_pids = (__u32)nr;
			break;
		case 1:		/* more than any child has */
			a->nr_pids = (__u32)(chance(r, 500) ? 33 + below(r, 100) : rnd(r));
			if (a->nr_pids <= MAX_LEVELS)
				a->nr_pids = MAX_LEVELS + 1;
			break;
		default:	/* pids must be NULL iff nr_pids is 0 */
			mismatch = 1;
		}
	}

	/* where the pids are */
	nr = a->nr_pids <= MAX_LEVELS ? (int)a->nr_pids : 0;
	if (mismatch)
		c->pkind = a->nr_pids ? PK_NULL : PK_NORMAL;
	else if ((faults & (1u << F_PIDSPTR)) && nr && chance(r, 500))
		c->pkind = chance(r, 300) ? PK_NULL : PK_EDGE;
	else if (faults & (1u << F_PIDSPTR))
		c->pkind = (uint8_t)(PK_LOW + below(r, 3));
	else if (!a->nr_pids)
		c->pkind = PK_NULL;
	else
		c->pkind = (uint8_t)(chance(r, 850) ? PK_NORMAL : PK_MISALIGNED + below(r, 3));
	switch (c->pkind) {
	case PK_NORMAL:
		c->pids_addr = ULL(pids_arena) + 4 * below(r, 64);
		break;
	case PK_MISALIGNED:
		c->pids_addr = ULL(pids_arena) + 1 + 4 * below(r, 16) + below(r, 3);
		break;
	case PK_EDGE:	/* ends at the PROT_NONE page, or crosses into it */
		k = (faults & (1u << F_PIDSPTR)) ? (int)below(r, (uint64_t)nr) : nr;
		c->pids_addr = ULL(pids_arena) + page - 4 * (uint64_t)k;
		break;
	case PK_RO:
		c->pids_addr = ULL(misc) + page + 128;
		memset(c->pids, 0, sizeof(c->pids));	/* what is there */
		break;
	case PK_LOW:
		c->pids_addr = LOW_ADDR;
		break;
	case PK_NONE:
		c->pids_addr = ULL(pids_arena) + page;
		break;
	case PK_KERNEL:
		c->pids_addr = KERNEL_ADDR;
		break;
	default:
		c->pids_addr = 0;
	}
	if (c->pkind == PK_NORMAL || c->pkind == PK_MISALIGNED || c->pkind == PK_EDGE)
		c->pids_write = (uint32_t)(readable(c->pids_addr, (uint64_t)nr * 4) / 4);

	/* reserved */
	if (faults & (1u << F_RESERVED)) {
		if (chance(r, 600))
			a->reserved0 = (__u32)(1 + below(r, UINT32_MAX));
		if (!a->reserved0 || chance(r, 300))
			a->reserved1 = 1ULL << below(r, 64);
	}

	/* size and tail */
	i = (int)below(r, 100);
	c->size = i < 85 ? CLONE2_ARGS_SIZE_VER0 :
		  i < 95 ? CLONE2_ARGS_SIZE_VER0 + 1 + below(r, page - CLONE2_ARGS_SIZE_VER0) : page;
	if (faults & (1u << F_SIZE)) {
		static const uint64_t big[] = { 4097, 8192, 65536, 1ULL << 32, ~0ULL, 1ULL << 63 };

		c->size = chance(r, 500) ? below(r, CLONE2_ARGS_SIZE_VER0) :
			  big[below(r, ARRAY_SIZE(big))];
	}
	if (faults & (1u << F_TAIL)) {
		c->size = CLONE2_ARGS_SIZE_VER0 + 1 + below(r, page - CLONE2_ARGS_SIZE_VER0);
		c->tail_nz = (uint32_t)(CLONE2_ARGS_SIZE_VER0 + below(r, c->size - CLONE2_ARGS_SIZE_VER0));
		c->tail_val = (uint8_t)(1 + below(r, 255));
	}

	/* where the struct is */
	i = (int)below(r, 100);
	c->akind = i < 85 ? AK_NORMAL : i < 90 ? AK_MISALIGNED : i < 98 || faults ? AK_EDGE : AK_RO;
	if (faults & (1u << F_ARGSPTR))
		c->akind = (uint8_t)(chance(r, 300) ? AK_EDGE : AK_NULL + below(r, 5));
	switch (c->akind) {
	case AK_NORMAL:
		c->args_addr = ULL(args_arena) + 8 * below(r, 64);
		break;
	case AK_MISALIGNED:
		c->args_addr = ULL(args_arena) + 1 + 2 * below(r, 100);
		break;
	case AK_EDGE: {
		uint64_t sz = c->size <= page ? c->size : CLONE2_ARGS_SIZE_VER0;
		uint64_t fit = (faults & (1u << F_ARGSPTR)) ? below(r, sz) : sz;

		c->args_addr = ULL(args_arena) + 2 * page - fit;
		break;
	}
	case AK_RO:	/* a zero struct nobody can write to */
		c->args_addr = ULL(misc) + page;
		memset(a, 0, sizeof(*a));
		c->tail_nz = 0;
		break;
	case AK_NULL:
		c->args_addr = 0;
		break;
	case AK_LOW:
		c->args_addr = LOW_ADDR;
		break;
	case AK_NONE:
		c->args_addr = ULL(args_arena) + 2 * page;
		break;
	case AK_KERNEL:
		c->args_addr = KERNEL_ADDR;
		break;
	default:
		c->args_addr = F.task_size_max - 40;
	}
	if (c->akind != AK_RO)
		c->args_write = (uint32_t)readable(c->args_addr, c->size <= page ? c->size :
						   CLONE2_ARGS_SIZE_VER0);

	/* what was in use at level 0, seen just before the call */
	L = cx->depth + (((a->flags & CLONE_NEWPID) || cx->unshared) ? 1 : 0);
	nr = a->nr_pids <= MAX_LEVELS ? (int)a->nr_pids : 0;
	if (c->costly && nr == L + 1 && c->pids[0] > 0)
		c->probe_l0 = c->pids[0];
}

/* ------------------------------------------------------------------------ */
/* Reports                                                                   */
/* ------------------------------------------------------------------------ */

static const char *errname(int e)
{
	return e ? harness_errno_name(e) : "success";
}

static int documented(int e)
{
	static const int ok[] = { E2BIG, EAGAIN, EEXIST, EFAULT, EINVAL, ENOMEM,
				  ENOSPC, ENOSYS, EPERM };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(ok); i++)
		if (ok[i] == e)
			return 1;
	return 0;
}

static void print_rerun(void)
{
	const char *epoch = getenv("CLONE2_FUZZ_EPOCH");

	printf("# rerun: CLONE2_FUZZ_SEED=%#llx CLONE2_FUZZ_CALLS=%llu%s%s /tests/clone2_fuzz_test\n",
	       ULL(F.seed), ULL(F.calls), epoch ? " CLONE2_FUZZ_EPOCH=" : "",
	       epoch ? epoch : "");
}

static void dump_call(const struct fcall *c, const struct caller *cx)
{
	const struct clone2_args *a = &c->a;
	int i, nr = a->nr_pids <= MAX_LEVELS ? (int)a->nr_pids : 0;

	printf("#   caller: worker %s, pid namespace level %d%s%s, uid %llu%s\n",
	       wname[cx->w], cx->depth, cx->is_init ? " (its init)" : "",
	       cx->unshared ? ", after unshare(CLONE_NEWPID)" : "", ULL(cx->uid),
	       cx->w == CGROUP_WORKER ? ", own cgroup" : "");
	if (cx->unshared)
		printf("#   children's namespace: %u, %s\n", cx->un_inum, un_name[cx->un_state]);
	printf("#   clone2(args=%#llx (%s), size=%llu, pids=%#llx (%s, %u readable entries))\n",
	       ULL(c->args_addr), akind_name[c->akind], ULL(c->size), ULL(c->pids_addr),
	       pkind_name[c->pkind], c->pids_write);
	printf("#   flags=%#llx (%s) exit_signal=%#llx\n", ULL(a->flags), shape_name[c->shape],
	       ULL(a->exit_signal));
	printf("#   pidfd=%#llx (%s) child_tid=%#llx (%s) parent_tid=%#llx (%s)\n",
	       ULL(a->pidfd), ptkind_name[c->pidfd_kind], ULL(a->child_tid),
	       ptkind_name[c->ctid_kind], ULL(a->parent_tid), ptkind_name[c->ptid_kind]);
	printf("#   stack=%#llx stack_size=%#llx tls=%#llx reserved0=%#x reserved1=%#llx\n",
	       ULL(a->stack), ULL(a->stack_size), ULL(a->tls), a->reserved0,
	       ULL(a->reserved1));
	printf("#   nr_pids=%u, struct bytes readable: %u, tail: %s",
	       a->nr_pids, c->args_write, c->tail_nz ? "" : "zero");
	if (c->tail_nz)
		printf("byte %u = %#x", c->tail_nz, c->tail_val);
	printf("\n#   pids (NSpid order):");
	for (i = 0; i < nr; i++)
		printf(" %d", (int)c->pids[i]);
	printf("%s\n", c->hold >= 0 ? "  (a holder: the child stays)" : "");
	printf("#   faults injected:");
	for (i = 0; i < F_COUNT; i++)
		if (c->faults & (1u << i))
			printf(" %s", fault_name[i]);
	printf("%s\n", c->faults ? "" : " none");
	printf("#   pid policy: %s\n", pol.loaded ? pol.desc : "not loaded");
}

/* The call checked last, for the report of a failure found later. */
static struct {
	int valid;
	struct fcall c;
	struct caller cx;
	long ret;
} prev;

static void fuzz_fail(const struct fcall *c, const struct caller *cx,
		      const struct fres *r, const char *fmt, ...)
	__attribute__((format(printf, 4, 5), noreturn));

static void fuzz_fail(const struct fcall *c, const struct caller *cx,
		      const struct fres *r, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	int i;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	printf("# clone2_fuzz: FAILED at call %llu%s, seed %#llx: %s\n",
	       c ? ULL(c->index) : ULL(st.calls), c && c->sweep ? " (final sweep)" : "",
	       ULL(F.seed), msg);
	if (c && cx)
		dump_call(c, cx);
	if (r) {
		printf("#   returned %ld (%s)", r->ret,
		       r->ret < 0 ? errname((int)-r->ret) : "pid");
		if (r->nspid_n > 0) {
			printf(", child's NSpid:");
			for (i = 0; i < r->nspid_n; i++)
				printf(" %d", (int)r->nspid[i]);
		}
		printf(", status %d, slots pidfd=%d ptid=%d ctid=%#x\n", r->status,
		       r->pidfd_slot, (int)r->ptid_slot, (unsigned int)r->ctid_slot);
	}
	if (prev.valid) {
		printf("# the call before, %llu, returned %ld:\n", ULL(prev.c.index), prev.ret);
		dump_call(&prev.c, &prev.cx);
	}
	print_rerun();
	fflush(stdout);
	harness_fail(__FILE__, __LINE__, 1, "clone2 fuzzer: %s", msg);
	_exit(1);
}

/* ------------------------------------------------------------------------ */
/* Checking a result                                                         */
/* ------------------------------------------------------------------------ */

static void charge(struct mproc *p, const struct sim *s)
{
	int i;

	for (i = 0; i < s->nhook; i++) {
		if (s->hook[i].level < 0 || !s->hook[i].limited)
			continue;
		p->charged[p->ncharged++] = s->hook[i].level;
		cnt_chain[s->hook[i].level].live++;
	}
}

static void count_decisions(const struct sim *s)
{
	int i;

	for (i = 0; i < s->nhook; i++) {
		struct mcount *m = s->hook[i].level < 0 ? &cnt_other : &cnt_chain[s->hook[i].level];

		if (s->hook[i].verdict == PIDPOLICY_DENY) {
			m->denied++;
			st.denied++;
		} else if (s->hook[i].verdict == PIDPOLICY_AUDIT) {
			m->audited++;
			st.audited++;
		} else {
			m->allowed++;
		}
	}
}

static void check_success(const struct fcall *c, const struct caller *cx,
			  const struct fres *r, const struct sim *s)
{
	uint64_t f = c->a.flags;
	int nr = (int)c->a.nr_pids, L = s->L, i, n = r->nspid_n;
	pid_t ret = (pid_t)r->ret, want, vnr;
	/* gone before we could look: vfork threads, vfork inits reaped by the kernel */
	int shared_init = s->child_init && (f & CLONE_SIGHAND);
	int vfork_thread = ((f & CLONE_THREAD) || (shared_init && r->nspid_n <= 1)) &&
			   (f & CLONE_VFORK);

	if (r->werr)
		fuzz_fail(c, cx, r, "the worker could not observe the child: %s (%s)",
			  strerror(r->werr), r->wnote);
	if (!vfork_thread && n != L + 1)
		fuzz_fail(c, cx, r, "the child's NSpid has %d levels, expected %d", n, L + 1);
	if (n && r->nspid[cx->depth] != ret)
		fuzz_fail(c, cx, r, "returned %d, but the child is %d at the caller's level",
			  ret, r->nspid[cx->depth]);
	for (i = 0; i <= L; i++) {
		int j = nr - 1 - (L - i), is_new = L > cx->depth && i == L;
		pid_t got = i == cx->depth ? ret : n ? r->nspid[i] : 0;

		want = j >= 0 ? c->pids[j] : 0;
		if (!got)
			continue;
		if (want && got != want)
			fuzz_fail(c, cx, r, "level %d: asked for pid %d, got %d", i, want, got);
		if (!want && (got < 1 || got >= level_eff(cx, i)))
			fuzz_fail(c, cx, r, "level %d: the kernel chose %d, outside [1, %d)",
				  i, got, level_eff(cx, i));
		if (!want && is_new && got != 1)
			fuzz_fail(c, cx, r, "level %d: first pid of a new namespace is %d", i, got);
		if (!is_new && taken_by(i, got))
			fuzz_fail(c, cx, r, "level %d: pid %d is also %s's", i, got,
				  taken_by(i, got)->what);
	}
	if (c->hold < 0 && !(f & CLONE_THREAD) && r->status != 0 &&
	    !(r->status == -2 && shared_init && c->a.exit_signal == SIGCHLD))
		fuzz_fail(c, cx, r, "the child ended with status %d", r->status);

	/* the pointers: pidfd, parent_tid (ours), child_tid (with CLONE_VM) */
	if (f & CLONE_PIDFD) {
		if (r->pidfd_slot < 0)
			fuzz_fail(c, cx, r, "CLONE_PIDFD stored no pidfd");
	} else if ((f & CLONE_PARENT_SETTID) && c->ptid_kind == PT_SAME) {
		if (r->pidfd_slot != ret)
			fuzz_fail(c, cx, r, "parent_tid holds %d, not the child's pid", r->pidfd_slot);
	} else if (r->pidfd_slot != -1) {
		fuzz_fail(c, cx, r, "pidfd written without CLONE_PIDFD");
	}
	want = (f & CLONE_PARENT_SETTID) && c->ptid_kind == PT_VALID ? ret : 0;
	if (r->ptid_slot != want)
		fuzz_fail(c, cx, r, "parent_tid holds %d, expected %d", r->ptid_slot, want);
	if (!(f & CLONE_VM) || c->ctid_kind != PT_VALID ||
	    !(f & (CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID))) {
		if (r->ctid_slot != CTID_POISON)
			fuzz_fail(c, cx, r, "child_tid written in our memory");
	} else if (c->hold < 0) {
		/* the child's pid in its own namespace, if known */
		vnr = (f & CLONE_THREAD) || L == cx->depth ? ret : n ? r->nspid[L] :
		      nr && c->pids[nr - 1] ? c->pids[nr - 1] : s->child_init ? 1 : -1;
		want = (f & CLONE_CHILD_CLEARTID) ? 0 : vnr;
		if (want >= 0 && r->ctid_slot != want)
			fuzz_fail(c, cx, r, "child_tid holds %d, expected %d", r->ctid_slot, want);
	}
}

/* Compare one result with the model, then update the model. */
static void check_call(const struct fcall *c, struct caller *cx, const struct fres *r)
{
	struct sim s;
	int i, nr = (int)c->a.nr_pids;

	simulate(c, cx, r, &s);
	if (r->werr == EBADE)
		fuzz_fail(c, cx, r, "after this call: %s", r->wnote);
	if (r->ret < 0 && !documented((int)-r->ret))
		fuzz_fail(c, cx, r, "errno %s is not documented in clone2(2)",
			  errname((int)-r->ret));
	if (s.err && r->ret >= 0)
		fuzz_fail(c, cx, r, "expected %s (%s), but it succeeded", errname(s.err), s.why);
	if (!s.err && r->ret < 0)
		fuzz_fail(c, cx, r, "expected success, got %s", errname((int)-r->ret));
	if (s.err && -r->ret != s.err)
		fuzz_fail(c, cx, r, "expected %s (%s), got %s", errname(s.err), s.why,
			  errname((int)-r->ret));
	if (c->probe_l0 && r->l0_taken && !taken_by(0, c->probe_l0))
		st.l0_foreign++;

	{
		uint64_t f = c->a.flags;
		int kind = r->ret < 0 ? (c->costly ? K_LATE : K_EARLY) :
			   (f & CLONE_THREAD) ? K_THREAD :
			   (f & CLONE_NEWPID) ? K_NEWPID : (f & NS_FLAGS & ~CLONE_NEWPID) ||
			   (f & CLONE_NEWUSER) ? K_NS : (f & CLONE_VM) ? K_VM : K_PROC;
		int dg = cx->depth == 0 ? 0 : cx->depth <= 5 ? 1 : 2;

		cost.n[kind][dg]++;
		cost.us[kind][dg] += r->usec;
	}
	count_decisions(&s);
	cx->un_state = s.un_state;
	if (pol.loaded)
		st.loaded_calls++;
	if (!s.err)
		check_success(c, cx, r, &s);
	prev.valid = 1;
	prev.c = *c;
	prev.cx = *cx;
	prev.ret = r->ret;
	if (s.err) {
		st.errs[s.err]++;
		return;
	}
	st.ok++;
	if (c->a.flags & CLONE_THREAD)
		st.threads++;
	if (c->a.flags & CLONE_NEWPID)
		st.newpid++;
	for (i = 0; i <= s.L && i <= cx->depth; i++) {
		int j = nr - 1 - (s.L - i);

		if (j >= 0 && c->pids[j] > 0 && F.chosen[i]) {
			F.chosen[i][c->pids[j] / 8] |= (uint8_t)(1 << (c->pids[j] % 8));
			if (c->pids[j] > F.chosen_top[i])
				F.chosen_top[i] = c->pids[j];
		}
	}
	if (c->hold >= 0) {
		struct rec rec = { .n = r->nspid_n };
		struct mproc *p;

		memcpy(rec.nspid, r->nspid, sizeof(rec.nspid));
		p = proc_add("a holder", cx->depth, &rec);
		p->w = cx->w;
		p->slot = c->hold;
		charge(p, &s);
		st.holds++;
	}
}

/* ------------------------------------------------------------------------ */
/* Driving the workers                                                       */
/* ------------------------------------------------------------------------ */

static int worker_alive(int w)
{
	struct pollfd p = { F.wpidfd[w], POLLIN, 0 };

	return poll(&p, 1, 0) == 0;
}

static void command(int w, int cmd, int arg, const struct fcall *c, const struct caller *cx)
{
	int seq = box->go[w] + 1, waited = 0, v;
	struct timespec ts = { 1, 0 };

	box->cmd[w] = cmd;
	box->arg[w] = arg;
	__atomic_store_n(&box->go[w], seq, __ATOMIC_RELEASE);
	futex_wake(&box->go[w]);
	if (cmd == CMD_EXIT)
		return;
	while ((v = __atomic_load_n(&box->done[w], __ATOMIC_ACQUIRE)) != seq) {
		futex_wait(&box->done[w], v, &ts);
		if (__atomic_load_n(&box->done[w], __ATOMIC_ACQUIRE) == seq)
			break;
		if (!worker_alive(w))
			fuzz_fail(c, cx, NULL, "worker %s died", wname[w]);
		if (++waited > 180)
			fuzz_fail(c, cx, NULL, "worker %s is stuck", wname[w]);
	}
	if (box->fd_leak[w] < 0)
		fuzz_fail(c, cx, NULL, "worker %s: lowest free fd is now %d: an fd leaked",
			  wname[w], -box->fd_leak[w] - 1000);
}

static void caller_of(int w, struct caller *cx)
{
	memset(cx, 0, sizeof(*cx));
	cx->w = w;
	cx->depth = wdepth[w];
	cx->is_init = cx->depth > 0;
	cx->priv = w != W_NOBODY;
	cx->uid = w == W_NOBODY ? 65534 : 0;
	cx->cgid = w == CGROUP_WORKER ? F.cgid_fuzz : F.cgid_root;
}

static int pick_worker(struct rng *r)
{
	int total = 0, w, x;

	for (w = 0; w < NR_WORKERS; w++)
		total += wweight[w];
	x = (int)below(r, (uint64_t)total);
	for (w = 0; w < NR_WORKERS; w++) {
		x -= wweight[w];
		if (x < 0)
			return w;
	}
	return W_D0;
}

static void run_calls(struct rng *r, struct caller *cx, int n, int hold, int unshared)
{
	struct mproc *helper = NULL;
	int i;

	for (i = 0; i < n; i++) {
		gen_call(r, cx, hold, &box->calls[i]);
		st.calls++;
	}
	box->nr = n;
	if (unshared) {
		box->helper.n = 0;
		command(cx->w, CMD_UNSHARED, 0, &box->calls[0], cx);
		if (box->helper.n <= 0)
			fuzz_fail(&box->calls[0], cx, NULL, "the unshared helper failed");
		cx->un_inum = box->helper.children_inum;
		helper = proc_add("the unshared helper", cx->depth, &box->helper);
	} else {
		command(cx->w, CMD_CALLS, 0, &box->calls[0], cx);
	}
	for (i = 0; i < n; i++)
		check_call(&box->calls[i], cx, &box->res[i]);
	if (helper)
		helper->used = 0;
}

static struct mproc *find_holder(int w, int slot)
{
	int k;

	for (k = 0; k < MAX_PROCS; k++)
		if (procs[k].used && procs[k].w == w && procs[k].slot == slot)
			return &procs[k];
	return NULL;
}

static void release(struct mproc *p)
{
	struct caller cx;
	int i;

	caller_of(p->w, &cx);
	command(p->w, CMD_RELEASE, p->slot, NULL, &cx);
	if (box->res[0].status != 0)
		fuzz_fail(NULL, NULL, NULL, "holder %d of worker %s ended with status %d",
			  p->r.nspid[0], wname[p->w], box->res[0].status);
	for (i = 0; i < p->ncharged; i++)
		cnt_chain[p->charged[i]].live--;
	p->used = 0;
	st.releases++;
}

/* ------------------------------------------------------------------------ */
/* Policies                                                                  */
/* ------------------------------------------------------------------------ */

static const int rule_levels[] = { 0, 1, 2, 3, 4, 5, 31, 32 };

static __u32 ns_of_level(int level)
{
	return level < 0 ? PIDPOLICY_NS_ANY : F.inum[level];
}

static struct mns *ns_entry(struct mpolicy *p, __u32 ns)
{
	int i;

	for (i = 0; i < p->nns; i++)
		if (p->ns[i].ns == ns)
			return &p->ns[i];
	p->ns[p->nns].ns = ns;
	p->ns[p->nns].mode = PIDPOLICY_MODE_UNSET;
	p->ns[p->nns].max = PIDPOLICY_NO_LIMIT;
	return &p->ns[p->nns++];
}

static void gen_rule(struct rng *r, struct mrule *m)
{
	int i, level, lo, n, eff;

	m->level = chance(r, 400) ? -1 : rule_levels[below(r, ARRAY_SIZE(rule_levels))];
	m->ns = ns_of_level(m->level);
	i = (int)below(r, 100);
	m->kind = i < 45 ? PIDPOLICY_CALLER_ANY : i < 85 ? PIDPOLICY_CALLER_UID :
		  PIDPOLICY_CALLER_CGROUP;
	if (m->kind == PIDPOLICY_CALLER_UID) {
		i = (int)below(r, 10);
		m->id = i < 6 ? 0 : i < 9 ? 65534 : 4242;
	} else {
		m->id = m->kind == PIDPOLICY_CALLER_CGROUP ? F.cgid_fuzz : 0;
	}
	m->n = 1 + (int)below(r, 3);
	for (i = 0; i < m->n; i++) {
		level = m->level >= 0 ? m->level : rule_levels[below(r, ARRAY_SIZE(rule_levels))];
		eff = F.pid_max[level];
		pool_of(level, eff, &lo, &n);
		if (chance(r, 100)) {	/* the top of the level */
			m->lo[i] = (__u32)(eff - 1 - (int)below(r, 8));
			m->hi[i] = (__u32)(eff - 1);
			continue;
		}
		m->lo[i] = (__u32)(lo + (int)below(r, (uint64_t)n));
		m->hi[i] = m->lo[i] + (__u32)below(r, 400);
		if (m->hi[i] >= (__u32)(lo + n))
			m->hi[i] = (__u32)(lo + n - 1);
	}
}

static void gen_policy(struct rng *r, struct mpolicy *p, int unload)
{
	static const char *const kinds[] = { "unloaded", "empty", "off", "audit",
					     "enforce", "mixed" };
	int kind, i, n, x = (int)below(r, 100);
	struct mns *e;

	memset(p, 0, sizeof(*p));
	kind = x < 8 ? 1 : x < 26 ? 2 : x < 46 ? 3 : x < 80 ? 4 : 5;
	if (unload)
		kind = 0;
	if (kind == 0) {
		snprintf(p->desc, sizeof(p->desc), "unloaded");
		return;
	}
	p->loaded = 1;
	if (kind >= 2) {
		e = ns_entry(p, PIDPOLICY_NS_ANY);
		e->mode = kind == 2 ? PIDPOLICY_MODE_OFF : kind == 3 ? PIDPOLICY_MODE_AUDIT :
			  kind == 4 ? PIDPOLICY_MODE_ENFORCE : (__u32)below(r, 4);
		p->nrules = 1 + (int)below(r, 5);
		for (i = 0; i < p->nrules; i++)
			gen_rule(r, &p->rule[i]);
	}
	if (kind == 5) {	/* modes of their own for some namespaces */
		n = 1 + (int)below(r, 3);
		for (i = 0; i < n; i++) {
			e = ns_entry(p, ns_of_level(rule_levels[below(r, ARRAY_SIZE(rule_levels))]));
			e->mode = 1 + (__u32)below(r, 3);
		}
	}
	if (kind >= 2 && chance(r, 450)) {	/* limits on live chosen pids */
		n = 1 + (int)below(r, 2);
		for (i = 0; i < n; i++) {
			int level = chance(r, 300) ? -1 :
				    rule_levels[below(r, ARRAY_SIZE(rule_levels))];

			ns_entry(p, ns_of_level(level))->max = (__u32)below(r, 4);
		}
	}
	n = snprintf(p->desc, sizeof(p->desc), "%s: default mode %s, %d rules",
		     kinds[kind], p->nns && !p->ns[0].ns ? mode_name[p->ns[0].mode] : "unset",
		     p->nrules);
	for (i = 0; i < p->nns && n < (int)sizeof(p->desc) - 40; i++) {
		if (p->ns[i].mode && p->ns[i].ns)
			n += snprintf(p->desc + n, sizeof(p->desc) - n, ", ns %u %s",
				      p->ns[i].ns, mode_name[p->ns[i].mode]);
		if (p->ns[i].max != PIDPOLICY_NO_LIMIT)
			n += snprintf(p->desc + n, sizeof(p->desc) - n, ", limit %s%u %u",
				      p->ns[i].ns ? "ns " : "default", p->ns[i].ns ? p->ns[i].ns : 0,
				      p->ns[i].max);
	}
}

static void write_policy(const struct mpolicy *p)
{
	FILE *f = fopen(POLICY_FILE, "w");
	int i, j;

	ASSERT_TRUE(f != NULL);
	for (i = 0; i < p->nns; i++)
		if (p->ns[i].mode != PIDPOLICY_MODE_UNSET && !p->ns[i].ns)
			fprintf(f, "mode default %s\n", mode_name[p->ns[i].mode]);
	for (i = 0; i < p->nns; i++)
		if (p->ns[i].mode != PIDPOLICY_MODE_UNSET && p->ns[i].ns)
			fprintf(f, "mode ns %u %s\n", p->ns[i].ns, mode_name[p->ns[i].mode]);
	for (i = 0; i < p->nrules; i++) {
		const struct mrule *m = &p->rule[i];

		if (m->ns)
			fprintf(f, "allow ns %u", m->ns);
		else
			fprintf(f, "allow ns any");
		if (m->kind == PIDPOLICY_CALLER_UID)
			fprintf(f, " uid %llu", ULL(m->id));
		else if (m->kind == PIDPOLICY_CALLER_CGROUP)
			fprintf(f, " cgroup %s", F.cgroup_path);
		fprintf(f, " pids ");
		for (j = 0; j < m->n; j++)
			fprintf(f, "%s%u-%u", j ? "," : "", m->lo[j], m->hi[j]);
		fprintf(f, "\n");
	}
	for (i = 0; i < p->nns; i++) {
		if (p->ns[i].max == PIDPOLICY_NO_LIMIT)
			continue;
		if (p->ns[i].ns)
			fprintf(f, "limit ns %u max-chosen %u\n", p->ns[i].ns, p->ns[i].max);
		else
			fprintf(f, "limit ns any max-chosen %u\n", p->ns[i].max);
	}
	ASSERT_EQ(fclose(f), 0);
}

static void forget_charges(void)
{
	int k;

	memset(cnt_chain, 0, sizeof(cnt_chain));
	memset(&cnt_other, 0, sizeof(cnt_other));
	for (k = 0; k < MAX_PROCS; k++)
		procs[k].ncharged = 0;
}

static void set_policy(const struct mpolicy *np)
{
	char out[4096];
	int rc = 0;

	if (!np->loaded) {
		if (pol.loaded)
			rc = harness_sh(out, sizeof(out), "pidpolicy unload 2>&1");
	} else {
		write_policy(np);
		rc = harness_sh(out, sizeof(out), "%spidpolicy apply " POLICY_FILE " 2>&1",
				pol.loaded ? "" : "pidpolicy load >/dev/null 2>&1 && ");
	}
	if (rc) {
		char file[4096];

		if (harness_read_file(POLICY_FILE, file, sizeof(file)) > 0)
			printf("# policy file:\n%s", file);
		fuzz_fail(NULL, NULL, NULL, "switching the pid policy to \"%s\" failed (%d): %s",
			  np->desc, rc, out);
	}
	if (pol.loaded != np->loaded)
		forget_charges();	/* unload drops them, load starts at 0 */
	pol = *np;
	st.switches++;
}

/* ------------------------------------------------------------------------ */
/* Checkpoints: the policy's counters, our processes, the kernel log         */
/* ------------------------------------------------------------------------ */

static int chain_level_of(__u32 inum)
{
	int k;

	for (k = 0; k <= MAX_LEVELS; k++)
		if (F.inum[k] == inum)
			return k;
	return -1;
}

static void check_counters(void)
{
	int ncpus = libbpf_num_possible_cpus(), dfd, lfd, k;
	struct pidpolicy_decisions per_cpu[ncpus > 0 ? ncpus : 1];
	struct mcount seen[MAX_LEVELS + 1], other;
	struct pidpolicy_ns_key key, next, *prev = NULL;
	struct pidpolicy_chosen live;

	if (!pol.loaded)
		return;
	memset(seen, 0, sizeof(seen));
	memset(&other, 0, sizeof(other));
	dfd = bpf_obj_get(PIN("decisions"));
	lfd = bpf_obj_get(PIN("chosen_live"));
	if (dfd < 0 || lfd < 0)
		fuzz_fail(NULL, NULL, NULL, "cannot open the policy's maps");
	while (!bpf_map_get_next_key(dfd, prev, &next)) {
		struct mcount *m;
		int c;

		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(dfd, &key, per_cpu))
			continue;
		k = chain_level_of(key.ns_inum);
		m = k >= 0 ? &seen[k] : &other;
		for (c = 0; c < ncpus; c++) {
			m->allowed += per_cpu[c].allowed;
			m->denied += per_cpu[c].denied;
			m->audited += per_cpu[c].audited;
		}
	}
	prev = NULL;
	while (!bpf_map_get_next_key(lfd, prev, &next)) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(lfd, &key, &live))
			continue;
		k = chain_level_of(key.ns_inum);
		if (k >= 0)
			seen[k].live = pidpolicy_live_count(&live, key.ns_inum);
		else if (pidpolicy_live_count(&live, key.ns_inum))
			fuzz_fail(NULL, NULL, NULL, "namespace %u has %lld live chosen pids, expected 0",
				  key.ns_inum, (long long)pidpolicy_live_count(&live, key.ns_inum));
	}
	close(dfd);
	close(lfd);
	for (k = 0; k <= MAX_LEVELS + 1; k++) {
		const struct mcount *want = k <= MAX_LEVELS ? &cnt_chain[k] : &cnt_other;
		const struct mcount *got = k <= MAX_LEVELS ? &seen[k] : &other;

		/* the other namespaces die, and their counters with them */
		if (k > MAX_LEVELS && got->allowed <= want->allowed &&
		    got->denied <= want->denied && got->audited <= want->audited &&
		    got->live == want->live)
			continue;
		if (memcmp(want, got, sizeof(*want)))
			fuzz_fail(NULL, NULL, NULL,
				  "policy counters of %s%d: allowed %llu denied %llu audited %llu live %lld, expected %llu %llu %llu %lld",
				  k <= MAX_LEVELS ? "chain level " : "other namespaces, ",
				  k <= MAX_LEVELS ? k : 0, ULL(got->allowed), ULL(got->denied),
				  ULL(got->audited), (long long)got->live, ULL(want->allowed),
				  ULL(want->denied), ULL(want->audited), (long long)want->live);
	}
}

/*
 * Every process of our process group must be one the model knows, with
 * the NSpid line it knows, and the other way round: no pid leaked into a
 * process, none vanished.
 */
static void check_processes(void)
{
	char path[64], buf[1024], *p;
	pid_t pgrp = getpgrp(), nspid[MAX_NSPID];
	int seen[MAX_PROCS] = { 0 }, k, n, i;
	struct dirent *e;
	DIR *d = opendir("/proc");

	ASSERT_TRUE(d != NULL);
	while ((e = readdir(d))) {
		pid_t pid = (pid_t)atoi(e->d_name);
		const struct mproc *m;

		if (pid <= 0 || pid == getpid())
			continue;
		snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
		if (harness_read_file(path, buf, sizeof(buf)) <= 0)
			continue;
		p = strrchr(buf, ')');
		if (!p || sscanf(p + 1, " %*c %*d %d", &k) != 1 || k != pgrp)
			continue;
		m = taken_by(0, pid);
		if (!m)
			fuzz_fail(NULL, NULL, NULL, "process %d of ours is unknown", (int)pid);
		n = read_nspid_of(pid, nspid);
		if (n != m->r.n || memcmp(nspid, m->r.nspid, (size_t)n * sizeof(pid_t)))
			fuzz_fail(NULL, NULL, NULL, "process %d (%s): NSpid differs from the model",
				  (int)pid, m->what);
		seen[m - procs] = 1;
	}
	closedir(d);
	for (k = 0; k < MAX_PROCS; k++) {
		if (!procs[k].used || seen[k] || procs[k].r.nspid[0] == getpid())
			continue;
		printf("# missing:");
		for (i = 0; i < procs[k].r.n; i++)
			printf(" %d", (int)procs[k].r.nspid[i]);
		printf("\n");
		fuzz_fail(NULL, NULL, NULL, "process %d (%s) is gone", (int)procs[k].r.nspid[0],
			  procs[k].what);
	}
}

/* New kernel log lines that mean trouble (tests/vm/run fails on them too). */
static void check_kmsg(void)
{
	static const char *const bad[] = { "BUG:", "WARNING:", "KASAN", "UBSAN",
		"lockdep", "circular locking", "Oops", "general protection",
		"inconsistent lock" };
	char rec[2048];
	ssize_t n;
	size_t i;

	if (F.kmsg < 0)
		return;
	for (;;) {
		n = read(F.kmsg, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)
			continue;	/* overwritten records: go on */
		if (n <= 0)
			break;
		rec[n] = '\0';
		for (i = 0; i < ARRAY_SIZE(bad); i++)
			if (strstr(rec, bad[i]))
				fuzz_fail(NULL, NULL, NULL,
					  "the kernel logged, by call %llu: %s", ULL(st.calls),
					  strchr(rec, ';') ? strchr(rec, ';') + 1 : rec);
	}
}

static void checkpoint(void)
{
	check_counters();
	check_processes();
	check_kmsg();
}

/* ------------------------------------------------------------------------ */
/* kmemleak                                                                  */
/* ------------------------------------------------------------------------ */

#define KMEMLEAK "/sys/kernel/debug/kmemleak"

/*
 * Scan twice: an object is reported once it stayed unchanged across two
 * scans (a scan takes seconds here: pause enough).
 */
static int kmemleak_reports(char *first, size_t size, double *took)
{
	static char buf[1 << 16];
	double t = now_s();
	const char *p;
	int n = 0;

	if (try_write(KMEMLEAK, "scan"))
		return -1;
	if (try_write(KMEMLEAK, "scan"))
		return -1;
	*took = now_s() - t;
	if (harness_read_file(KMEMLEAK, buf, sizeof(buf)) < 0)
		return -1;
	for (p = buf; (p = strstr(p, "unreferenced object")); p++)
		n++;
	strncpy(first, buf, size - 1);
	first[size - 1] = '\0';
	return n;
}

/* ------------------------------------------------------------------------ */
/* Setup and teardown                                                        */
/* ------------------------------------------------------------------------ */

static void *map(size_t pages, int prot_tail, size_t tail_pages)
{
	char *p = mmap(NULL, pages * page, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ASSERT_TRUE(p != MAP_FAILED);
	if (tail_pages)
		ASSERT_EQ(mprotect(p + (pages - tail_pages) * page, tail_pages * page,
				   prot_tail), 0);
	return p;
}

static uint64_t env_u64(const char *name, uint64_t dflt)
{
	const char *s = getenv(name);

	return s && *s ? strtoull(s, NULL, 0) : dflt;
}

static void setup(void)
{
	static char cpuinfo[1 << 16];
	char buf[256], path[192];
	struct rec self;
	int k, w, expected;
	pid_t pid;

	page = (size_t)getpagesize();
	args_arena = map(3, PROT_NONE, 1);
	pids_arena = map(2, PROT_NONE, 1);
	misc = map(3, PROT_NONE, 1);
	ASSERT_EQ(mprotect(misc + page, page, PROT_READ), 0);
	stack_area = map(STACK_SIZE / page, 0, 0);
	box = mmap(NULL, sizeof(*box), PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_TRUE(box != MAP_FAILED);
	memset(box, 0, sizeof(*box));

	/* the kernel's view of the address space: 4 or 5 page table levels */
	ASSERT_GT(harness_read_file("/proc/cpuinfo", cpuinfo, sizeof(cpuinfo)), 0);
	F.task_size_max = (1ULL << (strstr(cpuinfo, " la57") ? 56 : 47)) - page;
	F.unpriv_userns = 1;
	if (harness_read_file("/proc/sys/kernel/unprivileged_userns_clone", buf, sizeof(buf)) > 0)
		F.unpriv_userns = atoi(buf);

	F.pid_max[0] = get_pid_max();
	for (k = 1; k <= MAX_LEVELS; k++) {
		size_t i;

		F.pid_max[k] = PID_MAX_LIMIT;
		for (i = 0; i < ARRAY_SIZE(pid_max_set); i++)
			if (pid_max_set[i].level == k)
				F.pid_max[k] = pid_max_set[i].pid_max;
	}
	/* level 0's window: away from the low pids of boot and other tests */
	ASSERT_GT(F.pid_max[0], 4 * POOL);
	F.pool0 = F.pid_max[0] - 3 * POOL;
	for (k = 0; k <= MAX_LEVELS; k++) {
		F.chosen[k] = calloc((size_t)F.pid_max[k] / 8 + 1, 1);
		ASSERT_TRUE(F.chosen[k] != NULL);
	}

	/* a cgroup for one worker, for rules by cgroup */
	snprintf(F.cgroup_path, sizeof(F.cgroup_path), "/sys/fs/cgroup/clone2-fuzz-%d",
		 (int)getpid());
	ASSERT_EQ(mkdir(F.cgroup_path, 0755), 0);
	F.cgid_fuzz = inode_of(F.cgroup_path);
	ASSERT_GT(harness_read_file("/proc/self/cgroup", buf, sizeof(buf)), 0);
	buf[strcspn(buf, "\n")] = '\0';
	snprintf(path, sizeof(path), "/sys/fs/cgroup%s", strchr(buf, '/') ? strchr(buf, '/') : "/");
	F.cgid_root = inode_of(path);
	ASSERT_NE(F.cgid_root, 0ULL);

	/* the workers of level 0, and the chain of namespaces */
	fflush(stdout);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		record_self(&box->wrec[W_D0]);
		worker_loop(W_D0);
	}
	F.d0 = pid;
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		drop_to_nobody(0);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		record_self(&box->wrec[W_NOBODY]);
		worker_loop(W_NOBODY);
	}
	F.nobody = pid;
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0)
		chain_link(0);
	F.link0 = pid;

	/* W0, nobody, L_0..L_31, I_1..I_32 */
	expected = 2 + MAX_LEVELS + MAX_LEVELS;
	for (k = 0; k < 600; k++) {
		int v = __atomic_load_n(&box->ready, __ATOMIC_ACQUIRE);
		struct timespec ts = { 0, 100000000 };

		if (v >= expected || box->setup_failed)
			break;
		futex_wait(&box->ready, v, &ts);
	}
	ASSERT_EQ(box->setup_failed, 0);
	ASSERT_EQ(box->ready, expected);

	/* the model: us, the workers, the chain */
	record_self(&self);
	F.inum[0] = self.inum;
	proc_add("the coordinator", 0, &self);
	proc_add("worker depth0", 0, &box->wrec[W_D0]);
	proc_add("worker nobody", 0, &box->wrec[W_NOBODY]);
	for (k = 0; k <= MAX_LEVELS; k++) {
		if (k < MAX_LEVELS)
			proc_add("a chain link", k, &box->link[k]);
		if (k > 0) {
			ASSERT_EQ(box->init[k].n, k + 1);
			ASSERT_EQ(box->init[k].nspid[k], 1);
			F.inum[k] = box->init[k].inum;
			proc_add(worker_at(k) >= 0 ? "a worker" : "a chain init", k, &box->init[k]);
		}
	}
	for (w = 0; w < NR_WORKERS; w++) {
		F.wpid0[w] = w == W_D0 || w == W_NOBODY ? box->wrec[w].nspid[0] :
			     box->init[wdepth[w]].nspid[0];
		F.wpidfd[w] = (int)syscall(SYS_pidfd_open, F.wpid0[w], 0);
		ASSERT_GE(F.wpidfd[w], 0);
	}
	/* each level's pid_max, as its init read it back */
	for (k = 1; k <= MAX_LEVELS; k++)
		ASSERT_EQ(box->init[k].pid_max, F.pid_max[k]);
	snprintf(path, sizeof(path), "%s/cgroup.procs", F.cgroup_path);
	snprintf(buf, sizeof(buf), "%d", (int)F.wpid0[CGROUP_WORKER]);
	write_file(path, buf);

	F.kmsg = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (F.kmsg >= 0)
		lseek(F.kmsg, 0, SEEK_END);
}

/* Re-choose every pid chosen during the run: each must be free again. */
static void sweep(void)
{
	static const struct {
		int w, first, last;
	} sweepers[] = { { W_D5, 0, 5 }, { W_D32, 6, 32 } };
	size_t s;

	for (s = 0; s < ARRAY_SIZE(sweepers); s++) {
		int w = sweepers[s].w, depth = wdepth[w], nr, lvl, left = 1, n = 0;
		int next[MAX_LEVELS + 1] = { 0 };
		struct caller cx;

		caller_of(w, &cx);
		nr = depth + 1 < MAX_LEVELS ? depth + 1 : MAX_LEVELS;
		while (left) {
			struct fcall *c = &box->calls[n];

			left = 0;
			memset(c, 0, sizeof(*c));
			for (lvl = sweepers[s].first; lvl <= sweepers[s].last; lvl++) {
				int j = nr - 1 - (depth - lvl);
				pid_t p;

				for (p = (pid_t)next[lvl]; p <= F.chosen_top[lvl]; p++) {
					if (!(F.chosen[lvl][p / 8] & (1 << (p % 8))) || p < 2 ||
					    taken_by(lvl, p))
						continue;
					if (lvl == 0 && proc_exists(p)) {
						st.sweep_skipped++;
						continue;
					}
					break;
				}
				next[lvl] = p + 1;
				if (p <= F.chosen_top[lvl]) {
					c->pids[j] = p;
					left = 1;
				}
			}
			if (left) {
				c->index = st.calls + st.sweep;
				c->sweep = 1;
				c->shape = S_SWEEP;
				c->hold = -1;
				c->a.exit_signal = SIGCHLD;
				c->a.nr_pids = (__u32)nr;
				c->size = CLONE2_ARGS_SIZE_VER0;
				c->args_addr = ULL(args_arena);
				c->args_write = CLONE2_ARGS_SIZE_VER0;
				c->pids_addr = ULL(pids_arena);
				c->pids_write = (uint32_t)nr;
				c->pkind = PK_NORMAL;
				c->probe_l0 = nr == depth + 1 ? c->pids[0] : 0;
				n++;
				st.sweep++;
			}
			if (n == BATCH || (!left && n)) {
				int i;

				box->nr = n;
				command(w, CMD_CALLS, 0, &box->calls[0], &cx);
				for (i = 0; i < n; i++) {
					struct sim sim;

					if (box->res[i].ret < 0 && box->calls[i].probe_l0 &&
					    box->res[i].l0_taken) {
						st.sweep_skipped++;	/* taken meanwhile */
						continue;
					}
					simulate(&box->calls[i], &cx, &box->res[i], &sim);
					if (box->res[i].ret < 0)
						fuzz_fail(&box->calls[i], &cx, &box->res[i],
							  "a pid chosen before is not free again: %s",
							  errname((int)-box->res[i].ret));
					check_success(&box->calls[i], &cx, &box->res[i], &sim);
				}
				n = 0;
			}
		}
	}
}

static void teardown(void)
{
	struct caller cx;

	caller_of(W_D0, &cx);
	command(W_D0, CMD_EXIT, 0, NULL, &cx);
	caller_of(W_NOBODY, &cx);
	command(W_NOBODY, CMD_EXIT, 0, NULL, &cx);
	/* pid 1 of level 1 takes every deeper level with it */
	kill(F.wpid0[W_D1], SIGKILL);
	ASSERT_EQ(wait_exit(F.link0), 128 + SIGKILL);
	ASSERT_EQ(wait_exit(F.d0), 0);
	ASSERT_EQ(wait_exit(F.nobody), 0);
	memset(procs, 0, sizeof(procs));
	record_self(&procs[0].r);
	procs[0].used = 1;
	procs[0].what = "the coordinator";
	check_processes();
	ASSERT_EQ(rmdir(F.cgroup_path), 0);
}

/* ------------------------------------------------------------------------ */
/* The test                                                                  */
/* ------------------------------------------------------------------------ */

static void print_costs(void)
{
	int k, d;

	printf("# cost per call, ms (calls):");
	for (k = 0; k < K_COUNT; k++) {
		printf("\n#   %-12s", kind_name[k]);
		for (d = 0; d < 3; d++)
			printf("  %s %.3f (%llu)", depth_name[d],
			       cost.n[k][d] ? cost.us[k][d] / 1000 / (double)cost.n[k][d] : 0.0,
			       ULL(cost.n[k][d]));
	}
	printf("\n");
}

static void print_summary(double elapsed)
{
	static const int shown[] = { EINVAL, E2BIG, EFAULT, EEXIST, EPERM, ENOSPC,
				     ENOMEM, EAGAIN };
	char line[512];
	size_t i;
	int n, e;

	n = snprintf(line, sizeof(line), "calls=%llu ok=%llu", ULL(st.calls), ULL(st.ok));
	for (i = 0; i < ARRAY_SIZE(shown); i++)
		n += snprintf(line + n, sizeof(line) - n, " %s=%llu",
			      harness_errno_name(shown[i]), ULL(st.errs[shown[i]]));
	for (e = 1; e < 256; e++) {
		for (i = 0; i < ARRAY_SIZE(shown) && shown[i] != e; i++)
			;
		if (i == ARRAY_SIZE(shown) && st.errs[e])
			n += snprintf(line + n, sizeof(line) - n, " %s=%llu",
				      harness_errno_name(e), ULL(st.errs[e]));
	}
	printf("# clone2_fuzz: seed=%#llx %s threads=%llu newpid=%llu holders=%llu unshared=%llu "
	       "policy-switches=%llu policy-denied=%llu audited=%llu sweep=%llu elapsed=%.1fs (%.0f calls/s)\n",
	       ULL(F.seed), line, ULL(st.threads), ULL(st.newpid), ULL(st.holds),
	       ULL(st.unshared), ULL(st.switches), ULL(st.denied), ULL(st.audited),
	       ULL(st.sweep), elapsed, (double)st.calls / elapsed);
}

TEST_TIMEOUT(clone2_fuzz, 600)
{
	struct caller cx[NR_WORKERS];
	uint64_t epoch_env = env_u64("CLONE2_FUZZ_EPOCH", 0), next_switch;
	unsigned int unload_at;
	char leak[4096], out[8192];
	struct {
		int n;
		double took;
		char first[4096];
	} *kml;
	pid_t scanner;
	struct mpolicy np;
	struct rng *r = &F.r;
	double took, t_fuzz;
	int w, k;
	const char *p;

#ifndef __x86_64__
	SKIP("the child start code is x86-64 only");
#endif
	if (syscall(__NR_clone2, NULL, 0, NULL) < 0 && errno == ENOSYS)
		SKIP("no clone2 in this kernel");
	if (getuid() != 0)
		SKIP("needs root");
	memset(&F, 0, sizeof(F));
	F.seed = env_u64("CLONE2_FUZZ_SEED", DEFAULT_SEED);
	F.calls = env_u64("CLONE2_FUZZ_CALLS", DEFAULT_CALLS);
	F.r.s = F.seed;
	F.t0 = now_s();
	printf("# clone2_fuzz: seed=%#llx calls=%llu\n", ULL(F.seed), ULL(F.calls));
	{
		char st_buf[4096];

		if (harness_read_file("/proc/self/status", st_buf, sizeof(st_buf)) > 0 &&
		    strstr(st_buf, "SigIgn"))
			printf("# %.*s\n", (int)strcspn(strstr(st_buf, "SigIgn"), "\n"),
			       strstr(st_buf, "SigIgn"));
	}
	print_rerun();

	/*
	 * kmemleak: what it reports before we start is not ours. Its two
	 * scans take ~15 s here: a child makes them while we set up.
	 */
	kml = mmap(NULL, sizeof(*kml), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_TRUE(kml != MAP_FAILED);
	fflush(stdout);
	scanner = fork();
	ASSERT_GE(scanner, 0);
	if (scanner == 0) {
		kml->n = kmemleak_reports(kml->first, sizeof(kml->first), &kml->took);
		_exit(0);
	}
	harness_sh(NULL, 0, "pidpolicy unload >/dev/null 2>&1");
	setup();
	ASSERT_EQ(wait_exit(scanner), 0);
	if (kml->n < 0)
		fuzz_fail(NULL, NULL, NULL, "kmemleak is not usable (" KMEMLEAK ")");
	printf("# kmemleak: %d reports before the run (two scans: %.1f s)%s\n", kml->n,
	       kml->took, kml->n ? ", cleared; the first:" : "");
	if (kml->n) {
		char *second = strstr(kml->first + 1, "unreferenced object");

		if (second)
			*second = '\0';
		printf("%s\n", kml->first);
	}
	ASSERT_EQ(try_write(KMEMLEAK, "clear"), 0);
	for (w = 0; w < NR_WORKERS; w++)
		caller_of(w, &cx[w]);
	printf("# setup: %.1f s; pid_max by level:", now_s() - F.t0);
	for (k = 0; k <= MAX_LEVELS; k++)
		if (k <= 5 || k >= 31)
			printf(" %d:%d/%d", k, F.pid_max[k], F.pid_max[k]);
	printf(" (own/effective)\n");

	/*
	 * Epochs of a few thousand calls, each under a policy of its own. The
	 * first runs without one; so does one more, unloading the policy
	 * under live charged children (loading costs ~8 s in the VM).
	 */
#define EPOCH_LEN() (1 + (epoch_env ? epoch_env / 2 + below(r, epoch_env) : \
			  4000 + below(r, 4000)))
	unload_at = 3 + (unsigned int)below(r, 8);
	next_switch = EPOCH_LEN();
	printf("# call 0: no policy\n");
	t_fuzz = now_s();
	while (st.calls < F.calls) {
		uint64_t left = F.calls - st.calls, n;
		int action;

		if (st.calls >= next_switch) {
			checkpoint();
			if (st.switches < MAX_SWITCHES) {
				double t = now_s();

				gen_policy(r, &np, st.switches + 1 == unload_at);
				set_policy(&np);
				printf("# call %llu, %.0f s: policy %s (%.1f s)\n", ULL(st.calls),
				       t - t_fuzz, pol.desc, now_s() - t);
			}
			next_switch = st.calls + EPOCH_LEN();
		}
		action = (int)below(r, 1000);
		w = pick_worker(r);
		n = 1 + below(r, BATCH);
		if (n > left)
			n = left;
		if (n > next_switch - st.calls)
			n = next_switch - st.calls;
		if (action < 20) {			/* a long-lived child */
			for (k = 0; k < NHOLD && find_holder(w, k); k++)
				;
			if (k < NHOLD) {
				run_calls(r, &cx[w], 1, k, 0);
				continue;
			}
			action = 1000;
		}
		if (action < 40) {			/* let one go */
			int slot = (int)below(r, NHOLD);
			struct mproc *h = find_holder(w, slot);

			if (h) {
				release(h);
				continue;
			}
		}
		/* children of a new namespace: not below level 32, not without caps */
		if (action < 60 && w != W_NOBODY && wdepth[w] < MAX_LEVELS) {
			struct caller ucx = cx[w];

			ucx.unshared = 1;
			ucx.is_init = 0;	/* a child of the worker */
			ucx.un_state = UN_FRESH;
			run_calls(r, &ucx, (int)(n < 4 ? n : 4), -1, 1);
			st.unshared++;
			continue;
		}
		run_calls(r, &cx[w], (int)n, -1, 0);
	}
	t_fuzz = now_s() - t_fuzz;

	/* let every holder go: the counters must come back to 0 */
	for (k = 0; k < MAX_PROCS; k++)
		if (procs[k].used && procs[k].w >= 0)
			release(&procs[k]);
	for (k = 0; k <= MAX_LEVELS; k++)
		if (cnt_chain[k].live)
			fuzz_fail(NULL, NULL, NULL, "model: level %d still has %lld charges", k,
				  (long long)cnt_chain[k].live);
	checkpoint();
	if (pol.loaded) {
		ASSERT_EQ(harness_sh(out, sizeof(out), "pidpolicy status --json"), 0);
		for (p = out; (p = strstr(p, "\"chosen_live\"")); p++) {
			const char *v = p + strlen("\"chosen_live\"");

			v += strspn(v, " :\t");
			if (atoll(v) != 0)
				fuzz_fail(NULL, NULL, NULL, "pidpolicy status --json: %s", out);
		}
		ASSERT_EQ(harness_sh(NULL, 0, "pidpolicy unload 2>&1"), 0);
		pol.loaded = 0;
	}
	ASSERT_NE(access(PIDPOLICY_PIN_DIR, F_OK), 0);

	took = now_s();
	sweep();
	took = now_s() - took;
	printf("# sweep: %llu calls re-chose every pid chosen before (%llu in use by others), %.1f s\n",
	       ULL(st.sweep), ULL(st.sweep_skipped), took);
	teardown();
	check_kmsg();
	print_costs();
	print_summary(t_fuzz);

	/* RCU and work queues free namespaces a little later */
	sleep(2);
	k = kmemleak_reports(leak, sizeof(leak), &took);
	printf("# kmemleak: %d reports after the run (two scans: %.1f s)\n", k, took);
	if (k) {
		printf("%s\n", leak);
		fuzz_fail(NULL, NULL, NULL, "kmemleak reports %d unreferenced objects", k);
	}
	printf("# clone2_fuzz: total %.1f s\n", now_s() - F.t0);
}

/* After a failed run: no policy may stay loaded for later test programs. */
TEST(clone2_fuzz_leaves_no_policy)
{
	if (!access(PIDPOLICY_PIN_DIR, F_OK))
		harness_sh(NULL, 0, "pidpolicy unload >/dev/null 2>&1");
	harness_sh(NULL, 0, "rmdir /sys/fs/cgroup/clone2-fuzz-* 2>/dev/null");
	ASSERT_NE(access(PIDPOLICY_PIN_DIR, F_OK), 0);
}
