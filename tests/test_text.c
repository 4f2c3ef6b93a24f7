/*
 * test_text.c — the inert-text rule (text.c): which characters are active
 * (each class of text.h, decoded from UTF-8, with its neighbours that stay
 * allowed), and that making text inert escapes exactly those, keeps the
 * rest byte for byte, and cuts long text at a character boundary.
 */
#include <string.h>

#include "error.h"
#include "text.h"
#include "testutil.h"

typedef struct {
    const char *text;
    size_t at;       /* offset of the first active character, or strlen */
    unsigned cp;     /* its code point (or byte) */
    int invalid;
} active_case;

static const active_case cases[] = {
    {"plain text, accents: é ü ß, CJK 中文, emoji 😀", 0, 0, 0},
    {"a\tb", 1, 0x09, 0},
    {"a\nb", 1, 0x0A, 0},
    {"\x1b[2J", 0, 0x1B, 0},
    {"del\x7f", 3, 0x7F, 0},
    {"c1 \xc2\x85", 3, 0x85, 0},
    {"c1 \xc2\x9f", 3, 0x9F, 0},
    {"nbsp \xc2\xa0 is fine\x01", 15, 0x01, 0},
    {"ls \xe2\x80\xa8", 3, 0x2028, 0},
    {"ps \xe2\x80\xa9", 3, 0x2029, 0},
    {"rlo \xe2\x80\xae", 4, 0x202E, 0},
    {"lre \xe2\x80\xaa", 4, 0x202A, 0},
    {"zwj \xe2\x80\x8d ok, lri \xe2\x81\xa6", 16, 0x2066, 0},
    {"pdi \xe2\x81\xa9", 4, 0x2069, 0},
    {"\xe2\x81\xaa is after the isolates", 30, 0, 0},
    {"nc \xef\xb7\x90", 3, 0xFDD0, 0},
    {"nc \xef\xbf\xbe", 3, 0xFFFE, 0},
    {"nc \xef\xbf\xbf", 3, 0xFFFF, 0},
    {"nc \xf0\x9f\xbf\xbe", 3, 0x1FFFE, 0},
    {"ok \xef\xbf\xbd", 6, 0, 0},
    {"bad \xff", 4, 0xFF, 1},
    {"overlong \xc0\xaf", 9, 0xC0, 1},
    {"surrogate \xed\xa0\x80", 10, 0xED, 1},
    {"cut \xe2\x80", 4, 0xE2, 1},
};

static void test_active_characters_are_found(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const active_case *c = &cases[i];
        uint32_t cp = 0;
        int invalid = 0;
        size_t len = strlen(c->text);
        size_t at = ro_text_find_active(c->text, len, &cp, &invalid);
        size_t want = c->at > len ? len : c->at;
        if (c->cp == 0)
            want = len;
        if (at != want || (at < len && (cp != c->cp || invalid != c->invalid))) {
            print_error("case %zu: at %zu cp %X invalid %d, expected at %zu cp %X\n", i, at,
                        (unsigned)cp, invalid, want, c->cp);
            fail();
        }
    }
}

static void test_describe(void **state)
{
    (void)state;
    char buf[16];
    assert_string_equal(ro_text_describe(0x1B, 0, buf), "U+001B");
    assert_string_equal(ro_text_describe(0x1FFFE, 0, buf), "U+1FFFE");
    assert_string_equal(ro_text_describe(0xFF, 1, buf), "byte 0xFF");
}

static void test_make_inert_escapes_only_active_characters(void **state)
{
    (void)state;
    char buf[128] = "a\x1b]0;title\x07 b\xe2\x80\xae c\xff é\\n";
    ro_text_make_inert(buf, sizeof buf);
    assert_string_equal(buf, "a\\x1B]0;title\\x07 b\\xE2\\x80\\xAE c\\xFF é\\n");
    char same[] = "nothing to do: é 中";
    ro_text_make_inert(same, sizeof same);
    assert_string_equal(same, "nothing to do: é 中");
}

static void test_make_inert_cuts_at_a_character_boundary(void **state)
{
    (void)state;
    char buf[12] = "\x1b" "abc\xc3\xa9" "def";
    ro_text_make_inert(buf, sizeof buf); /* "\x1B" + "abc" + "é" needs 4+3+2 = 9 */
    assert_string_equal(buf, "\\x1Babc\xc3\xa9" "de");
    char tight[9] = "\x1b" "abc\xc3\xa9" "x";
    ro_text_make_inert(tight, sizeof tight); /* room for 8 bytes: é would be split */
    assert_string_equal(tight, "\\x1Babc");
}

static void test_error_records_are_inert(void **state)
{
    (void)state;
    runoff_error err = {0};
    ro_error_set(&err, RUNOFF_EINPUT, "dir/\x1b[2J.yaml", 1, 2, "name '%s' is bad", "x\ny");
    assert_string_equal(err.file, "dir/\\x1B[2J.yaml");
    assert_string_equal(err.message, "name 'x\\x0Ay' is bad");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_active_characters_are_found),
        cmocka_unit_test(test_describe),
        cmocka_unit_test(test_make_inert_escapes_only_active_characters),
        cmocka_unit_test(test_make_inert_cuts_at_a_character_boundary),
        cmocka_unit_test(test_error_records_are_inert),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
