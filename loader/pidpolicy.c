// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * pidpolicy: load the pid policy BPF LSM program (bpf/pidpolicy.bpf.c) and
 * edit its pinned maps under /sys/fs/bpf/pidpolicy.
 *
 * Exit status: 0 success, 1 runtime error, 2 usage error. Every edit is
 * validated before any map is touched, and undone if a map update fails.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
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
#include <json-c/json.h>
#include "pidpolicy.h"
#include "pidpolicy.skel.h"
#include "monitor.h"
#include "nshold.h"
#include "parse.h"
#include "policyfile.h"

#define EXIT_RUNTIME	1
#define EXIT_USAGE	2

#define LINK_PIN	PIDPOLICY_PIN_DIR "/pid_choose_link"
#define LSM_FILE	"/sys/kernel/security/lsm"
#define VMLINUX_BTF	"/sys/kernel/btf/vmlinux"
#define BPF_FS		"/sys/fs/bpf"
#define HOOK_FUNC	"bpf_lsm_pid_choose"

#define MSG_ROOT	"must run as root (the policy is in root-only pins under " \
			PIDPOLICY_PIN_DIR ")"
#define MSG_NOT_LOADED	"not loaded: run 'pidpolicy load' first"

static const char usage_text[] =
"Usage: pidpolicy [-v] COMMAND [OPTIONS]\n"
"Choose which pids callers may pick with clone2(), clone3() set_tid and\n"
"ns_last_pid, per pid namespace, through the BPF LSM hook pid_choose.\n"
"\n"
"Commands:\n"
"  load [--policy FILE]       load, fill with FILE, attach and pin under " PIDPOLICY_PIN_DIR "\n"
"  unload                     detach and remove the pins\n"
"  status [--json]            loaded?, BPF LSM active?, modes, decision counters\n"
"  allow  --ns NS [CALLER] --pids RANGES\n"
"  revoke --ns NS [CALLER] [--pids RANGES]\n"
"  mode   (--ns NS | --default) enforce|audit|off\n"
"  limit  --ns NS --max-chosen N|none   live processes with chosen pids, at most\n"
"  show   [--ns NS] [--json]\n"
"  explain --ns NS [--uid UID] [--cgroup PATH] --pid N [--json]\n"
"  explain --ns NS --caller PID --pid N [--json]   as process PID would choose\n"
"  apply  FILE                validate FILE, then make it the whole policy at once\n"
"  dump                       print the active policy in the format of apply\n"
"  monitor [--json] [--all]   print denials (and, with --all, every decision)\n"
"\n"
"  NS      'any', a pid namespace inode number, or /proc/PID/ns/pid\n"
"  CALLER  --uid UID, --cgroup PATH (that cgroup) or --cgroup-tree PATH (that\n"
"          cgroup and every cgroup below it); none: any caller\n"
"  UID     effective uid of the caller, as seen in the initial user namespace\n"
"  PATH    cgroup v2 directory of the caller, e.g. /sys/fs/cgroup/app.slice\n"
"  RANGES  pids and ranges, e.g. 300-999,1000,5000-5999\n"
"\n"
"Options:\n"
"  -v, --verbose              print libbpf debug messages\n"
"  -h, --help                 show this help\n"
"\n"
"Exit status: 0 success, 1 runtime error, 2 usage error.\n";

enum opt_bits {
	OPT_NS		= 1 << 0,
	OPT_UID		= 1 << 1,
	OPT_CGROUP	= 1 << 2,
	OPT_PIDS	= 1 << 3,
	OPT_PID		= 1 << 4,
	OPT_DEFAULT	= 1 << 5,
	OPT_JSON	= 1 << 6,
	OPT_WORD	= 1 << 7,	/* one positional word (the mode) */
	OPT_MAX_CHOSEN	= 1 << 8,
	OPT_ALL		= 1 << 9,
	OPT_CGROUP_TREE	= 1 << 10,
	OPT_CALLER_PID	= 1 << 11,	/* explain --caller PID */
	OPT_POLICY	= 1 << 12,	/* load --policy FILE */
};
#define OPT_CALLER	(OPT_UID | OPT_CGROUP | OPT_CGROUP_TREE)

/* Everything the command line asked for, validated. */
struct env {
	const struct command *cmd;
	bool verbose;
	bool json;
	unsigned int given;		/* enum opt_bits */
	const char *ns_arg, *uid_arg, *cgroup_arg, *pids_arg, *pid_arg, *word;
	const char *max_chosen_arg, *cgroup_tree_arg, *caller_pid_arg, *policy_arg;
	struct pidpolicy_rule_key rule;	/* --ns and the caller */
	struct {			/* explain: the whole caller */
		__u64 uid;		/* UINT64_MAX: none */
		__u64 cgroup_id;	/* 0: none */
		__u64 cgroup_tree[PIDPOLICY_CGROUP_TREE_LEVELS];
	} who;
	struct pid_range *ranges;	/* --pids */
	size_t nr_ranges;
	__u32 pid;			/* --pid */
	__u32 mode;			/* the mode word */
	__u32 max_chosen;		/* --max-chosen, PIDPOLICY_NO_LIMIT for none */
};

/* File descriptors of the pinned maps, and of their directory (locked). */
struct pins {
	int rules;
	int rule_pids;
	int ns_policy;
	int decisions;
	int config;
	int chosen_live;
	int rcu_barrier;
	int ns_index;
	int dir;
	__u32 gen;			/* the active policy generation */
};

#define PINS_INIT { -1, -1, -1, -1, -1, -1, -1, -1, -1, 0 }

struct command {
	const char *name;
	unsigned int allowed;		/* enum opt_bits */
	unsigned int required;
	int needs_pins;			/* run only when loaded, holding this
					 * lock: LOCK_EX to edit, LOCK_SH to read */
	int (*run)(const struct env *env, const struct pins *pins);
};

static bool verbose;


static int libbpf_print_fn(enum libbpf_print_level level, const char *format,
			   va_list args)
{
	if (level == LIBBPF_DEBUG && !verbose)
		return 0;
	return vfprintf(stderr, format, args);
}

/* ---- formatting helpers ------------------------------------------------ */

static void format_ns(__u32 inum, char *buf, size_t len)
{
	if (inum == PIDPOLICY_NS_ANY)
		snprintf(buf, len, "any");
	else
		snprintf(buf, len, "%u", inum);
}

static void format_caller(const struct pidpolicy_rule_key *key, char *buf,
			  size_t len)
{
	if (key->caller_kind == PIDPOLICY_CALLER_UID)
		snprintf(buf, len, "uid:%llu", (unsigned long long)key->caller_id);
	else if (key->caller_kind == PIDPOLICY_CALLER_CGROUP)
		snprintf(buf, len, "cgroup:%llu", (unsigned long long)key->caller_id);
	else if (key->caller_kind == PIDPOLICY_CALLER_CGROUP_TREE)
		snprintf(buf, len, "cgroup-tree:%llu", (unsigned long long)key->caller_id);
	else
		snprintf(buf, len, "any");
}

static const char *caller_kind_name(__u32 kind)
{
	return kind == PIDPOLICY_CALLER_UID ? "uid" :
	       kind == PIDPOLICY_CALLER_CGROUP ? "cgroup" :
	       kind == PIDPOLICY_CALLER_CGROUP_TREE ? "cgroup-tree" : "any";
}

/*
 * "ns" is a number in every JSON output, as in the maps: the namespace's
 * inode, 0 (PIDPOLICY_NS_ANY) for any.
 */
static struct json_object *json_ns(__u32 inum)
{
	return json_object_new_uint64(inum);
}

static struct json_object *json_rule(const struct pidpolicy_rule_key *key)
{
	struct json_object *o = json_object_new_object(), *caller;

	caller = json_object_new_object();
	json_object_object_add(caller, "kind",
			       json_object_new_string(caller_kind_name(key->caller_kind)));
	if (key->caller_kind != PIDPOLICY_CALLER_ANY)
		json_object_object_add(caller, "id",
				       json_object_new_uint64(key->caller_id));
	json_object_object_add(o, "ns", json_ns(key->ns_inum));
	json_object_object_add(o, "caller", caller);
	return o;
}

static void json_print(struct json_object *o)
{
	puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
					       JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

/* ---- map helpers --------------------------------------------------------- */

static int cmp_rule_key_qsort(const void *a, const void *b)
{
	return policy_rule_key_cmp(a, b);
}

static int cmp_ns_key(const void *a, const void *b)
{
	const struct pidpolicy_ns_key *x = a, *y = b;

	return x->ns_inum < y->ns_inum ? -1 : x->ns_inum > y->ns_inum;
}

/* Drop repeated keys from sorted keys[0..n); returns the new count. */
static size_t dedupe_sorted(void *keys, size_t n, size_t key_size)
{
	char *k = keys;
	size_t i, j;

	for (i = 0, j = 0; i < n; i++) {
		if (j && !memcmp(k + (j - 1) * key_size, k + i * key_size, key_size))
			continue;
		memmove(k + j * key_size, k + i * key_size, key_size);
		j++;
	}
	return j;
}

#define MAP_BATCH	4096	/* entries per batch syscall */

/*
 * All entries of hash map fd, as *n keys of key_size bytes and values of
 * value_size bytes (per-CPU maps: rounded up to 8, times the CPUs), in
 * malloc'ed arrays. Read in batches: a get_next_key walk costs a syscall per
 * key, 10 s on a policy of 100,000 rules in the test VM.
 */
static int map_entries(int fd, size_t key_size, size_t value_size,
		       void **keys, void **values, size_t *n)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	char *k = NULL, *v = NULL, *tmp;
	__u64 token;			/* where the walk stands: a bucket */
	size_t cap = 0;
	__u32 count;
	int err;

	*n = 0;
	for (;;) {
		if (cap - *n < MAP_BATCH) {
			cap += cap ? cap : MAP_BATCH;
			tmp = realloc(k, cap * key_size);
			if (tmp)
				k = tmp;
			tmp = tmp ? realloc(v, cap * value_size) : NULL;
			if (!tmp) {
				err = -ENOMEM;
				break;
			}
			v = tmp;
		}
		count = MAP_BATCH;
		err = bpf_map_lookup_batch(fd, *n ? &token : NULL, &token,
					   k + *n * key_size, v + *n * value_size,
					   &count, &opts);
		if (err && errno != ENOENT) {
			err = -errno;
			break;
		}
		*n += count;
		if (err) {		/* ENOENT: that was the last batch */
			err = 0;
			break;
		}
	}
	if (err) {
		free(k);
		free(v);
		return err;
	}
	*keys = k;
	*values = v;
	return 0;
}

/* All keys of hash map fd, in a malloc'ed array of *n keys of key_size bytes. */
static int map_keys(int fd, size_t key_size, void **keys, size_t *n)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	size_t value_size;
	void *values = NULL;
	int ncpus, err;

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	value_size = info.value_size;
	if (info.type == BPF_MAP_TYPE_PERCPU_HASH || info.type == BPF_MAP_TYPE_LRU_PERCPU_HASH) {
		ncpus = libbpf_num_possible_cpus();
		if (ncpus < 0)
			return ncpus;
		value_size = (value_size + 7) / 8 * 8 * (size_t)ncpus;
	}
	err = map_entries(fd, key_size, value_size, keys, &values, n);
	free(values);
	return err;
}

