// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * `pidpolicy monitor`: read the decisions the BPF program reports through
 * the pinned ring buffer `events` and print them, one line each, as text or
 * as JSON Lines, until SIGINT or SIGTERM.
 *
 * Denials and audit-mode would-be denials are always reported. With `all`,
 * allowed decisions are too, while config[PIDPOLICY_CONFIG_EVENTS_ALL_UNTIL]
 * is in the future: the monitor renews that lease every second and clears it
 * on exit, so a monitor that is killed stops the flood within LEASE_NS.
 *
 * Events come in two ring buffers: `host_events` for callers of the initial
 * user namespace, `events` for the others, rate-limited per namespace by the
 * BPF side. A ring buffer has one reader: a second monitor is refused.
 * A monitor whose maps `unload` (or a new `load`) unpinned says so and
 * exits, so that one for the new policy can start.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <json-c/json.h>
#include "pidpolicy.h"
#include "monitor.h"
#include "names.h"
#include "output.h"
#include "pins.h"
#include "parse.h"

#define EVENTS_PIN	PIDPOLICY_PIN_DIR "/events"
#define MONITOR_LOCK	"/run/pidpolicy-monitor.lock"
#define CONFIG_PIN	PIDPOLICY_PIN_DIR "/config"

#define NSEC_PER_SEC	1000000000LL
#define POLL_MS		1000
#define LEASE_NS	(5 * NSEC_PER_SEC)	/* how long allowed events flow
						 * after the last renewal */
#define RENEW_NS	NSEC_PER_SEC		/* renew at most this often */

#define COMM_LEN	sizeof(((struct pidpolicy_event *)0)->comm)

struct monitor {
	bool json;
	int out_err;		/* errno of a failed write to stdout, or 0 */
	long long wall_offset;	/* CLOCK_REALTIME - CLOCK_MONOTONIC, ns */
};

static volatile sig_atomic_t stop;


static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* ---- formatting ---------------------------------------------------------- */

static long long clock_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

static long long wall_offset(void)
{
	long long mono = clock_ns(CLOCK_MONOTONIC);

	return clock_ns(CLOCK_REALTIME) - mono;
}

/*
 * The task's comm, which may lack its NUL and may hold any byte (prctl()
 * sets it): keep printable ASCII, so that one event stays one line.
 */
static void format_comm(const char comm[COMM_LEN], char buf[COMM_LEN + 1])
{
	size_t i;

	for (i = 0; i < COMM_LEN && comm[i]; i++)
		buf[i] = comm[i] >= 0x20 && comm[i] < 0x7f ? comm[i] : '?';
	buf[i] = '\0';
}

/*
 * Local ISO-8601 time with milliseconds of a CLOCK_MONOTONIC time, e.g.
 * 2026-11-29T13:44:02.123; with_zone appends the UTC offset (+01:00).
 */
static void format_time(__u64 mono_ns, long long offset, bool with_zone,
			char *buf, size_t len)
{
	long long wall = (long long)mono_ns + offset;
	time_t sec = wall / NSEC_PER_SEC;
	long ms = wall % NSEC_PER_SEC / 1000000;
	struct tm tm;
	size_t n;

	if (ms < 0) {
		sec--;
		ms += 1000;
	}
	if (!localtime_r(&sec, &tm)) {
		snprintf(buf, len, "%lld", wall);
		return;
	}
	n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	n += snprintf(buf + n, len - n, ".%03ld", ms);
	if (with_zone && n < len) {
		long off = tm.tm_gmtoff / 60;

		snprintf(buf + n, len - n, "%c%02ld:%02ld", off < 0 ? '-' : '+',
			 (off < 0 ? -off : off) / 60, (off < 0 ? -off : off) % 60);
	}
}

