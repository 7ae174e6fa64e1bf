// SPDX-License-Identifier: GPL-2.0
/*
 * pidbench: what choosing a pid costs, run as root in the test VM by
 * `make bench` (tests/bench/run).
 *
 * The VM is emulated (TCG) on a host shared with other work, so absolute
 * times mean little: only ratios of cases measured side by side do. Every
 * comparison runs its cases in batches of -b operations, interleaved
 * round-robin over many rounds, and reports per case the median time per
 * operation of its batches with their spread (quartiles, extremes); a ratio
 * is the ratio of two medians of the same run.
 *
 * Policy states are global and cannot coexist. Not loaded, mode off and 1
 * rule are switched in a fraction of a second (the pinned programs detached
 * and attached again, the default mode set) and alternate every round like
 * cases. States that take long to set up (N rules: `pidpolicy apply` takes
 * about a minute here) are visited in a serpentine order, A..D then D..A,
 * so that each state's mean position in time is the same and a linear
 * drift cancels out; the N-rule state, last in the first pass and first in
 * the second, is entered once. Between those states a case is compared per
 * fork in the same round, whose BPF work does not depend on the rules.
 *
 * The instructions executed are what `make bench` measures by default
 * (qemu -icount, see tests/bench/run): the host is shared, and its load
 * makes wall-clock batches vary by about 10%.
 *
 * The cost of one decision is measured inside the kernel instead:
 * kernel.bpf_stats_enabled makes the BPF trampoline time every run of a
 * program (run_time_ns / run_cnt of bpf_prog_info), for pidpolicy's
 * pid_choose and for an empty program on the same hook (pidbench.bpf.c),
 * the floor that any BPF LSM program pays.
 *
 * Output: progress lines, then the table, the results as JSON and the
 * targets as TSV (for tests/bench/plot), each between "pidbench NAME"
 * marker lines, which tests/bench/run copies to build/bench-FLAVOUR.txt,
 * .json and .tsv.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <x86intrin.h>
#include <linux/audit.h>
#include <linux/bpf.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "clone2.h"
#include "pidbench.skel.h"

#ifndef __NR_clone3
#define __NR_clone3 435
#endif

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define MAX_LEVELS	32		/* MAX_PID_NS_LEVEL */
#define DEEP_LEVELS	(MAX_LEVELS - 1)	/* the deep process's own level */
#define INNER_PID	1000		/* chosen in the nested namespaces */
#define BENCH_PID_MAX	262144		/* room for 100,000 ranges around P */
#define UIDS_PER_NS	1000		/* the N-rule policy: rules per namespace */
#define DIAG_BATCHES	10		/* batches timed with kernel.bpf_stats_enabled */
#define NS_LAST_PID	"/proc/sys/kernel/ns_last_pid"
#define PIN_DIR		"/sys/fs/bpf/pidpolicy"
#define WORK_DIR	"/tmp/pidbench"
#define CLOCKSOURCE	"/sys/devices/system/clocksource/clocksource0/current_clocksource"

static struct {
	int rounds;	/* -r: rounds of the cases without policy */
	int fine;	/* -f: rounds of policy phase 1 */
	int visits;	/* -k: rounds of a state's cases per visit, phase 2 */
	int passes;	/* -p: serpentine passes over the states of phase 2 */
	int batch;	/* -b: operations per batch */
	int nrules;	/* -n: N, rules of the big policy, ranges of the big key */
	int allow;	/* -a: `pidpolicy allow` calls timed on a 1-rule policy */
	int allow_big;	/* -A: and on the N-rule policy */
	int race;	/* -R: rounds with a concurrent forker */
	int write_only;	/* -w: write the policy files to WORK_DIR, exit */
} opt = {
	.rounds = 20, .fine = 16, .visits = 8, .passes = 2, .batch = 10,
	.nrules = 100000, .allow = 47, .allow_big = 3, .race = 30,
};

static pid_t P;			/* the pid chosen in our namespace */
static __u32 self_ns;		/* our pid namespace's inode */
static __u32 *other_ns;		/* the N-rule policy's other namespaces, [1..] */

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "pidbench: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(1);
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void progress(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void progress(const char *fmt, ...)
{
	static double start;
	va_list ap;

	if (!start)
		start = now_ns();
	printf("pidbench: [%5.0fs] ", (now_ns() - start) / 1e9);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

/*
 * For tests/bench/run, on the host: the TSC rate in kHz. Under TCG the
 * guest's TSC is the host's; given this rate (tsc_early_khz=), the guest
 * kernel need not calibrate it, which fails at random on a busy host and
 * leaves the guest timing by jiffies, which lose ticks.
 */
static int print_tsc_khz(void)
{
	double t0 = now_ns(), t1;
	unsigned long long c0 = __rdtsc(), c1;

	usleep(300000);
	c1 = __rdtsc();
	t1 = now_ns();
	printf("%.0f\n", (double)(c1 - c0) / (t1 - t0) * 1e6);
	return 0;
}

/* ---- statistics ---------------------------------------------------------- */

struct series {
	double *v;
	size_t n, cap;
};

struct stats {
	double med, p25, p75, min, max;
	size_t n;
};

static void series_add(struct series *s, double x)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 64;
		s->v = realloc(s->v, s->cap * sizeof(*s->v));
		if (!s->v)
			die("out of memory");
	}
	s->v[s->n++] = x;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Quantile q of sorted v[0..n), interpolating between neighbours. */
static double quantile(const double *v, size_t n, double q)
{
	double pos = q * (double)(n - 1);
	size_t i = (size_t)pos;

	if (i + 1 >= n)
		return v[n - 1];
	return v[i] + (pos - (double)i) * (v[i + 1] - v[i]);
}

static struct stats series_stats(const struct series *s)
{
	struct stats st = { NAN, NAN, NAN, NAN, NAN, s->n };
	double *v;

	if (!s->n)
		return st;
	v = malloc(s->n * sizeof(*v));
	if (!v)
		die("out of memory");
	memcpy(v, s->v, s->n * sizeof(*v));
	qsort(v, s->n, sizeof(*v), cmp_double);
	st.med = quantile(v, s->n, 0.5);
	st.p25 = quantile(v, s->n, 0.25);
	st.p75 = quantile(v, s->n, 0.75);
	st.min = v[0];
	st.max = v[s->n - 1];
	free(v);
	return st;
}

static double series_mean(const struct series *s)
{
	double sum = 0;
	size_t i;

	for (i = 0; i < s->n; i++)
		sum += s->v[i];
	return s->n ? sum / (double)s->n : NAN;
}

static double series_med(const struct series *s)
{
	return series_stats(s).med;
}

/* ---- one operation: create a process and reap it ---------------------------- */

enum op_kind { OP_FORK, OP_CLONE3, OP_CLONE2, OP_DANCE };

/* The process that runs an operation: main, or one of the workers */
enum where {
	HERE,
	DEEP,		/* DEEP_LEVELS pid namespaces down */
	FILTERED,	/* in our namespace, under a seccomp filter */
	NR_WHERE
};

struct op {
	int kind;		/* enum op_kind */
	int where;		/* enum where */
	unsigned int nr;	/* clone2: pids chosen, innermost levels */
};

struct batch {
	double ns_per_op;
	unsigned long wrong, failed;
	int err;		/* errno of the last failure */
};

/*
 * The pids of a clone2 choosing the nr innermost levels of a child at level
 * `level`, outermost first: P in our namespace, INNER_PID in nested ones,
 * where nothing else lives that high.
 */
static void clone2_pids(unsigned int nr, int level, pid_t *pids)
{
	unsigned int i;

	for (i = 0; i < nr; i++)
		pids[i] = level - (int)(nr - 1 - i) == 0 ? P : INNER_PID;
}

/*
 * The ns_last_pid dance of restore tools before clone3: lock the file
 * against each other, make the pid before the wanted one the last one
 * handed out, fork, and hope nobody else forked in between. Closing the
 * file drops the lock.
 */
static pid_t dance_fork(pid_t want)
{
	char buf[16];
	int fd = open(NS_LAST_PID, O_RDWR | O_CLOEXEC), len, err;
	pid_t child = -1;

	if (fd < 0)
		return -1;
	len = snprintf(buf, sizeof(buf), "%d", want - 1);
	if (!flock(fd, LOCK_EX) && write(fd, buf, len) == len)
		child = fork();
	err = errno;
	if (child)
		close(fd);
	errno = err;
	return child;
}

/* Create and reap one child: 0, 1 if it got a pid it did not want, -errno. */
static int do_op(const struct op *op, const pid_t *pids, pid_t want)
{
	struct clone_args ca = {
		.exit_signal = SIGCHLD,
		.set_tid = (uintptr_t)pids,
		.set_tid_size = 1,
	};
	pid_t child;
	int st;

	switch (op->kind) {
	case OP_FORK:
		child = fork();
		break;
	case OP_CLONE3:
		child = syscall(__NR_clone3, &ca, sizeof(ca));
		break;
	case OP_CLONE2:
		child = clone2_fork(pids, op->nr, 0);
		break;
	default:
		child = dance_fork(want);
		break;
	}
	/* every child makes the same check: getpid() is a real system call */
	if (child == 0)
		_exit(want && getpid() != want ? 1 : 0);
	if (child < 0)
		return -errno;
	if (waitpid(child, &st, 0) != child)
		die("waitpid: %s", strerror(errno));
	return WIFEXITED(st) && WEXITSTATUS(st) == 1;
}

static struct batch run_batch(const struct op *op, int n)
{
	int level = op->where == DEEP ? DEEP_LEVELS : 0, i, r;
	struct batch b = {};
	pid_t pids[MAX_LEVELS], want = 0;
	double t0;

	if (op->kind == OP_CLONE3 || op->kind == OP_DANCE) {
		pids[0] = want = P;
	} else if (op->kind == OP_CLONE2 && op->nr) {
		clone2_pids(op->nr, level, pids);
		want = pids[op->nr - 1];
	}
	t0 = now_ns();
	for (i = 0; i < n; i++) {
		r = do_op(op, pids, want);
		if (r < 0) {
			b.failed++;
			b.err = -r;
		} else {
			b.wrong += r;
		}
	}
	b.ns_per_op = (now_ns() - t0) / n;
	return b;
}

/* ---- the workers: 31 pid namespaces down, under a seccomp filter ---------- */

struct worker_request {
	struct op op;
	int n;
};

static struct worker {
	pid_t pid;
	int req, resp;		/* pipes to and from it */
} workers[NR_WHERE];
static int read_full(int fd, void *buf, size_t len)
{
	ssize_t r;
	size_t done = 0;

	while (done < len) {
		r = read(fd, (char *)buf + done, len - done);
		if (r <= 0)
			return -1;
		done += r;
	}
	return 0;
}

static int write_full(int fd, const void *buf, size_t len)
{
	return write(fd, buf, len) == (ssize_t)len ? 0 : -1;
}

/* The number of entries of our NSpid line: our level + 1. */
static int nspid_entries(void)
{
	char line[1024];
	FILE *f = fopen("/proc/self/status", "r");
	int n = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "NSpid:", 6))
			continue;
		n = 0;
		for (char *p = strtok(line + 6, " \t\n"); p; p = strtok(NULL, " \t\n"))
			n++;
	}
	fclose(f);
	return n;
}

