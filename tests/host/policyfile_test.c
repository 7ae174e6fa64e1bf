// SPDX-License-Identifier: GPL-2.0
/*
 * Host tests of whole-policy files (loader/policyfile.c, loader/policy.c):
 * what `pidpolicy apply FILE` reads and `pidpolicy dump` writes.
 */
#define _GNU_SOURCE
#include "harness.h"

#include <libgen.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <linux/magic.h>
#include "policyfile.h"

#define NAME "t.policy"
#define KEY(ns, kind, id) \
	{ .ns_inum = (ns), .caller_kind = (kind), .caller_id = (id) }

static char err[512];

/* What a dump says when a statement names a namespace that can die. */
#define MORTAL	"# 'ns N' statements, N a number but 4026531836 (the initial pid " \
		"namespace), cannot outlive namespace N: once it has died, apply refuses them\n"

/* Parse text as file NAME: 0 or -1 (err set). */
static int parse_text(const char *text, struct policy *p)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	int ret;

	if (!f) {
		printf("# fmemopen: %s\n", strerror(errno));
		return -2;
	}
	err[0] = '\0';
	ret = policy_parse_stream(f, NAME, p, err, sizeof(err));
	fclose(f);
	return ret;
}

/* policy_write_named(p, namer) as a malloc'ed string (NULL on failure). */
static char *write_named(const struct policy *p, policy_cgroup_namer namer)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	if (policy_write_named(f, p, namer)) {
		fclose(f);
		free(buf);
		return NULL;
	}
	fclose(f);
	return buf;
}

static char *write_text(const struct policy *p)
{
	return write_named(p, NULL);
}

static const struct policy_rule *find_rule(const struct policy *p, __u32 ns,
					   __u32 kind, __u64 id)
{
	size_t i;

	for (i = 0; i < p->nr_rules; i++)
		if (p->rules[i].key.ns_inum == ns &&
		    p->rules[i].key.caller_kind == kind &&
		    p->rules[i].key.caller_id == id)
			return &p->rules[i];
	return NULL;
}

/* The rule's ranges formatted, "" when there is no such rule. */
static const char *rule_pids(const struct policy *p, __u32 ns, __u32 kind,
			     __u64 id)
{
	static char out[256];
	const struct policy_rule *r = find_rule(p, ns, kind, id);
	char *s;

	out[0] = '\0';
	if (!r)
		return out;
	s = ranges_format(r->ranges, r->nr_ranges);
	snprintf(out, sizeof(out), "%s", s ? s : "(nomem)");
	free(s);
	return out;
}

/* Directory of this source file's corpus, or NULL when not found. */
static const char *corpus_dir(void)
{
	static char dir[4096];
	char src[4096];
	struct stat st;

	snprintf(src, sizeof(src), "%s", __FILE__);
	snprintf(dir, sizeof(dir), "%s/policyfile_corpus", dirname(src));
	return stat(dir, &st) ? NULL : dir;
}

TEST(every_statement_kind)
{
	struct policy p = {};

	ASSERT_EQ(parse_text("mode default enforce\n"
			     "mode ns 4026532200 audit\n"
			     "mode ns 4026532201 off\n"
			     "allow ns any uid 0 pids 5000-5999,7000\n"
			     "allow ns 4026532200 cgroup-id 77 pids 300-999\n"
			     "allow ns any pids 42\n"
			     "limit ns 4026532200 max-chosen 10\n"
			     "limit ns any max-chosen 4294967294\n", &p), 0);
	ASSERT_EQ(p.nr_modes, (size_t)3);
	/* canonical: the default first, then by inode */
	EXPECT_EQ(p.modes[0].ns_inum, (__u32)PIDPOLICY_NS_ANY);
	EXPECT_EQ(p.modes[0].mode, (__u32)PIDPOLICY_MODE_ENFORCE);
	EXPECT_EQ(p.modes[1].ns_inum, (__u32)4026532200u);
	EXPECT_EQ(p.modes[1].mode, (__u32)PIDPOLICY_MODE_AUDIT);
	EXPECT_EQ(p.modes[2].mode, (__u32)PIDPOLICY_MODE_OFF);

	ASSERT_EQ(p.nr_rules, (size_t)3);
	EXPECT_EQ(p.rules[0].key.caller_kind, (__u32)PIDPOLICY_CALLER_ANY);
	EXPECT_EQ(p.rules[0].key.caller_id, (__u64)0);
	EXPECT_STREQ(rule_pids(&p, PIDPOLICY_NS_ANY, PIDPOLICY_CALLER_ANY, 0), "42");
	EXPECT_EQ(p.rules[1].key.caller_kind, (__u32)PIDPOLICY_CALLER_UID);
	EXPECT_STREQ(rule_pids(&p, PIDPOLICY_NS_ANY, PIDPOLICY_CALLER_UID, 0),
		     "5000-5999,7000");
	EXPECT_EQ(p.rules[2].key.ns_inum, (__u32)4026532200u);
	EXPECT_STREQ(rule_pids(&p, 4026532200u, PIDPOLICY_CALLER_CGROUP, 77),
		     "300-999");

	ASSERT_EQ(p.nr_limits, (size_t)2);
	EXPECT_EQ(p.limits[0].ns_inum, (__u32)PIDPOLICY_NS_ANY);
	EXPECT_EQ(p.limits[0].max_chosen, (__u32)4294967294u);
	EXPECT_EQ(p.limits[1].ns_inum, (__u32)4026532200u);
	EXPECT_EQ(p.limits[1].max_chosen, (__u32)10);
	policy_free(&p);
	EXPECT_EQ(p.nr_rules, (size_t)0);
	EXPECT_TRUE(p.rules == NULL);
}

