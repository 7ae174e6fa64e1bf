// SPDX-License-Identifier: GPL-2.0
/* Test runner for harness.h: forks one child per test, see harness.h. */
#define _GNU_SOURCE
#include "harness.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

/*
 * Under ASan, LeakSanitizer's own check runs at exit(), which the test
 * children skip (_exit): check each test's leaks when it returns. Its
 * helper, a child that ptraces us, cannot see us after unshare(CLONE_NEWPID):
 * such tests go unchecked.
 */
#ifdef __SANITIZE_ADDRESS__
#include <sanitizer/lsan_interface.h>

static int leaks_found(void)
{
	struct stat self, children;

	if (stat("/proc/self/ns/pid", &self) ||
	    stat("/proc/self/ns/pid_for_children", &children) ||
	    self.st_ino != children.st_ino)
		return 0;
	return __lsan_do_recoverable_leak_check();
}
#else
static int leaks_found(void)
{
	return 0;
}
#endif

/*
 * Result of the running test, in a shared mapping so that failures are
 * seen by the parent whatever way the child ends, and even when they
 * happen in a grandchild the test forked.
 */
struct harness_result {
	int failed;
	int skipped;
	char reason[256];
};

static struct harness_test *tests, **tests_tail = &tests;
static struct harness_result *result;

void harness_register(struct harness_test *t)
{
	/* Append: constructors run in definition order, so does the list. */
	*tests_tail = t;
	tests_tail = &t->next;
}

static void vfail(const char *file, int line, int fatal, const char *fmt,
		  va_list ap)
{
	printf("%s:%d: ", file, line);
	vprintf(fmt, ap);
	putchar('\n');
	fflush(stdout);
	result->failed = 1;
	if (fatal)
		_exit(1);
}

void harness_fail(const char *file, int line, int fatal, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail(file, line, fatal, fmt, ap);
	va_end(ap);
}

void harness_cmp_fail(const char *file, int line, int fatal, const char *what,
		      long long va, long long vb, int err)
{
	harness_fail(file, line, fatal, "%s: expected %lld, got %lld (errno: %s)",
		     what, va, vb, strerror(err));
}

void harness_errno_fail(const char *file, int line, int fatal,
			const char *what, long long ret, int want, int err)
{
	harness_fail(file, line, fatal,
		     "%s: expected -1 with errno %s, got %lld with errno %s (%s)",
		     what, harness_errno_name(want), ret,
		     harness_errno_name(err), strerror(err));
}

void harness_skip(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(result->reason, sizeof(result->reason), fmt, ap);
	va_end(ap);
	result->skipped = 1;
	fflush(stdout);
	_exit(0);
}

const char *harness_errno_name(int err)
{
#define E(x) { x, #x }
	static const struct { int err; const char *name; } names[] = {
		E(0), E(EPERM), E(ENOENT), E(ESRCH), E(EINTR), E(EIO),
		E(ENXIO), E(E2BIG), E(ENOEXEC), E(EBADF), E(ECHILD),
		E(EAGAIN), E(ENOMEM), E(EACCES), E(EFAULT), E(EBUSY),
		E(EEXIST), E(EXDEV), E(ENODEV), E(ENOTDIR), E(EISDIR),
		E(EINVAL), E(ENFILE), E(EMFILE), E(ENOTTY), E(EFBIG),
		E(ENOSPC), E(ESPIPE), E(EROFS), E(EMLINK), E(EPIPE),
		E(EDOM), E(ERANGE), E(EDEADLK), E(ENAMETOOLONG), E(ENOSYS),
		E(ENOTEMPTY), E(ELOOP), E(ENODATA), E(EOVERFLOW),
		E(EBADFD), E(EOPNOTSUPP), E(ETIMEDOUT), E(EALREADY),
		E(EINPROGRESS), E(ESTALE), E(EDQUOT), E(ECANCELED),
		E(EOWNERDEAD), E(ENOTRECOVERABLE), E(ENOTSUP),
	};
#undef E
	static char buf[32];
	size_t i;

	/* ENOTSUP == EOPNOTSUPP on Linux; the first entry wins. */
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].err == err)
			return names[i].name;
	snprintf(buf, sizeof(buf), "errno %d", err);
	return buf;
}

ssize_t harness_read_file(const char *path, char *buf, size_t size)
{
	ssize_t n = 0, total = 0;
	int fd;

	if (size == 0)
		return -1;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	while ((size_t)total < size - 1) {
		n = read(fd, buf + total, size - 1 - total);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		total += n;
	}
	buf[total] = '\0';
	close(fd);
	return n < 0 ? -1 : total;
}

