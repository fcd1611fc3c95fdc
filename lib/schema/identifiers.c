/* NHS number, pseudonym and ODS practice code checks. */
#include <string.h>

#include "ristra/identifiers.h"
#include "ristra/score.h"
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

/* ------------------------------------------------------------ identifier kinds */

int ristra_pseudonym_valid(const char *text, size_t len)
{
    if (!text || len < RISTRA_PSEUDONYM_MIN_LENGTH || len > RISTRA_PSEUDONYM_MAX_LENGTH)
        return 0;
    for (size_t i = 0; i < len; i++) {
        char c = text[i];
        if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
              c == '_' || c == '-'))
            return 0;
    }
    return 1;
}

const char *ristra_id_kind_string(int kind)
{
    switch (kind) {
    case RISTRA_ID_NHS: return "nhs";
    case RISTRA_ID_PSEUDONYM: return "pseudonym";
    default: return "unknown";
    }
}

int ristra_id_kind_from_string(const char *name)
{
    if (name && !strcmp(name, "nhs"))
        return RISTRA_ID_NHS;
    if (name && !strcmp(name, "pseudonym"))
        return RISTRA_ID_PSEUDONYM;
    return 0;
}

int ristra_pseudonym_encoding_from_string(const char *name)
{
    if (name && !strcmp(name, "base64url"))
        return RISTRA_PSEUDONYM_BASE64URL;
    if (name && !strcmp(name, "hex"))
        return RISTRA_PSEUDONYM_HEX;
    return 0;
}

const char *ristra_id_kind_column(int kind)
{
    switch (kind) {
    case RISTRA_ID_NHS: return "nhs_number";
    case RISTRA_ID_PSEUDONYM: return "pseudonym";
    default: return NULL;
    }
}

/* FNV-1a over the bytes, then a 64-bit finaliser; never 0 (the maps' empty key). */
static uint64_t pseudonym_key(const char *text, size_t len)
{
    uint64_t h = UINT64_C(0xcbf29ce484222325);
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)text[i]) * UINT64_C(0x100000001b3);
    h ^= h >> 33;
    h *= UINT64_C(0xff51afd7ed558ccd);
    h ^= h >> 33;
    return h ? h : 1;
}

int ristra__identifier_check(int kind, const char *text, size_t len, uint64_t *key)
{
    if (kind == RISTRA_ID_PSEUDONYM) {
        if (!ristra_pseudonym_valid(text, len))
            return RISTRA_ROW_BAD_PSEUDONYM;
        *key = pseudonym_key(text, len);
        return RISTRA_ROW_OK;
    }
    return ristra__nhs_number_parse(text, len, key) ? RISTRA_ROW_OK : RISTRA_ROW_BAD_NHS_NUMBER;
}
