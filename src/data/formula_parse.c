/* Parsing R model formulas by recursive descent, and writing variables
 * back as R's deparse() does (their names become column names).
 *
 * The grammar, with R's precedences (tightest last):
 *
 *   formula  := [variable] '~' fsum
 *   fsum     := ['+'|'-'] fprod (('+'|'-') fprod)*
 *   fprod    := fcolon (('*'|'/') fcolon)*
 *   fcolon   := fpow (':' fpow)*
 *   fpow     := fprimary ['^' whole number]
 *   fprimary := '(' fsum ')' | '.' | 0 | 1 | variable
 *   variable := name | `quoted name` | factor(name)
 *             | I(asum) | log(asum) | exp(asum) | sqrt(asum) | abs(asum)
 *   asum     := aprod (('+'|'-') aprod)*
 *   aprod    := aunary (('*'|'/') aunary)*
 *   aunary   := ('-'|'+') aunary | apow
 *   apow     := aprimary ['^' aunary]          (so -x^2 is -(x^2), x^-1 works)
 *   aprimary := number | name | '(' asum ')' | I/log/exp/sqrt/abs '(' asum ')'
 *
 * A leading '-' on the right-hand side is parsed at the sum's level, where
 * it means "remove": "y ~ -1 + x" drops the intercept.  Numbers keep the
 * 15 significant digits R writes them with, so a formula written back
 * (variables' names are R's deparse) reads back to the same values.
 *
 * Every recursion (parentheses, calls, signs, exponents) counts against
 * GF__FORMULA_MAX_DEPTH, and long sums and products are loops building
 * n-ary nodes, so no input can exhaust the stack. */
#include "data/formula_ast.h"
#include "data/frame_internal.h"
#include "core/error.h"

#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- tokens ------------------------------------------------------------- */

typedef enum tok_kind { T_END, T_NAME, T_NUM, T_DOT, T_OP } tok_kind;

typedef struct tok {
    tok_kind kind;
    size_t pos;    /* 1-based position of its first byte */
    size_t len;    /* bytes in the text */
    int quoted;    /* T_NAME written in backquotes */
    char op;       /* T_OP's character */
    double num;    /* T_NUM's value */
    char *name;    /* T_NAME's name, unquoted (from malloc, owned by the parser) */
} tok;

typedef struct parser {
    const char *s;
    size_t len;
    size_t at;      /* the next unread byte */
    tok cur;        /* the token under the cursor */
    tok prev;       /* the last token consumed (name not kept) */
    int depth;
    fx_formula *f;
    gf_status err;  /* GF_OK until the first error */
} parser;

/* ---- errors ------------------------------------------------------------- */

void gf__fx_quote_formula(const char *text, size_t pos, char *buf, size_t size)
{
    size_t n = strlen(text), from = 0, to = n;
    const size_t whole = 100, side = 40;
    if (n > whole) {
        size_t at = pos ? pos - 1 : 0;
        from = at > side ? at - side : 0;
        to = at + side < n ? at + side : n;
    }
    size_t o = 0;
    if (size == 0) return;
    if (from > 0 && o + 3 < size) memcpy(buf + o, "...", 3), o += 3;
    for (size_t i = from; i < to && o + 1 < size; i++) {
        unsigned char c = (unsigned char)text[i];
        buf[o++] = c < 0x20 || c == 0x7F ? '?' : (char)c;
    }
    if (to < n && o + 4 < size) memcpy(buf + o, "...", 3), o += 3;
    buf[o] = '\0';
}

/* Record "formula '...': position N: <message>" once; later errors (from
 * unwinding) keep the first. */
static void __attribute__((format(printf, 3, 4))) fail_at(parser *p, size_t pos, const char *fmt,
                                                        ...)
{
    if (p->err) return;
    char quoted[256], msg[512];
    gf__fx_quote_formula(p->s, pos, quoted, sizeof quoted);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    p->err = gf__fail(GF_ERR_ARG, "formula '%s': position %zu: %s", quoted, pos, msg);
}

static void oom(parser *p)
{
    if (!p->err) p->err = GF_ERR_NOMEM; /* gf__malloc has recorded the message */
}