TEST(comments_blank_lines_and_whitespace)
{
	struct policy p = {};

	ASSERT_EQ(parse_text("# a comment\n"
			     "\n"
			     "   \t  \n"
			     "\t# indented comment\n"
			     "mode default audit # trailing comment\n"
			     "  allow\tns  any\t\tuid 1000   pids 1-10 #x\n"
			     "limit ns any max-chosen 0#no space needed before # at a token's end? no\n"
			     "mode ns 4026532200 off\r\n"
			     "allow ns any pids 5", &p), -1);
	/* '#' inside a token is part of it: only after whitespace is it a comment */
	EXPECT_STREQ(err, NAME ":7: max-chosen '0#no' is not valid: give a decimal number of processes from 0 to 4294967294");

	ASSERT_EQ(parse_text("# a comment\n"
			     "\n"
			     "   \t  \n"
			     "\t# indented comment\n"
			     "mode default audit # trailing comment\n"
			     "  allow\tns  any\t\tuid 1000   pids 1-10 #x\n"
			     "limit ns any max-chosen 0 #\n"
			     "mode ns 4026532200 off\r\n"
			     "allow ns any pids 5", &p), 0);	/* no final newline */
	EXPECT_EQ(p.nr_modes, (size_t)2);
	EXPECT_EQ(p.nr_rules, (size_t)2);
	EXPECT_EQ(p.nr_limits, (size_t)1);
	EXPECT_STREQ(rule_pids(&p, PIDPOLICY_NS_ANY, PIDPOLICY_CALLER_UID, 1000), "1-10");
	EXPECT_STREQ(rule_pids(&p, PIDPOLICY_NS_ANY, PIDPOLICY_CALLER_ANY, 0), "5");
	policy_free(&p);
}

TEST(empty_file_is_empty_policy)
{
	struct policy p = {};

	ASSERT_EQ(parse_text("", &p), 0);
	EXPECT_EQ(p.nr_rules + p.nr_modes + p.nr_limits, (size_t)0);
	ASSERT_EQ(parse_text("# nothing\n\n", &p), 0);
	EXPECT_EQ(p.nr_rules + p.nr_modes + p.nr_limits, (size_t)0);
	policy_free(&p);
}

struct bad {
	const char *text;
	unsigned int line;
	const char *msg;	/* a part of the message after "t.policy:LINE: " */
};