/*
 * A filter as container runtimes install them: the architecture checked,
 * a deny-list of system calls (EPERM), everything else allowed. clone3
 * and clone2 are allowed; clone2 runs it a second time, as clone3.
 */
static void install_seccomp_filter(void)
{
	static const int denied[] = { __NR_kexec_load, __NR_init_module, __NR_finit_module,
				      __NR_delete_module, __NR_reboot, __NR_swapon, __NR_swapoff,
				      __NR_acct, __NR_settimeofday, __NR_iopl, __NR_ioperm };
	struct sock_filter f[5 + 2 * ARRAY_SIZE(denied)];
	struct sock_fprog prog = { .filter = f };
	unsigned int i, n = 0;

	f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
					      offsetof(struct seccomp_data, arch));
	f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
					      offsetof(struct seccomp_data, nr));
	for (i = 0; i < ARRAY_SIZE(denied); i++) {
		f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, denied[i], 0, 1);
		f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM);
	}
	f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	prog.len = n;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
	    syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog))
		_exit(15);
}

/*
 * Start the worker that runs the batches of operations `where` main asks
 * for, so that they are interleaved with the others like local ones. DEEP:
 * a chain of processes, each unsharing a new pid namespace for the next,
 * down to level DEEP_LEVELS, whose process (pid 1 there) is the worker.
 * FILTERED: a child under install_seccomp_filter()'s filter.
 */
static void worker_start(enum where where)
{
	struct worker *w = &workers[where];
	int req[2], resp[2], i, st, levels = where == DEEP ? DEEP_LEVELS : 0;
	pid_t pid;

	if (pipe(req) || pipe(resp))
		die("pipe: %s", strerror(errno));
	w->pid = fork();
	if (w->pid < 0)
		die("fork: %s", strerror(errno));
	if (w->pid == 0) {
		struct worker_request rq;
		struct batch b;

		close(req[1]);
		close(resp[0]);
		/* the other workers' pipes: they must see EOF when main closes them */
		for (i = 0; i < NR_WHERE; i++) {
			if (workers[i].pid > 0) {
				close(workers[i].req);
				close(workers[i].resp);
			}
		}
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		for (i = 0; i < levels; i++) {
			if (unshare(CLONE_NEWPID))
				_exit(10);
			pid = fork();
			if (pid < 0)
				_exit(11);
			if (pid > 0) {
				close(req[0]);
				close(resp[1]);
				waitpid(pid, &st, 0);
				_exit(WIFEXITED(st) ? WEXITSTATUS(st) : 12);
			}
			prctl(PR_SET_PDEATHSIG, SIGKILL);
		}
		if (where == FILTERED)
			install_seccomp_filter();
		/* /proc is the initial namespace's: NSpid lists every level */
		i = nspid_entries();
		if (write_full(resp[1], &i, sizeof(i)))
			_exit(13);
		while (!read_full(req[0], &rq, sizeof(rq))) {
			b = run_batch(&rq.op, rq.n);
			if (write_full(resp[1], &b, sizeof(b)))
				_exit(14);
		}
		_exit(0);
	}
	close(req[0]);
	close(resp[1]);
	w->req = req[1];
	w->resp = resp[0];
	if (read_full(w->resp, &i, sizeof(i)))
		die("a worker did not start (status %d)",
		    waitpid(w->pid, &st, 0) == w->pid && WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	if (i != levels + 1)
		die("a worker has %d NSpid entries, not %d", i, levels + 1);
}

static void worker_stop(enum where where)
{
	struct worker *w = &workers[where];
	int st;

	close(w->req);
	close(w->resp);
	if (waitpid(w->pid, &st, 0) != w->pid || !WIFEXITED(st) || WEXITSTATUS(st))
		die("a worker failed (status %#x)", st);
}

static struct batch any_batch(const struct op *op, int n)
{
	struct worker_request rq = { *op, n };
	struct worker *w = &workers[op->where];
	struct batch b;

	if (op->where == HERE)
		return run_batch(op, n);
	if (write_full(w->req, &rq, sizeof(rq)) || read_full(w->resp, &b, sizeof(b)))
		die("lost a worker");
	return b;
}

/* ---- measurements ------------------------------------------------------------ */

struct meas {
	const char *key;	/* stable JSON key */
	const char *label;	/* table row */
	struct op op;
	struct series s;	/* ns per operation, one value per batch */
	unsigned long ops, wrong, failed;
	int err;
};

#define MEAS(k, l, kind, where, nr) \
	{ .key = (k), .label = (l), .op = { (kind), (where), (nr) } }

static void measure(struct meas *m, int n, int record)
{
	struct batch b = any_batch(&m->op, n);

	if (!record)
		return;
	series_add(&m->s, b.ns_per_op);
	m->ops += n;
	m->wrong += b.wrong;
	m->failed += b.failed;
	if (b.failed)
		m->err = b.err;
}

/*
 * rounds rounds of one batch of each case, round-robin; each round starts
 * one case later, so no case always runs first. With warm, one unrecorded
 * batch of each first warms caches and allocators.
 */
static void interleave(struct meas **ms, int nm, int rounds, int warm)
{
	int r, j;

	for (j = 0; warm && j < nm; j++)
		measure(ms[j], opt.batch, 0);
	for (r = 0; r < rounds; r++)
		for (j = 0; j < nm; j++)
			measure(ms[(r + j) % nm], opt.batch, 1);
}

static double med(const struct meas *m)
{
	return series_med(&m->s);
}

/* ---- running pidpolicy ---------------------------------------------------------- */

/* Run argv (stdout discarded), return its exit status; *secs its duration. */
static int run(char *const argv[], double *secs)
{
	double t0 = now_ns();
	pid_t pid = fork();
	int st, fd;

	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (pid == 0) {
		fd = open("/dev/null", O_WRONLY);
		if (fd >= 0)
			dup2(fd, 1);
		execvp(argv[0], argv);
		_exit(127);
	}
	if (waitpid(pid, &st, 0) != pid)
		die("waitpid: %s", strerror(errno));
	if (secs)
		*secs = (now_ns() - t0) / 1e9;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* Busy and idle time of the CPUs so far, in USER_HZ ticks. */
static void cpu_times(double *busy, double *idle)
{
	unsigned long long v[8] = {};
	FILE *f = fopen("/proc/stat", "r");

	if (!f || fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1],
			 &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]) != 8)
		die("/proc/stat: cannot read");
	fclose(f);
	*idle = (double)(v[3] + v[4]);
	*busy = (double)(v[0] + v[1] + v[2] + v[5] + v[6] + v[7]);
}

/*
 * Wait until the kernel is done with what a policy switch left it (freeing
 * maps, entries and trampolines runs in workqueues and RCU callbacks): the
 * CPUs at least 90% idle over a window of `window` microseconds, or 60 s.
 */
static double settle(useconds_t window)
{
	double t0 = now_ns(), b0, i0, b1, i1;

	do {
		cpu_times(&b0, &i0);
		usleep(window);
		cpu_times(&b1, &i1);
	} while (i1 - i0 < 9 * (b1 - b0) && now_ns() - t0 < 60e9);
	return (now_ns() - t0) / 1e9;
}

