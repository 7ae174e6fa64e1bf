// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * `pidpolicy load` and `unload`: check that the running kernel can hold the
 * policy (BPF LSM active, the pid_choose hook in its BTF, a bpf filesystem),
 * load the skeleton with its maps pinned, fill them (load --policy), attach
 * the programs in an order that never leaks a charge, and pin them; unload
 * detaches in the reverse order and removes every pin.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <linux/magic.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "main.h"
#include "pidpolicy.skel.h"
#include "pins.h"
#include "policyfile.h"

#define LSM_FILE	"/sys/kernel/security/lsm"
#define VMLINUX_BTF	"/sys/kernel/btf/vmlinux"
#define BPF_FS		"/sys/fs/bpf"
#define HOOK_FUNC	"bpf_lsm_pid_choose"

bool bpf_lsm_active(void)
{
	char buf[4096], *tok, *save = NULL;
	size_t len;
	FILE *f = fopen(LSM_FILE, "r");

	if (!f)
		return false;
	len = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[len] = '\0';
	for (tok = strtok_r(buf, ",\n", &save); tok; tok = strtok_r(NULL, ",\n", &save))
		if (!strcmp(tok, "bpf"))
			return true;
	return false;
}

static int check_bpf_lsm(void)
{
	if (bpf_lsm_active())
		return 0;
	err_msg("the BPF LSM is not active: boot with lsm=...,bpf (see " LSM_FILE ")");
	return EXIT_RUNTIME;
}

static int check_kernel_btf(void)
{
	if (!access(VMLINUX_BTF, R_OK))
		return 0;
	err_msg("kernel has no BTF (%s: %s): boot a kernel built with CONFIG_DEBUG_INFO_BTF=y",
		VMLINUX_BTF, strerror(errno));
	return EXIT_RUNTIME;
}

/*
 * Whether the kernel has the hook, asked only once a load failed: parsing
 * the kernel's BTF again costs what libbpf's own parse does (half a
 * second of a load under TCG).
 */
static int check_pid_choose_hook(void)
{
	struct btf *btf;
	int id;

	btf = btf__load_vmlinux_btf();
	if (!btf) {
		err_msg("failed to load kernel BTF from %s: %s", VMLINUX_BTF,
			strerror(errno));
		return EXIT_RUNTIME;
	}
	id = btf__find_by_name_kind(btf, HOOK_FUNC, BTF_KIND_FUNC);
	btf__free(btf);
	if (id > 0)
		return 0;
	err_msg("this kernel has no pid_choose LSM hook: boot a kernel with the clone2 pid policy patches");
	return EXIT_RUNTIME;
}

static int check_bpf_fs(void)
{
	struct statfs st;

	if (!statfs(BPF_FS, &st) && st.f_type == BPF_FS_MAGIC)
		return 0;
	err_msg(BPF_FS " is not a bpf filesystem: mount it with 'mount -t bpf bpf " BPF_FS "'");
	return EXIT_RUNTIME;
}

/*
 * Remove every pin under the locked pin directory dir but the readers'
 * lock: the link pins first, in the reverse of attach_order (the hook's
 * first, so nothing is charged once the counting programs go), then
 * everything else. What unload does, what a failed load undoes, and how a
 * load starts clean from pins an interrupted load or unload left.
 */
static int remove_pins(int dir)
{
	char path[PATH_MAX];
	struct dirent *de;
	int err = 0, fd;
	DIR *d;
	size_t i;

	for (i = NR_PROGS; i--;) {
		snprintf(path, sizeof(path), "%s/%s_link", PIDPOLICY_PIN_DIR, attach_order[i]);
		if (unlink(path) && errno != ENOENT) {
			err_msg("failed to remove %s: %s", path, strerror(errno));
			return EXIT_RUNTIME;
		}
	}
	fd = openat(dir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	d = fd < 0 ? NULL : fdopendir(fd);
	if (!d) {
		err_msg("failed to read %s: %s", PIDPOLICY_PIN_DIR, strerror(errno));
		if (fd >= 0)
			close(fd);
		return EXIT_RUNTIME;
	}
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
		    !strcmp(de->d_name, PIDPOLICY_READERS_LOCK_NAME))
			continue;
		if (!unlinkat(dir, de->d_name, de->d_type == DT_DIR ? AT_REMOVEDIR : 0))
			continue;
		err_msg("failed to remove %s/%s: %s", PIDPOLICY_PIN_DIR, de->d_name,
			strerror(errno));
		err = EXIT_RUNTIME;
	}
	closedir(d);
	return err;
}

