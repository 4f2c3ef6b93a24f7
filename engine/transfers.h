/*
 * transfers.h — where each first-round option's voters go in the run-off:
 * the transfers section of a scenario, read into one resolved row per
 * option (internal to the loader).
 */
#ifndef RO_TRANSFERS_H
#define RO_TRANSFERS_H

#include "value.h"

/* Reads transfers (required) into L->s->transfers, one row per first-round
 * option, index-aligned with L->s->options: the option's explicit row, else
 * the recency-weighted average of its surveys, else transfers.default; then
 * transfers.adjust is applied. Also reads transfers.none_blank_null into
 * L->s->blank_null. Needs the finalists, the options (indexed by opts), the
 * election date and aggregation.as_of read first. On failure the rows read
 * so far stay in L->s for runoff_scenario_free. */
runoff_status ro_transfers_load(ro_loader *L, const ro_name_index *opts);

#endif /* RO_TRANSFERS_H */
