// SPDX-License-Identifier: GPL-2.0
/* The man pages are clean for mandoc's linter (run from the repository). */
#include "harness.h"

static void lint(const char *page)
{
	char out[4096];

	ASSERT_EQ(harness_sh(out, sizeof(out), "mandoc -Tlint -W warning %s 2>&1", page), 0);
	ASSERT_STREQ(out, "");
}

TEST(clone2_man_page_lints_clean) { lint("man/clone2.2"); }
TEST(pidpolicy_man_page_lints_clean) { lint("man/pidpolicy.8"); }
