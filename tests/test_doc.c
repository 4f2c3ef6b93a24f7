/*
 * test_doc.c — the YAML tree: positions, refusals with their positions,
 * files and stdin, clone independence, key.path=value overrides, and
 * allocation failure at every step.
 */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "doc.h"
#include "error.h"

static runoff_doc *parse(const char *text, runoff_error *err)
{
    ro_error_clear(err);
    return runoff_doc_parse_buffer("t.yaml", text, strlen(text), err);
}

static const ro_node *path_get(const runoff_doc *doc, const char *a, const char *b)
{
    const ro_node *n = ro_node_get(ro_doc_root(doc), a, NULL);
    return n != NULL && b != NULL ? ro_node_get(n, b, NULL) : n;
}

/* ------------------------------------------------------------- the tree */

static void test_tree_kinds_text_and_positions(void **state)
{
    (void)state;
    runoff_error err;
    runoff_doc *doc = parse("a: 1\nb:\n  - x\n  - 'y'\nc: {d: \"z\"}\n", &err);
    assert_non_null(doc);
    const ro_node *root = ro_doc_root(doc);
    assert_int_equal(ro_node_kind_of(root), RO_NODE_MAPPING);
    assert_int_equal(ro_node_len(root), 3);
    const ro_node *key;
    const ro_node *a = ro_node_get(root, "a", &key);
    assert_string_equal(ro_node_text(a), "1");
    assert_false(ro_node_quoted(a));
    assert_int_equal(ro_node_line(key), 1);
    assert_int_equal(ro_node_column(key), 1);
    assert_int_equal(ro_node_column(a), 4);
    const ro_node *b = ro_node_get(root, "b", NULL);
    assert_int_equal(ro_node_kind_of(b), RO_NODE_SEQUENCE);
    assert_int_equal(ro_node_len(b), 2);
    assert_string_equal(ro_node_text(ro_node_value(b, 1)), "y");
    assert_true(ro_node_quoted(ro_node_value(b, 1)));
    assert_int_equal(ro_node_line(ro_node_value(b, 1)), 4);
    assert_int_equal(ro_node_column(ro_node_value(b, 1)), 5);
    const ro_node *d = path_get(doc, "c", "d");
    assert_string_equal(ro_node_text(d), "z");
    assert_int_equal(ro_node_line(d), 5);
    assert_int_equal(ro_node_column(d), 8);
    assert_string_equal(ro_node_file(doc, d), "t.yaml");
    assert_null(ro_node_get(root, "missing", NULL));
    runoff_doc_free(doc);
}

static void test_null_scalars_are_recognised(void **state)
{
    (void)state;
    runoff_error err;
    runoff_doc *doc = parse("a:\nb: ~\nc: null\nd: ''\ne: nil\n", &err);
    assert_non_null(doc);
    assert_true(ro_node_is_null(path_get(doc, "a", NULL)));
    assert_true(ro_node_is_null(path_get(doc, "b", NULL)));
    assert_true(ro_node_is_null(path_get(doc, "c", NULL)));
    assert_false(ro_node_is_null(path_get(doc, "d", NULL))); /* quoted: a string */
    assert_false(ro_node_is_null(path_get(doc, "e", NULL)));
    runoff_doc_free(doc);
}

static void test_utf8_bom_is_accepted(void **state)
{
    (void)state;
    runoff_error err;
    runoff_doc *doc = parse("\xEF\xBB\xBF" "a: \xC3\xA9t\xC3\xA9\n", &err);
    assert_non_null(doc);
    assert_string_equal(ro_node_text(path_get(doc, "a", NULL)), "\xC3\xA9t\xC3\xA9");
    runoff_doc_free(doc);
}

static void test_free_null_is_a_no_op(void **state)
{
    (void)state;
    runoff_doc_free(NULL);
}

