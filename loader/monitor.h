/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* `pidpolicy monitor`: print the decisions of the pinned pid policy. */
#ifndef PIDPOLICY_MONITOR_H
#define PIDPOLICY_MONITOR_H

#include <stdbool.h>

/*
 * Print decision events until SIGINT/SIGTERM; 0 or an exit status (1).
 * json: one JSON object per line instead of text. all: report allowed
 * decisions too while running (denials and audits are always reported).
 */
int monitor_events(bool json, bool all);

#endif /* PIDPOLICY_MONITOR_H */