/* Entries to write to a map, a batch syscall per MAP_BATCH of them. */
struct map_writes {
	size_t key_size, value_size;
	size_t n, cap;
	char *keys, *values;
};

static int map_writes_add(struct map_writes *w, const void *key, const void *value)
{
	char *tmp;

	if (w->n == w->cap) {
		w->cap = w->cap ? w->cap * 2 : MAP_BATCH;
		tmp = realloc(w->keys, w->cap * w->key_size);
		if (tmp)
			w->keys = tmp;
		tmp = tmp ? realloc(w->values, w->cap * w->value_size) : NULL;
		if (!tmp)
			return -ENOMEM;
		w->values = tmp;
	}
	memcpy(w->keys + w->n * w->key_size, key, w->key_size);
	memcpy(w->values + w->n * w->value_size, value, w->value_size);
	w->n++;
	return 0;
}

static int map_writes_flush(int fd, const struct map_writes *w)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts, .elem_flags = BPF_ANY);
	size_t done;
	__u32 count;

	for (done = 0; done < w->n; done += count) {
		count = (__u32)(w->n - done < MAP_BATCH ? w->n - done : MAP_BATCH);
		if (bpf_map_update_batch(fd, w->keys + done * w->key_size,
					 w->values + done * w->value_size, &count, &opts))
			return -errno;
	}
	return 0;
}

static void map_writes_free(struct map_writes *w)
{
	free(w->keys);
	free(w->values);
}

/* Delete keys[0..n) from map fd in batches; keys already gone are fine. */
static int map_delete_keys(int fd, const void *keys, size_t key_size, size_t n)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	const char *k = keys;
	size_t done = 0;
	__u32 count;

	while (done < n) {
		count = (__u32)(n - done < MAP_BATCH ? n - done : MAP_BATCH);
		if (!bpf_map_delete_batch(fd, k + done * key_size, &count, &opts)) {
			done += count;
			continue;
		}
		if (errno != ENOENT)
			return -errno;
		done += count + 1;	/* count were deleted, the next was gone */
	}
	return 0;
}

/* A chunk of a rule, as read from map rule_pids. */
struct chunk_entry {
	struct pidpolicy_chunk_key key;
	struct pidpolicy_chunk bits;
};

static int cmp_chunk_entry(const void *a, const void *b)
{
	const struct chunk_entry *x = a, *y = b;
	int c = policy_rule_key_cmp(&x->key.rule, &y->key.rule);

	if (c)
		return c;
	return x->key.first_pid < y->key.first_pid ? -1 :
	       x->key.first_pid > y->key.first_pid;
}

/* The chunks of rule (all chunks if rule is NULL), sorted by rule and pid. */
static int read_chunks(const struct pins *pins,
		       const struct pidpolicy_rule_key *rule,
		       struct chunk_entry **out, size_t *n)
{
	struct pidpolicy_chunk_key *keys = NULL;
	struct pidpolicy_chunk *bits = NULL;
	struct chunk_entry *e;
	size_t nkeys, i;
	int err;

	err = map_entries(pins->rule_pids, sizeof(*keys), sizeof(*bits),
			  (void **)&keys, (void **)&bits, &nkeys);
	if (err)
		return err;
	e = calloc(nkeys ? nkeys : 1, sizeof(*e));
	if (!e) {
		free(keys);
		free(bits);
		return -ENOMEM;
	}
	*n = 0;
	for (i = 0; i < nkeys; i++) {
		if (rule ? policy_rule_key_cmp(&keys[i].rule, rule) != 0 :
			   keys[i].rule.gen != pins->gen)
			continue;
		e[*n].key = keys[i];
		e[*n].bits = bits[i];
		(*n)++;
	}
	free(keys);
	free(bits);
	qsort(e, *n, sizeof(*e), cmp_chunk_entry);
	*out = e;
	return 0;
}

/* The ranges held by chunks c[0..n), which are sorted by first_pid. */
static int chunks_ranges(const struct chunk_entry *c, size_t n,
			 struct range_list *l)
{
	size_t i;
	int err;

	for (i = 0; i < n; i++) {
		err = range_list_add_chunk(l, c[i].key.first_pid, &c[i].bits);
		if (err)
			return err;
	}
	return 0;
}

/* What the active policy holds for ns_inum (unset if nothing); -errno. */
static int read_ns_policy(const struct pins *pins, __u32 ns_inum,
			  struct pidpolicy_ns_policy *val)
{
	struct pidpolicy_ns_policy_key key = { .gen = pins->gen, .ns_inum = ns_inum };

	if (!bpf_map_lookup_elem(pins->ns_policy, &key, val))
		return 0;
	val->mode = PIDPOLICY_MODE_UNSET;
	val->max_chosen = PIDPOLICY_NO_LIMIT;
	return errno == ENOENT ? 0 : -errno;
}

/* The mode stored for ns_inum, or PIDPOLICY_MODE_UNSET; -errno on error. */
static int read_mode(const struct pins *pins, __u32 ns_inum, __u32 *mode)
{
	struct pidpolicy_ns_policy val;
	int err = read_ns_policy(pins, ns_inum, &val);

	*mode = val.mode;
	return err;
}

/* Live processes holding a pid chosen in ns_inum; -errno on error. */
static int read_chosen_live(const struct pins *pins, __u32 ns_inum, __s64 *live)
{
	struct pidpolicy_ns_key key = { .ns_inum = ns_inum };
	struct pidpolicy_chosen val;

	*live = 0;
	if (bpf_map_lookup_elem(pins->chosen_live, &key, &val))
		return errno == ENOENT ? 0 : -errno;
	*live = val.live;
	return 0;
}

/* ---- pins ------------------------------------------------------------------ */

static const struct pinned_map {
	const char *name;
	size_t offset;			/* of its fd in struct pins */
	__u32 key_size;
	__u32 value_size;
} pinned_maps[] = {
	{ "rules", offsetof(struct pins, rules),
	  sizeof(struct pidpolicy_rule_key), sizeof(struct pidpolicy_rule) },
	{ "rule_pids", offsetof(struct pins, rule_pids),
	  sizeof(struct pidpolicy_chunk_key), sizeof(struct pidpolicy_chunk) },
	{ "ns_policy", offsetof(struct pins, ns_policy),
	  sizeof(struct pidpolicy_ns_policy_key), sizeof(struct pidpolicy_ns_policy) },
	{ "decisions", offsetof(struct pins, decisions),
	  sizeof(struct pidpolicy_ns_key), sizeof(struct pidpolicy_decisions) },
	{ "config", offsetof(struct pins, config), sizeof(__u32), sizeof(__u64) },
	{ "chosen_live", offsetof(struct pins, chosen_live),
	  sizeof(struct pidpolicy_ns_key), sizeof(struct pidpolicy_chosen) },
	{ "rcu_barrier", offsetof(struct pins, rcu_barrier), sizeof(__u32), sizeof(__u32) },
	{ "ns_index", offsetof(struct pins, ns_index),
	  sizeof(struct pidpolicy_ns_key), sizeof(struct pidpolicy_ns_index) },
};

#define PIN_FD(pins, m) ((int *)((char *)(pins) + (m)->offset))

static int check_root(void)
{
	if (geteuid() == 0)
		return 0;
	err_msg(MSG_ROOT);
	return EXIT_RUNTIME;
}

/*
 * The programs in the order load attaches them: those that count chosen
 * pids first, so every pid the hook charges is given back; unload detaches
 * in the reverse order, the hook first.
 */
static const char *const attach_order[] = {
	"retire_ns", "free_pid_entry", "alloc_pid_exit", "pid_choose",
};
#define NR_PROGS	(sizeof(attach_order) / sizeof(attach_order[0]))

/* The hook's link is pinned last: its pin marks a complete load. */
static bool is_loaded(void)
{
	return access(LINK_PIN, F_OK) == 0;
}

/* Pins of a load that did not finish (no hook link, but other pins). */
static bool is_incomplete(void)
{
	char path[PATH_MAX];
	size_t i;

	if (is_loaded())
		return false;
	for (i = 0; i < NR_PROGS; i++) {
		snprintf(path, sizeof(path), "%s/%s_link", PIDPOLICY_PIN_DIR, attach_order[i]);
		if (!access(path, F_OK))
			return true;
	}
	return false;
}

static void close_pins(struct pins *pins)
{
	size_t i;

	for (i = 0; i < sizeof(pinned_maps) / sizeof(pinned_maps[0]); i++) {
		int *fd = PIN_FD(pins, &pinned_maps[i]);

		if (*fd >= 0)
			close(*fd);
		*fd = -1;
	}
	if (pins->dir >= 0)
		close(pins->dir);	/* drops the lock */
	pins->dir = -1;
}

static int open_pin(const struct pinned_map *m, int *fd)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", PIDPOLICY_PIN_DIR, m->name);
	*fd = bpf_obj_get(path);
	if (*fd < 0 && errno == ENOENT) {
		err_msg(MSG_NOT_LOADED);
		return EXIT_RUNTIME;
	}
	if (*fd < 0 && (errno == EACCES || errno == EPERM)) {
		err_msg(MSG_ROOT);
		return EXIT_RUNTIME;
	}
	if (*fd < 0) {
		err_msg("failed to open pinned map %s: %s", path, strerror(errno));
		return EXIT_RUNTIME;
	}
	if (bpf_obj_get_info_by_fd(*fd, &info, &len) ||
	    info.key_size != m->key_size || info.value_size != m->value_size) {
		err_msg("pinned map %s does not match this pidpolicy: run 'pidpolicy unload' and 'pidpolicy load'",
			path);
		return EXIT_RUNTIME;
	}
	return 0;
}

/* The active policy generation, config[PIDPOLICY_CONFIG_GEN]. */
static int read_gen(struct pins *pins)
{
	__u32 slot = PIDPOLICY_CONFIG_GEN;
	__u64 gen;

	if (bpf_map_lookup_elem(pins->config, &slot, &gen)) {
		err_msg("failed to read the policy generation: %s", strerror(errno));
		return EXIT_RUNTIME;
	}
	pins->gen = (__u32)gen;
	return 0;
}

/*
 * Open every pinned map, holding the lock of their directory: LOCK_EX so
 * that edits (read-modify-write of chunks, apply's generations) do not
 * interleave, LOCK_SH for readers, who may run together. Prints the error
 * and returns an exit status.
 */
