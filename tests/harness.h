/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Minimal kselftest-like test harness.
 *
 *   TEST(name) { ASSERT_EQ(f(), 0); }
 *   TEST_TIMEOUT(slow, 300) { ... }
 *
 * Every test runs in a forked child in its own process group.  ASSERT_*
 * ends the test at once, EXPECT_* records the failure and carries on,
 * SKIP(fmt, ...) ends it as skipped.  main() is provided by harness.c.
 *
 * Comparisons use the operands' own types (like kselftest), so mixing
 * signed and unsigned operands draws -Wsign-compare: cast in the test.
 */
#ifndef HARNESS_H
#define HARNESS_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>

struct harness_test {
	const char *name;
	void (*fn)(void);
	unsigned int timeout;		/* seconds; 0: default */
	struct harness_test *next;
};

void harness_register(struct harness_test *t);
void harness_fail(const char *file, int line, int fatal, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void harness_cmp_fail(const char *file, int line, int fatal, const char *what,
		      long long va, long long vb, int err);
void harness_errno_fail(const char *file, int line, int fatal,
			const char *what, long long ret, int want, int err);
void harness_skip(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));
const char *harness_errno_name(int err);
/*
 * HARNESS_TIMEOUT_SCALE (default 1): every test's budget is multiplied by
 * it, and so must be any deadline a test sets itself.
 */
unsigned int harness_timeout_scale(void);
/* Read up to size-1 bytes of path into buf, NUL-terminated; bytes or -1. */
ssize_t harness_read_file(const char *path, char *buf, size_t size);
/*
 * Run a shell command (printf-style) and return its exit status, -1 if it
 * did not exit. Its standard output (add 2>&1 for stderr) goes into out,
 * NUL-terminated; a longer output keeps its end. out may be NULL.
 */
int harness_sh(char *out, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define TEST_TIMEOUT(name, seconds)					\
	static void harness_fn_##name(void);				\
	static struct harness_test harness_t_##name = {			\
		#name, harness_fn_##name, (seconds), NULL };		\
	__attribute__((constructor)) static void harness_reg_##name(void) \
	{ harness_register(&harness_t_##name); }			\
	static void harness_fn_##name(void)

#define TEST(name) TEST_TIMEOUT(name, 0)

#define SKIP(...) harness_skip(__VA_ARGS__)

/*
 * Print any scalar as long long.  Pointers go through intptr_t, so -m32
 * does not warn about a pointer-to-integer cast of a different size and
 * MAP_FAILED is -1 on both ABIs; the casts only ever see the chosen type,
 * so neither branch can warn.
 */
#define HARNESS_IS_PTR(x) (__builtin_classify_type(x) == 5)
#define HARNESS_LL(x)							\
	(HARNESS_IS_PTR(x) ?						\
	 (long long)(intptr_t)__builtin_choose_expr(HARNESS_IS_PTR(x),	\
						     (x), (void *)0) :	\
	 (long long)__builtin_choose_expr(HARNESS_IS_PTR(x), 0, (x)))

/* "what" is the stringified call, made before arguments are expanded. */
#define HARNESS_CMP(fatal, what, a, b, op) do {				\
	__typeof__(a) harness_a_ = (a);					\
	__typeof__(b) harness_b_ = (b);					\
	if (!(harness_a_ op harness_b_))				\
		harness_cmp_fail(__FILE__, __LINE__, fatal, what,	\
				 HARNESS_LL(harness_a_),		\
				 HARNESS_LL(harness_b_), errno);	\
} while (0)

#define HARNESS_BOOL(fatal, what, x, want) do {				\
	if ((x) ? !(want) : (want))					\
		harness_fail(__FILE__, __LINE__, fatal,			\
			     "%s (errno: %s)", what,			\
			     strerror(errno));				\
} while (0)

#define HARNESS_STREQ(fatal, what, a, b) do {				\
	const char *harness_sa_ = (a), *harness_sb_ = (b);		\
	if (!harness_sa_ || !harness_sb_ ||				\
	    strcmp(harness_sa_, harness_sb_) != 0)			\
		harness_fail(__FILE__, __LINE__, fatal,			\
			     "%s: expected \"%s\", got \"%s\"", what,	\
			     harness_sa_ ? harness_sa_ : "(null)",	\
			     harness_sb_ ? harness_sb_ : "(null)");	\
} while (0)

