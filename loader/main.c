// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * pidpolicy: load the pid policy BPF LSM program (bpf/pidpolicy.bpf.c) and
 * edit its pinned maps under /sys/fs/bpf/pidpolicy.
 *
 * This file holds the command table, the option parsing and the usage; each
 * command lives in the file of its job (see main.h).
 *
 * Exit status: 0 success, 1 runtime error, 2 usage error. Every edit is
 * validated before any map is touched, and undone if a map update fails.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "cgroup.h"
#include "main.h"
#include "monitor.h"
#include "pins.h"

/* `git describe` of the tree it was built from (Makefile). */
#ifndef PIDPOLICY_VERSION
#define PIDPOLICY_VERSION	"unknown"
#endif

static const char usage_text[] =
"Usage: pidpolicy [-v] [-j | -p] COMMAND [OPTIONS]\n"
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
"  -j, --json                 JSON output, compact, errors included: {\"error\": ...}\n"
"  -p, --pretty               JSON output, indented (-j and -p go before or after COMMAND)\n"
"  -V, --version              show the version of pidpolicy and of libbpf\n"
"  -h, --help                 show this help\n"
"\n"
"Exit status: 0 success, 1 runtime error, 2 usage error.\n";

struct command {
	const char *name;
	unsigned int allowed;		/* enum opt_bits */
	unsigned int required;
	enum pins_lock needs_pins;	/* run only when loaded, holding this
					 * lock (0: none, nor the maps) */
	bool json;			/* has JSON output of its own; with -j
					 * the others print null, as bpftool's */
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

static int cmd_monitor(const struct env *env, const struct pins *pins)
{
	(void)pins;
	return monitor_events(env->json, env->given & OPT_ALL);
}

static const struct command commands[] = {
	{ "load", OPT_POLICY, 0, 0, false, cmd_load },
	{ "unload", 0, 0, 0, false, cmd_unload },
	{ "status", 0, 0, 0, true, cmd_status },
	{ "allow", OPT_NS | OPT_CALLER | OPT_PIDS, OPT_NS | OPT_PIDS, PINS_EDIT, false, cmd_allow },
	{ "revoke", OPT_NS | OPT_CALLER | OPT_PIDS, OPT_NS, PINS_EDIT, false, cmd_revoke },
	{ "mode", OPT_NS | OPT_DEFAULT | OPT_WORD, OPT_WORD, PINS_EDIT, false, cmd_mode },
	{ "limit", OPT_NS | OPT_MAX_CHOSEN, OPT_NS | OPT_MAX_CHOSEN, PINS_EDIT, false, cmd_limit },
	{ "apply", OPT_WORD, OPT_WORD, PINS_APPLY, false, cmd_apply },
	{ "dump", 0, 0, PINS_READ, true, cmd_dump },
	{ "monitor", OPT_ALL, 0, 0, true, cmd_monitor },
	{ "show", OPT_NS, 0, PINS_READ, true, cmd_show },
	{ "explain", OPT_NS | OPT_UID | OPT_CGROUP | OPT_CALLER_PID | OPT_PID,
	  OPT_NS | OPT_PID, PINS_READ, true, cmd_explain },
};

#define ARG(name, val)	{ name, required_argument, NULL, val }
#define FLAG(name, val)	{ name, no_argument, NULL, val }

/* Before the command. */
static const struct option global_options[] = {
	FLAG("verbose", 'v'), FLAG("help", 'h'), FLAG("json", 'j'), FLAG("pretty", 'p'),
	FLAG("version", 'V'), {},
};

/* After it: the command's own, -j and -p (every command's), and help. */
static const struct option command_options[] = {
	ARG("ns", OPT_NS), ARG("uid", OPT_UID), ARG("cgroup", OPT_CGROUP), ARG("pids", OPT_PIDS),
	ARG("pid", OPT_PID), FLAG("default", OPT_DEFAULT), FLAG("json", 'j'), FLAG("pretty", 'p'),
	ARG("max-chosen", OPT_MAX_CHOSEN), FLAG("all", OPT_ALL),
	ARG("cgroup-tree", OPT_CGROUP_TREE), ARG("caller", OPT_CALLER_PID),
	ARG("policy", OPT_POLICY), FLAG("help", 'h'), {},
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
	while ((c = getopt_long(argc, argv, ":hjp", command_options, NULL)) != -1) {
		if (c == 'h') {
			fputs(usage_text, stdout);
			return -1;
		}
		if (c == 'j' || c == 'p')
			continue;	/* read by scan_output_options() */
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
 * The caller of the rule (--uid, --cgroup or --cgroup-tree) into
 * env->rule, and for explain the caller whole (with --caller PID).
 */
static int parse_caller(struct env *env, char *err, size_t errlen)
{
	char caller_cgroup[PATH_MAX];
	__u32 uid = 0;
	int ret = 0;

	env->rule.caller_kind = PIDPOLICY_CALLER_ANY;
	if (env->uid_arg)
		ret = parse_uid(env->uid_arg, &uid, err, errlen);
	if (!ret && env->cgroup_arg)
		ret = parse_cgroup(env->cgroup_arg, &env->rule.caller_id, err, errlen);
	if (!ret && env->cgroup_tree_arg)
		ret = parse_cgroup_tree(env->cgroup_tree_arg, &env->rule.caller_id, err, errlen);
	if (!ret && env->caller_pid_arg)
		ret = parse_caller_pid(env->caller_pid_arg, &uid, caller_cgroup,
				       sizeof(caller_cgroup), err, errlen);
	if (!ret && env->cmd->run == cmd_explain)
		ret = explain_caller(env, env->uid_arg || env->caller_pid_arg, uid,
				     env->caller_pid_arg ? caller_cgroup : env->cgroup_arg,
				     err, errlen);
	if (ret)
		return ret;
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

/* Turns the option strings into the rule key, ranges, pid and mode. */
static int parse_values(struct env *env)
{
	char err[512];
	int ret = 0;

	env->json = output_json();
	if (env->ns_arg)
		ret = parse_ns_spec(env->ns_arg, &env->rule.ns_inum, &env->ns_id, &env->ns_fd,
				    err, sizeof(err));
	if (!ret)
		ret = parse_caller(env, err, sizeof(err));
	if (!ret && env->pids_arg)
		ret = parse_ranges(env->pids_arg, PIDPOLICY_PID_LIMIT, &env->ranges,
				   &env->nr_ranges, err, sizeof(err));
	if (!ret && env->pid_arg)
		ret = parse_pid(env->pid_arg, &env->pid, err, sizeof(err));
	if (!ret && env->word && !strcmp(env->cmd->name, "mode"))
		ret = parse_mode(env->word, &env->mode, err, sizeof(err));
	if (!ret && env->max_chosen_arg)
		ret = parse_max_chosen(env->max_chosen_arg, &env->max_chosen, err, sizeof(err));
	if (ret) {
		err_msg("%s", err);
		return EXIT_USAGE;
	}
	return 0;
}

/*
 * -j/--json and -p/--pretty hold wherever they stand, before or after the
 * command, and an error found before them is printed in JSON already: read
 * them first. getopt_long() in "-" mode keeps argv in order and hands each
 * command option its value, so no value (--pids -j?) is taken for them.
 */
static void scan_output_options(int argc, char **argv)
{
	bool json = false, pretty = false;
	int c;

	opterr = 0;
	optind = 0;
	while ((c = getopt_long(argc, argv, "-vhjpV", command_options, NULL)) != -1) {
		json |= c == 'j';
		pretty |= c == 'p';
	}
	if (json || pretty)
		output_set_json(pretty);
	optind = 0;
}

static void print_version(void)
{
	struct json_object *o;
	char libbpf[32];

	snprintf(libbpf, sizeof(libbpf), "%u.%u", libbpf_major_version(),
		 libbpf_minor_version());
	if (!output_json()) {
		printf("pidpolicy %s\nusing libbpf v%s\n", PIDPOLICY_VERSION, libbpf);
		return;
	}
	o = json_object_new_object();
	json_object_object_add(o, "version", json_object_new_string(PIDPOLICY_VERSION));
	json_object_object_add(o, "libbpf_version", json_object_new_string(libbpf));
	json_print(o);
}

/* 0 to run the command, -1 when done (help, version), or an exit status. */
static int parse_args(int argc, char **argv, struct env *env)
{
	size_t i;
	int c, ret;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+vhjpV", global_options, NULL)) != -1) {
		if (c == 'v') {
			env->verbose = true;
		} else if (c == 'j' || c == 'p') {
			continue;	/* read by scan_output_options() */
		} else if (c == 'h') {
			fputs(usage_text, stdout);
			return -1;
		} else if (c == 'V') {
			print_version();
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
	ret = parse_command_args(argc - optind, argv + optind, env);
	if (ret)
		return ret;
	ret = check_given(env);
	if (ret)
		return ret;
	return parse_values(env);
}

/*
 * Readers (status, show, dump, explain) print into memory and write it out
 * once the readers' lock is released: one whose standard output is a pipe
 * nobody reads (`pidpolicy show | sleep 600`) must not hold the lock that
 * edits and apply's switch wait for.
 */
struct held_output {
	FILE *real;			/* stdout while held, else NULL */
	char *buf;
	size_t len;
};

static bool reads_under_lock(const struct command *cmd)
{
	return cmd->needs_pins == PINS_READ || cmd->run == cmd_status;
}

static int hold_output(struct held_output *o)
{
	FILE *mem = open_memstream(&o->buf, &o->len);

	if (!mem) {
		err_msg("cannot buffer the output: %s", strerror(errno));
		return EXIT_RUNTIME;
	}
	fflush(stdout);
	o->real = stdout;
	stdout = mem;
	return 0;
}

/* Write what was held to the real standard output. */
static void release_output(struct held_output *o)
{
	if (!o->real)
		return;
	fclose(stdout);
	stdout = o->real;
	o->real = NULL;
	fwrite(o->buf, 1, o->len, stdout);
	free(o->buf);
}

int main(int argc, char **argv)
{
	struct held_output out = {};
	struct pins pins = PINS_INIT;
	struct env env = { .ns_fd = -1 };
	int err;

	scan_output_options(argc, argv);
	err = parse_args(argc, argv, &env);
	if (err)
		goto cleanup;
	verbose = env.verbose;
	libbpf_set_print(libbpf_print_fn);

	err = check_root();
	if (!err && reads_under_lock(env.cmd))
		err = hold_output(&out);
	if (err)
		goto cleanup;
	if (env.cmd->needs_pins) {
		err = open_pins(&pins, env.cmd->needs_pins);
		if (err)
			goto cleanup;
		env.rule.gen = pins.gen;
	}
	err = env.cmd->run(&env, &pins);
	if (!err && env.json && !env.cmd->json)
		json_print(NULL);	/* stdout is a JSON document */

cleanup:
	close_pins(&pins);
	release_output(&out);
	if (env.ns_fd >= 0)
		close(env.ns_fd);
	free(env.ranges);
	return err < 0 ? 0 : err;
}
