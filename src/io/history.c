/* Training history files: the per-epoch reports as CSV for programs, and
 * drawn as an SVG for people.  Both are written atomically (io/atomic.c).
 *
 * CSV: a header row, then one row per report.  Numbers are written with
 * the fewest significant digits (15, 16 or 17) that read back to the same
 * double, so a program gets exactly what the trainer measured; NaN (no
 * validation data, accuracy of a regression) is an empty field and an
 * infinity is "inf" or "-inf", as strtod reads them.
 *
 * SVG: a title, a legend, and one panel per quantity (loss; accuracy when
 * any accuracy is finite), each plotting training against validation by
 * epoch on axes with round ticks (1, 2 or 5 times a power of ten), the
 * best epoch marked by a dashed line.  A NaN breaks a line into separate
 * polylines; a point with no neighbour is drawn as a dot.  No text in the
 * file is a NaN or an infinity: values beyond +-1e300 are drawn at
 * +-1e300. */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/strings.h"
#include "grafo/pipeline.h"
#include "io/atomic.h"

/* ----------------------------------------------------------------- CSV -- */

typedef struct history {
    const gf_epoch_report *r;
    size_t n;
    const char *title;
} history;

/* A double as the shortest of %.15g, %.16g, %.17g that reads back to it;
 * nothing for NaN. */
static void put_number(FILE *f, double v)
{
    if (isnan(v)) return;
    if (isinf(v)) {
        fputs(v > 0 ? "inf" : "-inf", f);
        return;
    }
    char buf[40];
    for (int digits = 15; digits <= 17; digits++) {
        snprintf(buf, sizeof buf, "%.*g", digits, v);
        if (strtod(buf, NULL) == v) break;
    }
    fputs(buf, f);
}

static bool write_csv(FILE *f, void *user)
{
    const history *h = user;
    fputs("epoch,loss,train_accuracy,valid_loss,valid_accuracy,learning_rate,grad_norm,seconds\n",
          f);
    for (size_t i = 0; i < h->n; i++) {
        const gf_epoch_report *r = &h->r[i];
        const double v[] = { r->loss, r->train_accuracy, r->valid_loss, r->valid_accuracy,
                             r->learning_rate, r->grad_norm, r->seconds };
        fprintf(f, "%d", r->epoch);
        for (size_t j = 0; j < sizeof v / sizeof v[0]; j++) {
            fputc(',', f);
            put_number(f, v[j]);
        }
        fputc('\n', f);
    }
    return !ferror(f);
}

gf_status gf_history_write_csv(const char *path, const gf_epoch_report *r, size_t n)
{
    if (!path || !r || n == 0)
        return gf__fail(GF_ERR_ARG, "writing a training history: no path, no reports or none "
                        "(%zu)", n);
    history h = { r, n, NULL };
    return gf__atomic_write(path, write_csv, &h);
}

/* ----------------------------------------------------------------- SVG -- */

#define WIDTH 760.0
#define HEADER 64.0        /* title and legend */
#define PANEL 300.0        /* each panel's height, labels included */
#define LEFT 78.0          /* room for the y tick labels and axis name */
#define RIGHT 24.0
#define TOP 30.0           /* the panel's heading */
#define BOTTOM 46.0        /* x tick labels and axis name */
#define TRAIN_COLOUR "#1f77b4"
#define VALID_COLOUR "#e6550d"
#define BEST_COLOUR "#555555"
#define MAX_TICKS 30
#define HUGE_VALUE 1e300

/* An axis: its ends (multiples of the tick step) and the step. */
typedef struct axis {
    double lo, hi, step;
} axis;

/* Heckbert's nice numbers: 1, 2 or 5 times a power of ten near x (x > 0),
 * rounded to the nearest one or to the next one up. */
static double nice(double x, bool nearest)
{
    double e = floor(log10(x)), p = pow(10, e), f = x / p;
    double n = nearest ? (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10)
                       : (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10);
    return n * p;
}

/* An axis holding [lo, hi] with about `ticks` round ticks.  A range too
 * narrow to tick (one value, or differences in the last digits) is
 * widened around its middle. */
