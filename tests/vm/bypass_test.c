// SPDX-License-Identifier: GPL-2.0
/*
 * Attempts to get around the pid policy by two actors: an unprivileged user
 * (uid 65534, no capabilities) and root of a user namespace of its own
 * (uid 0 there, mapped to 65534: every capability in that namespace, none
 * outside) with a pid namespace of its own. Each attempt must fail with the
 * errno the kernel code gives, and prints a line: actor, attempt, expected,
 * got. The policy, its pins and their objects must come out unchanged.
 *
 * Where the errnos come from (Linux 6.12 with our patches):
 * - choosing a pid at a level whose user namespace the caller has no
 *   CAP_CHECKPOINT_RESTORE/CAP_SYS_ADMIN in: EPERM (alloc_pid(),
 *   pid_ns_ctl_handler()), before the pid_choose hook; at a level it owns,
 *   the hook: EPERM (PIDPOLICY_DENY_ERRNO).
 * - kernel.pid_max: 0644, owned by root of the user namespace owning the
 *   caller's pid namespace; pid_table_root_permissions() gives the owner's
 *   bits to that root and to CAP_SYS_ADMIN there only, so open() for
 *   writing fails with EACCES for anyone else.
 * - pins: /sys/fs/bpf/pidpolicy is 0700 root, so any path through it fails
 *   the lookup with EACCES (root of another user namespace has no
 *   CAP_DAC_OVERRIDE over files whose owner it does not map); the bpffs
 *   root is 1777, so removing or renaming the directory is EPERM (sticky).
 * - BPF_{MAP,PROG,LINK}_GET_FD_BY_ID and *_GET_NEXT_ID: EPERM without
 *   CAP_SYS_ADMIN; BPF_PROG_LOAD and BPF_MAP_CREATE: EPERM from __sys_bpf()
 *   while kernel.unprivileged_bpf_disabled is set (2:
 *   CONFIG_BPF_UNPRIV_DEFAULT_OFF), and from bpf_prog_load() for LSM and
 *   tracing programs without CAP_BPF anyway.
 * - a leaked fd: map update/delete through an O_RDONLY fd is EPERM
 *   (FMODE_CAN_WRITE), freeze EPERM (bpf_capable()); a tracing link (LSM,
 *   fentry, fexit) has no update_prog (EINVAL) and no detach (EOPNOTSUPP).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "clone2.h"
#include "harness.h"
#include "pidpolicy.h"
#include "vmpolicy.h"
#include "vmtest.h"

#define TEST_CGROUP	"/sys/fs/cgroup/pidpolicy-bypass"
#define POLICY_FILE	"/tmp/bypass.policy"
#define EVIL_FILE	"/tmp/bypass-evil.policy"
#define PIN_DIR		PIDPOLICY_PIN_DIR
#define ALLOWED_PIDS	10

enum pin_kind { PIN_MAP, PIN_PROG, PIN_LINK };

/* A pinned object, opened by root before the actors drop privileges. */
struct pin {
	char name[64];
	enum pin_kind kind;
	__u32 id;
	int fd;		/* maps: O_RDONLY, as a monitoring tool would hold */
};

/* Set up by the test before it forks the actors, who inherit them. */
static struct pin pins[32];
static int nr_pins;
static pid_t allowed;		/* uid 0 may choose allowed..+ALLOWED_PIDS-1 */
static __u32 lsm_btf_id, fentry_btf_id;

/* ---- the table ------------------------------------------------------- */

static void row(const char *actor, const char *attempt, const char *want,
		const char *got)
{
	int ok = !strcmp(want, got);

	printf("  %-10s %-54s %-10s %-10s%s\n", actor, attempt, want, got,
	       ok ? "" : "  <-- MISMATCH");
	fflush(stdout);	/* actors end with _exit() */
	if (!ok)
		harness_fail(__FILE__, __LINE__, 0, "%s: %s: expected %s, got %s",
			     actor, attempt, want, got);
}

static void errno_row(const char *actor, const char *attempt, int want, int got)
{
	char w[32], g[32];

	snprintf(w, sizeof(w), "%s", want ? harness_errno_name(want) : "0");
	snprintf(g, sizeof(g), "%s", got ? harness_errno_name(got) : "0");
	row(actor, attempt, w, g);
}

/* A system call's result: an fd to close if it wrongly succeeded. */
static void call_row(const char *actor, const char *attempt, int want, long ret,
		     int err, int is_fd)
{
	if (ret >= 0 && is_fd)
		close((int)ret);
	errno_row(actor, attempt, want, ret < 0 ? err : 0);
}

#define ATTEMPT(actor, want, is_fd, expr, ...) do {			\
	char what_[128];						\
	long ret_;							\
	int err_;							\
									\
	snprintf(what_, sizeof(what_), __VA_ARGS__);			\
	errno = 0;							\
	ret_ = (long)(expr);						\
	err_ = errno;							\
	call_row(actor, what_, want, ret_, err_, is_fd);		\
} while (0)