static int open_pins(struct pins *pins, int lock)
{
	size_t i;
	int err;

	if (!is_loaded()) {
		err_msg(errno == EACCES ? MSG_ROOT : MSG_NOT_LOADED);
		return EXIT_RUNTIME;
	}
	pins->dir = open(PIDPOLICY_PIN_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (pins->dir < 0 || flock(pins->dir, lock)) {
		err_msg("failed to lock %s: %s", PIDPOLICY_PIN_DIR, strerror(errno));
		return EXIT_RUNTIME;
	}
	for (i = 0; i < sizeof(pinned_maps) / sizeof(pinned_maps[0]); i++) {
		err = open_pin(&pinned_maps[i], PIN_FD(pins, &pinned_maps[i]));
		if (err)
			return err;
	}
	return read_gen(pins);
}

/* ---- checks of the running kernel --------------------------------------- */

static bool bpf_lsm_active(void)
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

/* ---- load / unload ----------------------------------------------------- */

/*
 * Open and lock the pin directory (made first if create), as the edits do:
 * two loads at once would each attach and pin a set of programs over the
 * other's. An unload we waited for may have removed it: then start over.
 * The locked fd, or -1 with errno set.
 */
static int lock_pin_dir(bool create)
{
	struct stat locked, now;
	int fd;

	for (;;) {
		if (create && mkdir(PIDPOLICY_PIN_DIR, 0700) && errno != EEXIST)
			return -1;
		fd = open(PIDPOLICY_PIN_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 && errno == ENOENT && create)
			continue;
		if (fd < 0)
			return -1;
		if (flock(fd, LOCK_EX) || fstat(fd, &locked)) {
			close(fd);
			return -1;
		}
		if (!lstat(PIDPOLICY_PIN_DIR, &now) && now.st_dev == locked.st_dev &&
		    now.st_ino == locked.st_ino)
			return fd;
		close(fd);
		if (!create) {
			errno = ENOENT;
			return -1;
		}
	}
}

/*
 * The bpffs root is often world-writable (1777, as a plain mount makes it):
 * whoever made the pin directory could remove our pins, the hook's link
 * among them, which detaches the policy. It must be root's alone.
 */
static int check_pin_dir(int dir)
{
	struct stat st;

	if (!fstat(dir, &st) && st.st_uid == 0 && !(st.st_mode & (S_IWGRP | S_IWOTH)))
		return 0;
	err_msg("%s is not a directory only root can write to: remove it, then load",
		PIDPOLICY_PIN_DIR);
	return EXIT_RUNTIME;
}

/*
 * State of the programs' runs, not policy: a load starts it afresh. Pins
 * left by an earlier load missed every exit and free_pid() meanwhile, and
 * a stale charge at a reused struct pid address would never be given back.
 */
static const char *const runtime_maps[] = {
	"decisions", "chosen_live", "charging", "charged", "event_budget",
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
 * already); the map pins it made go to u.
 */
static int load_skel(struct pidpolicy_bpf *skel, struct load_undo *u)
{
	char path[PATH_MAX];
	bool existed[32] = {};
	struct bpf_map *map;
	size_t i = 0;
	int err;

	bpf_object__for_each_map(map, skel->obj) {
		if (bpf_map__is_internal(map) || i == 32)
			continue;
		snprintf(path, sizeof(path), "%s/%s", PIDPOLICY_PIN_DIR, bpf_map__name(map));
		existed[i++] = !access(path, F_OK);
		err = bpf_map__set_pin_path(map, path);
		if (err) {
			err_msg("failed to set the pin path of map %s: %s", bpf_map__name(map),
				strerror(-err));
			return EXIT_RUNTIME;
		}
	}
	err = pidpolicy_bpf__load(skel);
	if (err) {
		err_msg("failed to load BPF programs: %s (run with -v for the verifier log)",
			strerror(-err));
		return EXIT_RUNTIME;
	}
	i = 0;
	bpf_object__for_each_map(map, skel->obj) {
		if (bpf_map__is_internal(map) || i == 32)
			continue;
		if (!existed[i++])
			undo_add(u, bpf_map__name(map), "");
	}
	return 0;
}

static int read_policy_file(const char *path, struct policy *p);
static int apply_policy(const struct pins *pins, const struct policy *p,
			const char *name);

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
		.dir = dir,
	};

	return read_gen(&pins) ?: apply_policy(&pins, p, name);
}

/* `load --policy FILE` when loaded already: FILE replaces the policy. */
static int reapply(const char *path, const struct policy *p)
{
	struct pins pins = PINS_INIT;
	int err = open_pins(&pins, LOCK_EX) ?: apply_policy(&pins, p, path);

	close_pins(&pins);
	if (!err)
		printf("pidpolicy: already loaded: applied %s\n", path);
	return err;
}

/*
 * Whole state or none: with --policy, the maps hold the file's policy before
 * the hook is attached, so there is no moment without it; a load that fails
 * removes what it pinned, in reverse order, so nothing of it stays attached.
 */
static int cmd_load(const struct env *env, const struct pins *pins)
{
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

	skel = pidpolicy_bpf__open();
	if (!skel) {
		err_msg("failed to open BPF skeleton: %s", strerror(errno));
		err = EXIT_RUNTIME;
		goto cleanup;
	}
	/*
	 * retire_ns runs before the maps are filled: a namespace that dies
	 * after its entries are written takes them with it.
	 */
	err = load_skel(skel, &undo) ?: attach_progs(skel, links, 0, NR_PROGS - 1);
	if (!err && env->policy_arg)
		err = fill_maps(skel, dir, &p, env->policy_arg);
	err = err ?: attach_progs(skel, links, NR_PROGS - 1, NR_PROGS) ?:
		pin_progs(skel, links, &undo);
	if (!err && !env->policy_arg)
		printf("loaded: set a mode to apply the policy, e.g. 'pidpolicy mode --default audit'\n");
	else if (!err)
		printf("loaded with the policy of %s\n", env->policy_arg);

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
		printf("pidpolicy: already loaded\n");
	policy_free(&p);
	return err;
}

static int cmd_unload(const struct env *env, const struct pins *pins)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *dir;
	size_t i;
	int err = 0, fd;

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
	/*
	 * The link pins hold the only references: removing one detaches. The
	 * hook first, so nothing is charged once the counting programs go.
	 */
	for (i = NR_PROGS; i--;) {
		snprintf(path, sizeof(path), "%s/%s_link", PIDPOLICY_PIN_DIR, attach_order[i]);
		if (unlink(path) && errno != ENOENT) {
			err_msg("failed to remove %s: %s", path, strerror(errno));
			closedir(dir);
			return EXIT_RUNTIME;
		}
	}
	while ((de = readdir(dir))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(path, sizeof(path), "%s/%s", PIDPOLICY_PIN_DIR, de->d_name);
		if (unlink(path)) {
			err_msg("failed to remove %s: %s", path, strerror(errno));
			err = EXIT_RUNTIME;
		}
	}
	if (!err && rmdir(PIDPOLICY_PIN_DIR)) {
		err_msg("failed to remove %s: %s", PIDPOLICY_PIN_DIR, strerror(errno));
		err = EXIT_RUNTIME;
	}
	closedir(dir);	/* drops the lock, once the directory is gone */
	return err;
}

/* ---- allow / revoke ------------------------------------------------------ */

/* One chunk about to change, with its old content to undo the change. */
struct chunk_edit {
	struct pidpolicy_chunk_key key;
	bool had;
	struct pidpolicy_chunk old;
	struct pidpolicy_chunk new;
};

static int write_chunk(int fd, const struct pidpolicy_chunk_key *key,
		       bool present, const struct pidpolicy_chunk *bits)
{
	if (present)
		return bpf_map_update_elem(fd, key, bits, BPF_ANY) ? -errno : 0;
	if (bpf_map_delete_elem(fd, key) && errno != ENOENT)
		return -errno;
	return 0;
}

static void undo_edits(const struct pins *pins, const struct chunk_edit *e,
		       size_t n)
{
	while (n--)
		write_chunk(pins->rule_pids, &e[n].key, e[n].had, &e[n].old);
}

/* The chunks of rule that allowing (or revoking) ranges r changes. */
static int plan_edits(const struct pins *pins,
		      const struct pidpolicy_rule_key *rule,
		      const struct pid_range *r, size_t n, bool allow,
		      struct chunk_edit **out, size_t *nout)
{
	struct chunk_edit *e, *edits = NULL, *tmp;
	size_t cap = 0;
	__u32 fp;
	__u64 at;

	*nout = 0;
	for (at = 0; ranges_next_chunk(r, n, at, &fp);
	     at = (__u64)fp + PIDPOLICY_CHUNK_PIDS) {
		if (*nout == cap) {
			cap = cap ? cap * 2 : 16;
			tmp = realloc(edits, cap * sizeof(*edits));
			if (!tmp) {
				free(edits);
				return -ENOMEM;
			}
			edits = tmp;
		}
		e = &edits[*nout];
		memset(e, 0, sizeof(*e));
		e->key.rule = *rule;
		e->key.first_pid = fp;
		e->had = !bpf_map_lookup_elem(pins->rule_pids, &e->key, &e->old);
		if (!e->had && errno != ENOENT) {
			free(edits);
			return -errno;
		}
		if (!e->had)
			memset(&e->old, 0, sizeof(e->old));
		e->new = e->old;
		chunk_apply(&e->new, fp, r, n, allow);
		if (memcmp(&e->new, &e->old, sizeof(e->new)))
			(*nout)++;
	}
	*out = edits;
	return 0;
}

/* Rewrite the summary of rule from its chunks; delete it if it has none. */
static int write_summary(const struct pins *pins,
			 const struct pidpolicy_rule_key *rule)
{
	struct range_list l = {};
	struct chunk_entry *c = NULL;
	struct pidpolicy_rule val = {};
	size_t n = 0;
	int err;

	err = read_chunks(pins, rule, &c, &n) ?: chunks_ranges(c, n, &l);
	if (err)
		goto out;
	if (!l.n) {
		if (bpf_map_delete_elem(pins->rules, rule) && errno != ENOENT)
			err = -errno;
		goto out;
	}
	val.nr_ranges = (__u32)l.n;
	val.nr_pids = ranges_count(l.r, l.n);
	if (bpf_map_update_elem(pins->rules, rule, &val, BPF_ANY))
		err = -errno;
out:
	range_list_free(&l);
	free(c);
	return err;
}

/*
 * Allow or revoke pids r of rule: chunks first, then the summary, so that a
 * decision never sees a rule without its pids. Undone on failure.
 */
static int edit_rule(const struct pins *pins,
		     const struct pidpolicy_rule_key *rule,
		     const struct pid_range *r, size_t n, bool allow)
{
	struct pidpolicy_rule old_rule;
	struct chunk_edit *edits = NULL;
	bool had_rule;
	size_t nedits = 0, i;
	int err;

	had_rule = !bpf_map_lookup_elem(pins->rules, rule, &old_rule);
	err = plan_edits(pins, rule, r, n, allow, &edits, &nedits);
	for (i = 0; !err && i < nedits; i++) {
		err = write_chunk(pins->rule_pids, &edits[i].key,
				  !chunk_empty(&edits[i].new), &edits[i].new);
		if (err)
			undo_edits(pins, edits, i);
	}
	if (!err) {
		err = write_summary(pins, rule);
		if (err) {
			undo_edits(pins, edits, nedits);
			if (had_rule)
				bpf_map_update_elem(pins->rules, rule, &old_rule, BPF_ANY);
			else
				bpf_map_delete_elem(pins->rules, rule);
		}
	}
	free(edits);
	if (err) {
		err_msg("failed to update the policy maps: %s (the policy is unchanged)",
			strerror(-err));
		return EXIT_RUNTIME;
	}
	return 0;
}

/*
 * Before writing entries for the namespaces inums[0..n): hold them, so none
 * dies meanwhile (ns_hold() warns about the dead ones), and index them, so
 * retire_ns removes the entries when they die. Prints the error and returns
 * an exit status; on success the caller releases h after writing.
 */
