// SPDX-License-Identifier: GPL-2.0
/*
 * clone2 widens no seccomp sandbox. The attacker is a confined service: its
 * filter was written without clone2 (systemd's RestrictNamespaces=, Docker's
 * default profile), and it calls clone2 to get what the filter refuses it
 * through clone3, unshare and clone. A filter must answer clone2 as it
 * answers the clone3 call clone2 stands for, and a filter that names clone2
 * or has no opinion must leave it working.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <unistd.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include "clone2.h"
#include "harness.h"
#include "vmtest.h"

/* Linux 6.12's last system call is mseal, 462 */
#define NR_PAST_LAST_6_12	463

#define CLONE_NEW_ANY	(CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | \
			 CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWTIME)

#define ARG_LO(n)	(offsetof(struct seccomp_data, args[n]))
#define LOAD(off)	BPF_STMT(BPF_LD | BPF_W | BPF_ABS, (off))
#define RET(action)	BPF_STMT(BPF_RET | BPF_K, (action))
/* on A == nr go on with the next instruction, else skip it */
#define IF_NR(nr)	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 1)

/*
 * systemd's RestrictNamespaces=yes: EPERM for unshare and clone with any
 * CLONE_NEW* flag and for setns (its nstype is 0, "any", or a CLONE_NEW*
 * flag: every namespace is restricted), ENOSYS for clone3,
 * whose flags a filter cannot read. Everything else, clone2 included, is
 * allowed: the filter predates it.
 */
static struct sock_filter restrict_namespaces_insns[] = {
	LOAD(offsetof(struct seccomp_data, arch)),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
	RET(SECCOMP_RET_KILL_PROCESS),
	LOAD(offsetof(struct seccomp_data, nr)),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_clone3, 0, 1),
	RET(SECCOMP_RET_ERRNO | ENOSYS),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_setns, 4, 0),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_unshare, 1, 0),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_clone, 0, 3),
	LOAD(ARG_LO(0)),
	BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, CLONE_NEW_ANY, 0, 1),
	RET(SECCOMP_RET_ERRNO | EPERM),
	RET(SECCOMP_RET_ALLOW),
};

/*
 * Docker's default profile: an allow-list of the calls it knows, ENOSYS for
 * clone3, EPERM for the rest. This one allows every number of Linux 6.12
 * but clone3, wider than Docker's, and like it does not name clone2.
 */
static struct sock_filter docker_insns[] = {
	LOAD(offsetof(struct seccomp_data, nr)),
	IF_NR(__NR_clone3),
	RET(SECCOMP_RET_ERRNO | ENOSYS),
	BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, NR_PAST_LAST_6_12, 0, 1),
	RET(SECCOMP_RET_ERRNO | EPERM),
	RET(SECCOMP_RET_ALLOW),
};

/* An allow-list of just what a forking process needs, clone3 and clone2 */
static struct sock_filter allow_clone2_insns[] = {
	LOAD(offsetof(struct seccomp_data, nr)),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_clone2, 5, 0),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_clone3, 4, 0),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_wait4, 3, 0),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_exit_group, 2, 0),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_exit, 1, 0),
	RET(SECCOMP_RET_ERRNO | EPERM),
	RET(SECCOMP_RET_ALLOW),
};

/* SIGSYS for clone3, whose handler emulates the call: it fails with ENOSYS */
static struct sock_filter trap_clone3_insns[] = {
	LOAD(offsetof(struct seccomp_data, nr)),
	IF_NR(__NR_clone3),
	RET(SECCOMP_RET_TRAP | 42),
	RET(SECCOMP_RET_ALLOW),
};

/* A tracer decides on clone3 (SECCOMP_RET_TRACE) */
static struct sock_filter trace_clone3_insns[] = {
	LOAD(offsetof(struct seccomp_data, nr)),
	IF_NR(__NR_clone3),
	RET(SECCOMP_RET_TRACE | 7),
	RET(SECCOMP_RET_ALLOW),
};

/* A listener decides on clone3 (SECCOMP_RET_USER_NOTIF) */
static struct sock_filter notify_clone3_insns[] = {
	LOAD(offsetof(struct seccomp_data, nr)),
	IF_NR(__NR_clone3),
	RET(SECCOMP_RET_USER_NOTIF),
	RET(SECCOMP_RET_ALLOW),
};

static struct sock_filter allow_all_insns[] = {
	RET(SECCOMP_RET_ALLOW),
};

#define FILTER(insns) \
	((struct sock_fprog){ .len = sizeof(insns) / sizeof(insns[0]), .filter = insns })

static void confine(struct sock_fprog filter)
{
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
	    syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER, 0, &filter))
		_exit(250);
}

static long do_clone2(uint64_t flags)
{
	return clone2_fork(NULL, 0, flags);
}

