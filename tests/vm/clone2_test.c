// SPDX-License-Identifier: GPL-2.0
/*
 * clone2(): the in-VM test suite. Runs as root in the initial pid
 * namespace, also built with -m32 (one struct layout for every ABI).
 *
 * The cases of the mainline selftests clone3/clone3.c and
 * clone3/clone3_set_tid.c are ported to clone2's pid order (the NSpid
 * order of /proc/<pid>/status: the child's own level last) and to its
 * semantics (a 0 entry lets the kernel choose that level).
 *
 * Children made by the raw system call are not known to glibc (its cached
 * thread id is the parent's): they only make plain system calls, report
 * through pipes or exit codes, and _exit(). Tests that need an ordinary
 * helper process use fork().
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
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
#include <linux/capability.h>
#include <linux/futex.h>
#if defined(__i386__)
#include <asm/ldt.h>
#endif

#include "clone2.h"
#include "harness.h"
#include "vmtest.h"

#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif
#ifndef CLONE_CLEAR_SIGHAND
#define CLONE_CLEAR_SIGHAND 0x100000000ULL
#endif
#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif
#ifndef __NR_clone3
#define __NR_clone3 435
#endif
#ifndef CAP_CHECKPOINT_RESTORE
#define CAP_CHECKPOINT_RESTORE 40
#endif
#ifndef CLONE_ARGS_SIZE_VER2
#define CLONE_ARGS_SIZE_VER2 88
#endif


#define CLONE_THREAD_FLAGS (CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | \
			    CLONE_THREAD | CLONE_SYSVSEM)

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define U64(p) ((uint64_t)(uintptr_t)(p))

/* ------------------------------------------------------------------------ */
/* Small helpers                                                             */
/* ------------------------------------------------------------------------ */

static void args_init(struct clone2_args *a, uint64_t flags, unsigned int nr)
{
	memset(a, 0, sizeof(*a));
	a->flags = flags;
	a->exit_signal = SIGCHLD;
	a->nr_pids = nr;
}

/*
 * A call expected to fail: should it create a child after all, the child
 * leaves at once and the parent reaps it, so the caller's assertion on the
 * return value fails cleanly in the parent only.
 */
static long try_clone2(struct clone2_args *a, size_t size, const pid_t *pids)
{
	long ret = sys_clone2(a, size, pids);
	int err = errno;

	if (ret == 0)
		_exit(0);
	if (ret > 0)
		wait_exit(ret);
	errno = err;
	return ret;
}

static long try_clone2_pids(const pid_t *pids, unsigned int nr, uint64_t flags)
{
	struct clone2_args a;

	args_init(&a, flags, nr);
	return try_clone2(&a, sizeof(a), nr ? pids : NULL);
}

/* A call expected to work: the child exits 0, the parent checks that. */
static long clone2_exit0(struct clone2_args *a, size_t size, const pid_t *pids)
{
	long ret = sys_clone2(a, size, pids);

	if (ret == 0)
		_exit(0);
	if (ret > 0)
		ASSERT_EQ(wait_exit(ret), 0);
	return ret;
}

/* The level of the caller's pid namespace, relative to the /proc mount. */
static int own_level(void)
{
	pid_t nspid[MAX_NSPID];
	int n = read_nspid("/proc/self/status", nspid);

	ASSERT_GT(n, 0);
	return n - 1;
}

static void require_init_pidns(void)
{
	if (own_level() != 0)
		SKIP("needs to start in the pid namespace of the /proc mount");
}

/*
 * Continue the calling test `levels` pid namespaces further down, as pid 1
 * of the innermost one (unshare + fork at each level). Each process left
 * behind waits for its child and exits with its status, so that failures
 * (recorded by the harness in shared memory) and exit codes reach the
 * harness.
 */
static void enter_nested_pidns(int levels)
{
	int i;

	require_init_pidns();
	for (i = 0; i < levels; i++) {
		pid_t child;
		int st;

		ASSERT_EQ(unshare(CLONE_NEWPID), 0);
		child = fork();
		ASSERT_GE(child, 0);
		if (child > 0) {
			fflush(stdout);
			st = wait_exit(child);
			_exit(st < 0 ? 1 : st);
		}
	}
	if (levels)
		ASSERT_EQ(getpid(), 1);
	ASSERT_EQ(own_level(), levels);
}

/* What a child reports about itself: its NSpid line from /proc/self/status */
struct nsreport {
	int n;
	pid_t nspid[MAX_NSPID];
};

static void assert_nspid(const struct nsreport *r, const pid_t *want, int n)
{
	int i;

	ASSERT_EQ(r->n, n);
	for (i = 0; i < n; i++) {
		if (want[i])
			ASSERT_EQ(r->nspid[i], want[i]);
		else
			ASSERT_GT(r->nspid[i], 0);
	}
}

/*
 * clone2_fork(pids, nr, flags) with a child that sends its own NSpid line
 * (as /proc/self/status shows it, i.e. from the initial namespace) and
 * exits. The parent compares it with /proc/<pid>/status of the not yet
 * reaped child and with clone2's return value, then reaps the child.
 * Returns clone2's result: the child's pid, or -1 with errno.
 */
static pid_t clone2_report(const pid_t *pids, unsigned int nr, uint64_t flags,
			   struct nsreport *r)
{
	pid_t outside[MAX_NSPID];
	int fds[2], err, level = own_level(), i;
	pid_t pid;

	ASSERT_EQ(pipe2(fds, O_CLOEXEC), 0);
	pid = clone2_fork(pids, nr, flags);
	if (pid == 0) {
		struct nsreport mine;

		close(fds[0]);
		mine.n = read_nspid("/proc/self/status", mine.nspid);
		_exit(write(fds[1], &mine, sizeof(mine)) ==
		      (ssize_t)sizeof(mine) ? 0 : 1);
	}
	err = errno;
	close(fds[1]);
	if (pid < 0) {
		close(fds[0]);
		errno = err;
		return -1;
	}
	memset(r, 0, sizeof(*r));
	ASSERT_EQ(read(fds[0], r, sizeof(*r)), (ssize_t)sizeof(*r));
	close(fds[0]);
	ASSERT_GT(r->n, level);
	ASSERT_EQ(r->nspid[level], pid);
	/* The same line, read from outside before the child is reaped */
	ASSERT_EQ(read_nspid_of(r->nspid[0], outside), r->n);
	for (i = 0; i < r->n; i++)
		ASSERT_EQ(outside[i], r->nspid[i]);
	ASSERT_EQ(wait_exit(pid), 0);
	return pid;
}

/* clone2_report() that must work and yield exactly `want` (0: any pid). */
static pid_t expect_nspid(const pid_t *pids, unsigned int nr, uint64_t flags,
			  const pid_t *want, int n)
{
	struct nsreport r;
	pid_t pid = clone2_report(pids, nr, flags, &r);

	ASSERT_GT(pid, 0);
	assert_nspid(&r, want, n);
	return pid;
}

static long futex(volatile int *uaddr, int op, int val)
{
	return syscall(SYS_futex, uaddr, op, val, NULL, NULL, 0);
}

static void wait_until(volatile int *addr, int want)
{
	int v;

	while ((v = __atomic_load_n(addr, __ATOMIC_ACQUIRE)) != want)
		futex(addr, FUTEX_WAIT, v);
}

static void wait_while(volatile int *addr, int val)
{
	while (__atomic_load_n(addr, __ATOMIC_ACQUIRE) == val)
		futex(addr, FUTEX_WAIT, val);
}

static void store_and_wake(volatile int *addr, int val)
{
	__atomic_store_n(addr, val, __ATOMIC_RELEASE);
	futex(addr, FUTEX_WAKE, INT_MAX);
}

static void add_and_wake(volatile int *addr)
{
	__atomic_add_fetch(addr, 1, __ATOMIC_ACQ_REL);
	futex(addr, FUTEX_WAKE, INT_MAX);
}

/* Wait until a CLONE_CHILD_CLEARTID word is cleared (the child is gone). */
static void wait_tid_cleared(volatile pid_t *ctid)
{
	pid_t v;

	while ((v = __atomic_load_n(ctid, __ATOMIC_ACQUIRE)) != 0)
		futex(ctid, FUTEX_WAIT, v);
}

#define CAP(c) (1ULL << (c))

/* Raw capset(): libcap is not available in the VM. */
static void set_caps(uint64_t effective, uint64_t permitted)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
		.pid = 0,
	};
	struct __user_cap_data_struct data[2];

	memset(data, 0, sizeof(data));
	data[0].effective = (uint32_t)effective;
	data[1].effective = (uint32_t)(effective >> 32);
	data[0].permitted = (uint32_t)permitted;
	data[1].permitted = (uint32_t)(permitted >> 32);
	ASSERT_EQ(syscall(SYS_capset, &hdr, data), 0);
}