static int prepare_ns_entries(const struct pins *pins, const __u32 *inums, size_t n,
			      struct ns_holds *h)
{
	struct pidpolicy_ns_index none = {};
	struct pidpolicy_ns_key key;
	size_t i;
	int err = ns_hold(h, inums, n);

	for (i = 0; !err && i < n; i++) {
		key.ns_inum = inums[i];
		if (key.ns_inum != PIDPOLICY_NS_ANY &&
		    bpf_map_update_elem(pins->ns_index, &key, &none, BPF_ANY))
			err = -errno;
	}
	if (!err)
		return 0;
	ns_release(h);
	err_msg("failed to index the policy's namespaces: %s (the policy is unchanged)",
		strerror(-err));
	return EXIT_RUNTIME;
}

/*
 * Pids are checked against the kernel's limit only: reading a namespace's
 * own pid_max would mean entering it, and the kernel refuses a pid at or
 * above it when it is chosen anyway.
 */
static int cmd_allow(const struct env *env, const struct pins *pins)
{
	struct ns_holds holds;
	int ret = prepare_ns_entries(pins, &env->rule.ns_inum, 1, &holds);

	if (!ret) {
		ret = edit_rule(pins, &env->rule, env->ranges, env->nr_ranges, true);
		ns_release(&holds);
	}
	return ret;
}

static bool rule_exists(const struct pins *pins,
			const struct pidpolicy_rule_key *rule)
{
	struct pidpolicy_rule val;
	struct chunk_entry *c = NULL;
	size_t n = 0;

	if (!bpf_map_lookup_elem(pins->rules, rule, &val))
		return true;
	/* chunks without a summary: an allow that was interrupted */
	if (read_chunks(pins, rule, &c, &n))
		return true;	/* let the edit report the error */
	free(c);
	return n > 0;
}

static int cmd_revoke(const struct env *env, const struct pins *pins)
{
	static const struct pid_range all = { 1, PIDPOLICY_PID_LIMIT - 1 };
	char ns[32], caller[48];

	if (!rule_exists(pins, &env->rule)) {
		format_ns(env->rule.ns_inum, ns, sizeof(ns));
		format_caller(&env->rule, caller, sizeof(caller));
		err_msg("no rule for namespace %s and caller %s: see 'pidpolicy show'",
			ns, caller);
		return EXIT_RUNTIME;
	}
	if (env->ranges)
		return edit_rule(pins, &env->rule, env->ranges, env->nr_ranges, false);
	return edit_rule(pins, &env->rule, &all, 1, false);
}

/* ---- mode ------------------------------------------------------------------ */

/* Set the mode (if mode) or the limit of a namespace, keeping the other. */
static int set_ns_policy(const struct pins *pins, __u32 ns_inum, bool mode,
			 __u32 value)
{
	struct pidpolicy_ns_policy_key key = { .gen = pins->gen, .ns_inum = ns_inum };
	struct pidpolicy_ns_policy val;
	struct ns_holds holds;
	int err = prepare_ns_entries(pins, &ns_inum, 1, &holds);

	if (err)
		return err;
	err = read_ns_policy(pins, ns_inum, &val);
	if (mode)
		val.mode = value;
	else
		val.max_chosen = value;
	if (!err && bpf_map_update_elem(pins->ns_policy, &key, &val, BPF_ANY))
		err = -errno;
	ns_release(&holds);
	if (err) {
		err_msg("failed to set the %s: %s", mode ? "mode" : "limit", strerror(-err));
		return EXIT_RUNTIME;
	}
	return 0;
}

static int cmd_mode(const struct env *env, const struct pins *pins)
{
	return set_ns_policy(pins, env->rule.ns_inum, true, env->mode);
}

static int cmd_limit(const struct env *env, const struct pins *pins)
{
	return set_ns_policy(pins, env->rule.ns_inum, false, env->max_chosen);
}

/* ---- apply and dump: whole policies ---------------------------------------- */

/*
 * Delete the entries of every generation but keep_gen from a policy map;
 * *kept (if kept) gets how many stay.
 */
static int delete_other_gens(int fd, size_t key_size, __u32 keep_gen, size_t *kept)
{
	char *keys = NULL;
	size_t n, i, j;
	int err = map_keys(fd, key_size, (void **)&keys, &n);

	if (err)
		return err;
	/* every policy key starts with its generation */
	for (i = 0, j = 0; i < n; i++) {
		if (*(__u32 *)(keys + i * key_size) != keep_gen)
			memmove(keys + j++ * key_size, keys + i * key_size, key_size);
	}
	err = map_delete_keys(fd, keys, key_size, j);
	free(keys);
	if (kept)
		*kept = n - j;
	return err;
}

/* The policy maps, in the order of the counts below. */
enum { POLICY_RULES, POLICY_CHUNKS, POLICY_NS, NR_POLICY_MAPS };

static int delete_gens_but(const struct pins *pins, __u32 keep_gen,
			   size_t kept[NR_POLICY_MAPS])
{
	size_t ignored[NR_POLICY_MAPS];

	kept = kept ?: ignored;
	return delete_other_gens(pins->rules, sizeof(struct pidpolicy_rule_key), keep_gen,
				 &kept[POLICY_RULES]) ?:
	       delete_other_gens(pins->rule_pids, sizeof(struct pidpolicy_chunk_key), keep_gen,
				 &kept[POLICY_CHUNKS]) ?:
	       delete_other_gens(pins->ns_policy, sizeof(struct pidpolicy_ns_policy_key),
				 keep_gen, &kept[POLICY_NS]);
}

/* Entries of each policy map that write_policy() writes for p (canonical). */
static void policy_size(const struct policy *p, size_t need[NR_POLICY_MAPS])
{
	const struct policy_rule *r;
	size_t i, m = 0, l = 0;
	__u32 fp;
	__u64 at;

	need[POLICY_RULES] = p->nr_rules;
	need[POLICY_CHUNKS] = 0;
	for (i = 0; i < p->nr_rules; i++) {
		r = &p->rules[i];
		for (at = 0; ranges_next_chunk(r->ranges, r->nr_ranges, at, &fp);
		     at = (__u64)fp + PIDPOLICY_CHUNK_PIDS)
			need[POLICY_CHUNKS]++;
	}
	/* one entry per namespace with a mode or a limit; both lists sorted */
	for (need[POLICY_NS] = 0; m < p->nr_modes || l < p->nr_limits; need[POLICY_NS]++) {
		if (l == p->nr_limits ||
		    (m < p->nr_modes && p->modes[m].ns_inum < p->limits[l].ns_inum))
			m++;
		else if (m == p->nr_modes || p->limits[l].ns_inum < p->modes[m].ns_inum)
			l++;
		else
			m++, l++;
	}
}

/*
 * Both generations share each map's max_entries: the new policy must fit
 * beside the kept (active) one. Checked before anything is written.
 */
static int check_capacity(const struct pins *pins, const struct policy *p,
			  const size_t kept[NR_POLICY_MAPS], const char *name)
{
	static const char *const map_names[] = { "rules", "rule_pids", "ns_policy" };
	const int fds[] = { pins->rules, pins->rule_pids, pins->ns_policy };
	size_t need[NR_POLICY_MAPS], i, free_entries;
	struct bpf_map_info info;
	__u32 len;

	policy_size(p, need);
	for (i = 0; i < NR_POLICY_MAPS; i++) {
		memset(&info, 0, sizeof(info));
		len = sizeof(info);
		if (bpf_obj_get_info_by_fd(fds[i], &info, &len)) {
			err_msg("failed to read the size of map %s: %s", map_names[i],
				strerror(errno));
			return EXIT_RUNTIME;
		}
		free_entries = info.max_entries > kept[i] ? info.max_entries - kept[i] : 0;
		if (need[i] <= free_entries)
			continue;
		err_msg("%s is too large: it needs %zu entries of map %s, and %zu of its %u are free beside the active policy (see LIMITS in pidpolicy(8)); the policy is unchanged",
			name, need[i], map_names[i], free_entries, info.max_entries);
		return EXIT_RUNTIME;
	}
	return 0;
}

/* Queue rule r's chunks and summary as generation gen. */
static int queue_rule(struct map_writes *chunks, struct map_writes *rules,
		      const struct policy_rule *r, __u32 gen)
{
	struct pidpolicy_chunk_key key = { .rule = r->key };
	struct pidpolicy_rule summary = {
		.nr_ranges = (__u32)r->nr_ranges,
		.nr_pids = ranges_count(r->ranges, r->nr_ranges),
	};
	struct pidpolicy_chunk bits;
	__u64 at;
	int err;

	key.rule.gen = gen;
	for (at = 0; ranges_next_chunk(r->ranges, r->nr_ranges, at, &key.first_pid);
	     at = (__u64)key.first_pid + PIDPOLICY_CHUNK_PIDS) {
		memset(&bits, 0, sizeof(bits));
		chunk_apply(&bits, key.first_pid, r->ranges, r->nr_ranges, true);
		err = map_writes_add(chunks, &key, &bits);
		if (err)
			return err;
	}
	return map_writes_add(rules, &key.rule, &summary);
}

static int write_ns_entry(const struct pins *pins, __u32 gen, __u32 ns_inum,
			  bool mode, __u32 value)
{
	struct pidpolicy_ns_policy_key key = { .gen = gen, .ns_inum = ns_inum };
	struct pidpolicy_ns_policy val = {
		.mode = PIDPOLICY_MODE_UNSET, .max_chosen = PIDPOLICY_NO_LIMIT,
	};

	if (bpf_map_lookup_elem(pins->ns_policy, &key, &val) && errno != ENOENT)
		return -errno;
	if (mode)
		val.mode = value;
	else
		val.max_chosen = value;
	return bpf_map_update_elem(pins->ns_policy, &key, &val, BPF_ANY) ? -errno : 0;
}

/* Write policy p as generation gen, beside the active one. */
static int write_policy(const struct pins *pins, const struct policy *p, __u32 gen)
{
	struct map_writes chunks = {
		.key_size = sizeof(struct pidpolicy_chunk_key),
		.value_size = sizeof(struct pidpolicy_chunk),
	};
	struct map_writes rules = {
		.key_size = sizeof(struct pidpolicy_rule_key),
		.value_size = sizeof(struct pidpolicy_rule),
	};
	size_t i;
	int err = 0;

	for (i = 0; !err && i < p->nr_rules; i++)
		err = queue_rule(&chunks, &rules, &p->rules[i], gen);
	err = err ?: map_writes_flush(pins->rule_pids, &chunks) ?:
	      map_writes_flush(pins->rules, &rules);
	map_writes_free(&chunks);
	map_writes_free(&rules);
	for (i = 0; !err && i < p->nr_modes; i++)
		err = write_ns_entry(pins, gen, p->modes[i].ns_inum, true, p->modes[i].mode);
	for (i = 0; !err && i < p->nr_limits; i++)
		err = write_ns_entry(pins, gen, p->limits[i].ns_inum, false,
				     p->limits[i].max_chosen);
	return err;
}

/* Returns once no BPF program that may have read the old generation runs. */
static int wait_for_decisions(const struct pins *pins)
{
	__u32 zero = 0;
	int inner = bpf_map_create(BPF_MAP_TYPE_ARRAY, "pidpolicy_rcu", sizeof(__u32),
				   sizeof(__u32), 1, NULL), err = 0;

	if (inner < 0)
		return -errno;
	if (bpf_map_update_elem(pins->rcu_barrier, &zero, &inner, BPF_ANY))
		err = -errno;
	close(inner);
	return err;
}