/* ---- policy files ------------------------------------------------------------------ */

/*
 * The N-rule policy spreads its rules over other namespaces too, and
 * pidpolicy writes entries only for live ones: namespaces 1..n, each
 * unshared by a child that waits, with the namespace's init, to die with us.
 */
static void hold_other_namespaces(int n)
{
	char path[64], c;
	struct stat sb;
	int i, st = 0, fds[2];
	pid_t pid;

	other_ns = calloc((size_t)n + 1, sizeof(*other_ns));
	if (!other_ns)
		die("out of memory");
	for (i = 1; i <= n; i++) {
		if (pipe(fds))
			die("pipe: %s", strerror(errno));
		pid = fork();
		if (pid < 0)
			die("fork: %s", strerror(errno));
		if (pid == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			if (unshare(CLONE_NEWPID))
				_exit(errno);
			/* its init: pid_for_children names no namespace without one */
			pid = fork();
			if (pid == 0)
				prctl(PR_SET_PDEATHSIG, SIGKILL);
			if (pid > 0 && write(fds[1], "", 1) != 1)
				_exit(EPIPE);
			if (pid < 0)
				_exit(errno);
			pause();
			_exit(0);
		}
		close(fds[1]);
		snprintf(path, sizeof(path), "/proc/%d/ns/pid_for_children", (int)pid);
		if (read(fds[0], &c, 1) != 1) {
			waitpid(pid, &st, 0);
			die("pid namespace %d of %d: %s", i, n,
			    strerror(WIFEXITED(st) ? WEXITSTATUS(st) : EINTR));
		}
		if (stat(path, &sb))
			die("%s: %s", path, strerror(errno));
		close(fds[0]);
		other_ns[i] = (__u32)sb.st_ino;
	}
}

/*
 * Rule k of the big policy: namespace, uid and pids. Rule 0 is ours; rules
 * from N on are the fresh ones the `allow` sample adds to the N-rule policy.
 */
static void big_rule(int k, __u32 *ns, unsigned int *uid, char *pids, size_t len)
{
	int nsi = k / UIDS_PER_NS, first;

	*ns = nsi ? other_ns[nsi] : self_ns;
	*uid = k % UIDS_PER_NS;
	if (!k) {
		snprintf(pids, len, "%d", P);
		return;
	}
	/* ten pids somewhere below pid_max, different from rule to rule */
	first = 300 + (int)(((long)k * 7919) % 190000);
	snprintf(pids, len, "%d-%d", first, first + 9);
}

static FILE *policy_file(const char *name, const char *header)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), WORK_DIR "/%s", name);
	f = fopen(path, "w");
	if (!f)
		die("%s: %s", path, strerror(errno));
	fprintf(f, "# pidbench: %s\n", header);
	return f;
}

static void close_policy(FILE *f)
{
	if (fclose(f))
		die("writing a policy file: %s", strerror(errno));
}

static void write_policies(void)
{
	char pids[32];
	unsigned int uid;
	__u32 ns;
	FILE *f;
	int k;

	if (mkdir(WORK_DIR, 0700) && errno != EEXIST)
		die("%s: %s", WORK_DIR, strerror(errno));
	f = policy_file("off.policy", "loaded, default mode off, no rules");
	fprintf(f, "mode default off\n");
	close_policy(f);

	f = policy_file("one.policy", "enforce, one rule of one range, ours");
	fprintf(f, "mode default enforce\nallow ns %u uid 0 pids %d\n", self_ns, P);
	close_policy(f);

	f = policy_file("any.policy", "enforce, one rule for any namespace");
	fprintf(f, "mode default enforce\nallow ns any uid 0 pids %d,%d\n", INNER_PID, P);
	close_policy(f);

	/* our key with N ranges of one pid, every other pid around P */
	f = policy_file("ranges.policy", "enforce, our rule with N ranges");
	fprintf(f, "mode default enforce\nallow ns %u uid 0 pids ", self_ns);
	for (k = 0; k < opt.nrules; k++)
		fprintf(f, "%s%d", k ? "," : "", P - 2 * (opt.nrules / 2) + 2 * k);
	fprintf(f, "\n");
	close_policy(f);

	/* N rules, UIDS_PER_NS uids in each of N / UIDS_PER_NS namespaces */
	f = policy_file("rules.policy", "enforce, N rules over namespaces and uids");
	fprintf(f, "mode default enforce\n");
	for (k = 0; k < opt.nrules; k++) {
		big_rule(k, &ns, &uid, pids, sizeof(pids));
		fprintf(f, "allow ns %u uid %u pids %s\n", ns, uid, pids);
	}
	close_policy(f);
}


/* ---- BPF objects ------------------------------------------------------------------ */

static const char *const prog_names[] = { "pid_choose", "alloc_pid_exit", "free_pid_entry" };
#define NR_PROGS ARRAY_SIZE(prog_names)

static int obj_get(const char *path)
{
	int fd = bpf_obj_get(path);

	if (fd < 0)
		die("%s: %s", path, strerror(errno));
	return fd;
}

static int loaded(void)
{
	return !access(PIN_DIR "/pid_choose_link", F_OK);
}

/*
 * Detach the programs as `pidpolicy unload` does, by removing the pins of
 * their links (the only references), but keep programs and maps pinned.
 */
static void links_detach(void)
{
	char path[128];
	size_t i;

	for (i = 0; i < NR_PROGS; i++) {
		snprintf(path, sizeof(path), PIN_DIR "/%s_link", prog_names[i]);
		if (unlink(path))
			die("%s: %s", path, strerror(errno));
	}
}

/* Attach them again and pin their links as `pidpolicy load` does, pid_choose last. */
static void links_attach(void)
{
	char path[128];
	int prog, link;
	size_t i;

	for (i = NR_PROGS; i-- > 0;) {
		snprintf(path, sizeof(path), PIN_DIR "/%s", prog_names[i]);
		prog = obj_get(path);
		link = bpf_raw_tracepoint_open(NULL, prog);
		if (link < 0)
			die("attaching %s: %s", path, strerror(errno));
		strncat(path, "_link", sizeof(path) - strlen(path) - 1);
		if (bpf_obj_pin(link, path))
			die("pinning %s: %s", path, strerror(errno));
		close(link);
		close(prog);
	}
}

/* ---- policy states ------------------------------------------------------------------ */

enum {
	ST_NONE, ST_OFF, ST_ONE, ST_ANY, ST_RANGES, ST_RULES, NR_STATES
};

static const struct {
	const char *key, *label, *file;
} states[NR_STATES] = {
	[ST_NONE] = { "none", "not loaded", NULL },
	[ST_OFF] = { "off", "mode off", NULL },
	[ST_ONE] = { "one_rule", "1 rule", "one.policy" },
	[ST_ANY] = { "any_ns_rule", "1 rule, any ns", "any.policy" },
	[ST_RANGES] = { "ranges", "1 rule, N ranges", "ranges.policy" },
	[ST_RULES] = { "rules", "N rules", "rules.policy" },
};

/*
 * Phase 1 alternates these every round: the programs are detached and
 * attached again (with 1 rule in the maps) and the default mode set, in
 * a fraction of a second.
 */
#define NR_FINE 3
static const int fine_states[NR_FINE] = { ST_NONE, ST_OFF, ST_ONE };
/*
 * Phase 2 visits these in a serpentine; the N-rule state last in the first
 * pass and first in the second, so that it is entered once.
 */
#define NR_COARSE 4
static const int coarse_states[NR_COARSE] = { ST_ONE, ST_ANY, ST_RANGES, ST_RULES };

static int cur_state = ST_NONE;
static const char *cur_mode = "";
static struct series apply_secs[NR_STATES], load_secs, unload_secs, flip_secs, settle_secs;

static double pidpolicy(const char *a, const char *b, const char *c)
{
	char *argv[] = { "pidpolicy", (char *)a, (char *)b, (char *)c, NULL };
	double secs;

	if (run(argv, &secs))
		die("pidpolicy %s %s %s failed", a, b ? b : "", c ? c : "");
	return secs;
}

/* Phase 1: switch between not loaded, mode off and 1 rule enforced. */
static void fine_state(int s)
{
	const char *mode = s == ST_OFF ? "off" : "enforce";
	double t0 = now_ns();

	if (s == cur_state)
		return;
	if (s == ST_NONE) {
		links_detach();
	} else {
		if (!loaded())
			links_attach();
		if (strcmp(cur_mode, mode)) {
			pidpolicy("mode", "--default", mode);
			cur_mode = mode;
		}
	}
	series_add(&flip_secs, (now_ns() - t0) / 1e9);
	series_add(&settle_secs, settle(200000));
	cur_state = s;
}

/*
 * Phase 2, and the ends of the phases: apply the state's policy file. The
 * N-rule state is left by unloading: `apply` would delete its entries one
 * system call each, minutes in this VM, while unload frees the maps in the
 * kernel.
 */