static void header(const char *title)
{
	printf("  %-10s %-54s %-10s %-10s\n", "ACTOR", title, "EXPECTED", "GOT");
	fflush(stdout);
}

/* ---- raw bpf(2): the kernel's own errno, no libbpf retries or probes -- */

static long sys_bpf(int cmd, union bpf_attr *attr)
{
	return syscall(__NR_bpf, cmd, attr, sizeof(*attr));
}

static long get_fd_by_id(enum pin_kind kind, __u32 id)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	if (kind == PIN_MAP) {
		a.map_id = id;
		return sys_bpf(BPF_MAP_GET_FD_BY_ID, &a);
	}
	if (kind == PIN_PROG) {
		a.prog_id = id;
		return sys_bpf(BPF_PROG_GET_FD_BY_ID, &a);
	}
	a.link_id = id;
	return sys_bpf(BPF_LINK_GET_FD_BY_ID, &a);
}

static long get_next_id(int cmd)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	return sys_bpf(cmd, &a);
}

static long obj_get(const char *path, __u32 flags)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.pathname = (uintptr_t)path;
	a.file_flags = flags;
	return sys_bpf(BPF_OBJ_GET, &a);
}

/* Key and value buffers: the permission checks come before their sizes. */
static char kv_buf[2][65536];

static long map_elem(int cmd, int fd)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_fd = fd;
	a.key = (uintptr_t)kv_buf[0];
	if (cmd == BPF_MAP_UPDATE_ELEM)
		a.value = (uintptr_t)kv_buf[1];
	return sys_bpf(cmd, &a);
}

static long map_freeze(int fd)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_fd = fd;
	return sys_bpf(BPF_MAP_FREEZE, &a);
}

static long link_update(int link_fd, int prog_fd)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.link_update.link_fd = link_fd;
	a.link_update.new_prog_fd = prog_fd;
	return sys_bpf(BPF_LINK_UPDATE, &a);
}

static long link_detach(int link_fd)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.link_detach.link_fd = link_fd;
	return sys_bpf(BPF_LINK_DETACH, &a);
}

/* r0 = 0; exit: valid for all three program types below */
static const struct bpf_insn ret0[] = {
	{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
	{ .code = BPF_JMP | BPF_EXIT },
};

enum competitor { COMPETE_LSM, COMPETE_FENTRY, COMPETE_SOCKET };

static const char *const competitor_name[] = {
	"BPF_PROG_LOAD lsm/pid_choose (competing hook)",
	"BPF_PROG_LOAD fentry/alloc_pid",
	"BPF_PROG_LOAD socket filter",
};

static long prog_load(enum competitor c)
{
	static const char license[] = "GPL";
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.insns = (uintptr_t)ret0;
	a.insn_cnt = sizeof(ret0) / sizeof(ret0[0]);
	a.license = (uintptr_t)license;
	if (c == COMPETE_LSM) {
		a.prog_type = BPF_PROG_TYPE_LSM;
		a.expected_attach_type = BPF_LSM_MAC;
		a.attach_btf_id = lsm_btf_id;
	} else if (c == COMPETE_FENTRY) {
		a.prog_type = BPF_PROG_TYPE_TRACING;
		a.expected_attach_type = BPF_TRACE_FENTRY;
		a.attach_btf_id = fentry_btf_id;
	} else {
		a.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
	}
	return sys_bpf(BPF_PROG_LOAD, &a);
}

static long map_create(void)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_type = BPF_MAP_TYPE_ARRAY;
	a.key_size = 4;
	a.value_size = 8;
	a.max_entries = 1;
	return sys_bpf(BPF_MAP_CREATE, &a);
}

/* ---- setup, by root ---------------------------------------------------- */

static enum pin_kind kind_of_fd(int fd)
{
	char path[64], buf[1024];

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	ASSERT_GT(harness_read_file(path, buf, sizeof(buf)), 0);
	if (strstr(buf, "link_type:"))
		return PIN_LINK;
	if (strstr(buf, "map_type:"))
		return PIN_MAP;
	ASSERT_TRUE(strstr(buf, "prog_type:") != NULL);
	return PIN_PROG;
}

static __u32 id_of_fd(int fd, enum pin_kind kind)
{
	struct bpf_map_info m = {};
	struct bpf_prog_info p = {};
	struct bpf_link_info l = {};
	__u32 len;

	if (kind == PIN_MAP) {
		len = sizeof(m);
		ASSERT_EQ(bpf_obj_get_info_by_fd(fd, &m, &len), 0);
		return m.id;
	}
	if (kind == PIN_PROG) {
		len = sizeof(p);
		ASSERT_EQ(bpf_obj_get_info_by_fd(fd, &p, &len), 0);
		return p.id;
	}
	len = sizeof(l);
	ASSERT_EQ(bpf_obj_get_info_by_fd(fd, &l, &len), 0);
	return l.id;
}

