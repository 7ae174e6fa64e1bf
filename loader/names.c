// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Names of what the policy holds and decides, as the commands print them
 * (see names.h).
 */
#include <stdio.h>
#include "names.h"

void format_ns(__u32 inum, char *buf, size_t len)
{
	if (inum == PIDPOLICY_NS_ANY)
		snprintf(buf, len, "any");
	else
		snprintf(buf, len, "%u", inum);
}

void format_caller(const struct pidpolicy_rule_key *key, char *buf,
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

const char *caller_kind_name(__u32 kind)
{
	return kind == PIDPOLICY_CALLER_UID ? "uid" :
	       kind == PIDPOLICY_CALLER_CGROUP ? "cgroup" :
	       kind == PIDPOLICY_CALLER_CGROUP_TREE ? "cgroup-tree" : "any";
}

const char *verdict_name(__u32 verdict)
{
	return verdict == PIDPOLICY_DENY ? "deny" :
	       verdict == PIDPOLICY_AUDIT ? "audit-only" : "allow";
}

const char *reason_name(__u32 reason)
{
	return reason == PIDPOLICY_REASON_RULE ? "rule" :
	       reason == PIDPOLICY_REASON_MODE_OFF ? "mode-off" :
	       reason == PIDPOLICY_REASON_NO_RULE ? "no-rule" :
	       reason == PIDPOLICY_REASON_QUOTA ? "quota" :
	       reason == PIDPOLICY_REASON_ACCOUNTING ? "accounting" : "range";
}