static long do_clone3(uint64_t flags)
{
	struct clone_args args = { .flags = flags, .exit_signal = SIGCHLD };

	return syscall(__NR_clone3, &args, sizeof(args));
}

static long do_unshare(uint64_t flags)
{
	return unshare(flags);
}

/*
 * In a process confined by filter, call(flags): its errno, or 0 when it
 * succeeded (a child it made exits at once and is reaped).
 */
static int errno_under(struct sock_fprog filter, long (*call)(uint64_t), uint64_t flags)
{
	pid_t confined = fork();

	ASSERT_GE(confined, 0);
	if (confined == 0) {
		long ret;

		confine(filter);
		ret = call(flags);
		if (ret == 0 && call != do_unshare)
			_exit(0);	/* the new child */
		if (ret < 0)
			_exit(errno);
		if (ret > 0 && wait4(ret, NULL, 0, NULL) != ret)
			_exit(251);
		_exit(0);
	}
	return wait_exit(confined);
}

static const uint64_t ns_flags[] = {
	CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNS, CLONE_NEWNET,
	CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWNET,
};

TEST(restrict_namespaces_filter_answers_clone2_as_it_answers_clone3)
{
	struct sock_fprog filter = FILTER(restrict_namespaces_insns);
	size_t i;

	/* unconfined, clone2 works: its ENOSYS below is the filter's */
	ASSERT_EQ(errno_under(FILTER(allow_all_insns), do_clone2, CLONE_NEWUSER), 0);
	/* the filter does what systemd's does */
	ASSERT_EQ(errno_under(filter, do_unshare, CLONE_NEWUSER), EPERM);
	ASSERT_EQ(errno_under(filter, do_clone3, 0), ENOSYS);
	/* no namespace through clone2, and no plain child either */
	for (i = 0; i < sizeof(ns_flags) / sizeof(ns_flags[0]); i++)
		EXPECT_EQ(errno_under(filter, do_clone2, ns_flags[i]), ENOSYS);
	EXPECT_EQ(errno_under(filter, do_clone2, 0), ENOSYS);
}

/* The filter answers before clone2 reads anything: bad arguments too */
TEST(restrict_namespaces_filter_answers_before_clone2_reads_its_arguments)
{
	pid_t confined = fork();

	ASSERT_GE(confined, 0);
	if (confined == 0) {
		confine(FILTER(restrict_namespaces_insns));
		_exit(sys_clone2(NULL, 1, NULL) == -1 ? errno : 0);
	}
	ASSERT_EQ(wait_exit(confined), ENOSYS);
}

TEST(docker_like_allow_list_without_clone2_refuses_it)
{
	struct sock_fprog filter = FILTER(docker_insns);

	ASSERT_EQ(errno_under(filter, do_clone3, 0), ENOSYS);
	EXPECT_EQ(errno_under(filter, do_clone2, 0), EPERM);
	EXPECT_EQ(errno_under(filter, do_clone2, CLONE_NEWUSER | CLONE_NEWPID), EPERM);
}

TEST(allow_list_naming_clone3_and_clone2_lets_clone2_work)
{
	struct sock_fprog filter = FILTER(allow_clone2_insns);

	ASSERT_EQ(errno_under(filter, do_unshare, CLONE_NEWUSER), EPERM);
	EXPECT_EQ(errno_under(filter, do_clone3, 0), 0);
	EXPECT_EQ(errno_under(filter, do_clone2, 0), 0);
	EXPECT_EQ(errno_under(filter, do_clone2, CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET), 0);
}

TEST(no_filter_leaves_clone2_unchanged)
{
	size_t i;

	for (i = 0; i < sizeof(ns_flags) / sizeof(ns_flags[0]); i++) {
		pid_t child = clone2_fork(NULL, 0, ns_flags[i]);

		if (child == 0)
			_exit(0);
		ASSERT_GT(child, 0);
		EXPECT_EQ(wait_exit(child), 0);
	}
}

static volatile sig_atomic_t trapped_syscall = -1, trapped_data = -1, trapped_rax = -1;

static void on_sigsys(int sig, siginfo_t *info, void *uctx)
{
	ucontext_t *ctx = uctx;

	(void)sig;
	trapped_syscall = info->si_syscall;
	trapped_data = info->si_errno;
	trapped_rax = ctx->uc_mcontext.gregs[REG_RAX];
	ctx->uc_mcontext.gregs[REG_RAX] = -ENOSYS;
}