/* A token as a message shows it: "'+'", "'x'", "the end of the formula". */
static const char *describe(const parser *p, const tok *t, char *buf, size_t size)
{
    if (t->kind == T_END) return "the end of the formula";
    size_t n = t->len < 40 ? t->len : 40;
    char text[48];
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p->s[t->pos - 1 + i];
        text[o++] = c < 0x20 || c == 0x7F ? '?' : (char)c;
    }
    text[o] = '\0';
    snprintf(buf, size, "'%s%s'", text, t->len > n ? "..." : "");
    return buf;
}

/* "expected <what> after <previous token>, found <current token><hint>",
 * at the current token, or at the previous one when the formula has ended
 * (the place the user has to look at). */
static void expected_hint(parser *p, const char *what, const char *hint)
{
    char found[64], after[64];
    size_t pos = p->cur.kind == T_END && p->prev.pos ? p->prev.pos : p->cur.pos;
    if (p->prev.pos)
        fail_at(p, pos, "expected %s after %s, found %s%s", what,
                describe(p, &p->prev, after, sizeof after),
                describe(p, &p->cur, found, sizeof found), hint);
    else
        fail_at(p, pos, "expected %s, found %s%s", what, describe(p, &p->cur, found, sizeof found),
                hint);
}

static void expected(parser *p, const char *what) { expected_hint(p, what, ""); }

/* ---- the lexer ---------------------------------------------------------- */

static int is_name_start(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '.' || c >= 0x80;
}

static int is_name_char(unsigned char c)
{
    return is_name_start(c) || (c >= '0' && c <= '9') || c == '_';
}

static int is_digit(unsigned char c) { return c >= '0' && c <= '9'; }

/* Convert the digits of a number token in the "C" locale, whatever the
 * caller's LC_NUMERIC says the decimal point is. */
static double convert_number(const char *s, size_t n)
{
    char buf[128];
    char *t = n < sizeof buf ? buf : malloc(n + 1);
    if (!t) return NAN;
    memcpy(t, s, n);
    t[n] = '\0';
    locale_t c = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
    locale_t old = c ? uselocale(c) : (locale_t)0;
    double v = c ? strtod(t, NULL) : NAN;
    if (c) {
        uselocale(old);
        freelocale(c);
    }
    if (t != buf) free(t);
    return v;
}

static void lex_number(parser *p, tok *t)
{
    size_t i = p->at;
    while (i < p->len && is_digit((unsigned char)p->s[i])) i++;
    if (i < p->len && p->s[i] == '.') {
        i++;
        while (i < p->len && is_digit((unsigned char)p->s[i])) i++;
    }
    if (i < p->len && (p->s[i] == 'e' || p->s[i] == 'E')) {
        size_t j = i + 1;
        if (j < p->len && (p->s[j] == '+' || p->s[j] == '-')) j++;
        if (j < p->len && is_digit((unsigned char)p->s[j])) {
            while (j < p->len && is_digit((unsigned char)p->s[j])) j++;
            i = j;
        } else {
            fail_at(p, j + 1, "expected the digits of an exponent after '%.*s'", (int)(j - p->at),
                    p->s + p->at);
            return;
        }
    }
    t->kind = T_NUM;
    t->len = i - p->at;
    t->num = convert_number(p->s + p->at, t->len);
    if (isfinite(t->num)) {
        /* keep the value R writes (15 significant digits), so that the
         * formula written back reads back to the very same numbers */
        char text[40];
        gf__format_number(t->num, text, sizeof text);
        t->num = convert_number(text, strlen(text));
    }
    if (isnan(t->num)) {
        fail_at(p, t->pos, "out of memory reading a number");
        return;
    }
    if (!isfinite(t->num)) {
        fail_at(p, t->pos, "the number '%.*s' is too large for a double", (int)t->len, p->s + p->at);
        return;
    }
    p->at = i;
}

/* `name`, with \` and \\ standing for ` and \. */
static void lex_quoted(parser *p, tok *t)
{
    size_t i = p->at + 1, n = 0;
    char *name = gf__malloc(p->len - p->at, "a quoted name");
    if (!name) {
        oom(p);
        return;
    }
    for (;; i++) {
        if (i >= p->len) {
            free(name);
            fail_at(p, t->pos, "the backquoted name starting here is never closed (expected '`')");
            return;
        }
        char c = p->s[i];
        if (c == '`') break;
        if (c == '\\' && i + 1 < p->len) c = p->s[++i];
        name[n++] = c;
    }
    name[n] = '\0';
    if (n == 0) {
        free(name);
        fail_at(p, t->pos, "a backquoted name is empty");
        return;
    }
    t->kind = T_NAME;
    t->quoted = 1;
    t->name = name;
    t->len = i + 1 - p->at;
    p->at = i + 1;
}