static const struct bad bad[] = {
	{ "frobnicate ns any\n", 1, "unknown statement 'frobnicate': statements start with mode, allow or limit" },
	{ "mode default enforce\nMode ns any audit\n", 2, "unknown statement 'Mode'" },
	/* missing tokens */
	{ "mode\n", 1, "missing 'default' or 'ns NS' after 'mode'" },
	{ "mode default\n", 1, "missing the mode (enforce, audit or off) after 'default'" },
	{ "mode ns\n", 1, "missing a namespace NS" },
	{ "mode ns 4026532200\n", 1, "missing the mode (enforce, audit or off) after '4026532200'" },
	{ "mode global enforce\n", 1, "expected 'default' or 'ns NS' after 'mode', found 'global'" },
	{ "\n\nallow\n", 3, "missing 'ns NS' after 'allow': write 'allow ns NS [uid N | cgroup PATH | cgroup-id N | cgroup-tree PATH | cgroup-tree-id N] pids RANGES'" },
	{ "allow ns any\n", 1, "missing 'pids RANGES' after 'any'" },
	{ "allow ns any pids\n", 1, "missing the pids (like 300-999,1000) after 'pids'" },
	{ "allow ns any uid\n", 1, "missing a uid after 'uid'" },
	{ "allow ns any uid 0\n", 1, "missing 'pids RANGES' after '0'" },
	{ "allow ns any cgroup\n", 1, "missing a cgroup v2 directory after 'cgroup'" },
	{ "allow ns any cgroup-id\n", 1, "missing a cgroup id after 'cgroup-id'" },
	{ "allow ns any user 0 pids 1\n", 1, "expected a caller (uid N, cgroup PATH, cgroup-id N, cgroup-tree PATH or cgroup-tree-id N) or 'pids RANGES' after the namespace, found 'user'" },
	{ "allow any pids 1\n", 1, "expected 'ns NS' after 'allow', found 'any'" },
	{ "allow ns any uid 0 pid 1\n", 1, "expected 'pids RANGES' after '0', found 'pid'" },
	{ "limit ns any\n", 1, "missing 'max-chosen N' after 'any': write 'limit ns NS max-chosen N'" },
	{ "limit ns any max-chosen\n", 1, "missing the number N after 'max-chosen'" },
	{ "limit ns any max 3\n", 1, "expected 'max-chosen N' after 'any', found 'max'" },
	{ "limit default max-chosen 3\n", 1, "expected 'ns NS' after 'limit', found 'default'" },
	/* bad values */
	{ "mode default enforcing\n", 1, "unknown mode 'enforcing': use enforce, audit or off" },
	{ "mode default unset\n", 1, "unknown mode 'unset'" },
	{ "allow ns any pids 5-3\n", 1, "range '5-3' is reversed: write '3-5'" },
	{ "allow ns any pids 0\n", 1, "pid 0 in '0' is not valid: pids start at 1" },
	{ "allow ns any pids 1,x\n", 1, "'x' in pids is not a pid or a range: write pids like 300-999,1000" },
	{ "allow ns any pids 1,,2\n", 1, "empty element in pids: remove the extra comma" },
	{ "allow ns any pids 4194304\n", 1, "pid 4194304 in '4194304' is beyond pid_max 4194304" },
	{ "allow ns any uid -1 pids 1\n", 1, "uid '-1' is not valid" },
	{ "allow ns any uid 4294967295 pids 1\n", 1, "uid '4294967295' is not valid" },
	{ "allow ns any cgroup-id 0 pids 1\n", 1, "cgroup id '0' is not valid" },
	{ "allow ns any cgroup-id 12a pids 1\n", 1, "cgroup id '12a' is not valid" },
	{ "allow ns any cgroup /nonexistent/cgroup pids 1\n", 1, "cannot use cgroup /nonexistent/cgroup: No such file or directory" },
	{ "allow ns any cgroup /proc pids 1\n", 1, "/proc is not a cgroup v2 directory" },
	{ "limit ns any max-chosen -1\n", 1, "max-chosen '-1' is not valid: give a decimal number of processes from 0 to 4294967294" },
	{ "limit ns any max-chosen 4294967295\n", 1, "max-chosen '4294967295' is not valid" },
	{ "limit ns any max-chosen none\n", 1, "max-chosen 'none' is not valid in a policy file: leave out the 'limit' line" },
	{ "limit ns any max-chosen ten\n", 1, "max-chosen 'ten' is not valid" },
	/* namespaces */
	{ "mode ns 0 audit\n", 1, "namespace inode 0 is not valid: use 'any' for every namespace" },
	{ "mode ns 4294967296 audit\n", 1, "namespace inode 4294967296 is too large" },
	{ "allow ns /nonexistent/ns/pid pids 1\n", 1, "/nonexistent/ns/pid is not a pid namespace file (use /proc/PID/ns/pid, an inode number or 'any')" },
	{ "limit ns /proc/self/ns/net max-chosen 1\n", 1, "/proc/self/ns/net is not a pid namespace file" },
	/* duplicates */
	{ "mode default enforce\n# x\nmode default audit\n", 3, "second default mode (the first is on line 1): keep one 'mode default' line" },
	{ "mode ns any enforce\nmode default enforce\n", 2, "second default mode (the first is on line 1)" },
	{ "mode ns 4026532200 audit\nmode ns 4026532201 audit\nmode ns 4026532200 off\n", 3, "second mode for namespace 4026532200 (the first is on line 1): keep one 'mode ns' line per namespace" },
	{ "limit ns 4026532200 max-chosen 1\n\nlimit ns 4026532200 max-chosen 1\n", 3, "second limit for namespace 4026532200 (the first is on line 1): keep one 'limit' line per namespace" },
	{ "limit ns any max-chosen 1\nlimit ns any max-chosen 2\n", 2, "second limit for namespace any (the first is on line 1)" },
	/* extra trailing tokens */
	{ "mode default enforce now\n", 1, "unexpected 'now' at the end of the statement: remove it (comments start with '#'; the syntax is 'mode default MODE' or 'mode ns NS MODE')" },
	{ "allow ns any pids 1 2\n", 1, "unexpected '2' at the end of the statement" },
	{ "allow ns any pids 1, 2\n", 1, "pids '1,' end at a space: write them without spaces, like 300-999,1000" },
	{ "allow ns any pids 1,\n", 1, "empty element in pids: remove the extra comma" },
	{ "limit ns any max-chosen 1 2\n", 1, "unexpected '2' at the end of the statement" },
	{ "mode default enforce\nallow ns any pids 1\nallow ns any pids 3-2 # bad\n", 3, "range '3-2' is reversed" },
};

