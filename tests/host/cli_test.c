// SPDX-License-Identifier: GPL-2.0
/*
 * pidpolicy's command line as scripts around bpftool expect it, checked on
 * the host: -j/--json and -p/--pretty before or after the command, usage
 * errors as {"error": ...} on stdout with exit status 2, text errors on
 * stderr otherwise, --version. Only what is decided before the loader
 * touches the kernel (or checks for root), so no VM is needed.
 *
 * Runs from the top of the repository after `make loader`.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "harness.h"

#define LOADER "build/loader/pidpolicy"
#define SEE_HELP " (see 'pidpolicy --help')"

static char out[8192];

/* Run the loader with args; out gets its stdout (what=1) or its stderr (2). */
static int loader(int what, const char *args)
{
	struct stat st;

	if (stat(LOADER, &st))
		SKIP("%s is not built: run `make loader` first", LOADER);
	/* a loader that waits is cut short: status 124 */
	if (what == 1)
		return harness_sh(out, sizeof(out), "timeout 20 " LOADER " %s 2>/dev/null", args);
	return harness_sh(out, sizeof(out), "timeout 20 " LOADER " %s 2>&1 >/dev/null", args);
}

/* The loader with args exits with status, printing want (all of it) on fd what. */
static void expect(int what, const char *args, int status, const char *want)
{
	int rc = loader(what, args);

	if (rc != status || strcmp(out, want))
		printf("# pidpolicy %s: exit %d, %s:\n%s", args, rc,
		       what == 1 ? "stdout" : "stderr", out);
	ASSERT_EQ(rc, status);
	ASSERT_STREQ(out, want);
}

TEST(json_before_the_command_prints_a_usage_error_on_stdout)
{
	expect(1, "-j bogus", 2, "{\"error\":\"unknown command 'bogus'" SEE_HELP "\"}\n");
	expect(2, "-j bogus", 2, "");
}

TEST(text_errors_stay_on_stderr)
{
	expect(2, "bogus", 2, "pidpolicy: unknown command 'bogus'" SEE_HELP "\n");
	expect(1, "bogus", 2, "");
}

/* The unknown option comes first: -j counts all the same. */
TEST(json_after_the_command_counts_for_earlier_errors)
{
	expect(1, "status --bogus --json", 2,
	       "{\"error\":\"unknown option '--bogus' for 'status'" SEE_HELP "\"}\n");
}

TEST(per_command_json_still_accepted_by_every_command)
{
	expect(1, "explain --ns any --json", 2,
	       "{\"error\":\"'explain' needs --pid" SEE_HELP "\"}\n");
	expect(1, "allow --ns any --pids 5-3 -j", 2,
	       "{\"error\":\"range '5-3' is reversed: write '3-5'\"}\n");
}

TEST(pretty_indents_the_error)
{
	expect(1, "-p allow --ns any", 2,
	       "{\n  \"error\":\"'allow' needs --pids" SEE_HELP "\"\n}\n");
}

/* -j as the value of an option, or after --, is not the option. */
TEST(an_option_value_is_not_taken_for_json)
{
	expect(2, "allow --ns any --pids -j", 2,
	       "pidpolicy: '-j' in --pids is negative: pids start at 1\n");
	expect(2, "mode --default -- -j", 2,
	       "pidpolicy: unknown mode '-j': use enforce, audit or off\n");
}

TEST(version_in_text_and_json)
{
	ASSERT_EQ(loader(1, "--version"), 0);
	ASSERT_TRUE(!strncmp(out, "pidpolicy ", 10));
	ASSERT_TRUE(strstr(out, "\nusing libbpf v") != NULL);
	ASSERT_EQ(loader(1, "-j -V"), 0);
	ASSERT_TRUE(!strncmp(out, "{\"version\":\"", 12));
	ASSERT_TRUE(strstr(out, ",\"libbpf_version\":\"") != NULL);
}

TEST(usage_lists_the_output_options)
{
	ASSERT_EQ(loader(1, "--help"), 0);
	ASSERT_TRUE(strstr(out, "Usage: pidpolicy [-v] [-j | -p] COMMAND") == out);
	ASSERT_TRUE(strstr(out, "  -j, --json ") != NULL);
	ASSERT_TRUE(strstr(out, "  -p, --pretty ") != NULL);
	ASSERT_TRUE(strstr(out, "  -V, --version ") != NULL);
}

/*
 * --ns names a FIFO: the loader must refuse it at once (a usage error, one
 * line), not wait for a writer; timeout's 124 would say it waited.
 */
TEST(a_fifo_given_as_ns_is_refused_without_waiting)
{
	char dir[] = "/tmp/cli_test.XXXXXX", args[128], want[256];

	ASSERT_TRUE(mkdtemp(dir) != NULL);
	snprintf(args, sizeof(args), "%s/fifo", dir);
	ASSERT_EQ(mkfifo(args, 0600), 0);
	snprintf(want, sizeof(want),
		 "pidpolicy: %s/fifo is not a pid namespace file (use /proc/PID/ns/pid, an inode number or 'any')\n",
		 dir);
	snprintf(args, sizeof(args), "mode --ns %s/fifo off", dir);
	expect(2, args, 2, want);
	snprintf(args, sizeof(args), "%s/fifo", dir);
	unlink(args);
	rmdir(dir);
}
