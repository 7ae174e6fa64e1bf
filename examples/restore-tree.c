// SPDX-License-Identifier: GPL-2.0
/*
 * restore-tree: recreate a process tree, nested pid namespaces included, from
 * a plain description of each process's NSpid vector, with clone2(). Shows
 * what a restore tool does; CRIU cannot restore nested pid namespaces.
 *
 *   restore-tree FILE
 *
 * FILE has one process per line: its NSpid vector as /proc/PID/status shows
 * it (outermost pid first, as seen from the namespace restore-tree runs in),
 * indented under its parent. A vector one entry longer than its parent's
 * starts a new pid namespace and must end in 1. '#' starts a comment.
 *
 *   4000 1            # init of a new pid namespace
 *     4001 2
 *     4002 3 1        # init of a namespace nested in it
 *       4003 4 2
 *
 * Every process is created by its parent, so parentage matches the
 * description. restore-tree prints each process's NSpid line as the kernel
 * reports it, checks it against the description, then ends the tree. It
 * exits 0 if the whole tree was restored as described.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "clone2.h"

#define MAX_PROCS	256
#define MAX_LEVELS	33	/* NSpid entries of the deepest namespace */

struct proc {
	int depth;		/* indentation level in the description */
	int parent;		/* index of the parent, -1 for the roots */
	unsigned int nr;	/* entries in nspid */
	pid_t nspid[MAX_LEVELS];
	int line;
};

static struct proc procs[MAX_PROCS];
static int nr_procs;
static int ready_pipe[2];	/* each restored process reports here */
static int release_pipe[2];	/* closed by restore-tree to end the tree */

static int parse_line(const char *file, int line, char *buf)
{
	struct proc *p = &procs[nr_procs];
	char *s = buf, *end;
	int indent = 0, i;

	buf[strcspn(buf, "#\n")] = '\0';
	while (*s == ' ' || *s == '\t')
		indent += *s++ == '\t' ? 8 : 1;
	if (!*s)
		return 0;
	if (nr_procs == MAX_PROCS) {
		fprintf(stderr, "%s:%d: more than %d processes\n", file, line, MAX_PROCS);
		return -1;
	}
	memset(p, 0, sizeof(*p));
	p->line = line;
	p->depth = indent;
	while (*s) {
		long v = strtol(s, &end, 10);

		if (end == s || v < 0 || v > INT32_MAX || p->nr == MAX_LEVELS) {
			fprintf(stderr, "%s:%d: expected up to %d pids, got '%s'\n",
				file, line, MAX_LEVELS, s);
			return -1;
		}
		p->nspid[p->nr++] = v;
		for (s = end; *s == ' ' || *s == '\t'; s++)
			;
	}

	p->parent = -1;
	for (i = nr_procs - 1; i >= 0; i--) {
		if (procs[i].depth < indent) {
			p->parent = i;
			break;
		}
	}
	nr_procs++;
	return 0;
}

/* A child extends its parent's vector by at most one new namespace. */
static int check_tree(const char *file)
{
	int i;

	for (i = 0; i < nr_procs; i++) {
		struct proc *p = &procs[i];
		unsigned int base = p->parent < 0 ? 1 : procs[p->parent].nr;

		if (p->nr != base && p->nr != base + 1) {
			fprintf(stderr, "%s:%d: %u pids, but its parent's namespace needs %u (or %u for a new namespace)\n",
				file, p->line, p->nr, base, base + 1);
			return -1;
		}
		if (p->nr == base + 1 && p->nspid[p->nr - 1] != 1) {
			fprintf(stderr, "%s:%d: a new pid namespace starts with pid 1\n",
				file, p->line);
			return -1;
		}
	}
	return 0;
}

