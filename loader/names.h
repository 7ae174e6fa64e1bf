/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Names of what the policy holds and decides, as the commands print them:
 * namespaces, callers, verdicts and reasons.
 */
#ifndef PIDPOLICY_NAMES_H
#define PIDPOLICY_NAMES_H

#include <stddef.h>
#include "pidpolicy.h"

/* "any" or the namespace's inode number. */
void format_ns(__u32 inum, char *buf, size_t len);
/* "uid:N", "cgroup:N", "cgroup-tree:N" or "any". */
void format_caller(const struct pidpolicy_rule_key *key, char *buf, size_t len);
/* "uid", "cgroup", "cgroup-tree" or "any". */
const char *caller_kind_name(__u32 kind);
/* "allow", "deny" or "audit-only". */
const char *verdict_name(__u32 verdict);
/* "rule", "mode-off", "no-rule", "range", "quota" or "accounting". */
const char *reason_name(__u32 reason);

#endif /* PIDPOLICY_NAMES_H */