static uint64_t effective_caps(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
		.pid = 0,
	};
	struct __user_cap_data_struct data[2];

	memset(data, 0, sizeof(data));
	ASSERT_EQ(syscall(SYS_capget, &hdr, data), 0);
	return data[0].effective | ((uint64_t)data[1].effective << 32);
}

static void *map_pages(size_t n)
{
	void *p = mmap(NULL, n * (size_t)getpagesize(), PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ASSERT_TRUE(p != MAP_FAILED);
	return p;
}

/* ------------------------------------------------------------------------ */
/* Children on their own stack: the raw system call in assembly              */
/* ------------------------------------------------------------------------ */

#if defined(__x86_64__) || defined(__i386__) || defined(__aarch64__)
#define HAVE_CLONE2_RUN 1

/*
 * long clone2_raw_start(args, size, pids, fn, arg): the raw clone2 system
 * call; the child, on the stack the kernel switched it to, calls fn(arg)
 * and exits (the thread only) with its return value. Returns what the
 * kernel returned: the child's pid or -errno.
 */
long clone2_raw_start(struct clone2_args *args, size_t size,
		      const pid_t *pids, int (*fn)(void *), void *arg)
	__attribute__((visibility("hidden")));

#if defined(__x86_64__)
asm(".text\n"
    ".globl clone2_raw_start\n"
    ".hidden clone2_raw_start\n"
    ".type clone2_raw_start, @function\n"
    "clone2_raw_start:\n"
    "	push %r12\n"
    "	push %r13\n"
    "	mov %rcx, %r12\n"		/* fn */
    "	mov %r8, %r13\n"		/* arg */
    "	mov $" CLONE2_NR_STRING ", %eax\n"		/* args, size, pids: rdi, rsi, rdx */
    "	syscall\n"
    "	test %rax, %rax\n"
    "	jz 1f\n"
    "	pop %r13\n"
    "	pop %r12\n"
    "	ret\n"
    "1:	xor %ebp, %ebp\n"
    "	mov %r13, %rdi\n"
    "	and $-16, %rsp\n"
    "	call *%r12\n"
    "	mov %eax, %edi\n"
    "	mov $60, %eax\n"		/* exit */
    "	syscall\n"
    "	hlt\n"
    ".size clone2_raw_start, .-clone2_raw_start\n");
#elif defined(__aarch64__)
asm(".text\n"
    ".globl clone2_raw_start\n"
    ".hidden clone2_raw_start\n"
    ".type clone2_raw_start, %function\n"
    "clone2_raw_start:\n"
    "	stp x19, x20, [sp, #-16]!\n"
    "	mov x19, x3\n"			/* fn */
    "	mov x20, x4\n"			/* arg */
    "	mov x8, #" CLONE2_NR_STRING "\n"	/* args, size, pids: x0, x1, x2 */
    "	svc #0\n"
    "	cbz x0, 1f\n"
    "	ldp x19, x20, [sp], #16\n"
    "	ret\n"
    "1:	mov x29, xzr\n"
    "	mov x30, xzr\n"
    "	mov x0, x20\n"
    "	blr x19\n"
    "	mov x8, #93\n"			/* exit */
    "	svc #0\n"
    "	brk #0\n"
    ".size clone2_raw_start, .-clone2_raw_start\n");
#else
asm(".text\n"
    ".globl clone2_raw_start\n"
    ".hidden clone2_raw_start\n"
    ".type clone2_raw_start, @function\n"
    "clone2_raw_start:\n"
    "	push %ebx\n"
    "	push %esi\n"
    "	push %edi\n"
    "	push %ebp\n"
    "	mov 20(%esp), %ebx\n"		/* args */
    "	mov 24(%esp), %ecx\n"		/* size */
    "	mov 28(%esp), %edx\n"		/* pids */
    "	mov 32(%esp), %esi\n"		/* fn */
    "	mov 36(%esp), %edi\n"		/* arg */
    "	mov $" CLONE2_NR_STRING ", %eax\n"
    "	int $0x80\n"
    "	test %eax, %eax\n"
    "	jz 1f\n"
    "	pop %ebp\n"
    "	pop %edi\n"
    "	pop %esi\n"
    "	pop %ebx\n"
    "	ret\n"
    "1:	xor %ebp, %ebp\n"
    "	and $-16, %esp\n"
    "	sub $12, %esp\n"
    "	push %edi\n"
    "	call *%esi\n"
    "	mov %eax, %ebx\n"
    "	mov $1, %eax\n"			/* exit */
    "	int $0x80\n"
    "	hlt\n"
    ".size clone2_raw_start, .-clone2_raw_start\n");
#endif

static long clone2_run(struct clone2_args *a, const pid_t *pids,
		       int (*fn)(void *), void *arg)
{
	long ret = clone2_raw_start(a, sizeof(*a), pids, fn, arg);

	if (ret < 0) {
		errno = (int)-ret;
		return -1;
	}
	return ret;
}

/* A system call without libc: the child may run on a foreign TLS. */
static inline long raw_syscall0(long nr)
{
	long ret;

#if defined(__x86_64__)
	asm volatile("syscall" : "=a"(ret) : "a"(nr) : "rcx", "r11", "memory");
#elif defined(__aarch64__)
	register long x8 asm("x8") = nr;
	register long x0 asm("x0");

	asm volatile("svc #0" : "=r"(x0) : "r"(x8) : "memory");
	ret = x0;
#else
	asm volatile("int $0x80" : "=a"(ret) : "a"(nr) : "memory");
#endif
	return ret;
}

/* The first word of the TLS block, which points to the block itself. */
static inline uintptr_t tls_self(void)
{
	uintptr_t v;

#if defined(__x86_64__)
	asm volatile("mov %%fs:0, %0" : "=r"(v));
#elif defined(__aarch64__)
	/* the thread pointer itself: the block's address, as on x86 */
	asm volatile("mrs %0, tpidr_el0" : "=r"(v));
#else
	asm volatile("mov %%gs:0, %0" : "=r"(v));
#endif
	return v;
}

/*
 * The tls value for CLONE_SETTLS that makes `block` the child's TLS block:
 * the fs base on x86_64, tpidr_el0 on arm64, a user_desc for the current
 * %gs entry on i386.
 */
struct tls_arg {
#if defined(__i386__)
	struct user_desc desc;
#endif
	int unused;
};

static uint64_t make_tls(void *block, struct tls_arg *t)
{
#if defined(__x86_64__) || defined(__aarch64__)
	(void)t;
	return U64(block);
#else
	unsigned short gs;

	asm volatile("mov %%gs, %0" : "=r"(gs));
	memset(&t->desc, 0, sizeof(t->desc));
	t->desc.entry_number = gs >> 3;
	t->desc.base_addr = (uintptr_t)block;
	t->desc.limit = 0xfffff;
	t->desc.seg_32bit = 1;
	t->desc.limit_in_pages = 1;
	t->desc.useable = 1;
	return U64(&t->desc);
#endif
}

/* What a child on its own stack records; shared through CLONE_VM. */
struct probe {
	volatile pid_t *ctid;
	volatile uintptr_t stack_addr;
	volatile uintptr_t tls;
	volatile pid_t seen_ctid;
	volatile pid_t tgid;
	volatile pid_t tid;
	volatile int ran;
};

/* Runs in the child: raw system calls only, no libc, no TLS. */
static int probe_fn(void *arg)
{
	struct probe *p = arg;
	volatile int local = 1;

	p->stack_addr = (uintptr_t)&local;
	p->tls = tls_self();
	p->seen_ctid = p->ctid ? *p->ctid : 0;
	p->tgid = (pid_t)raw_syscall0(__NR_getpid);
	p->tid = (pid_t)raw_syscall0(__NR_gettid);
	p->ran = local;
	return 0;
}

static int noop_fn(void *arg)
{
	(void)arg;
	return 0;
}
#endif /* HAVE_CLONE2_RUN */

/*
 * A call expected to fail whose flags would share the caller's memory or
 * thread group if it did not: the child gets a stack of its own and only
 * returns, so a wrong success shows as a return value, not a crash.
 */
static long try_clone2_on_stack(struct clone2_args *a, const pid_t *pids)
{
#ifdef HAVE_CLONE2_RUN
	static char stack[64 * 1024] __attribute__((aligned(16)));
	long ret;
	int err;

	if (!a->stack) {
		a->stack = U64(stack);
		a->stack_size = sizeof(stack);
	}
	ret = clone2_run(a, pids, noop_fn, NULL);
	err = errno;
	if (ret > 0 && !(a->flags & CLONE_THREAD))
		wait_exit(ret);
	errno = err;
	return ret;
#else
	return try_clone2(a, sizeof(*a), pids);
#endif
}

/* ------------------------------------------------------------------------ */
/* Plain process creation                                                    */
/* ------------------------------------------------------------------------ */

TEST(clone2_nr_pids_0_works_like_fork)
{
	pid_t parent = getpid(), reported = 0;
	struct clone2_args a;
	int fds[2];
	long ret;

	ASSERT_EQ(pipe(fds), 0);
	args_init(&a, 0, 0);
	ret = sys_clone2(&a, sizeof(a), NULL);
	if (ret == 0) {
		pid_t me = getpid();

		if (write(fds[1], &me, sizeof(me)) != (ssize_t)sizeof(me))
			_exit(2);
		_exit(getppid() == parent ? 0 : 1);
	}
	ASSERT_GT(ret, 0);
	ASSERT_EQ(read(fds[0], &reported, sizeof(reported)),
		  (ssize_t)sizeof(reported));
	ASSERT_EQ(reported, ret);
	ASSERT_EQ(wait_exit(ret), 0);

	/* the helper does the same */
	ret = clone2_fork(NULL, 0, 0);
	if (ret == 0)
		_exit(getppid() == parent ? 0 : 1);
	ASSERT_GT(ret, 0);
	ASSERT_EQ(wait_exit(ret), 0);
}

TEST(clone2_single_zero_entry_lets_kernel_choose)
{
	pid_t pids[1] = { 0 }, want[1] = { 0 };

	require_init_pidns();
	expect_nspid(pids, 1, 0, want, 1);
}

/* clone3.c: "a clone3() in a new PID NS" */
TEST(clone2_newpid_works)
{
	long ret = clone2_fork(NULL, 0, CLONE_NEWPID);

	if (ret == 0)
		_exit(getpid() == 1 ? 0 : 1);
	ASSERT_GT(ret, 0);
	ASSERT_EQ(wait_exit(ret), 0);
}

/* clone3.c: flags 0, exit_signal 0, a larger struct with a zero tail */
TEST(clone2_no_exit_signal_works)
{
	struct {
		struct clone2_args args;
		uint64_t extra;
	} ext;

	memset(&ext, 0, sizeof(ext));
	ASSERT_GT(clone2_exit0(&ext.args, sizeof(ext), NULL), 0);
	ASSERT_GT(clone2_exit0(&ext.args, sizeof(ext.args), NULL), 0);
}

static void usr1_handler(int sig)
{
	(void)sig;
}

TEST(clone2_clear_sighand_resets_handlers)
{
	struct sigaction sa, old;
	long ret;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = usr1_handler;
	ASSERT_EQ(sigaction(SIGUSR1, &sa, NULL), 0);
	sa.sa_handler = SIG_IGN;
	ASSERT_EQ(sigaction(SIGUSR2, &sa, NULL), 0);

	ret = clone2_fork(NULL, 0, CLONE_CLEAR_SIGHAND);
	if (ret == 0) {
		if (sigaction(SIGUSR1, NULL, &old) || old.sa_handler != SIG_DFL)
			_exit(1);
		/* ignored signals stay ignored */
		if (sigaction(SIGUSR2, NULL, &old) || old.sa_handler != SIG_IGN)
			_exit(2);
		_exit(0);
	}
	ASSERT_GT(ret, 0);
	ASSERT_EQ(wait_exit(ret), 0);
	/* the parent keeps its handler */
	ASSERT_EQ(sigaction(SIGUSR1, NULL, &old), 0);
	ASSERT_TRUE(old.sa_handler != SIG_DFL);
}

/* ------------------------------------------------------------------------ */
/* The size of struct clone2_args (clone3.c's cases)                         */
/* ------------------------------------------------------------------------ */

/* A page of arguments: struct clone2_args followed by a tail of zeros. */
static struct clone2_args *page_args(uint64_t flags)
{
	struct clone2_args *a = map_pages(1);

	args_init(a, flags, 0);
	return a;
}

TEST(clone2_size_ver0_works)
{
	struct clone2_args a;

	ASSERT_EQ(sizeof(struct clone2_args), (size_t)CLONE2_ARGS_SIZE_VER0);
	args_init(&a, 0, 0);
	ASSERT_GT(clone2_exit0(&a, CLONE2_ARGS_SIZE_VER0, NULL), 0);
	args_init(&a, CLONE_NEWPID, 0);
	ASSERT_GT(clone2_exit0(&a, CLONE2_ARGS_SIZE_VER0, NULL), 0);
}

TEST(clone2_size_below_ver0_fails_einval)
{
	static const size_t sizes[] = { 0, 1, 8, CLONE2_ARGS_SIZE_VER0 - 8,
					CLONE2_ARGS_SIZE_VER0 - 1 };
	struct clone2_args a;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		args_init(&a, 0, 0);
		ASSERT_ERRNO(try_clone2(&a, sizes[i], NULL), EINVAL);
		args_init(&a, CLONE_NEWPID, 0);
		ASSERT_ERRNO(try_clone2(&a, sizes[i], NULL), EINVAL);
	}
}

