// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * How pidpolicy writes (see output.h): text, or JSON documents and errors,
 * compact or pretty.
 */
#include <stdarg.h>
#include <stdio.h>
#include "names.h"
#include "output.h"
#include "parse.h"

static bool json_mode;
static int json_flags = JSON_C_TO_STRING_PLAIN;

void output_set_json(bool pretty)
{
	json_mode = true;
	if (pretty)
		json_flags = JSON_C_TO_STRING_PRETTY;
}

bool output_json(void)
{
	return json_mode;
}

static void vmsg(bool as_json, const char *fmt, va_list ap)
{
	struct json_object *o;
	char msg[4096];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	one_line(msg);
	if (!as_json) {
		fprintf(stderr, "pidpolicy: %s\n", msg);
		return;
	}
	o = json_object_new_object();
	json_object_object_add(o, "error", json_object_new_string(msg));
	json_print(o);
}

void err_msg(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(json_mode, fmt, ap);
	va_end(ap);
}

void note_msg(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(false, fmt, ap);
	va_end(ap);
}

/*
 * "ns" is a number in every JSON output, as in the maps: the namespace's
 * inode, 0 (PIDPOLICY_NS_ANY) for any.
 */
struct json_object *json_ns(__u32 inum)
{
	return json_object_new_uint64(inum);
}

struct json_object *json_rule(const struct pidpolicy_rule_key *key)
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

void json_print(struct json_object *o)
{
	puts(json_object_to_json_string_ext(o, json_flags | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}
