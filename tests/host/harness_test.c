// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of the test harness itself.
 *
 * The binary holds two sets of tests: the real ones (TEST) and fixtures
 * (FIXTURE), which exist only when HARNESS_FIXTURE is set in the
 * environment.  Each real test re-executes this binary in fixture mode,
 * selecting fixtures by name, and checks its output lines and exit status.
 */
#define _GNU_SOURCE
#include "harness.h"

#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define FIXTURE(name, timeout)						\
	static void fx_fn_##name(void);					\
	static struct harness_test fx_t_##name = {			\
		#name, fx_fn_##name, (timeout), NULL };			\
	__attribute__((constructor)) static void fx_reg_##name(void)	\
	{ if (getenv("HARNESS_FIXTURE")) harness_register(&fx_t_##name); } \
	static void fx_fn_##name(void)

/* ---- fixtures: all names start with fx_, no name is a prefix of another */

FIXTURE(fx_pass, 0)
{
	ASSERT_EQ(2 + 2, 4);
	ASSERT_STREQ("abc", "abc");
	EXPECT_TRUE(1);
}

/* The failing ASSERT must be on this line: its number is checked. */
enum { FX_ASSERT_LINE = __LINE__ }; FIXTURE(fx_assert, 0) { int v = 41; ASSERT_EQ(v + 1, 43);
	printf("not reached\n");
}

FIXTURE(fx_expect, 0)
{
	EXPECT_EQ(1, 2);
	printf("after expect\n");
	EXPECT_FALSE(1);
	printf("still running\n");
}

FIXTURE(fx_skip, 0)
{
	SKIP("needs %s", "frobnicator");
	printf("not reached\n");
}

FIXTURE(fx_crash, 0)
{
	/* volatile both ways: a real faulting store, not elided or a trap insn */
	volatile int *volatile p = NULL;

	*p = 1;
}

/* pause(), not sleep(): 32-bit sleep() fails without COMPAT_32BIT_TIME. */
FIXTURE(fx_sleep, 0)
{
	/* The grandchild holds stdout too: it must die with the test. */
	fork();
	for (;;)
		pause();
}

FIXTURE(fx_own_timeout, 1)
{
	for (;;)
		pause();
}

FIXTURE(fx_errno, 0)
{
	errno = 0;
	ASSERT_ERRNO(close(-1), EPERM);
}

/* The only reference to the block goes: a leak for LeakSanitizer. */
FIXTURE(fx_leak, 0)
{
	char *volatile p = malloc(4096);

	p[0] = 1;
	p = NULL;
}

/* ---- helpers */

static char out[16384];

/* Indented, so that inner closing lines do not count as ours. */
static void dump_output(void)
{
	const char *p = out;

	while (*p) {
		const char *eol = strchrnul(p, '\n');

		printf("  | %.*s\n", (int)(eol - p), p);
		p = *eol ? eol + 1 : eol;
	}
}

/*
 * Runs this binary in fixture mode with argv args, HARNESS_TIMEOUT and
 * HARNESS_TIMEOUT_SCALE set as given (NULL: unset); returns exit status.
 */
static int run_fixtures(const char *timeout, const char *scale, const char *const *args)
{
	char *argv[16] = { "harness_test" };
	size_t len = 0;
	int fds[2], status, i;
	ssize_t n;
	pid_t pid;

	for (i = 0; args[i] && i < 14; i++)
		argv[i + 1] = (char *)args[i];
	if (pipe(fds))
		return -1;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		dup2(fds[1], 1);
		dup2(fds[1], 2);
		close(fds[0]);
		close(fds[1]);
		setenv("HARNESS_FIXTURE", "1", 1);
		if (timeout)
			setenv("HARNESS_TIMEOUT", timeout, 1);
		else
			unsetenv("HARNESS_TIMEOUT");
		if (scale)
			setenv("HARNESS_TIMEOUT_SCALE", scale, 1);
		else
			unsetenv("HARNESS_TIMEOUT_SCALE");
		execv("/proc/self/exe", argv);
		_exit(127);
	}
	close(fds[1]);
	while (len < sizeof(out) - 1 &&
	       (n = read(fds[0], out + len, sizeof(out) - 1 - len)) > 0)
		len += n;
	out[len] = '\0';
	close(fds[0]);
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	dump_output();
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Number of output lines exactly equal to line. */
static int count_line(const char *line)
{
	size_t n = strlen(line);
	const char *p = out;
	int count = 0;

	while (*p) {
		const char *eol = strchrnul(p, '\n');

		if ((size_t)(eol - p) == n && memcmp(p, line, n) == 0)
			count++;
		p = *eol ? eol + 1 : eol;
	}
	return count;
}

/* The last line of the output (the closing line). */
static const char *last_line(void)
{
	static char buf[256];
	size_t len = strlen(out);
	const char *p;

	while (len && out[len - 1] == '\n')
		len--;
	for (p = out + len; p > out && p[-1] != '\n'; p--)
		;
	snprintf(buf, sizeof(buf), "%.*s", (int)(out + len - p), p);
	return buf;
}

#define RUN(timeout, ...) run_fixtures(timeout, NULL, (const char *const[]){ __VA_ARGS__, NULL })
#define RUN_SCALED(scale, ...) run_fixtures(NULL, scale, (const char *const[]){ __VA_ARGS__, NULL })

/* ---- the real tests */

TEST(pass)
{
	ASSERT_EQ(RUN(NULL, "fx_pass"), 0);
	ASSERT_EQ(count_line("ok fx_pass"), 1);
	ASSERT_STREQ(last_line(), "1 passed, 0 failed");
}

TEST(assert_failure)
{
	char want[256];

	snprintf(want, sizeof(want),
		 "%s:%d: ASSERT_EQ(v + 1, 43): expected 42, got 43 (errno: %s)",
		 __FILE__, FX_ASSERT_LINE, strerror(0));
	ASSERT_EQ(RUN(NULL, "fx_assert"), 1);
	EXPECT_EQ(count_line(want), 1);
	EXPECT_EQ(count_line("not reached"), 0);
	EXPECT_EQ(count_line("FAIL fx_assert"), 1);
	EXPECT_STREQ(last_line(), "0 passed, 1 failed");
	/* Diagnostics come before the verdict. */
	EXPECT_LT(strstr(out, "ASSERT_EQ"), strstr(out, "FAIL fx_assert"));
}

TEST(expect_continues)
{
	ASSERT_EQ(RUN(NULL, "fx_expect"), 1);
	EXPECT_NE(strstr(out, ": EXPECT_EQ(1, 2): expected 1, got 2"), NULL);
	EXPECT_NE(strstr(out, ": EXPECT_FALSE(1)"), NULL);
	EXPECT_EQ(count_line("after expect"), 1);
	EXPECT_EQ(count_line("still running"), 1);
	EXPECT_EQ(count_line("FAIL fx_expect"), 1);
	EXPECT_STREQ(last_line(), "0 passed, 1 failed");
}

TEST(skip)
{
	ASSERT_EQ(RUN(NULL, "fx_skip", "fx_pass"), 0);
	EXPECT_EQ(count_line("SKIP fx_skip: needs frobnicator"), 1);
	EXPECT_EQ(count_line("not reached"), 0);
	EXPECT_STREQ(last_line(), "1 passed, 0 failed, 1 skipped");
}

TEST(crash)
{
	ASSERT_EQ(RUN(NULL, "fx_crash", "fx_pass"), 1);
	EXPECT_NE(strstr(out, "fx_crash: killed by signal 11"), NULL);
	EXPECT_EQ(count_line("FAIL fx_crash"), 1);
	EXPECT_EQ(count_line("ok fx_pass"), 1);
	EXPECT_STREQ(last_line(), "1 passed, 1 failed");
}

/* Built with ASan, a test that leaks fails; built without, it passes. */
TEST(leak)
{
#ifdef __SANITIZE_ADDRESS__
	ASSERT_EQ(RUN(NULL, "fx_leak", "fx_pass"), 1);
	EXPECT_EQ(count_line("FAIL fx_leak"), 1);
	EXPECT_NE(strstr(out, "LeakSanitizer: the test leaked"), NULL);
	EXPECT_STREQ(last_line(), "1 passed, 1 failed");
#else
	ASSERT_EQ(RUN(NULL, "fx_leak", "fx_pass"), 0);
	EXPECT_STREQ(last_line(), "2 passed, 0 failed");
#endif
}

TEST(timeout)
{
	time_t start = time(NULL);

	ASSERT_EQ(RUN("1", "fx_sleep"), 1);
	/* Reading to EOF also waited for the grandchild: it was killed. */
	EXPECT_LT(time(NULL) - start, 10);
	EXPECT_EQ(count_line("fx_sleep: timed out after 1 s"), 1);
	EXPECT_EQ(count_line("FAIL fx_sleep"), 1);
	EXPECT_STREQ(last_line(), "0 passed, 1 failed");
}

TEST(per_test_timeout)
{
	ASSERT_EQ(RUN(NULL, "fx_own_timeout"), 1);
	EXPECT_EQ(count_line("fx_own_timeout: timed out after 1 s"), 1);
	EXPECT_EQ(count_line("FAIL fx_own_timeout"), 1);
}

/* A busy host scales every budget, a test's own and the default. */
TEST(timeout_scale_gives_a_busy_host_room)
{
	ASSERT_EQ(RUN_SCALED("3", "fx_own_timeout"), 1);
	EXPECT_EQ(count_line("fx_own_timeout: timed out after 3 s"), 1);
	ASSERT_EQ(run_fixtures("1", "2", (const char *const[]){ "fx_sleep", NULL }), 1);
	EXPECT_EQ(count_line("fx_sleep: timed out after 2 s"), 1);
	/* nonsense is ignored, not read as 0 */
	ASSERT_EQ(RUN_SCALED("fast", "fx_own_timeout"), 1);
	EXPECT_EQ(count_line("fx_own_timeout: timed out after 1 s"), 1);
}

TEST(errno_names)
{
	ASSERT_EQ(RUN(NULL, "fx_errno"), 1);
	EXPECT_NE(strstr(out, ": ASSERT_ERRNO(close(-1), EPERM): expected -1 with errno EPERM, got -1 with errno EBADF"), NULL);
	EXPECT_STREQ(harness_errno_name(EINVAL), "EINVAL");
	EXPECT_STREQ(harness_errno_name(ENOSYS), "ENOSYS");
	EXPECT_STREQ(harness_errno_name(4095), "errno 4095");
}

TEST(order_and_no_duplicates)
{
	const char *p;

	/* stdout is a pipe, so fully buffered: a missing flush before fork
	 * would show up as repeated lines. */
	ASSERT_EQ(RUN(NULL, "fx_pass", "fx_expect", "fx_skip", "fx_errno"), 1);
	EXPECT_EQ(count_line("ok fx_pass"), 1);
	EXPECT_EQ(count_line("FAIL fx_expect"), 1);
	EXPECT_EQ(count_line("FAIL fx_errno"), 1);
	EXPECT_EQ(count_line("after expect"), 1);
	p = strstr(out, "ok fx_pass");
	ASSERT_NE(p, NULL);
	p = strstr(p, "FAIL fx_expect");
	ASSERT_NE(p, NULL);
	p = strstr(p, "SKIP fx_skip");
	ASSERT_NE(p, NULL);
	EXPECT_NE(strstr(p, "FAIL fx_errno"), NULL);
	EXPECT_STREQ(last_line(), "1 passed, 2 failed, 1 skipped");
}

TEST(list)
{
	ASSERT_EQ(RUN(NULL, "-l", "fx_s"), 0);
	EXPECT_STREQ(out, "fx_skip\nfx_sleep\n");
}

TEST(no_match)
{
	ASSERT_EQ(RUN(NULL, "no-such-test"), 0);
	EXPECT_STREQ(out, "0 passed, 0 failed\n");
}

TEST(read_file)
{
	char path[] = "/tmp/harness_test.XXXXXX", buf[8];
	int fd = mkstemp(path);

	ASSERT_GE(fd, 0);
	ASSERT_EQ(write(fd, "hello, world\n", 13), 13);
	close(fd);
	/* Truncated to size - 1 and NUL-terminated. */
	EXPECT_EQ(harness_read_file(path, buf, sizeof(buf)), 7);
	EXPECT_STREQ(buf, "hello, ");
	unlink(path);
	ASSERT_ERRNO(harness_read_file(path, buf, sizeof(buf)), ENOENT);
}

/* tests/summarize totals the closing lines and names the failures last. */
TEST(summarize_names_failures_above_the_total)
{
	if (access("tests/summarize", X_OK))
		SKIP("run from the top of the repository");
	ASSERT_EQ(harness_sh(out, sizeof(out), "printf '%s' | tests/summarize 2>&1",
			     "ok a\\nFAIL b\\n1 passed, 1 failed\\r\\n"
			     "  | FAIL nested\\n2 passed, 0 failed, 1 skipped\\n"), 1);
	EXPECT_STREQ(last_line(), "total: 3 passed, 1 failed, 1 skipped");
	EXPECT_TRUE(strstr(out, "failed: b\ntotal: ") != NULL);
	EXPECT_TRUE(strstr(out, "failed: nested") == NULL);
	ASSERT_EQ(harness_sh(out, sizeof(out), "echo 'ok a' | tests/summarize 2>&1"), 1);
	EXPECT_TRUE(strstr(out, "summarize: no test results seen") != NULL);
}