/* One compact JSON object; the caller puts it. */
static struct json_object *format_json(const struct pidpolicy_event *e,
				       long long offset)
{
	char time[64], comm[COMM_LEN + 1], v[16], r[16], s[16];
	struct json_object *o = json_object_new_object();

	format_time(e->time_ns, offset, true, time, sizeof(time));
	format_comm(e->comm, comm);
	json_object_object_add(o, "time", json_object_new_string(time));
	json_object_object_add(o, "time_ns", json_object_new_uint64(e->time_ns));
	json_object_object_add(o, "verdict", json_object_new_string(
		name_or_number(verdict_name(e->verdict), e->verdict, v, sizeof(v))));
	json_object_object_add(o, "reason", json_object_new_string(
		name_or_number(reason_name(e->reason), e->reason, r, sizeof(r))));
	json_object_object_add(o, "caller_pid", json_object_new_uint64(e->caller_pid));
	json_object_object_add(o, "comm", json_object_new_string(comm));
	json_object_object_add(o, "uid", json_object_new_uint64(e->caller_uid));
	json_object_object_add(o, "ns", json_object_new_uint64(e->ns_inum));
	json_object_object_add(o, "level", json_object_new_uint64(e->level));
	json_object_object_add(o, "pid", json_object_new_uint64(e->pid));
	json_object_object_add(o, "via", json_object_new_string(
		name_or_number(source_name(e->source), e->source, s, sizeof(s))));
	return o;
}

/* ---- output -------------------------------------------------------------- */

/*
 * Print a line and flush it, so that pipes see events as they happen.
 * Straight to stdout: no buffer of ours to cut a long line short.
 */
static int emit(struct monitor *m, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int emit(struct monitor *m, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (m->out_err)
		return -m->out_err;
	errno = 0;
	va_start(ap, fmt);
	n = vprintf(fmt, ap);
	va_end(ap);
	if (n < 0 || fflush(stdout) == EOF)
		m->out_err = errno ? errno : EIO;
	return -m->out_err;
}

static int emit_json(struct monitor *m, struct json_object *o)
{
	const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
							  JSON_C_TO_STRING_NOSLASHESCAPE);
	int err;

	if (s) {
		err = emit(m, "%s\n", s);
	} else {
		/* json-c is out of memory: a failed write, not a line cut short */
		if (!m->out_err)
			m->out_err = ENOMEM;
		err = -m->out_err;
	}
	json_object_put(o);
	return err;
}

/*
 * 2026-11-29T13:44:02.123 deny       range    caller=1234 (clone2_example)
 *   uid=0 ns=4026531836 level=0 pid=6000 via=clone2        (on one line)
 */
static int emit_text(struct monitor *m, const struct pidpolicy_event *e)
{
	char time[64], comm[COMM_LEN + 1], v[16], r[16], s[16];

	format_time(e->time_ns, m->wall_offset, false, time, sizeof(time));
	format_comm(e->comm, comm);
	return emit(m, "%s %-10s %-8s caller=%u (%s) uid=%u ns=%u level=%u pid=%u via=%s\n",
		    time, name_or_number(verdict_name(e->verdict), e->verdict, v, sizeof(v)),
		    name_or_number(reason_name(e->reason), e->reason, r, sizeof(r)),
		    e->caller_pid, comm, e->caller_uid, e->ns_inum, e->level, e->pid,
		    name_or_number(source_name(e->source), e->source, s, sizeof(s)));
}

/* "lost 3 events" or {"lost": 3}; "suppressed 3 events" likewise. */
static int emit_count(struct monitor *m, const char *what, __u64 count)
{
	struct json_object *o;

	if (m->json) {
		o = json_object_new_object();
		json_object_object_add(o, what, json_object_new_uint64(count));
		return emit_json(m, o);
	}
	return emit(m, "%s %llu events\n", what, (unsigned long long)count);
}

static int handle_event(void *ctx, void *data, size_t size)
{
	struct monitor *m = ctx;
	struct pidpolicy_event e;

	if (size < sizeof(e))	/* not ours: a BPF side of another version */
		return 0;
	memcpy(&e, data, sizeof(e));
	if (m->json)
		return emit_json(m, format_json(&e, m->wall_offset));
	return emit_text(m, &e);
}

