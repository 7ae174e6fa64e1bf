// SPDX-License-Identifier: GPL-2.0
/*
 * The libFuzzer targets of tests/fuzz (built by make into build/fuzz), each
 * for a bounded time: FUZZ_SECONDS (default 20) with seed FUZZ_SEED
 * (default 1, fixed so a run is repeatable; 0 lets libFuzzer pick one and
 * print it). Runs from the top of the repository.
 *
 * Each fuzzer starts from a copy of its checked-in corpus in
 * build/fuzz/run/NAME/corpus (the copy grows, tests/fuzz/corpus does not),
 * logs to build/fuzz/run/NAME/log and writes what fails to
 * build/fuzz/run/NAME/artifacts/. A failure names that input and the
 * command that reproduces it.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "harness.h"

#define FUZZ_BIN	"build/fuzz"
#define FUZZ_RUN	"build/fuzz/run"

static char out[1 << 16];

/* The number after key in text, or "?". */
static const char *value(const char *text, const char *key, char *buf, size_t size)
{
	const char *at = strstr(text, key);

	snprintf(buf, size, "?");
	if (at)
		sscanf(at + strlen(key), " %31[0-9]", buf);
	return buf;
}

/* The first input libFuzzer kept in dir (crash-, leak-, timeout-, oom-...). */
static int artifact(const char *dir, char *path, size_t size)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	int found = 0;

	if (!d)
		return 0;
	while (!found && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, size, "%s/%s", dir, de->d_name);
		found = 1;
	}
	closedir(d);
	return found;
}

static void run_fuzzer(const char *name)
{
	const char *secs = getenv("FUZZ_SECONDS") ?: "20";
	const char *seed = getenv("FUZZ_SEED") ?: "1";
	char work[256], bin[256], dict[256], dir[300], input[600];
	char runs[32], added[32], used[32];
	struct stat st;
	int rc;

	if (stat("tests/fuzz/corpus", &st))
		SKIP("run from the top of the repository");
	snprintf(bin, sizeof(bin), FUZZ_BIN "/%s", name);
	if (stat(bin, &st))
		printf("%s is missing: build it with 'make %s'\n", bin, bin);
	ASSERT_EQ(stat(bin, &st), 0);
	snprintf(work, sizeof(work), FUZZ_RUN "/%s", name);
	ASSERT_EQ(harness_sh(out, sizeof(out),
			     "rm -rf %s && mkdir -p %s/artifacts && "
			     "cp -R tests/fuzz/corpus/%s %s/corpus 2>&1", work, work, name, work), 0);
	snprintf(dict, sizeof(dict), "tests/fuzz/%s.dict", name);
	if (stat(dict, &st))
		dict[0] = '\0';

	rc = harness_sh(NULL, 0,
			"ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 "
			"%s -max_total_time=%s -seed=%s -print_final_stats=1 -timeout=10 "
			"-max_len=4096 %s%s -artifact_prefix=%s/artifacts/ %s/corpus >%s/log 2>&1",
			bin, secs, seed, dict[0] ? "-dict=" : "", dict, work, work, work);
	if (rc != 0) {
		/* the report: from the first line of it to the end of the log */
		harness_sh(out, sizeof(out),
			   "sed -n '/invariant does not hold\\|runtime error\\|^==[0-9]*==/,$p' "
			   "%s/log | head -n 150 | grep . || tail -n 60 %s/log", work, work);
		printf("%s%s: exited with status %d, see %s/log\n", out, name, rc, work);
		snprintf(dir, sizeof(dir), "%s/artifacts", work);
		if (artifact(dir, input, sizeof(input)))
			printf("%s: failing input: %s\n"
			       "%s: reproduce with: %s %s\n", name, input, name, bin, input);
	} else {
		/* print_final_stats: the log ends with the volume of the run */
		harness_sh(out, sizeof(out), "grep -E '^(INFO: Seed|stat::)' %s/log", work);
		printf("%s: %s inputs in %s s (seed %s), %s new ones in %s/corpus\n", name,
		       value(out, "stat::number_of_executed_units:", runs, sizeof(runs)), secs,
		       value(out, "INFO: Seed:", used, sizeof(used)),
		       value(out, "stat::new_units_added:", added, sizeof(added)), work);
	}
	ASSERT_EQ(rc, 0);
}

TEST(policyfile_fuzzer) { run_fuzzer("policyfile"); }
TEST(ranges_fuzzer) { run_fuzzer("ranges"); }
TEST(ns_spec_fuzzer) { run_fuzzer("ns_spec"); }
