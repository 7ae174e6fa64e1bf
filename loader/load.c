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

static int check_pid_choose_hook(void)
{
	struct btf *btf;
	int id;

	if (access(VMLINUX_BTF, R_OK)) {
		err_msg("kernel has no BTF (%s: %s): boot a kernel built with CONFIG_DEBUG_INFO_BTF=y",
			VMLINUX_BTF, strerror(errno));
		return EXIT_RUNTIME;
	}
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
 * State of the programs' runs, not policy: a load starts it afresh. Pins
 * left by an earlier load missed every exit and free_pid() meanwhile, and
 * a stale charge at a reused struct pid address would never be given back.
 */
static const char *const runtime_maps[] = {
	"decisions", "chosen_live", "charging", "charged", "tenants", "event_budget",
	"events", "host_events",
};

static int remove_runtime_pins(void)
{
	char path[PATH_MAX];
	size_t i;

	for (i = 0; i < sizeof(runtime_maps) / sizeof(runtime_maps[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", PIDPOLICY_PIN_DIR, runtime_maps[i]);
		if (unlink(path) && errno != ENOENT) {
			err_msg("failed to remove %s: %s", path, strerror(errno));
			return EXIT_RUNTIME;
		}
	}
	return 0;
}

/* What this load pinned, in order, to undo it if the load fails. */
struct load_undo {
	char names[32][64];		/* under PIDPOLICY_PIN_DIR */
	size_t n;
};

static void undo_add(struct load_undo *u, const char *name, const char *suffix)
{
	if (u->n < sizeof(u->names) / sizeof(u->names[0]))
		snprintf(u->names[u->n++], sizeof(u->names[0]), "%s%s", name, suffix);
}

/* Remove what this load pinned, the last pin first. */
static void undo_load(const struct load_undo *u)
{
	char path[PATH_MAX];
	size_t i = u->n;

	while (i--) {
		snprintf(path, sizeof(path), "%s/%s", PIDPOLICY_PIN_DIR, u->names[i]);
		if (unlink(path) && errno != ENOENT)
			err_msg("failed to remove %s: %s (run 'pidpolicy unload')", path,
				strerror(errno));
	}
}

/* Pin prog as DIR/<name> and its link as DIR/<name>_link. */
static int pin_prog_and_link(struct bpf_program *prog, struct bpf_link *link,
			     struct load_undo *u)
{
	const char *name = bpf_program__name(prog);
	char path[PATH_MAX];
	int err;

	/* a stale pin of a failed load would make pinning fail */
	snprintf(path, sizeof(path), "%s/%s", PIDPOLICY_PIN_DIR, name);
	unlink(path);
	err = bpf_program__pin(prog, path);
	if (!err) {
		undo_add(u, name, "");
		strncat(path, "_link", sizeof(path) - strlen(path) - 1);
		unlink(path);
		err = bpf_link__pin(link, path);
	}
	if (err) {
		err_msg("failed to pin program %s at %s: %s", name, path, strerror(-err));
		return EXIT_RUNTIME;
	}
	undo_add(u, name, "_link");
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
static int pin_progs(struct pidpolicy_bpf *skel, struct bpf_link **links,
		     struct load_undo *u)
{
	struct bpf_program *prog;
	size_t i;
	int err;

	for (i = 0; i < NR_PROGS; i++) {
		prog = bpf_object__find_program_by_name(skel->obj, attach_order[i]);
		err = pin_prog_and_link(prog, links[i], u);
		if (err)
			return err;
	}
	return 0;
}

/*
 * Load the skeleton, whose maps libbpf pins (or reuses where pinned
 * already): each is pinned by name (LIBBPF_PIN_BY_NAME in the BPF object)
 * under the pin_root_path it was opened with, PIDPOLICY_PIN_DIR/<map>. The
 * map pins it made go to u.
 */
static int load_skel(struct pidpolicy_bpf *skel, struct load_undo *u)
{
	bool existed[32] = {};
	struct bpf_map *map;
	const char *path;
	size_t i = 0;
	int err;

	bpf_object__for_each_map(map, skel->obj) {
		path = bpf_map__pin_path(map);
		if (path && i < 32)
			existed[i++] = !access(path, F_OK);
	}
	err = pidpolicy_bpf__load(skel);
	if (err) {
		err_msg("failed to load BPF programs: %s (run with -v for the verifier log)",
			strerror(-err));
		return EXIT_RUNTIME;
	}
	i = 0;
	bpf_object__for_each_map(map, skel->obj) {
		if (!bpf_map__pin_path(map) || i == 32)
			continue;
		if (!existed[i++])
			undo_add(u, bpf_map__name(map), "");
	}
	return 0;
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
	struct pins pins = {
		.rules = bpf_map__fd(skel->maps.rules),
		.rule_pids = bpf_map__fd(skel->maps.rule_pids),
		.ns_policy = bpf_map__fd(skel->maps.ns_policy),
		.decisions = bpf_map__fd(skel->maps.decisions),
		.config = bpf_map__fd(skel->maps.config),
		.chosen_live = bpf_map__fd(skel->maps.chosen_live),
		.rcu_barrier = bpf_map__fd(skel->maps.rcu_barrier),
		.ns_index = bpf_map__fd(skel->maps.ns_index),
		.decision_totals = bpf_map__fd(skel->maps.decision_totals),
		.dir = dir,
		.readers = -1,		/* no reader before the hook's pin */
	};

	return read_gen(&pins) ?: apply_policy(&pins, p, name);
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
	int err = open_pins(&pins, PINS_APPLY) ?: apply_policy(&pins, p, path);

	close_pins(&pins);
	if (!err)
		say("pidpolicy: already loaded: applied %s\n", path);
	return err;
}

/*
 * Whole state or none: with --policy, the maps hold the file's policy before
 * the hook is attached, so there is no moment without it; a load that fails
 * removes what it pinned, in reverse order, so nothing of it stays attached.
 */
int cmd_load(const struct env *env, const struct pins *pins)
{
	LIBBPF_OPTS(bpf_object_open_opts, open_opts, .pin_root_path = PIDPOLICY_PIN_DIR);
	struct bpf_link *links[NR_PROGS] = {};
	struct pidpolicy_bpf *skel = NULL;
	struct load_undo undo = {};
	struct policy p = {};
	bool already;
	int err, dir = -1;
	size_t i;

	(void)pins;
	err = check_bpf_lsm() ?: check_pid_choose_hook();
	if (!err && env->policy_arg)
		err = read_policy_file(env->policy_arg, &p);
	if (err)
		return err;
	already = is_loaded();
	if (!already)
		err = check_bpf_fs();
	if (err || already)
		goto cleanup;
	dir = lock_pin_dir(true);
	if (dir < 0 && (errno == ELOOP || errno == ENOTDIR)) {
		err = check_pin_dir(dir);	/* a symlink or a file */
		goto cleanup;
	}
	if (dir < 0) {
		err_msg("failed to create %s: %s", PIDPOLICY_PIN_DIR, strerror(errno));
		err = EXIT_RUNTIME;
		goto cleanup;
	}
	err = check_pin_dir(dir);
	already = is_loaded();		/* by the load we waited for */
	if (err || already)
		goto cleanup;
	err = remove_runtime_pins();
	if (err)
		goto cleanup;
	if (mkdir(PIDPOLICY_READERS_LOCK, 0700) && errno != EEXIST) {
		err_msg("failed to create %s: %s", PIDPOLICY_READERS_LOCK, strerror(errno));
		err = EXIT_RUNTIME;
		goto cleanup;
	}

	skel = pidpolicy_bpf__open_opts(&open_opts);
	if (!skel) {
		err_msg("failed to open BPF skeleton: %s", strerror(errno));
		err = EXIT_RUNTIME;
		goto cleanup;
	}
	/*
	 * retire_ns runs before the maps are filled: a namespace that dies
	 * after its entries are written takes them with it.
	 */
	err = load_skel(skel, &undo) ?: set_tenant_shares(skel) ?:
	      attach_progs(skel, links, 0, NR_PROGS - 1);
	if (!err && env->policy_arg)
		err = fill_maps(skel, dir, &p, env->policy_arg);
	err = err ?: attach_progs(skel, links, NR_PROGS - 1, NR_PROGS) ?:
		pin_progs(skel, links, &undo);
	if (!err && !env->policy_arg)
		say("loaded: set a mode to apply the policy, e.g. 'pidpolicy mode --default audit'\n");
	else if (!err)
		say("loaded with the policy of %s\n", env->policy_arg);

cleanup:
	if (err)
		undo_load(&undo);
	for (i = 0; i < NR_PROGS; i++)
		bpf_link__destroy(links[i]);	/* the pins keep them attached */
	pidpolicy_bpf__destroy(skel);
	if (dir >= 0)
		close(dir);	/* drops the lock */
	if (!err && already && env->policy_arg)
		err = reapply(env->policy_arg, &p);
	else if (!err && already)
		say("pidpolicy: already loaded\n");
	policy_free(&p);
	return err;
}

int cmd_unload(const struct env *env, const struct pins *pins)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *dir;
	size_t i;
	int err = 0, fd, readers;

	(void)env;
	(void)pins;
	fd = lock_pin_dir(false);
	if (fd < 0 && errno == ENOENT) {
		err_msg("not loaded");
		return EXIT_RUNTIME;
	}
	dir = fd < 0 ? NULL : fdopendir(fd);
	if (!dir) {
		err_msg("failed to open %s: %s", PIDPOLICY_PIN_DIR, strerror(errno));
		if (fd >= 0)
			close(fd);
		return EXIT_RUNTIME;
	}
	/* no reader is halfway through what goes now */
	readers = open(PIDPOLICY_READERS_LOCK, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (readers >= 0)
		flock(readers, LOCK_EX);
	/*
	 * The link pins hold the only references: removing one detaches. The
	 * hook first, so nothing is charged once the counting programs go.
	 */
	for (i = NR_PROGS; i--;) {
		snprintf(path, sizeof(path), "%s/%s_link", PIDPOLICY_PIN_DIR, attach_order[i]);
		if (unlink(path) && errno != ENOENT) {
			err_msg("failed to remove %s: %s", path, strerror(errno));
			err = EXIT_RUNTIME;
			goto out;
		}
	}
	while ((de = readdir(dir))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(path, sizeof(path), "%s/%s", PIDPOLICY_PIN_DIR, de->d_name);
		if (de->d_type == DT_DIR ? rmdir(path) : unlink(path)) {
			err_msg("failed to remove %s: %s", path, strerror(errno));
			err = EXIT_RUNTIME;
		}
	}
	if (!err && rmdir(PIDPOLICY_PIN_DIR)) {
		err_msg("failed to remove %s: %s", PIDPOLICY_PIN_DIR, strerror(errno));
		err = EXIT_RUNTIME;
	}
out:
	if (readers >= 0)
		close(readers);
	closedir(dir);	/* drops the lock, once the directory is gone */
	return err;
}