static void lex_name(parser *p, tok *t)
{
    size_t i = p->at;
    while (i < p->len && is_name_char((unsigned char)p->s[i])) i++;
    t->len = i - p->at;
    if (t->len == 1 && p->s[p->at] == '.') {
        t->kind = T_DOT;
    } else {
        t->kind = T_NAME;
        t->name = gf__malloc(t->len + 1, "a name");
        if (!t->name) {
            oom(p);
            return;
        }
        memcpy(t->name, p->s + p->at, t->len);
        t->name[t->len] = '\0';
    }
    p->at = i;
}

/* Move to the next token; on a lexing error p->err is set and cur is END. */
static void advance(parser *p)
{
    if (p->cur.kind != T_END || p->cur.pos) p->prev = p->cur;
    p->prev.name = NULL;
    free(p->cur.name);
    tok *t = &p->cur;
    memset(t, 0, sizeof *t);
    while (p->at < p->len && (p->s[p->at] == ' ' || p->s[p->at] == '\t' || p->s[p->at] == '\n' ||
                              p->s[p->at] == '\r'))
        p->at++;
    t->pos = p->at + 1;
    if (p->err || p->at >= p->len) {
        t->kind = T_END;
        return;
    }
    unsigned char c = (unsigned char)p->s[p->at];
    if (is_digit(c) || (c == '.' && p->at + 1 < p->len && is_digit((unsigned char)p->s[p->at + 1])))
        lex_number(p, t);
    else if (is_name_start(c))
        lex_name(p, t);
    else if (c == '`')
        lex_quoted(p, t);
    else if (strchr("~+-*/^:(),", c)) {
        t->kind = T_OP;
        t->op = (char)c;
        t->len = 1;
        p->at++;
    } else if (c < 0x20 || c == 0x7F) {
        fail_at(p, t->pos, "unexpected control character (byte 0x%02X)", c);
    } else {
        fail_at(p, t->pos, "unexpected character '%c'%s", c,
                c == '%' ? " (operators such as %in% are not supported)" : "");
    }
    if (p->err) {
        free(t->name);
        t->name = NULL;
        t->kind = T_END;
    }
}

static int at_op(const parser *p, char op) { return p->cur.kind == T_OP && p->cur.op == op; }

/* The next non-blank byte is '(': the name under the cursor is a call. */
static int call_follows(const parser *p)
{
    size_t i = p->at;
    while (i < p->len && (p->s[i] == ' ' || p->s[i] == '\t' || p->s[i] == '\n' || p->s[i] == '\r'))
        i++;
    return i < p->len && p->s[i] == '(';
}

/* One more level of nesting at `pos`; 0 (error recorded) past the cap. */
static int enter(parser *p, size_t pos)
{
    if (++p->depth > GF__FORMULA_MAX_DEPTH) {
        fail_at(p, pos, "the formula nests deeper than %d levels (parentheses, function calls, "
                "signs and powers)", GF__FORMULA_MAX_DEPTH);
        return 0;
    }
    return 1;
}

static void leave(parser *p) { p->depth--; }

/* ---- nodes -------------------------------------------------------------- */

static fx_node *new_node(parser *p, fx_kind kind, size_t pos)
{
    fx_formula *f = p->f;
    if (f->nnodes == f->cap) {
        size_t cap = f->cap ? 2 * f->cap : 32;
        fx_node **n = realloc(f->nodes, cap * sizeof *n);
        if (!n) {
            gf__fail(GF_ERR_NOMEM, "out of memory parsing a formula");
            oom(p);
            return NULL;
        }
        f->nodes = n;
        f->cap = cap;
    }
    fx_node *e = gf__calloc(1, sizeof *e, "a formula node");
    if (!e) {
        oom(p);
        return NULL;
    }
    e->kind = kind;
    e->pos = pos;
    f->nodes[f->nnodes++] = e;
    return e;
}