static axis make_axis(double lo, double hi, int ticks, bool integers)
{
    double mid = lo / 2 + hi / 2;
    if (hi - lo < 1e-9 * fmax(1, fmax(fabs(lo), fabs(hi)))) {
        double d = fabs(mid) * 0.1;
        if (d < 1e-9) d = mid == 0 ? 0.5 : 1e-9;
        if (integers) d = 1;
        lo = mid - d;
        hi = mid + d;
    }
    double step = nice(nice(hi - lo, false) / (ticks - 1), true);
    if (integers && step < 1) step = 1;
    return (axis){ floor(lo / step) * step, ceil(hi / step) * step, step };
}

/* A plot area in the picture and the axes mapped onto it. */
typedef struct frame {
    double x0, y0, w, h; /* left, top, width, height */
    axis x, y;
} frame;

static double px(const frame *fr, double v) { return fr->x0 + (v - fr->x.lo) / (fr->x.hi - fr->x.lo) * fr->w; }
static double py(const frame *fr, double v) { return fr->y0 + fr->h - (v - fr->y.lo) / (fr->y.hi - fr->y.lo) * fr->h; }

static double clamp_huge(double v) { return v > HUGE_VALUE ? HUGE_VALUE : v < -HUGE_VALUE ? -HUGE_VALUE : v; }

/* Tick i of an axis (i counts from the low end), exactly 0 where it
 * should be, so no label reads "-0". */
static double tick(const axis *a, double i)
{
    double v = a->lo + i * a->step;
    return fabs(v) < a->step * 1e-6 ? 0 : v;
}

/* A tick label: as many decimals as the step needs, or %g for values too
 * large or small to write out. */
static void tick_label(char *buf, size_t size, double v, const axis *a)
{
    double top = fmax(fabs(a->lo), fabs(a->hi));
    int decimals = a->step >= 1 ? 0 : (int)ceil(-log10(a->step) - 1e-9);
    if (top >= 1e7 || decimals > 8) snprintf(buf, size, "%.6g", v);
    else snprintf(buf, size, "%.*f", decimals, v);
}

/* Text for XML: the five special characters escaped, control characters
 * dropped, and, if s is not valid UTF-8, every byte above 127 shown as
 * '?', since the file declares UTF-8. */
static void put_text(FILE *f, const char *s)
{
    bool utf8 = gf__utf8_error(s) == NULL;
    for (const unsigned char *u = (const unsigned char *)s; *u; u++) {
        switch (*u) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&apos;", f); break;
        default:
            if (*u < 0x20 || *u == 0x7f) break;
            fputc(*u >= 0x80 && !utf8 ? '?' : *u, f);
        }
    }
}

/* One quantity of the reports, by epoch: loss and valid_loss, or the
 * accuracies. */
typedef double (*field_fn)(const gf_epoch_report *r);
static double train_loss(const gf_epoch_report *r) { return r->loss; }
static double valid_loss(const gf_epoch_report *r) { return r->valid_loss; }
static double train_acc(const gf_epoch_report *r) { return r->train_accuracy; }
static double valid_acc(const gf_epoch_report *r) { return r->valid_accuracy; }

static bool any_finite(const history *h, field_fn get)
{
    for (size_t i = 0; i < h->n; i++)
        if (isfinite(get(&h->r[i]))) return true;
    return false;
}

/* The report of the best epoch: the last one flagged best (each flag
 * means best so far), or -1 if none is. */
static long best_report(const history *h)
{
    long best = -1;
    for (size_t i = 0; i < h->n; i++)
        if (h->r[i].best) best = (long)i;
    return best;
}

/* A series as polylines, one per run of finite values; a run of one
 * point is a dot. */