static void set_state(int s)
{
	char path[128];

	if (s == cur_state)
		return;
	if (loaded() && (s == ST_NONE || cur_state == ST_RULES))
		series_add(&unload_secs, pidpolicy("unload", NULL, NULL));
	if (s != ST_NONE) {
		if (!loaded())
			series_add(&load_secs, pidpolicy("load", NULL, NULL));
		snprintf(path, sizeof(path), WORK_DIR "/%s", states[s].file);
		series_add(&apply_secs[s], pidpolicy("apply", path, NULL));
		cur_mode = "enforce";
	}
	cur_state = s;
	series_add(&settle_secs, settle(500000));
}

/* ---- what size costs ----------------------------------------------------------------- */

/*
 * Files whose planning and duplicate checks were once quadratic: one rule
 * of 2,000,000 ranges, applied; 65,536 mode lines, read whole and then
 * refused at their first number, which no namespace has (no VM holds
 * 65,536 live ones), so the time is the reading and the checks.
 */
#define BIG_RANGES	2000000
#define BIG_MODES	65536
#define DEAD_INUM	0xf8000000u	/* far above the numbers this VM hands out */

static double big_ranges_secs, big_modes_secs;

static void size_phase(void)
{
	char *modes[] = { "pidpolicy", "apply", WORK_DIR "/modes.policy", NULL };
	/* pidpolicy holds a file per namespace named: let it try all */
	struct rlimit files = { BIG_MODES + 1024, BIG_MODES + 1024 };
	FILE *f;
	int k;

	f = policy_file("ranges.2m.policy", "enforce, one rule of 2,000,000 ranges");
	fprintf(f, "mode default enforce\nallow ns any uid 0 pids 1");
	for (k = 1; k < BIG_RANGES; k++)
		fprintf(f, ",%d", 1 + 2 * k);
	fprintf(f, "\n");
	close_policy(f);
	big_ranges_secs = pidpolicy("apply", WORK_DIR "/ranges.2m.policy", NULL);

	f = policy_file("modes.policy", "65,536 mode lines, numbers no namespace has");
	for (k = 0; k < BIG_MODES; k++)
		fprintf(f, "mode ns %u enforce\n", DEAD_INUM + k);
	close_policy(f);
	if (setrlimit(RLIMIT_NOFILE, &files))
		die("setrlimit(RLIMIT_NOFILE): %s", strerror(errno));
	if (!run(modes, &big_modes_secs))
		die("pidpolicy apply took %s, whose namespaces are dead", modes[2]);
}

/* ---- BPF program run time (kernel.bpf_stats_enabled) -------------------------------- */

struct prog_time {
	__u64 cnt, ns;
};

static struct prog_time prog_time(int fd, const char *name)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		die("bpf prog info of %s: %s", name, strerror(errno));
	return (struct prog_time){ info.run_cnt, info.run_time_ns };
}

static void read_prog_times(struct prog_time *t)
{
	char path[128];
	size_t i;
	int fd;

	for (i = 0; i < NR_PROGS; i++) {
		snprintf(path, sizeof(path), PIN_DIR "/%s", prog_names[i]);
		fd = obj_get(path);
		t[i] = prog_time(fd, path);
		close(fd);
	}
}

static int write_file(const char *path, const char *value)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), err = 0;
	ssize_t len = (ssize_t)strlen(value);

	if (fd < 0)
		return -errno;
	if (write(fd, value, len) != len)
		err = -errno;
	close(fd);
	return err;
}

static void write_sysctl(const char *path, const char *value)
{
	int err = write_file(path, value);

	if (err)
		die("%s: %s", path, strerror(-err));
}

/* Where the time of the programs goes for one op of a case in a state. */
struct bpf_diag {
	const char *state_key, *case_key;
	double runs_per_op[NR_PROGS];
	double ns_per_run[NR_PROGS];
	double ns_per_op;	/* all three programs */
};

static struct bpf_diag diags[NR_STATES];
static int nr_diags;

static int diag_ops(void)
{
	return DIAG_BATCHES * opt.batch;
}

/* DIAG_BATCHES batches of m with the programs' run time counted */
static void stats_batches(const struct meas *m, const char *state_key)
{
	struct batch b;
	int i;

	for (i = 0; i < DIAG_BATCHES; i++) {
		b = any_batch(&m->op, opt.batch);
		if (b.failed)
			die("%s failed in state %s: %s", m->key, state_key, strerror(b.err));
	}
}

static void bpf_diag(int s, const struct meas *m)
{
	struct prog_time t0[NR_PROGS], t1[NR_PROGS];
	struct bpf_diag *d = &diags[nr_diags++];
	size_t i;

	*d = (struct bpf_diag){ .state_key = states[s].key, .case_key = m->key };
	write_sysctl("/proc/sys/kernel/bpf_stats_enabled", "1");
	read_prog_times(t0);
	stats_batches(m, states[s].key);
	read_prog_times(t1);
	write_sysctl("/proc/sys/kernel/bpf_stats_enabled", "0");
	for (i = 0; i < NR_PROGS; i++) {
		__u64 cnt = t1[i].cnt - t0[i].cnt, ns = t1[i].ns - t0[i].ns;

		d->runs_per_op[i] = (double)cnt / diag_ops();
		d->ns_per_run[i] = cnt ? (double)ns / (double)cnt : NAN;
		d->ns_per_op += (double)ns / diag_ops();
	}
}

static const struct bpf_diag *diag_of(int s)
{
	int i;

	for (i = 0; i < nr_diags; i++)
		if (!strcmp(diags[i].state_key, states[s].key))
			return &diags[i];
	return NULL;
}

/*
 * ns per run of prog, a program of pidbench.bpf.c attached alone (no policy
 * loaded) while m runs as in bpf_diag().
 */
static double floor_ns_per_run(struct bpf_program *prog, const struct meas *m)
{
	const char *name = bpf_program__name(prog);
	struct bpf_link *link = bpf_program__attach(prog);
	int fd = bpf_program__fd(prog);
	struct prog_time t0, t1;

	if (!link)
		die("attaching %s: %s", name, strerror(errno));
	write_sysctl("/proc/sys/kernel/bpf_stats_enabled", "1");
	t0 = prog_time(fd, name);
	stats_batches(m, name);
	t1 = prog_time(fd, name);
	write_sysctl("/proc/sys/kernel/bpf_stats_enabled", "0");
	bpf_link__destroy(link);
	if (t1.cnt == t0.cnt)
		die("%s never ran", name);
	return (double)(t1.ns - t0.ns) / (double)(t1.cnt - t0.cnt);
}

/* ---- pidpolicy allow, one rule per call ---------------------------------------------- */

static struct series allow_small, allow_big;

/* Add rule k of the big policy with one `pidpolicy allow`, timed into s. */
static void allow_rule(int k, struct series *s)
{
	char ns_s[16], uid_s[16], pids[32];
	char *argv[] = { "pidpolicy", "allow", "--ns", ns_s, "--uid", uid_s, "--pids", pids,
			 NULL };
	unsigned int uid;
	double secs;
	__u32 ns;

	big_rule(k, &ns, &uid, pids, sizeof(pids));
	snprintf(ns_s, sizeof(ns_s), "%u", ns);
	snprintf(uid_s, sizeof(uid_s), "%u", uid);
	if (run(argv, &secs))
		die("pidpolicy allow --ns %s --uid %s --pids %s failed", ns_s, uid_s, pids);
	series_add(s, secs);
}

/* ---- the concurrent forker ------------------------------------------------------ */

static pid_t start_forker(void)
{
	pid_t pid = fork(), c;

	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		for (;;) {
			c = fork();
			if (c == 0)
				_exit(0);
			if (c > 0)
				waitpid(c, NULL, 0);
		}
	}
	return pid;
}