static int cmp_pin(const void *a, const void *b)
{
	return strcmp(((const struct pin *)a)->name, ((const struct pin *)b)->name);
}

/*
 * Every pin of the directory, with its object's id; sorted by name. The
 * readers' lock, a directory, is no pin.
 */
static int list_pins(struct pin *out, int max, int keep_fds)
{
	char path[128];
	struct dirent *de;
	DIR *d = opendir(PIN_DIR);
	int n = 0, fd;

	ASSERT_TRUE(d != NULL);
	while ((de = readdir(d))) {
		if (de->d_type == DT_DIR)
			continue;
		ASSERT_LT(n, max);
		snprintf(out[n].name, sizeof(out[n].name), "%.63s", de->d_name);
		snprintf(path, sizeof(path), PIN_DIR "/%.63s", de->d_name);
		fd = bpf_obj_get(path);
		ASSERT_GE(fd, 0);
		out[n].kind = kind_of_fd(fd);
		out[n].id = id_of_fd(fd, out[n].kind);
		out[n].fd = -1;
		if (keep_fds && out[n].kind == PIN_MAP) {
			LIBBPF_OPTS(bpf_obj_get_opts, ro, .file_flags = BPF_F_RDONLY);

			out[n].fd = bpf_obj_get_opts(path, &ro);
			ASSERT_GE(out[n].fd, 0);
			close(fd);
		} else if (keep_fds) {
			out[n].fd = fd;	/* link and prog fds are read-write */
		} else {
			close(fd);
		}
		n++;
	}
	closedir(d);
	qsort(out, (size_t)n, sizeof(*out), cmp_pin);
	return n;
}

static const struct pin *find_pin(const char *name)
{
	int i;

	for (i = 0; i < nr_pins; i++)
		if (!strcmp(pins[i].name, name))
			return &pins[i];
	return NULL;
}

/* The hook and function our programs attach to, for competing programs. */
static __u32 attach_btf_id_of(const char *prog_pin)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	int fd = bpf_obj_get(prog_pin);

	ASSERT_GE(fd, 0);
	ASSERT_EQ(bpf_obj_get_info_by_fd(fd, &info, &len), 0);
	close(fd);
	ASSERT_GT(info.attach_btf_id, 0U);
	return info.attach_btf_id;
}

/*
 * The policy the actors face: enforce everywhere, root (uid 0) may choose
 * `allowed`.., members of TEST_CGROUP the next ALLOWED_PIDS pids. Its
 * dump, pins and control outcomes are checked after the attempts.
 */
static void setup_policy(char *dump, size_t size)
{
	char text[512];

	allowed = pick_free_pids(2 * ALLOWED_PIDS);
	ASSERT_TRUE(mkdir(TEST_CGROUP, 0755) == 0 || errno == EEXIST);
	snprintf(text, sizeof(text),
		 "mode default enforce\n"
		 "allow ns any uid 0 pids %d-%d\n"
		 "allow ns any cgroup " TEST_CGROUP " pids %d-%d\n",
		 allowed, allowed + ALLOWED_PIDS - 1,
		 allowed + ALLOWED_PIDS, allowed + 2 * ALLOWED_PIDS - 1);
	write_policy_file(POLICY_FILE, text);
	write_policy_file(EVIL_FILE, "mode default off\nallow ns any pids 1-32767\n");
	policy_from_file(POLICY_FILE);
	ASSERT_EQ(harness_sh(dump, size, "pidpolicy dump"), 0);
	lsm_btf_id = attach_btf_id_of(PIN("pid_choose"));		/* pid_choose */
	fentry_btf_id = attach_btf_id_of(PIN("alloc_pid_exit"));	/* alloc_pid */
	nr_pins = list_pins(pins, 32, 1);
	/* the pins of `pidpolicy load`: the hook's link marks a complete one */
	ASSERT_TRUE(find_pin("pid_choose_link") && find_pin("alloc_pid_exit_link") &&
		    find_pin("free_pid_entry_link") && find_pin("rules") &&
		    find_pin("config") && find_pin("alloc_pid_exit"));

	/* controls: what the actors try is possible, for root */
	header("control (root may do all of this)");
	errno_row("root", "clone2 an allowed pid", 0, try_clone2(allowed));
	errno_row("root", "clone3 set_tid an allowed pid", 0, try_clone3(allowed + 1));
	errno_row("root", "write ns_last_pid (next: an allowed pid)", 0,
		  try_ns_last_pid(allowed + 2));
	ATTEMPT("root", 0, 1, prog_load(COMPETE_LSM), "%s", competitor_name[COMPETE_LSM]);
	ATTEMPT("root", 0, 1, prog_load(COMPETE_FENTRY), "%s", competitor_name[COMPETE_FENTRY]);
	ATTEMPT("root", 0, 1, prog_load(COMPETE_SOCKET), "%s", competitor_name[COMPETE_SOCKET]);
	ATTEMPT("root", 0, 1, get_fd_by_id(PIN_LINK, find_pin("pid_choose_link")->id),
		"BPF_LINK_GET_FD_BY_ID pid_choose_link");
	/* the kernel's default, which makes BPF_PROG_LOAD EPERM below */
	ASSERT_EQ(read_int_file("/proc/sys/kernel/unprivileged_bpf_disabled"), 2);
}