/* prepare_ns_entries() for every namespace policy p names. */
static int hold_policy_ns(const struct pins *pins, const struct policy *p,
			  struct ns_holds *h)
{
	size_t i, n = 0;
	__u32 *inums = malloc((p->nr_rules + p->nr_modes + p->nr_limits + 1) * sizeof(*inums));
	int err;

	if (!inums) {
		err_msg("failed to index the policy's namespaces: %s (the policy is unchanged)",
			strerror(ENOMEM));
		return EXIT_RUNTIME;
	}
	for (i = 0; i < p->nr_rules; i++)
		inums[n++] = p->rules[i].key.ns_inum;
	for (i = 0; i < p->nr_modes; i++)
		inums[n++] = p->modes[i].ns_inum;
	for (i = 0; i < p->nr_limits; i++)
		inums[n++] = p->limits[i].ns_inum;
	err = prepare_ns_entries(pins, inums, n, h);
	free(inums);
	return err;
}

/* Parse the policy file at path; prints the error and returns an exit status. */
static int read_policy_file(const char *path, struct policy *p)
{
	char err_text[512];

	if (!policy_parse_file(path, p, err_text, sizeof(err_text)))
		return 0;
	err_msg("%s", err_text);
	return EXIT_USAGE;
}

/*
 * Policy p (from file name) becomes the whole policy at once: written as
 * the other generation (after removing what an interrupted apply left),
 * then made active by one update of config. A kill before that leaves the
 * old policy whole, after it the new one; the old generation goes once no
 * decision can read it. The two generations differ in bit 0 only, so no
 * copy of the value, however the kernel makes it, can be read as a third.
 */
static int apply_policy(const struct pins *pins, const struct policy *p,
			const char *name)
{
	__u32 slot = PIDPOLICY_CONFIG_GEN, gen = pins->gen ^ 1;
	__u64 gen64 = gen;
	size_t kept[NR_POLICY_MAPS];
	struct ns_holds holds;
	int err;

	err = hold_policy_ns(pins, p, &holds);
	if (err)
		return err;
	err = delete_gens_but(pins, pins->gen, kept);
	if (!err && check_capacity(pins, p, kept, name)) {
		ns_release(&holds);
		return EXIT_RUNTIME;
	}
	err = err ?: write_policy(pins, p, gen);
	if (!err && bpf_map_update_elem(pins->config, &slot, &gen64, BPF_ANY))
		err = -errno;
	ns_release(&holds);
	if (err) {
		delete_gens_but(pins, pins->gen, NULL);
		err_msg("failed to write the policy maps: %s (the policy is unchanged)",
			strerror(-err));
		return EXIT_RUNTIME;
	}
	err = wait_for_decisions(pins) ?: delete_gens_but(pins, gen, NULL);
	if (err)
		err_msg("applied, but failed to remove the old policy: %s (the next apply removes it)",
			strerror(-err));
	return 0;
}

static int cmd_apply(const struct env *env, const struct pins *pins)
{
	struct policy p = {};
	int err = read_policy_file(env->word, &p) ?: apply_policy(pins, &p, env->word);

	policy_free(&p);
	return err;
}

/* The active policy, as `apply` reads it. */
static int read_policy(const struct pins *pins, struct policy *p);

static int cmd_dump(const struct env *env, const struct pins *pins)
{
	struct policy p = {};
	int err;

	(void)env;
	err = read_policy(pins, &p);
	if (!err && policy_write(stdout, &p))
		err = -errno;
	policy_free(&p);
	if (err) {
		err_msg("failed to dump the policy: %s", strerror(-err));
		return EXIT_RUNTIME;
	}
	return 0;
}

static int cmd_monitor(const struct env *env, const struct pins *pins)
{
	(void)pins;
	return monitor_events(env->json, env->given & OPT_ALL);
}

/* ---- status ---------------------------------------------------------------- */

struct ns_counts {
	__u32 ns_inum;
	struct pidpolicy_decisions d;
	__s64 live;			/* processes holding a chosen pid */
	__u32 max_chosen;		/* its limit */
};

/* The limit in force for ns_inum: its own, else the default's. */
static int read_limit(const struct pins *pins, __u32 ns_inum, __u32 *max)
{
	struct pidpolicy_ns_policy own, dflt;
	int err = read_ns_policy(pins, ns_inum, &own) ?:
		  read_ns_policy(pins, PIDPOLICY_NS_ANY, &dflt);

	*max = own.max_chosen != PIDPOLICY_NO_LIMIT ? own.max_chosen : dflt.max_chosen;
	return err;
}

/* Decision counters per namespace, summed over the CPUs. */
static int read_decisions(const struct pins *pins, struct ns_counts **out,
			  size_t *n)
{
	struct pidpolicy_ns_key *keys = NULL;
	struct pidpolicy_decisions *percpu;
	struct ns_counts *c;
	int ncpus = libbpf_num_possible_cpus(), cpu, err;
	size_t nkeys, i;

	if (ncpus < 0)
		return ncpus;
	err = map_keys(pins->decisions, sizeof(*keys), (void **)&keys, &nkeys);
	if (err)
		return err;
	qsort(keys, nkeys, sizeof(*keys), cmp_ns_key);
	percpu = calloc((size_t)ncpus, sizeof(*percpu));
	c = calloc(nkeys ? nkeys : 1, sizeof(*c));
	if (!percpu || !c) {
		free(keys);
		free(percpu);
		free(c);
		return -ENOMEM;
	}
	*n = 0;
	for (i = 0; i < nkeys; i++) {
		if (bpf_map_lookup_elem(pins->decisions, &keys[i], percpu))
			continue;	/* aged out meanwhile */
		c[*n].ns_inum = keys[i].ns_inum;
		err = read_chosen_live(pins, keys[i].ns_inum, &c[*n].live) ?:
		      read_limit(pins, keys[i].ns_inum, &c[*n].max_chosen);
		if (err)
			break;
		for (cpu = 0; cpu < ncpus; cpu++) {
			c[*n].d.allowed += percpu[cpu].allowed;
			c[*n].d.denied += percpu[cpu].denied;
			c[*n].d.audited += percpu[cpu].audited;
			c[*n].d.suppressed += percpu[cpu].suppressed;
		}
		(*n)++;
	}
	free(keys);
	free(percpu);
	if (err) {
		free(c);
		return err;
	}
	*out = c;
	return 0;
}

/* What may make the counts wrong, as status reports it. */
struct health {
	__u64 misses[NR_PROGS];		/* bpf_prog_info.recursion_misses */
	__u64 lost, suppressed;		/* events */
	__u64 charges_kept;		/* charges `charged` had no room for */
};

static int read_health(const struct pins *pins, struct health *h)
{
	struct bpf_prog_info info;
	char path[PATH_MAX];
	__u32 len, slot;
	size_t i;
	int fd, err = 0;

	for (i = 0; !err && i < NR_PROGS; i++) {
		snprintf(path, sizeof(path), "%s/%s", PIDPOLICY_PIN_DIR, attach_order[i]);
		fd = bpf_obj_get(path);
		memset(&info, 0, sizeof(info));
		len = sizeof(info);
		if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len))
			err = -errno;
		h->misses[i] = info.recursion_misses;
		if (fd >= 0)
			close(fd);
	}
	slot = PIDPOLICY_CONFIG_EVENTS_LOST;
	if (!err && bpf_map_lookup_elem(pins->config, &slot, &h->lost))
		err = -errno;
	slot = PIDPOLICY_CONFIG_EVENTS_SUPPRESSED;
	if (!err && bpf_map_lookup_elem(pins->config, &slot, &h->suppressed))
		err = -errno;
	slot = PIDPOLICY_CONFIG_CHARGES_KEPT;
	if (!err && bpf_map_lookup_elem(pins->config, &slot, &h->charges_kept))
		err = -errno;
	return err;
}

/* One line on stderr for each thing that makes the counts unreliable. */
static void warn_health(const struct health *h)
{
	__u64 misses = 0;
	size_t i;

	for (i = 0; i < NR_PROGS; i++)
		misses += h->misses[i];
	if (misses)
		fprintf(stderr, "pidpolicy: warning: the policy's programs skipped %llu runs (recursion misses): chosen-live counts and the removal of dead namespaces' entries may be off\n",
			(unsigned long long)misses);
	if (h->charges_kept)
		fprintf(stderr, "pidpolicy: warning: %llu charges found no room in map charged and are never given back: limits deny early until the next load\n",
			(unsigned long long)h->charges_kept);
}

static struct json_object *json_health(const struct health *h)
{
	struct json_object *o = json_object_new_object(), *p;
	size_t i;

	for (i = 0; i < NR_PROGS; i++) {
		p = json_object_new_object();
		json_object_object_add(p, "recursion_misses", json_object_new_uint64(h->misses[i]));
		json_object_object_add(o, attach_order[i], p);
	}
	return o;
}

static void print_health(const struct health *h)
{
	size_t i;

	printf("recursion misses:");
	for (i = 0; i < NR_PROGS; i++)
		printf("%s %s %llu", i ? "," : "", attach_order[i],
		       (unsigned long long)h->misses[i]);
	printf("\nevents:         %llu suppressed (rate), %llu lost (ring full)\n",
	       (unsigned long long)h->suppressed, (unsigned long long)h->lost);
	printf("charges kept:   %llu\n", (unsigned long long)h->charges_kept);
}

/* o with the counters of d added; a new object if o is NULL. */
static struct json_object *json_counts(struct json_object *o,
				       const struct pidpolicy_decisions *d)
{
	if (!o)
		o = json_object_new_object();
	json_object_object_add(o, "allowed", json_object_new_uint64(d->allowed));
	json_object_object_add(o, "denied", json_object_new_uint64(d->denied));
	json_object_object_add(o, "audited", json_object_new_uint64(d->audited));
	json_object_object_add(o, "suppressed", json_object_new_uint64(d->suppressed));
	return o;
}

static void print_status_json(bool loaded, __u32 dflt,
			      const struct ns_counts *c, size_t n,
			      const struct pidpolicy_decisions *total,
			      const struct health *h)
{
	struct json_object *o = json_object_new_object(), *arr, *e;
	size_t i;

	json_object_object_add(o, "loaded", json_object_new_boolean(loaded));
	json_object_object_add(o, "incomplete", json_object_new_boolean(is_incomplete()));
	json_object_object_add(o, "bpf_lsm_active",
			       json_object_new_boolean(bpf_lsm_active()));
	if (loaded) {
		json_object_object_add(o, "default_mode",
				       json_object_new_string(mode_name(dflt)));
		arr = json_object_new_array();
		for (i = 0; i < n; i++) {
			e = json_object_new_object();
			json_object_object_add(e, "ns", json_ns(c[i].ns_inum));
			json_counts(e, &c[i].d);
			json_object_object_add(e, "chosen_live", json_object_new_int64(c[i].live));
			json_object_object_add(e, "max_chosen",
					       c[i].max_chosen == PIDPOLICY_NO_LIMIT ? NULL :
					       json_object_new_uint64(c[i].max_chosen));
			json_object_array_add(arr, e);
		}
		json_object_object_add(o, "namespaces", arr);
		json_object_object_add(o, "total", json_counts(NULL, total));
		json_object_object_add(o, "programs", json_health(h));
		json_object_object_add(o, "events_lost", json_object_new_uint64(h->lost));
		json_object_object_add(o, "events_suppressed",
				       json_object_new_uint64(h->suppressed));
		json_object_object_add(o, "charges_kept",
				       json_object_new_uint64(h->charges_kept));
	}
	json_print(o);
}