/* Append a child (and the operator before it); 0 on failure. */
static int add_kid(parser *p, fx_node *e, fx_node *kid, char op)
{
    if (!e || !kid) return 0;
    if (e->nkids == e->kcap) {
        size_t cap = e->kcap ? 2 * e->kcap : 2;
        fx_node **k = realloc(e->kid, cap * sizeof *k);
        if (k) e->kid = k;
        char *o = k ? realloc(e->op, cap) : NULL;
        if (o) e->op = o;
        if (!k || !o) {
            gf__fail(GF_ERR_NOMEM, "out of memory parsing a formula");
            oom(p);
            return 0;
        }
        e->kcap = cap;
    }
    e->kid[e->nkids] = kid;
    e->op[e->nkids] = op;
    e->nkids++;
    return 1;
}

/* A node with one child, or NULL. */
static fx_node *wrap(parser *p, fx_kind kind, size_t pos, fx_node *kid)
{
    if (!kid) return NULL;
    fx_node *e = new_node(p, kind, pos);
    return add_kid(p, e, kid, 0) ? e : NULL;
}

/* ---- arithmetic inside a variable --------------------------------------- */

static fx_node *a_sum(parser *p);
static fx_node *a_unary(parser *p);

static const struct {
    const char *name;
    fx_fn fn;
} functions[] = {
    {"I", FN_I}, {"log", FN_LOG}, {"exp", FN_EXP}, {"sqrt", FN_SQRT}, {"abs", FN_ABS},
    {"factor", FN_FACTOR},
};

const char *gf__fx_fn_name(fx_fn fn)
{
    for (size_t i = 0; i < sizeof functions / sizeof functions[0]; i++)
        if (functions[i].fn == fn) return functions[i].name;
    return "?";
}

/* `name(`: the function under the cursor, or an error for an unknown one. */
static fx_fn lookup_function(parser *p)
{
    for (size_t i = 0; i < sizeof functions / sizeof functions[0]; i++)
        if (strcmp(p->cur.name, functions[i].name) == 0) return functions[i].fn;
    char found[64];
    fail_at(p, p->cur.pos, "unknown function %s: a formula knows I(), log(), exp(), sqrt(), abs() "
            "and factor()", describe(p, &p->cur, found, sizeof found));
    return FN_NONE;
}

/* Expect ')' closing the '(' (or call) that began at `open`. */
static int close_paren(parser *p, size_t open, const char *what)
{
    if (at_op(p, ')')) {
        advance(p);
        return 1;
    }
    char found[64];
    fail_at(p, p->cur.kind == T_END ? open : p->cur.pos,
            "expected ')' to close the %s at position %zu, found %s", what, open,
            describe(p, &p->cur, found, sizeof found));
    return 0;
}

static fx_node *name_node(parser *p)
{
    fx_node *e = new_node(p, FX_NAME, p->cur.pos);
    if (!e) return NULL;
    e->name = p->cur.name; /* taken from the token */
    p->cur.name = NULL;
    advance(p);
    return e;
}

/* A call I(...), log(...), ... or factor(...) with the name under the
 * cursor; `in_arith` refuses factor(). */
static fx_node *call(parser *p, int in_arith)
{
    size_t pos = p->cur.pos;
    fx_fn fn = lookup_function(p);
    if (fn == FN_NONE) return NULL;
    if (fn == FN_FACTOR && in_arith) {
        fail_at(p, pos, "factor() makes a factor, which arithmetic cannot use; write factor(x) "
                "as a term of its own");
        return NULL;
    }
    if (!enter(p, pos)) return NULL;
    const char *fname = gf__fx_fn_name(fn);
    char what[32];
    snprintf(what, sizeof what, "'%s('", fname);
    advance(p); /* the name */
    advance(p); /* '(' */
    fx_node *arg = NULL;
    if (fn == FN_FACTOR) {
        if (p->cur.kind == T_NAME && !(!p->cur.quoted && call_follows(p)))
            arg = name_node(p);
        else
            expected(p, "a column name inside factor()");
    } else {
        arg = a_sum(p);
    }
    fx_node *e = NULL;
    if (arg && close_paren(p, pos, what)) {
        e = wrap(p, FX_CALL, pos, arg);
        if (e) e->fn = fn;
    }
    leave(p);
    return e;
}

