// SPDX-License-Identifier: GPL-2.0
/*
 * The loader built with ASan+UBSan (/usr/sbin/pidpolicy-asan, from
 * build/asan/loader/pidpolicy) through a CLI session that reaches its BPF
 * code, which only runs here: load, status, allow/revoke, mode, limit,
 * show, explain, apply, dump, monitor, bad input, unload. Every command
 * must exit as it should, and its stderr must hold no sanitizer report.
 * LeakSanitizer runs at every exit (detect_leaks=1: it needs ptrace, which
 * root in the VM has). Ends with the policy unloaded.
 *
 * Under TCG each run of the sanitized loader costs over a second, a load
 * some 14 s: the session loads once (the tests after the first reuse the
 * policy, set up with the plain loader) and runs each code path once; the
 * plain loader's tests (pidpolicy_test.c) check the outcomes in depth.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "pidpolicy.h"
#include "vmpolicy.h"
#include "vmtest.h"

#define LOADER		"/usr/sbin/pidpolicy-asan"
/* A report exits 99: never mistaken for the loader's own 1 or 2. */
#define SAN_ENV		"ASAN_OPTIONS=detect_leaks=1:exitcode=99 " \
			"UBSAN_OPTIONS=print_stacktrace=1:exitcode=99"
#define ERR_FILE	"/tmp/asan-loader.err"
/* start_monitor()'s way to run the sanitized loader */
#define MONITOR		"env " SAN_ENV " " LOADER
#define MON_OUT		"/tmp/asan-mon.out"

static char out[1 << 16], err[1 << 16];

/* A sanitizer report in what a run of the loader wrote to stderr. */
static void expect_no_report(const char *what, const char *text)
{
	if (strstr(text, "runtime error") || strstr(text, "AddressSanitizer") ||
	    strstr(text, "LeakSanitizer")) {
		printf("pidpolicy-asan %s:\n%s", what, text);
		ASSERT_TRUE(!"sanitizer report");
	}
}

/*
 * Run `pidpolicy-asan ARGS` (printf-style, shell syntax) and return its
 * exit status, with its stdout in out and its stderr in err.
 */
static int asan(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int asan(const char *fmt, ...)
{
	char args[2048];
	va_list ap;
	int status;

	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	status = harness_sh(out, sizeof(out), SAN_ENV " " LOADER " %s 2>" ERR_FILE, args);
	if (harness_read_file(ERR_FILE, err, sizeof(err)) < 0)
		err[0] = '\0';
	expect_no_report(args, err);
	return status;
}

#define ASAN_STATUS(want, ...) do {					\
	int status_ = asan(__VA_ARGS__);				\
	if (status_ != (want))						\
		printf("stdout:\n%sstderr:\n%s", out, err);		\
	ASSERT_EQ(status_, want);					\
} while (0)

#define ASAN_OK(...) ASAN_STATUS(0, __VA_ARGS__)

/* out holds s */
#define ASSERT_OUT(s) do {						\
	if (!strstr(out, s))						\
		printf("no \"%s\" in:\n%s", s, out);			\
	ASSERT_TRUE(strstr(out, s) != NULL);				\
} while (0)

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	ASSERT_TRUE(f != NULL);
	ASSERT_GE(fputs(text, f), 0);
	ASSERT_EQ(fclose(f), 0);
}

/* Policy text as the whole policy, through the plain loader (quicker). */
static void set_policy(const char *text)
{
	struct stat st;

	if (stat(PIDPOLICY_PIN_DIR, &st))
		ASSERT_EQ(harness_sh(NULL, 0, "pidpolicy load 2>&1"), 0);
	write_text("/tmp/asan-reset.policy", text);
	ASSERT_EQ(harness_sh(NULL, 0, "pidpolicy apply /tmp/asan-reset.policy 2>&1"), 0);
}

TEST_TIMEOUT(asan_loader_loads_and_edits_the_policy, 120)
{
	__u32 own = ns_inum_of(0);
	char text[1024];
	struct stat st;

	harness_sh(NULL, 0, "pidpolicy unload 2>&1");
	ASAN_OK("-v load");		/* libbpf's debug log through our callback */
	ASAN_OK("allow --ns any --pids 5000-5999,7000");
	/* a namespace by path: resolved to its inode, never entered */
	ASAN_OK("allow --ns /proc/self/ns/pid --uid 0 --pids 300-399,1000");
	ASAN_OK("revoke --ns /proc/self/ns/pid --uid 0 --pids 310-319");
	ASAN_OK("mode --default audit");
	ASAN_OK("limit --ns any --max-chosen 10");
	ASAN_OK("status");
	ASSERT_OUT("loaded:         yes");
	ASAN_OK("show --json");
	ASSERT_OUT("300-309,320-399,1000");
	ASSERT_OUT("5000-5999,7000");
	ASAN_OK("explain --ns any --uid 0 --pid 7000 --json");
	ASSERT_OUT("\"verdict\":\"allow\"");

	/* a file with every statement, namespaces and cgroups by path and id */
	ASSERT_EQ(stat("/sys/fs/cgroup", &st), 0);
	snprintf(text, sizeof(text),
		 "# every statement\n"
		 "mode default audit\n"
		 "mode ns /proc/self/ns/pid off\n"
		 "allow ns any uid 0 pids 6000-6009,6100   # a comment\n"
		 "allow ns any uid 0 pids 6010\n"
		 "allow ns /proc/self/ns/pid cgroup /sys/fs/cgroup pids 42\n"
		 "allow ns %u cgroup-id %llu pids 43\r\n"
		 "allow ns any cgroup-tree /sys/fs/cgroup pids 44\n"
		 "limit ns any max-chosen 100\n"
		 "limit ns %u max-chosen 5\n",
		 own, (unsigned long long)st.st_ino, own);
	write_text("/tmp/asan-every.policy", text);
	ASAN_OK("apply /tmp/asan-every.policy");
	ASAN_OK("dump");
	ASSERT_OUT("allow ns any uid 0 pids 6000-6010,6100\n");
	/* cgroups by path, which outlive a boot, whichever way they were given */
	snprintf(text, sizeof(text), "allow ns %u cgroup /sys/fs/cgroup pids 42-43\n", own);
	ASSERT_OUT(text);
	snprintf(text, sizeof(text), "limit ns %u max-chosen 5\n", own);
	ASSERT_OUT(text);
	ASSERT_OUT("allow ns any cgroup-tree /sys/fs/cgroup pids 44\n");
	ASAN_OK("explain --ns any --caller 1 --pid 44 --json");
	ASSERT_OUT("\"reason\":\"rule\"");
	ASAN_OK("load --policy /tmp/asan-every.policy");
	ASSERT_OUT("already loaded: applied");
}