TEST(errors_name_file_and_line)
{
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct policy p = { .nr_rules = 99 };
		char prefix[64];
		int ret = parse_text(bad[i].text, &p);

		snprintf(prefix, sizeof(prefix), NAME ":%u: ", bad[i].line);
		if (ret != -1 || strncmp(err, prefix, strlen(prefix)) ||
		    !strstr(err + strlen(prefix), bad[i].msg) || strchr(err, '\n')) {
			printf("# input: %s# got %d: %s\n# want %s%s\n", bad[i].text,
			       ret, err, prefix, bad[i].msg);
			EXPECT_TRUE(0);
		}
		/* nothing partial */
		EXPECT_EQ(p.nr_rules + p.nr_modes + p.nr_limits, (size_t)0);
		EXPECT_TRUE(!p.rules && !p.modes && !p.limits);
	}
}

TEST(error_after_valid_lines_returns_nothing)
{
	struct policy p = {};

	ASSERT_EQ(parse_text("mode default enforce\n"
			     "allow ns any pids 1-100\n"
			     "limit ns any max-chosen 3\n"
			     "allow ns any pids 100-\n", &p), -1);
	EXPECT_EQ(strncmp(err, NAME ":4: ", strlen(NAME ":4: ")), 0);
	EXPECT_EQ(p.nr_rules + p.nr_modes + p.nr_limits, (size_t)0);
}

TEST(duplicate_allow_lines_merge)
{
	struct policy p = {};

	ASSERT_EQ(parse_text("allow ns any uid 5 pids 100-199\n"
			     "allow ns any pids 1\n"
			     "allow ns any uid 5 pids 150-250,300\n"
			     "allow ns any uid 6 pids 7\n"
			     "allow ns any uid 5 pids 251-299,400\n"
			     "allow ns 4026532200 uid 5 pids 9\n"
			     "allow ns any cgroup-id 5 pids 8\n"
			     "allow ns any pids 1,2\n", &p), 0);
	ASSERT_EQ(p.nr_rules, (size_t)5);
	EXPECT_STREQ(rule_pids(&p, PIDPOLICY_NS_ANY, PIDPOLICY_CALLER_UID, 5),
		     "100-300,400");
	EXPECT_STREQ(rule_pids(&p, PIDPOLICY_NS_ANY, PIDPOLICY_CALLER_ANY, 0), "1-2");
	EXPECT_STREQ(rule_pids(&p, PIDPOLICY_NS_ANY, PIDPOLICY_CALLER_UID, 6), "7");
	EXPECT_STREQ(rule_pids(&p, PIDPOLICY_NS_ANY, PIDPOLICY_CALLER_CGROUP, 5), "8");
	EXPECT_STREQ(rule_pids(&p, 4026532200u, PIDPOLICY_CALLER_UID, 5), "9");
	/* canonical order: (ns, caller kind, caller id) */
	EXPECT_EQ(p.rules[0].key.caller_kind, (__u32)PIDPOLICY_CALLER_ANY);
	EXPECT_EQ(p.rules[1].key.caller_id, (__u64)5);
	EXPECT_EQ(p.rules[2].key.caller_id, (__u64)6);
	EXPECT_EQ(p.rules[3].key.caller_kind, (__u32)PIDPOLICY_CALLER_CGROUP);
	EXPECT_EQ(p.rules[4].key.ns_inum, (__u32)4026532200u);
	policy_free(&p);
}

TEST(round_trip_and_stable_output)
{
	struct policy p = {}, q = {};
	char *a, *b;

	ASSERT_EQ(parse_text("limit ns any max-chosen 7\n"
			     "allow ns 4026532300 cgroup-id 18446744073709551615 pids 1,3,5-9\n"
			     "mode ns 4026532300 audit\n"
			     "allow ns any uid 4294967294 pids 4194303\n"
			     "allow ns any pids 1-4194303\n"
			     "mode default off\n"
			     "limit ns 4026532300 max-chosen 0\n", &p), 0);
	a = write_text(&p);
	ASSERT_TRUE(a != NULL);
	ASSERT_EQ(parse_text(a, &q), 0);
	EXPECT_TRUE(policy_equal(&p, &q));
	b = write_text(&q);
	ASSERT_TRUE(b != NULL);
	EXPECT_STREQ(a, b);
	free(b);
	b = write_text(&p);
	EXPECT_STREQ(a, b);
	EXPECT_STREQ(a,
		     "# pid policy: `pidpolicy apply FILE` replaces the whole policy with it\n"
		     MORTAL
		     "mode default off\n"
		     "mode ns 4026532300 audit\n"
		     "allow ns any pids 1-4194303\n"
		     "allow ns any uid 4294967294 pids 4194303\n"
		     "allow ns 4026532300 cgroup-id 18446744073709551615 pids 1,3,5-9\n"
		     "limit ns any max-chosen 7\n"
		     "limit ns 4026532300 max-chosen 0\n");
	free(a);
	free(b);
	policy_free(&p);
	policy_free(&q);
}