/* ---- maps ---------------------------------------------------------------- */

static int config_get(int fd, __u32 slot, __u64 *value)
{
	if (bpf_map_lookup_elem(fd, &slot, value)) {
		err_msg("failed to read %s: %s", CONFIG_PIN, strerror(errno));
		return 1;
	}
	return 0;
}

static int config_set(int fd, __u32 slot, __u64 value)
{
	if (bpf_map_update_elem(fd, &slot, &value, BPF_ANY)) {
		err_msg("failed to write %s: %s", CONFIG_PIN, strerror(errno));
		return 1;
	}
	return 0;
}

/* The counters of events the BPF side did not queue, as monitor reports them. */
static const struct {
	__u32 slot;
	const char *what;
} not_queued[] = {
	{ PIDPOLICY_CONFIG_EVENTS_LOST, "lost" },		/* ring buffer full */
	{ PIDPOLICY_CONFIG_EVENTS_SUPPRESSED, "suppressed" },	/* over the rate */
};
#define NR_NOT_QUEUED (sizeof(not_queued) / sizeof(not_queued[0]))

/*
 * Print how many events the BPF side did not queue since seen[]. A failed
 * write is left in m->out_err for the caller.
 */
static int check_lost(struct monitor *m, int config_fd, __u64 seen[NR_NOT_QUEUED])
{
	__u64 count;
	size_t i;

	for (i = 0; i < NR_NOT_QUEUED; i++) {
		if (config_get(config_fd, not_queued[i].slot, &count))
			return 1;
		if (count > seen[i])
			emit_count(m, not_queued[i].what, count - seen[i]);
		seen[i] = count;	/* also when it went down: a reload reset it */
	}
	return 0;
}

/*
 * One monitor at a time: two would split the events of one ring buffer
 * between them. The lock is dropped when the monitor exits, however.
 */
static int lock_monitor(int *fd)
{
	*fd = open(MONITOR_LOCK, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (*fd < 0) {
		err_msg("failed to open %s: %s", MONITOR_LOCK, strerror(errno));
		return 1;
	}
	if (!flock(*fd, LOCK_EX | LOCK_NB))
		return 0;
	if (errno == EWOULDBLOCK)
		err_msg("another 'pidpolicy monitor' is running: stop it first (the events have one reader)");
	else
		err_msg("failed to lock %s: %s", MONITOR_LOCK, strerror(errno));
	return 1;
}

/*
 * `unload` and `load` replace the pins, not the maps this monitor holds
 * open: nothing would reach it again, while it kept the lock that refuses
 * a new monitor. A map id is not reused while a file holds the map.
 */
static const char *const watched[] = { "events", "host_events", "config" };
#define NR_WATCHED	(sizeof(watched) / sizeof(watched[0]))

static __u32 map_id(int fd)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return 0;
	return info.id;
}

/* Is a map this monitor opened no longer the one pinned under its name? */
static bool pins_replaced(const __u32 ids[NR_WATCHED])
{
	char path[64];
	bool replaced = false;
	size_t i;
	int fd;

	for (i = 0; i < NR_WATCHED && !replaced; i++) {
		snprintf(path, sizeof(path), "%s/%s", PIDPOLICY_PIN_DIR, watched[i]);
		fd = bpf_obj_get(path);
		if (fd < 0) {
			replaced = errno == ENOENT;
			continue;
		}
		replaced = map_id(fd) != ids[i];
		close(fd);
	}
	return replaced;
}

/* ---- the loop ------------------------------------------------------------ */