TEST(clone2_larger_struct_with_zero_tail_works)
{
	size_t page = (size_t)getpagesize();
	struct clone2_args *a = page_args(0);

	ASSERT_GT(clone2_exit0(a, sizeof(*a) + 8, NULL), 0);
	ASSERT_GT(clone2_exit0(a, sizeof(*a) + 16, NULL), 0);
	ASSERT_GT(clone2_exit0(a, sizeof(*a) * 2, NULL), 0);
	ASSERT_GT(clone2_exit0(a, page, NULL), 0);
	a->flags = CLONE_NEWPID;
	ASSERT_GT(clone2_exit0(a, sizeof(*a) + 8, NULL), 0);
	/* a nonzero byte just beyond the size given does not count */
	((char *)a)[sizeof(*a) + 8] = 1;
	ASSERT_GT(clone2_exit0(a, sizeof(*a) + 8, NULL), 0);
}

TEST(clone2_larger_struct_with_nonzero_tail_fails_e2big)
{
	size_t page = (size_t)getpagesize();
	struct clone2_args *a = page_args(0);
	char *tail = (char *)(a + 1);

	tail[8] = 1;
	ASSERT_ERRNO(try_clone2(a, sizeof(*a) + 16, NULL), E2BIG);
	ASSERT_ERRNO(try_clone2(a, sizeof(*a) * 2, NULL), E2BIG);
	a->flags = CLONE_NEWPID;
	ASSERT_ERRNO(try_clone2(a, sizeof(*a) + 16, NULL), E2BIG);
	a->flags = 0;
	tail[8] = 0;
	tail[0] = 1;
	ASSERT_ERRNO(try_clone2(a, sizeof(*a) + 1, NULL), E2BIG);
	tail[0] = 0;
	((char *)a)[page - 1] = 0x80;
	ASSERT_ERRNO(try_clone2(a, page, NULL), E2BIG);
	((char *)a)[page - 1] = 0;
	ASSERT_GT(clone2_exit0(a, page, NULL), 0);
}

TEST(clone2_size_above_page_fails_e2big)
{
	size_t page = (size_t)getpagesize();
	struct clone2_args *a = map_pages(3);

	args_init(a, 0, 0);
	ASSERT_ERRNO(try_clone2(a, page + 1, NULL), E2BIG);
	ASSERT_ERRNO(try_clone2(a, page + 8, NULL), E2BIG);
	ASSERT_ERRNO(try_clone2(a, page * 2, NULL), E2BIG);
	ASSERT_ERRNO(try_clone2(a, (size_t)-1, NULL), E2BIG);
	a->flags = CLONE_NEWPID;
	ASSERT_ERRNO(try_clone2(a, page + 8, NULL), E2BIG);
}

/* ------------------------------------------------------------------------ */
/* Invalid arguments                                                         */
/* ------------------------------------------------------------------------ */

TEST(clone2_reserved_fields_nonzero_fail_einval)
{
	struct clone2_args a;

	args_init(&a, 0, 0);
	a.reserved0 = 1;
	ASSERT_ERRNO(try_clone2(&a, sizeof(a), NULL), EINVAL);
	args_init(&a, 0, 0);
	a.reserved0 = 0x80000000u;
	ASSERT_ERRNO(try_clone2(&a, sizeof(a), NULL), EINVAL);
	args_init(&a, 0, 0);
	a.reserved1 = 1;
	ASSERT_ERRNO(try_clone2(&a, sizeof(a), NULL), EINVAL);
	args_init(&a, 0, 0);
	a.reserved1 = 1ULL << 63;
	ASSERT_ERRNO(try_clone2(&a, sizeof(a), NULL), EINVAL);
	args_init(&a, 0, 0);
	ASSERT_GT(clone2_exit0(&a, sizeof(a), NULL), 0);
}

TEST(clone2_unknown_flags_fail_einval)
{
	static const uint64_t bad[] = { 1ULL << 34, 1ULL << 40, 1ULL << 63,
					~0xffffffffULL };
	struct clone2_args a;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		args_init(&a, bad[i], 0);
		ASSERT_ERRNO(try_clone2(&a, sizeof(a), NULL), EINVAL);
	}
}

