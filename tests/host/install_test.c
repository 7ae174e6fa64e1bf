// SPDX-License-Identifier: GPL-2.0
/*
 * `make install` and `make uninstall` into a DESTDIR: every file where an
 * admin expects it with its mode, the unit pointing at the installed binary,
 * an admin's /etc/pidpolicy.conf never replaced nor removed, the completion
 * valid bash, the unit valid for systemd-analyze, the headers usable.
 *
 * Runs from the top of the repository after `make loader`. make runs with
 * -o build/loader/pidpolicy: the test installs the loader as built and never
 * rebuilds it, even if a source changed since (its prerequisites reach the
 * kernel build); the environment of a parent make (MAKEFLAGS and friends)
 * is dropped so that the inner make is the one an admin would run.
 */
#define _GNU_SOURCE
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "harness.h"

#define LOADER "build/loader/pidpolicy"
#define DIR_MAX 256		/* a DESTDIR: base and a test name */
#define MAKE_INSTALL "make -s -o " LOADER " "

static char base[] = "/tmp/pidpolicy-install.XXXXXX";
static pid_t base_owner;

__attribute__((constructor)) static void setup(void)
{
	static const char *const drop[] = {
		"MAKEFLAGS", "MFLAGS", "MAKELEVEL", "GNUMAKEFLAGS", "MAKEOVERRIDES",
		"DESTDIR", "PREFIX", "SYSTEMD_UNIT_DIR", "V",
	};
	size_t i;

	for (i = 0; i < sizeof(drop) / sizeof(drop[0]); i++)
		unsetenv(drop[i]);
	if (mkdtemp(base))
		base_owner = getpid();
}

/* The runner's own exit removes every test's tree; tests end with _exit. */
__attribute__((destructor)) static void teardown(void)
{
	char cmd[PATH_MAX + 16];

	if (base_owner && getpid() == base_owner) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
		if (system(cmd))
			fprintf(stderr, "could not remove %s\n", base);
	}
}

static char out[1 << 16];

/* Run a shell command with stderr in out (the end of a long output). */
#define run(fmt, ...) harness_sh(out, sizeof(out), fmt " 2>&1", ##__VA_ARGS__)

#define RUN_OK(...) do {						\
	int rc_ = run(__VA_ARGS__);					\
	if (rc_ != 0)							\
		printf("%s", out);					\
	ASSERT_EQ(rc_, 0);						\
} while (0)

/* A fresh DESTDIR for this test, under base. */
static void destdir(char *dir, size_t size, const char *name)
{
	struct stat st;

	if (stat("Makefile", &st) || stat("packaging/pidpolicy.service", &st))
		SKIP("run from the top of the repository");
	if (stat(LOADER, &st))
		SKIP("%s is not built: run `make loader` first", LOADER);
	ASSERT_EQ(base_owner != 0, 1);
	snprintf(dir, size, "%s/%s", base, name);
	ASSERT_EQ(mkdir(dir, 0755), 0);
}

static void expect_file(const char *root, const char *path, mode_t mode)
{
	char full[PATH_MAX];
	struct stat st;

	snprintf(full, sizeof(full), "%s%s", root, path);
	if (lstat(full, &st)) {
		printf("missing: %s\n", path);
		ASSERT_EQ(lstat(full, &st), 0);
	}
	if (!S_ISREG(st.st_mode) || (st.st_mode & 07777) != mode)
		printf("%s: mode %o, expected regular file %o\n", path,
		       (unsigned int)st.st_mode, (unsigned int)mode);
	ASSERT_TRUE(S_ISREG(st.st_mode));
	ASSERT_EQ(st.st_mode & 07777, mode);
}

static bool exists(const char *root, const char *path)
{
	char full[PATH_MAX];
	struct stat st;

	snprintf(full, sizeof(full), "%s%s", root, path);
	return lstat(full, &st) == 0;
}

static void read_installed(const char *root, const char *path, char *buf, size_t size)
{
	char full[PATH_MAX];

	snprintf(full, sizeof(full), "%s%s", root, path);
	ASSERT_GE(harness_read_file(full, buf, size), 0);
}

static const struct {
	const char *path;
	mode_t mode;
} usr_files[] = {
	{ "/usr/sbin/pidpolicy", 0755 },
	{ "/usr/share/man/man8/pidpolicy.8", 0644 },
	{ "/usr/share/man/man2/clone2.2", 0644 },
	{ "/usr/include/pidpolicy/clone2.h", 0644 },
	{ "/usr/include/pidpolicy/pidpolicy.h", 0644 },
	{ "/usr/include/pidpolicy/pidpolicy_decide.h", 0644 },
	{ "/usr/include/pidpolicy/linux/clone2.h", 0644 },
	{ "/lib/systemd/system/pidpolicy.service", 0644 },
	{ "/usr/share/bash-completion/completions/pidpolicy", 0644 },
};
#define NR_USR_FILES (sizeof(usr_files) / sizeof(usr_files[0]))