/* A trap for clone3 traps clone2, and the handler is told clone3 throughout */
TEST(trap_for_clone3_names_clone3_to_the_handler_of_clone2)
{
	struct sigaction sa = { .sa_sigaction = on_sigsys, .sa_flags = SA_SIGINFO };
	pid_t child;

	ASSERT_EQ(sigaction(SIGSYS, &sa, NULL), 0);
	confine(FILTER(trap_clone3_insns));
	child = clone2_fork(NULL, 0, CLONE_NEWPID);
	if (child == 0)
		_exit(0);
	ASSERT_ERRNO(child, ENOSYS);
	EXPECT_EQ(trapped_syscall, __NR_clone3);
	EXPECT_EQ(trapped_data, 42);
	/* the signal context agrees: as after a trapped clone3 */
	EXPECT_EQ(trapped_rax, __NR_clone3);
}

/*
 * A child under trace_clone3 calls clone2; at each seccomp stop (for clone3:
 * clone2's second pass) its tracer lets it go on, having changed the size
 * argument first if change_size. The child's errno, or 0; *stops counts
 * the seccomp stops.
 */
static int clone2_under_tracer(int change_size, int *stops)
{
	pid_t child = fork();
	int status;

	ASSERT_GE(child, 0);
	if (child == 0) {
		pid_t made;

		if (ptrace(PTRACE_TRACEME, 0, 0, 0) || raise(SIGSTOP))
			_exit(250);
		confine(FILTER(trace_clone3_insns));
		made = clone2_fork(NULL, 0, 0);
		if (made == 0)
			_exit(0);
		_exit(made < 0 ? errno : wait_exit(made));
	}
	ASSERT_EQ(waitpid(child, &status, 0), child);
	ASSERT_TRUE(WIFSTOPPED(status));
	ASSERT_EQ(ptrace(PTRACE_SETOPTIONS, child, 0,
			 PTRACE_O_TRACESECCOMP | PTRACE_O_EXITKILL), 0);
	ASSERT_EQ(ptrace(PTRACE_CONT, child, 0, 0), 0);
	*stops = 0;
	for (;;) {
		int sig = 0;

		ASSERT_EQ(waitpid(child, &status, 0), child);
		if (WIFEXITED(status))
			return WEXITSTATUS(status);
		ASSERT_TRUE(WIFSTOPPED(status));
		if (status >> 8 == (SIGTRAP | (PTRACE_EVENT_SECCOMP << 8))) {
			struct user_regs_struct regs;

			++*stops;
			ASSERT_EQ(ptrace(PTRACE_GETREGS, child, 0, &regs), 0);
			/* the tracer is shown clone3, the call it decides on */
			EXPECT_EQ(regs.orig_rax, (unsigned long long)__NR_clone3);
			if (change_size) {
				regs.rsi += 8;
				ASSERT_EQ(ptrace(PTRACE_SETREGS, child, 0, &regs), 0);
			}
		} else {
			sig = WSTOPSIG(status);	/* SIGCHLD of its own child */
		}
		ASSERT_EQ(ptrace(PTRACE_CONT, child, 0, sig), 0);
	}
}

/*
 * A tracer is asked about clone2 as clone3, whose number it reads in the
 * registers; it may let the call go on, but
 * a change it makes to the call cannot be carried out inside clone2, which
 * has read its arguments: the call is refused.
 */
TEST(tracer_asked_about_clone3_decides_clone2)
{
	int stops;

	EXPECT_EQ(clone2_under_tracer(0, &stops), 0);
	EXPECT_EQ(stops, 1);
	EXPECT_EQ(clone2_under_tracer(1, &stops), EPERM);
	EXPECT_EQ(stops, 1);
}

/*
 * A listener is notified of clone2 as clone3 and its answer is clone2's: a
 * confined process holds the listener of its own filter and answers its
 * child's clone2 with EXDEV, an errno nothing else would give.
 */
TEST(listener_notified_of_clone3_answers_clone2)
{
	struct sock_fprog filter = FILTER(notify_clone3_insns);
	pid_t confined = fork();

	ASSERT_GE(confined, 0);
	if (confined == 0) {
		struct seccomp_notif_resp resp = { 0 };
		struct seccomp_notif req = { 0 };
		pid_t caller, made;
		int listener;

		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
			_exit(250);
		listener = syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER,
				   SECCOMP_FILTER_FLAG_NEW_LISTENER, &filter);
		if (listener < 0)
			_exit(250);
		caller = fork();
		if (caller == 0) {
			made = clone2_fork(NULL, 0, CLONE_NEWUSER | CLONE_NEWPID);
			if (made == 0)
				_exit(0);
			_exit(made < 0 ? errno : 0);
		}
		if (ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, &req))
			_exit(251);
		if (req.data.nr != __NR_clone3 || (pid_t)req.pid != caller)
			_exit(252);
		resp.id = req.id;
		resp.error = -EXDEV;
		if (ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &resp))
			_exit(253);
		_exit(wait_exit(caller));
	}
	ASSERT_EQ(wait_exit(confined), EXDEV);
}