TEST(clone2_into_cgroup_fails_einval)
{
	struct clone2_args a;
	int fd = open("/sys/fs/cgroup", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	/* clone2 has no cgroup field: the flag is unknown whatever the fd */
	args_init(&a, CLONE_INTO_CGROUP, 0);
	ASSERT_ERRNO(try_clone2(&a, sizeof(a), NULL), EINVAL);
	if (fd > 0) {
		/* not even in the would-be cgroup field (the tail) */
		struct {
			struct clone2_args args;
			uint64_t cgroup;
		} ext;

		memset(&ext, 0, sizeof(ext));
		args_init(&ext.args, CLONE_INTO_CGROUP, 0);
		ext.cgroup = (uint64_t)fd;
		ASSERT_ERRNO(try_clone2(&ext.args, sizeof(ext), NULL), E2BIG);
		close(fd);
	}
}

/* clone3.c: the invalid exit_signal cases, and one above _NSIG */
TEST(clone2_invalid_exit_signal_fails_einval)
{
	static const uint64_t bad[] = {
		0xbadc0ded00000000ULL,	/* high 32 bits */
		0x0000000080000000ULL,	/* negative as an int */
		0x0000000000000100ULL,	/* outside CSIGNAL */
		0x00000000000000f0ULL,	/* _NSIG < sig < CSIGNAL */
		65,			/* _NSIG + 1 */
	};
	struct clone2_args a;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		args_init(&a, 0, 0);
		a.exit_signal = bad[i];
		ASSERT_ERRNO(try_clone2(&a, sizeof(a), NULL), EINVAL);
	}
}

TEST(clone2_invalid_stack_fails_einval)
{
	static char stack[4096];
	struct clone2_args a;

	args_init(&a, 0, 0);
	a.stack_size = sizeof(stack);
	ASSERT_ERRNO(try_clone2(&a, sizeof(a), NULL), EINVAL);
	args_init(&a, 0, 0);
	a.stack = U64(stack);
	ASSERT_ERRNO(try_clone2(&a, sizeof(a), NULL), EINVAL);
	/* a stack in kernel space */
	args_init(&a, 0, 0);
	a.stack = 0xffff880000000000ULL;
	a.stack_size = sizeof(stack);
	ASSERT_ERRNO(try_clone2(&a, sizeof(a), NULL), EINVAL);
}

TEST(clone2_csignal_in_flags_fails_einval)
{
	struct clone2_args a;

	/* clone()'s way of giving the exit signal */
	args_init(&a, SIGCHLD, 0);
	ASSERT_ERRNO(try_clone2(&a, sizeof(a), NULL), EINVAL);
	args_init(&a, 0x01, 0);
	a.exit_signal = 0;
	ASSERT_ERRNO(try_clone2(&a, sizeof(a), NULL), EINVAL);
}

TEST(clone2_detached_fails_einval)
{
	struct clone2_args a;

	args_init(&a, CLONE_DETACHED, 0);
	ASSERT_ERRNO(try_clone2(&a, sizeof(a), NULL), EINVAL);
}

TEST(clone2_sighand_with_clear_sighand_fails_einval)
{
	struct clone2_args a;

	args_init(&a, CLONE_VM | CLONE_SIGHAND | CLONE_CLEAR_SIGHAND, 0);
	ASSERT_ERRNO(try_clone2_on_stack(&a, NULL), EINVAL);
}

TEST(clone2_thread_or_parent_with_exit_signal_fails_einval)
{
	struct clone2_args a;

	args_init(&a, CLONE_PARENT, 0);
	ASSERT_ERRNO(try_clone2(&a, sizeof(a), NULL), EINVAL);
	args_init(&a, CLONE_THREAD_FLAGS, 0);
	ASSERT_ERRNO(try_clone2_on_stack(&a, NULL), EINVAL);
}

TEST(clone2_pids_without_nr_pids_fail_einval)
{
	pid_t pids[1] = { 0 };
	struct clone2_args a;

	/* an array without a size */
	args_init(&a, 0, 0);
	ASSERT_ERRNO(try_clone2(&a, sizeof(a), pids), EINVAL);
	/* a size without an array */
	args_init(&a, 0, 1);
	ASSERT_ERRNO(try_clone2(&a, sizeof(a), NULL), EINVAL);
	args_init(&a, CLONE_NEWPID, 2);
	ASSERT_ERRNO(try_clone2(&a, sizeof(a), NULL), EINVAL);
}

/* clone3_set_tid.c: sizes above MAX_PID_NS_LEVEL, zeros and -1 entries */
TEST(clone2_nr_pids_above_32_fails_einval)
{
	static pid_t pids[MAX_LEVELS * 42];
	static const unsigned int nrs[] = { MAX_LEVELS + 1, MAX_LEVELS * 2,
					    MAX_LEVELS * 2 + 1, MAX_LEVELS * 42,
					    0x80000000u, 0xffffffffu };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(nrs); i++) {
		memset(pids, 0, sizeof(pids));
		ASSERT_ERRNO(try_clone2_pids(pids, nrs[i], 0), EINVAL);
		ASSERT_ERRNO(try_clone2_pids(pids, nrs[i], CLONE_NEWPID), EINVAL);
		memset(pids, 0xff, sizeof(pids));
		ASSERT_ERRNO(try_clone2_pids(pids, nrs[i], 0), EINVAL);
	}
}

/* more pids than the child has levels */
TEST(clone2_nr_pids_above_level_fails_einval)
{
	pid_t pids[MAX_LEVELS], want[3];

	require_init_pidns();
	/* clone3_set_tid.c: MAX_PID_NS_LEVEL - 1 from the initial namespace */
	memset(pids, 0, sizeof(pids));
	ASSERT_ERRNO(try_clone2_pids(pids, MAX_LEVELS - 1, 0), EINVAL);
	memset(pids, 0xff, sizeof(pids));
	ASSERT_ERRNO(try_clone2_pids(pids, MAX_LEVELS - 1, 0), EINVAL);

	pids[0] = pick_free_pid();
	pids[1] = pick_free_pid();
	pids[2] = 1;
	ASSERT_ERRNO(try_clone2_pids(pids, 2, 0), EINVAL);
	ASSERT_ERRNO(try_clone2_pids(pids, 3, CLONE_NEWPID), EINVAL);
	memset(pids, 0, sizeof(pids));
	ASSERT_ERRNO(try_clone2_pids(pids, 2, 0), EINVAL);
	ASSERT_ERRNO(try_clone2_pids(pids, 3, CLONE_NEWPID), EINVAL);

	/* one level down: two pids for a plain child, three with NEWPID */
	enter_nested_pidns(1);
	pids[0] = pick_free_pid();
	pids[1] = 50;
	pids[2] = 1;
	pids[3] = 0;
	ASSERT_ERRNO(try_clone2_pids(pids, 3, 0), EINVAL);
	ASSERT_ERRNO(try_clone2_pids(pids, 4, CLONE_NEWPID), EINVAL);
	/* and the right number works, with the same pids */
	want[0] = pids[0];
	want[1] = 50;
	ASSERT_EQ(expect_nspid(pids, 2, 0, want, 2), 50);
	pids[1] = 51;
	want[1] = 51;
	want[2] = 1;
	ASSERT_EQ(expect_nspid(pids, 3, CLONE_NEWPID, want, 3), 51);
}

/* clone3_set_tid.c: -1 */
TEST(clone2_negative_pid_fails_einval)
{
	pid_t pids[2] = { -1, 1 };

	ASSERT_ERRNO(try_clone2_pids(pids, 1, 0), EINVAL);
	ASSERT_ERRNO(try_clone2_pids(pids, 1, CLONE_NEWPID), EINVAL);
	ASSERT_ERRNO(try_clone2_pids(pids, 2, CLONE_NEWPID), EINVAL);
	pids[0] = INT_MIN;
	ASSERT_ERRNO(try_clone2_pids(pids, 1, 0), EINVAL);
}

/* clone3_set_tid.c: pid_max fails everywhere */
TEST(clone2_pid_max_fails_einval)
{
	pid_t pid_max = get_pid_max(), pids[2], want[1], seen[MAX_NSPID];

	require_init_pidns();
	pids[0] = pid_max;
	ASSERT_ERRNO(try_clone2_pids(pids, 1, 0), EINVAL);
	ASSERT_ERRNO(try_clone2_pids(pids, 1, CLONE_NEWPID), EINVAL);
	pids[1] = 1;
	ASSERT_ERRNO(try_clone2_pids(pids, 2, CLONE_NEWPID), EINVAL);
	pids[0] = INT_MAX;
	ASSERT_ERRNO(try_clone2_pids(pids, 1, 0), EINVAL);
	/* the largest valid pid, unless something has it */
	pids[0] = pid_max - 1;
	if (read_nspid_of(pids[0], seen) >= 0)
		return;
	want[0] = pids[0];
	ASSERT_EQ(expect_nspid(pids, 1, 0, want, 1), pid_max - 1);
}