/* Kill it and reap what it leaves: its last child comes to us, the subreaper. */
static void stop_forker(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	usleep(200000);
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

/* ---- results ------------------------------------------------------------------------ */

static FILE *tab;	/* the table, printed at the end */
static char *tab_buf;
static size_t tab_len;

/* a[r] / b[r]: the ratios of the batches of two cases round by round */
static struct series per_round(const struct meas *a, const struct meas *b)
{
	struct series r = {};
	size_t i;

	for (i = 0; i < a->s.n && i < b->s.n; i++)
		series_add(&r, a->s.v[i] / b->s.v[i]);
	return r;
}

static double per_round_med(const struct meas *a, const struct meas *b)
{
	struct series r = per_round(a, b);
	double v = series_med(&r);

	free(r.v);
	return v;
}

struct ratio {
	const char *key, *what;
	double value, p25, p75;	/* quartiles of the per-round ratios, or NaN */
};

static struct ratio ratios[40];
static int nr_ratios;

static double add_ratio(const char *key, const char *what, double value, double p25,
			double p75)
{
	ratios[nr_ratios++] = (struct ratio){ key, what, value, p25, p75 };
	return value;
}

/* The ratio of the medians of a and b, measured in the same rounds. */
static double ratio(const char *key, const char *what, const struct meas *a,
		    const struct meas *b)
{
	struct series r = per_round(a, b);
	struct stats st = series_stats(&r);

	free(r.v);
	return add_ratio(key, what, med(a) / med(b), st.p25, st.p75);
}

/*
 * Between states minutes apart: (a / b in state x) / (a / b in state y),
 * each the median of per-round ratios; b is a case that costs the same in
 * both states (fork, whose programs do the same work whatever the rules).
 */
static double norm_ratio(const char *key, const char *what, const struct meas *xa,
			 const struct meas *xb, const struct meas *ya, const struct meas *yb)
{
	struct series r = per_round(xa, xb);
	struct stats st = series_stats(&r);
	double y = per_round_med(ya, yb);

	free(r.v);
	return add_ratio(key, what, st.med / y, st.p25 / y, st.p75 / y);
}

static const struct ratio *ratio_of(const char *key)
{
	int i;

	for (i = 0; i < nr_ratios; i++)
		if (!strcmp(ratios[i].key, key))
			return &ratios[i];
	return NULL;
}

struct target {
	const char *key, *what, *op;
	double value, limit;
	int pass;
};

static struct target targets[24];
static int nr_targets;

static void target(const char *key, const char *what, double value,
		   const char *op, double limit)
{
	struct target *t = &targets[nr_targets++];
	int pass = !isnan(value) && (!strcmp(op, "<=") ? value <= limit :
				     !strcmp(op, ">=") ? value >= limit :
				     !strcmp(op, ">") ? value > limit : value == limit);

	*t = (struct target){ key, what, op, value, limit, pass };
}

static void tab_header(const char *extra)
{
	fprintf(tab, "  %-54s %7s  %-15s %-15s %3s  %s\n", "us per op", "median", "p25-p75",
		"min-max", "n", extra);
}

/* A row of the table; extra: a ratio to print after it, or NaN. */
static void tab_row(const struct meas *m, const char *label, double extra)
{
	struct stats st = series_stats(&m->s);

	fprintf(tab, "  %-54s %7.0f  %6.0f-%-8.0f %6.0f-%-8.0f %3zu",
		label ? label : m->label, st.med / 1e3, st.p25 / 1e3, st.p75 / 1e3,
		st.min / 1e3, st.max / 1e3, st.n);
	if (!isnan(extra))
		fprintf(tab, "  %6.3f", extra);
	if (m->failed || m->wrong)
		fprintf(tab, "  (%lu failed: %s, %lu wrong pid)", m->failed,
			m->failed ? strerror(m->err) : "-", m->wrong);
	fprintf(tab, "\n");
}

static void json_double(const char *sep, double v)
{
	if (isnan(v))
		printf("null%s", sep);
	else
		printf("%.4g%s", v, sep);
}

static void json_meas(const struct meas *m, const char *key, const char *sep)
{
	struct stats st = series_stats(&m->s);

	printf("    \"%s\": {\"label\": \"%s\", \"median_us\": %.1f, \"p25_us\": %.1f, "
	       "\"p75_us\": %.1f, \"min_us\": %.1f, \"max_us\": %.1f, \"batches\": %zu, "
	       "\"ops\": %lu, \"failed\": %lu, \"wrong_pid\": %lu}%s\n",
	       key ? key : m->key, m->label, st.med / 1e3, st.p25 / 1e3, st.p75 / 1e3,
	       st.min / 1e3, st.max / 1e3, st.n, m->ops, m->failed, m->wrong, sep);
}

/* /etc/pidbench-host (KEY=VALUE lines from tests/bench/run) as a JSON object. */
static void json_host(void)
{
	char line[512], *eq;
	FILE *h = fopen("/etc/pidbench-host", "r");
	int first = 1;

	printf("  \"host\": {");
	while (h && fgets(line, sizeof(line), h)) {
		line[strcspn(line, "\n")] = 0;
		eq = strchr(line, '=');
		if (!eq || strpbrk(line, "\"\\"))
			continue;
		*eq = 0;
		printf("%s\"%s\": \"%s\"", first ? "" : ", ", line, eq + 1);
		first = 0;
	}
	if (h)
		fclose(h);
	printf("},\n");
}

/* The value of KEY in /etc/pidbench-host, or "?". */
static void host_value(const char *key, char *buf, size_t len)
{
	FILE *h = fopen("/etc/pidbench-host", "r");
	size_t klen = strlen(key);
	char line[512];

	snprintf(buf, len, "?");
	while (h && fgets(line, sizeof(line), h)) {
		line[strcspn(line, "\n")] = 0;
		if (!strncmp(line, key, klen) && line[klen] == '=') {
			size_t n = strlen(line + klen + 1);

			n = n < len ? n : len - 1;
			memcpy(buf, line + klen + 1, n);
			buf[n] = 0;
		}
	}
	if (h)
		fclose(h);
}

static void json_series_med(const char *key, const struct series *s, const char *sep)
{
	printf("\"%s\": ", key);
	json_double(sep, series_med(s));
}

/* ---- main -------------------------------------------------------------------------- */

static void usage(void)
{
	fprintf(stderr,
		"usage: pidbench [-r ROUNDS] [-f ROUNDS] [-k VISIT_ROUNDS] [-p PASSES] [-b BATCH]\n"
		"                [-n N] [-a ALLOW_CALLS] [-A ALLOW_CALLS_ON_N] [-R RACE_ROUNDS]\n"
		"       pidbench -w [-n N]\n"
		"       pidbench -T\n"
		"  -w  only write the policy files to " WORK_DIR " (to try them by hand;\n"
		"      the N-rule one names namespaces that die with pidbench)\n"
		"  -T  print the TSC rate in kHz (tests/bench/run, on the host)\n");
	exit(2);
}

static int positive(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*end || v <= 0 || v > 10000000)
		usage();
	return (int)v;
}

/* A pid free now, even, at least p0: the bench keeps nothing else alive there. */
static pid_t pick_pid(pid_t p0)
{
	for (p0 &= ~1; !kill(p0, 0) || errno != ESRCH; p0 += 2)
		;
	return p0;
}

static void read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");

	snprintf(buf, len, "?");
	if (f && fgets(buf, (int)len, f))
		buf[strcspn(buf, "\n")] = 0;
	if (f)
		fclose(f);
}

