// SPDX-License-Identifier: GPL-2.0
/* The VM boots our kernel with the BPF LSM active and BTF, and a BPF LSM
 * program built by the real pipeline (vmlinux.h, clang, skeleton) works. */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "harness.h"
#include "smoke_test.skel.h"

TEST(lsm_list_includes_bpf)
{
	char lsms[256] = "";
	FILE *f = fopen("/sys/kernel/security/lsm", "r");

	ASSERT_TRUE(f != NULL);
	ASSERT_TRUE(fgets(lsms, sizeof(lsms), f) != NULL);
	fclose(f);
	ASSERT_TRUE(strstr(lsms, "bpf") != NULL);
}

TEST(kernel_btf_is_exposed)
{
	struct stat st;

	ASSERT_EQ(stat("/sys/kernel/btf/vmlinux", &st), 0);
	ASSERT_GT(st.st_size, 0);
}

TEST(bpf_lsm_program_counts_task_alloc)
{
	struct smoke_test_bpf *skel = smoke_test_bpf__open();
	int i, status;

	ASSERT_TRUE(skel != NULL);
	skel->rodata->target_tgid = getpid();
	ASSERT_EQ(smoke_test_bpf__load(skel), 0);
	ASSERT_EQ(smoke_test_bpf__attach(skel), 0);

	for (i = 0; i < 3; i++) {
		pid_t pid = fork();

		ASSERT_GE(pid, 0);
		if (pid == 0)
			_exit(0);
		ASSERT_EQ(waitpid(pid, &status, 0), pid);
	}
	EXPECT_EQ(skel->bss->task_allocs, 3ULL);
	smoke_test_bpf__destroy(skel);
}