/* A pid must not be chosen in a namespace without init, except 1 */
TEST(clone2_pid_in_namespace_without_init_fails_einval)
{
	pid_t pids[2], want[2];

	require_init_pidns();
	pids[0] = pick_free_pid();
	pids[1] = 2;
	ASSERT_ERRNO(try_clone2_pids(pids, 2, CLONE_NEWPID), EINVAL);
	ASSERT_ERRNO(try_clone2_pids(&pids[1], 1, CLONE_NEWPID), EINVAL);
	/* after unshare(): the first child is the init of the new namespace */
	ASSERT_EQ(unshare(CLONE_NEWPID), 0);
	ASSERT_ERRNO(try_clone2_pids(pids, 2, 0), EINVAL);
	ASSERT_ERRNO(try_clone2_pids(&pids[1], 1, 0), EINVAL);
	/* nothing stayed allocated: the outer pid works with init's 1 */
	pids[1] = 1;
	want[0] = pids[0];
	want[1] = 1;
	ASSERT_EQ(expect_nspid(pids, 2, 0, want, 2), pids[0]);
}

/* ------------------------------------------------------------------------ */
/* Choosing pids                                                             */
/* ------------------------------------------------------------------------ */

static void check_nspid_at_depth(int depth)
{
	pid_t pids[MAX_LEVELS];
	int i;

	enter_nested_pidns(depth - 1);
	pids[0] = pick_free_pid();
	for (i = 1; i < depth; i++)
		pids[i] = 100 + 3 * i;
	ASSERT_EQ(expect_nspid(pids, depth, 0, pids, depth), pids[depth - 1]);
}

TEST(clone2_nspid_depth_1)
{
	check_nspid_at_depth(1);
}

TEST(clone2_nspid_depth_2)
{
	check_nspid_at_depth(2);
}

TEST(clone2_nspid_depth_5)
{
	check_nspid_at_depth(5);
}

TEST(clone2_nspid_depth_32)
{
	check_nspid_at_depth(MAX_LEVELS);
}

/*
 * From level 31, a CLONE_NEWPID child lives at level 32, the deepest: its
 * 32 inner levels can be chosen, the outermost is left to the kernel.
 */
TEST(clone2_newpid_at_level_31_chooses_32_inner_pids)
{
	pid_t pids[MAX_NSPID], want[MAX_NSPID];
	int i;

	enter_nested_pidns(MAX_LEVELS - 1);
	for (i = 0; i < MAX_LEVELS - 1; i++)
		pids[i] = 200 + i;
	pids[MAX_LEVELS - 1] = 1;
	want[0] = 0;
	memcpy(&want[1], pids, MAX_LEVELS * sizeof(pid_t));
	ASSERT_EQ(expect_nspid(pids, MAX_LEVELS, CLONE_NEWPID, want, MAX_NSPID),
		  pids[MAX_LEVELS - 2]);
}

/* At level 32 a child has 33 levels, but clone2 takes 32 pids at most. */
TEST(clone2_at_level_32_takes_at_most_32_pids)
{
	pid_t pids[MAX_NSPID], want[MAX_NSPID];
	int i;

	enter_nested_pidns(MAX_LEVELS);
	pids[0] = pick_free_pid();
	for (i = 1; i < MAX_NSPID; i++)
		pids[i] = 300 + i;
	ASSERT_ERRNO(try_clone2_pids(pids, MAX_NSPID, 0), EINVAL);
	/* a deeper pid namespace does not exist */
	ASSERT_ERRNO(try_clone2_pids(&pids[1], MAX_LEVELS, CLONE_NEWPID), ENOSPC);
	/* nothing leaked: the 32 inner pids work */
	want[0] = 0;
	memcpy(&want[1], &pids[1], MAX_LEVELS * sizeof(pid_t));
	ASSERT_EQ(expect_nspid(&pids[1], MAX_LEVELS, 0, want, MAX_NSPID),
		  pids[MAX_LEVELS]);
}

TEST(clone2_zero_outer_entry_lets_kernel_choose_outer_pid)
{
	pid_t pids[2] = { 0, 60 }, want[2] = { 0, 60 };

	enter_nested_pidns(1);
	ASSERT_EQ(expect_nspid(pids, 2, 0, want, 2), 60);
}

TEST(clone2_zero_inner_entry_lets_kernel_choose_inner_pid)
{
	pid_t pids[2], want[2];
	struct nsreport r;

	enter_nested_pidns(1);
	pids[0] = want[0] = pick_free_pid();
	pids[1] = want[1] = 0;
	ASSERT_GT(clone2_report(pids, 2, 0, &r), 1);
	assert_nspid(&r, want, 2);
}

TEST(clone2_zero_entries_mixed_across_levels)
{
	pid_t pids[4], want[4];

	enter_nested_pidns(3);
	pids[0] = want[0] = pick_free_pid();
	pids[1] = want[1] = 0;
	pids[2] = want[2] = 61;
	pids[3] = want[3] = 0;
	expect_nspid(pids, 4, 0, want, 4);
	pids[0] = want[0] = 0;
	pids[1] = want[1] = 52;
	pids[2] = want[2] = 0;
	pids[3] = want[3] = 63;
	ASSERT_EQ(expect_nspid(pids, 4, 0, want, 4), 63);
	memset(pids, 0, sizeof(pids));
	expect_nspid(pids, 4, 0, pids, 4);
	/* fewer pids than levels: the outer ones are the kernel's */
	pids[0] = want[2] = 64;
	pids[1] = want[3] = 65;
	want[0] = want[1] = 0;
	ASSERT_EQ(expect_nspid(pids, 2, 0, want, 4), 65);
}

TEST(clone2_newpid_last_entry_1_with_outer_pids_chosen)
{
	pid_t pids[3], want[3];

	require_init_pidns();
	/* clone3_set_tid.c: {1} in a new namespace */
	pids[0] = want[1] = 1;
	want[0] = 0;
	expect_nspid(pids, 1, CLONE_NEWPID, want, 2);
	pids[0] = want[0] = pick_free_pid();
	pids[1] = want[1] = 1;
	ASSERT_EQ(expect_nspid(pids, 2, CLONE_NEWPID, want, 2), pids[0]);

	enter_nested_pidns(1);
	pids[0] = want[0] = pick_free_pid();
	pids[1] = want[1] = 70;
	pids[2] = want[2] = 1;
	ASSERT_EQ(expect_nspid(pids, 3, CLONE_NEWPID, want, 3), 70);
	pids[0] = want[0] = 0;
	pids[1] = want[1] = 71;
	ASSERT_EQ(expect_nspid(pids, 3, CLONE_NEWPID, want, 3), 71);
}

TEST(clone2_newpid_last_entry_0_gets_pid_1)
{
	pid_t pids[2], want[2];

	require_init_pidns();
	pids[0] = want[0] = pick_free_pid();
	pids[1] = 0;
	want[1] = 1;
	ASSERT_EQ(expect_nspid(pids, 2, CLONE_NEWPID, want, 2), pids[0]);
	pids[0] = want[0] = 0;
	expect_nspid(pids, 1, CLONE_NEWPID, want, 2);
}

TEST(clone2_newpid_last_entry_2_fails_einval)
{
	pid_t pids[3], want[3];

	require_init_pidns();
	pids[0] = want[0] = pick_free_pid();
	pids[1] = 2;
	ASSERT_ERRNO(try_clone2_pids(pids, 2, CLONE_NEWPID), EINVAL);
	ASSERT_ERRNO(try_clone2_pids(&pids[1], 1, CLONE_NEWPID), EINVAL);
	pids[1] = want[1] = 1;
	ASSERT_EQ(expect_nspid(pids, 2, CLONE_NEWPID, want, 2), pids[0]);

	enter_nested_pidns(1);
	pids[0] = want[0] = pick_free_pid();
	pids[1] = want[1] = 72;
	pids[2] = 2;
	ASSERT_ERRNO(try_clone2_pids(pids, 3, CLONE_NEWPID), EINVAL);
	pids[2] = want[2] = 1;
	ASSERT_EQ(expect_nspid(pids, 3, CLONE_NEWPID, want, 3), 72);
}

