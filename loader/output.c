// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * JSON output of the pidpolicy commands (see output.h).
 */
#include <stdio.h>
#include "names.h"
#include "output.h"

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
	puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
					       JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}