/* After the attempts: the same policy, pins and objects, still enforced. */
static void check_policy_unchanged(const char *dump_before)
{
	struct pin now[32];
	char dump[8192];
	int i, n;

	ASSERT_EQ(harness_sh(dump, sizeof(dump), "pidpolicy dump"), 0);
	ASSERT_STREQ(dump_before, dump);
	n = list_pins(now, 32, 0);
	ASSERT_EQ(n, nr_pins);
	for (i = 0; i < n; i++) {
		ASSERT_STREQ(now[i].name, pins[i].name);
		ASSERT_EQ(now[i].id, pins[i].id);
	}
	/* the links still attach the programs: the policy still decides */
	ASSERT_EQ(try_clone2(allowed + 3), 0);
	ASSERT_EQ(try_clone2(allowed + 2 * ALLOWED_PIDS), EPERM);
	ASSERT_EQ(read_int_file("/proc/sys/kernel/unprivileged_bpf_disabled"), 2);
	printf("  policy (dump), %d pins and their object ids unchanged; still enforced\n", n);
}

/* The next test reuses the loaded policy: a load takes about 8 s. */
static void cleanup_policy(int unload)
{
	int i;

	for (i = 0; i < nr_pins; i++)
		if (pins[i].fd >= 0)
			close(pins[i].fd);
	if (unload)
		POLICY_OK("unload");
	rmdir(TEST_CGROUP);
	unlink(POLICY_FILE);
	unlink(EVIL_FILE);
}

/* ---- squatting the pin directory before root loads -------------------- */

/* Links that attach one of the policy's programs. */
static int policy_links(void)
{
	int progs, links;

	count_policy_objects(&progs, &links);
	return links;
}

/*
 * The bpffs root is world-writable (1777, as `mount -t bpf bpf /sys/fs/bpf`
 * makes it): a user could create /sys/fs/bpf/pidpolicy, or a symlink by
 * that name, before root loads. Pins in a directory of theirs could be
 * removed by them, the link's among them, detaching the policy: load must
 * refuse such a directory.
 */
static void squat_and_load(const char *how, int symlink_to_own_dir)
{
	char out[1024], got[64];
	int st, links;

	if (symlink_to_own_dir)
		AS_NOBODY({
			errno_row("nobody", "mkdir /sys/fs/bpf/mine (setup)", 0,
				  mkdir("/sys/fs/bpf/mine", 0755) ? errno : 0);
			errno_row("nobody", "symlink /sys/fs/bpf/pidpolicy -> mine (setup)", 0,
				  symlink("mine", PIN_DIR) ? errno : 0);
		});
	else
		AS_NOBODY(errno_row("nobody", "mkdir " PIN_DIR " before load (setup)", 0,
				    mkdir(PIN_DIR, 0755) ? errno : 0));
	st = harness_sh(out, sizeof(out), "pidpolicy load 2>&1");
	links = policy_links();
	snprintf(got, sizeof(got), "exit %d, %d links", st, links);
	row("root", how, "exit 1, 0 links", got);
	printf("  (pidpolicy load said: %s)\n", out);
	/* whatever load did, the squatter must not be able to detach it */
	AS_NOBODY(errno_row("nobody", "unlink pin pid_choose_link after the load", ENOENT,
			    unlink(PIN("pid_choose_link")) ? errno : 0));
	/* unload refuses a directory not root's alone: remove it as root */
	harness_sh(NULL, 0, "pidpolicy unload 2>&1; rm -rf " PIN_DIR " /sys/fs/bpf/mine");
}

TEST_TIMEOUT(load_refuses_a_pin_directory_made_by_someone_else, 120)
{
	struct stat st;

	harness_sh(NULL, 0, "pidpolicy unload 2>&1");
	ASSERT_ERRNO(lstat(PIN_DIR, &st), ENOENT);
	ASSERT_EQ(stat("/sys/fs/bpf", &st), 0);
	if ((st.st_mode & 07777) != 01777)
		SKIP("/sys/fs/bpf is mode %o: nobody can squat in it", st.st_mode & 07777);
	header("attempt");
	squat_and_load("pidpolicy load into nobody's " PIN_DIR, 0);
	squat_and_load("pidpolicy load through nobody's symlink", 1);
	/* with the squatters gone, load works */
	ASSERT_ERRNO(lstat(PIN_DIR, &st), ENOENT);
	ASSERT_ERRNO(lstat("/sys/fs/bpf/mine", &st), ENOENT);
	POLICY_OK("load");
	ASSERT_EQ(policy_links(), 4);
	/* loaded, for the tests below */
}