/* clone3_set_tid.c: pid 1 is taken; so are the caller's own pids */
TEST(clone2_pid_in_use_fails_eexist)
{
	pid_t pids[1], want[1];

	require_init_pidns();
	pids[0] = 1;
	ASSERT_ERRNO(try_clone2_pids(pids, 1, 0), EEXIST);
	pids[0] = getpid();
	ASSERT_ERRNO(try_clone2_pids(pids, 1, 0), EEXIST);
	pids[0] = getppid();
	ASSERT_ERRNO(try_clone2_pids(pids, 1, 0), EEXIST);
	pids[0] = want[0] = pick_free_pid();
	ASSERT_EQ(expect_nspid(pids, 1, 0, want, 1), pids[0]);
	/* taken while its owner lives, free again once it is reaped */
	{
		int fds[2];
		pid_t holder;
		char c;

		ASSERT_EQ(pipe(fds), 0);
		holder = clone2_fork(pids, 1, 0);
		if (holder == 0) {
			close(fds[1]);
			_exit(read(fds[0], &c, 1) == 0 ? 0 : 1);
		}
		ASSERT_EQ(holder, pids[0]);
		close(fds[0]);
		ASSERT_ERRNO(try_clone2_pids(pids, 1, 0), EEXIST);
		close(fds[1]);
		ASSERT_EQ(wait_exit(holder), 0);
		ASSERT_EQ(expect_nspid(pids, 1, 0, want, 1), pids[0]);
	}
}

/* A failure at any level frees what the levels inside it had taken. */
TEST(clone2_eexist_at_any_level_leaks_no_pid)
{
	pid_t self[MAX_NSPID], pids[3], want[3];

	enter_nested_pidns(2);
	ASSERT_EQ(read_nspid("/proc/self/status", self), 3);
	want[0] = pick_free_pid();
	want[1] = 80;
	want[2] = 90;

	memcpy(pids, want, sizeof(pids));
	pids[0] = self[0];		/* outermost taken */
	ASSERT_ERRNO(try_clone2_pids(pids, 3, 0), EEXIST);
	memcpy(pids, want, sizeof(pids));
	pids[1] = self[1];		/* middle taken */
	ASSERT_ERRNO(try_clone2_pids(pids, 3, 0), EEXIST);
	memcpy(pids, want, sizeof(pids));
	pids[2] = 1;			/* innermost taken (by us) */
	ASSERT_ERRNO(try_clone2_pids(pids, 3, 0), EEXIST);
	/* the same call with the free pids */
	ASSERT_EQ(expect_nspid(want, 3, 0, want, 3), 90);
	ASSERT_EQ(expect_nspid(want, 3, 0, want, 3), 90);
}

TEST(clone2_einval_at_any_level_leaks_no_pid)
{
	/*
	 * Each level's own pid_max: the initial namespace's, and no limit of
	 * their own (PID_MAX_LIMIT) for the new ones.
	 */
	const pid_t pid_max[3] = { get_pid_max(), 4 * 1024 * 1024, 4 * 1024 * 1024 };
	pid_t pids[3], want[3];
	int level, bad;

	enter_nested_pidns(2);
	want[0] = pick_free_pid();
	want[1] = 81;
	want[2] = 91;
	for (level = 0; level < 3; level++) {
		for (bad = 0; bad < 2; bad++) {
			memcpy(pids, want, sizeof(pids));
			pids[level] = bad ? pid_max[level] : -1;
			ASSERT_ERRNO(try_clone2_pids(pids, 3, 0), EINVAL);
		}
	}
	ASSERT_EQ(expect_nspid(want, 3, 0, want, 3), 91);
}

/* clone3_set_tid.c, its main sequence in clone2 order */
TEST(clone2_set_tid_selftest_sequence)
{
	pid_t pid, ns_pid, pids[4], want[3];

	require_init_pidns();
	/* find the current active pid */
	pid = fork();
	if (pid == 0)
		_exit(0);
	ASSERT_GT(pid, 0);
	ASSERT_EQ(wait_exit(pid), 0);

	/* after the child has finished, its pid should be free */
	pids[0] = want[0] = pid;
	ASSERT_EQ(expect_nspid(pids, 1, 0, want, 1), pid);
	/* this should fail as there is no pid 1 in that namespace */
	ASSERT_ERRNO(try_clone2_pids(pids, 1, CLONE_NEWPID), EINVAL);
	/* pid 1 in the new namespace and `pid` in the parent: works */
	pids[1] = want[1] = 1;
	ASSERT_EQ(expect_nspid(pids, 2, CLONE_NEWPID, want, 2), pid);

	ASSERT_EQ(unshare(CLONE_NEWPID), 0);
	/* this should fail as there is no pid 1 in that namespace */
	pids[0] = pid;
	ASSERT_ERRNO(try_clone2_pids(pids, 1, 0), EINVAL);

	/* let's create a pid 1 */
	ns_pid = fork();
	ASSERT_GE(ns_pid, 0);
	if (ns_pid == 0) {
		/* these check that all pids are released on error paths */
		pids[0] = -1;
		pids[1] = 43;
		ASSERT_ERRNO(try_clone2_pids(pids, 2, 0), EINVAL);
		pids[0] = want[0] = pid;
		pids[1] = want[1] = 43;
		ASSERT_EQ(expect_nspid(pids, 2, 0, want, 2), 43);

		pids[0] = 2;
		ASSERT_EQ(try_clone2_pids(pids, 1, 0), 2);

		/* an invalid pid at level 1 */
		pids[0] = pid;
		pids[1] = -1;
		pids[2] = 1;
		ASSERT_ERRNO(try_clone2_pids(pids, 3, CLONE_NEWPID), EINVAL);
		/* not enough active pid namespaces for four pids */
		pids[0] = 0;
		pids[1] = pid;
		pids[2] = 42;
		pids[3] = 1;
		ASSERT_ERRNO(try_clone2_pids(pids, 4, CLONE_NEWPID), EINVAL);
		/* this works: NSpid pid 42 1 */
		pids[0] = want[0] = pid;
		pids[1] = want[1] = 42;
		pids[2] = want[2] = 1;
		ASSERT_EQ(expect_nspid(pids, 3, CLONE_NEWPID, want, 3), 42);
		_exit(0);
	}
	ASSERT_EQ(wait_exit(ns_pid), 0);
}

/* ------------------------------------------------------------------------ */
/* Unreadable memory                                                         */
/* ------------------------------------------------------------------------ */

TEST(clone2_unreadable_args_fail_efault)
{
	size_t page = (size_t)getpagesize();
	char *mem = map_pages(2), *gone = map_pages(1);
	struct clone2_args *a;

	ASSERT_EQ(munmap(gone, page), 0);
	ASSERT_ERRNO(try_clone2((struct clone2_args *)gone, CLONE2_ARGS_SIZE_VER0,
				NULL), EFAULT);
	ASSERT_ERRNO(try_clone2((struct clone2_args *)(uintptr_t)-4096,
				CLONE2_ARGS_SIZE_VER0, NULL), EFAULT);

	ASSERT_EQ(mprotect(mem + page, page, PROT_NONE), 0);
	/* the struct crosses into the PROT_NONE page */
	a = (struct clone2_args *)(mem + page - 40);
	memset(a, 0, 40);
	a->exit_signal = SIGCHLD;
	ASSERT_ERRNO(try_clone2(a, CLONE2_ARGS_SIZE_VER0, NULL), EFAULT);
	/* the struct ends at the page boundary: works */
	a = (struct clone2_args *)(mem + page - sizeof(*a));
	args_init(a, 0, 0);
	ASSERT_GT(clone2_exit0(a, sizeof(*a), NULL), 0);
	/* ... but a larger struct's tail is in the PROT_NONE page */
	ASSERT_ERRNO(try_clone2(a, sizeof(*a) + 8, NULL), EFAULT);
}

TEST(clone2_unreadable_pids_fail_efault)
{
	size_t page = (size_t)getpagesize();
	char *mem = map_pages(2), *gone = map_pages(1);
	pid_t *edge, pids[2], want[2];

	require_init_pidns();
	ASSERT_EQ(munmap(gone, page), 0);
	ASSERT_ERRNO(try_clone2_pids((pid_t *)gone, 1, 0), EFAULT);

	ASSERT_EQ(mprotect(mem + page, page, PROT_NONE), 0);
	/* the first entry at the end of the readable page, the second not */
	edge = (pid_t *)(mem + page) - 1;
	edge[0] = pick_free_pid();
	ASSERT_ERRNO(try_clone2_pids(edge, 2, CLONE_NEWPID), EFAULT);
	ASSERT_ERRNO(try_clone2_pids(edge, MAX_LEVELS, 0), EFAULT);
	/* the same pids from readable memory work */
	pids[0] = want[0] = edge[0];
	pids[1] = want[1] = 1;
	ASSERT_EQ(expect_nspid(pids, 2, CLONE_NEWPID, want, 2), pids[0]);
	/* one entry ending at the boundary is readable */
	ASSERT_EQ(expect_nspid(edge, 1, 0, edge, 1), edge[0]);
}

/* ------------------------------------------------------------------------ */
/* Threads, tids, pidfds                                                     */
/* ------------------------------------------------------------------------ */