static void print_status_table(bool loaded, __u32 dflt,
			       const struct ns_counts *c, size_t n,
			       const struct pidpolicy_decisions *total,
			       const struct health *h)
{
	char ns[32], limit[16];
	size_t i;

	printf("loaded:         %s\n", loaded ? "yes" : !is_incomplete() ? "no" :
	       "incomplete: programs attached without the hook's link (a load did not finish): run 'pidpolicy unload', then 'pidpolicy load'");
	printf("bpf lsm active: %s\n", bpf_lsm_active() ? "yes" : "no");
	if (!loaded)
		return;
	printf("default mode:   %s%s\n", mode_name(dflt),
	       dflt == PIDPOLICY_MODE_UNSET ? " (off)" : "");
	print_health(h);
	printf("\n%-12s %12s %12s %12s %12s %10s %12s\n", "NAMESPACE", "ALLOWED", "DENIED",
	       "AUDITED", "CHOSEN-LIVE", "LIMIT", "SUPPRESSED");
	for (i = 0; i < n; i++) {
		format_ns(c[i].ns_inum, ns, sizeof(ns));
		format_limit(c[i].max_chosen, limit, sizeof(limit));
		printf("%-12s %12llu %12llu %12llu %12lld %10s %12llu\n", ns,
		       (unsigned long long)c[i].d.allowed,
		       (unsigned long long)c[i].d.denied,
		       (unsigned long long)c[i].d.audited, (long long)c[i].live, limit,
		       (unsigned long long)c[i].d.suppressed);
	}
	printf("%-12s %12llu %12llu %12llu %12s %10s %12llu\n", "total",
	       (unsigned long long)total->allowed,
	       (unsigned long long)total->denied,
	       (unsigned long long)total->audited, "", "",
	       (unsigned long long)total->suppressed);
}

static int cmd_status(const struct env *env, const struct pins *unused)
{
	struct pidpolicy_decisions total = {};
	struct pins pins = PINS_INIT;
	struct health health = {};
	struct ns_counts *c = NULL;
	__u32 dflt = PIDPOLICY_MODE_UNSET;
	bool loaded = is_loaded();
	size_t n = 0, i;
	int err = 0;

	(void)unused;
	if (loaded) {
		err = open_pins(&pins, LOCK_SH);
		if (err)
			goto cleanup;
		err = read_mode(&pins, PIDPOLICY_NS_ANY, &dflt) ?:
		      read_decisions(&pins, &c, &n) ?: read_health(&pins, &health);
		if (err) {
			err_msg("failed to read the policy maps: %s", strerror(-err));
			err = EXIT_RUNTIME;
			goto cleanup;
		}
	}
	for (i = 0; i < n; i++) {
		total.allowed += c[i].d.allowed;
		total.denied += c[i].d.denied;
		total.audited += c[i].d.audited;
		total.suppressed += c[i].d.suppressed;
	}
	if (loaded)
		warn_health(&health);
	if (env->json)
		print_status_json(loaded, dflt, c, n, &total, &health);
	else
		print_status_table(loaded, dflt, c, n, &total, &health);
cleanup:
	free(c);
	close_pins(&pins);
	return err;
}

/* ---- show ------------------------------------------------------------------ */

/* A rule as shown: its key and the ranges of its chunks. */
struct rule_view {
	struct pidpolicy_rule_key key;
	struct range_list ranges;
};

/* Rule keys of both maps (chunks without a summary are shown too), sorted. */
static int collect_rule_keys(const struct pins *pins,
			     const struct chunk_entry *c, size_t nc,
			     struct pidpolicy_rule_key **out, size_t *n)
{
	struct pidpolicy_rule_key *keys = NULL, *tmp;
	size_t nkeys, i, j;
	int err;

	err = map_keys(pins->rules, sizeof(*keys), (void **)&keys, &nkeys);
	if (err)
		return err;
	for (i = 0, j = 0; i < nkeys; i++)
		if (keys[i].gen == pins->gen)
			keys[j++] = keys[i];
	nkeys = j;
	tmp = realloc(keys, (nkeys + nc + 1) * sizeof(*keys));
	if (!tmp) {
		free(keys);
		return -ENOMEM;
	}
	keys = tmp;
	for (i = 0; i < nc; i++)
		keys[nkeys++] = c[i].key.rule;
	qsort(keys, nkeys, sizeof(*keys), cmp_rule_key_qsort);
	*out = keys;
	*n = dedupe_sorted(keys, nkeys, sizeof(*keys));
	return 0;
}

/* The rules, filtered by namespace unless filter_ns is false. */
static int read_rules(const struct pins *pins, bool filter_ns, __u32 ns_inum,
		      struct rule_view **out, size_t *n)
{
	struct pidpolicy_rule_key *keys = NULL;
	struct chunk_entry *c = NULL;
	struct rule_view *v = NULL;
	size_t nc = 0, nkeys = 0, i, ci = 0, start;
	int err;

	err = read_chunks(pins, NULL, &c, &nc) ?:
	      collect_rule_keys(pins, c, nc, &keys, &nkeys);
	if (err)
		goto out;
	v = calloc(nkeys ? nkeys : 1, sizeof(*v));
	if (!v) {
		err = -ENOMEM;
		goto out;
	}
	*n = 0;
	for (i = 0; i < nkeys && !err; i++) {
		/* chunks and keys are in the same order */
		while (ci < nc && policy_rule_key_cmp(&c[ci].key.rule, &keys[i]) < 0)
			ci++;
		start = ci;
		while (ci < nc && !policy_rule_key_cmp(&c[ci].key.rule, &keys[i]))
			ci++;
		if (filter_ns && keys[i].ns_inum != ns_inum)
			continue;
		v[*n].key = keys[i];
		err = chunks_ranges(c + start, ci - start, &v[*n].ranges);
		(*n)++;
	}
out:
	free(keys);
	free(c);
	if (err && v) {
		for (i = 0; i < *n; i++)
			range_list_free(&v[i].ranges);
		free(v);
	} else {
		*out = v;
	}
	return err;
}

/* Modes per namespace (the default is shown apart), filtered like rules. */
static int read_modes(const struct pins *pins, bool filter_ns, __u32 ns_inum,
		      struct pidpolicy_ns_key **out, __u32 **modes, size_t *n)
{
	struct pidpolicy_ns_policy_key *all = NULL;
	struct pidpolicy_ns_key *keys;
	size_t nkeys, i, j;
	int err;

	err = map_keys(pins->ns_policy, sizeof(*all), (void **)&all, &nkeys);
	if (err)
		return err;
	/* the active generation's namespaces, with a mode of their own */
	keys = (struct pidpolicy_ns_key *)all;
	for (i = 0, j = 0; i < nkeys; i++) {
		__u32 mode, inum = all[i].ns_inum;

		if (all[i].gen == pins->gen && !read_mode(pins, inum, &mode) &&
		    mode != PIDPOLICY_MODE_UNSET)
			keys[j++].ns_inum = inum;
	}
	nkeys = j;
	qsort(keys, nkeys, sizeof(*keys), cmp_ns_key);
	*modes = calloc(nkeys ? nkeys : 1, sizeof(**modes));
	if (!*modes) {
		free(keys);
		return -ENOMEM;
	}
	*n = 0;
	for (i = 0; i < nkeys && !err; i++) {
		if (keys[i].ns_inum == PIDPOLICY_NS_ANY ||
		    (filter_ns && keys[i].ns_inum != ns_inum))
			continue;
		keys[*n] = keys[i];
		err = read_mode(pins, keys[i].ns_inum, &(*modes)[*n]);
		(*n)++;
	}
	*out = keys;
	return err;
}

/* Namespace entries of the active generation, as policy modes and limits. */
static int read_ns_entries(const struct pins *pins, struct policy *p)
{
	struct pidpolicy_ns_policy_key *keys = NULL;
	struct pidpolicy_ns_policy val;
	size_t n, i;
	int err = map_keys(pins->ns_policy, sizeof(*keys), (void **)&keys, &n);

	if (!err) {
		p->modes = calloc(n + 1, sizeof(*p->modes));
		p->limits = calloc(n + 1, sizeof(*p->limits));
		if (!p->modes || !p->limits)
			err = -ENOMEM;
	}
	for (i = 0; !err && i < n; i++) {
		if (keys[i].gen != pins->gen)
			continue;
		err = read_ns_policy(pins, keys[i].ns_inum, &val);
		if (!err && val.mode != PIDPOLICY_MODE_UNSET)
			p->modes[p->nr_modes++] = (struct policy_mode){ keys[i].ns_inum, val.mode };
		if (!err && val.max_chosen != PIDPOLICY_NO_LIMIT)
			p->limits[p->nr_limits++] =
				(struct policy_limit){ keys[i].ns_inum, val.max_chosen };
	}
	free(keys);
	return err;
}

static int read_policy(const struct pins *pins, struct policy *p)
{
	struct rule_view *v = NULL;
	size_t n = 0, i;
	int err = read_rules(pins, false, 0, &v, &n);

	if (!err) {
		p->rules = calloc(n + 1, sizeof(*p->rules));
		if (!p->rules)
			err = -ENOMEM;
	}
	for (i = 0; i < n; i++) {
		if (!err && v[i].ranges.n) {
			/* the rule takes over the ranges */
			p->rules[p->nr_rules++] = (struct policy_rule){
				v[i].key, v[i].ranges.r, v[i].ranges.n,
			};
			v[i].ranges.r = NULL;
		}
		range_list_free(&v[i].ranges);
	}
	free(v);
	err = err ?: read_ns_entries(pins, p) ?: policy_canonicalize(p);
	return err;
}

static void print_show_table(const struct rule_view *v, size_t n, __u32 dflt,
			     const struct pidpolicy_ns_key *mk,
			     const __u32 *modes, size_t nm)
{
	char ns[32], caller[48], *pids;
	size_t i;

	printf("%-12s %-24s %s\n", "NAMESPACE", "CALLER", "PIDS");
	for (i = 0; i < n; i++) {
		format_ns(v[i].key.ns_inum, ns, sizeof(ns));
		format_caller(&v[i].key, caller, sizeof(caller));
		pids = ranges_format(v[i].ranges.r, v[i].ranges.n);
		printf("%-12s %-24s %s\n", ns, caller, pids ? pids : "?");
		free(pids);
	}
	printf("\n%-12s %s\n", "NAMESPACE", "MODE");
	printf("%-12s %s%s\n", "default", mode_name(dflt),
	       dflt == PIDPOLICY_MODE_UNSET ? " (off)" : "");
	for (i = 0; i < nm; i++)
		printf("%-12u %s\n", mk[i].ns_inum, mode_name(modes[i]));
}

