// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Names of what the policy holds and decides, as the commands print them
 * (see names.h): the kernel's names from its BTF, ours from pidpolicy.h.
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <bpf/btf.h>
#include "names.h"

#define SOURCE_ENUM	"pid_choice_source"
#define SOURCE_PREFIX	"PID_CHOICE_"
#define MAX_SOURCES	8

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
	switch (verdict) {
	case PIDPOLICY_ALLOW:	return "allow";
	case PIDPOLICY_DENY:	return "deny";
	case PIDPOLICY_AUDIT:	return "audit-only";
	}
	return NULL;
}

const char *reason_name(__u32 reason)
{
	switch (reason) {
	case PIDPOLICY_REASON_RULE:	return "rule";
	case PIDPOLICY_REASON_MODE_OFF:	return "mode-off";
	case PIDPOLICY_REASON_NO_RULE:	return "no-rule";
	case PIDPOLICY_REASON_RANGE:	return "range";
	case PIDPOLICY_REASON_QUOTA:	return "quota";
	case PIDPOLICY_REASON_ACCOUNTING: return "accounting";
	}
	return NULL;
}

/*
 * The kernel's enum pid_choice_source, as its BTF has it: the names of its
 * PID_CHOICE_* values, lowercase and without the prefix, by value. Read
 * once; values this kernel does not name stay NULL.
 */
static char source_names[MAX_SOURCES][24];
static bool sources_read;

void read_source_names(void)
{
	const size_t plen = strlen(SOURCE_PREFIX);
	const struct btf_type *t = NULL;
	const struct btf_enum *e;
	const char *name;
	struct btf *btf;
	size_t i, j;
	int id;

	if (sources_read)
		return;
	sources_read = true;
	btf = btf__load_vmlinux_btf();
	if (!btf)
		return;
	id = btf__find_by_name_kind(btf, SOURCE_ENUM, BTF_KIND_ENUM);
	if (id > 0)
		t = btf__type_by_id(btf, id);
	for (i = 0, e = t ? btf_enum(t) : NULL; t && i < btf_vlen(t); i++, e++) {
		name = btf__name_by_offset(btf, e->name_off);
		if (e->val < 0 || e->val >= MAX_SOURCES || !name ||
		    strncmp(name, SOURCE_PREFIX, plen))
			continue;
		for (j = 0; name[plen + j] && j < sizeof(source_names[0]) - 1; j++)
			source_names[e->val][j] = (char)tolower((unsigned char)name[plen + j]);
	}
	btf__free(btf);
}

const char *source_name(__u32 source)
{
	read_source_names();
	return source < MAX_SOURCES && source_names[source][0] ? source_names[source] : NULL;
}

const char *name_or_number(const char *name, __u32 value, char *buf, size_t len)
{
	if (name)
		return name;
	snprintf(buf, len, "%u", value);
	return buf;
}