/* ---- attempts shared by both actors ----------------------------------- */

static void bpf_attempts(const char *actor)
{
	const struct pin *prog = find_pin("alloc_pid_exit");
	char path[128], path2[128];
	int i;

	for (i = 0; i < nr_pins; i++) {
		const struct pin *p = &pins[i];

		snprintf(path, sizeof(path), PIN_DIR "/%.63s", p->name);
		ATTEMPT(actor, EACCES, 1, obj_get(path, 0), "bpf_obj_get %.63s", p->name);
		ATTEMPT(actor, EPERM, 1, get_fd_by_id(p->kind, p->id), "BPF_%s_GET_FD_BY_ID %.63s",
			p->kind == PIN_MAP ? "MAP" : p->kind == PIN_PROG ? "PROG" : "LINK",
			p->name);
		if (p->kind == PIN_MAP) {
			ATTEMPT(actor, EPERM, 0, map_elem(BPF_MAP_UPDATE_ELEM, p->fd),
				"leaked O_RDONLY fd: update %.63s", p->name);
			ATTEMPT(actor, EPERM, 0, map_elem(BPF_MAP_DELETE_ELEM, p->fd),
				"leaked O_RDONLY fd: delete from %.63s", p->name);
			ATTEMPT(actor, EPERM, 0, map_freeze(p->fd),
				"leaked O_RDONLY fd: freeze %.63s", p->name);
		} else if (p->kind == PIN_LINK) {
			ATTEMPT(actor, EINVAL, 0, link_update(p->fd, prog->fd),
				"leaked fd: BPF_LINK_UPDATE %.63s", p->name);
			ATTEMPT(actor, EOPNOTSUPP, 0, link_detach(p->fd),
				"leaked fd: BPF_LINK_DETACH %.63s", p->name);
		}
		snprintf(path2, sizeof(path2), PIN_DIR "/x");
		ATTEMPT(actor, EACCES, 0, unlink(path), "unlink pin %.63s", p->name);
		ATTEMPT(actor, EACCES, 0, rename(path, path2), "rename pin %.63s", p->name);
	}
	ATTEMPT(actor, EPERM, 0, rmdir(PIN_DIR), "rmdir " PIN_DIR);
	ATTEMPT(actor, EPERM, 0, rename(PIN_DIR, PIN_DIR ".old"), "rename " PIN_DIR);
	ATTEMPT(actor, EPERM, 0, get_next_id(BPF_PROG_GET_NEXT_ID), "BPF_PROG_GET_NEXT_ID");
	ATTEMPT(actor, EPERM, 0, get_next_id(BPF_MAP_GET_NEXT_ID), "BPF_MAP_GET_NEXT_ID");
	ATTEMPT(actor, EPERM, 0, get_next_id(BPF_LINK_GET_NEXT_ID), "BPF_LINK_GET_NEXT_ID");
	ATTEMPT(actor, EPERM, 1, prog_load(COMPETE_LSM), "%s", competitor_name[COMPETE_LSM]);
	ATTEMPT(actor, EPERM, 1, prog_load(COMPETE_FENTRY), "%s", competitor_name[COMPETE_FENTRY]);
	ATTEMPT(actor, EPERM, 1, prog_load(COMPETE_SOCKET), "%s", competitor_name[COMPETE_SOCKET]);
	ATTEMPT(actor, EPERM, 1, map_create(), "BPF_MAP_CREATE array");
	/* a cgroup rule allows its members: joining it is the way in */
	errno_row(actor, "join the cgroup of a rule (cgroup.procs)", EACCES,
		  try_write(TEST_CGROUP "/cgroup.procs", "0"));
}

/* `pidpolicy ARGS` fails with exit status 1 and says why. */
static void cli_row(const char *actor, const char *args, const char *says)
{
	char out[1024], got[64], attempt[96];
	int st = harness_sh(out, sizeof(out), "pidpolicy %s 2>&1", args);

	snprintf(attempt, sizeof(attempt), "pidpolicy %s", args);
	snprintf(got, sizeof(got), "exit %d%s", st, strstr(out, says) ? "" : " ?msg");
	row(actor, attempt, "exit 1", got);
	if (!strstr(out, says))
		printf("  (said: %s; expected it to say: %s)\n", out, says);
}

/* ---- actor 1: an unprivileged user -------------------------------------- */

