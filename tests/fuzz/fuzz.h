/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared helpers of the libFuzzer targets (tests/fuzz/NAME_fuzz.c).
 *
 * The targets link the loader's parsers (loader/parse.c, ranges.c, policyfile.c) as
 * they are. What those would ask of the machine is answered by fuzz.c
 * instead, through the linker's --wrap (see FUZZ_WRAP in the Makefile), so
 * a run is hermetic and deterministic: no file is opened but a few
 * /proc/self/ns files, no cgroup is stat()ed, no /proc scan, no fork.
 */
#ifndef FUZZ_H
#define FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>

/* An invariant of the code under test does not hold: a crash for libFuzzer. */
#define FUZZ_CHECK(cond) do {						\
	if (!(cond))							\
		fuzz_fail(__FILE__, __LINE__, #cond);			\
} while (0)

void fuzz_fail(const char *file, int line, const char *what)
	__attribute__((noreturn));

/* The fake machine answers only between fuzz_begin() and fuzz_end(). */
void fuzz_begin(void);
void fuzz_end(void);

/* data[0..size) as a NUL-terminated malloc'ed string (cut at a NUL byte). */
char *fuzz_strndup(const uint8_t *data, size_t size);

/*
 * What every error of the parsers must be: one non-empty line within its
 * buffer, without control characters (it goes to a terminal as it is).
 */
void fuzz_check_err(const char *err, size_t errlen);

/* The fake cgroup id of a path under /sys/fs/cgroup (never 0). */
__u64 fuzz_cgroup_id(const char *path);

#endif /* FUZZ_H */
