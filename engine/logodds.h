/*
 * logodds.h — the logit and its inverse, which the poll model, the
 * regional model, the calibrator and the writers all work in. Inline so
 * the regional model's anchoring loop pays no call for them.
 */
#ifndef RO_LOGODDS_H
#define RO_LOGODDS_H

#include <math.h>

static inline double ro_logit(double p) { return log(p / (1 - p)); }
static inline double ro_expit(double x) { return 1 / (1 + exp(-x)); }

#endif /* RO_LOGODDS_H */
