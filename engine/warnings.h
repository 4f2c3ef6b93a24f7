/*
 * warnings.h — recording warnings while a scenario loads (internal).
 *
 * A warning is a value (runoff_warning, runoff.h), never printed here: the
 * loader appends it to the scenario being built, at the node at fault, and
 * runoff_warnings_alloc (warnings.c) hands the list, with the warnings that
 * need the polling average, to the caller.
 */
#ifndef RO_WARNINGS_H
#define RO_WARNINGS_H

#include "value.h"

/* Appends a warning at node n (its file, line and column) to L->s.
 * RUNOFF_ENOMEM (with L's error set) when it cannot. */
runoff_status ro_warn(ro_loader *L, const ro_node *n, const char *fmt, ...) RO_PRINTF(3, 4);
/* The same at a position known without a node (a poll of a CSV table). */
runoff_status ro_warn_at(ro_loader *L, const char *file, ro_pos pos, const char *fmt, ...)
    RO_PRINTF(4, 5);

/* Warnings about the values a loaded scenario holds: percent fields that
 * all look like fractions among the polls (the others are checked where
 * they are read). Called by the loader once the polls are final. */
runoff_status ro_warn_poll_fractions(ro_loader *L);

/* A warning found once the scenario is loaded (no node): appended to w;
 * 0, or -1 when out of memory. */
int ro_warnings_add(runoff_warnings *w, const char *file, ro_pos pos, const char *fmt, ...)
    RO_PRINTF(4, 5);

/* A warning at node n when pct, a percentage (or points) read there, looks
 * like a fraction (0 < pct <= most): label names the key in the message,
 * unit is " %" or " points". */
runoff_status ro_warn_fraction(ro_loader *L, const ro_node *n, const char *label, double pct,
                               double most, const char *unit);

#endif /* RO_WARNINGS_H */
