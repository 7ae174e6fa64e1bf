// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: parse_ns_spec() (loader/parse.c), the NS of `--ns` and
 * of policy files, and with the same word the CLI's other one-word parsers
 * (parse_uid, parse_pid, parse_max_chosen, parse_mode).
 *
 * Input: the word (a NUL byte ends it). Paths go to the fake machine of
 * fuzz.c: only /proc/self/ns/pid (and pid_for_children) is a pid namespace.
 *
 * Success must mean what the word says ('any', the decimal inode, the
 * path's inode) and read back the same once formatted; a valid word must
 * never be refused; every failure is one error line.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "fuzz.h"
#include "parse.h"

#define ERRLEN 256	/* as the loader's callers */

/* s is decimal digits only: true, *v its value (saturated at UINT64_MAX). */
static bool decimal(const char *s, __u64 *v)
{
	__u64 x = 0;

	if (!*s)
		return false;
	for (; *s; s++) {
		__u64 d = (__u64)(*s - '0');

		if (*s < '0' || *s > '9')
			return false;
		x = x > (UINT64_MAX - d) / 10 ? UINT64_MAX : x * 10 + d;
	}
	*v = x;
	return true;
}

static __u32 own_pidns_inum(void)
{
	static __u32 inum;
	struct stat st;

	if (!inum) {	/* before fuzz_begin(): the real stat() */
		FUZZ_CHECK(stat("/proc/self/ns/pid", &st) == 0);
		inum = (__u32)st.st_ino;
	}
	return inum;
}

static void check_ns(const char *s, __u32 own)
{
	char err[ERRLEN] = "", text[40];
	const char *at = strchr(s, '@');
	__u64 v = 0, id, id_again;
	__u32 inum, again;
	bool dec;
	int fd;

	dec = decimal(s, &v);
	if (parse_ns_spec(s, &inum, &id, &fd, err, sizeof(err))) {
		fuzz_check_err(err, sizeof(err));
		FUZZ_CHECK(fd == -1);
		FUZZ_CHECK(strcmp(s, "any"));
		FUZZ_CHECK(!dec || v == 0 || v > UINT32_MAX);
		return;
	}
	if (!strcmp(s, "any")) {
		FUZZ_CHECK(inum == PIDPOLICY_NS_ANY && fd == -1);
		return;
	}
	if (fd >= 0) {
		FUZZ_CHECK(!dec);
		FUZZ_CHECK(!strcmp(s, "/proc/self/ns/pid") ||
			   !strcmp(s, "/proc/self/ns/pid_for_children"));
		FUZZ_CHECK(inum == own);
		FUZZ_CHECK(ns_fd_inum(fd, &again) == 0 && again == inum);
		close(fd);
	} else if (id) {
		/* N@ID: N and ID decimal, ID above 0 */
		FUZZ_CHECK(at && inum != PIDPOLICY_NS_ANY);
		FUZZ_CHECK(decimal(at + 1, &v) && v == id);
	} else {
		FUZZ_CHECK(dec && v == inum && inum != PIDPOLICY_NS_ANY);
	}
	FUZZ_CHECK(fd >= 0 || !id || at);
	/* what show/dump print for it reads back the same */
	if (id)
		snprintf(text, sizeof(text), "%u@%llu", inum, (unsigned long long)id);
	else
		snprintf(text, sizeof(text), "%u", inum);
	FUZZ_CHECK(parse_ns_spec(text, &again, &id_again, &fd, err, sizeof(err)) == 0);
	FUZZ_CHECK(again == inum && id_again == id && fd == -1);
}

static void check_numbers(const char *s)
{
	char err[ERRLEN] = "", text[16];
	bool dec;
	__u32 x, y;
	__u64 v = 0;

	dec = decimal(s, &v);
	if (parse_uid(s, &x, err, sizeof(err))) {
		fuzz_check_err(err, sizeof(err));
		FUZZ_CHECK(!dec || v >= UINT32_MAX);	/* (uid_t)-1 is no uid */
	} else {
		FUZZ_CHECK(dec && v == x && x != UINT32_MAX);
	}

	err[0] = '\0';
	if (parse_pid(s, &x, err, sizeof(err))) {
		fuzz_check_err(err, sizeof(err));
		FUZZ_CHECK(!dec || v == 0 || v >= PIDPOLICY_PID_LIMIT);
	} else {
		FUZZ_CHECK(dec && v == x && x >= 1 && x < PIDPOLICY_PID_LIMIT);
	}

	err[0] = '\0';
	if (parse_max_chosen(s, &x, err, sizeof(err))) {
		fuzz_check_err(err, sizeof(err));
		FUZZ_CHECK(strcmp(s, "none") && (!dec || v >= PIDPOLICY_NO_LIMIT));
	} else {
		FUZZ_CHECK(!strcmp(s, "none") ? x == PIDPOLICY_NO_LIMIT :
			   dec && v == x && x < PIDPOLICY_NO_LIMIT);
		/* as `show` prints a limit */
		format_limit(x, text, sizeof(text));
		FUZZ_CHECK(parse_max_chosen(text, &y, err, sizeof(err)) == 0 && y == x);
	}

	err[0] = '\0';
	if (parse_mode(s, &x, err, sizeof(err))) {
		fuzz_check_err(err, sizeof(err));
	} else {
		FUZZ_CHECK(x >= PIDPOLICY_MODE_OFF && x <= PIDPOLICY_MODE_ENFORCE);
		FUZZ_CHECK(!strcmp(mode_name(x), s));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_strndup(data, size);
	__u32 own = own_pidns_inum();

	fuzz_begin();
	check_ns(s, own);
	check_numbers(s);
	fuzz_end();
	free(s);
	return 0;
}