static void put_series(FILE *f, const history *h, const frame *fr, field_fn get,
                       const char *cls, const char *colour)
{
    size_t i = 0;
    while (i < h->n) {
        if (!isfinite(get(&h->r[i]))) {
            i++;
            continue;
        }
        size_t end = i;
        while (end < h->n && isfinite(get(&h->r[end]))) end++;
        if (end - i == 1) {
            fprintf(f, "<circle class=\"%s\" cx=\"%.2f\" cy=\"%.2f\" r=\"3\" fill=\"%s\"/>\n",
                    cls, px(fr, h->r[i].epoch), py(fr, clamp_huge(get(&h->r[i]))), colour);
        } else {
            fprintf(f, "<polyline class=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\" "
                    "stroke-linejoin=\"round\" points=\"", cls, colour);
            for (size_t k = i; k < end; k++)
                fprintf(f, "%s%.2f,%.2f", k > i ? " " : "", px(fr, h->r[k].epoch),
                        py(fr, clamp_huge(get(&h->r[k]))));
            fputs("\"/>\n", f);
        }
        i = end;
    }
}

/* The panel's axes: grid lines, ticks and their labels, the axis names. */
static void put_axes(FILE *f, const frame *fr, const char *ylabel)
{
    char label[64];
    fprintf(f, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"none\" "
            "stroke=\"#999999\"/>\n", fr->x0, fr->y0, fr->w, fr->h);
    double ny = (fr->y.hi - fr->y.lo) / fr->y.step, nx = (fr->x.hi - fr->x.lo) / fr->x.step;
    for (double i = 0; i <= ny + 1e-6 && i <= MAX_TICKS; i++) {
        double v = tick(&fr->y, i), y = py(fr, v);
        tick_label(label, sizeof label, v, &fr->y);
        fprintf(f, "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\" stroke=\"#e5e5e5\"/>\n"
                "<text x=\"%.2f\" y=\"%.2f\" text-anchor=\"end\" dominant-baseline=\"middle\">"
                "%s</text>\n", fr->x0, y, fr->x0 + fr->w, y, fr->x0 - 6, y, label);
    }
    for (double i = 0; i <= nx + 1e-6 && i <= MAX_TICKS; i++) {
        double v = tick(&fr->x, i), x = px(fr, v);
        tick_label(label, sizeof label, v, &fr->x);
        fprintf(f, "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\" stroke=\"#999999\"/>\n"
                "<text x=\"%.2f\" y=\"%.2f\" text-anchor=\"middle\">%s</text>\n", x,
                fr->y0 + fr->h, x, fr->y0 + fr->h + 5, x, fr->y0 + fr->h + 18, label);
    }
    fprintf(f, "<text x=\"%.2f\" y=\"%.2f\" text-anchor=\"middle\">epoch</text>\n",
            fr->x0 + fr->w / 2, fr->y0 + fr->h + 36);
    fprintf(f, "<text transform=\"translate(%.2f %.2f) rotate(-90)\" text-anchor=\"middle\">"
            "%s</text>\n", fr->x0 - 58, fr->y0 + fr->h / 2, ylabel);
}

/* The smallest and largest finite value of two series, or [0, 1] if
 * neither has one. */
static void value_range(const history *h, field_fn a, field_fn b, double *lo, double *hi)
{
    *lo = INFINITY;
    *hi = -INFINITY;
    for (size_t i = 0; i < h->n; i++) {
        const double v[2] = { a(&h->r[i]), b(&h->r[i]) };
        for (int k = 0; k < 2; k++)
            if (isfinite(v[k])) {
                *lo = fmin(*lo, clamp_huge(v[k]));
                *hi = fmax(*hi, clamp_huge(v[k]));
            }
    }
    if (*lo > *hi) *lo = 0, *hi = 1;
}

