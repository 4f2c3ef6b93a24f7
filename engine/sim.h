/*
 * sim.h — the simulation driver (sim.c): runoff_simulate in
 * include/runoff.h, and what other modules need from it. The result it
 * fills is described in result.h.
 */
#ifndef RO_SIM_H
#define RO_SIM_H

#include "result.h"

/* Worker threads when none are asked for: the online cores (1..256). */
unsigned ro_default_threads(void);

#endif /* RO_SIM_H */