TEST(empty_policy_round_trips)
{
	struct policy p = {}, q = {};
	char *a = write_text(&p);

	ASSERT_TRUE(a != NULL);
	ASSERT_EQ(parse_text(a, &q), 0);
	EXPECT_TRUE(policy_equal(&p, &q));
	free(a);
}

TEST(equal_ignores_order_and_sees_differences)
{
	struct pid_range r1[] = { { 10, 20 }, { 1, 5 } }, r2[] = { { 1, 3 }, { 4, 5 }, { 10, 20 } };
	struct pid_range r3[] = { { 7, 7 } };
	struct policy_rule ra[] = {
		{ KEY(5, PIDPOLICY_CALLER_UID, 3), r1, 2, 0 },
		{ KEY(PIDPOLICY_NS_ANY, PIDPOLICY_CALLER_ANY, 0), r3, 1, 0 },
	};
	struct policy_rule rb[] = {
		{ KEY(PIDPOLICY_NS_ANY, PIDPOLICY_CALLER_ANY, 0), r3, 1, 0 },
		{ KEY(5, PIDPOLICY_CALLER_UID, 3), r2, 3, 0 },
	};
	struct policy_mode ma[] = { { 5, PIDPOLICY_MODE_AUDIT }, { 0, PIDPOLICY_MODE_ENFORCE } };
	struct policy_mode mb[] = { { 0, PIDPOLICY_MODE_ENFORCE }, { 5, PIDPOLICY_MODE_AUDIT } };
	struct policy_limit la[] = { { 9, 1 }, { 5, 2 } };
	struct policy_limit lb[] = { { 5, 2 }, { 9, 1 } };
	struct policy a = { ra, 2, ma, 2, la, 2, NULL, 0 }, b = { rb, 2, mb, 2, lb, 2, NULL, 0 };
	struct policy q = {};
	char *ta, *tb;

	EXPECT_TRUE(policy_equal(&a, &b));
	ta = write_text(&a);
	tb = write_text(&b);
	ASSERT_TRUE(ta && tb);
	EXPECT_STREQ(ta, tb);
	ASSERT_EQ(parse_text(ta, &q), 0);
	EXPECT_TRUE(policy_equal(&a, &q));
	policy_free(&q);
	free(ta);
	free(tb);
	/* the inputs were not touched */
	EXPECT_EQ(ra[0].ranges[0].first, (__u32)10);
	EXPECT_EQ(ma[0].ns_inum, (__u32)5);

	lb[0].max_chosen = 3;
	EXPECT_FALSE(policy_equal(&a, &b));
	lb[0].max_chosen = 2;
	mb[1].mode = PIDPOLICY_MODE_OFF;
	EXPECT_FALSE(policy_equal(&a, &b));
	mb[1].mode = PIDPOLICY_MODE_AUDIT;
	r2[2].last = 21;
	EXPECT_FALSE(policy_equal(&a, &b));
	r2[2].last = 20;
	rb[1].key.caller_kind = PIDPOLICY_CALLER_CGROUP;
	EXPECT_FALSE(policy_equal(&a, &b));
	rb[1].key.caller_kind = PIDPOLICY_CALLER_UID;
	b.nr_limits = 1;
	EXPECT_FALSE(policy_equal(&a, &b));
	b.nr_limits = 2;
	EXPECT_TRUE(policy_equal(&a, &b));
}

/* Cgroup 7 is /sys/fs/cgroup/a, 8 is gone, 9 has a path with a space. */
static int fake_cgroup_name(__u64 id, char *buf, size_t len)
{
	if (id == 8)
		return -1;
	snprintf(buf, len, id == 7 ? "/sys/fs/cgroup/a" : "/sys/fs/cgroup/b c");
	return id == 7;
}

/*
 * A dump names cgroups by path (ids are per boot), writes a gone cgroup's
 * rules as comments and keeps the id where no path fits a policy file.
 */
TEST(dump_names_cgroups_by_path_and_comments_gone_ones)
{
	struct pid_range r[] = { { 5, 5 } };
	struct policy_rule rules[] = {
		{ KEY(0, PIDPOLICY_CALLER_CGROUP, 7), r, 1, 0 },
		{ KEY(0, PIDPOLICY_CALLER_CGROUP_TREE, 7), r, 1, 0 },
		{ KEY(0, PIDPOLICY_CALLER_CGROUP, 8), r, 1, 0 },
		{ KEY(0, PIDPOLICY_CALLER_CGROUP_TREE, 9), r, 1, 0 },
	};
	struct policy a = { rules, 4, NULL, 0, NULL, 0, NULL, 0 };
	char *t = write_named(&a, fake_cgroup_name);

	ASSERT_TRUE(t != NULL);
	EXPECT_STREQ(t,
		     "# pid policy: `pidpolicy apply FILE` replaces the whole policy with it\n"
		     "allow ns any cgroup /sys/fs/cgroup/a pids 5\n"
		     "# cannot be applied, no cgroup has this id now: allow ns any cgroup-id 8 pids 5\n"
		     "allow ns any cgroup-tree /sys/fs/cgroup/a pids 5\n"
		     "allow ns any cgroup-tree-id 9 pids 5\n");
	free(t);
}

