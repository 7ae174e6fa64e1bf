// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The pins under PIDPOLICY_PIN_DIR (see pins.h): the pinned maps, opened
 * under the writers' or the readers' lock and checked against this
 * pidpolicy's types; the directory itself, locked and checked; the caller,
 * who must be root.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "main.h"
#include "pins.h"

#define LINK_PIN	PIDPOLICY_PIN_DIR "/pid_choose_link"

#define MSG_ROOT	"must run as root (the policy is in root-only pins under " \
			PIDPOLICY_PIN_DIR ")"
#define MSG_NOT_LOADED	"not loaded: run 'pidpolicy load' first"

#define PINNED_MAP(name_, type_, key_, value_)				\
	{ #name_, offsetof(struct pins, name_), type_, sizeof(key_), sizeof(value_) },

/* PINNED_MAPS (see pins.h) as a table, for the loops over every map. */
static const struct pinned_map {
	const char *name;
	size_t offset;			/* of its fd in struct pins */
	__u32 type;
	__u32 key_size;
	__u32 value_size;
} pinned_maps[] = {
	PINNED_MAPS(PINNED_MAP)
};

#define PIN_FD(pins, m) ((int *)((char *)(pins) + (m)->offset))

int check_root(void)
{
	if (geteuid() == 0)
		return 0;
	err_msg(MSG_ROOT);
	return EXIT_RUNTIME;
}

/*
 * Does this process see the host's uids? In a user namespace the root-only
 * pins look like anyone's (root unmapped): "not loaded" would mislead.
 */
static bool in_initial_user_ns(void)
{
	unsigned long inside, outside, count;
	bool initial = false;
	FILE *f = fopen("/proc/self/uid_map", "re");

	if (f && fscanf(f, "%lu %lu %lu", &inside, &outside, &count) == 3)
		initial = !inside && !outside && count == 4294967295UL;
	if (f)
		fclose(f);
	return initial;
}

const char *const attach_order[NR_PROGS] = {
	"retire_ns", "free_pid_entry", "alloc_pid_exit", "pid_choose",
};

/* A pin directory root's alone: none other could have made its pins. */
static bool pin_dir_safe(const struct stat *st)
{
	return S_ISDIR(st->st_mode) && st->st_uid == 0 &&
	       !(st->st_mode & (S_IWGRP | S_IWOTH));
}

bool is_loaded(void)
{
	struct stat dir, link;

	/*
	 * Whoever can write to the bpffs root (often 1777) can make a
	 * directory or a symlink with a pid_choose_link in it: that proves
	 * nothing, and load must not take it for a load.
	 */
	return !lstat(PIDPOLICY_PIN_DIR, &dir) && pin_dir_safe(&dir) &&
	       !lstat(LINK_PIN, &link) && S_ISREG(link.st_mode) && link.st_uid == 0;
}

bool is_incomplete(void)
{
	struct dirent *de;
	bool found = false;
	struct stat st;
	DIR *d;

	if (is_loaded() || lstat(PIDPOLICY_PIN_DIR, &st) || !pin_dir_safe(&st))
		return false;
	d = opendir(PIDPOLICY_PIN_DIR);
	while (d && !found && (de = readdir(d)))
		found = strcmp(de->d_name, ".") && strcmp(de->d_name, "..") &&
			strcmp(de->d_name, PIDPOLICY_READERS_LOCK_NAME);
	if (d)
		closedir(d);
	return found;
}

void close_pins(struct pins *pins)
{
	size_t i;

	for (i = 0; i < sizeof(pinned_maps) / sizeof(pinned_maps[0]); i++) {
		int *fd = PIN_FD(pins, &pinned_maps[i]);

		if (*fd >= 0)
			close(*fd);
		*fd = -1;
	}
	if (pins->readers >= 0)
		close(pins->readers);	/* drops the locks */
	if (pins->dir >= 0)
		close(pins->dir);
	pins->readers = -1;
	pins->dir = -1;
}

int open_pinned_map(const char *name, __u32 type, __u32 key_size,
		    __u32 value_size, int *fd)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", PIDPOLICY_PIN_DIR, name);
	*fd = bpf_obj_get(path);
	if (*fd < 0 && errno == ENOENT) {
		err_msg(MSG_NOT_LOADED);
		return EXIT_RUNTIME;
	}
	if (*fd < 0 && (errno == EACCES || errno == EPERM)) {
		err_msg(MSG_ROOT);
		return EXIT_RUNTIME;
	}
	if (*fd < 0) {
		err_msg("failed to open pinned map %s: %s", path, strerror(errno));
		return EXIT_RUNTIME;
	}
	/* config's slots are a layout too: an older load's has fewer */
	if (bpf_obj_get_info_by_fd(*fd, &info, &len) || info.type != type ||
	    info.key_size != key_size || info.value_size != value_size ||
	    (!strcmp(name, "config") && info.max_entries != PIDPOLICY_CONFIG_SLOTS)) {
		err_msg("pinned map %s does not match this pidpolicy: run 'pidpolicy unload' and 'pidpolicy load'",
			path);
		return EXIT_RUNTIME;
	}
	return 0;
}

/*
 * readers is -1 only while load fills maps it just made (fill_maps()): no
 * reader can open them before the hook's pin, so there is nobody to lock out.
 */
int lock_readers(const struct pins *pins)
{
	if (pins->readers < 0)
		return 0;
	if (flock(pins->readers, LOCK_EX))
		return -errno;
	return 0;
}

