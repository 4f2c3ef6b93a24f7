/*
 * version.c — the library's version at run time, which a program loading
 * librunoff.so dynamically (ctypes, dlopen) cannot read from the header's
 * RUNOFF_VERSION; the two differ when a program runs against another
 * build than the one it was compiled with.
 */
#include "runoff.h"

const char *runoff_version(void) { return RUNOFF_VERSION; }