/*
 * Pins without the hook's link are what a load or an unload stopped midway
 * left: maps that no program pruned while namespaces died, programs
 * attached without the hook. Nothing of them can be trusted; the load
 * starts from none of them.
 */
static int remove_incomplete_load(int dir)
{
	if (!is_incomplete())
		return 0;
	note_msg("removing the pins of a load or unload that did not finish");
	return remove_pins(dir);
}

/* Pin prog as DIR/<name> and its link as DIR/<name>_link. */
static int pin_prog_and_link(struct bpf_program *prog, struct bpf_link *link)
{
	const char *name = bpf_program__name(prog);
	char path[PATH_MAX];
	int err;

	snprintf(path, sizeof(path), "%s/%s", PIDPOLICY_PIN_DIR, name);
	err = bpf_program__pin(prog, path);
	if (!err) {
		strncat(path, "_link", sizeof(path) - strlen(path) - 1);
		err = bpf_link__pin(link, path);
	}
	if (err) {
		err_msg("failed to pin program %s at %s: %s", name, path, strerror(-err));
		return EXIT_RUNTIME;
	}
	return 0;
}

/*
 * Attach the programs attach_order[from, to): the hook goes last, alone. The
 * skeleton would attach the hook first: a pid it charged while
 * alloc_pid_exit or free_pid_entry is not yet attached would never be given
 * back.
 */
static int attach_progs(struct pidpolicy_bpf *skel, struct bpf_link **links,
			size_t from, size_t to)
{
	struct bpf_program *prog;
	size_t i;

	for (i = from; i < to; i++) {
		prog = bpf_object__find_program_by_name(skel->obj, attach_order[i]);
		links[i] = prog ? bpf_program__attach(prog) : NULL;
		if (!links[i]) {
			err_msg("failed to attach program %s: %s", attach_order[i],
				strerror(prog ? errno : ENOENT));
			return EXIT_RUNTIME;
		}
	}
	return 0;
}

/* Pin each program and link, the hook's last: the mark of a complete load. */
static int pin_progs(struct pidpolicy_bpf *skel, struct bpf_link **links)
{
	struct bpf_program *prog;
	size_t i;
	int err;

	for (i = 0; i < NR_PROGS; i++) {
		prog = bpf_object__find_program_by_name(skel->obj, attach_order[i]);
		err = pin_prog_and_link(prog, links[i]);
		if (err)
			return err;
	}
	return 0;
}

/*
 * Load the skeleton; libbpf pins each map by name (LIBBPF_PIN_BY_NAME in
 * the BPF object) under the pin_root_path it was opened with,
 * PIDPOLICY_PIN_DIR/<map>, which holds no map yet.
 */
static int load_skel(struct pidpolicy_bpf *skel)
{
	int err = pidpolicy_bpf__load(skel);

	if (!err)
		return 0;
	err_msg("failed to load BPF programs: %s (run with -v for the verifier log)",
		strerror(-err));
	check_pid_choose_hook();	/* says so when the kernel is the reason */
	return EXIT_RUNTIME;
}

/*
 * What guest tenants may hold of the maps their namespaces and processes
 * fill: a 64th each, half all together, so that the host keeps half and
 * one tenant exhausts only its own share.
 */
static int set_tenant_shares(struct pidpolicy_bpf *skel)
{
	const struct bpf_map *fills[PIDPOLICY_SHARES] = {
		[PIDPOLICY_SHARE_NAMESPACES] = skel->maps.chosen_live,
		[PIDPOLICY_SHARE_PIDS] = skel->maps.charged,
	};
	int fd = bpf_map__fd(skel->maps.config);
	__u32 i, slot;
	__u64 n;

	for (i = 0; i < PIDPOLICY_SHARES; i++) {
		n = bpf_map__max_entries(fills[i]) / 64;
		slot = PIDPOLICY_CONFIG_TENANT_SHARE + i;
		if (bpf_map_update_elem(fd, &slot, &n, BPF_ANY))
			goto fail;
		n = bpf_map__max_entries(fills[i]) / 2;
		slot = PIDPOLICY_CONFIG_GUESTS_SHARE + i;
		if (bpf_map_update_elem(fd, &slot, &n, BPF_ANY))
			goto fail;
	}
	return 0;
fail:
	err_msg("failed to write the tenants' shares to map config: %s", strerror(errno));
	return EXIT_RUNTIME;
}

