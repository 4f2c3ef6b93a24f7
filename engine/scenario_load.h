/*
 * scenario_load.h — the section loaders that scenario.c's load_all calls,
 * in dependency order (internal to the loader). scenario.c reads the
 * election, polling_error, turnout, simulation, map and sweep sections and
 * owns the order; scenario_polls.c reads polls and aggregation;
 * scenario_regions.c reads first_round, blend, regional_error and actual;
 * transfers.c reads transfers. Each loader returns RUNOFF_OK or the status
 * of the error it set in L->err (at the node at fault); on failure what was
 * read so far stays in L->s for runoff_scenario_free.
 */
#ifndef RO_SCENARIO_LOAD_H
#define RO_SCENARIO_LOAD_H

#include "value.h"

/* Limits (docs/scenario.md, "Limits"; the options' is RO_MAX_OPTIONS). */
#define RO_MAX_POLLS 100000
#define RO_MAX_REGIONS 100000
#define RO_MAX_GROUPS 1000
#define RO_MAX_DRAWS 1000000000000ULL
#define RO_MAX_BLOCK 10000000ULL
#define RO_MAX_REGISTERED 1000000000000ULL

/* Reads polls (a list or a CSV table; required unless the blend ignores
 * the polls) and aggregation, then gives each poll without a sample the
 * median of the samples the kept polls give, then checks the dynamic
 * average's span and number of pollsters. Needs the election (date,
 * finalists) and, with a first round, blend read first. */
runoff_status ro_scenario_polls_load(ro_loader *L);

/* Reads first_round (fr, not NULL): its options, indexed by id into opts,
 * and its regions (or national counts), indexed by code into regs. Needs
 * the finalists and registered read first. opts and regs belong to the
 * caller, who frees them in every case. */
runoff_status ro_scenario_regions_load_first_round(ro_loader *L, const ro_node *fr,
                                                   ro_name_index *opts, ro_name_index *regs);

/* Reads blend (optional) into L->s->blend. */
runoff_status ro_scenario_regions_load_blend(ro_loader *L);

/* Reads regional_error (optional) and its groups, whose region codes are
 * looked up in regs. Needs the first round read first. */
runoff_status ro_scenario_regions_load_regional_error(ro_loader *L, const ro_name_index *regs);

/* Reads actual (optional): the national result and, with first_round
 * regions, each region's share, looked up in regs (empty without a first
 * round). */
runoff_status ro_scenario_regions_load_actual(ro_loader *L, const ro_name_index *regs);

#endif /* RO_SCENARIO_LOAD_H */
