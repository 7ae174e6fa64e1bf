// SPDX-License-Identifier: GPL-2.0
/* The man pages are clean for mandoc's linter (run from the repository). */
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include "harness.h"

static void lint(const char *page)
{
	char cmd[256], out[4096];
	size_t len;
	FILE *p;
	int status;

	snprintf(cmd, sizeof(cmd), "mandoc -Tlint -W warning %s 2>&1", page);
	p = popen(cmd, "r");
	ASSERT_TRUE(p != NULL);
	len = fread(out, 1, sizeof(out) - 1, p);
	out[len] = '\0';
	status = pclose(p);
	ASSERT_STREQ(out, "");
	ASSERT_EQ(WEXITSTATUS(status), 0);
}

TEST(clone2_man_page_lints_clean) { lint("man/clone2.2"); }
TEST(pidpolicy_man_page_lints_clean) { lint("man/pidpolicy.8"); }