static fx_node *a_primary(parser *p)
{
    if (p->err) return NULL;
    if (p->cur.kind == T_NUM) {
        fx_node *e = new_node(p, FX_NUM, p->cur.pos);
        if (e) e->num = p->cur.num;
        advance(p);
        return e;
    }
    if (p->cur.kind == T_NAME)
        return !p->cur.quoted && call_follows(p) ? call(p, 1) : name_node(p);
    if (at_op(p, '(')) {
        size_t pos = p->cur.pos;
        if (!enter(p, pos)) return NULL;
        advance(p);
        fx_node *inner = a_sum(p);
        fx_node *e = inner && close_paren(p, pos, "'('") ? wrap(p, FX_PAREN, pos, inner) : NULL;
        leave(p);
        return e;
    }
    if (p->cur.kind == T_DOT) {
        fail_at(p, p->cur.pos, "'.' stands for columns only as a term of its own, not inside "
                "arithmetic");
        return NULL;
    }
    expected(p, "a number, a column name or '('");
    return NULL;
}

static fx_node *a_pow(parser *p)
{
    fx_node *base = a_primary(p);
    if (!base || !at_op(p, '^')) return base;
    size_t pos = p->cur.pos;
    if (!enter(p, pos)) return NULL;
    advance(p);
    fx_node *exponent = a_unary(p);
    fx_node *e = NULL;
    if (exponent) {
        e = new_node(p, FX_POW, base->pos);
        if (!add_kid(p, e, base, 0) || !add_kid(p, e, exponent, '^')) e = NULL;
    }
    leave(p);
    return e;
}

static fx_node *a_unary(parser *p)
{
    if (p->err) return NULL;
    if (at_op(p, '-') || at_op(p, '+')) {
        size_t pos = p->cur.pos;
        fx_kind kind = p->cur.op == '-' ? FX_NEG : FX_POS;
        if (!enter(p, pos)) return NULL;
        advance(p);
        fx_node *e = wrap(p, kind, pos, a_unary(p));
        leave(p);
        return e;
    }
    return a_pow(p);
}

/* kid (op kid)* for the operators in `ops`, as one n-ary node of `kind`
 * (or the single kid itself); for I() arithmetic and formula operators
 * alike (`next` reports a missing operand). */
static fx_node *a_chain(parser *p, fx_kind kind, const char *ops, fx_node *(*next)(parser *))
{
    fx_node *first = next(p);
    if (!first || p->cur.kind != T_OP || !strchr(ops, p->cur.op)) return first;
    fx_node *e = new_node(p, kind, first->pos);
    if (!add_kid(p, e, first, 0)) return NULL;
    while (p->cur.kind == T_OP && strchr(ops, p->cur.op)) {
        char op = p->cur.op;
        advance(p);
        if (!add_kid(p, e, next(p), op)) return NULL;
    }
    return e;
}

static fx_node *a_prod(parser *p) { return a_chain(p, FX_PROD, "*/", a_unary); }
static fx_node *a_sum(parser *p) { return a_chain(p, FX_SUM, "+-", a_prod); }

/* ---- the formula's terms ------------------------------------------------ */

static fx_node *f_sum(parser *p);

/* A variable: a name or a call; `what` names the place for the error. */
static fx_node *variable(parser *p, const char *what)
{
    if (p->cur.kind != T_NAME) {
        expected(p, what);
        return NULL;
    }
    size_t pos = p->cur.pos;
    fx_node *v = !p->cur.quoted && call_follows(p) ? call(p, 0) : name_node(p);
    return wrap(p, FF_VAR, pos, v);
}

static fx_node *f_primary(parser *p)
{
    if (p->err) return NULL;
    size_t pos = p->cur.pos;
    if (at_op(p, '(')) {
        if (!enter(p, pos)) return NULL;
        advance(p);
        fx_node *inner = f_sum(p);
        fx_node *e = inner && close_paren(p, pos, "'('") ? wrap(p, FF_PAREN, pos, inner) : NULL;
        leave(p);
        return e;
    }
    if (p->cur.kind == T_DOT) {
        advance(p);
        return new_node(p, FF_DOT, pos);
    }
    if (p->cur.kind == T_NUM) {
        double v = p->cur.num;
        if (v != 0 && v != 1) {
            char found[64];
            fail_at(p, pos, "the number %s is not a term: only 0 and 1 (the intercept) are; "
                    "write arithmetic inside I(), as in I(2 * x)",
                    describe(p, &p->cur, found, sizeof found));
            return NULL;
        }
        advance(p);
        fx_node *e = new_node(p, FF_ONE, pos);
        if (e) e->num = v;
        return e;
    }
    return variable(p, "a term");
}