int main(int argc, char **argv)
{
	struct meas fork_m = MEAS("fork", "fork + wait", OP_FORK, HERE, 0);
	struct meas clone3_m = MEAS("clone3_set_tid_1", "clone3, set_tid (1 level)", OP_CLONE3, HERE, 1);
	struct meas c2_0 = MEAS("clone2_0", "clone2, nr_pids 0", OP_CLONE2, HERE, 0);
	struct meas c2_1 = MEAS("clone2_1", "clone2, nr_pids 1", OP_CLONE2, HERE, 1);
	struct meas dance = MEAS("ns_last_pid_dance", "ns_last_pid dance + fork", OP_DANCE, HERE, 0);
	struct meas deep_0 = MEAS("deep_clone2_0", "31 ns deep: clone2, nr_pids 0", OP_CLONE2, DEEP, 0);
	struct meas deep_1 = MEAS("deep_clone2_1", "31 ns deep: clone2, nr_pids 1", OP_CLONE2, DEEP, 1);
	struct meas deep_8 = MEAS("deep_clone2_8", "31 ns deep: clone2, nr_pids 8", OP_CLONE2, DEEP, 8);
	struct meas deep_32 = MEAS("deep_clone2_32", "31 ns deep: clone2, nr_pids 32", OP_CLONE2, DEEP, 32);
	struct meas clone3_f = MEAS("filtered_clone3_set_tid_1",
				    "seccomp filter: clone3, set_tid (1 level)", OP_CLONE3, FILTERED, 1);
	struct meas c2_f = MEAS("filtered_clone2_1", "seccomp filter: clone2, nr_pids 1",
				OP_CLONE2, FILTERED, 1);
	struct meas *core[] = { &fork_m, &clone3_m, &c2_0, &c2_1, &dance, &deep_0, &deep_1,
				&deep_8, &deep_32, &clone3_f, &c2_f };
	/*
	 * by policy state: clone2 choosing 1 pid and fork (for ANY, nested
	 * clone2 choosing 1 and 32 pids); phase 1's states in fine[]
	 */
	struct meas pol[NR_STATES][2], fine[NR_FINE][2];
	struct meas race_dance = MEAS("dance", "ns_last_pid dance + fork", OP_DANCE, HERE, 0);
	struct meas race_c2 = MEAS("clone2", "clone2, nr_pids 1", OP_CLONE2, HERE, 1);
	struct meas *race[] = { &race_dance, &race_c2 };
	double allow_small_mean, allow_big_mean, allow_total, allow_naive, apply_n, empty_ns, lookup_ns;
	struct pidbench_bpf *floor;
	static const int decided[] = { ST_ONE, ST_RULES, ST_RANGES };
	char clocksource[64], buf[64], label[128];
	int c, i, j, p, r, s, misses = 0, clock_ok;
	struct utsname uts;
	struct stat sb;
	pid_t forker;

	while ((c = getopt(argc, argv, "r:f:k:p:b:n:a:A:R:wTh")) != -1) {
		switch (c) {
		case 'r': opt.rounds = positive(optarg); break;
		case 'f': opt.fine = positive(optarg); break;
		case 'k': opt.visits = positive(optarg); break;
		case 'p': opt.passes = positive(optarg); break;
		case 'b': opt.batch = positive(optarg); break;
		case 'n': opt.nrules = positive(optarg); break;
		case 'a': opt.allow = positive(optarg); break;
		case 'A': opt.allow_big = positive(optarg); break;
		case 'R': opt.race = positive(optarg); break;
		case 'w': opt.write_only = 1; break;
		case 'T': return print_tsc_khz();
		default: usage();
		}
	}
	if (optind != argc || opt.nrules < 2)
		usage();
	if (geteuid())
		die("run me as root, in the test VM");

	/*
	 * Room for N ranges of one pid each around P, in our namespace (the
	 * nested ones have no limit of their own). kmemleak's periodic scan, if it runs, would
	 * stall the VM for seconds at random: off for the run.
	 */
	snprintf(buf, sizeof(buf), "%d", BENCH_PID_MAX);
	write_sysctl("/proc/sys/kernel/pid_max", buf);
	write_file("/sys/kernel/debug/kmemleak", "scan=off");
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	if (stat("/proc/self/ns/pid", &sb))
		die("/proc/self/ns/pid: %s", strerror(errno));
	self_ns = (__u32)sb.st_ino;
	P = pick_pid(150000);
	if (P - opt.nrules < 2 || P + opt.nrules >= BENCH_PID_MAX)
		die("-n %d: too many ranges around pid %d below pid_max %d", opt.nrules, P,
		    BENCH_PID_MAX);
	read_line(CLOCKSOURCE, clocksource, sizeof(clocksource));
	clock_ok = !strcmp(clocksource, "tsc");

	progress("writing policy files (N = %d)", opt.nrules);
	hold_other_namespaces((opt.nrules + opt.allow_big - 1) / UIDS_PER_NS);
	write_policies();
	if (opt.write_only)
		return 0;
	if (!clock_ok)
		progress("warning: clocksource %s, not tsc: times may be off", clocksource);
	if (loaded())
		die("the pid policy is loaded: run me on a fresh VM");
	worker_start(DEEP);
	worker_start(FILTERED);

	/* ---- creating a process, no policy ---- */
	progress("no policy: %zu cases x %d rounds", ARRAY_SIZE(core), opt.rounds);
	interleave(core, ARRAY_SIZE(core), opt.rounds, 1);

	for (s = 0; s < NR_STATES; s++) {
		pol[s][0] = (struct meas)MEAS(c2_1.key, c2_1.label, OP_CLONE2, HERE, 1);
		pol[s][1] = (struct meas)MEAS(fork_m.key, fork_m.label, OP_FORK, HERE, 0);
	}
	for (s = 0; s < NR_FINE; s++) {
		fine[s][0] = pol[0][0];
		fine[s][1] = pol[0][1];
	}
	pol[ST_ANY][0] = (struct meas)MEAS(deep_1.key, deep_1.label, OP_CLONE2, DEEP, 1);
	pol[ST_ANY][1] = (struct meas)MEAS(deep_32.key, deep_32.label, OP_CLONE2, DEEP, 32);

	/* ---- phase 1: not loaded, mode off, 1 rule; alternated every round ---- */
	progress("policy phase 1: not loaded, mode off, 1 rule x %d rounds", opt.fine);
	set_state(ST_ONE);
	for (r = 0; r < opt.fine; r++) {
		for (j = 0; j < NR_FINE; j++) {
			struct meas *m = fine[(r + j) % NR_FINE];

			fine_state(fine_states[(r + j) % NR_FINE]);
			/* the first ops after a switch run freshly patched code */
			measure(&m[0], 1, 0);
			measure(&m[1], 1, 0);
			for (c = 0; c < 2; c++)
				measure(&m[(r + c) % 2], opt.batch, 1);
		}
	}
	fine_state(ST_NONE);
	floor = pidbench_bpf__open_and_load();
	if (!floor)
		die("loading pidbench.bpf.c: %s", strerror(errno));
	empty_ns = floor_ns_per_run(floor->progs.empty_pid_choose, &fine[0][0]);
	lookup_ns = floor_ns_per_run(floor->progs.one_lookup_pid_choose, &fine[0][0]);
	pidbench_bpf__destroy(floor);
	fine_state(ST_OFF);
	bpf_diag(ST_OFF, &fine[1][0]);
	fine_state(ST_ONE);
	bpf_diag(ST_ONE, &fine[2][0]);

	/*
	 * ---- phase 2: states that take long to set up, serpentine; the 1-rule
	 * state again, as the reference of the N-rule and N-range states ----
	 */
	for (p = 0; p < opt.passes; p++) {
		for (i = 0; i < NR_COARSE; i++) {
			struct meas *ms[2] = {};

			s = coarse_states[p % 2 ? NR_COARSE - 1 - i : i];
			progress("policy phase 2, pass %d/%d: %s", p + 1, opt.passes,
				 states[s].label);
			set_state(s);
			ms[0] = &pol[s][0];
			ms[1] = &pol[s][1];
			interleave(ms, 2, opt.visits, 1);
			if (p != opt.passes - 1)
				continue;
			/* last visit: the programs' time, then single `allow` calls,
			 * which change the policy */
			if (s != ST_ONE)
				bpf_diag(s, &pol[s][s == ST_ANY]);
			if (s == ST_ONE) {
				progress("pidpolicy allow: %d calls on a 1-rule policy", opt.allow);
				for (c = 0; c < opt.allow; c++)
					allow_rule(1 + (int)((long)c * (opt.nrules - 1) / opt.allow),
						   &allow_small);
			}
			if (s == ST_RULES) {
				progress("pidpolicy allow: %d calls on the N-rule policy",
					 opt.allow_big);
				for (c = 0; c < opt.allow_big; c++)
					allow_rule(opt.nrules + c, &allow_big);
			}
		}
	}
	worker_stop(DEEP);
	worker_stop(FILTERED);
	progress("size: apply of %d ranges, %d mode lines", BIG_RANGES, BIG_MODES);
	size_phase();
	set_state(ST_NONE);

	/* ---- a concurrent forker: wrong pids ---- */
	progress("concurrent forker: %d rounds", opt.race);
	forker = start_forker();
	interleave(race, 2, opt.race, 0);
	stop_forker(forker);
	progress("done");

	/* ---- the table ---- */
	tab = open_memstream(&tab_buf, &tab_len);
	if (!tab)
		die("open_memstream: %s", strerror(errno));
	uname(&uts);
	host_value("clock", buf, sizeof(buf));
	fprintf(tab, "pidbench: Linux %s, %ld CPU online, clocksource %s; batches of %d ops; "
		"N = %d\n", uts.release, sysconf(_SC_NPROCESSORS_ONLN), clocksource, opt.batch,
		opt.nrules);
	host_value("kernel_flavour", label, sizeof(label));
	fprintf(tab, "kernel flavour: %s\n", label);
	host_value("accel", label, sizeof(label));
	fprintf(tab, "times: %s\n", !strcmp(buf, "icount") ?
		"qemu -icount: the guest's clock counts 1 ns per instruction executed" :
		!strcmp(label, "kvm") ? "wall clock, under KVM" :
		!strcmp(buf, "real") ? "wall clock, under TCG" : "wall clock (?)");
	if (!clock_ok)
		fprintf(tab, "warning: the clocksource is not tsc: times may be off\n");

	fprintf(tab, "\nCreating a process, no policy: %d rounds, the %zu cases round-robin\n",
		opt.rounds, ARRAY_SIZE(core));
	tab_header("");
	for (i = 0; i < (int)ARRAY_SIZE(core); i++)
		tab_row(core[i], NULL, NAN);

	fprintf(tab, "\nPolicy, phase 1: the three states alternated every round (%d rounds): "
		"programs detached or attached\nagain by pidbench, default mode set by "
		"`pidpolicy mode` (off, or enforce), 1 rule (ours) in the maps\n", opt.fine);
	tab_header("");
	for (i = 0; i < NR_FINE; i++) {
		for (c = 0; c < 2; c++) {
			snprintf(label, sizeof(label), "%s: %s", states[fine_states[i]].label,
				 fine[i][c].label);
			tab_row(&fine[i][c], label, NAN);
		}
	}
	fprintf(tab, "  switching: %.2f s (median), then settling %.2f s\n", series_med(&flip_secs),
		series_med(&settle_secs));

	fprintf(tab, "\nPolicy, phase 2: %d serpentine passes over the states (in this order, then "
		"back), %d rounds per visit;\nmode enforce; last column: median of the per-round "
		"ratios (clone2 / fork; for any ns, nr_pids 32 / 1)\n", opt.passes, opt.visits);
	tab_header("ratio");
	for (i = 0; i < NR_COARSE; i++) {
		s = coarse_states[i];
		for (c = 0; c < 2; c++) {
			snprintf(label, sizeof(label), "%s: %s", states[s].label, pol[s][c].label);
			tab_row(&pol[s][c], label,
				c ? per_round_med(&pol[s][s == ST_ANY], &pol[s][s != ST_ANY]) : NAN);
		}
	}
	fprintf(tab, "  pidpolicy apply, median s:");
	for (i = 0; i < NR_COARSE; i++)
		fprintf(tab, " %s %.2f", states[coarse_states[i]].key,
			series_med(&apply_secs[coarse_states[i]]));
	fprintf(tab, "; load %.2f, unload %.2f\n", series_med(&load_secs),
		series_med(&unload_secs));
	fprintf(tab, "  size: apply of one rule of %d ranges %.2f s; %d mode lines read and "
		"checked %.2f s\n", BIG_RANGES, big_ranges_secs, BIG_MODES, big_modes_secs);

	fprintf(tab, "\nBPF programs per op, kernel.bpf_stats_enabled (%d ops; the programs' "
		"own run time, without their trampolines)\n", diag_ops());
	fprintf(tab, "  %-32s %-17s %-17s %-17s %8s\n", "", "pid_choose", "alloc_pid_exit",
		"free_pid_entry", "total");
	fprintf(tab, "  %-32s %-17s %-17s %-17s %8s\n", "state: case", "runs/op us/run",
		"runs/op us/run", "runs/op us/run", "us/op");
	for (i = 0; i < nr_diags; i++) {
		struct bpf_diag *d = &diags[i];

		snprintf(label, sizeof(label), "%s: %s", d->state_key, d->case_key);
		fprintf(tab, "  %-32s", label);
		for (c = 0; c < (int)NR_PROGS; c++)
			fprintf(tab, " %7.1f %7.1f  ", d->runs_per_op[c], d->ns_per_run[c] / 1e3);
		fprintf(tab, "%8.1f\n", d->ns_per_op / 1e3);
	}

	fprintf(tab, "\nOne decision: run time per call of lsm/pid_choose programs, "
		"kernel.bpf_stats_enabled, %d ops of\nclone2 choosing 1 pid%s\n", diag_ops(),
		!strcmp(buf, "icount") ? "; ns of the instruction clock (1 ns per instruction)" : "");
	fprintf(tab, "  %-44s %8.0f ns\n", "empty program (the floor: trampoline, stats)",
		empty_ns);
	fprintf(tab, "  %-44s %8.0f ns  %5.2f x the empty program\n",
		"one lookup of a missing hash map key", lookup_ns, lookup_ns / empty_ns);
	for (i = 0; i < (int)ARRAY_SIZE(decided); i++) {
		const struct bpf_diag *d = diag_of(decided[i]);

		snprintf(label, sizeof(label), "pidpolicy's pid_choose, %s", states[decided[i]].label);
		fprintf(tab, "  %-44s %8.0f ns  %5.2f x the empty program\n", label,
			d ? d->ns_per_run[0] : NAN, (d ? d->ns_per_run[0] : NAN) / empty_ns);
	}

	fprintf(tab, "\nWith a concurrent forker in the same namespace: %d rounds, interleaved; "
		"pid %d wanted\n", opt.race, P);
	fprintf(tab, "  %-32s %8s %10s %8s %10s\n", "", "ops", "wrong pid", "failed", "us/op");
	for (i = 0; i < 2; i++)
		fprintf(tab, "  %-32s %8lu %10lu %8lu %10.0f%s%s\n", race[i]->label, race[i]->ops,
			race[i]->wrong, race[i]->failed, med(race[i]) / 1e3,
			race[i]->failed ? "  last error: " : "",
			race[i]->failed ? strerror(race[i]->err) : "");

	/*
	 * `allow` rewrites the rule's summary after reading every key of the
	 * pid map, so a call costs more the more rules there are: take the cost
	 * as linear in the rules present, between the two samples, and sum it
	 * over the N calls (N x the mean of the two). N x the 1-rule cost is a
	 * lower bound.
	 */
	apply_n = series_med(&apply_secs[ST_RULES]);
	allow_small_mean = series_mean(&allow_small);
	allow_big_mean = series_mean(&allow_big);
	allow_total = opt.nrules * (allow_small_mean + allow_big_mean) / 2;
	allow_naive = opt.nrules * allow_small_mean;
	fprintf(tab, "\nA whole policy file against one call per rule, N = %d rules\n",
		opt.nrules);
	fprintf(tab, "  pidpolicy apply of the N rules (from the N-ranges state): %.1f s\n",
		apply_n);
	fprintf(tab, "  pidpolicy allow, one rule: mean %.2f s over %zu calls on a 1-rule policy, "
		"%.2f s over %zu calls on the N-rule policy\n", allow_small_mean, allow_small.n,
		allow_big_mean, allow_big.n);
	fprintf(tab, "  N calls, cost linear in the rules present: N x (%.2f + %.2f) / 2 = %.0f s; "
		"lower bound N x %.2f = %.0f s\n", allow_small_mean, allow_big_mean, allow_total,
		allow_small_mean, allow_naive);

	/* ---- ratios and targets ---- */
	target("clone2_1_vs_clone3_set_tid_1", "clone2 (1 pid) / clone3 (set_tid 1)",
	       ratio("clone2_1_vs_clone3_set_tid_1", "clone2 (1 pid) / clone3 (set_tid 1)",
		     &c2_1, &clone3_m), "<=", 1.01);
	target("filtered_clone2_1_vs_clone3_set_tid_1",
	       "seccomp filter: clone2 (1 pid) / clone3 (set_tid 1)",
	       ratio("filtered_clone2_1_vs_clone3_set_tid_1",
		     "seccomp filter: clone2 (1 pid) / clone3 (set_tid 1)", &c2_f, &clone3_f),
	       "<=", 1.01);
	ratio("filtered_vs_unfiltered_clone2_1", "clone2 (1 pid): seccomp filter / none",
	      &c2_f, &c2_1);
	ratio("filtered_vs_unfiltered_clone3_set_tid_1", "clone3 (set_tid 1): seccomp filter / none",
	      &clone3_f, &clone3_m);
	ratio("clone2_0_vs_fork", "clone2 (0 pids) / fork", &c2_0, &fork_m);
	ratio("clone3_set_tid_1_vs_fork", "clone3 (set_tid 1) / fork", &clone3_m, &fork_m);
	ratio("clone2_1_vs_clone2_0", "clone2 (1 pid) / clone2 (0 pids)", &c2_1, &c2_0);
	target("dance_vs_clone2_1", "ns_last_pid dance / clone2 (1 pid)",
	       ratio("dance_vs_clone2_1", "ns_last_pid dance / clone2 (1 pid)", &dance, &c2_1),
	       ">=", 1.0);
	target("deep_clone2_32_vs_1", "31 ns deep: clone2 32 chosen / 1 chosen",
	       ratio("deep_clone2_32_vs_1", "31 ns deep: clone2 32 chosen / 1 chosen",
		     &deep_32, &deep_1), "<=", 1.5);
	ratio("deep_clone2_8_vs_1", "31 ns deep: clone2 8 chosen / 1 chosen", &deep_8, &deep_1);
	ratio("deep_clone2_1_vs_0", "31 ns deep: clone2 1 chosen / 0 chosen", &deep_1, &deep_0);
	target("policy_one_rule_vs_none", "clone2: enforce, 1 rule / not loaded",
	       ratio("policy_one_rule_vs_none", "clone2: enforce, 1 rule / not loaded",
		     &fine[2][0], &fine[0][0]), "<=", 1.01);
	ratio("policy_off_vs_none", "clone2: loaded, mode off / not loaded", &fine[1][0],
	      &fine[0][0]);
	ratio("policy_one_rule_vs_off", "clone2: enforce, 1 rule / mode off", &fine[2][0],
	      &fine[1][0]);
	ratio("policy_fork_one_rule_vs_none", "fork: enforce, 1 rule / not loaded", &fine[2][1],
	      &fine[0][1]);
	target("policy_rules_vs_one_rule", "clone2: enforce, N rules / 1 rule (per fork)",
	       norm_ratio("policy_rules_vs_one_rule", "clone2: enforce, N rules / 1 rule (per fork)",
			  &pol[ST_RULES][0], &pol[ST_RULES][1], &pol[ST_ONE][0], &pol[ST_ONE][1]),
	       "<=", 1.01);
	target("policy_ranges_vs_one_range", "clone2: enforce, N ranges / 1 range (per fork)",
	       norm_ratio("policy_ranges_vs_one_range",
			  "clone2: enforce, N ranges / 1 range (per fork)", &pol[ST_RANGES][0],
			  &pol[ST_RANGES][1], &pol[ST_ONE][0], &pol[ST_ONE][1]), "<=", 1.01);
	add_ratio("policy_rules_vs_one_rule_raw", "clone2: enforce, N rules / 1 rule (raw)",
		  med(&pol[ST_RULES][0]) / med(&pol[ST_ONE][0]), NAN, NAN);
	add_ratio("policy_ranges_vs_one_range_raw", "clone2: enforce, N ranges / 1 range (raw)",
		  med(&pol[ST_RANGES][0]) / med(&pol[ST_ONE][0]), NAN, NAN);
	for (i = 0; i < (int)ARRAY_SIZE(decided); i++) {
		const struct bpf_diag *d = diag_of(decided[i]);
		char *key, *what;

		if (asprintf(&key, "decision_%s_vs_empty_program", states[decided[i]].key) < 0 ||
		    asprintf(&what, "one decision, %s / empty program", states[decided[i]].label) < 0)
			die("out of memory");
		/* every state's rules are uid rules: the summary skips the rest */
		target(key, what, add_ratio(key, what, (d ? d->ns_per_run[0] : NAN) / empty_ns,
					    NAN, NAN), "<=", 8);
	}
	target("policy_deep_clone2_32_vs_1", "31 ns deep, enforce, any-ns rule: 32 chosen / 1",
	       ratio("policy_deep_clone2_32_vs_1",
		     "31 ns deep, enforce, any-ns rule: 32 chosen / 1", &pol[ST_ANY][1],
		     &pol[ST_ANY][0]), "<=", 1.03);
	target("apply_2m_ranges_s", "pidpolicy apply, 1 rule of 2,000,000 ranges (s)",
	       add_ratio("apply_2m_ranges_s", "pidpolicy apply, 1 rule of 2,000,000 ranges (s)",
			 big_ranges_secs, NAN, NAN), "<=", 2);
	add_ratio("read_65536_mode_lines_s", "pidpolicy apply, 65,536 mode lines read, refused (s)",
		  big_modes_secs, NAN, NAN);
	target("race_dance_wrong_pids", "concurrent forker: ns_last_pid dance wrong pids",
	       (double)race_dance.wrong, ">", 0);
	target("race_clone2_wrong_pids", "concurrent forker: clone2 wrong pids",
	       (double)race_c2.wrong, "==", 0);
	target("apply_speedup_vs_allow_per_rule", "N x pidpolicy allow / pidpolicy apply of N",
	       add_ratio("apply_speedup_vs_allow_per_rule",
			 "N x pidpolicy allow (extrapolated) / pidpolicy apply of N",
			 allow_total / apply_n, NAN, NAN), ">=", 50);
	add_ratio("apply_speedup_lower_bound", "N x pidpolicy allow on 1 rule / apply of N",
		  allow_naive / apply_n, NAN, NAN);

	fprintf(tab, "\nRatios of medians, with the quartiles of the per-round ratios\n");
	for (i = 0; i < nr_ratios; i++) {
		fprintf(tab, "  %-60s %8.3f", ratios[i].what, ratios[i].value);
		if (!isnan(ratios[i].p25))
			fprintf(tab, "  (%.3f-%.3f)", ratios[i].p25, ratios[i].p75);
		fprintf(tab, "\n");
	}
	fprintf(tab, "\nTargets\n");
	for (i = 0; i < nr_targets; i++) {
		fprintf(tab, "  %-60s %8.3f %2s %-5g %s\n", targets[i].what, targets[i].value,
			targets[i].op, targets[i].limit, targets[i].pass ? "PASS" : "MISS");
		misses += !targets[i].pass;
	}
	fprintf(tab, "  %d of %d targets met\n", nr_targets - misses, nr_targets);
	fclose(tab);
	printf("----- pidbench table begin -----\n%s----- pidbench table end -----\n", tab_buf);

	/* ---- JSON: every ratio and target under a stable key ---- */
	printf("----- pidbench json begin -----\n{\n  \"schema\": 1,\n");
	printf("  \"kernel\": \"%s\",\n  \"cpus_online\": %ld,\n  \"clocksource\": \"%s\",\n",
	       uts.release, sysconf(_SC_NPROCESSORS_ONLN), clocksource);
	json_host();
	printf("  \"params\": {\"batch\": %d, \"rounds\": %d, \"policy_phase1_rounds\": %d, "
	       "\"policy_phase2_passes\": %d, \"policy_phase2_visit_rounds\": %d, \"n\": %d, "
	       "\"allow_calls\": %d, \"allow_calls_on_n\": %d, \"race_rounds\": %d, "
	       "\"chosen_pid\": %d, \"inner_pid\": %d, \"deep_level\": %d},\n", opt.batch,
	       opt.rounds, opt.fine, opt.passes, opt.visits, opt.nrules, opt.allow,
	       opt.allow_big, opt.race, P, INNER_PID, DEEP_LEVELS);
	printf("  \"cases\": {\n");
	for (i = 0; i < (int)ARRAY_SIZE(core); i++)
		json_meas(core[i], NULL, ",");
	for (i = 0; i < NR_FINE; i++) {
		for (c = 0; c < 2; c++) {
			snprintf(label, sizeof(label), "policy_%s_%s", states[fine_states[i]].key,
				 fine[i][c].key);
			json_meas(&fine[i][c], label, ",");
		}
	}
	for (i = 0; i < NR_COARSE; i++) {
		s = coarse_states[i];
		for (c = 0; c < 2; c++) {
			snprintf(label, sizeof(label), "policy_%s_%s%s", states[s].key,
				 pol[s][c].key, s == ST_ONE ? "_phase2" : "");
			json_meas(&pol[s][c], label, i == NR_COARSE - 1 && c ? "" : ",");
		}
	}
	printf("  },\n  \"policy_s\": {");
	for (i = 0; i < NR_COARSE; i++) {
		snprintf(label, sizeof(label), "apply_%s", states[coarse_states[i]].key);
		json_series_med(label, &apply_secs[coarse_states[i]], ", ");
	}
	json_series_med("load", &load_secs, ", ");
	json_series_med("unload", &unload_secs, ", ");
	json_series_med("phase1_switch", &flip_secs, ", ");
	json_series_med("settle", &settle_secs, "},\n");
	printf("  \"bpf_stats\": {\n");
	for (i = 0; i < nr_diags; i++) {
		printf("    \"%s_%s\": {", diags[i].state_key, diags[i].case_key);
		for (c = 0; c < (int)NR_PROGS; c++)
			printf("\"%s_runs_per_op\": %.2f, \"%s_us_per_run\": %.2f, ", prog_names[c],
			       diags[i].runs_per_op[c], prog_names[c], diags[i].ns_per_run[c] / 1e3);
		printf("\"total_us_per_op\": %.2f}%s\n", diags[i].ns_per_op / 1e3,
		       i == nr_diags - 1 ? "" : ",");
	}
	printf("  },\n  \"decision_ns\": {\"clock\": \"%s\", \"ops\": %d, \"empty_program\": %.1f, "
	       "\"one_hash_lookup_program\": %.1f", buf, diag_ops(), empty_ns, lookup_ns);
	for (i = 0; i < (int)ARRAY_SIZE(decided); i++) {
		const struct bpf_diag *d = diag_of(decided[i]);

		printf(", \"%s\": ", states[decided[i]].key);
		json_double("", d ? d->ns_per_run[0] : NAN);
	}
	printf("},\n  \"race\": {\n");
	for (i = 0; i < 2; i++)
		printf("    \"%s\": {\"ops\": %lu, \"wrong_pid\": %lu, \"failed\": %lu, "
		       "\"median_us\": %.1f}%s\n", race[i]->key, race[i]->ops, race[i]->wrong,
		       race[i]->failed, med(race[i]) / 1e3, i ? "" : ",");
	printf("  },\n  \"apply\": {\"n\": %d, \"apply_s\": %.2f, \"allow_calls\": %zu, "
	       "\"allow_mean_s\": %.3f, \"allow_calls_on_n\": %zu, \"allow_mean_on_n_s\": %.3f, "
	       "\"allow_total_s\": %.0f, \"allow_total_lower_bound_s\": %.0f, \"extrapolation\": "
	       "\"N x (mean on 1 rule + mean on N rules) / 2, the cost of a call taken as linear "
	       "in the rules present\"},\n", opt.nrules, apply_n, allow_small.n, allow_small_mean,
	       allow_big.n, allow_big_mean, allow_total, allow_naive);
	printf("  \"ratios\": {\n");
	for (i = 0; i < nr_ratios; i++) {
		printf("    \"%s\": ", ratios[i].key);
		json_double(i == nr_ratios - 1 ? "\n" : ",\n", ratios[i].value);
	}
	printf("  },\n  \"ratio_quartiles\": {\n");
	for (i = 0, c = 0; i < nr_ratios; i++) {
		if (isnan(ratios[i].p25))
			continue;
		printf("%s    \"%s\": [%.4f, %.4f]", c++ ? ",\n" : "", ratios[i].key, ratios[i].p25,
		       ratios[i].p75);
	}
	printf("\n  },\n  \"targets\": {\n");
	for (i = 0; i < nr_targets; i++) {
		printf("    \"%s\": {\"what\": \"%s\", \"value\": ", targets[i].key, targets[i].what);
		json_double(", ", targets[i].value);
		printf("\"target\": \"%s %g\", \"result\": \"%s\"}%s\n", targets[i].op,
		       targets[i].limit, targets[i].pass ? "PASS" : "MISS",
		       i == nr_targets - 1 ? "" : ",");
	}
	printf("  },\n  \"targets_met\": %d,\n  \"targets_missed\": %d\n}\n", nr_targets - misses,
	       misses);
	printf("----- pidbench json end -----\n");

	/* ---- TSV: the targets, with the quartiles of their ratios (tests/bench/plot) ---- */
	printf("----- pidbench tsv begin -----\n");
	printf("key\twhat\tvalue\tp25\tp75\top\tlimit\tresult\n");
	for (i = 0; i < nr_targets; i++) {
		const struct ratio *q = ratio_of(targets[i].key);

		printf("%s\t%s\t%.4f\t%.4f\t%.4f\t%s\t%g\t%s\n", targets[i].key, targets[i].what,
		       targets[i].value, q ? q->p25 : NAN, q ? q->p75 : NAN, targets[i].op,
		       targets[i].limit, targets[i].pass ? "PASS" : "MISS");
	}
	printf("----- pidbench tsv end -----\n");
	return 0;
}
