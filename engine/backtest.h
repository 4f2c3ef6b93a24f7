/*
 * backtest.h — scores of a forecast distribution against what happened.
 * All take the forecast as a ro_hist and the outcome on the same scale.
 */
#ifndef RO_BACKTEST_H
#define RO_BACKTEST_H

#include <stdbool.h>

#include "summary.h"

/* Probability integral transform: forecast CDF at the actual value. */
double ro_backtest_pit(const ro_hist *h, double actual);
/* Continuous ranked probability score, same units as the values
 * (integral of (F(x) - 1{x >= actual})^2 dx over the histogram range,
 * F piecewise linear inside bins). Lower is better. */
double ro_backtest_crps(const ro_hist *h, double actual);
/* Brier score of a binary call: (p - outcome)^2. */
double ro_backtest_brier(double p_event, bool happened);
/* Whether the central interval of this level (e.g. 0.9 -> 5 % .. 95 %)
 * contains the actual value. */
bool ro_backtest_covered(const ro_hist *h, double level, double actual);

#endif /* RO_BACKTEST_H */
