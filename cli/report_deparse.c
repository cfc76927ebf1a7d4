/* R's deparse() line breaking of the call printed under "Call:"
 * (rf_deparse_call in report_fmt.h): arguments and binary operators are
 * split at bracket depth 0, and a line ends after ", " or " op " once it
 * passes 60 characters, as deparse(width.cutoff = 60) breaks it.  Checked
 * against R 4.2's output in tests/test_report.c. */
#include "report_fmt.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* The text being built: lines of at most about 60 characters. */
typedef struct deparser {
    char *buf;
    size_t len, cap;
    size_t line;       /* characters on the current line */
    int indent;
    bool startline;
    bool oom;
} deparser;

static void dp_raw(deparser *d, const char *s, size_t n)
{
    if (d->oom) return;
    if (d->len + n + 1 > d->cap) {
        size_t cap = (d->cap ? d->cap * 2 : 128) + n;
        char *b = realloc(d->buf, cap);
        if (!b) {
            d->oom = true;
            return;
        }
        d->buf = b;
        d->cap = cap;
    }
    memcpy(d->buf + d->len, s, n);
    d->len += n;
    d->buf[d->len] = '\0';
}

/* Text on the current line, indented if it starts one (four spaces per
 * level up to four levels, two beyond, as deparse does). */
static void dp_put(deparser *d, const char *s, size_t n)
{
    if (d->startline) {
        d->startline = false;
        for (int i = 1; i <= d->indent; i++) {
            dp_raw(d, i <= 4 ? "    " : "  ", i <= 4 ? 4 : 2);
            d->line += i <= 4 ? 4 : 2;
        }
    }
    dp_raw(d, s, n);
    d->line += n; /* bytes, as deparse counts them */
}

static void dp_newline(deparser *d)
{
    dp_raw(d, "\n", 1);
    d->line = 0;
    d->startline = true;
}

/* deparse's linebreak(): past the cutoff, end the line; the first break
 * of a construct indents what follows one level more. */
static void dp_break(deparser *d, bool *broke)
{
    if (d->line > 60) {
        if (!*broke) {
            *broke = true;
            d->indent++;
        }
        dp_newline(d);
    }
}

/* Where the bracket or quote at s[i] ends (the index of its closer), or n. */
static size_t skip_group(const char *s, size_t i, size_t n)
{
    char open = s[i];
    if (open == '"' || open == '\'' || open == '`') {
        for (i++; i < n; i++) {
            if (s[i] == '\\') i++;
            else if (s[i] == open) return i;
        }
        return n;
    }
    char close = open == '(' ? ')' : open == '[' ? ']' : '}';
    int depth = 0;
    for (; i < n; i++) {
        if (s[i] == '"' || s[i] == '\'' || s[i] == '`') {
            i = skip_group(s, i, n);
            if (i >= n) return n;
        } else if (s[i] == open) depth++;
        else if (s[i] == close && --depth == 0) return i;
    }
    return n;
}

/* R's binary operators printed with a space on each side, by precedence
 * (all left-associative); 0 when s[i..] is not " op ". */
static int binary_op(const char *s, size_t i, size_t n, size_t *oplen)
{
    static const struct {
        const char *op;
        int prec;
    } ops[] = {
        { "~", 1 },  { "||", 2 }, { "|", 2 },  { "&&", 3 }, { "&", 3 },  { "==", 4 },
        { "!=", 4 }, { "<=", 4 }, { ">=", 4 }, { "<", 4 },  { ">", 4 },  { "+", 5 },
        { "-", 5 },  { "*", 6 },  { "/", 6 },
    };
    if (s[i] != ' ' || i == 0) return 0;
    if (s[i + 1] == '%') { /* %in%, %%, %/% and the like */
        size_t j = i + 2;
        while (j < n && s[j] != '%' && s[j] != ' ') j++;
        if (j + 1 < n && s[j] == '%' && s[j + 1] == ' ') {
            *oplen = j + 2 - i;
            return 7;
        }
        return 0;
    }
    for (size_t k = 0; k < sizeof ops / sizeof ops[0]; k++) {
        size_t l = strlen(ops[k].op);
        if (i + l + 1 < n && strncmp(s + i + 1, ops[k].op, l) == 0 && s[i + 1 + l] == ' ') {
            *oplen = l + 2;
            return ops[k].prec;
        }
    }
    return 0;
}

/* An expression's operands and operators at bracket depth 0; an operator
 * token keeps its spaces (" + "), as deparse prints it. */
typedef struct tok {
    const char *s;
    size_t n;
    int prec; /* 0 for an operand */
} tok;

/* The expression tree: leaves are operand tokens, inner nodes operators. */
typedef struct node {
    size_t tok;
    size_t left, right; /* children of an operator */
} node;

