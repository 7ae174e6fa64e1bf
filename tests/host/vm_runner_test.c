// SPDX-License-Identifier: GPL-2.0
/*
 * tests/vm/run keeps its contract: COMMAND's exit status, failure on a
 * kernel panic or a timeout, --add, usage errors, and an accelerator that
 * works (KVM only where a guest boots on it). Each case boots the VM,
 * so this runs from the top of the repository after `make kernel initramfs`.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "harness.h"

static char out[1 << 21];	/* whole consoles: runner messages come first */

TEST_TIMEOUT(runner_exits_with_the_commands_status, 300)
{
	ASSERT_EQ(harness_sh(out, sizeof(out), "tests/vm/run -- sh -c 'exit 3' 2>&1"), 3);
	ASSERT_EQ(harness_sh(out, sizeof(out), "tests/vm/run -- true 2>&1"), 0);
}

TEST_TIMEOUT(runner_fails_on_a_kernel_panic, 300)
{
	int status = harness_sh(out, sizeof(out),
			 "tests/vm/run -- sh -c 'echo c > /proc/sysrq-trigger' 2>&1");

	ASSERT_NE(status, 0);
	ASSERT_TRUE(strstr(out, "Kernel panic") != NULL);
}

/*
 * A user-space fault is no kernel report: a pid namespace's init that calls
 * abort() (its SIGABRT is ignored, as for every init) ends in glibc's hlt,
 * which the kernel reports as "traps: NAME[PID] general protection fault",
 * and the run keeps the command's status.
 */
TEST_TIMEOUT(runner_tells_a_user_space_fault_from_a_kernel_report, 300)
{
	ASSERT_EQ(harness_sh(out, sizeof(out), "printf '#include <stdlib.h>\\nint main(void)"
			     "{ abort(); }\\n' | gcc -static -x c -o /tmp/runner-abort - 2>&1"), 0);
	ASSERT_EQ(harness_sh(out, sizeof(out), "tests/vm/run --add /tmp/runner-abort:/abort -- "
			     "sh -c 'echo 8 > /proc/sys/kernel/printk; unshare -p -f /abort; exit 7' "
			     "2>&1"), 7);
	ASSERT_TRUE(strstr(out, "general protection fault") != NULL);
	ASSERT_TRUE(strstr(out, "kernel reported a problem") == NULL);
}

TEST_TIMEOUT(runner_kills_a_guest_past_its_timeout, 300)
{
	ASSERT_EQ(harness_sh(out, sizeof(out), "tests/vm/run --timeout 20 -- sleep 1000 2>&1"), 124);
	ASSERT_TRUE(strstr(out, "timed out after 20 s") != NULL);
}

TEST_TIMEOUT(runner_adds_host_files_to_the_guest, 300)
{
	ASSERT_EQ(harness_sh(out, sizeof(out), "echo runner-add-$$ > /tmp/runner-add && "
		      "tests/vm/run --add /tmp/runner-add:/x/y -- cat /x/y 2>&1"), 0);
	ASSERT_TRUE(strstr(out, "runner-add-") != NULL);
}

TEST(runner_rejects_bad_usage_with_status_2)
{
	ASSERT_EQ(harness_sh(out, sizeof(out), "tests/vm/run --bogus -- true 2>&1"), 2);
	ASSERT_TRUE(strstr(out, "usage:") != NULL);
	ASSERT_EQ(harness_sh(out, sizeof(out), "tests/vm/run true 2>&1"), 2);
	ASSERT_EQ(harness_sh(out, sizeof(out), "tests/vm/run -- 2>&1"), 2);
	ASSERT_EQ(harness_sh(out, sizeof(out), "VM_ARCH=riscv64 tests/vm/run -- true 2>&1"), 2);
	ASSERT_TRUE(strstr(out, "VM_ARCH must be x86_64 or arm64") != NULL);
}

