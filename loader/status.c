// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * `pidpolicy status`: whether the policy is loaded and the BPF LSM active,
 * the default mode, what may make the counts wrong (recursion misses, lost
 * and suppressed events, charges kept), and the decision counters of each
 * namespace, of the namespaces that died and of those the LRU forgot, and
 * their total, which never goes down, as a table or as JSON.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "main.h"
#include "maps.h"
#include "names.h"
#include "output.h"
#include "pins.h"
#include "policyfile.h"

struct ns_counts {
	__u32 ns_inum;
	struct pidpolicy_decisions d;
	__s64 live;			/* processes holding a chosen pid */
	__u32 max_chosen;		/* its limit */
};

/* The limit in force for ns_inum: its own, else the default's. */
static int read_limit(const struct pins *pins, __u32 ns_inum, __u32 *max)
{
	struct pidpolicy_ns_policy own, dflt;
	int err;

	err = read_ns_policy(pins, ns_inum, &own);
	if (err)
		return err;
	err = read_ns_policy(pins, PIDPOLICY_NS_ANY, &dflt);
	if (err)
		return err;
	*max = own.max_chosen != PIDPOLICY_NO_LIMIT ? own.max_chosen : dflt.max_chosen;
	return 0;
}

static void add_counts(struct pidpolicy_decisions *to, const struct pidpolicy_decisions *d)
{
	to->allowed += d->allowed;
	to->denied += d->denied;
	to->audited += d->audited;
	to->suppressed += d->suppressed;
}

/* to = a - b, each counter at least 0 (the maps are read at different times) */
static void sub_counts(struct pidpolicy_decisions *to, const struct pidpolicy_decisions *a,
		       const struct pidpolicy_decisions *b)
{
	to->allowed = a->allowed > b->allowed ? a->allowed - b->allowed : 0;
	to->denied = a->denied > b->denied ? a->denied - b->denied : 0;
	to->audited = a->audited > b->audited ? a->audited - b->audited : 0;
	to->suppressed = a->suppressed > b->suppressed ? a->suppressed - b->suppressed : 0;
}

/* Decision counters per namespace, summed over the CPUs. */
static int read_decisions(const struct pins *pins, struct ns_counts **out,
			  size_t *n)
{
	struct pidpolicy_ns_key *keys = NULL;
	struct pidpolicy_decisions *percpu;
	struct ns_counts *c;
	int ncpus = libbpf_num_possible_cpus(), cpu, err;
	size_t nkeys, i;

	if (ncpus < 0)
		return ncpus;
	err = map_keys(pins->decisions, sizeof(*keys), (void **)&keys, &nkeys);
	if (err)
		return err;
	qsort(keys, nkeys, sizeof(*keys), cmp_ns_key);
	percpu = calloc((size_t)ncpus, sizeof(*percpu));
	c = calloc(nkeys ? nkeys : 1, sizeof(*c));
	if (!percpu || !c) {
		free(keys);
		free(percpu);
		free(c);
		return -ENOMEM;
	}
	*n = 0;
	for (i = 0; i < nkeys; i++) {
		if (bpf_map_lookup_elem(pins->decisions, &keys[i], percpu))
			continue;	/* aged out meanwhile */
		c[*n].ns_inum = keys[i].ns_inum;
		err = read_chosen_live(pins, keys[i].ns_inum, &c[*n].live);
		if (err)
			break;
		err = read_limit(pins, keys[i].ns_inum, &c[*n].max_chosen);
		if (err)
			break;
		for (cpu = 0; cpu < ncpus; cpu++)
			add_counts(&c[*n].d, &percpu[cpu]);
		(*n)++;
	}
	free(keys);
	free(percpu);
	if (err) {
		free(c);
		return err;
	}
	*out = c;
	return 0;
}

/*
 * The counters that never go down: every decision, and those of namespaces
 * that died (map decision_totals).
 */
struct totals {
	struct pidpolicy_decisions all, retired;
	struct pidpolicy_decisions forgotten;	/* all - retired - the rows */
};

static int read_totals(const struct pins *pins, const struct ns_counts *c, size_t n,
		       struct totals *t)
{
	int ncpus = libbpf_num_possible_cpus(), cpu, err = 0;
	struct pidpolicy_decisions *percpu, rows = {}, known = {};
	__u32 slot;
	size_t i;

