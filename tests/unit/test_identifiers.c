/* NHS numbers and ODS practice codes. */
#include <criterion/criterion.h>
#include <string.h>

#include <ristra/ristra.h>

#include "schema/identifiers_internal.h"

static int valid(const char *s) { return ristra_nhs_number_valid(s, strlen(s)); }

Test(nhs_number, the_worked_example_is_valid_in_both_forms)
{
    cr_assert(valid("9434765919")); /* 9*10+4*9+...: sum 299, 299 mod 11 = 2, 11 - 2 = 9 */
    cr_assert(valid("943 476 5919"));
}

Test(nhs_number, a_wrong_check_digit_is_invalid)
{
    for (char d = '0'; d <= '9'; d++) {
        char s[11] = "943476591";
        s[9] = d;
        s[10] = '\0';
        cr_assert_eq(valid(s), d == '9', "%s", s);
    }
}

Test(nhs_number, check_value_ten_is_never_valid)
{
    /* 000000006: the weighted sum is 12, 12 mod 11 = 1, check value 10 */
    int digits[9] = { 0, 0, 0, 0, 0, 0, 0, 0, 6 };
    int sum = 0;
    for (int i = 0; i < 9; i++)
        sum += digits[i] * (10 - i);
    cr_assert_eq(11 - sum % 11, 10, "fixture has check value 10");
    cr_assert_eq(ristra__nhs_check_digit(digits), -1);
    for (char d = '0'; d <= '9'; d++) {
        char s[11] = "000000006";
        s[9] = d;
        s[10] = '\0';
        cr_assert(!valid(s), "%s", s);
    }
}

Test(nhs_number, remainder_zero_gives_check_digit_zero)
{
    /* digits summing to a multiple of 11 */
    int digits[9] = { 0, 0, 0, 0, 0, 0, 0, 1, 1 }; /* 1*3 + 1*2 = 5: not 0 */
    digits[7] = 0;
    digits[8] = 0;
    cr_assert_eq(ristra__nhs_check_digit(digits), 0);
    cr_assert(valid("0000000000"));
}

Test(nhs_number, malformed_text_is_invalid)
{
    const char *bad[] = { "", "943476591", "94347659190", "943-476-5919", "943 4765919",
                          "94347 65919", "943 476 591 9", "943476591a", " 9434765919",
                          "943  476 5919" };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        cr_assert(!valid(bad[i]), "\"%s\"", bad[i]);
    cr_assert(!ristra_nhs_number_valid(NULL, 10));
}

Test(nhs_number, the_test_range_is_recognised)
{
    /* find a valid number in the 999 range */
    int digits[9] = { 9, 9, 9, 0, 0, 0, 0, 0, 1 };
    int check = ristra__nhs_check_digit(digits);
    cr_assert(check >= 0);
    char s[11];
    for (int i = 0; i < 9; i++)
        s[i] = (char)('0' + digits[i]);
    s[9] = (char)('0' + check);
    s[10] = '\0';
    cr_assert(valid(s));
    cr_assert(ristra_nhs_number_is_test(s, 10));
    cr_assert(!ristra_nhs_number_is_test("9434765919", 10));
    uint64_t v = 0;
    cr_assert(ristra__nhs_number_parse("943 476 5919", 12, &v));
    cr_assert_eq(v, 9434765919ull);
}

Test(ods_code, practice_codes_are_a_letter_and_five_digits)
{
    cr_assert(ristra_ods_practice_code_valid("C81010", 6));
    cr_assert(ristra_ods_practice_code_valid("L81008", 6));
    const char *bad[] = { "c81010", "C8101", "C810100", "CC1010", "81010C", "C81O10", "" };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        cr_assert(!ristra_ods_practice_code_valid(bad[i], strlen(bad[i])), "%s", bad[i]);
    cr_assert(!ristra_ods_practice_code_valid(NULL, 6));
}