TEST(unappliable_entries_are_written_as_comments)
{
	struct pid_range r[] = { { 1, 1 } };
	struct policy_rule rules[] = {
		{ KEY(0, PIDPOLICY_CALLER_UID, 1), NULL, 0, 0 },
		{ KEY(0, 7, 1), r, 1, 0 },
	};
	struct policy_mode modes[] = { { 3, 9 }, { 4, PIDPOLICY_MODE_UNSET } };
	struct policy_limit limits[] = { { 4, PIDPOLICY_NO_LIMIT } };
	struct policy a = { rules, 2, modes, 2, limits, 1, NULL, 0 }, q = {};
	char *t = write_text(&a);

	ASSERT_TRUE(t != NULL);
	EXPECT_STREQ(t,
		     "# pid policy: `pidpolicy apply FILE` replaces the whole policy with it\n"
		     MORTAL
		     "# cannot be applied: mode ns 3 invalid\n"
		     "# cannot be applied: allow ns any uid 1 pids \n"
		     "# cannot be applied: allow ns any caller-kind 7 caller-id 1 pids 1\n");
	ASSERT_EQ(parse_text(t, &q), 0);
	EXPECT_EQ(q.nr_rules + q.nr_modes + q.nr_limits, (size_t)0);
	free(t);
}

TEST(namespace_path_is_its_inode)
{
	struct policy p = {}, q = {};
	char text[256];
	struct stat st;

	ASSERT_EQ(stat("/proc/self/ns/pid", &st), 0);
	/* /proc/self is the parser itself: in the test's own pid namespace */
	ASSERT_EQ(parse_text("mode ns /proc/self/ns/pid audit\n"
			     "allow ns /proc/self/ns/pid uid 0 pids 300\n"
			     "limit ns /proc/self/ns/pid max-chosen 2\n", &p), 0);
	snprintf(text, sizeof(text),
		 "mode ns %llu audit\nallow ns %llu uid 0 pids 300\nlimit ns %llu max-chosen 2\n",
		 (unsigned long long)st.st_ino, (unsigned long long)st.st_ino,
		 (unsigned long long)st.st_ino);
	ASSERT_EQ(parse_text(text, &q), 0);
	EXPECT_TRUE(policy_equal(&p, &q));
	EXPECT_EQ(p.modes[0].ns_inum, (__u32)st.st_ino);
	policy_free(&q);

	/* the same namespace twice, once by path */
	snprintf(text, sizeof(text), "mode ns %llu audit\nmode ns /proc/self/ns/pid off\n",
		 (unsigned long long)st.st_ino);
	ASSERT_EQ(parse_text(text, &q), -1);
	EXPECT_EQ(strncmp(err, NAME ":2: second mode for namespace ",
			  strlen(NAME ":2: second mode for namespace ")), 0);
	policy_free(&p);
}

/*
 * Every namespace a file names is listed once, with the first line naming
 * it; a path's nsfs file stays open (it keeps the namespace, and its
 * number, until apply writes), also when a number named it first.
 */
TEST(namespaces_named_are_listed_with_their_line_and_file)
{
	struct policy p = {};
	struct stat st, held;
	char text[256];

	ASSERT_EQ(stat("/proc/self/ns/pid", &st), 0);
	ASSERT_EQ(parse_text("mode default enforce\n"
			     "allow ns any pids 5\n"
			     "mode ns 4026532300 audit\n"
			     "# a comment\n"
			     "allow ns /proc/self/ns/pid pids 7\n"
			     "limit ns 4026532300 max-chosen 1\n"
			     "limit ns /proc/self/ns/pid max-chosen 2\n", &p), 0);
	ASSERT_EQ(p.nr_ns, (size_t)2);
	EXPECT_EQ(p.ns[0].ns_inum, 4026532300U);
	EXPECT_EQ(p.ns[0].line, 3UL);
	EXPECT_EQ(p.ns[0].fd, -1);
	EXPECT_EQ((__u64)p.ns[1].ns_inum, (__u64)st.st_ino);
	EXPECT_EQ(p.ns[1].line, 5UL);
	ASSERT_GE(p.ns[1].fd, 0);
	ASSERT_EQ(fstat(p.ns[1].fd, &held), 0);
	EXPECT_EQ((__u64)held.st_ino, (__u64)st.st_ino);
	policy_free(&p);
	EXPECT_EQ(p.nr_ns, (size_t)0);

	snprintf(text, sizeof(text), "mode ns %llu audit\nallow ns /proc/self/ns/pid pids 7\n",
		 (unsigned long long)st.st_ino);
	ASSERT_EQ(parse_text(text, &p), 0);
	ASSERT_EQ(p.nr_ns, (size_t)1);
	EXPECT_EQ(p.ns[0].line, 1UL);
	EXPECT_GE(p.ns[0].fd, 0);
	policy_free(&p);
}