/* Depth, length and item bounds: just inside passes, just outside fails. */
static void test_nesting_depth_limit(void **state)
{
    (void)state;
    runoff_error err;
    char text[256];
    /* The root mapping is level 1, so 63 brackets reach level 64. */
    snprintf(text, sizeof text, "a: %.*s%.*s\n", 63, "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
             "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[", 63,
             "]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]");
    runoff_doc *doc = parse(text, &err);
    assert_non_null(doc);
    runoff_doc_free(doc);
    snprintf(text, sizeof text, "a: %.*s%.*s\n", 64, "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
             "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[", 64,
             "]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]");
    assert_null(parse(text, &err));
    assert_int_equal(err.status, RUNOFF_EINPUT);
    assert_string_equal(err.message, "nesting deeper than 64 levels");
    assert_int_equal(err.line, 1);
    assert_int_equal(err.column, 4 + 63); /* the 64th bracket */
}

static void test_scalar_length_limit(void **state)
{
    (void)state;
    runoff_error err;
    size_t n = RO_DOC_MAX_SCALAR + 1;
    char *text = malloc(n + 16);
    assert_non_null(text);
    memcpy(text, "a: ", 3);
    memset(text + 3, 'x', n);
    strcpy(text + 3 + n, "\n");
    assert_null(parse(text, &err));
    assert_string_equal(err.message, "value is 65537 bytes long, expected at most 65536");
    assert_int_equal(err.line, 1);
    assert_int_equal(err.column, 4);
    strcpy(text + 3 + n - 1, "\n"); /* exactly the limit */
    runoff_doc *doc = parse(text, &err);
    assert_non_null(doc);
    assert_int_equal(ro_node_text_len(path_get(doc, "a", NULL)), RO_DOC_MAX_SCALAR);
    runoff_doc_free(doc);
    free(text);
}

static void test_items_per_list_limit(void **state)
{
    (void)state;
    runoff_error err;
    size_t n = RO_DOC_MAX_ITEMS + 1;
    char *text = malloc(2 * n + 16);
    assert_non_null(text);
    size_t len = 0;
    len += (size_t)sprintf(text, "a: [");
    for (size_t i = 0; i < n; i++) {
        text[len++] = '0';
        text[len++] = ',';
    }
    text[len - 1] = ']';
    text[len] = '\0';
    assert_null(parse(text, &err));
    assert_string_equal(err.message, "more than 1000000 items in a list");
    assert_int_equal(err.line, 1);
    /* "a: [" is 4 columns, each item 2: the last item is at 5 + 2 * 1000000. */
    assert_int_equal(err.column, 5 + 2 * RO_DOC_MAX_ITEMS);
    free(text);
}

/* ------------------------------------------------------------ refusals */

typedef struct {
    const char *name;
    const char *text;
    size_t len; /* 0: strlen(text) */
    int line, column;
    const char *message; /* substring of the message */
} bad_case;