	if (ncpus < 0)
		return ncpus;
	percpu = calloc((size_t)ncpus, sizeof(*percpu));
	if (!percpu)
		return -ENOMEM;
	memset(t, 0, sizeof(*t));
	for (slot = 0; !err && slot < PIDPOLICY_TOTAL_SLOTS; slot++) {
		if (bpf_map_lookup_elem(pins->decision_totals, &slot, percpu)) {
			err = -errno;
			break;
		}
		for (cpu = 0; cpu < ncpus; cpu++)
			add_counts(slot == PIDPOLICY_TOTAL_ALL ? &t->all : &t->retired,
				   &percpu[cpu]);
	}
	free(percpu);
	for (i = 0; i < n; i++)
		add_counts(&rows, &c[i].d);
	add_counts(&known, &rows);
	add_counts(&known, &t->retired);
	sub_counts(&t->forgotten, &t->all, &known);
	return err;
}

/* What may make the counts wrong, as status reports it. */
struct health {
	__u64 misses[NR_PROGS];		/* bpf_prog_info.recursion_misses */
	__u64 lost, suppressed;		/* events */
	__u64 charges_kept;		/* charges `charged` had no room for */
};

static int read_health(const struct pins *pins, struct health *h)
{
	struct bpf_prog_info info;
	char path[PATH_MAX];
	__u32 len, slot;
	size_t i;
	int fd, err = 0;

	for (i = 0; !err && i < NR_PROGS; i++) {
		snprintf(path, sizeof(path), "%s/%s", PIDPOLICY_PIN_DIR, attach_order[i]);
		fd = bpf_obj_get(path);
		memset(&info, 0, sizeof(info));
		len = sizeof(info);
		if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len))
			err = -errno;
		h->misses[i] = info.recursion_misses;
		if (fd >= 0)
			close(fd);
	}
	slot = PIDPOLICY_CONFIG_EVENTS_LOST;
	if (!err && bpf_map_lookup_elem(pins->config, &slot, &h->lost))
		err = -errno;
	slot = PIDPOLICY_CONFIG_EVENTS_SUPPRESSED;
	if (!err && bpf_map_lookup_elem(pins->config, &slot, &h->suppressed))
		err = -errno;
	slot = PIDPOLICY_CONFIG_CHARGES_KEPT;
	if (!err && bpf_map_lookup_elem(pins->config, &slot, &h->charges_kept))
		err = -errno;
	return err;
}

/* One line on stderr for each thing that makes the counts unreliable. */
static void warn_health(const struct health *h)
{
	__u64 misses = 0;
	size_t i;

	for (i = 0; i < NR_PROGS; i++)
		misses += h->misses[i];
	if (misses)
		fprintf(stderr, "pidpolicy: warning: the policy's programs skipped %llu runs (recursion misses): chosen-live counts and the removal of dead namespaces' entries may be off\n",
			(unsigned long long)misses);
	if (h->charges_kept)
		fprintf(stderr, "pidpolicy: warning: %llu charges found no room in map charged and are never given back: limits deny early until the next load\n",
			(unsigned long long)h->charges_kept);
}

static struct json_object *json_health(const struct health *h)
{
	struct json_object *o = json_object_new_object(), *p;
	size_t i;

	for (i = 0; i < NR_PROGS; i++) {
		p = json_object_new_object();
		json_object_object_add(p, "recursion_misses", json_object_new_uint64(h->misses[i]));
		json_object_object_add(o, attach_order[i], p);
	}
	return o;
}

static void print_health(const struct health *h)
{
	size_t i;

	printf("recursion misses:");
	for (i = NR_PROGS; i--;)	/* the hook first */
		printf("%s %s %llu", i == NR_PROGS - 1 ? "" : ",", attach_order[i],
		       (unsigned long long)h->misses[i]);
	printf("\nevents:         %llu suppressed (rate), %llu lost (ring full)\n",
	       (unsigned long long)h->suppressed, (unsigned long long)h->lost);
	printf("charges kept:   %llu\n", (unsigned long long)h->charges_kept);
}

/* o with the counters of d added; a new object if o is NULL. */
static struct json_object *json_counts(struct json_object *o,
				       const struct pidpolicy_decisions *d)
{
	if (!o)
		o = json_object_new_object();
	json_object_object_add(o, "allowed", json_object_new_uint64(d->allowed));
	json_object_object_add(o, "denied", json_object_new_uint64(d->denied));
	json_object_object_add(o, "audited", json_object_new_uint64(d->audited));
	json_object_object_add(o, "suppressed", json_object_new_uint64(d->suppressed));
	return o;
}

