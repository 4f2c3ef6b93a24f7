/*
 * firstround.h — a first-round result given as published percentages (a
 * turnout and the candidates' shares) turned into the vote counts the
 * model reads (internal to the loader; docs/scenario.md, "first_round").
 */
#ifndef RO_FIRSTROUND_H
#define RO_FIRSTROUND_H

#include "value.h"

/* item (a region, or first_round.national) holds `turnout` (percent of
 * registered, in (0, 100]), `shares` (every candidate option's percent of
 * valid votes, adding up to 100 ± 0.5, divided by their sum) and
 * optionally `blank_null` (percent of votes cast). Fills column r of
 * L->s->votes with registered = L->s->regions[r].registered: the
 * abstention option takes registered × (1 − turnout), the blank_null
 * option registered × turnout × blank_null, each candidate the rest in
 * proportion to its share. Needs at most one option of each of the kinds
 * abstention and blank_null, and the one the numbers give votes to. */
runoff_status ro_firstround_shares(ro_loader *L, const ro_node *item, size_t r,
                                   const ro_name_index *opts);

#endif /* RO_FIRSTROUND_H */