static fx_node *f_pow(parser *p)
{
    fx_node *base = f_primary(p);
    if (!base || !at_op(p, '^')) return base;
    advance(p);
    double v = p->cur.num;
    if (p->cur.kind != T_NUM || v < 1 || v != floor(v) || v > 1e9) {
        expected(p, "a whole number of at least 1 as the power");
        return NULL;
    }
    advance(p);
    fx_node *e = wrap(p, FF_POW, base->pos, base);
    if (e) e->power = (unsigned long)v;
    return e;
}

static fx_node *f_colon(parser *p) { return a_chain(p, FF_COLON, ":", f_pow); }
static fx_node *f_prod(parser *p) { return a_chain(p, FF_PROD, "*/", f_colon); }

static fx_node *f_sum(parser *p)
{
    if (p->err) return NULL;
    size_t pos = p->cur.pos;
    char sign = 0;
    if (at_op(p, '-') || at_op(p, '+')) {
        sign = p->cur.op;
        advance(p);
    }
    fx_node *first = f_prod(p);
    if (!first) return NULL;
    if (!sign && !(at_op(p, '+') || at_op(p, '-'))) return first;
    fx_node *e = new_node(p, FF_SUM, pos);
    if (!add_kid(p, e, first, sign)) return NULL;
    while (at_op(p, '+') || at_op(p, '-')) {
        char op = p->cur.op;
        advance(p);
        if (!add_kid(p, e, f_prod(p), op)) return NULL;
    }
    return e;
}

static void parse(parser *p)
{
    advance(p);
    if (p->cur.kind == T_END && !p->err) {
        fail_at(p, 1, "the formula is empty (expected 'response ~ terms' or '~ terms')");
        return;
    }
    if (!at_op(p, '~')) {
        fx_node *v = variable(p, "a response (a column name) or '~'");
        if (p->err) return;
        p->f->lhs = v->kid[0];
        if (!at_op(p, '~')) {
            expected_hint(p, "'~'", " (the response is one variable; write arithmetic "
                          "inside I())");
            return;
        }
    }
    advance(p); /* '~' */
    if (p->cur.kind == T_END && !p->err) {
        expected(p, "a term");
        return;
    }
    p->f->rhs = f_sum(p);
    if (!p->err && p->cur.kind != T_END)
        expected_hint(p, "an operator or the end of the formula", " (the operators are '+', '-', "
                      "'*', '/', ':' and '^')");
}

void gf__fx_free(fx_formula *f)
{
    if (!f) return;
    for (size_t i = 0; i < f->nnodes; i++) {
        free(f->nodes[i]->name);
        free(f->nodes[i]->kid);
        free(f->nodes[i]->op);
        free(f->nodes[i]);
    }
    free(f->nodes);
    free(f->text);
    free(f);
}

gf_status gf__fx_parse(const char *text, fx_formula **out)
{
    *out = NULL;
    if (!text) return gf__fail(GF_ERR_ARG, "the formula is NULL");
    size_t len = strnlen(text, GF__FORMULA_MAX_LEN + 1);
    if (len > GF__FORMULA_MAX_LEN)
        return gf__fail(GF_ERR_ARG, "the formula is longer than %zu bytes",
                        (size_t)GF__FORMULA_MAX_LEN);
    fx_formula *f = gf__calloc(1, sizeof *f, "a parsed formula");
    if (!f) return GF_ERR_NOMEM;
    f->text = gf__malloc(len + 1, "a formula's text");
    if (!f->text) {
        free(f);
        return GF_ERR_NOMEM;
    }
    memcpy(f->text, text, len + 1);
    parser p = {.s = f->text, .len = len, .f = f};
    parse(&p);
    free(p.cur.name);
    if (p.err) {
        gf__fx_free(f);
        return p.err;
    }
    *out = f;
    return GF_OK;
}