static void print_status_json(bool loaded, __u32 dflt,
			      const struct ns_counts *c, size_t n,
			      const struct totals *t, const struct health *h)
{
	struct json_object *o = json_object_new_object(), *arr, *e;
	size_t i;

	json_object_object_add(o, "loaded", json_object_new_boolean(loaded));
	json_object_object_add(o, "incomplete", json_object_new_boolean(is_incomplete()));
	json_object_object_add(o, "bpf_lsm_active",
			       json_object_new_boolean(bpf_lsm_active()));
	if (loaded) {
		json_object_object_add(o, "default_mode",
				       json_object_new_string(mode_name(dflt)));
		arr = json_object_new_array();
		for (i = 0; i < n; i++) {
			e = json_object_new_object();
			json_object_object_add(e, "ns", json_ns(c[i].ns_inum));
			json_counts(e, &c[i].d);
			json_object_object_add(e, "chosen_live", json_object_new_int64(c[i].live));
			json_object_object_add(e, "max_chosen",
					       c[i].max_chosen == PIDPOLICY_NO_LIMIT ? NULL :
					       json_object_new_uint64(c[i].max_chosen));
			json_object_array_add(arr, e);
		}
		json_object_object_add(o, "namespaces", arr);
		json_object_object_add(o, "retired", json_counts(NULL, &t->retired));
		json_object_object_add(o, "forgotten", json_counts(NULL, &t->forgotten));
		json_object_object_add(o, "total", json_counts(NULL, &t->all));
		json_object_object_add(o, "programs", json_health(h));
		json_object_object_add(o, "events_lost", json_object_new_uint64(h->lost));
		json_object_object_add(o, "events_suppressed",
				       json_object_new_uint64(h->suppressed));
		json_object_object_add(o, "charges_kept",
				       json_object_new_uint64(h->charges_kept));
	}
	json_print(o);
}

/* A row of the table without CHOSEN-LIVE and LIMIT: a total. */
static void print_total_row(const char *name, const struct pidpolicy_decisions *d)
{
	printf("%-12s %12llu %12llu %12llu %12s %10s %12llu\n", name,
	       (unsigned long long)d->allowed, (unsigned long long)d->denied,
	       (unsigned long long)d->audited, "", "", (unsigned long long)d->suppressed);
}

static void print_status_table(bool loaded, __u32 dflt,
			       const struct ns_counts *c, size_t n,
			       const struct totals *t, const struct health *h)
{
	char ns[32], limit[16];
	size_t i;

	printf("loaded:         %s\n", loaded ? "yes" : !is_incomplete() ? "no" :
	       "incomplete: programs attached without the hook's link (a load did not finish): run 'pidpolicy unload', then 'pidpolicy load'");
	printf("bpf lsm active: %s\n", bpf_lsm_active() ? "yes" : "no");
	if (!loaded)
		return;
	printf("default mode:   %s%s\n", mode_name(dflt),
	       dflt == PIDPOLICY_MODE_UNSET ? " (off)" : "");
	print_health(h);
	printf("\n%-12s %12s %12s %12s %12s %10s %12s\n", "NAMESPACE", "ALLOWED", "DENIED",
	       "AUDITED", "CHOSEN-LIVE", "LIMIT", "SUPPRESSED");
	for (i = 0; i < n; i++) {
		policy_ns_name(c[i].ns_inum, ns, sizeof(ns));
		format_limit(c[i].max_chosen, limit, sizeof(limit));
		printf("%-12s %12llu %12llu %12llu %12lld %10s %12llu\n", ns,
		       (unsigned long long)c[i].d.allowed,
		       (unsigned long long)c[i].d.denied,
		       (unsigned long long)c[i].d.audited, (long long)c[i].live, limit,
		       (unsigned long long)c[i].d.suppressed);
	}
	print_total_row("retired", &t->retired);
	print_total_row("forgotten", &t->forgotten);
	print_total_row("total", &t->all);
}

int cmd_status(const struct env *env, const struct pins *unused)
{
	struct pins pins = PINS_INIT;
	struct totals totals = {};
	struct health health = {};
	struct ns_counts *c = NULL;
	__u32 dflt = PIDPOLICY_MODE_UNSET;
	bool loaded = is_loaded();
	size_t n = 0;
	int err = 0;

	(void)unused;
	if (loaded) {
		err = open_pins(&pins, PINS_READ);
		if (err)
			goto cleanup;
		err = read_mode(&pins, PIDPOLICY_NS_ANY, &dflt);
		if (!err)
			err = read_decisions(&pins, &c, &n);
		if (!err)
			err = read_totals(&pins, c, n, &totals);
		if (!err)
			err = read_health(&pins, &health);
		if (err) {
			err_msg("failed to read the policy maps: %s", strerror(-err));
			err = EXIT_RUNTIME;
			goto cleanup;
		}
	}
	if (loaded)
		warn_health(&health);
	if (env->json)
		print_status_json(loaded, dflt, c, n, &totals, &health);
	else
		print_status_table(loaded, dflt, c, n, &totals, &health);
cleanup:
	free(c);
	close_pins(&pins);
	return err;
}