/* Split v into operands and operators; false if an operand is empty. */
static bool tokenize(const char *v, size_t n, tok *t, size_t *nt)
{
    size_t start = 0, m = 0;
    for (size_t i = 0; i < n;) {
        char c = v[i];
        if (c == '(' || c == '[' || c == '{' || c == '"' || c == '\'' || c == '`') {
            i = skip_group(v, i, n);
            if (i >= n) return false;
            i++;
            continue;
        }
        size_t oplen = 0;
        int prec = binary_op(v, i, n, &oplen);
        if (prec) {
            if (i == start) return false;
            t[m++] = (tok){ v + start, i - start, 0 };
            t[m++] = (tok){ v + i, oplen, prec };
            i += oplen;
            start = i;
        } else {
            i++;
        }
    }
    if (start >= n) return false;
    t[m++] = (tok){ v + start, n - start, 0 };
    *nt = m;
    return true;
}

/* Precedence climbing; every operator is left-associative.  Recursion
 * goes one level deeper only for a tighter operator, so its depth is at
 * most the number of precedence levels. */
static size_t parse_expr(const tok *t, size_t nt, size_t *at, int min_prec, node *nodes,
                         size_t *nn)
{
    size_t left = (*nn)++;
    nodes[left] = (node){ (*at)++, 0, 0 };
    while (*at < nt && t[*at].prec >= min_prec) {
        size_t op = (*at)++;
        size_t right = parse_expr(t, nt, at, t[op].prec + 1, nodes, nn);
        size_t id = (*nn)++;
        nodes[id] = (node){ op, left, right };
        left = id;
    }
    return left;
}

/* deparse of a binary call: the left operand, " op ", a possible line
 * break (indenting the right operand one level), the right operand.  The
 * left spine of a chain a + b + c is walked iteratively (spine[] has room
 * for every node), so a long formula cannot exhaust the stack. */
static void dp_node(deparser *d, const tok *t, const node *nodes, size_t id, size_t *spine)
{
    size_t depth = 0;
    while (t[nodes[id].tok].prec) {
        spine[depth++] = id;
        id = nodes[id].left;
    }
    dp_put(d, t[nodes[id].tok].s, t[nodes[id].tok].n);
    while (depth--) {
        const node *op = &nodes[spine[depth]];
        bool broke = false;
        dp_put(d, t[op->tok].s, t[op->tok].n);
        dp_break(d, &broke);
        dp_node(d, t, nodes, op->right, spine + depth + 1);
        if (broke) d->indent--;
    }
}

/* One argument's value: as an expression if it splits into one, else as
 * it is. */
static void dp_value(deparser *d, const char *v, size_t n)
{
    tok *t = malloc((n + 1) * sizeof *t);
    node *nodes = malloc((n + 1) * sizeof *nodes);
    size_t *spine = malloc((n + 1) * sizeof *spine);
    size_t nt = 0;
    if (t && nodes && spine && tokenize(v, n, t, &nt)) {
        size_t at = 0, nn = 0;
        size_t root = parse_expr(t, nt, &at, 1, nodes, &nn);
        dp_node(d, t, nodes, root, spine);
    } else if (t && nodes && spine) {
        dp_put(d, v, n);
    } else {
        d->oom = true;
    }
    free(t), free(nodes), free(spine);
}

char *rf_deparse_call(const char *call)
{
    if (!call) call = "";
    size_t n = strlen(call);
    const char *paren = strchr(call, '(');
    bool is_call = !strchr(call, '\n') && paren && paren > call && n >= 2 &&
                   call[n - 1] == ')' && skip_group(call, (size_t)(paren - call), n) == n - 1;
    for (const char *c = call; is_call && c < paren; c++)
        if (*c == ' ' || *c == '"' || *c == '[' || *c == '{') is_call = false;
    if (!is_call) {
        char *copy = malloc(n + 1);
        if (copy) memcpy(copy, call, n + 1);
        return copy;
    }
    deparser d = { .startline = true };
    dp_put(&d, call, (size_t)(paren - call) + 1);
    size_t i = (size_t)(paren - call) + 1, end = n - 1;
    bool broke = false;
    while (i < end) {
        /* The argument runs to the next comma at depth 0. */
        size_t j = i;
        while (j < end && call[j] != ',') {
            char c = call[j];
            if (c == '(' || c == '[' || c == '{' || c == '"' || c == '\'' || c == '`')
                j = skip_group(call, j, end);
            j++;
        }
        if (j > end) j = end;
        /* "tag = value": the tag and " = " as they are, then the value. */
        size_t v = i;
        for (size_t k = i; k + 2 < j; k++) {
            char c = call[k];
            if (c == '(' || c == '[' || c == '{' || c == '"' || c == '\'' || c == '`') break;
            if (c == ' ' && call[k + 1] == '=' && call[k + 2] == ' ') {
                dp_put(&d, call + i, k + 3 - i);
                v = k + 3;
                break;
            }
        }
        dp_value(&d, call + v, j - v);
        if (j < end) {
            dp_put(&d, ", ", 2);
            dp_break(&d, &broke);
            j++;
            if (j < end && call[j] == ' ') j++;
        }
        i = j;
    }
    if (broke) d.indent--;
    dp_put(&d, ")", 1);
    if (d.oom || !d.buf) {
        free(d.buf);
        return NULL;
    }
    return d.buf;
}