int harness_sh(char *out, size_t size, const char *fmt, ...)
{
	char cmd[8192], sink[4096];
	size_t len = 0, n;
	va_list ap;
	FILE *p;
	int status;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (!out || size < 2) {
		out = sink;
		size = sizeof(sink);
	}
	fflush(NULL);	/* the shell must not inherit unflushed output */
	p = popen(cmd, "r");
	if (!p)
		harness_fail(__FILE__, __LINE__, 1, "popen(%s): %s", cmd, strerror(errno));
	while ((n = fread(out + len, 1, size - 1 - len, p)) > 0) {
		len += n;
		if (len == size - 1) {	/* keep the last half */
			memmove(out, out + len / 2, len - len / 2);
			len -= len / 2;
		}
	}
	out[len] = '\0';
	status = pclose(p);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* A positive integer from the environment, or dflt. */
static unsigned int env_uint(const char *name, unsigned int dflt)
{
	const char *s = getenv(name);
	long v = s ? strtol(s, NULL, 10) : 0;

	return v > 0 && v < 100000 ? (unsigned int)v : dflt;
}

/* A busy or slow host gets room (tests/vm/run sets it for its guests). */
unsigned int harness_timeout_scale(void)
{
	return env_uint("HARNESS_TIMEOUT_SCALE", 1);
}

/*
 * A test's budget is what it needs on a quiet host, times the scale.
 * HARNESS_TIMEOUT replaces the default budget of 60 s.
 */
static unsigned int test_timeout(const struct harness_test *t)
{
	unsigned int budget = t->timeout ? t->timeout : env_uint("HARNESS_TIMEOUT", 60);

	return budget * harness_timeout_scale();
}

/*
 * Wait up to timeout seconds for pid; 0 if it ended, 1 on timeout.  Uses
 * poll() on a pidfd: no signal races, and no struct timespec, which 32-bit
 * glibc passes to time32 syscalls that kernels without
 * CONFIG_COMPAT_32BIT_TIME lack (sigtimedwait() and sleep() fail there).
 */
static int wait_timeout(pid_t pid, int *status, unsigned int timeout)
{
	long long left_ms = timeout * 1000LL;
	int pidfd = syscall(SYS_pidfd_open, pid, 0);
	struct pollfd p = { pidfd, POLLIN, 0 };
	int r;

	if (pidfd >= 0) {
		do
			r = poll(&p, 1, (int)left_ms);
		while (r < 0 && errno == EINTR);
		close(pidfd);
		if (r == 0)
			return 1;
		return waitpid(pid, status, 0) == pid ? 0 : -1;
	}
	/* Before Linux 5.3: check every 10 ms. */
	for (; left_ms > 0; left_ms -= 10) {
		if (waitpid(pid, status, WNOHANG) == pid)
			return 0;
		poll(NULL, 0, 10);
	}
	return 1;
}

enum outcome { PASS, FAIL, SKIPPED };

static enum outcome run_test(const struct harness_test *t)
{
	unsigned int timeout = test_timeout(t);
	int status = 0, timed_out;
	pid_t pid;

	memset(result, 0, sizeof(*result));
	fflush(stdout);		/* or the child would print it again */
	pid = fork();
	if (pid < 0) {
		printf("%s: fork: %s\nFAIL %s\n", t->name, strerror(errno),
		       t->name);
		return FAIL;
	}
	if (pid == 0) {
		setpgid(0, 0);
		errno = 0;
		t->fn();
		fflush(stdout);
		if (leaks_found())
			harness_fail(__FILE__, __LINE__, 1, "LeakSanitizer: the test leaked (see above)");
		_exit(0);
	}
	setpgid(pid, pid);	/* both sides, whichever runs first */

	timed_out = wait_timeout(pid, &status, timeout);
	if (timed_out > 0) {
		kill(-pid, SIGKILL);
		waitpid(pid, &status, 0);
	}
	/* Don't let stray grandchildren outlive their test. */
	kill(-pid, SIGKILL);

	if (timed_out < 0) {
		printf("%s: waitpid: %s\n", t->name, strerror(errno));
	} else if (timed_out) {
		printf("%s: timed out after %u s\n", t->name, timeout);
	} else if (WIFSIGNALED(status)) {
		printf("%s: killed by signal %d (%s)\n", t->name,
		       WTERMSIG(status), strsignal(WTERMSIG(status)));
	} else if (WEXITSTATUS(status) != 0 && !result->failed) {
		printf("%s: exited with status %d\n", t->name,
		       WEXITSTATUS(status));
	} else if (!result->failed && result->skipped) {
		printf("SKIP %s: %s\n", t->name, result->reason);
		return SKIPPED;
	} else if (!result->failed) {
		printf("ok %s\n", t->name);
		return PASS;
	}
	printf("FAIL %s\n", t->name);
	return FAIL;
}

static int selected(const char *name, int argc, char **argv)
{
	int i, filters = 0;

	for (i = 1; i < argc; i++) {
		if (argv[i][0] == '-')
			continue;
		filters++;
		if (strstr(name, argv[i]))
			return 1;
	}
	return filters == 0;
}

int main(int argc, char **argv)
{
	int counts[3] = { 0, 0, 0 }, list = 0, i;
	const struct harness_test *t;

	/* One result line at a time, also through a pipe: progress is live. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-l") == 0) {
			list = 1;
		} else if (argv[i][0] == '-') {
			fprintf(stderr, "usage: %s [-l] [NAME-SUBSTRING]...\n",
				argv[0]);
			return 2;
		}
	}
	if (list) {
		for (t = tests; t; t = t->next)
			if (selected(t->name, argc, argv))
				printf("%s\n", t->name);
		return 0;
	}

	result = mmap(NULL, sizeof(*result), PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (result == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	for (t = tests; t; t = t->next)
		if (selected(t->name, argc, argv))
			counts[run_test(t)]++;

	printf("%d passed, %d failed", counts[PASS], counts[FAIL]);
	if (counts[SKIPPED])
		printf(", %d skipped", counts[SKIPPED]);
	printf("\n");
	return counts[FAIL] ? 1 : 0;
}
