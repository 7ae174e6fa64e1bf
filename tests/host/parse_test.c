// SPDX-License-Identifier: GPL-2.0
/*
 * Host tests of the pidpolicy CLI's parsers and pid ranges (loader/parse.c,
 * loader/ranges.c): nothing here needs BPF or our kernel.
 */
#define _GNU_SOURCE
#include "harness.h"

#include <fcntl.h>
#include <mntent.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "cgroup.h"
#include "parse.h"
#include "ranges.h"

#define LIMIT PIDPOLICY_PID_LIMIT

static char err[256];
static __u64 id;	/* N@ID's */

/* Parse s and return its ranges formatted back ("" and err set on error). */
static const char *roundtrip(const char *s, __u32 pid_max)
{
	static char out[4096];
	struct pid_range *r = NULL;
	size_t n = 0;
	char *f;

	err[0] = '\0';
	out[0] = '\0';
	if (parse_ranges(s, pid_max, &r, &n, err, sizeof(err)))
		return out;
	f = ranges_format(r, n);
	snprintf(out, sizeof(out), "%s", f ? f : "(nomem)");
	free(f);
	free(r);
	return out;
}

/* parse_ranges(s) fails and its message contains want. */
static int ranges_fail_with(const char *s, __u32 pid_max, const char *want)
{
	struct pid_range *r = NULL;
	size_t n = 0;

	err[0] = '\0';
	if (!parse_ranges(s, pid_max, &r, &n, err, sizeof(err))) {
		free(r);
		return 0;
	}
	if (!strstr(err, want)) {
		printf("# error for '%s' was: %s\n", s, err);
		return 0;
	}
	return 1;
}

TEST(ranges_single_pid_and_range)
{
	ASSERT_STREQ(roundtrip("1000", LIMIT), "1000");
	ASSERT_STREQ(roundtrip("300-999", LIMIT), "300-999");
	ASSERT_STREQ(roundtrip("300-999,1000,5000-5999", LIMIT), "300-1000,5000-5999");
	ASSERT_STREQ(roundtrip("1", LIMIT), "1");
	ASSERT_STREQ(roundtrip("4194303", LIMIT), "4194303");
	ASSERT_STREQ(roundtrip("007", LIMIT), "7");
}

TEST(ranges_sorted_and_merged)
{
	ASSERT_STREQ(roundtrip("5000-5999,300-999", LIMIT), "300-999,5000-5999");
	ASSERT_STREQ(roundtrip("10-20,15-30", LIMIT), "10-30");
	ASSERT_STREQ(roundtrip("10-20,21-30", LIMIT), "10-30");
	ASSERT_STREQ(roundtrip("10-20,22-30", LIMIT), "10-20,22-30");
	ASSERT_STREQ(roundtrip("5,5,5", LIMIT), "5");
	ASSERT_STREQ(roundtrip("1-100,20-30", LIMIT), "1-100");
	ASSERT_STREQ(roundtrip("3,1,2", LIMIT), "1-3");
}

TEST(ranges_count_pids)
{
	struct pid_range *r = NULL;
	size_t n = 0;

	ASSERT_EQ(parse_ranges("300-999,1000,5000-5999", LIMIT, &r, &n, err,
			       sizeof(err)), 0);
	ASSERT_EQ(n, (size_t)2);
	ASSERT_EQ(ranges_count(r, n), (__u64)1701);
	free(r);
}

TEST(ranges_reversed_fails)
{
	ASSERT_TRUE(ranges_fail_with("5-3", LIMIT, "reversed: write '3-5'"));
}

TEST(ranges_zero_fails)
{
	ASSERT_TRUE(ranges_fail_with("0", LIMIT, "pid 0"));
	ASSERT_TRUE(ranges_fail_with("0-10", LIMIT, "pid 0"));
}

TEST(ranges_negative_fails)
{
	ASSERT_TRUE(ranges_fail_with("-1", LIMIT, "negative"));
	ASSERT_TRUE(ranges_fail_with("1,-5", LIMIT, "negative"));
	ASSERT_TRUE(ranges_fail_with("5--3", LIMIT, "not a pid or a range"));
}