static int read_description(const char *file)
{
	char buf[1024];
	int line = 0, err = 0;
	FILE *f = fopen(file, "r");

	if (!f) {
		fprintf(stderr, "restore-tree: %s: %s\n", file, strerror(errno));
		return -1;
	}
	while (!err && fgets(buf, sizeof(buf), f))
		err = parse_line(file, ++line, buf);
	fclose(f);
	if (!err && !nr_procs) {
		fprintf(stderr, "%s: describes no process\n", file);
		return -1;
	}
	return err ? -1 : check_tree(file);
}

/*
 * Runs in the restored processes, which only make plain system calls: after a
 * raw clone glibc still believes it is its parent (see clone2(2)).
 */
static void restore_children(int self);

static pid_t restore(int i)
{
	struct proc *p = &procs[i];
	unsigned int parent_nr = p->parent < 0 ? 1 : procs[p->parent].nr;
	uint64_t flags = p->nr > parent_nr ? CLONE_NEWPID : 0;
	pid_t pid = clone2_fork(p->nspid, p->nr, flags);

	if (pid == 0)
		restore_children(i);
	return pid;
}

static void restore_children(int self)
{
	char status = 0;
	int i;

	for (i = self + 1; i < nr_procs; i++) {
		if (procs[i].parent == self && restore(i) < 0) {
			status = 1;
			break;
		}
	}
	if (write(ready_pipe[1], &status, 1) != 1 || status)
		_exit(1);
	/* restore-tree reads EOF once every process has reported */
	close(ready_pipe[1]);
	/* Live until restore-tree is done: the release pipe then reads EOF. */
	close(release_pipe[1]);
	while (read(release_pipe[0], &status, 1) < 0 && errno == EINTR)
		;
	while (wait(NULL) > 0 || errno == EINTR)
		;
	_exit(0);
}

/* The NSpid line of the process whose outermost pid is pid. */
static int nspid_line(pid_t pid, char *line, size_t size)
{
	char path[64];
	FILE *f;
	int found = 0;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (!found && fgets(line, size, f))
		found = !strncmp(line, "NSpid:", 6);
	fclose(f);
	line[strcspn(line, "\n")] = '\0';
	return found ? 0 : -1;
}

static int matches(const struct proc *p, const char *line)
{
	char want[MAX_LEVELS * 12 + 8] = "NSpid:";
	size_t len = strlen(want);
	unsigned int i;

	for (i = 0; i < p->nr; i++)
		len += snprintf(want + len, sizeof(want) - len, "\t%d", p->nspid[i]);
	return !strcmp(want, line);
}

int main(int argc, char **argv)
{
	int i, err = 0, restored = 0;
	char status, line[1024];

	if (argc != 2) {
		fprintf(stderr, "usage: restore-tree FILE\n");
		return 2;
	}
	if (read_description(argv[1]))
		return 1;
	if (pipe(ready_pipe) || pipe(release_pipe)) {
		perror("restore-tree: pipe");
		return 1;
	}

	for (i = 0; i < nr_procs; i++) {
		if (procs[i].parent >= 0)
			continue;
		if (restore(i) < 0) {
			fprintf(stderr, "restore-tree: line %d: clone2: %s\n",
				procs[i].line, strerror(errno));
			err = 1;
			break;
		}
	}
	close(ready_pipe[1]);
	while (restored < nr_procs && read(ready_pipe[0], &status, 1) == 1) {
		err |= status;
		restored++;
	}
	if (restored < nr_procs && !err) {
		fprintf(stderr, "restore-tree: %d of %d processes restored\n",
			restored, nr_procs);
		err = 1;
	}

	for (i = 0; !err && i < nr_procs; i++) {
		if (nspid_line(procs[i].nspid[0], line, sizeof(line))) {
			fprintf(stderr, "restore-tree: line %d: no process %d\n",
				procs[i].line, procs[i].nspid[0]);
			err = 1;
		} else {
			int same = matches(&procs[i], line);

			printf("%*s%s%s\n", procs[i].depth, "", line,
			       same ? "" : "   <- differs from the description");
			err |= !same;
		}
	}
	close(release_pipe[1]);
	while (wait(NULL) > 0 || errno == EINTR)
		;
	return err;
}