/* The freshly loaded maps filled with policy p, before anything is attached. */
static int fill_maps(struct pidpolicy_bpf *skel, int dir, const struct policy *p,
		     const char *name)
{
#define SKEL_MAP_FD(name, type, key, value)	.name = bpf_map__fd(skel->maps.name),
	struct pins pins = {
		PINNED_MAPS(SKEL_MAP_FD)
		.dir = dir,
		.readers = -1,		/* no reader before the hook's pin */
	};
#undef SKEL_MAP_FD

	int err = read_gen(&pins);

	if (err)
		return err;
	return apply_policy(&pins, p, name);
}

/* What load did, as a line on stdout; none with -j (main prints null). */
static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void say(const char *fmt, ...)
{
	va_list ap;

	if (output_json())
		return;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
}

/* `load --policy FILE` when loaded already: FILE replaces the policy. */
static int reapply(const char *path, const struct policy *p)
{
	struct pins pins = PINS_INIT;
	int err = open_pins(&pins, PINS_APPLY);

	if (!err)
		err = apply_policy(&pins, p, path);
	close_pins(&pins);
	if (!err)
		say("pidpolicy: already loaded: applied %s\n", path);
	return err;
}

/*
 * Where FILE cannot be applied whole the hook still goes on, with no rule
 * and as default the strictest mode the file names (enforce where it names
 * none or cannot be read): a boot with a broken file refuses chosen pids
 * rather than leaving the host without a policy.
 */
static __u32 fail_closed_mode(const struct policy *file)
{
	__u32 mode = PIDPOLICY_MODE_UNSET;
	size_t i;

	/* the strictest the file names: a namespace it enforces stays enforced */
	for (i = 0; i < file->nr_modes; i++)
		if (file->modes[i].mode > mode && file->modes[i].mode <= PIDPOLICY_MODE_ENFORCE)
			mode = file->modes[i].mode;
	return mode == PIDPOLICY_MODE_UNSET ? PIDPOLICY_MODE_ENFORCE : mode;
}

/*
 * Fill the fresh maps with p, read from path with status file_err; where
 * that fails, with the fail-closed policy, *not_applied then FILE's exit
 * status and *mode its default mode.
 */
static int fill_policy(struct pidpolicy_bpf *skel, int dir, const struct policy *p,
		       const char *path, int file_err, int *not_applied, __u32 *mode)
{
	struct policy_mode closed_mode = {
		.ns_inum = PIDPOLICY_NS_ANY, .mode = fail_closed_mode(p),
	};
	struct policy closed = { .modes = &closed_mode, .nr_modes = 1 };
	int err = file_err;

	if (!err)
		err = fill_maps(skel, dir, p, path);
	if (!err)
		return 0;
	*not_applied = err;
	*mode = closed_mode.mode;
	return fill_maps(skel, dir, &closed, "the fail-closed policy");
}

/*
 * A fresh load under the locked, empty pin directory dir. Whole state or
 * none: the maps hold the policy before the hook is attached, so there is
 * no moment without it; a load that fails removes every pin it made.
 */
static int load_fresh(const struct env *env, int dir, const struct policy *p,
		      int file_err, int *not_applied, __u32 *closed_mode)
{
	LIBBPF_OPTS(bpf_object_open_opts, open_opts, .pin_root_path = PIDPOLICY_PIN_DIR);
	struct bpf_link *links[NR_PROGS] = {};
	struct pidpolicy_bpf *skel;
	size_t i;
	int err;

	skel = pidpolicy_bpf__open_opts(&open_opts);
	if (!skel) {
		err_msg("failed to open BPF skeleton: %s", strerror(errno));
		return EXIT_RUNTIME;
	}
	/*
	 * retire_ns runs before the maps are filled: a namespace that dies
	 * after its entries are written takes them with it.
	 */
	err = load_skel(skel);
	if (!err)
		err = set_tenant_shares(skel);
	if (!err)
		err = attach_progs(skel, links, 0, NR_PROGS - 1);
	if (!err && env->policy_arg)
		err = fill_policy(skel, dir, p, env->policy_arg, file_err, not_applied,
				  closed_mode);
	if (!err)
		err = attach_progs(skel, links, NR_PROGS - 1, NR_PROGS);
	if (!err)
		err = pin_progs(skel, links);
	if (err)
		remove_pins(dir);
	for (i = 0; i < NR_PROGS; i++)
		bpf_link__destroy(links[i]);	/* the pins keep them attached */
	pidpolicy_bpf__destroy(skel);
	return err;
}