/* An arm64 guest is emulated: KVM cannot be forced, --accel says TCG. */
TEST(runner_runs_arm64_guests_under_tcg_only)
{
	ASSERT_EQ(harness_sh(out, sizeof(out), "VM_ARCH=arm64 tests/vm/run --accel"), 0);
	ASSERT_STREQ(out, "tcg\n");
	ASSERT_EQ(harness_sh(out, sizeof(out),
			     "VM_ARCH=arm64 VM_ACCEL=kvm tests/vm/run -- true 2>&1"), 125);
	ASSERT_TRUE(strstr(out, "arm64 guest runs under TCG") != NULL);
}

TEST_TIMEOUT(pidpolicy_load_without_bpf_lsm_names_the_fix, 300)
{
	ASSERT_EQ(harness_sh(out, sizeof(out), "VM_APPEND=lsm=capability tests/vm/run -- "
		      "sh -c 'pidpolicy load; echo status=$?' 2>&1"), 0);
	ASSERT_TRUE(strstr(out, "status=1") != NULL);
	ASSERT_TRUE(strstr(out, "lsm=") != NULL);
}

/*
 * The accelerator is chosen by trying it. A fake /dev/kvm (a plain file)
 * and a fake qemu-system-x86_64 first in PATH stand for the KVM hosts the
 * runner must survive; the fake logs every KVM start to kvm-starts and
 * hands TCG starts to the real qemu.
 */
static char fake[] = "/tmp/vm-runner-kvm.XXXXXX";

/* kvm: what the fake does when asked for KVM (a shell command). */
static void fake_kvm_host(const char *kvm)
{
	char path[128];
	FILE *f;

	ASSERT_TRUE(mkdtemp(fake) != NULL);
	snprintf(path, sizeof(path), "%s/kvm", fake);
	ASSERT_TRUE((f = fopen(path, "w")) != NULL);
	fclose(f);
	snprintf(path, sizeof(path), "%s/qemu-system-x86_64", fake);
	ASSERT_TRUE((f = fopen(path, "w")) != NULL);
	fprintf(f, "#!/bin/bash\n"
		"real=$(PATH=${PATH#%s:} command -v qemu-system-x86_64)\n"
		"[[ \" $* \" == *' -accel kvm '* ]] || exec \"$real\" \"$@\"\n"
		"echo \"$*\" >>%s/kvm-starts\n"
		"%s\n", fake, fake, kvm);
	fclose(f);
	ASSERT_EQ(chmod(path, 0755), 0);
}

/*
 * Run the runner on the fake host; returns its exit status. It chooses the
 * accelerator itself unless env says otherwise, whatever VM_ACCEL we were
 * given (make fresh-check runs us with VM_ACCEL=tcg).
 */
#define RUN_ON_FAKE_HOST(env, cmd)						\
	harness_sh(out, sizeof(out), "PATH=%s:$PATH VM_KVM_DEVICE=%s/kvm "	\
		   "VM_ACCEL_CACHE=%s/cache VM_ACCEL=auto %s tests/vm/run %s 2>&1", \
		   fake, fake, fake, env, cmd)

static int kvm_starts(void)
{
	return harness_sh(NULL, 0, "exit $(cat %s/kvm-starts 2>/dev/null | wc -l)", fake);
}

/* Only a passing test cleans up: a failing one leaves its fake host to look at. */
static void remove_fake_host(void)
{
	harness_sh(NULL, 0, "rm -rf %s", fake);
}

#define QEMU_MSR_ABORT								\
	"echo 'qemu-system-x86_64: error: failed to set MSR 0x10a to 0x69' >&2\n" \
	"echo 'qemu-system-x86_64: ../target/i386/kvm/kvm.c:3133: kvm_buf_set_msrs: " \
	"Assertion `ret == cpu->kvm_msr_buf->nmsrs` failed.' >&2\n"		\
	"kill -ABRT $$"

