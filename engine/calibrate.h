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

/* One region of one past election at the estimate (runoff calibrate
 * --residuals-csv): what the fitted model expected against what happened,
 * on the logit scale. */
typedef struct {
    size_t election;    /* index into the scenarios fitted */
    size_t region;      /* index into that scenario's regions */
    double actual;      /* logit of the actual share */
    double expected;    /* log(A_r / B_r) with the mean rows leaning by the
                           fitted lean, plus the election's fitted swing
                           (the generalised least-squares mean of its
                           residuals under C) */
    double sd;          /* the fitted sd of actual - expected, the swing
                           estimated from the same regions: sqrt(C_rr -
                           1 / 1'C^-1 1) */
    int group;          /* index into groups, -1 = none */
} ro_cal_residual;

struct runoff_calibration {
    double value[RO_CAL_N_PARAMS];  /* sds on the logit scale; the lean */
    double se[RO_CAL_N_PARAMS];     /* NAN: at its bound (an sd at 0), or not fitted */
    bool fitted[RO_CAL_N_PARAMS];   /* group_sd only when some group has data;
                                       the lean only when every scenario has
                                       both finalists among its options */
    bool posterior_ok;              /* post and post_sd are the posterior's;
                                       false (no mode or no curvature there):
                                       the estimate and se, copied */
    bool posterior_rough;           /* the grid resolves the posterior poorly:
                                       the data barely inform some sd */
    double post[RO_CAL_N_PARAMS];   /* posterior means (uniform priors on
                                       the sds and the lean): what the
                                       fragment writes */
    double post_sd[RO_CAL_N_PARAMS];/* posterior sd of each; NAN: not fitted */
    double neg_loglik;              /* restricted, at the estimate */
    size_t n_elections, n_regions;  /* regions used, over all elections */
    size_t *n_used;                 /* [n_elections]: regions used in each */
    ro_region_group *groups;        /* the first scenario's groups (names) */
    size_t n_groups;
    char (**group_codes)[RO_ID_MAX];/* [n_groups] arrays of member codes */
    size_t *group_size;             /* [n_groups] */
    ro_cal_residual *residual;      /* [n_regions], election by election */
};

#endif /* RO_CALIBRATE_H */
