/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Names of what the policy holds and decides, as the commands print them:
 * namespaces, callers, verdicts, reasons, and the kernel's pid choice sources.
 * Shared by the commands and `monitor`.
 */
#ifndef PIDPOLICY_NAMES_H
#define PIDPOLICY_NAMES_H

#include <stddef.h>
#include "pidpolicy.h"

/* "uid:N", "cgroup:N", "cgroup-tree:N" or "any". */
void format_caller(const struct pidpolicy_rule_key *key, char *buf, size_t len);
/* "uid", "cgroup", "cgroup-tree" or "any". */
const char *caller_kind_name(__u32 kind);
/* "allow", "deny" or "audit-only"; NULL for a value pidpolicy.h lacks. */
const char *verdict_name(__u32 verdict);
/* "rule", "mode-off", "no-rule", "range", "quota" or "accounting"; or NULL. */
const char *reason_name(__u32 reason);
/*
 * A value of the kernel's enum pid_choice_source ("clone3", "clone2",
 * "ns_last_pid"): its PID_CHOICE_* name in the running kernel's BTF, so a
 * kernel that renumbers or adds sources is named right. NULL for a value
 * the kernel does not name, or without kernel BTF.
 */
const char *source_name(__u32 source);
/* Read the kernel's names for source_name() now rather than at its first call. */
void read_source_names(void);
/* name, or value as a number in buf when name is NULL. */
const char *name_or_number(const char *name, __u32 value, char *buf, size_t len);

#endif /* PIDPOLICY_NAMES_H */
