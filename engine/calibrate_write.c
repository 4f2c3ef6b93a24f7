/*
 * calibrate_write.c — the calibrator's writers: the regional_error fragment
 * a scenario includes (runoff calibrate) and the residuals CSV
 * (runoff calibrate --residuals-csv, docs/outputs.md).
 *
 * Apart from calibrate.c, which fits: these only read the fitted
 * runoff_calibration (calibrate.h).
 */
#include "calibrate.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>

#include "fmt.h"
#include "logodds.h"

/* A YAML double-quoted string: quotes, backslashes and control bytes
 * escaped, so no name can end the string or the line. */
static void write_quoted(FILE *out, const char *text)
{
    fputc('"', out);
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(out, "\\%c", *p);
        else if (*p < 0x20 || *p == 0x7f)
            fprintf(out, "\\x%02x", *p);
        else
            fputc(*p, out);
    }
    fputc('"', out);
}

/* "posterior mean X (sd Y); restricted ML estimate Z (its standard error,
 * or why none)"; the estimate alone when the posterior is not available. */
static void write_comment(FILE *out, const runoff_calibration *c, int i)
{
    if (!c->fitted[i]) {
        fputs("not fitted: no region with a result is in a group", out);
        return;
    }
    if (c->posterior_ok)
        fprintf(out, "posterior mean %.4f (sd %.4f); ", c->post[i], c->post_sd[i]);
    else
        fputs("posterior not available: ", out);
    fprintf(out, "restricted ML estimate %.4f ", c->value[i]);
    if (isnan(c->se[i]) && c->value[i] == 0)
        fputs("(at its lower bound 0)", out);
    else if (isnan(c->se[i]))
        fputs("(no standard error: flat likelihood)", out);
    else
        fprintf(out, "(standard error %.4f)", c->se[i]);
}

/* The lean's uncertainty as written: its posterior sd, or the estimate's
 * standard error; 0 when neither exists. */
static double lean_sd(const runoff_calibration *c)
{
    const double s = c->post_sd[RO_CAL_LEAN];
    return isfinite(s) ? s : 0;
}

int runoff_write_calibration(FILE *out, const runoff_calibration *c, const char *const *names,
                             size_t n)
{
    fprintf(out, "# Written by runoff calibrate: the regional error (docs/model.md §5) fitted on\n"
                 "# %zu election%s, %zu regions with a result, ",
            c->n_elections, c->n_elections == 1 ? "" : "s", c->n_regions);
    if (c->posterior_ok)
        fputs("and integrated over its\n"
              "# uncertainty (uniform priors): each value is its posterior mean, and the\n"
              "# lean's posterior sd is local_lean_sd.\n",
              out);
    else
        fputs("by restricted maximum\n"
              "# likelihood: the posterior has no mode or no curvature at its mode, so\n"
              "# each value is the estimate, local_lean_sd the lean's standard error.\n",
              out);
    if (c->posterior_rough)
        fputs("# Rough: the data barely inform some sd, and the integration grid resolves\n"
              "# its posterior poorly; its value may move by a good part of its sd.\n",
              out);
    for (size_t k = 0; k < c->n_elections; k++) {
        fputs("#   ", out);
        write_quoted(out, names != NULL && k < n ? names[k] : "(unnamed)");
        fprintf(out, " (%zu regions)\n", c->n_used[k]);
    }
    fputs("regional_error:\n  # ", out);
    write_comment(out, c, RO_CAL_SD);
    fprintf(out, "\n  sd: %.4f\n  # ", c->post[RO_CAL_SD]);
    write_comment(out, c, RO_CAL_TRANSFER_SD);
    fprintf(out, "\n  transfer_sd: %.4f\n", c->post[RO_CAL_TRANSFER_SD]);
    if (c->fitted[RO_CAL_LEAN]) {
        fputs("  # ", out);
        write_comment(out, c, RO_CAL_LEAN);
        fprintf(out, "\n  local_lean: %.4f\n  local_lean_sd: %.4f\n", c->post[RO_CAL_LEAN],
                lean_sd(c));
    }
    if (c->n_groups > 0) {
        fputs("  # every group's sd is the one group sd fitted: ", out);
        write_comment(out, c, RO_CAL_GROUP_SD);
        fputs("\n  groups:\n", out);
    }
    for (size_t g = 0; g < c->n_groups; g++) {
        fputs("    - {name: ", out);
        write_quoted(out, c->groups[g].name);
        fprintf(out, ", sd: %.4f, regions: [", c->post[RO_CAL_GROUP_SD]);
        for (size_t i = 0; i < c->group_size[g]; i++) {
            fputs(i ? ", " : "", out);
            write_quoted(out, c->group_codes[g][i]);
        }
        fputs("]}\n", out);
    }
    return fflush(out) != 0 || ferror(out) ? -1 : 0;
}

/* One CSV row per region used, election by election (docs/outputs.md,
 * "Calibration residuals"). The scenarios must be the ones fitted, in the
 * same order. */
int runoff_write_calibration_residuals(FILE *out, const runoff_calibration *c,
                                       const runoff_scenario *const *scenarios,
                                       const char *const *names, size_t n)
{
    if (n != c->n_elections) {
        errno = EINVAL;
        return -1;
    }
    ro_fmt_out o = {.f = out};
    ro_fmt_puts(&o, "election,code,name,group,actual_share,expected_share,residual,sd,z");
    ro_fmt_provenance_header(&o, false);
    ro_fmt_puts(&o, "\n");
    for (size_t m = 0; m < c->n_regions; m++) {
        const ro_cal_residual *q = &c->residual[m];
        const runoff_scenario *s = scenarios[q->election];
        const double residual = q->actual - q->expected;
        ro_fmt_csv_field(&o, names != NULL ? names[q->election] : "");
        ro_fmt_puts(&o, ",");
        ro_fmt_csv_field(&o, s->regions[q->region].code);
        ro_fmt_puts(&o, ",");
        ro_fmt_csv_field(&o, s->regions[q->region].name);
        ro_fmt_puts(&o, ",");
        ro_fmt_csv_field(&o, q->group >= 0 ? c->groups[q->group].name : "");
        const double v[] = {ro_expit(q->actual), ro_expit(q->expected), residual, q->sd,
                            residual / q->sd};
        for (size_t i = 0; i < sizeof v / sizeof *v; i++) {
            ro_fmt_puts(&o, ",");
            ro_fmt_csv_number(&o, v[i]);
        }
        ro_fmt_provenance(&o, s, NULL, false);
        ro_fmt_puts(&o, "\n");
    }
    return ro_fmt_finish(&o);
}
