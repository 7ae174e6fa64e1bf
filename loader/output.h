/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * How pidpolicy writes, as bpftool does: text, or with -j/--json a JSON
 * document on stdout (compact; indented with -p/--pretty), errors included.
 */
#ifndef PIDPOLICY_OUTPUT_H
#define PIDPOLICY_OUTPUT_H

#include <stdbool.h>
#include <json-c/json.h>
#include "pidpolicy.h"

/* JSON from now on (pretty: indented), errors included. */
void output_set_json(bool pretty);
bool output_json(void);

/*
 * An error: "pidpolicy: " and the message on stderr, or in JSON mode
 * {"error": "message"} on stdout. Either way one line (control characters
 * of what the user gave become '?'), the whole message in JSON.
 */
void err_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A problem the command succeeds despite: as err_msg's text, on stderr always. */
void note_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Print o on stdout, compact or pretty, and put it; NULL prints null. */
void json_print(struct json_object *o);
/* A namespace: its inode number, 0 (PIDPOLICY_NS_ANY) for any. */
struct json_object *json_ns(__u32 inum);
/* A rule's key: {"ns": N, "caller": {"kind": K, "id": N}}. */
struct json_object *json_rule(const struct pidpolicy_rule_key *key);

#endif /* PIDPOLICY_OUTPUT_H */
