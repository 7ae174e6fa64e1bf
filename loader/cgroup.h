/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Cgroups as the BPF program sees them: by id (the inode number of the
 * cgroup's directory) and at a level counted from the root of the whole
 * cgroup v2 hierarchy, as bpf_get_current_ancestor_cgroup_id() counts.
 */
#ifndef PIDPOLICY_CGROUP_H
#define PIDPOLICY_CGROUP_H

#include <stddef.h>
#include <linux/types.h>

/* PATH of a cgroup v2 directory: *id is its cgroup id (inode number). */
int parse_cgroup(const char *path, __u64 *id, char *err, size_t errlen);
/*
 * PATH of a --cgroup-tree rule: a cgroup v2 directory no deeper than level
 * PIDPOLICY_CGROUP_TREE_LEVELS - 1 (the hierarchy's root is level 0), whose
 * id goes to *id.
 */
int parse_cgroup_tree(const char *path, __u64 *id, char *err, size_t errlen);
/*
 * The ids of cgroup id and of its ancestors up to the root of the whole
 * hierarchy: ids[0..*n), id's own first, so *n - 1 is its level. At most
 * max (-E2BIG beyond). 0 or -errno: -ENOENT when no cgroup has that id now,
 * -EXDEV when /sys/fs/cgroup is not the whole hierarchy.
 */
int cgroup_ancestors(__u64 id, __u64 *ids, size_t max, size_t *n);
/*
 * A cgroup id as a rule's caller must be: a cgroup that exists, and for a
 * tree rule one at most PIDPOLICY_CGROUP_TREE_LEVELS - 1 levels deep, where
 * the program can see it. 0, or -1 with the reason in err.
 */
int check_cgroup_id(__u64 id, int tree, char *err, size_t errlen);
/*
 * The path of cgroup id under /sys/fs/cgroup into buf: 1; 0 when it has no
 * path a policy file can hold (whitespace or '#' in it, or too long for
 * buf); -1 when no cgroup has that id now. For policy_write_named().
 */
int cgroup_name(__u64 id, char *buf, size_t len);

#endif /* PIDPOLICY_CGROUP_H */