TEST_TIMEOUT(kvm_on_which_qemu_aborts_falls_back_to_tcg_once_probed, 600)
{
	fake_kvm_host(QEMU_MSR_ABORT);
	ASSERT_EQ(RUN_ON_FAKE_HOST("", "-- sh -c 'exit 3'"), 3);
	ASSERT_TRUE(strstr(out, "vm: KVM unusable here (qemu: failed to set MSR 0x10a to 0x69), "
			   "using TCG") != NULL);
	/* both CPU models were tried, then the verdict was kept */
	ASSERT_EQ(kvm_starts(), 2);
	ASSERT_EQ(RUN_ON_FAKE_HOST("", "-- true"), 0);
	ASSERT_TRUE(strstr(out, "KVM unusable here") != NULL);
	ASSERT_EQ(kvm_starts(), 2);
	ASSERT_EQ(RUN_ON_FAKE_HOST("", "--accel"), 0);
	ASSERT_STREQ(out, "vm: KVM unusable here (qemu: failed to set MSR 0x10a to 0x69), "
		     "using TCG\ntcg\n");
	remove_fake_host();
}

TEST_TIMEOUT(kvm_guest_that_never_boots_falls_back_to_tcg, 600)
{
	fake_kvm_host("exec sleep 1000");
	ASSERT_EQ(RUN_ON_FAKE_HOST("VM_KVM_PROBE_TIMEOUT=3", "-- true"), 0);
	ASSERT_TRUE(strstr(out, "vm: KVM unusable here (a KVM guest did not boot within 3 s), "
			   "using TCG") != NULL);
	remove_fake_host();
}

TEST_TIMEOUT(forcing_kvm_where_it_does_not_work_names_the_cause, 600)
{
	fake_kvm_host(QEMU_MSR_ABORT);
	ASSERT_EQ(RUN_ON_FAKE_HOST("VM_ACCEL=kvm", "-- true"), 125);
	ASSERT_TRUE(strstr(out, "vm: VM_ACCEL=kvm, but KVM is unusable here "
			   "(qemu: failed to set MSR 0x10a to 0x69)") != NULL);
	ASSERT_EQ(harness_sh(out, sizeof(out), "VM_ACCEL=kvm VM_KVM_DEVICE=/nonexistent "
			     "tests/vm/run -- true 2>&1"), 125);
	ASSERT_TRUE(strstr(out, "KVM is unusable here (no /nonexistent)") != NULL);
	remove_fake_host();
}

TEST_TIMEOUT(forcing_tcg_never_tries_kvm, 300)
{
	fake_kvm_host(QEMU_MSR_ABORT);
	ASSERT_EQ(RUN_ON_FAKE_HOST("VM_ACCEL=tcg", "-- true"), 0);
	ASSERT_EQ(kvm_starts(), 0);
	ASSERT_TRUE(strstr(out, "KVM unusable") == NULL);
	ASSERT_EQ(RUN_ON_FAKE_HOST("VM_ACCEL=fast", "-- true"), 2);
	ASSERT_TRUE(strstr(out, "VM_ACCEL must be auto, kvm or tcg") != NULL);
	remove_fake_host();
}

/* A healthy KVM (played by TCG) is used, with the first CPU model that boots. */
TEST_TIMEOUT(working_kvm_is_used_with_cpu_host, 600)
{
	fake_kvm_host("args=(\"$@\"); for i in \"${!args[@]}\"; do case ${args[i]} in\n"
		      "kvm) args[i]=tcg;; host,*) args[i]=max,la57=off;; esac; done\n"
		      "exec \"$real\" \"${args[@]}\"");
	ASSERT_EQ(RUN_ON_FAKE_HOST("VM_KVM_PROBE_TIMEOUT=900", "-- sh -c 'exit 7'"), 7);
	ASSERT_TRUE(strstr(out, "KVM unusable") == NULL);
	ASSERT_EQ(RUN_ON_FAKE_HOST("", "--accel"), 0);
	ASSERT_STREQ(out, "kvm host,la57=off\n");
	/* the probe, then the command itself */
	ASSERT_EQ(kvm_starts(), 2);
	ASSERT_EQ(harness_sh(NULL, 0, "grep -q -- '-cpu host,la57=off' %s/kvm-starts", fake), 0);
	remove_fake_host();
}