/* errno is sampled right after expr, before anything can clobber it. */
#define HARNESS_ERRNO(fatal, what, expr, err) do {			\
	__typeof__(expr) harness_x_ = (expr);				\
	long long harness_r_ = HARNESS_LL(harness_x_);			\
	int harness_e_ = errno;						\
	if (harness_r_ != -1 || harness_e_ != (err))			\
		harness_errno_fail(__FILE__, __LINE__, fatal, what,	\
				   harness_r_, (err), harness_e_);	\
} while (0)

#define ASSERT_EQ(a, b) \
	HARNESS_CMP(1, "ASSERT_EQ(" #a ", " #b ")", a, b, ==)
#define ASSERT_NE(a, b) \
	HARNESS_CMP(1, "ASSERT_NE(" #a ", " #b ")", a, b, !=)
#define ASSERT_LT(a, b) \
	HARNESS_CMP(1, "ASSERT_LT(" #a ", " #b ")", a, b, <)
#define ASSERT_LE(a, b) \
	HARNESS_CMP(1, "ASSERT_LE(" #a ", " #b ")", a, b, <=)
#define ASSERT_GT(a, b) \
	HARNESS_CMP(1, "ASSERT_GT(" #a ", " #b ")", a, b, >)
#define ASSERT_GE(a, b) \
	HARNESS_CMP(1, "ASSERT_GE(" #a ", " #b ")", a, b, >=)
#define ASSERT_TRUE(x) \
	HARNESS_BOOL(1, "ASSERT_TRUE(" #x ")", x, 1)
#define ASSERT_FALSE(x) \
	HARNESS_BOOL(1, "ASSERT_FALSE(" #x ")", x, 0)
#define ASSERT_STREQ(a, b) \
	HARNESS_STREQ(1, "ASSERT_STREQ(" #a ", " #b ")", a, b)
#define ASSERT_ERRNO(expr, err) \
	HARNESS_ERRNO(1, "ASSERT_ERRNO(" #expr ", " #err ")", expr, err)

#define EXPECT_EQ(a, b) \
	HARNESS_CMP(0, "EXPECT_EQ(" #a ", " #b ")", a, b, ==)
#define EXPECT_NE(a, b) \
	HARNESS_CMP(0, "EXPECT_NE(" #a ", " #b ")", a, b, !=)
#define EXPECT_LT(a, b) \
	HARNESS_CMP(0, "EXPECT_LT(" #a ", " #b ")", a, b, <)
#define EXPECT_LE(a, b) \
	HARNESS_CMP(0, "EXPECT_LE(" #a ", " #b ")", a, b, <=)
#define EXPECT_GT(a, b) \
	HARNESS_CMP(0, "EXPECT_GT(" #a ", " #b ")", a, b, >)
#define EXPECT_GE(a, b) \
	HARNESS_CMP(0, "EXPECT_GE(" #a ", " #b ")", a, b, >=)
#define EXPECT_TRUE(x) \
	HARNESS_BOOL(0, "EXPECT_TRUE(" #x ")", x, 1)
#define EXPECT_FALSE(x) \
	HARNESS_BOOL(0, "EXPECT_FALSE(" #x ")", x, 0)
#define EXPECT_STREQ(a, b) \
	HARNESS_STREQ(0, "EXPECT_STREQ(" #a ", " #b ")", a, b)
#define EXPECT_ERRNO(expr, err) \
	HARNESS_ERRNO(0, "EXPECT_ERRNO(" #expr ", " #err ")", expr, err)

#endif /* HARNESS_H */