/* ---- deparsing ---------------------------------------------------------- */

typedef struct sbuf {
    char *s;
    size_t n, cap;
    int failed;
} sbuf;

static void put(sbuf *b, const char *s, size_t n)
{
    if (b->failed) return;
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 32;
        while (cap < b->n + n + 1) cap *= 2;
        char *t = realloc(b->s, cap);
        if (!t) {
            b->failed = 1;
            return;
        }
        b->s = t;
        b->cap = cap;
    }
    memcpy(b->s + b->n, s, n);
    b->n += n;
    b->s[b->n] = '\0';
}

static void puts_(sbuf *b, const char *s) { put(b, s, strlen(s)); }

static const char *const reserved[] = {
    "if", "else", "repeat", "while", "function", "for", "next", "break", "TRUE", "FALSE",
    "NULL", "Inf", "NaN", "NA", "NA_integer_", "NA_real_", "NA_character_", "NA_complex_",
    "in", "...",
};

/* R's rule for a name that needs no backquotes (with any byte >= 0x80
 * taken as a letter, as in a UTF-8 locale). */
static int syntactic(const char *s)
{
    const unsigned char *u = (const unsigned char *)s;
    if (!is_name_start(u[0]) || (u[0] == '.' && is_digit(u[1]))) return 0;
    if (u[0] == '.' && !u[1]) return 0; /* a column named "." is not the '.' of a formula */
    for (size_t i = 1; u[i]; i++)
        if (!is_name_char(u[i])) return 0;
    for (size_t i = 0; i < sizeof reserved / sizeof reserved[0]; i++)
        if (strcmp(s, reserved[i]) == 0) return 0;
    if (u[0] == '.' && u[1] == '.' && is_digit(u[2])) {
        size_t i = 2;
        while (is_digit(u[i])) i++;
        if (!u[i]) return 0; /* ..1, ..2: reserved */
    }
    return 1;
}

static void put_name(sbuf *b, const char *name)
{
    if (syntactic(name)) {
        puts_(b, name);
        return;
    }
    put(b, "`", 1);
    for (const char *c = name; *c; c++) {
        if (*c == '`' || *c == '\\') put(b, "\\", 1);
        put(b, c, 1);
    }
    put(b, "`", 1);
}

char *gf__fx_quote_name(const char *name)
{
    sbuf b = {0};
    put_name(&b, name);
    if (b.failed) {
        free(b.s);
        gf__fail(GF_ERR_NOMEM, "out of memory writing a variable's name");
        return NULL;
    }
    return b.s;
}

static void deparse(sbuf *b, const fx_node *e)
{
    char num[40];
    switch (e->kind) {
    case FX_NUM:
        gf__format_number(e->num, num, sizeof num);
        puts_(b, num);
        break;
    case FX_NAME:
        put_name(b, e->name);
        break;
    case FX_NEG:
    case FX_POS:
        put(b, e->kind == FX_NEG ? "-" : "+", 1);
        deparse(b, e->kid[0]);
        break;
    case FX_SUM:
    case FX_PROD:
        /* R's deparse spaces '+', '-' and '*' but not '/' or '^' */
        for (size_t i = 0; i < e->nkids; i++) {
            if (i) puts_(b, e->op[i] == '/' ? "/" : e->op[i] == '*' ? " * "
                                                    : e->op[i] == '+' ? " + " : " - ");
            deparse(b, e->kid[i]);
        }
        break;
    case FX_POW:
        deparse(b, e->kid[0]);
        put(b, "^", 1);
        deparse(b, e->kid[1]);
        break;
    case FX_PAREN:
        put(b, "(", 1);
        deparse(b, e->kid[0]);
        put(b, ")", 1);
        break;
    case FX_CALL:
        puts_(b, gf__fx_fn_name(e->fn));
        put(b, "(", 1);
        deparse(b, e->kid[0]);
        put(b, ")", 1);
        break;
    default: /* formula nodes are never variables */
        b->failed = 1;
        break;
    }
}

char *gf__fx_deparse(const fx_node *e)
{
    sbuf b = {0};
    deparse(&b, e);
    if (b.failed) {
        free(b.s);
        gf__fail(GF_ERR_NOMEM, "out of memory writing a variable's name");
        return NULL;
    }
    return b.s;
}