static const bad_case bad_cases[] = {
    {"anchor", "a: &x 1\nb: 2\n", 0, 1, 4, "anchors (&name) and aliases (*name) are not supported"},
    {"anchor on a mapping", "a: &m\n  b: 1\n", 0, 1, 4, "anchors (&name) and aliases (*name) are not supported"},
    {"alias", "a: 1\nb: *x\n", 0, 2, 4, "anchors (&name) and aliases (*name) are not supported"},
    {"tag", "a: !!str 1\n", 0, 1, 4, "tags (!name) are not supported"},
    {"duplicate key", "a: 1\nb: 2\na: 3\n", 0, 3, 1, "duplicate key 'a' (first at line 1)"},
    {"duplicate key, first repeat reported", "c: 0\nb: 1\nc: 2\nb: 3\nc: 4\n", 0, 3, 1,
     "duplicate key 'c' (first at line 1)"},
    {"duplicate in nested flow mapping", "x:\n  y: {k: 1, k: 2}\n", 0, 2, 13,
     "duplicate key 'k' (first at line 2)"},
    {"list as key", "? [a]\n: 1\n", 0, 1, 3, "a key is a list, expected a string"},
    {"empty key", "? \n: 1\n", 0, 1, 2, /* libyaml places it just after the ? */ "empty key, expected a string"},
    {"two documents", "a: 1\n---\nb: 2\n", 0, 2, 1, "a second document, expected one document per file"},
    {"empty input", "", 0, 1, 1, "empty document"},
    {"comment only", "# nothing\n", 0, 2, 1, "empty document"},
    {"explicit empty document", "---\n", 0, 2, 1, "empty document"},
    {"list root", "- a\n- b\n", 0, 1, 1, "the document is a list, expected a mapping"},
    {"scalar root", "hello\n", 0, 1, 1, "the document is a value, expected a mapping"},
    {"invalid utf-8", "a: b\nc: \xFF\n", 0, 2, 4,
     "invalid UTF-8 (byte 0xFF), expected UTF-8 text"},
    {"truncated utf-8", "a: \xC3", 0, 1, 4, "invalid UTF-8 (byte 0xC3), expected UTF-8 text"},
    /* Columns count characters, as libyaml's marks do, not bytes. */
    {"invalid utf-8 after accents", "a: \xC3\xA9\xC3\xA9\xFF\n", 0, 1, 6, "invalid UTF-8 (byte 0xFF)"},
    {"control character", "a: b\x01\n", 0, 1, 5, "control character 0x01, expected text"},
    {"nul byte", "a: b\nc: d\0e\n", 12, 2, 5, "NUL byte, expected UTF-8 text"},
    {"escaped nul", "a: \"x\\0y\"\n", 0, 1, 4, "NUL character (\\0) in a value, expected text"},
    {"mapping value in plain scalar", "a: b: c\n", 0, 1, 5,
     "unexpected ':' (check the indentation, or quote a value that contains ': ')"},
    {"unclosed flow list", "a: [1, 2\nb: 3\n", 0, 2, 2,
     "expected ',' or ']' in the list that starts at line 1 column 4"},
    {"bad indentation", "a:\n  b: 1\n c: 2\n", 0, 3, 2,
     "expected a key aligned with the keys of the mapping that starts at line 1 column 1 "
     "(check the indentation)"},
    {"tab indentation", "a:\n\tb: 1\n", 0, 2, 1,
     "tab character, expected spaces (YAML does not allow tabs for indentation)"},
    {"reserved character after accents", "\xC3\xA9: @\n", 0, 1, 4, "'@' cannot start a value"},
    {"unclosed quote", "a: 'x\n", 0, 2, 1,
     "the file ends before the end of the quoted string that starts at line 1 column 4"},
};

static void test_refusals_name_the_problem_and_position(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof bad_cases / sizeof *bad_cases; i++) {
        const bad_case *c = &bad_cases[i];
        runoff_error err;
        ro_error_clear(&err);
        runoff_doc *doc = runoff_doc_parse_buffer("t.yaml", c->text,
                                                  c->len ? c->len : strlen(c->text), &err);
        if (doc != NULL || err.status != RUNOFF_EINPUT || strstr(err.message, c->message) == NULL ||
            err.line != c->line || err.column != c->column || strcmp(err.file, "t.yaml") != 0) {
            print_error("case '%s': got %d:%d '%s' (status %d), expected %d:%d '%s'\n", c->name,
                        err.line, err.column, err.message, err.status, c->line, c->column,
                        c->message);
            runoff_doc_free(doc);
            fail();
        }
    }
}

/* ---------------------------------------------------------------- files */

static void test_file_missing_directory_and_good(void **state)
{
    (void)state;
    runoff_error err;
    ro_error_clear(&err);
    assert_null(runoff_doc_parse_file("tests/data/no-such-file.yaml", &err));
    assert_int_equal(err.status, RUNOFF_EINPUT);
    assert_string_equal(err.message, "cannot open: No such file or directory");
    assert_string_equal(err.file, "tests/data/no-such-file.yaml");
    assert_int_equal(err.line, 0);

    ro_error_clear(&err);
    assert_null(runoff_doc_parse_file("tests/data", &err));
    assert_int_equal(err.status, RUNOFF_EINPUT);
    assert_string_equal(err.message, "is a directory, expected a scenario file");

    ro_error_clear(&err);
    runoff_doc *doc = runoff_doc_parse_file("tests/data/good/national.yaml", &err);
    assert_non_null(doc);
    assert_string_equal(ro_doc_name(doc), "tests/data/good/national.yaml");
    runoff_doc_free(doc);
}

