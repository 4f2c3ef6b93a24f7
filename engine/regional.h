/*
 * regional.h — the deterministic part of the regional model (docs/model.md
 * §5): each region's expected log-odds of A over B under the mean transfer
 * rows, and how much those log-odds move when the region's voters split
 * differently from the national rows. Shared by the model, which draws
 * around these means, and the calibrator, which fits the spread of past
 * results around them; so both read the same equations.
 */
#ifndef RO_REGIONAL_H
#define RO_REGIONAL_H

#include "scenario.h"

typedef struct {
    double log_odds;    /* log(A_r / B_r) with the mean rows, each option's
                           split leaning by `lean` (regional.c): +INFINITY when
                           B_r = 0 < A_r, -INFINITY when A_r = 0 < B_r, NAN
                           when both are 0 */
    double lean_shift;  /* log_odds minus the same without the lean (0 when
                           lean is 0 or log_odds is not finite) */
    double a, b;        /* A_r and B_r, the expected votes log_odds compares */
    double h;           /* sum over options of (d log_odds / d eta_o)^2, where
                           eta_o shifts the logit of option o's A-vs-B split
                           in this region (0 when log_odds is not finite) */
} ro_region_mean;

/* One entry per region of a scenario with a first round (n_regions > 0,
 * n_options > 0), for a local lean of `lean` (the scenario's is
 * s->regional_error.local_lean; the calibrator tries others). lean != 0
 * needs both finalists among the options (ro_scenario_finalist_option). */
void ro_regional_means(const runoff_scenario *s, double lean, ro_region_mean *out);

/* The fixed parts of the model's regional deviations (docs/model.md §5),
 * one entry per region: region_sd[r] = sqrt(sd^2 + transfer_sd^2 h_r);
 * lean_shift[r] = lambda_r (NULL: not wanted); lean_slope[r] =
 * local_lean_sd g_r, g_r = d log(A*_r/B*_r) / d lean at local_lean with
 * the centring re-solved at each lean, 0 where the log-odds are not finite
 * (NULL: not wanted). False when memory runs out. */
bool ro_regional_deviations(const runoff_scenario *s, double *region_sd, double *lean_shift,
                            double *lean_slope);

/* The sd of a region's own deviation: sqrt(sd^2 + transfer_sd^2 h), and
 * exactly sd when transfer_sd is 0 (so scenarios without transfer_sd draw
 * the same numbers as before it existed). */
double ro_region_sd(const ro_regional_error *re, double h);

#endif /* RO_REGIONAL_H */