static void nobody_attempts(void)
{
	const char *me = "nobody";

	errno_row(me, "clone3 set_tid {allowed pid} (initial pid ns)", EPERM,
		  try_clone3(allowed + 4));
	errno_row(me, "clone2 {allowed pid} (initial pid ns)", EPERM, try_clone2(allowed + 4));
	errno_row(me, "write ns_last_pid of the initial pid ns", EPERM,
		  try_ns_last_pid(allowed + 4));
	errno_row(me, "write pid_max of the initial pid ns", EACCES,
		  try_write("/proc/sys/kernel/pid_max", "16384"));
	bpf_attempts(me);
	cli_row(me, "allow --ns any --uid 65534 --pids 1-32767", "must run as root");
	cli_row(me, "unload", "must run as root");
	cli_row(me, "apply " EVIL_FILE, "must run as root");
}

TEST_TIMEOUT(unprivileged_user_gets_around_nothing, 120)
{
	__u32 init_ns = ns_inum_of(0);
	struct pidpolicy_decisions before, after;
	char dump[8192], got[32];
	int pid_max = get_pid_max();

	setup_policy(dump, sizeof(dump));
	before = decisions_for(init_ns);
	header("attempt");
	AS_NOBODY(nobody_attempts());
	/* the kernel refused first: none of it reached the policy */
	after = decisions_for(init_ns);
	snprintf(got, sizeof(got), "+%llu",
		 (unsigned long long)(after.allowed + after.denied + after.audited -
				      before.allowed - before.denied - before.audited));
	row("nobody", "decisions counted in the initial pid ns", "+0", got);
	ASSERT_EQ(get_pid_max(), pid_max);
	check_policy_unchanged(dump);
	cleanup_policy(0);
}

/* ---- actor 2: root of its own user and pid namespaces ---------------------- */

/* Runs in a process of the new pid namespace: its ns_last_pid and pid_max. */
static void inside_attempts(const char *me)
{
	char buf[16];

	errno_row(me, "write ns_last_pid of its own pid ns (policy)", EPERM,
		  try_ns_last_pid(allowed + 5));
	/* its own pid_max is its to set: the capabilities are real */
	snprintf(buf, sizeof(buf), "%d", get_pid_max() - 1);
	errno_row(me, "write pid_max of its own pid ns (allowed)", 0,
		  try_write("/proc/sys/kernel/pid_max", buf));
}

/*
 * uid 65534 with a user namespace of its own (uid 0 there) and a pid
 * namespace owned by it; its children start there. Reports the pid
 * namespace's inode on report_fd.
 */
static void userns_root_attempts(int report_fd, int go_fd)
{
	const char *me = "usernsroot";
	pid_t pids[2], init, inside;
	int hold[2];
	__u32 inum;
	char c;

	drop_to_nobody(0);
	ASSERT_EQ(unshare(CLONE_NEWUSER), 0);
	write_file("/proc/self/setgroups", "deny");
	write_file("/proc/self/uid_map", "0 65534 1");
	write_file("/proc/self/gid_map", "0 65534 1");
	ASSERT_EQ(unshare(CLONE_NEWPID), 0);
	ASSERT_EQ(geteuid(), 0U);
	/* pid 1 of the new namespace, which lives while we hold the pipe */
	ASSERT_EQ(pipe(hold), 0);
	init = fork();
	ASSERT_GE(init, 0);
	if (init == 0) {
		close(hold[1]);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		_exit(read(hold[0], &c, 1) == 0 ? 0 : 1);
	}
	close(hold[0]);
	inum = ns_inum_of(init);
	ASSERT_EQ(write(report_fd, &inum, sizeof(inum)), (ssize_t)sizeof(inum));
	ASSERT_EQ(read(go_fd, &c, 1), 1);	/* the test took its counters */

	/* its own level passes the kernel, then meets the policy (uid 65534) */
	errno_row(me, "clone3 set_tid {allowed pid} (own pid ns, policy)", EPERM,
		  try_clone3(allowed + 4));
	errno_row(me, "clone2 {allowed pid} (own pid ns, policy)", EPERM,
		  try_clone2(allowed + 4));
	/* the initial namespace's level: the kernel refuses */
	pids[0] = allowed + 4;
	pids[1] = 0;
	errno_row(me, "clone2 {initial ns: allowed pid, own: kernel's}", EPERM,
		  try_clone2_in(0, pids, 2, 0));
	errno_row(me, "clone3 set_tid {own: allowed, initial: allowed}", EPERM,
		  try_clone3_tids((pid_t[]){ allowed + 4, allowed + 4 }, 2));
	errno_row(me, "write ns_last_pid of the initial pid ns", EPERM,
		  try_ns_last_pid(allowed + 4));
	errno_row(me, "write pid_max of the initial pid ns", EACCES,
		  try_write("/proc/sys/kernel/pid_max", "16384"));
	inside = fork();
	ASSERT_GE(inside, 0);
	if (inside == 0) {
		inside_attempts(me);
		_exit(0);
	}
	ASSERT_EQ(wait_exit(inside), 0);
	bpf_attempts(me);
	/* euid 0 passes pidpolicy's own check; the kernel's do not */
	cli_row(me, "allow --ns any --uid 65534 --pids 1-32767", "must run as root");
	cli_row(me, "unload", "Permission denied");
	cli_row(me, "apply " EVIL_FILE, "must run as root");
	close(hold[1]);
	ASSERT_EQ(wait_exit(init), 0);
}