static void test_dash_reads_stdin(void **state)
{
    (void)state;
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    const char *text = "a: from stdin\n";
    assert_int_equal(write(fds[1], text, strlen(text)), (int)strlen(text));
    close(fds[1]);
    int saved = dup(STDIN_FILENO);
    dup2(fds[0], STDIN_FILENO);
    close(fds[0]);
    runoff_error err;
    ro_error_clear(&err);
    runoff_doc *doc = runoff_doc_parse_file("-", &err);
    dup2(saved, STDIN_FILENO);
    close(saved);
    assert_non_null(doc);
    assert_string_equal(ro_doc_name(doc), "<stdin>");
    assert_string_equal(ro_node_text(path_get(doc, "a", NULL)), "from stdin");
    runoff_doc_free(doc);
}

/* ---------------------------------------------------------------- clone */

static void test_clone_is_independent(void **state)
{
    (void)state;
    runoff_error err;
    runoff_doc *doc = parse("a: {b: 1}\nl: [x, 'y']\n", &err);
    assert_non_null(doc);
    runoff_doc *c = runoff_doc_clone(doc, &err);
    assert_non_null(c);
    assert_true(ro_node_quoted(ro_node_value(path_get(c, "l", NULL), 1)));
    assert_int_equal(runoff_doc_set(c, "a.b=2", &err), RUNOFF_OK);
    assert_int_equal(runoff_doc_set(c, "a.new=3", &err), RUNOFF_OK);
    assert_string_equal(ro_node_text(path_get(doc, "a", "b")), "1");
    assert_null(path_get(doc, "a", "new"));
    assert_string_equal(ro_node_text(path_get(c, "a", "b")), "2");
    runoff_doc_free(doc);
    assert_string_equal(ro_node_text(path_get(c, "a", "new")), "3"); /* outlives the original */
    runoff_doc_free(c);
}

/* ------------------------------------------------------------ overrides */

static const char *const set_base = "s:\n"
                                    "  draws: 10\n"
                                    "l:\n"
                                    "  - {id: x, v: 1}\n"
                                    "  - {code: '75', v: 2}\n"
                                    "  - {option: z, v: 3}\n"
                                    "  - {v: 4}\n"
                                    "m: {k: [1, 2]}\n";

static void test_set_replaces_a_scalar_and_marks_it(void **state)
{
    (void)state;
    runoff_error err;
    runoff_doc *doc = parse(set_base, &err);
    assert_int_equal(runoff_doc_set(doc, "s.draws='5'", &err), RUNOFF_OK);
    const ro_node *n = path_get(doc, "s", "draws");
    assert_string_equal(ro_node_text(n), "'5'"); /* plain: quotes are kept as text */
    assert_false(ro_node_quoted(n));
    assert_string_equal(ro_node_file(doc, n), "--set");
    assert_int_equal(ro_node_line(n), 1);
    assert_int_equal(ro_node_column(n), 9);
    assert_int_equal(ro_node_len(path_get(doc, "s", NULL)), 1);
    runoff_doc_free(doc);
}

static void test_set_creates_missing_keys_and_parents(void **state)
{
    (void)state;
    runoff_error err;
    runoff_doc *doc = parse(set_base, &err);
    assert_int_equal(runoff_doc_set(doc, "s.seed=7", &err), RUNOFF_OK);
    assert_int_equal(runoff_doc_set(doc, "new.deeper.leaf=", &err), RUNOFF_OK);
    const ro_node *seed_key;
    const ro_node *seed = ro_node_get(path_get(doc, "s", NULL), "seed", &seed_key);
    assert_string_equal(ro_node_text(seed), "7");
    assert_string_equal(ro_node_file(doc, seed_key), "--set");
    assert_int_equal(ro_node_column(seed_key), 3);
    assert_int_equal(ro_node_column(seed), 8);
    const ro_node *deeper = path_get(doc, "new", "deeper");
    assert_int_equal(ro_node_kind_of(deeper), RO_NODE_MAPPING);
    assert_int_equal(ro_node_column(deeper), 5);
    const ro_node *leaf = ro_node_get(deeper, "leaf", NULL);
    assert_true(ro_node_is_null(leaf));
    assert_int_equal(ro_node_column(leaf), 17);
    runoff_doc_free(doc);
}