void unlock_readers(const struct pins *pins)
{
	if (pins->readers >= 0)
		flock(pins->readers, LOCK_UN);
}

/* The active policy generation, config[PIDPOLICY_CONFIG_GEN]. */
int read_gen(struct pins *pins)
{
	__u32 slot = PIDPOLICY_CONFIG_GEN;
	__u64 gen;

	if (bpf_map_lookup_elem(pins->config, &slot, &gen)) {
		err_msg("failed to read the policy generation: %s", strerror(errno));
		return EXIT_RUNTIME;
	}
	pins->gen = (__u32)gen;
	return 0;
}

/*
 * Take the locks lock names (see pins.h). Pins made by an older pidpolicy
 * have no readers' lock: they are refused, naming the fix, rather than
 * locked some other way.
 */
static int lock_pins(struct pins *pins, enum pins_lock lock)
{
	const char *path = PIDPOLICY_READERS_LOCK;

	pins->readers = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (pins->readers < 0 && errno == ENOENT) {
		/* an unload that went on meanwhile removes the lock after the hook */
		if (!is_loaded()) {
			err_msg(MSG_NOT_LOADED);
			return EXIT_RUNTIME;
		}
		err_msg("%s has no readers' lock: these pins are an older pidpolicy's; run 'pidpolicy unload', then 'pidpolicy load'",
			PIDPOLICY_PIN_DIR);
		return EXIT_RUNTIME;
	}
	if (pins->readers < 0)
		goto fail;
	if (lock != PINS_READ) {
		path = PIDPOLICY_PIN_DIR;
		pins->dir = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (pins->dir < 0 || flock(pins->dir, LOCK_EX))
			goto fail;
	}
	path = PIDPOLICY_READERS_LOCK;
	if (lock != PINS_APPLY && flock(pins->readers, lock == PINS_READ ? LOCK_SH : LOCK_EX))
		goto fail;
	return 0;
fail:
	err_msg("failed to lock %s: %s", path, strerror(errno));
	return EXIT_RUNTIME;
}

/* Does the open fd still name path (not a removed one, not a new one)? */
static bool still_at(int fd, const char *path)
{
	struct stat a, b;

	return !fstat(fd, &a) && !lstat(path, &b) && a.st_dev == b.st_dev &&
	       a.st_ino == b.st_ino;
}

int open_pins(struct pins *pins, enum pins_lock lock)
{
	size_t i;
	int err;

	if (!is_loaded()) {
		err_msg(errno == EACCES || !in_initial_user_ns() ? MSG_ROOT : MSG_NOT_LOADED);
		return EXIT_RUNTIME;
	}
	err = lock_pins(pins, lock);
	if (err)
		return err;
	/*
	 * An unload we waited for removed what we locked: the pins now are
	 * none, or a later load's, which our locks do not guard.
	 */
	if (!is_loaded() || !still_at(pins->readers, PIDPOLICY_READERS_LOCK) ||
	    (pins->dir >= 0 && !still_at(pins->dir, PIDPOLICY_PIN_DIR))) {
		err_msg("the policy was unloaded while this waited for its lock: run 'pidpolicy status'");
		return EXIT_RUNTIME;
	}
	for (i = 0; i < sizeof(pinned_maps) / sizeof(pinned_maps[0]); i++) {
		const struct pinned_map *m = &pinned_maps[i];

		err = open_pinned_map(m->name, m->type, m->key_size, m->value_size,
				      PIN_FD(pins, m));
		if (err)
			return err;
	}
	return read_gen(pins);
}

int lock_for_unload(struct pins *pins)
{
	pins->dir = lock_pin_dir(false);
	if (pins->dir < 0)
		return -errno;
	/* an interrupted load may not have made it */
	pins->readers = open(PIDPOLICY_READERS_LOCK, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (pins->readers >= 0 && flock(pins->readers, LOCK_EX))
		return -errno;
	return 0;
}

/*
 * Open and lock the pin directory (made first if create), as the edits do:
 * two loads at once would each attach and pin a set of programs over the
 * other's. An unload we waited for may have removed it: then start over.
 * The locked fd, or -1 with errno set.
 */
int lock_pin_dir(bool create)
{
	struct stat locked, now;
	int fd;

	for (;;) {
		if (create && mkdir(PIDPOLICY_PIN_DIR, 0700) && errno != EEXIST)
			return -1;
		fd = open(PIDPOLICY_PIN_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 && errno == ENOENT && create)
			continue;
		if (fd < 0)
			return -1;
		/* checked before the lock, which its owner could hold forever */
		if (fstat(fd, &locked) || !pin_dir_safe(&locked)) {
			close(fd);
			errno = EPERM;
			return -1;
		}
		if (flock(fd, LOCK_EX)) {
			close(fd);
			return -1;
		}
		if (!lstat(PIDPOLICY_PIN_DIR, &now) && now.st_dev == locked.st_dev &&
		    now.st_ino == locked.st_ino)
			return fd;
		close(fd);
		if (!create) {
			errno = ENOENT;
			return -1;
		}
	}
}

/*
 * The bpffs root is often world-writable (1777, as a plain mount makes it):
 * whoever made the pin directory could remove our pins, the hook's link
 * among them, which detaches the policy. It must be root's alone.
 */
int check_pin_dir(int dir)
{
	struct stat st;

	if (!fstat(dir, &st) && pin_dir_safe(&st))
		return 0;
	err_msg("%s is not a directory only root can write to: remove it, then load",
		PIDPOLICY_PIN_DIR);
	return EXIT_RUNTIME;
}