TEST(asan_loader_monitor_reports_decisions)
{
	pid_t base = pick_free_pid() + 300, mon;
	char text[128], log[8192];
	int status;

	snprintf(text, sizeof(text), "mode default enforce\nallow ns any pids %d\n", base);
	set_policy(text);
	/*
	 * --all: allowed decisions too, once it is up and holds the lease (its
	 * banner says so). Then a denial, which SIGINT has it read from the
	 * ring buffer before it exits.
	 */
	mon = start_monitor(MONITOR, "--json --all", MON_OUT);
	harness_sh(NULL, 0, "(clone2_example %d; clone2_example %d) >/dev/null 2>&1", base, base + 1);
	kill(mon, SIGINT);
	status = wait_exit(mon);
	harness_read_file(MON_OUT ".err", err, sizeof(err));
	expect_no_report("monitor --json --all", err);
	ASSERT_EQ(status, 0);
	ASSERT_GT(harness_read_file(MON_OUT, log, sizeof(log)), 0);
	snprintf(text, sizeof(text), "\"pid\":%d,\"via\":\"clone2\"", base);
	if (!strstr(log, text) || !strstr(log, "\"verdict\":\"deny\""))
		printf("monitor --json --all wrote:\n%s", log);
	ASSERT_TRUE(strstr(log, text) != NULL);
	ASSERT_TRUE(strstr(log, "\"verdict\":\"deny\"") != NULL);

	/* Text: a denial waits in the ring buffer for the next monitor. */
	ASSERT_NE(harness_sh(NULL, 0, "clone2_example %d 2>&1", base + 2), 0);
	mon = start_monitor(MONITOR, "", MON_OUT);
	kill(mon, SIGTERM);
	status = wait_exit(mon);
	harness_read_file(MON_OUT ".err", err, sizeof(err));
	expect_no_report("monitor", err);
	harness_read_file(MON_OUT, log, sizeof(log));
	snprintf(text, sizeof(text), "pid=%d via=clone2", base + 2);
	if (status || !strstr(log, text))
		printf("monitor: exit %d, stdout:\n%sstderr:\n%s", status, log, err);
	ASSERT_EQ(status, 0);
	ASSERT_TRUE(strstr(log, text) != NULL);
}

TEST(asan_loader_bad_input_exits_2_with_one_line)
{
	/* the parsers that touch files (the fuzzers cover the rest), a file */
	static const char *const bad[] = {
		"allow --ns /etc/passwd --pids 5",
		"allow --ns any --cgroup /proc --pids 5", "apply /tmp/asan-bad.policy",
		/* what the user typed is quoted: control characters stay out */
		"\"$(printf 'frob\\nnicate')\"",	/* usage_error() */
		"allow --ns any --pids \"$(printf '1\\n\\033[31m2')\"",
	};
	static char before[sizeof(out)];
	size_t i;

	set_policy("allow ns any pids 5000\n");
	write_text("/tmp/asan-bad.policy", "mode default enforce\nallow ns any pids 5-3\n");
	ASSERT_EQ(harness_sh(before, sizeof(before), "pidpolicy dump"), 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int status = asan("%s", bad[i]);
		const char *nl = strchr(err, '\n'), *p;
		int printable = 1;

		for (p = err; *p && p != nl; p++)
			printable &= (unsigned char)*p >= 0x20 && *p != 0x7f;
		if (status != 2 || strncmp(err, "pidpolicy: ", 11) || !nl || nl[1] ||
		    !printable)
			printf("pidpolicy-asan %s: exit %d, stderr:\n%s", bad[i], status, err);
		EXPECT_EQ(status, 2);
		EXPECT_EQ(strncmp(err, "pidpolicy: ", 11), 0);
		EXPECT_TRUE(nl && !nl[1]);
		EXPECT_TRUE(printable);
	}
	/* nothing changed */
	ASSERT_EQ(harness_sh(out, sizeof(out), "pidpolicy dump"), 0);
	ASSERT_STREQ(out, before);
}

/* Last: the programs that run after this one find no policy loaded. */
TEST(asan_loader_unloads)
{
	struct stat st;

	set_policy("allow ns any pids 5000\n");
	ASAN_OK("unload");
	ASSERT_ERRNO(stat(PIDPOLICY_PIN_DIR, &st), ENOENT);
	ASAN_STATUS(1, "show");
	ASSERT_TRUE(strstr(err, "not loaded") != NULL);
}