/* The rules and modes as a JSON object, for the caller to complete. */
static struct json_object *show_json(const struct rule_view *v, size_t n, __u32 dflt,
				     const struct pidpolicy_ns_key *mk,
				     const __u32 *modes, size_t nm)
{
	struct json_object *o = json_object_new_object(), *rules, *ns_modes;
	struct json_object *r, *ranges, *pair;
	size_t i, j;
	char *pids;

	rules = json_object_new_array();
	for (i = 0; i < n; i++) {
		r = json_rule(&v[i].key);
		ranges = json_object_new_array();
		for (j = 0; j < v[i].ranges.n; j++) {
			pair = json_object_new_array();
			json_object_array_add(pair, json_object_new_uint64(v[i].ranges.r[j].first));
			json_object_array_add(pair, json_object_new_uint64(v[i].ranges.r[j].last));
			json_object_array_add(ranges, pair);
		}
		pids = ranges_format(v[i].ranges.r, v[i].ranges.n);
		json_object_object_add(r, "pids", json_object_new_string(pids ? pids : ""));
		free(pids);
		json_object_object_add(r, "ranges", ranges);
		json_object_object_add(r, "nr_pids",
				       json_object_new_uint64(ranges_count(v[i].ranges.r,
									   v[i].ranges.n)));
		json_object_array_add(rules, r);
	}
	ns_modes = json_object_new_array();
	for (i = 0; i < nm; i++) {
		r = json_object_new_object();
		json_object_object_add(r, "ns", json_ns(mk[i].ns_inum));
		json_object_object_add(r, "mode", json_object_new_string(mode_name(modes[i])));
		json_object_array_add(ns_modes, r);
	}
	json_object_object_add(o, "rules", rules);
	json_object_object_add(o, "default_mode", json_object_new_string(mode_name(dflt)));
	json_object_object_add(o, "modes", ns_modes);
	return o;
}

/* Limits beside the live count they cap ("any": each namespace's own count). */
static int show_limits(const struct env *env, const struct pins *pins,
		       const struct policy *p, struct json_object *arr)
{
	char ns[32], limit[16], live_text[24];
	struct json_object *e;
	size_t i;
	__s64 live;
	int err;

	if (!arr)
		printf("\n%-12s %10s %12s\n", "NAMESPACE", "LIMIT", "CHOSEN-LIVE");
	for (i = 0; i < p->nr_limits; i++) {
		__u32 inum = p->limits[i].ns_inum;

		if ((env->given & OPT_NS) && inum != env->rule.ns_inum)
			continue;
		err = read_chosen_live(pins, inum, &live);
		if (err)
			return err;
		format_ns(inum, ns, sizeof(ns));
		format_limit(p->limits[i].max_chosen, limit, sizeof(limit));
		if (!arr) {
			snprintf(live_text, sizeof(live_text), "%lld", (long long)live);
			printf("%-12s %10s %12s\n", ns, limit,
			       inum == PIDPOLICY_NS_ANY ? "per ns" : live_text);
			continue;
		}
		e = json_object_new_object();
		json_object_object_add(e, "ns", json_ns(inum));
		json_object_object_add(e, "max_chosen", json_object_new_uint64(p->limits[i].max_chosen));
		if (inum != PIDPOLICY_NS_ANY)
			json_object_object_add(e, "chosen_live", json_object_new_int64(live));
		json_object_array_add(arr, e);
	}
	return 0;
}

static int cmd_show(const struct env *env, const struct pins *pins)
{
	bool filter = env->given & OPT_NS;
	struct pidpolicy_ns_key *mk = NULL;
	struct json_object *o = NULL, *limits = NULL;
	struct rule_view *v = NULL;
	struct policy ns_entries = {};
	__u32 *modes = NULL, dflt;
	size_t n = 0, nm = 0, i;
	int err;

	err = read_rules(pins, filter, env->rule.ns_inum, &v, &n) ?:
	      read_modes(pins, filter, env->rule.ns_inum, &mk, &modes, &nm) ?:
	      read_mode(pins, PIDPOLICY_NS_ANY, &dflt) ?:
	      read_ns_entries(pins, &ns_entries);
	if (!err && env->json) {
		o = show_json(v, n, dflt, mk, modes, nm);
		limits = json_object_new_array();
		json_object_object_add(o, "limits", limits);
	} else if (!err) {
		print_show_table(v, n, dflt, mk, modes, nm);
	}
	err = err ?: show_limits(env, pins, &ns_entries, limits);
	if (err) {
		err_msg("failed to read the policy maps: %s", strerror(-err));
		err = EXIT_RUNTIME;
	}
	if (o && !err)
		json_print(o);
	else
		json_object_put(o);
	policy_free(&ns_entries);
	for (i = 0; i < n; i++)
		range_list_free(&v[i].ranges);
	free(v);
	free(mk);
	free(modes);
	return err;
}

/* ---- explain: the BPF program's decision, over the pinned maps ------------ */

struct lookup_ctx {
	const struct pins *pins;
	struct pidpolicy_rule rule;
	struct pidpolicy_chunk chunk;
	struct pidpolicy_ns_policy ns;
	int err;			/* first lookup error other than ENOENT */
};

static const void *lookup(struct lookup_ctx *ctx, int fd, const void *key,
			  void *value)
{
	if (!bpf_map_lookup_elem(fd, key, value))
		return value;
	if (errno != ENOENT && !ctx->err)
		ctx->err = -errno;
	return NULL;
}

static const struct pidpolicy_rule *
pidpolicy_lookup_rule(void *ctx, const struct pidpolicy_rule_key *key)
{
	struct lookup_ctx *c = ctx;

	return lookup(c, c->pins->rules, key, &c->rule);
}

static const struct pidpolicy_chunk *
pidpolicy_lookup_chunk(void *ctx, const struct pidpolicy_chunk_key *key)
{
	struct lookup_ctx *c = ctx;

	return lookup(c, c->pins->rule_pids, key, &c->chunk);
}

static const struct pidpolicy_ns_policy *
pidpolicy_lookup_ns(void *ctx, const struct pidpolicy_ns_policy_key *key)
{
	struct lookup_ctx *c = ctx;

	return lookup(c, c->pins->ns_policy, key, &c->ns);
}

#include "pidpolicy_decide.h"

static const char *verdict_name(__u32 verdict)
{
	return verdict == PIDPOLICY_DENY ? "deny" :
	       verdict == PIDPOLICY_AUDIT ? "audit-only" : "allow";
}

static const char *reason_name(__u32 reason)
{
	return reason == PIDPOLICY_REASON_RULE ? "rule" :
	       reason == PIDPOLICY_REASON_MODE_OFF ? "mode-off" :
	       reason == PIDPOLICY_REASON_NO_RULE ? "no-rule" :
	       reason == PIDPOLICY_REASON_QUOTA ? "quota" :
	       reason == PIDPOLICY_REASON_ACCOUNTING ? "accounting" : "range";
}

static void explain_text(const struct env *env, const struct pidpolicy_decision *d,
			 bool mode_from_default, char *buf, size_t len)
{
	char ns[32], caller[48];

	format_ns(d->rule.ns_inum, ns, sizeof(ns));
	format_caller(&d->rule, caller, sizeof(caller));
	switch (d->reason) {
	case PIDPOLICY_REASON_RULE:
		snprintf(buf, len, "the rule for namespace %s and caller %s allows pid %u",
			 ns, caller, env->pid);
		break;
	case PIDPOLICY_REASON_MODE_OFF:
		snprintf(buf, len, "the %s mode is off: no restriction beyond the kernel's",
			 mode_from_default ? "default" : "namespace's");
		break;
	case PIDPOLICY_REASON_NO_RULE:
		snprintf(buf, len, "no rule applies to this namespace and caller");
		break;
	case PIDPOLICY_REASON_QUOTA:
		snprintf(buf, len, "the rule for namespace %s and caller %s allows pid %u, but the namespace holds its max-chosen %u live chosen pids",
			 ns, caller, env->pid, d->max_chosen);
		break;
	default:
		snprintf(buf, len, "rules apply to this namespace and caller, but none allows pid %u",
			 env->pid);
	}
}

/* The caller explain was given: "uid:0 cgroup:1234", or "any". */
static void format_who(const struct env *env, char *buf, size_t len)
{
	int n = 0;

	if (env->who.uid != UINT64_MAX)
		n = snprintf(buf, len, "uid:%llu", (unsigned long long)env->who.uid);
	if (env->who.cgroup_id && n >= 0 && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n, "%scgroup:%llu", n ? " " : "",
			 (unsigned long long)env->who.cgroup_id);
	else if (!n)
		snprintf(buf, len, "any");
}

static struct json_object *json_who(const struct env *env)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "uid", env->who.uid == UINT64_MAX ? NULL :
				  json_object_new_uint64(env->who.uid));
	json_object_object_add(o, "cgroup", env->who.cgroup_id ?
				  json_object_new_uint64(env->who.cgroup_id) : NULL);
	if (env->caller_pid_arg)
		json_object_object_add(o, "pid", json_object_new_int64(atoll(env->caller_pid_arg)));
	return o;
}

static int cmd_explain(const struct env *env, const struct pins *pins)
{
	struct lookup_ctx ctx = { .pins = pins };
	struct pidpolicy_query q = {
		.gen = pins->gen,
		.ns_inum = env->rule.ns_inum,
		.pid = env->pid,
		.uid = env->who.uid,
		.cgroup_id = env->who.cgroup_id,
	};
	struct pidpolicy_decision d = {};
	struct json_object *o;
	char why[200], ns[32], caller[64], limit[32];
	__u32 ns_mode;
	__s64 live;
	int err;

	memcpy(q.cgroup_tree, env->who.cgroup_tree, sizeof(q.cgroup_tree));
	pidpolicy_decide(&ctx, &q, &d);
	err = read_mode(pins, q.ns_inum, &ns_mode) ?:
	      read_chosen_live(pins, q.ns_inum, &live);
	if (err && !ctx.err)
		ctx.err = err;
	/* as the BPF program counts it: this process included */
	pidpolicy_over_quota(&d, live + 1);
	if (ctx.err) {
		err_msg("failed to read the policy maps: %s", strerror(-ctx.err));
		return EXIT_RUNTIME;
	}
	explain_text(env, &d, ns_mode == PIDPOLICY_MODE_UNSET, why, sizeof(why));
	format_ns(env->rule.ns_inum, ns, sizeof(ns));
	format_who(env, caller, sizeof(caller));
	if (!env->json) {
		printf("namespace: %s\ncaller:    %s\npid:       %u\n", ns, caller, env->pid);
		printf("mode:      %s%s\n", mode_name(d.mode),
		       ns_mode == PIDPOLICY_MODE_UNSET ? " (default)" : "");
		format_limit(d.max_chosen, limit, sizeof(limit));
		printf("chosen:    %lld live, limit %s\n", (long long)live, limit);
		printf("verdict:   %s\nreason:    %s\n", verdict_name(d.verdict), why);
		return 0;
	}
	o = json_object_new_object();
	json_object_object_add(o, "ns", json_ns(env->rule.ns_inum));
	json_object_object_add(o, "caller", json_who(env));
	json_object_object_add(o, "pid", json_object_new_uint64(env->pid));
	json_object_object_add(o, "mode", json_object_new_string(mode_name(d.mode)));
	json_object_object_add(o, "mode_from_default",
			       json_object_new_boolean(ns_mode == PIDPOLICY_MODE_UNSET));
	json_object_object_add(o, "verdict", json_object_new_string(verdict_name(d.verdict)));
	json_object_object_add(o, "reason", json_object_new_string(reason_name(d.reason)));
	json_object_object_add(o, "explanation", json_object_new_string(why));
	json_object_object_add(o, "chosen_live", json_object_new_int64(live));
	json_object_object_add(o, "max_chosen", d.max_chosen == PIDPOLICY_NO_LIMIT ? NULL :
			       json_object_new_uint64(d.max_chosen));
	json_object_object_add(o, "matched_rule", d.matched ? json_rule(&d.rule) : NULL);
	json_print(o);
	return 0;
}