TEST(ranges_beyond_pid_max_fails)
{
	ASSERT_TRUE(ranges_fail_with("32768", 32768, "pid_max 32768"));
	ASSERT_TRUE(ranges_fail_with("1-40000", 32768, "pid_max 32768"));
	ASSERT_TRUE(ranges_fail_with("4194304", LIMIT, "pid_max 4194304"));
	ASSERT_STREQ(roundtrip("32767", 32768), "32767");
}

TEST(ranges_overflow_fails)
{
	ASSERT_TRUE(ranges_fail_with("99999999999999999999", LIMIT, "pid_max"));
	ASSERT_TRUE(ranges_fail_with("4294967296", LIMIT, "pid_max"));
	ASSERT_TRUE(ranges_fail_with("1-18446744073709551616", LIMIT, "pid_max"));
}

TEST(ranges_empty_elements_fail)
{
	ASSERT_TRUE(ranges_fail_with("", LIMIT, "empty"));
	ASSERT_TRUE(ranges_fail_with(",", LIMIT, "empty element"));
	ASSERT_TRUE(ranges_fail_with("1,", LIMIT, "empty element"));
	ASSERT_TRUE(ranges_fail_with(",1", LIMIT, "empty element"));
	ASSERT_TRUE(ranges_fail_with("1,,2", LIMIT, "empty element"));
	ASSERT_TRUE(ranges_fail_with("5-", LIMIT, "not a pid or a range"));
}

TEST(ranges_junk_fails)
{
	ASSERT_TRUE(ranges_fail_with("12a", LIMIT, "'12a'"));
	ASSERT_TRUE(ranges_fail_with(" 12", LIMIT, "not a pid or a range"));
	ASSERT_TRUE(ranges_fail_with("1-2-3", LIMIT, "not a pid or a range"));
	ASSERT_TRUE(ranges_fail_with("+5", LIMIT, "not a pid or a range"));
	ASSERT_TRUE(ranges_fail_with("0x10", LIMIT, "not a pid or a range"));
}

TEST(ns_spec_any)
{
	__u32 inum = 1;
	int fd = 0;

	ASSERT_EQ(parse_ns_spec("any", &inum, &id, &fd, err, sizeof(err)), 0);
	ASSERT_EQ(inum, (__u32)PIDPOLICY_NS_ANY);
	ASSERT_EQ(fd, -1);
}

TEST(ns_spec_number)
{
	__u32 inum = 0;
	int fd = 0;

	ASSERT_EQ(parse_ns_spec("4026531836", &inum, &id, &fd, err, sizeof(err)), 0);
	ASSERT_EQ(inum, 4026531836U);
	ASSERT_EQ(fd, -1);
	ASSERT_EQ(parse_ns_spec("0", &inum, &id, &fd, err, sizeof(err)), -1);
	ASSERT_TRUE(strstr(err, "'any'"));
	ASSERT_EQ(parse_ns_spec("4294967296", &inum, &id, &fd, err, sizeof(err)), -1);
	ASSERT_TRUE(strstr(err, "too large"));
}

/* What dump writes: the number with the id of the namespace meant. */
TEST(ns_spec_number_with_id)
{
	__u32 inum = 0;
	int fd = 0;

	ASSERT_EQ(parse_ns_spec("4026532000@17", &inum, &id, &fd, err, sizeof(err)), 0);
	ASSERT_EQ(inum, 4026532000U);
	ASSERT_EQ(id, 17ULL);
	ASSERT_EQ(fd, -1);
	ASSERT_EQ(parse_ns_spec("4026532000", &inum, &id, &fd, err, sizeof(err)), 0);
	ASSERT_EQ(id, 0ULL);
	ASSERT_EQ(parse_ns_spec("4026532000@0", &inum, &id, &fd, err, sizeof(err)), -1);
	ASSERT_TRUE(strstr(err, "bad namespace id in 4026532000@0: N@ID takes the id"));
	ASSERT_EQ(parse_ns_spec("4026532000@", &inum, &id, &fd, err, sizeof(err)), -1);
	ASSERT_TRUE(strstr(err, "bad namespace id"));
	ASSERT_EQ(parse_ns_spec("4026532000@x", &inum, &id, &fd, err, sizeof(err)), -1);
	ASSERT_TRUE(strstr(err, "bad namespace id"));
	ASSERT_EQ(parse_ns_spec("4294967296@1", &inum, &id, &fd, err, sizeof(err)), -1);
	ASSERT_TRUE(strstr(err, "too large"));
	/* not a number before the @: a path */
	ASSERT_EQ(parse_ns_spec("/nonexistent/ns@1", &inum, &id, &fd, err, sizeof(err)), -1);
	ASSERT_TRUE(strstr(err, "/nonexistent/ns@1 is not a pid namespace file"));
}