static void put_panel(FILE *f, const history *h, double top, const char *name,
                      const char *heading, field_fn train, field_fn valid, bool accuracy)
{
    frame fr = { .x0 = LEFT, .y0 = top + TOP, .w = WIDTH - LEFT - RIGHT,
                 .h = PANEL - TOP - BOTTOM };
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < h->n; i++) {
        lo = fmin(lo, h->r[i].epoch);
        hi = fmax(hi, h->r[i].epoch);
    }
    fr.x = make_axis(lo, hi, 10, true);
    value_range(h, train, valid, &lo, &hi);
    fr.y = make_axis(lo, hi, 6, false);
    if (accuracy) { /* an accuracy's axis stays within [0, 1] */
        if (fr.y.lo < 0 && lo >= 0) fr.y.lo = 0;
        if (fr.y.hi > 1 && hi <= 1) fr.y.hi = 1;
    }
    fprintf(f, "<g class=\"panel\" id=\"%s\">\n", name);
    fprintf(f, "<text x=\"%.2f\" y=\"%.2f\" font-size=\"14\" font-weight=\"bold\">%s</text>\n",
            fr.x0, top + TOP - 10, heading);
    put_axes(f, &fr, name);
    long best = best_report(h);
    if (best >= 0) {
        double x = px(&fr, h->r[best].epoch);
        fprintf(f, "<line class=\"best\" x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\" "
                "stroke=\"%s\" stroke-dasharray=\"5 4\"/>\n", x, fr.y0, x, fr.y0 + fr.h,
                BEST_COLOUR);
    }
    put_series(f, h, &fr, train, "train", TRAIN_COLOUR);
    put_series(f, h, &fr, valid, "valid", VALID_COLOUR);
    double v = best >= 0 ? valid(&h->r[best]) : NAN;
    if (isfinite(v))
        fprintf(f, "<circle class=\"best\" cx=\"%.2f\" cy=\"%.2f\" r=\"5\" fill=\"none\" "
                "stroke=\"%s\" stroke-width=\"2\"/>\n", px(&fr, h->r[best].epoch),
                py(&fr, clamp_huge(v)), BEST_COLOUR);
    fputs("</g>\n", f);
}

/* A legend entry: a short line in the series' style, then its name. */
static double put_key(FILE *f, double x, const char *colour, const char *dash, const char *text)
{
    fprintf(f, "<line x1=\"%.2f\" y1=\"52\" x2=\"%.2f\" y2=\"52\" stroke=\"%s\" "
            "stroke-width=\"2\"%s/>\n<text x=\"%.2f\" y=\"56\">", x, x + 24, colour, dash,
            x + 30);
    put_text(f, text);
    fputs("</text>\n", f);
    return x + 30 + 7.5 * (double)strlen(text) + 24;
}

static bool write_svg(FILE *f, void *user)
{
    const history *h = user;
    bool accuracy = any_finite(h, train_acc) || any_finite(h, valid_acc);
    bool validation = any_finite(h, valid_loss) || any_finite(h, valid_acc);
    double height = HEADER + PANEL * (accuracy ? 2 : 1);
    const char *title = h->title ? h->title : "Training history";
    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
            "viewBox=\"0 0 %.0f %.0f\" font-family=\"sans-serif\" font-size=\"12\">\n<title>",
            WIDTH, height, WIDTH, height);
    put_text(f, title);
    fprintf(f, "</title>\n<rect width=\"%.0f\" height=\"%.0f\" fill=\"white\"/>\n"
            "<text x=\"%.2f\" y=\"26\" text-anchor=\"middle\" font-size=\"17\" "
            "font-weight=\"bold\">", WIDTH, height, WIDTH / 2);
    put_text(f, title);
    fputs("</text>\n<g class=\"legend\">\n", f);
    double x = put_key(f, LEFT, TRAIN_COLOUR, "", "training");
    if (validation) x = put_key(f, x, VALID_COLOUR, "", "validation");
    long best = best_report(h);
    if (best >= 0) {
        char text[64];
        snprintf(text, sizeof text, "best epoch (%d)", h->r[best].epoch);
        put_key(f, x, BEST_COLOUR, " stroke-dasharray=\"5 4\"", text);
    }
    fputs("</g>\n", f);
    put_panel(f, h, HEADER, "loss", "Loss per epoch", train_loss, valid_loss, false);
    if (accuracy)
        put_panel(f, h, HEADER + PANEL, "accuracy", "Accuracy per epoch", train_acc, valid_acc,
                  true);
    fputs("</svg>\n", f);
    return !ferror(f);
}

gf_status gf_history_write_svg(const char *path, const gf_epoch_report *r, size_t n,
                               const char *title)
{
    if (!path || !r || n == 0)
        return gf__fail(GF_ERR_ARG, "drawing a training history: no path, no reports or none "
                        "(%zu)", n);
    history h = { r, n, title };
    return gf__atomic_write(path, write_svg, &h);
}