/* ---- command line ---------------------------------------------------------- */

static const struct command commands[] = {
	{ "load", OPT_POLICY, 0, 0, cmd_load },
	{ "unload", 0, 0, 0, cmd_unload },
	{ "status", OPT_JSON, 0, 0, cmd_status },
	{ "allow", OPT_NS | OPT_CALLER | OPT_PIDS, OPT_NS | OPT_PIDS, LOCK_EX, cmd_allow },
	{ "revoke", OPT_NS | OPT_CALLER | OPT_PIDS, OPT_NS, LOCK_EX, cmd_revoke },
	{ "mode", OPT_NS | OPT_DEFAULT | OPT_WORD, OPT_WORD, LOCK_EX, cmd_mode },
	{ "limit", OPT_NS | OPT_MAX_CHOSEN, OPT_NS | OPT_MAX_CHOSEN, LOCK_EX, cmd_limit },
	{ "apply", OPT_WORD, OPT_WORD, LOCK_EX, cmd_apply },
	{ "dump", 0, 0, LOCK_SH, cmd_dump },
	{ "monitor", OPT_JSON | OPT_ALL, 0, 0, cmd_monitor },
	{ "show", OPT_NS | OPT_JSON, 0, LOCK_SH, cmd_show },
	{ "explain", OPT_NS | OPT_UID | OPT_CGROUP | OPT_CALLER_PID | OPT_PID | OPT_JSON,
	  OPT_NS | OPT_PID, LOCK_SH, cmd_explain },
};

static const struct option global_options[] = {
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{},
};

static const struct option command_options[] = {
	{ "ns", required_argument, NULL, OPT_NS },
	{ "uid", required_argument, NULL, OPT_UID },
	{ "cgroup", required_argument, NULL, OPT_CGROUP },
	{ "pids", required_argument, NULL, OPT_PIDS },
	{ "pid", required_argument, NULL, OPT_PID },
	{ "default", no_argument, NULL, OPT_DEFAULT },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "max-chosen", required_argument, NULL, OPT_MAX_CHOSEN },
	{ "all", no_argument, NULL, OPT_ALL },
	{ "cgroup-tree", required_argument, NULL, OPT_CGROUP_TREE },
	{ "caller", required_argument, NULL, OPT_CALLER_PID },
	{ "policy", required_argument, NULL, OPT_POLICY },
	{ "help", no_argument, NULL, 'h' },
	{},
};

static const char *option_name(unsigned int bit)
{
	const struct option *o;

	if (bit == OPT_WORD)
		return "a mode (enforce|audit|off) or FILE";
	for (o = command_options; o->name; o++)
		if ((unsigned int)o->val == bit)
			return o->name;
	return "?";
}

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int usage_error(const char *fmt, ...)
{
	char msg[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	err_msg("%s (see 'pidpolicy --help')", msg);
	return EXIT_USAGE;
}

/* Options and arguments after the command name: argv[0] is the command. */
static int parse_command_args(int argc, char **argv, struct env *env)
{
	const struct command *cmd = env->cmd;
	const char **arg;
	int c;

	optind = 0;	/* restart getopt on the command's arguments */
	while ((c = getopt_long(argc, argv, ":h", command_options, NULL)) != -1) {
		if (c == 'h') {
			fputs(usage_text, stdout);
			return -1;
		}
		if (c == ':')
			return usage_error("option %s needs a value", argv[optind - 1]);
		if (c == '?')
			return usage_error("unknown option '%s' for '%s'",
					   argv[optind - 1], cmd->name);
		if (!(cmd->allowed & (unsigned int)c))
			return usage_error("option --%s is not valid for '%s'",
					   option_name((unsigned int)c), cmd->name);
		env->given |= (unsigned int)c;
		arg = c == OPT_NS ? &env->ns_arg : c == OPT_UID ? &env->uid_arg :
		      c == OPT_CGROUP ? &env->cgroup_arg :
		      c == OPT_PIDS ? &env->pids_arg :
		      c == OPT_PID ? &env->pid_arg :
		      c == OPT_CGROUP_TREE ? &env->cgroup_tree_arg :
		      c == OPT_CALLER_PID ? &env->caller_pid_arg :
		      c == OPT_POLICY ? &env->policy_arg :
		      c == OPT_MAX_CHOSEN ? &env->max_chosen_arg : NULL;
		if (arg)
			*arg = optarg;
	}
	if (optind < argc && (cmd->allowed & OPT_WORD)) {
		env->word = argv[optind++];
		env->given |= OPT_WORD;
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s' for '%s'", argv[optind],
				   cmd->name);
	return 0;
}

/* Checks which options were given together. */
static int check_given(const struct env *env)
{
	const struct command *cmd = env->cmd;
	unsigned int missing = cmd->required & ~env->given;

	if (missing)
		return usage_error("'%s' needs %s%s", cmd->name,
				   missing & OPT_WORD ? "" : "--",
				   option_name(missing & -missing));
	if (env->given & OPT_CALLER_PID && env->given & (OPT_UID | OPT_CGROUP))
		return usage_error("give --caller PID, or --uid and --cgroup, not both");
	/* a rule is for one caller: a uid, a cgroup or a cgroup tree */
	if (!(cmd->allowed & OPT_CALLER_PID) && __builtin_popcount(env->given & OPT_CALLER) > 1)
		return usage_error("give one of --uid, --cgroup and --cgroup-tree");
	if ((cmd->allowed & OPT_DEFAULT) &&
	    !(env->given & OPT_NS) == !(env->given & OPT_DEFAULT))
		return usage_error("'%s' needs one of --ns and --default", cmd->name);
	return 0;
}

/*
 * explain's caller: the uid (none: UINT64_MAX, which no uid rule holds), and
 * the cgroup at path (none: 0) with the ancestors the BPF program would see,
 * levels 0 (the root) to PIDPOLICY_CGROUP_TREE_LEVELS - 1.
 */
static int explain_caller(struct env *env, bool has_uid, __u32 uid, const char *path,
			  char *err, size_t errlen)
{
	__u64 ids[256];
	size_t n, i;
	int ret;

	env->who.uid = has_uid ? uid : UINT64_MAX;
	if (!path)
		return 0;
	if (parse_cgroup(path, &env->who.cgroup_id, err, errlen))
		return -1;
	ret = cgroup_ancestors(path, ids, sizeof(ids) / sizeof(ids[0]), &n);
	if (ret) {
		snprintf(err, errlen, "cannot read the ancestors of cgroup %.300s: %s", path,
			 strerror(-ret));
		return -1;
	}
	for (i = 0; i < n && i < PIDPOLICY_CGROUP_TREE_LEVELS; i++)
		env->who.cgroup_tree[i] = ids[n - 1 - i];
	return 0;
}

/* Turns the option strings into the rule key, ranges, pid and mode. */
static int parse_values(struct env *env)
{
	char err[512], caller_cgroup[PATH_MAX];
	bool is_path;
	__u32 uid = 0;

	env->json = env->given & OPT_JSON;
	env->rule.caller_kind = PIDPOLICY_CALLER_ANY;
	if ((env->ns_arg &&
	     parse_ns_spec(env->ns_arg, &env->rule.ns_inum, &is_path, err, sizeof(err))) ||
	    (env->uid_arg && parse_uid(env->uid_arg, &uid, err, sizeof(err))) ||
	    (env->cgroup_arg &&
	     parse_cgroup(env->cgroup_arg, &env->rule.caller_id, err, sizeof(err))) ||
	    (env->cgroup_tree_arg &&
	     parse_cgroup_tree(env->cgroup_tree_arg, &env->rule.caller_id, err, sizeof(err))) ||
	    (env->caller_pid_arg &&
	     parse_caller_pid(env->caller_pid_arg, &uid, caller_cgroup, sizeof(caller_cgroup),
			      err, sizeof(err))) ||
	    (env->cmd->run == cmd_explain &&
	     explain_caller(env, env->uid_arg || env->caller_pid_arg, uid,
			    env->caller_pid_arg ? caller_cgroup : env->cgroup_arg,
			    err, sizeof(err))) ||
	    (env->pids_arg &&
	     parse_ranges(env->pids_arg, PIDPOLICY_PID_LIMIT, &env->ranges,
			  &env->nr_ranges, err, sizeof(err))) ||
	    (env->pid_arg && parse_pid(env->pid_arg, &env->pid, err, sizeof(err))) ||
	    (env->word && !strcmp(env->cmd->name, "mode") &&
	     parse_mode(env->word, &env->mode, err, sizeof(err))) ||
	    (env->max_chosen_arg &&
	     parse_max_chosen(env->max_chosen_arg, &env->max_chosen, err, sizeof(err)))) {
		err_msg("%s", err);
		return EXIT_USAGE;
	}
	if (env->uid_arg) {
		env->rule.caller_kind = PIDPOLICY_CALLER_UID;
		env->rule.caller_id = uid;
	} else if (env->cgroup_arg) {
		env->rule.caller_kind = PIDPOLICY_CALLER_CGROUP;
	} else if (env->cgroup_tree_arg) {
		env->rule.caller_kind = PIDPOLICY_CALLER_CGROUP_TREE;
	}
	return 0;
}

/* 0 to run the command, -1 when done (help), or an exit status. */
static int parse_args(int argc, char **argv, struct env *env)
{
	size_t i;
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+vh", global_options, NULL)) != -1) {
		if (c == 'v') {
			env->verbose = true;
		} else if (c == 'h') {
			fputs(usage_text, stdout);
			return -1;
		} else {
			return usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return usage_error("missing command");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[optind], commands[i].name))
			env->cmd = &commands[i];
	if (!env->cmd)
		return usage_error("unknown command '%s'", argv[optind]);
	return parse_command_args(argc - optind, argv + optind, env) ?:
	       check_given(env) ?: parse_values(env);
}

int main(int argc, char **argv)
{
	struct pins pins = PINS_INIT;
	struct env env = {};
	int err;

	err = parse_args(argc, argv, &env);
	if (err)
		goto cleanup;
	verbose = env.verbose;
	libbpf_set_print(libbpf_print_fn);

	err = check_root();
	if (err)
		goto cleanup;
	if (env.cmd->needs_pins) {
		err = open_pins(&pins, env.cmd->needs_pins);
		if (err)
			goto cleanup;
		env.rule.gen = pins.gen;
	}
	err = env.cmd->run(&env, &pins);

cleanup:
	close_pins(&pins);
	free(env.ranges);
	return err < 0 ? 0 : err;
}