/* A path's file stays open: it is the namespace, checked through itself. */
TEST(ns_spec_proc_self_is_its_inode_and_stays_open)
{
	struct stat st, held;
	__u32 inum = 0, again = 0;
	int fd = -1;

	ASSERT_EQ(stat("/proc/self/ns/pid", &st), 0);
	ASSERT_EQ(parse_ns_spec("/proc/self/ns/pid", &inum, &id, &fd, err,
				sizeof(err)), 0);
	ASSERT_EQ((__u64)inum, (__u64)st.st_ino);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(fstat(fd, &held), 0);
	ASSERT_EQ((__u64)held.st_ino, (__u64)st.st_ino);
	ASSERT_TRUE(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	ASSERT_EQ(ns_fd_inum(fd, &again), 0);
	ASSERT_EQ(again, inum);
	close(fd);
}

TEST(ns_spec_other_files_fail)
{
	__u32 inum = 0;
	int fd = 0, net;

	ASSERT_EQ(parse_ns_spec("/etc/hostname", &inum, &id, &fd, err, sizeof(err)), -1);
	ASSERT_STREQ(err, "/etc/hostname is not a pid namespace file "
			  "(use /proc/PID/ns/pid, an inode number or 'any')");
	ASSERT_EQ(fd, -1);
	ASSERT_EQ(parse_ns_spec("/proc/self/ns/net", &inum, &id, &fd, err,
				sizeof(err)), -1);
	ASSERT_TRUE(strstr(err, "is not a pid namespace file"));
	ASSERT_EQ(parse_ns_spec("/nonexistent/ns", &inum, &id, &fd, err,
				sizeof(err)), -1);
	ASSERT_TRUE(strstr(err, "/nonexistent/ns is not a pid namespace file"));
	ASSERT_EQ(parse_ns_spec("", &inum, &id, &fd, err, sizeof(err)), -1);
	net = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	ASSERT_GE(net, 0);
	ASSERT_EQ(ns_fd_inum(net, &inum), -1);
	close(net);
}

/*
 * A FIFO given as the namespace: opening it for reading would wait for a
 * writer (forever, under the writers' lock for `apply`). It is refused at
 * once; the alarm ends the test if it is not.
 */
TEST(ns_spec_fifo_fails_without_waiting)
{
	char dir[] = "/tmp/parse_test.XXXXXX", path[64];
	__u32 inum = 0;
	int fd = 0;

	ASSERT_TRUE(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/fifo", dir);
	ASSERT_EQ(mkfifo(path, 0600), 0);
	alarm(10);
	ASSERT_EQ(parse_ns_spec(path, &inum, &id, &fd, err, sizeof(err)), -1);
	alarm(0);
	ASSERT_TRUE(strstr(err, "is not a pid namespace file"));
	ASSERT_EQ(fd, -1);
	unlink(path);
	rmdir(dir);
}

TEST(uid_parses_decimal)
{
	__u32 uid = 1;

	ASSERT_EQ(parse_uid("0", &uid, err, sizeof(err)), 0);
	ASSERT_EQ(uid, 0U);
	ASSERT_EQ(parse_uid("1000", &uid, err, sizeof(err)), 0);
	ASSERT_EQ(uid, 1000U);
	ASSERT_EQ(parse_uid("4294967294", &uid, err, sizeof(err)), 0);
	ASSERT_EQ(uid, 4294967294U);
	ASSERT_EQ(parse_uid("4294967295", &uid, err, sizeof(err)), -1);
	ASSERT_EQ(parse_uid("-1", &uid, err, sizeof(err)), -1);
	ASSERT_EQ(parse_uid("root", &uid, err, sizeof(err)), -1);
	ASSERT_EQ(parse_uid("", &uid, err, sizeof(err)), -1);
	ASSERT_EQ(parse_uid("99999999999999999999", &uid, err, sizeof(err)), -1);
}

TEST(pid_parses_single_pid)
{
	__u32 pid = 0;

	ASSERT_EQ(parse_pid("300", &pid, err, sizeof(err)), 0);
	ASSERT_EQ(pid, 300U);
	ASSERT_EQ(parse_pid("0", &pid, err, sizeof(err)), -1);
	ASSERT_EQ(parse_pid("4194304", &pid, err, sizeof(err)), -1);
	ASSERT_EQ(parse_pid("3-4", &pid, err, sizeof(err)), -1);
}

TEST(mode_words)
{
	__u32 mode = 0;

	ASSERT_EQ(parse_mode("enforce", &mode, err, sizeof(err)), 0);
	ASSERT_EQ(mode, (__u32)PIDPOLICY_MODE_ENFORCE);
	ASSERT_EQ(parse_mode("audit", &mode, err, sizeof(err)), 0);
	ASSERT_EQ(mode, (__u32)PIDPOLICY_MODE_AUDIT);
	ASSERT_EQ(parse_mode("off", &mode, err, sizeof(err)), 0);
	ASSERT_EQ(mode, (__u32)PIDPOLICY_MODE_OFF);
	ASSERT_EQ(parse_mode("unset", &mode, err, sizeof(err)), -1);
	ASSERT_EQ(parse_mode("Enforce", &mode, err, sizeof(err)), -1);
	ASSERT_STREQ(err, "unknown mode 'Enforce': use enforce, audit or off");
	ASSERT_STREQ(mode_name(PIDPOLICY_MODE_AUDIT), "audit");
	ASSERT_STREQ(mode_name(PIDPOLICY_MODE_UNSET), "unset");
}

TEST(cgroup_needs_cgroup2_directory)
{
	__u64 id = 0;

	ASSERT_EQ(parse_cgroup("/etc", &id, err, sizeof(err)), -1);
	ASSERT_TRUE(strstr(err, "not a cgroup v2 directory"));
	ASSERT_EQ(parse_cgroup("/nonexistent", &id, err, sizeof(err)), -1);
}

TEST(cgroup_id_is_directory_inode)
{
	char dir[4096] = "";
	struct mntent *m;
	struct stat st;
	__u64 id = 0;
	FILE *f = setmntent("/proc/self/mounts", "r");

	ASSERT_TRUE(f);
	while ((m = getmntent(f)))
		if (!strcmp(m->mnt_type, "cgroup2")) {
			snprintf(dir, sizeof(dir), "%s", m->mnt_dir);
			break;
		}
	endmntent(f);
	if (!dir[0])
		SKIP("no cgroup2 mount in /proc/self/mounts");
	ASSERT_EQ(stat(dir, &st), 0);
	ASSERT_EQ(parse_cgroup(dir, &id, err, sizeof(err)), 0);
	ASSERT_EQ(id, (__u64)st.st_ino);
}

/* Ranges → chunks → ranges gives the ranges back, across chunk boundaries. */
static void chunk_roundtrip(const char *s)
{
	struct pidpolicy_chunk chunks[64];
	__u32 firsts[64], fp;
	struct range_list back = {};
	struct pid_range *r = NULL;
	size_t n = 0, nchunks = 0, i;
	__u64 at;
	char *f;

	ASSERT_EQ(parse_ranges(s, LIMIT, &r, &n, err, sizeof(err)), 0);
	for (at = 0; ranges_next_chunk(r, n, at, &fp); at = (__u64)fp + PIDPOLICY_CHUNK_PIDS) {
		ASSERT_LT(nchunks, (size_t)64);
		ASSERT_EQ(fp % PIDPOLICY_CHUNK_PIDS, 0U);
		memset(&chunks[nchunks], 0, sizeof(chunks[0]));
		chunk_apply(&chunks[nchunks], fp, r, n, true);
		ASSERT_FALSE(chunk_empty(&chunks[nchunks]));
		firsts[nchunks++] = fp;
	}
	for (i = 0; i < nchunks; i++)
		ASSERT_EQ(range_list_add_chunk(&back, firsts[i], &chunks[i]), 0);
	ASSERT_EQ(back.n, n);
	ASSERT_EQ(ranges_count(back.r, back.n), ranges_count(r, n));
	f = ranges_format(back.r, back.n);
	roundtrip(s, LIMIT);
	ASSERT_STREQ(f, roundtrip(s, LIMIT));
	free(f);
	range_list_free(&back);
	free(r);
}

TEST(bitmap_roundtrip)
{
	chunk_roundtrip("1");
	chunk_roundtrip("300-999,1000,5000-5999");
	chunk_roundtrip("1023-1024");
	chunk_roundtrip("1-4096");
	chunk_roundtrip("63-64,127,128,191-192,1000-1100,4194303");
	chunk_roundtrip("1024-2047");
	chunk_roundtrip("2,4,6,8,1030,1032");
}

TEST(bitmap_chunks_touched)
{
	struct pid_range r[] = { { 5, 5 }, { 1020, 2050 }, { 9000, 9000 } };
	__u32 want[] = { 0, 1024, 2048, 8192 }, fp;
	size_t i = 0;
	__u64 at;

	for (at = 0; ranges_next_chunk(r, 3, at, &fp); at = (__u64)fp + PIDPOLICY_CHUNK_PIDS) {
		ASSERT_LT(i, (size_t)4);
		ASSERT_EQ(fp, want[i]);
		i++;
	}
	ASSERT_EQ(i, (size_t)4);
}

TEST(bitmap_clear_bits)
{
	struct pid_range all = { 1, 1023 }, some = { 100, 199 };
	struct range_list back = {};
	struct pidpolicy_chunk c = {};
	char *f;

	chunk_apply(&c, 0, &all, 1, true);
	chunk_apply(&c, 0, &some, 1, false);
	ASSERT_EQ(range_list_add_chunk(&back, 0, &c), 0);
	f = ranges_format(back.r, back.n);
	ASSERT_STREQ(f, "1-99,200-1023");
	free(f);
	range_list_free(&back);
	chunk_apply(&c, 0, &all, 1, false);
	ASSERT_TRUE(chunk_empty(&c));
}


TEST(caller_pid_is_read_from_proc)
{
	char err[256], cgroup[4096], pid[16];
	__u32 uid = 12345;

	ASSERT_EQ(parse_caller_pid("12a", &uid, cgroup, sizeof(cgroup), err, sizeof(err)), -1);
	ASSERT_STREQ(err, "--caller '12a' is not valid: give the pid of a process");
	ASSERT_EQ(parse_caller_pid("0", &uid, cgroup, sizeof(cgroup), err, sizeof(err)), -1);
	/* pid_max is at most 4194304: no such process */
	ASSERT_EQ(parse_caller_pid("2147483647", &uid, cgroup, sizeof(cgroup), err, sizeof(err)), -1);
	ASSERT_EQ(strncmp(err, "cannot read the uid and cgroup v2 of process 2147483647",
			  strlen("cannot read the uid and cgroup v2 of process 2147483647")), 0);
	snprintf(pid, sizeof(pid), "%d", getpid());
	if (parse_caller_pid(pid, &uid, cgroup, sizeof(cgroup), err, sizeof(err)))
		SKIP("%s", err);	/* no cgroup v2 here that lists us */
	ASSERT_EQ(uid, (__u32)geteuid());
	ASSERT_EQ(strncmp(cgroup, "/sys/fs/cgroup", strlen("/sys/fs/cgroup")), 0);
}