/*
 * An actor of a user namespace test: fn(to_test, from_test) in a child,
 * which first reports its pid namespace's inode and waits for a byte on
 * from_test. Returns the child; *inum gets the inode and *base the
 * namespace's decisions before the actor went on (a dead namespace's
 * counters may live on under a reused inode).
 */
struct actor {
	pid_t pid;
	int to_test, from_test;		/* our ends */
	__u32 inum;
	int ns_fd;			/* holds its pid namespace */
	struct pidpolicy_decisions base;
};

static void start_actor(struct actor *a, void (*fn)(int to_test, int from_test))
{
	int to_test[2], from_test[2];
	char c = 0, path[64];
	struct stat st;

	ASSERT_EQ(pipe(to_test), 0);
	ASSERT_EQ(pipe(from_test), 0);
	a->pid = fork();
	ASSERT_GE(a->pid, 0);
	if (a->pid == 0) {
		close(to_test[0]);
		close(from_test[1]);
		fn(to_test[1], from_test[0]);
		_exit(0);
	}
	close(to_test[1]);
	close(from_test[0]);
	a->to_test = to_test[0];
	a->from_test = from_test[1];
	ASSERT_EQ(read(a->to_test, &a->inum, sizeof(a->inum)), (ssize_t)sizeof(a->inum));
	/* its counters die with its namespace: keep it until they are read */
	snprintf(path, sizeof(path), "/proc/%d/ns/pid_for_children", a->pid);
	a->ns_fd = open(path, O_RDONLY | O_CLOEXEC);
	ASSERT_GE(a->ns_fd, 0);
	ASSERT_EQ(fstat(a->ns_fd, &st), 0);
	ASSERT_EQ(st.st_ino, a->inum);
	a->base = decisions_for(a->inum);
	ASSERT_EQ(write(a->from_test, &c, 1), 1);
}

TEST_TIMEOUT(user_namespace_root_gets_around_nothing, 120)
{
	__u32 init_ns = ns_inum_of(0);
	struct pidpolicy_decisions before, after, own;
	char dump[8192], got[64];
	int pid_max = get_pid_max();
	struct actor a;

	setup_policy(dump, sizeof(dump));
	before = decisions_for(init_ns);
	header("attempt");
	start_actor(&a, userns_root_attempts);
	close(a.to_test);
	close(a.from_test);
	ASSERT_EQ(wait_exit(a.pid), 0);

	/*
	 * Exactly its three choices made at its own level only reached the
	 * policy, and were denied: uid 0 in a user namespace is not uid 0 to
	 * the policy. A request that also names the initial namespace's
	 * level never got past the kernel, which checks every level before
	 * the policy hears of any.
	 */
	own = decisions_for(a.inum);
	snprintf(got, sizeof(got), "%llu/%llu/%llu",
		 (unsigned long long)(own.allowed - a.base.allowed),
		 (unsigned long long)(own.denied - a.base.denied),
		 (unsigned long long)(own.audited - a.base.audited));
	row("usernsroot", "decisions in its pid ns (allowed/denied/audited)", "0/3/0", got);
	close(a.ns_fd);
	after = decisions_for(init_ns);
	snprintf(got, sizeof(got), "+%llu",
		 (unsigned long long)(after.allowed + after.denied + after.audited -
				      before.allowed - before.denied - before.audited));
	row("usernsroot", "decisions counted in the initial pid ns", "+0", got);
	ASSERT_EQ(get_pid_max(), pid_max);
	check_policy_unchanged(dump);
	cleanup_policy(0);
}

/* ---- the policy governs root of a user namespace, as documented -------- */

/* A clone2 child with pid `pid` in our children's namespace: 0 or errno. */
static int clone2_own(pid_t pid)
{
	pid_t child = clone2_fork(&pid, 1, 0);

	if (child == 0)
		_exit(getpid() == pid ? 0 : 1);
	if (child < 0)
		return errno;
	return wait_exit(child) == 0 ? 0 : -1;
}

/* Steps of the actor, each answered by the test once it has checked. */
static void step(int to_test, int from_test)
{
	char c = 0;

	ASSERT_EQ(write(to_test, &c, 1), 1);
	ASSERT_EQ(read(from_test, &c, 1), 1);
}