/* The pin directory, locked and checked; -1 after printing why not. */
static int open_pin_dir(void)
{
	int dir = lock_pin_dir(true);

	if (dir < 0 && (errno == EPERM || errno == ELOOP || errno == ENOTDIR))
		check_pin_dir(dir);	/* not root's, a symlink or a file: says so */
	else if (dir < 0)
		err_msg("failed to create %s: %s", PIDPOLICY_PIN_DIR, strerror(errno));
	else if (check_pin_dir(dir)) {
		close(dir);
		dir = -1;
	}
	return dir;
}

/* load under the locked pin directory dir, with nothing loaded. */
static int load_locked(const struct env *env, int dir, const struct policy *p,
		       int file_err)
{
	__u32 closed_mode = PIDPOLICY_MODE_ENFORCE;
	int err, not_applied = 0;

	err = remove_incomplete_load(dir);
	if (err)
		return err;
	if (mkdir(PIDPOLICY_READERS_LOCK, 0700) && errno != EEXIST) {
		err_msg("failed to create %s: %s", PIDPOLICY_READERS_LOCK, strerror(errno));
		return EXIT_RUNTIME;
	}
	err = load_fresh(env, dir, p, file_err, &not_applied, &closed_mode);
	if (err)
		return err;
	if (not_applied) {
		err_msg("%s was not applied: loaded with no rule and mode default %s instead; fix the file, then run 'pidpolicy apply %s'",
			env->policy_arg, mode_name(closed_mode), env->policy_arg);
		return not_applied;
	}
	if (env->policy_arg)
		say("loaded with the policy of %s\n", env->policy_arg);
	else
		say("loaded: set a mode to apply the policy, e.g. 'pidpolicy mode --default audit'\n");
	return 0;
}

/* load when loaded already: the file, if any, replaces the policy. */
static int load_again(const struct env *env, const struct policy *p, int file_err)
{
	if (file_err) {
		note_msg("the policy in force is unchanged");
		return file_err;
	}
	if (env->policy_arg)
		return reapply(env->policy_arg, p);
	say("pidpolicy: already loaded\n");
	return 0;
}

int cmd_load(const struct env *env, const struct pins *pins)
{
	int err, file_err = 0, dir = -1;
	struct policy p = {};
	bool loaded;

	(void)pins;
	err = check_bpf_lsm();
	if (!err)
		err = check_kernel_btf();
	if (err)
		return err;
	if (env->policy_arg)
		file_err = read_policy_file(env->policy_arg, &p);
	loaded = is_loaded();
	if (!loaded) {
		err = check_bpf_fs();
		if (!err)
			dir = open_pin_dir();
		if (!err && dir < 0)
			err = EXIT_RUNTIME;
		loaded = is_loaded();	/* by a load we waited for */
	}
	if (!err && !loaded)
		err = load_locked(env, dir, &p, file_err);
	if (dir >= 0)
		close(dir);	/* drops the lock */
	if (!err && loaded)
		err = load_again(env, &p, file_err);
	policy_free(&p);
	return err;
}

int cmd_unload(const struct env *env, const struct pins *unused)
{
	struct pins pins = PINS_INIT;
	int err;

	(void)env;
	(void)unused;
	err = lock_for_unload(&pins);
	if (err == -ENOENT) {
		err_msg("not loaded");
		return EXIT_RUNTIME;
	}
	if (err == -EPERM || err == -ELOOP || err == -ENOTDIR) {
		check_pin_dir(-1);	/* not root's, a symlink or a file: says so */
		return EXIT_RUNTIME;
	}
	if (err) {
		err_msg("failed to lock %s: %s", PIDPOLICY_PIN_DIR, strerror(-err));
		close_pins(&pins);
		return EXIT_RUNTIME;
	}
	err = remove_pins(pins.dir);
	if (!err && rmdir(PIDPOLICY_READERS_LOCK) && errno != ENOENT) {
		err_msg("failed to remove %s: %s", PIDPOLICY_READERS_LOCK, strerror(errno));
		err = EXIT_RUNTIME;
	}
	if (!err && rmdir(PIDPOLICY_PIN_DIR)) {
		err_msg("failed to remove %s: %s", PIDPOLICY_PIN_DIR, strerror(errno));
		err = EXIT_RUNTIME;
	}
	close_pins(&pins);	/* drops the locks, once the directory is gone */
	return err;
}
