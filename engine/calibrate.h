/*
 * calibrate.h — fitting the regional error of docs/model.md §5 on past
 * elections (the calibrator; `runoff calibrate`).
 *
 * Internal view of the public runoff_calibration (include/runoff.h), for
 * the writer and the tests.
 */
#ifndef RO_CALIBRATE_H
#define RO_CALIBRATE_H

#include <stdbool.h>

#include "scenario.h"

/* The fitted parameters, in this order: three sds (>= 0), then the local
 * lean (any sign). */
enum { RO_CAL_SD, RO_CAL_TRANSFER_SD, RO_CAL_GROUP_SD, RO_CAL_LEAN, RO_CAL_N_PARAMS };

struct runoff_calibration {
    double value[RO_CAL_N_PARAMS];  /* sds on the logit scale; the lean */
    double se[RO_CAL_N_PARAMS];     /* NAN: at its bound (an sd at 0), or not fitted */
    bool fitted[RO_CAL_N_PARAMS];   /* group_sd only when some group has data;
                                       the lean only when every scenario has
                                       both finalists among its options */
    double neg_loglik;              /* restricted, at the estimate */
    size_t n_elections, n_regions;  /* regions used, over all elections */
    size_t *n_used;                 /* [n_elections]: regions used in each */
    ro_region_group *groups;        /* the first scenario's groups (names) */
    size_t n_groups;
    char (**group_codes)[RO_ID_MAX];/* [n_groups] arrays of member codes */
    size_t *group_size;             /* [n_groups] */
};

#endif /* RO_CALIBRATE_H */