static void test_set_addresses_list_items(void **state)
{
    (void)state;
    runoff_error err;
    runoff_doc *doc = parse(set_base, &err);
    assert_int_equal(runoff_doc_set(doc, "l.x.v=10", &err), RUNOFF_OK);
    assert_int_equal(runoff_doc_set(doc, "l.75.v=20", &err), RUNOFF_OK); /* code, not index 75 */
    assert_int_equal(runoff_doc_set(doc, "l.z.v=30", &err), RUNOFF_OK);
    assert_int_equal(runoff_doc_set(doc, "l.3.v=40", &err), RUNOFF_OK);
    assert_int_equal(runoff_doc_set(doc, "m.k.1=50", &err), RUNOFF_OK);
    const ro_node *l = path_get(doc, "l", NULL);
    const char *want[] = {"10", "20", "30", "40"};
    for (size_t i = 0; i < 4; i++)
        assert_string_equal(ro_node_text(ro_node_get(ro_node_value(l, i), "v", NULL)), want[i]);
    assert_string_equal(ro_node_text(ro_node_value(path_get(doc, "m", "k"), 1)), "50");
    runoff_doc_free(doc);
}

typedef struct {
    const char *assignment;
    int column;
    const char *message;
} set_case;

static const set_case set_cases[] = {
    {"s.draws", 1, "missing '=' in 's.draws', expected key.path=value"},
    {"=3", 1, "empty key in '', expected key.path=value"},
    {"s..draws=3", 3, "empty key in 's..draws'"},
    {"s.=3", 3, "empty key in 's.'"},
    /* Also in keys that the override would create: new..key is refused, not
     * created with an empty key that validation would report less clearly. */
    {"new..key=3", 5, "empty key in 'new..key'"},
    {"s.new.=3", 7, "empty key in 's.new.'"},
    {"s=3", 1, "'s' is a mapping, not a value"},
    {"l=3", 1, "'l' is a list, not a value"},
    {"l.x=3", 3, "'l.x' is a mapping, not a value"},
    {"l.9.v=3", 3, "no item '9' in 'l'"},
    {"l.nope.v=3", 3, "no item 'nope' in 'l'"},
    {"m.k.2=3", 5, "no item '2' in 'm.k'"},
    {"s.draws.x=3", 9, "'s.draws' is a value, not a mapping"},
};

static void test_set_errors_point_into_the_assignment(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof set_cases / sizeof *set_cases; i++) {
        const set_case *c = &set_cases[i];
        runoff_error err;
        runoff_doc *doc = parse(set_base, &err);
        assert_non_null(doc);
        runoff_status st = runoff_doc_set(doc, c->assignment, &err);
        if (st != RUNOFF_EINPUT || strcmp(err.file, "--set") != 0 || err.line != 1 ||
            err.column != c->column || strstr(err.message, c->message) == NULL) {
            print_error("'%s': got %s:%d:%d '%s', expected column %d '%s'\n", c->assignment,
                        err.file, err.line, err.column, err.message, c->column, c->message);
            runoff_doc_free(doc);
            fail();
        }
        runoff_doc_free(doc);
    }
}

static void test_set_path_depth_and_value_length_limits(void **state)
{
    (void)state;
    runoff_error err;
    runoff_doc *doc = parse(set_base, &err);
    char path[256] = "";
    for (int i = 0; i < 65; i++)
        strcat(path, i ? ".a" : "a");
    strcat(path, "=1");
    assert_int_equal(runoff_doc_set(doc, path, &err), RUNOFF_EINPUT);
    assert_string_equal(err.message, "path deeper than 64 levels");
    char *big = malloc(RO_DOC_MAX_SCALAR + 16);
    assert_non_null(big);
    strcpy(big, "s.draws=");
    memset(big + 8, '1', RO_DOC_MAX_SCALAR + 1);
    big[8 + RO_DOC_MAX_SCALAR + 1] = '\0';
    ro_error_clear(&err);
    assert_int_equal(runoff_doc_set(doc, big, &err), RUNOFF_EINPUT);
    assert_string_equal(err.message, "value is 65537 bytes long, expected at most 65536");
    assert_int_equal(err.column, 9);
    free(big);
    runoff_doc_free(doc);
}

