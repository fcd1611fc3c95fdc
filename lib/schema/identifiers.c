/* NHS number and ODS practice code checks. */
#include "ristra/identifiers.h"
#include "identifiers_internal.h"

int ristra__nhs_check_digit(const int digits[9])
{
    int sum = 0;
    for (int i = 0; i < 9; i++)
        sum += digits[i] * (10 - i);
    int check = 11 - sum % 11;
    if (check == 11)
        return 0;
    return check == 10 ? -1 : check;
}

int ristra__nhs_number_parse(const char *text, size_t len, uint64_t *value)
{
    if (!text || (len != 10 && len != 12))
        return 0;
    int digits[10];
    int n = 0;
    for (size_t i = 0; i < len; i++) {
        char c = text[i];
        if (len == 12 && (i == 3 || i == 7)) { /* "943 476 5919" */
            if (c != ' ')
                return 0;
            continue;
        }
        if (c < '0' || c > '9')
            return 0;
        digits[n++] = c - '0';
    }
    if (ristra__nhs_check_digit(digits) != digits[9])
        return 0;
    uint64_t v = 0;
    for (int i = 0; i < 10; i++)
        v = v * 10 + (uint64_t)digits[i];
    if (value)
        *value = v;
    return 1;
}

int ristra_nhs_number_valid(const char *text, size_t len)
{
    return ristra__nhs_number_parse(text, len, NULL);
}

int ristra_nhs_number_is_test(const char *text, size_t len)
{
    uint64_t v;
    return ristra__nhs_number_parse(text, len, &v) && v >= 9990000000ull;
}

int ristra_ods_practice_code_valid(const char *text, size_t len)
{
    if (!text || len != 6 || text[0] < 'A' || text[0] > 'Z')
        return 0;
    for (size_t i = 1; i < 6; i++)
        if (text[i] < '0' || text[i] > '9')
            return 0;
    return 1;
}
