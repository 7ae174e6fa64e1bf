/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* JSON output of the pidpolicy commands. */
#ifndef PIDPOLICY_OUTPUT_H
#define PIDPOLICY_OUTPUT_H

#include <json-c/json.h>
#include "pidpolicy.h"

/* Print o on stdout and put it. */
void json_print(struct json_object *o);
/* A namespace: its inode number, 0 (PIDPOLICY_NS_ANY) for any. */
struct json_object *json_ns(__u32 inum);
/* A rule's key: {"ns": N, "caller": {"kind": K, "id": N}}. */
struct json_object *json_rule(const struct pidpolicy_rule_key *key);

#endif /* PIDPOLICY_OUTPUT_H */