/* A FIFO named as a namespace: refused at once, no reader waits for a writer. */
TEST(a_fifo_named_as_namespace_is_refused_at_once)
{
	char dir[] = "/tmp/policyfile_test.XXXXXX", path[64], text[128];
	struct policy p = {};

	ASSERT_TRUE(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/fifo", dir);
	ASSERT_EQ(mkfifo(path, 0600), 0);
	snprintf(text, sizeof(text), "mode ns %s off\n", path);
	alarm(10);
	ASSERT_EQ(parse_text(text, &p), -1);
	alarm(0);
	EXPECT_TRUE(strstr(err, NAME ":1: ") == err);
	EXPECT_TRUE(strstr(err, "is not a pid namespace file") != NULL);
	unlink(path);
	rmdir(dir);
}

/* dump says which statements die with their namespace, only when some do. */
TEST(dump_says_which_statements_cannot_outlive_their_namespace)
{
	struct policy p = {};
	char *t;

	ASSERT_EQ(parse_text("mode default enforce\n"
			     "allow ns any uid 0 pids 5\n"
			     "mode ns 4026531836 audit\n"
			     "limit ns 4026531836 max-chosen 3\n", &p), 0);
	t = write_text(&p);
	ASSERT_TRUE(t != NULL);
	EXPECT_TRUE(strstr(t, "cannot outlive") == NULL);
	free(t);
	policy_free(&p);
	ASSERT_EQ(parse_text("allow ns any pids 5\nlimit ns 4026532300 max-chosen 3\n", &p), 0);
	t = write_text(&p);
	ASSERT_TRUE(t != NULL);
	EXPECT_STREQ(t, "# pid policy: `pidpolicy apply FILE` replaces the whole policy with it\n"
			MORTAL
			"allow ns any pids 5\n"
			"limit ns 4026532300 max-chosen 3\n");
	free(t);
	policy_free(&p);
}

/* No namespace is entered to read its pid_max: the kernel checks it. */
TEST(pids_are_checked_against_the_kernel_limit_only)
{
	struct policy p = {};
	char text[256];

	snprintf(text, sizeof(text), "allow ns /proc/self/ns/pid pids %u\n",
		 PIDPOLICY_PID_LIMIT - 1);
	ASSERT_EQ(parse_text(text, &p), 0);
	policy_free(&p);
	snprintf(text, sizeof(text), "\nallow ns /proc/self/ns/pid pids %u\n",
		 PIDPOLICY_PID_LIMIT);
	ASSERT_EQ(parse_text(text, &p), -1);
	EXPECT_EQ(strncmp(err, NAME ":2: pid ", strlen(NAME ":2: pid ")), 0);
}

TEST(cgroup_path_is_its_id)
{
	struct policy p = {}, q = {};
	struct statfs sfs;
	struct stat st;
	char text[256];

	if (statfs("/sys/fs/cgroup", &sfs) || sfs.f_type != CGROUP2_SUPER_MAGIC)
		SKIP("no cgroup v2 at /sys/fs/cgroup");
	ASSERT_EQ(stat("/sys/fs/cgroup", &st), 0);
	ASSERT_EQ(parse_text("allow ns any cgroup /sys/fs/cgroup pids 5\n", &p), 0);
	snprintf(text, sizeof(text), "allow ns any cgroup-id %llu pids 5\n",
		 (unsigned long long)st.st_ino);
	ASSERT_EQ(parse_text(text, &q), 0);
	EXPECT_TRUE(policy_equal(&p, &q));
	EXPECT_EQ(p.rules[0].key.caller_kind, (__u32)PIDPOLICY_CALLER_CGROUP);
	EXPECT_EQ(p.rules[0].key.caller_id, (__u64)st.st_ino);
	policy_free(&p);
	policy_free(&q);
}

TEST(cgroup_tree_path_is_its_id_and_dumps_as_cgroup_tree_id)
{
	struct policy p = {}, q = {};
	struct statfs sfs;
	struct stat st;
	char text[256], *a;

	if (statfs("/sys/fs/cgroup", &sfs) || sfs.f_type != CGROUP2_SUPER_MAGIC)
		SKIP("no cgroup v2 at /sys/fs/cgroup");
	ASSERT_EQ(stat("/sys/fs/cgroup", &st), 0);
	ASSERT_EQ(parse_text("allow ns any cgroup-tree /sys/fs/cgroup pids 5\n", &p), 0);
	EXPECT_EQ(p.rules[0].key.caller_kind, (__u32)PIDPOLICY_CALLER_CGROUP_TREE);
	EXPECT_EQ(p.rules[0].key.caller_id, (__u64)st.st_ino);
	snprintf(text, sizeof(text), "allow ns any cgroup-tree-id %llu pids 5\n",
		 (unsigned long long)st.st_ino);
	ASSERT_EQ(parse_text(text, &q), 0);
	EXPECT_TRUE(policy_equal(&p, &q));
	a = write_text(&p);
	ASSERT_TRUE(a != NULL);
	EXPECT_TRUE(strstr(a, text) != NULL);
	free(a);
	policy_free(&p);
	policy_free(&q);
	/* a cgroup-tree rule is not the exact cgroup's rule */
	ASSERT_EQ(parse_text("allow ns any cgroup /sys/fs/cgroup pids 5\n", &q), 0);
	ASSERT_EQ(parse_text("allow ns any cgroup-tree /sys/fs/cgroup pids 5\n", &p), 0);
	EXPECT_FALSE(policy_equal(&p, &q));
	policy_free(&p);
	policy_free(&q);
	ASSERT_EQ(parse_text("allow ns any cgroup-tree-id 0 pids 5\n", &p), -1);
	EXPECT_TRUE(strstr(err, "cgroup-tree PATH") != NULL);
}

TEST(parse_file_and_corpus)
{
	const char *dir = corpus_dir();
	struct policy p = {}, q = {};
	char path[4200], want[4096];
	ssize_t len;
	char *a;

	if (!dir)
		SKIP("no tests/host/policyfile_corpus next to %s", __FILE__);
	snprintf(path, sizeof(path), "%s/example.policy", dir);
	err[0] = '\0';
	ASSERT_EQ(policy_parse_file(path, &p, err, sizeof(err)), 0);
	a = write_text(&p);
	ASSERT_TRUE(a != NULL);
	snprintf(path, sizeof(path), "%s/example.canonical", dir);
	len = harness_read_file(path, want, sizeof(want));
	ASSERT_GT(len, (ssize_t)0);
	EXPECT_STREQ(a, want);
	/* the canonical file reads back as the same policy */
	ASSERT_EQ(policy_parse_file(path, &q, err, sizeof(err)), 0);
	EXPECT_TRUE(policy_equal(&p, &q));
	free(a);
	policy_free(&p);
	policy_free(&q);
}

TEST(unreadable_file)
{
	struct policy p = { .nr_modes = 3 };

	ASSERT_EQ(policy_parse_file("/nonexistent/x.policy", &p, err, sizeof(err)), -1);
	EXPECT_EQ(strncmp(err, "/nonexistent/x.policy: cannot open: No such file or directory",
			  strlen("/nonexistent/x.policy: cannot open: No such file or directory")), 0);
	EXPECT_EQ(p.nr_modes, (size_t)0);
	ASSERT_EQ(policy_parse_file("/", &p, err, sizeof(err)), -1);
	EXPECT_EQ(strncmp(err, "/: cannot read: ", strlen("/: cannot read: ")), 0);
}

/*
 * Many namespaces, each with a mode and a limit, in an order no index keeps:
 * every one is kept, and the second line for one of them, far down, names
 * its first line (the lookup outgrows its first table many times).
 */
TEST(many_namespaces_keep_each_its_first_line)
{
	enum { N = 5000 };
	size_t size = N * 80 + 128, off = 0;
	char *text = malloc(size);
	struct policy p;
	int i;

	ASSERT_TRUE(text != NULL);
	for (i = 0; i < N; i++) {
		__u32 inum = 4026532000U + (__u32)((i * 7919) % N);

		off += (size_t)snprintf(text + off, size - off,
					"mode ns %u audit\nlimit ns %u max-chosen %d\n",
					inum, inum, i);
	}
	ASSERT_EQ(parse_text(text, &p), 0);
	EXPECT_EQ(p.nr_modes, (size_t)N);
	EXPECT_EQ(p.nr_limits, (size_t)N);
	EXPECT_EQ(p.nr_ns, (size_t)N);
	policy_free(&p);
	/* namespace 4026532000 + 7919 % N came second: its lines are 3 and 4 */
	snprintf(text + off, size - off, "limit ns %u max-chosen 1\n",
		 4026532000U + 7919 % N);
	ASSERT_EQ(parse_text(text, &p), -1);
	snprintf(text, size, NAME ":%d: second limit for namespace %u (the first is on line 4): keep one 'limit' line per namespace",
		 2 * N + 1, 4026532000U + 7919 % N);
	EXPECT_STREQ(err, text);
	free(text);
}