#define UNIT "/lib/systemd/system/pidpolicy.service"
#define COMPLETION "/usr/share/bash-completion/completions/pidpolicy"
#define CONF "/etc/pidpolicy.conf"

static void install_usr(const char *dir)
{
	RUN_OK(MAKE_INSTALL "install DESTDIR=%s PREFIX=/usr", dir);
}

TEST(install_puts_every_file_in_place_with_its_mode)
{
	char dir[DIR_MAX], unit[8192], conf[8192], shipped[8192];
	size_t i;

	destdir(dir, sizeof(dir), "tree");
	install_usr(dir);
	for (i = 0; i < NR_USR_FILES; i++)
		expect_file(dir, usr_files[i].path, usr_files[i].mode);
	expect_file(dir, CONF, 0644);

	/* the binary and pages are the built ones */
	RUN_OK("cmp %s %s/usr/sbin/pidpolicy", LOADER, dir);
	RUN_OK("cmp build/usr/include/linux/clone2.h %s/usr/include/pidpolicy/linux/clone2.h",
	       dir);
	read_installed(dir, CONF, conf, sizeof(conf));
	ASSERT_GE(harness_read_file("packaging/pidpolicy.conf", shipped, sizeof(shipped)), 0);
	ASSERT_STREQ(conf, shipped);

	/* @SBINDIR@ became /usr/sbin everywhere */
	read_installed(dir, UNIT, unit, sizeof(unit));
	ASSERT_TRUE(strstr(unit, "@") == NULL);
	/* one command fills the maps before attaching: no window without policy */
	ASSERT_TRUE(strstr(unit, "\nExecStart=/usr/sbin/pidpolicy load --policy /etc/pidpolicy.conf\n")
		    != NULL);
	ASSERT_TRUE(strstr(unit, "\nExecReload=/usr/sbin/pidpolicy apply /etc/pidpolicy.conf\n")
		    != NULL);
	/* stopping the unit keeps the policy in force: unload is explicit */
	ASSERT_TRUE(strstr(unit, "\nExecStop=") == NULL);
}

TEST(install_defaults_to_usr_local)
{
	char dir[DIR_MAX], unit[8192];

	destdir(dir, sizeof(dir), "local");
	RUN_OK(MAKE_INSTALL "install DESTDIR=%s", dir);
	expect_file(dir, "/usr/local/sbin/pidpolicy", 0755);
	expect_file(dir, "/usr/local/share/man/man8/pidpolicy.8", 0644);
	expect_file(dir, "/usr/local/include/pidpolicy/linux/clone2.h", 0644);
	expect_file(dir, "/usr/local/share/bash-completion/completions/pidpolicy", 0644);
	/* systemd reads units from /usr/local/lib/systemd/system too */
	expect_file(dir, "/usr/local/lib/systemd/system/pidpolicy.service", 0644);
	expect_file(dir, CONF, 0644);
	ASSERT_FALSE(exists(dir, "/usr/sbin"));
	ASSERT_FALSE(exists(dir, "/lib"));
	read_installed(dir, "/usr/local/lib/systemd/system/pidpolicy.service", unit,
		       sizeof(unit));
	ASSERT_TRUE(strstr(unit, "\nExecStart=/usr/local/sbin/pidpolicy load --policy /etc/pidpolicy.conf\n")
		    != NULL);
}

TEST(install_keeps_the_admins_config)
{
	static const char admin[] = "# mine\nmode default audit\n";
	char dir[DIR_MAX], path[PATH_MAX], conf[8192];
	FILE *f;

	destdir(dir, sizeof(dir), "keep");
	install_usr(dir);
	snprintf(path, sizeof(path), "%s%s", dir, CONF);
	f = fopen(path, "w");
	ASSERT_TRUE(f != NULL);
	ASSERT_EQ(fputs(admin, f) >= 0, 1);
	ASSERT_EQ(fclose(f), 0);
	ASSERT_EQ(chmod(path, 0600), 0);

	install_usr(dir);
	read_installed(dir, CONF, conf, sizeof(conf));
	ASSERT_STREQ(conf, admin);
	expect_file(dir, CONF, 0600);

	/* nor a symlink to a config kept elsewhere, even a dangling one */
	ASSERT_EQ(unlink(path), 0);
	ASSERT_EQ(symlink("/nonexistent/pidpolicy.conf", path), 0);
	install_usr(dir);
	ASSERT_GT(readlink(path, conf, sizeof(conf) - 1), 0);
}