static void governed_actor(int to_test, int from_test)
{
	pid_t pids[2], init, inside;
	int hold[2];
	__u32 inum;
	char c;

	drop_to_nobody(0);
	ASSERT_EQ(unshare(CLONE_NEWUSER), 0);
	write_file("/proc/self/setgroups", "deny");
	write_file("/proc/self/uid_map", "0 65534 1");
	write_file("/proc/self/gid_map", "0 65534 1");
	ASSERT_EQ(unshare(CLONE_NEWPID), 0);
	ASSERT_EQ(pipe(hold), 0);
	init = fork();
	ASSERT_GE(init, 0);
	if (init == 0) {
		close(hold[1]);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		_exit(read(hold[0], &c, 1) == 0 ? 0 : 1);
	}
	close(hold[0]);
	inum = ns_inum_of(init);
	ASSERT_EQ(write(to_test, &inum, sizeof(inum)), (ssize_t)sizeof(inum));
	ASSERT_EQ(read(from_test, &c, 1), 1);	/* the test took its counters */

	/* 1: the rule for uid 0 is not for it */
	ASSERT_EQ(clone2_own(allowed), EPERM);
	step(to_test, from_test);

	/* 2: the test allowed uid 65534 300-309 in this namespace */
	ASSERT_EQ(clone2_own(300), 0);
	ASSERT_EQ(clone2_own(310), EPERM);
	ASSERT_EQ(clone2_own(allowed), EPERM);
	inside = fork();
	ASSERT_GE(inside, 0);
	if (inside == 0) {
		ASSERT_EQ(try_ns_last_pid(301), 0);
		ASSERT_EQ(try_ns_last_pid(310), EPERM);
		_exit(0);
	}
	ASSERT_EQ(wait_exit(inside), 0);
	/* a pid the policy allows at its level does not open the parent's */
	pids[0] = allowed;
	pids[1] = 302;
	ASSERT_EQ(try_clone2_in(0, pids, 2, 0), EPERM);
	ASSERT_EQ(try_clone3_tids((pid_t[]){ 302, allowed }, 2), EPERM);
	step(to_test, from_test);

	/* 3: the test set this namespace's mode to off */
	ASSERT_EQ(clone2_own(310), 0);
	step(to_test, from_test);
	close(hold[1]);
	ASSERT_EQ(wait_exit(init), 0);
}

/* Decisions counted for inum since base. */
static void expect_decisions(__u32 inum, const struct pidpolicy_decisions *base,
			     unsigned long long allowed_n, unsigned long long denied_n)
{
	struct pidpolicy_decisions d = decisions_for(inum);

	ASSERT_EQ(d.allowed - base->allowed, allowed_n);
	ASSERT_EQ(d.denied - base->denied, denied_n);
	ASSERT_EQ(d.audited - base->audited, 0ULL);
}

TEST_TIMEOUT(user_namespace_root_is_governed_by_the_policy, 120)
{
	struct pidpolicy_decisions init_before;
	__u32 init_ns = ns_inum_of(0), inum;
	char dump[8192], out[1024], c = 0;
	struct actor a;

	setup_policy(dump, sizeof(dump));
	init_before = decisions_for(init_ns);
	start_actor(&a, governed_actor);
	inum = a.inum;

	ASSERT_EQ(read(a.to_test, &c, 1), 1);
	expect_decisions(inum, &a.base, 0, 1);
	ASSERT_EQ(harness_sh(out, sizeof(out), "pidpolicy explain --ns %u --uid 65534 --pid %d",
			     inum, allowed), 0);
	ASSERT_TRUE(strstr(out, "verdict:   deny") != NULL);
	POLICY_OK("allow --ns %u --uid 65534 --pids 300-309", inum);
	ASSERT_EQ(harness_sh(out, sizeof(out), "pidpolicy explain --ns %u --uid 65534 --pid 300",
			     inum), 0);
	ASSERT_TRUE(strstr(out, "verdict:   allow") != NULL);
	ASSERT_EQ(write(a.from_test, &c, 1), 1);

	/*
	 * 300 and ns_last_pid's next 301 allowed; 310, the uid 0 pid and
	 * ns_last_pid's next 310 denied. The two requests of the inner 302
	 * with the initial namespace's level never reached the policy: the
	 * kernel refused that level first.
	 */
	ASSERT_EQ(read(a.to_test, &c, 1), 1);
	expect_decisions(inum, &a.base, 2, 4);
	POLICY_OK("mode --ns %u off", inum);
	ASSERT_EQ(write(a.from_test, &c, 1), 1);

	ASSERT_EQ(read(a.to_test, &c, 1), 1);
	expect_decisions(inum, &a.base, 3, 4);
	ASSERT_EQ(write(a.from_test, &c, 1), 1);
	ASSERT_EQ(wait_exit(a.pid), 0);
	ASSERT_EQ(decisions_for(init_ns).allowed, init_before.allowed);
	ASSERT_EQ(decisions_for(init_ns).denied, init_before.denied);
	close(a.to_test);
	close(a.from_test);
	cleanup_policy(1);	/* the last test: unloaded, as we found it */
}

