// SPDX-License-Identifier: GPL-2.0
/*
 * The process tree tests/criu/criu_test.c checkpoints and restores:
 *
 *   criu-tree DIR
 *
 * Started as pid 1 of a new pid namespace, it forks
 *
 *   1 root ─┬─ 2 reader   (reads the ticks root writes into a pipe)
 *           └─ 3 middle ── 4 leaf  (leaf writes ticks into a pipe to middle)
 *
 * and every process then counts forever: each tick it writes its count to
 * DIR/<name>.count, a file it keeps open, so a restored tree shows that it
 * runs on by counts that keep growing from where the dump left them.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *dir;

/* Count forever, reading a tick from in and/or writing one to out first. */
static void __attribute__((noreturn)) run(const char *name, int in, int out)
{
	struct timespec tick = { .tv_nsec = 20 * 1000 * 1000 };
	unsigned long count = 0;
	char path[4096], buf[32];
	int fd, len;
	char c = 't';

	snprintf(path, sizeof(path), "%s/%s.count", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		exit(1);
	for (;;) {
		if (out >= 0 && write(out, &c, 1) != 1)
			exit(1);
		if (in >= 0 && read(in, &c, 1) != 1)
			exit(1);
		len = snprintf(buf, sizeof(buf), "%-20lu\n", ++count);
		if (pwrite(fd, buf, len, 0) != len)
			exit(1);
		nanosleep(&tick, NULL);
	}
}

int main(int argc, char **argv)
{
	int root_to_reader[2], leaf_to_middle[2];

	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	dir = argv[1];
	if (pipe(root_to_reader) || pipe(leaf_to_middle))
		return 1;

	switch (fork()) {
	case -1:
		return 1;
	case 0:
		run("reader", root_to_reader[0], -1);
	}
	switch (fork()) {
	case -1:
		return 1;
	case 0:
		switch (fork()) {
		case -1:
			return 1;
		case 0:
			run("leaf", -1, leaf_to_middle[1]);
		}
		run("middle", leaf_to_middle[0], -1);
	}
	run("root", -1, root_to_reader[1]);
}