/* ------------------------------------------------- allocation failures */

/* Fails the n-th allocation for n = 0, 1, ... until the call succeeds:
 * every earlier step must report RUNOFF_ENOMEM and leak nothing (valgrind). */
static void test_parse_survives_every_allocation_failure(void **state)
{
    (void)state;
    for (long n = 0;; n++) {
        runoff_error err;
        ro_error_clear(&err);
        ro_alloc_fail_after(n);
        runoff_doc *doc = runoff_doc_parse_buffer("t.yaml", set_base, strlen(set_base), &err);
        ro_alloc_fail_after(-1);
        if (doc != NULL) {
            assert_true(n > 10);
            runoff_doc_free(doc);
            break;
        }
        assert_int_equal(err.status, RUNOFF_ENOMEM);
    }
}

static void test_clone_survives_every_allocation_failure(void **state)
{
    (void)state;
    runoff_error err;
    runoff_doc *doc = parse(set_base, &err);
    for (long n = 0;; n++) {
        ro_error_clear(&err);
        ro_alloc_fail_after(n);
        runoff_doc *c = runoff_doc_clone(doc, &err);
        ro_alloc_fail_after(-1);
        if (c != NULL) {
            runoff_doc_free(c);
            break;
        }
        assert_int_equal(err.status, RUNOFF_ENOMEM);
    }
    runoff_doc_free(doc);
}

static void test_set_survives_every_allocation_failure(void **state)
{
    (void)state;
    const char *sets[] = {"s.draws=5", "a.b.c=1", "l.x.w=2"};
    for (size_t i = 0; i < 3; i++) {
        for (long n = 0;; n++) {
            runoff_error err;
            runoff_doc *doc = parse(set_base, &err);
            ro_error_clear(&err);
            ro_alloc_fail_after(n);
            runoff_status st = runoff_doc_set(doc, sets[i], &err);
            ro_alloc_fail_after(-1);
            if (st == RUNOFF_OK) {
                runoff_doc_free(doc);
                break;
            }
            assert_int_equal(st, RUNOFF_ENOMEM);
            /* A failed override leaves the document as it was. */
            assert_string_equal(ro_node_text(path_get(doc, "s", "draws")), "10");
            assert_null(path_get(doc, "a", NULL));
            assert_null(ro_node_get(ro_node_value(path_get(doc, "l", NULL), 0), "w", NULL));
            runoff_doc_free(doc);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tree_kinds_text_and_positions),
        cmocka_unit_test(test_null_scalars_are_recognised),
        cmocka_unit_test(test_utf8_bom_is_accepted),
        cmocka_unit_test(test_free_null_is_a_no_op),
        cmocka_unit_test(test_nesting_depth_limit),
        cmocka_unit_test(test_scalar_length_limit),
        cmocka_unit_test(test_items_per_list_limit),
        cmocka_unit_test(test_refusals_name_the_problem_and_position),
        cmocka_unit_test(test_file_missing_directory_and_good),
        cmocka_unit_test(test_dash_reads_stdin),
        cmocka_unit_test(test_clone_is_independent),
        cmocka_unit_test(test_set_replaces_a_scalar_and_marks_it),
        cmocka_unit_test(test_set_creates_missing_keys_and_parents),
        cmocka_unit_test(test_set_addresses_list_items),
        cmocka_unit_test(test_set_errors_point_into_the_assignment),
        cmocka_unit_test(test_set_path_depth_and_value_length_limits),
        cmocka_unit_test(test_parse_survives_every_allocation_failure),
        cmocka_unit_test(test_clone_survives_every_allocation_failure),
        cmocka_unit_test(test_set_survives_every_allocation_failure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