TEST(uninstall_removes_what_install_put_but_the_config)
{
	char dir[DIR_MAX];
	size_t i;

	destdir(dir, sizeof(dir), "uninstall");
	install_usr(dir);
	RUN_OK("make -s uninstall DESTDIR=%s PREFIX=/usr", dir);
	for (i = 0; i < NR_USR_FILES; i++) {
		if (exists(dir, usr_files[i].path))
			printf("left behind: %s\n", usr_files[i].path);
		EXPECT_FALSE(exists(dir, usr_files[i].path));
	}
	EXPECT_FALSE(exists(dir, "/usr/include/pidpolicy"));
	expect_file(dir, CONF, 0644);

	/* again: nothing left to remove is not an error */
	RUN_OK("make -s uninstall DESTDIR=%s PREFIX=/usr", dir);
}

TEST(completion_is_valid_bash_and_completes)
{
	char dir[DIR_MAX];

	destdir(dir, sizeof(dir), "completion");
	install_usr(dir);
	RUN_OK("bash -n %s" COMPLETION, dir);

	/* complete "pidpolicy WORDS..." the way bash would, print COMPREPLY */
#define COMPLETE "bash -c '. \"$0\"; COMP_WORDS=(\"$@\"); COMP_CWORD=$(($# - 1)); " \
	"_pidpolicy; echo \"${COMPREPLY[*]}\"' %s" COMPLETION " pidpolicy "
	RUN_OK(COMPLETE "mo", dir);
	ASSERT_STREQ(out, "mode monitor\n");
	RUN_OK(COMPLETE "-v ap", dir);
	ASSERT_STREQ(out, "apply\n");
	RUN_OK(COMPLETE "mode --default ''", dir);
	ASSERT_STREQ(out, "enforce audit off\n");
	RUN_OK(COMPLETE "allow --", dir);
	ASSERT_STREQ(out, "--ns --uid --cgroup --cgroup-tree --pids --help\n");
	RUN_OK(COMPLETE "explain --c", dir);
	ASSERT_STREQ(out, "--cgroup --caller\n");
	RUN_OK(COMPLETE "load --", dir);
	ASSERT_STREQ(out, "--policy --help\n");
	RUN_OK(COMPLETE "limit --ns an", dir);
	ASSERT_STREQ(out, "any\n");
	RUN_OK(COMPLETE "show --ns /proc/sel", dir);
	ASSERT_STREQ(out, "/proc/self/ns/pid\n");
}

/*
 * systemd-analyze verify also checks that each Exec*= binary exists and,
 * with `man` present, that each Documentation=man: page opens. The
 * DESTDIR's unit names /usr/sbin/pidpolicy, which the host need not have:
 * verify a copy naming the installed binary in the DESTDIR instead, with
 * MANPATH at the installed pages, so both checks look at what was installed.
 */
TEST(unit_passes_systemd_analyze_verify)
{
	char dir[DIR_MAX];

	if (run("command -v systemd-analyze") != 0)
		SKIP("systemd-analyze is not installed on this host");
	destdir(dir, sizeof(dir), "unit");
	install_usr(dir);
	RUN_OK("mkdir %s/verify && sed 's|/usr/sbin/pidpolicy|%s/usr/sbin/pidpolicy|g' %s" UNIT
	       " > %s/verify/pidpolicy.service", dir, dir, dir, dir);
	RUN_OK("if command -v man >/dev/null; then man=yes; else man=no; fi; "
	       "MANPATH=%s/usr/share/man systemd-analyze verify --man=$man "
	       "%s/verify/pidpolicy.service", dir, dir);
}

TEST(installed_headers_compile_on_their_own)
{
	char dir[DIR_MAX], src[PATH_MAX];
	FILE *f;

	destdir(dir, sizeof(dir), "headers");
	install_usr(dir);
	snprintf(src, sizeof(src), "%s/user.c", dir);
	f = fopen(src, "w");
	ASSERT_TRUE(f != NULL);
	fputs("#include <clone2.h>\n"
	      "#include <pidpolicy.h>\n"
	      "_Static_assert(sizeof(struct clone2_args) == CLONE2_ARGS_SIZE_VER0, \"abi\");\n"
	      "int main(void)\n"
	      "{\n"
	      "\tpid_t pid = 300;\n"
	      "\treturn clone2_fork(&pid, 1, 0) < 0;\n"
	      "}\n", f);
	ASSERT_EQ(fclose(f), 0);
	/* only the DESTDIR: not the build tree's nor the repository's headers */
	RUN_OK("gcc -Wall -Wextra -Werror -std=gnu11 -I%s/usr/include/pidpolicy -c %s -o %s/user.o",
	       dir, src, dir);
}