int monitor_events(bool json, bool all)
{
	struct monitor m = { .json = json };
	struct sigaction sa = { .sa_handler = on_signal }, old_int, old_term;
	struct ring_buffer *rb = NULL;
	int events_fd = -1, host_fd = -1, config_fd = -1, lock_fd = -1, err, ret = 1;
	__u64 lost_seen[NR_NOT_QUEUED], lease = 0, current;
	long long now, renewed = 0, checked;
	bool ready = false, replaced = false;
	__u32 ids[NR_WATCHED];
	size_t i;

	if (open_pinned_map("events", BPF_MAP_TYPE_RINGBUF, 0, 0, &events_fd) ||
	    open_pinned_map("host_events", BPF_MAP_TYPE_RINGBUF, 0, 0, &host_fd) ||
	    open_pinned_map("config", BPF_MAP_TYPE_ARRAY, sizeof(__u32), sizeof(__u64),
			    &config_fd) ||
	    lock_monitor(&lock_fd))
		goto out_close;
	for (i = 0; i < NR_NOT_QUEUED; i++)
		if (config_get(config_fd, not_queued[i].slot, &lost_seen[i]))
			goto out_close;
	/* in the order of watched[] */
	ids[0] = map_id(events_fd);
	ids[1] = map_id(host_fd);
	ids[2] = map_id(config_fd);
	checked = clock_ns(CLOCK_MONOTONIC);

	read_source_names();	/* not while the first events wait */
	m.wall_offset = wall_offset();
	rb = ring_buffer__new(host_fd, handle_event, &m, NULL);
	if (rb && ring_buffer__add(rb, events_fd, handle_event, &m)) {
		ring_buffer__free(rb);
		rb = NULL;
	}
	if (!rb) {
		err_msg("failed to open ring buffer %s: %s", EVENTS_PIN,
			strerror(errno));
		goto out_close;
	}

	/* No SA_RESTART: a signal ends the wait in ring_buffer__poll(). */
	stop = 0;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);

	while (!stop) {
		now = clock_ns(CLOCK_MONOTONIC);
		if (all && now - renewed >= RENEW_NS) {
			lease = now + LEASE_NS;
			if (config_set(config_fd, PIDPOLICY_CONFIG_EVENTS_ALL_UNTIL, lease))
				goto out;
			renewed = now;
		}
		/* As libbpf-tools do; scripts wait for it (stdout may be JSON). */
		if (!ready) {
			fprintf(stderr, "Tracing pid choices... Hit Ctrl-C to end.\n");
			ready = true;
		}
		/* Follow clock steps and suspends in the printed times. */
		m.wall_offset = wall_offset();

		err = ring_buffer__poll(rb, POLL_MS);
		if (err < 0 && err != -EINTR && !m.out_err) {
			err_msg("failed to read events: %s", strerror(-err));
			goto out;
		}
		if (!m.out_err && check_lost(&m, config_fd, lost_seen))
			goto out;
		if (m.out_err) {
			err_msg("failed to write events: %s", strerror(m.out_err));
			goto out;
		}
		if (now - checked >= RENEW_NS) {
			checked = now;
			replaced = pins_replaced(ids);
			if (replaced)
				break;
		}
	}
	/* What was queued before the signal (or the unload), then what was lost. */
	ring_buffer__consume(rb);
	if (!m.out_err && check_lost(&m, config_fd, lost_seen))
		goto out;
	if (m.out_err) {
		err_msg("failed to write events: %s", strerror(m.out_err));
		goto out;
	}
	if (replaced) {
		err_msg("the policy was unloaded or loaded again, its events come here no more: run 'pidpolicy monitor' again once it is loaded");
		goto out;
	}
	ret = 0;
out:
	/* End our lease, unless another `monitor --all` has taken it over. */
	if (all && lease &&
	    !config_get(config_fd, PIDPOLICY_CONFIG_EVENTS_ALL_UNTIL, &current) &&
	    current == lease &&
	    config_set(config_fd, PIDPOLICY_CONFIG_EVENTS_ALL_UNTIL, 0))
		ret = 1;
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
out_close:
	ring_buffer__free(rb);
	if (config_fd >= 0)
		close(config_fd);
	if (events_fd >= 0)
		close(events_fd);
	if (host_fd >= 0)
		close(host_fd);
	if (lock_fd >= 0)
		close(lock_fd);
	return ret;
}