TEST(clone2_thread_runs_on_given_stack_with_settls)
{
#ifndef HAVE_CLONE2_RUN
	SKIP("no clone2 start code for this architecture");
#else
	const size_t stack_size = 64 * 1024;
	static volatile pid_t ptid, ctid;
	static struct probe p;
	struct clone2_args a;
	struct tls_arg t;
	uintptr_t *tls;
	pid_t pids[1];
	char *stack;
	long ret;

	require_init_pidns();
	stack = mmap(NULL, stack_size, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	ASSERT_TRUE(stack != MAP_FAILED);
	/* a TLS block of its own, whose first word points to itself */
	tls = map_pages(1);
	tls[0] = (uintptr_t)tls;
	pids[0] = pick_free_pid();
	ptid = 0;
	ctid = -1;
	memset(&p, 0, sizeof(p));
	p.ctid = &ctid;

	args_init(&a, CLONE_THREAD_FLAGS | CLONE_SETTLS | CLONE_PARENT_SETTID |
		  CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID, 1);
	a.exit_signal = 0;
	a.stack = U64(stack);
	a.stack_size = stack_size;
	a.tls = make_tls(tls, &t);
	a.parent_tid = U64(&ptid);
	a.child_tid = U64(&ctid);
	ret = clone2_run(&a, pids, probe_fn, &p);
	ASSERT_EQ(ret, pids[0]);
	ASSERT_EQ(ptid, pids[0]);
	/* CLONE_CHILD_CLEARTID: cleared and woken when the thread is gone */
	wait_tid_cleared(&ctid);
	ASSERT_EQ(p.ran, 1);
	ASSERT_GE(p.stack_addr, (uintptr_t)stack);
	ASSERT_LT(p.stack_addr, (uintptr_t)stack + stack_size);
	ASSERT_EQ(p.tls, (uintptr_t)tls);
	ASSERT_EQ(p.seen_ctid, pids[0]);
	ASSERT_EQ(p.tgid, getpid());
	ASSERT_EQ(p.tid, pids[0]);
#endif
}

/* A process sharing our memory (CLONE_VM, not a thread) on its own stack */
TEST(clone2_settid_and_cleartid_with_clone_vm)
{
#ifndef HAVE_CLONE2_RUN
	SKIP("no clone2 start code for this architecture");
#else
	static char stack[64 * 1024] __attribute__((aligned(16)));
	static volatile pid_t ptid, ctid;
	static struct probe p;
	struct clone2_args a;
	pid_t pids[1];
	long ret;

	require_init_pidns();
	pids[0] = pick_free_pid();
	ptid = 0;
	ctid = -1;
	memset(&p, 0, sizeof(p));
	p.ctid = &ctid;
	args_init(&a, CLONE_VM | CLONE_PARENT_SETTID | CLONE_CHILD_SETTID |
		  CLONE_CHILD_CLEARTID, 1);
	a.stack = U64(stack);
	a.stack_size = sizeof(stack);
	a.parent_tid = U64(&ptid);
	a.child_tid = U64(&ctid);
	ret = clone2_run(&a, pids, probe_fn, &p);
	ASSERT_EQ(ret, pids[0]);
	ASSERT_EQ(ptid, pids[0]);
	ASSERT_EQ(wait_exit(ret), 0);
	ASSERT_EQ(ctid, 0);
	ASSERT_EQ(p.ran, 1);
	ASSERT_EQ(p.seen_ctid, pids[0]);
	ASSERT_EQ(p.tgid, pids[0]);
	ASSERT_EQ(p.tid, pids[0]);
	ASSERT_GE(p.stack_addr, (uintptr_t)stack);
	ASSERT_LT(p.stack_addr, (uintptr_t)stack + sizeof(stack));
#endif
}

/* Without CLONE_VM: the child's tid lands in the child's copy only */
TEST(clone2_settid_fork_like)
{
	volatile pid_t ptid = 0, ctid = -1;
	struct clone2_args a;
	pid_t pids[1];
	long ret;

	require_init_pidns();
	pids[0] = pick_free_pid();
	args_init(&a, CLONE_PARENT_SETTID | CLONE_CHILD_SETTID, 1);
	a.parent_tid = U64(&ptid);
	a.child_tid = U64(&ctid);
	ret = sys_clone2(&a, sizeof(a), pids);
	if (ret == 0)
		_exit(ctid == getpid() && ctid == pids[0] ? 0 : 1);
	ASSERT_EQ(ret, pids[0]);
	ASSERT_EQ(ptid, pids[0]);
	ASSERT_EQ(ctid, -1);
	ASSERT_EQ(wait_exit(ret), 0);
}

TEST(clone2_pidfd_polls_readable_when_child_exits)
{
	char path[64], info[1024];
	struct clone2_args a;
	struct pollfd pfd;
	int pidfd = -1, fds[2];
	const char *line;
	pid_t pids[1];
	long ret;

	require_init_pidns();
	pids[0] = pick_free_pid();
	ASSERT_EQ(pipe(fds), 0);
	args_init(&a, CLONE_PIDFD, 1);
	a.pidfd = U64(&pidfd);
	ret = sys_clone2(&a, sizeof(a), pids);
	if (ret == 0) {
		char c;

		close(fds[1]);
		_exit(read(fds[0], &c, 1) == 0 ? 0 : 1);
	}
	close(fds[0]);
	ASSERT_EQ(ret, pids[0]);
	ASSERT_GE(pidfd, 0);
	/* the pidfd refers to the child */
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", pidfd);
	ASSERT_GT(harness_read_file(path, info, sizeof(info)), 0);
	line = strstr(info, "\nPid:");
	ASSERT_TRUE(line != NULL);
	ASSERT_EQ(atoi(line + 5), pids[0]);

	pfd.fd = pidfd;
	pfd.events = POLLIN;
	pfd.revents = 0;
	ASSERT_EQ(poll(&pfd, 1, 0), 0);
	close(fds[1]);			/* the child exits */
	ASSERT_EQ(poll(&pfd, 1, 20000), 1);
	ASSERT_TRUE(pfd.revents & POLLIN);
	ASSERT_EQ(wait_exit(ret), 0);
	close(pidfd);
}

/* ------------------------------------------------------------------------ */
/* Racing for one pid                                                        */
/* ------------------------------------------------------------------------ */

#define RACE_WORKERS 8
#define RACE_ROUNDS 200
/* On a slow (emulated, debug) kernel: stop after this many seconds... */
#define RACE_BUDGET_S 15
/* ... but not before this many rounds */
#define RACE_MIN_ROUNDS 50
#define RACE_STOP (-1)

/*
 * Shared by the workers; gen 2r-1: clone now (round r), 2r: round over,
 * RACE_STOP: no more rounds.
 */
struct race {
	int gen;
	int arrived;
	int reaped;
	int won;
	int eexist;
	int other;
	int bad_child;
	pid_t pid;
};

/* Wait for generation `want`; false if the race was stopped instead. */
static int race_wait(struct race *s, int want)
{
	int v;

	while ((v = __atomic_load_n(&s->gen, __ATOMIC_ACQUIRE)) != want) {
		if (v == RACE_STOP)
			return 0;
		futex(&s->gen, FUTEX_WAIT, v);
	}
	return 1;
}

static void race_worker(struct race *s)
{
	int r;

	for (r = 1; r <= RACE_ROUNDS && race_wait(s, 2 * r - 1); r++) {
		pid_t child;

		child = clone2_fork(&s->pid, 1, 0);
		if (child == 0) {
			/* hold the pid until every worker has tried */
			wait_while(&s->gen, 2 * r - 1);
			_exit(0);
		}
		if (child > 0)
			__atomic_add_fetch(&s->won, 1, __ATOMIC_ACQ_REL);
		else if (errno == EEXIST)
			__atomic_add_fetch(&s->eexist, 1, __ATOMIC_ACQ_REL);
		else
			__atomic_add_fetch(&s->other, 1, __ATOMIC_ACQ_REL);
		add_and_wake(&s->arrived);

		race_wait(s, 2 * r);
		if (child > 0 && wait_exit(child) != 0)
			__atomic_add_fetch(&s->bad_child, 1, __ATOMIC_ACQ_REL);
		add_and_wake(&s->reaped);
	}
	_exit(0);
}

/*
 * RACE_WORKERS processes clone2 the same free pid at the same moment, round
 * after round: exactly one wins, the others get EEXIST.
 */
TEST_TIMEOUT(clone2_race_for_one_pid_has_one_winner, 120)
{
	pid_t workers[RACE_WORKERS];
	struct timespec start, now;
	struct race *s;
	int i, r;

	require_init_pidns();
	s = mmap(NULL, sizeof(*s), PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_TRUE(s != MAP_FAILED);
	memset(s, 0, sizeof(*s));
	s->pid = pick_free_pid();
	for (i = 0; i < RACE_WORKERS; i++) {
		workers[i] = fork();
		ASSERT_GE(workers[i], 0);
		if (workers[i] == 0)
			race_worker(s);
	}
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (r = 1; r <= RACE_ROUNDS; r++) {
		__atomic_store_n(&s->arrived, 0, __ATOMIC_RELAXED);
		__atomic_store_n(&s->reaped, 0, __ATOMIC_RELAXED);
		__atomic_store_n(&s->won, 0, __ATOMIC_RELAXED);
		__atomic_store_n(&s->eexist, 0, __ATOMIC_RELAXED);
		store_and_wake(&s->gen, 2 * r - 1);
		wait_until(&s->arrived, RACE_WORKERS);
		ASSERT_EQ(__atomic_load_n(&s->won, __ATOMIC_ACQUIRE), 1);
		ASSERT_EQ(__atomic_load_n(&s->eexist, __ATOMIC_ACQUIRE),
			  RACE_WORKERS - 1);
		ASSERT_EQ(__atomic_load_n(&s->other, __ATOMIC_ACQUIRE), 0);
		/* the winner's child holds the pid */
		{
			pid_t seen[MAX_NSPID];

			ASSERT_EQ(read_nspid_of(s->pid, seen), 1);
			ASSERT_EQ(seen[0], s->pid);
		}
		store_and_wake(&s->gen, 2 * r);
		wait_until(&s->reaped, RACE_WORKERS);
		ASSERT_EQ(__atomic_load_n(&s->bad_child, __ATOMIC_ACQUIRE), 0);

		clock_gettime(CLOCK_MONOTONIC, &now);
		if (r >= RACE_MIN_ROUNDS && now.tv_sec - start.tv_sec >= RACE_BUDGET_S) {
			printf("# race: stopped after %d rounds (%d s)\n", r,
			       RACE_BUDGET_S);
			store_and_wake(&s->gen, RACE_STOP);
			break;
		}
	}
	for (i = 0; i < RACE_WORKERS; i++)
		ASSERT_EQ(wait_exit(workers[i]), 0);
}

/* ------------------------------------------------------------------------ */
/* Privilege                                                                 */
/* ------------------------------------------------------------------------ */

TEST(clone2_unprivileged_choosing_pid_fails_eperm)
{
	pid_t pids[1], want[1] = { 0 };

	require_init_pidns();
	pids[0] = pick_free_pid();
	drop_to_nobody(0);
	ASSERT_EQ(effective_caps(), (uint64_t)0);
	ASSERT_ERRNO(try_clone2_pids(pids, 1, 0), EPERM);
	pids[0] = 1;
	ASSERT_ERRNO(try_clone2_pids(pids, 1, 0), EPERM);
	/* leaving the choice to the kernel needs no privilege */
	pids[0] = 0;
	expect_nspid(pids, 1, 0, want, 1);
	expect_nspid(NULL, 0, 0, want, 1);
}

/*
 * Each of CAP_CHECKPOINT_RESTORE and CAP_SYS_ADMIN alone lets a process
 * of uid 65534 choose pids, here at two levels owned by the initial user
 * namespace; without it in the effective set, EPERM, and nothing leaks.
 */
static void check_one_cap_suffices(int cap)
{
	pid_t pids[2], want[2];

	enter_nested_pidns(1);
	pids[0] = want[0] = pick_free_pid();
	pids[1] = want[1] = 80;
	drop_to_nobody(1);
	set_caps(0, CAP(cap));
	ASSERT_ERRNO(try_clone2_pids(pids, 2, 0), EPERM);
	ASSERT_ERRNO(try_clone2_pids(&pids[1], 1, 0), EPERM);
	set_caps(CAP(cap), CAP(cap));
	ASSERT_EQ(effective_caps(), CAP(cap));
	if (cap != CAP_SYS_ADMIN)
		ASSERT_ERRNO(unshare(CLONE_NEWPID), EPERM);
	ASSERT_EQ(expect_nspid(pids, 2, 0, want, 2), 80);
	pids[1] = want[1] = 0;
	ASSERT_GT(expect_nspid(pids, 2, 0, want, 2), 1);
}

TEST(clone2_cap_checkpoint_restore_suffices)
{
	check_one_cap_suffices(CAP_CHECKPOINT_RESTORE);
}

TEST(clone2_cap_sys_admin_suffices)
{
	check_one_cap_suffices(CAP_SYS_ADMIN);
}

/*
 * Runs as pid 1 of a pid namespace owned by our user namespace (a raw
 * clone2 child: plain system calls only). Returns an exit code: 0 if
 * pids can be chosen in its namespace and not in the parent one.
 */
static int userns_init(pid_t outer)
{
	pid_t pids[2] = { outer, 77 };
	pid_t c;

	if (getpid() != 1)
		return 10;
	c = clone2_fork(pids, 2, 0);
	if (c == 0)
		_exit(0);
	if (c > 0) {
		wait_exit(c);
		return 11;
	}
	if (errno != EPERM)
		return 12;
	/* the same call without the outer pid: 77 did not leak */
	pids[0] = 0;
	c = clone2_fork(pids, 2, 0);
	if (c == 0)
		_exit(getpid() == 77 ? 0 : 1);
	if (c != 77)
		return 13;
	if (wait_exit(c) != 0)
		return 14;
	c = clone2_fork(&pids[1], 1, 0);
	if (c == 0)
		_exit(getpid() == 77 ? 0 : 1);
	if (c != 77)
		return 15;
	if (wait_exit(c) != 0)
		return 16;
	return 0;
}

TEST(clone2_user_ns_owner_chooses_only_in_its_pid_ns)
{
	int as_nobody = 1;
	pid_t pids[2], outer, init;
	char buf[16], map[32];

	require_init_pidns();
	pids[0] = outer = pick_free_pid();
	/* Debian's knob; without it unprivileged user namespaces are fine */
	if (harness_read_file("/proc/sys/kernel/unprivileged_userns_clone",
			      buf, sizeof(buf)) > 0 && atoi(buf) == 0)
		as_nobody = 0;
	if (as_nobody)
		drop_to_nobody(0);
	ASSERT_EQ(unshare(CLONE_NEWUSER), 0);
	write_file("/proc/self/setgroups", "deny");
	snprintf(map, sizeof(map), "0 %d 1", as_nobody ? 65534 : 0);
	write_file("/proc/self/uid_map", map);
	write_file("/proc/self/gid_map", map);
	/* a pid namespace owned by the new user namespace */
	ASSERT_EQ(unshare(CLONE_NEWPID), 0);

	/* the parent level belongs to the initial user namespace */
	pids[1] = 1;
	ASSERT_ERRNO(try_clone2_pids(pids, 2, 0), EPERM);
	/* our own level is fine: the same call with the outer pid left out */
	pids[0] = 0;
	init = clone2_fork(pids, 2, 0);
	if (init == 0)
		_exit(userns_init(outer));
	ASSERT_GT(init, 0);
	ASSERT_EQ(wait_exit(init), 0);
}

/* ------------------------------------------------------------------------ */
/* clone3() is unchanged                                                     */
/* ------------------------------------------------------------------------ */

/* clone3 with set_tid; the child checks its pid in its own namespace. */
static long try_clone3(pid_t *set_tid, size_t n, uint64_t flags)
{
	struct clone_args a;
	long ret;
	int err;

	memset(&a, 0, sizeof(a));
	a.flags = flags;
	a.exit_signal = SIGCHLD;
	a.set_tid = U64(set_tid);
	a.set_tid_size = n;
	ret = syscall(__NR_clone3, &a, sizeof(a));
	err = errno;
	if (ret == 0)
		_exit(!n || getpid() == set_tid[0] ? 0 : 1);
	if (ret > 0)
		ASSERT_EQ(wait_exit(ret), 0);
	errno = err;
	return ret;
}

TEST(clone3_set_tid_zero_still_fails_einval)
{
	pid_t set_tid[MAX_LEVELS + 1];

	require_init_pidns();
	memset(set_tid, 0, sizeof(set_tid));
	ASSERT_ERRNO(try_clone3(set_tid, 1, 0), EINVAL);
	ASSERT_ERRNO(try_clone3(set_tid, 1, CLONE_NEWPID), EINVAL);
	/* clone3 order: the child's own level first */
	set_tid[0] = 1;
	ASSERT_ERRNO(try_clone3(set_tid, 2, CLONE_NEWPID), EINVAL);
	ASSERT_ERRNO(try_clone3(set_tid, MAX_LEVELS + 1, 0), EINVAL);
	set_tid[0] = -1;
	ASSERT_ERRNO(try_clone3(set_tid, 1, 0), EINVAL);
}

TEST(clone3_set_tid_still_chooses_pid)
{
	pid_t set_tid[2];

	require_init_pidns();
	set_tid[0] = pick_free_pid();
	ASSERT_EQ(try_clone3(set_tid, 1, 0), set_tid[0]);
	set_tid[0] = 1;
	ASSERT_ERRNO(try_clone3(set_tid, 1, 0), EEXIST);
	set_tid[1] = pick_free_pid();
	ASSERT_EQ(try_clone3(set_tid, 2, CLONE_NEWPID), set_tid[1]);
	ASSERT_GT(try_clone3(NULL, 0, 0), 0);
}
