/*
 * csv.c — the CSV writers: tidy statistics, the histogram of A's share,
 * and one row per region.
 *
 * Numbers are for machines: "%.17g" round-trips every double, with a dot
 * whatever the locale (the library never calls setlocale, and the CLI
 * leaves LC_NUMERIC at "C"); an unknown value is an empty field. Text
 * fields are quoted per RFC 4180 when they need it. The list of
 * statistics and their names is documented in fmt.h and kept stable.
 */

#include "fmt.h"

static void stat_row(void *ctx, const char *statistic, const char *subject, double value,
                     const char *unit)
{
    ro_fmt_out *o = ctx;
    ro_fmt_printf(o, "%s,", statistic);
    ro_fmt_csv_field(o, subject);
    ro_fmt_printf(o, ",%.17g,%s\n", value, unit);
}

int runoff_write_csv(FILE *out, const runoff_scenario *s, const runoff_result *r)
{
    ro_fmt_out o;
    if (ro_fmt_begin(&o, out, s, r) != 0)
        return -1;
    ro_fmt_puts(&o, "statistic,subject,value,unit\n");
    ro_fmt_each_stat(s, r, stat_row, &o);
    return ro_fmt_finish(&o);
}

/* Bins of A's share from the first to the last non-empty one; density is
 * count / (draws * width), so it integrates to the in-range fraction. */
int runoff_write_histogram_csv(FILE *out, const runoff_scenario *s, const runoff_result *r)
{
    ro_fmt_out o;
    if (ro_fmt_begin(&o, out, s, r) != 0)
        return -1;
    ro_fmt_puts(&o, "lower,upper,count,density\n");
    const ro_hist *h = r->share_a;
    size_t nb = ro_hist_nbins(h), first = 0, last = nb;
    while (first < nb && ro_hist_bin_count(h, first) == 0)
        first++;
    while (last > first && ro_hist_bin_count(h, last - 1) == 0)
        last--;
    double lo = ro_hist_lo(h), w = ro_hist_bin_width(h);
    double n = (double)ro_hist_count(h);
    for (size_t i = first; i < last; i++) {
        uint64_t c = ro_hist_bin_count(h, i);
        double upper = i + 1 == nb ? ro_hist_hi(h) : lo + (double)(i + 1) * w;
        ro_fmt_printf(&o, "%.17g,%.17g,%llu,%.17g\n", lo + (double)i * w, upper,
                      (unsigned long long)c, (double)c / (n * w));
    }
    return ro_fmt_finish(&o);
}

int runoff_write_regions_csv(FILE *out, const runoff_scenario *s, const runoff_result *r)
{
    ro_fmt_out o;
    if (ro_fmt_begin(&o, out, s, r) != 0)
        return -1;
    ro_fmt_puts(&o, "code,name,registered,win_probability_a,win_probability_se,share_median,"
                    "share_q05,share_q25,share_q75,share_q95,actual_share,pit\n");
    for (size_t i = 0; i < r->n_regions; i++) {
        ro_fmt_region row;
        ro_fmt_region_row(s, r, i, &row);
        const double v[] = {s->regions[i].registered, row.win_probability_a,
                            row.win_probability_se, row.median, row.q05, row.q25, row.q75,
                            row.q95, row.actual, row.pit};
        ro_fmt_csv_field(&o, s->regions[i].code);
        ro_fmt_puts(&o, ",");
        ro_fmt_csv_field(&o, s->regions[i].name);
        for (size_t k = 0; k < sizeof v / sizeof v[0]; k++) {
            ro_fmt_puts(&o, ",");
            ro_fmt_csv_number(&o, v[k]);
        }
        ro_fmt_puts(&o, "\n");
    }
    return ro_fmt_finish(&o);
}
