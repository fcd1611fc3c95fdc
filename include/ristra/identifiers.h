/*
 * ristra: NHS identifiers. NHS numbers and ODS practice codes are checked
 * the way NHS systems check them, so that a population file with a
 * mistyped identifier is caught before anyone is scored.
 *
 * A population file names its patients by one of two kinds of identifier,
 * chosen per run (ristra_population_options.id_kind):
 *   - RISTRA_ID_NHS: NHS numbers (the default), checked by modulus 11;
 *   - RISTRA_ID_PSEUDONYM: opaque tokens, 16 to 64 characters of
 *     [0-9A-Za-z_-], checked for that shape and for repeats only, as a
 *     processor scores them under CAG 7-04(a) (docs/population-files.md).
 * ristra_pseudonymise_file() makes such tokens from NHS numbers with a
 * keyed HMAC-SHA-256, so that the practice holding the key can re-link the
 * list to its patients.
 */
#ifndef RISTRA_IDENTIFIERS_H
#define RISTRA_IDENTIFIERS_H

#include "ristra/common.h"

RISTRA_BEGIN_DECL

/**
 * Whether text[0..len) is a valid NHS number: ten digits, written either
 * together ("9434765919") or in the 3-3-4 display form with single spaces
 * ("943 476 5919"), whose tenth digit is the modulus-11 check digit of the
 * first nine (weights 10 down to 2; a check value of 10 is never valid).
 * @return 1 if valid, 0 otherwise (including NULL).
 * @thread_safety Safe.
 * @since 1.0.0
 */
RISTRA_API int ristra_nhs_number_valid(const char *text, size_t len);

/**
 * Whether text[0..len) is a valid NHS number in the test range
 * 999 000 0000 to 999 999 9999, which passes the check but is never issued
 * to a patient (synthetic populations use it).
 * @return 1 or 0.
 * @thread_safety Safe.
 * @since 1.0.0
 */
RISTRA_API int ristra_nhs_number_is_test(const char *text, size_t len);

/**
 * Whether text[0..len) is an ODS code of the form GP practices have: one
 * upper-case letter followed by five digits (e.g. "C81010").
 * @return 1 or 0.
 * @thread_safety Safe.
 * @since 1.0.0
 */
RISTRA_API int ristra_ods_practice_code_valid(const char *text, size_t len);

/** The kind of identifier a population file names its patients by. Values are pinned. */
typedef enum ristra_id_kind {
    RISTRA_ID_NHS = 1,           /**< NHS numbers (modulus-11 checked) */
    RISTRA_ID_PSEUDONYM = 2      /**< opaque pseudonyms (ristra_pseudonym_valid()) */
} ristra_id_kind;

/** The shortest and longest pseudonym, in characters. */
#define RISTRA_PSEUDONYM_MIN_LENGTH 16
#define RISTRA_PSEUDONYM_MAX_LENGTH 64

/**
 * Whether text[0..len) has the shape of a pseudonym: 16 to 64 characters,
 * each a digit, an ASCII letter, '_' or '-' (the base64url and hex
 * alphabets). Nothing else is checked: a pseudonym carries no check digit.
 * @return 1 or 0 (also for NULL).
 * @thread_safety Safe.
 * @since 2.0.0
 */
RISTRA_API int ristra_pseudonym_valid(const char *text, size_t len);

/**
 * The name of an identifier kind: "nhs" or "pseudonym" (the words of the
 * CLI's --id-kind and the bindings' id_kind argument); "unknown" otherwise.
 * Never NULL.
 * @thread_safety Safe.
 * @since 2.0.0
 */
RISTRA_API const char *ristra_id_kind_string(int kind);

/**
 * The identifier kind named "nhs" or "pseudonym".
 * @return RISTRA_ID_NHS, RISTRA_ID_PSEUDONYM, or 0 for any other text or NULL.
 * @thread_safety Safe.
 * @since 2.0.0
 */
RISTRA_API int ristra_id_kind_from_string(const char *name);

/**
 * The column that names identifiers of this kind, in the files ristra
 * reads by default and in every file it writes: "nhs_number" or
 * "pseudonym"; NULL for an unknown kind.
 * @thread_safety Safe.
 * @since 2.0.0
 */
RISTRA_API const char *ristra_id_kind_column(int kind);

/** How a pseudonym is written. Values are pinned. */
typedef enum ristra_pseudonym_encoding {
    RISTRA_PSEUDONYM_BASE64URL = 1,  /**< RFC 4648 base64url, unpadded: up to 43 characters */
    RISTRA_PSEUDONYM_HEX = 2         /**< lower-case hex: up to 64 characters */
} ristra_pseudonym_encoding;

/**
 * The encoding named "base64url" or "hex" (the words of the CLI's
 * --encoding and the bindings' encoding argument).
 * @return RISTRA_PSEUDONYM_BASE64URL, RISTRA_PSEUDONYM_HEX, or 0 for any
 *         other text or NULL.
 * @thread_safety Safe.
 * @since 2.0.0
 */
RISTRA_API int ristra_pseudonym_encoding_from_string(const char *name);

/** The shortest and longest key, in bytes (a key file holds exactly its key). */
#define RISTRA_PSEUDONYM_MIN_KEY_BYTES 32
#define RISTRA_PSEUDONYM_MAX_KEY_BYTES 1024

/** Options for ristra_pseudonym() and ristra_pseudonymise_file(). */
typedef struct ristra_pseudonymise_options {
    int version;               /**< RISTRA_PSEUDONYMISE_OPTIONS_VERSION */
    int encoding;              /**< a ristra_pseudonym_encoding; default base64url */
    /**
     * Characters kept of the encoded HMAC: 16 to 43 (base64url) or 64
     * (hex); 0 (the default) keeps 32 (192 bits of base64url).
     */
    int length;
    /** The NHS number column of the input; NULL (the default): "nhs_number". */
    const char *id_column;
    /** Its name in the output; NULL (the default): "pseudonym". */
    const char *pseudonym_column;
    /** -1 (default): gzip the output when its name ends in ".gz"; 0 never; 1 always. */
    int gzip_output;
} ristra_pseudonymise_options;

#define RISTRA_PSEUDONYMISE_OPTIONS_VERSION 1
#define RISTRA_PSEUDONYMISE_OPTIONS_INIT \
    { RISTRA_PSEUDONYMISE_OPTIONS_VERSION, RISTRA_PSEUDONYM_BASE64URL, 0, NULL, NULL, -1 }

/**
 * Fills opts with the defaults of the given struct version.
 * @return RISTRA_OK, or RISTRA_EINVAL for NULL or an unknown version.
 * @thread_safety Safe.
 * @since 2.0.0
 */
RISTRA_API int ristra_pseudonymise_options_init(ristra_pseudonymise_options *opts, int version);

/**
 * The pseudonym of one NHS number: the first opts->length characters of
 * the base64url (or hex) form of HMAC-SHA-256(key, the number's ten digits
 * without spaces), computed by OpenSSL's libcrypto. The same key gives the
 * same pseudonym for the same number, in any file and any program; without
 * the key it cannot be turned back into the number.
 * @param[out] out   at least length + 1 bytes: the pseudonym and a NUL.
 * @param key        the key's bytes (RISTRA_PSEUDONYM_MIN_KEY_BYTES or more).
 * @return RISTRA_OK; RISTRA_EINVAL (NULL out or key, a short key or
 *         buffer, an NHS number that is not valid, bad options). The
 *         message never shows the number or the key.
 * @thread_safety Safe.
 * @since 2.0.0
 */
RISTRA_API int ristra_pseudonym(char *out, size_t out_size, const char *nhs_number, size_t len,
                                const void *key, size_t key_len,
                                const ristra_pseudonymise_options *opts);

/** What ristra_pseudonymise_file() did. */
typedef struct ristra_pseudonymise_totals {
    int version;               /**< RISTRA_PSEUDONYMISE_TOTALS_VERSION, set by the caller */
    int64_t n_rows;            /**< data rows */
    int64_t n_pseudonymised;   /**< rows whose NHS number became a pseudonym */
    /**
     * Rows without a valid NHS number (or without the column): written with
     * an empty pseudonym, so that scoring rejects them by line, as it would
     * have rejected the number.
     */
    int64_t n_invalid;
} ristra_pseudonymise_totals;

#define RISTRA_PSEUDONYMISE_TOTALS_VERSION 1
#define RISTRA_PSEUDONYMISE_TOTALS_INIT { RISTRA_PSEUDONYMISE_TOTALS_VERSION, 0, 0, 0 }

/**
 * Copies a population file (CSV, plain or gzip) with every NHS number
 * replaced by its pseudonym (ristra_pseudonym()) and the column renamed
 * (opts->pseudonym_column); every other byte of every row is kept. The key
 * is every byte of key_path (32 to 1024 bytes, e.g. made with
 * `head -c 32 /dev/urandom`), which must be a regular file that only its
 * owner can read (mode 0600 or narrower). The key never appears in any
 * output or message, and is wiped from memory when done. The output is
 * written through the library's output files (a temporary file renamed
 * into place when complete; patient data, so mode 0600).
 * @param[out] out  the counts, or NULL; out->version must be set.
 * @return RISTRA_OK; RISTRA_EINVAL (NULL arguments, input and output the
 *         same, a key file others can read or of the wrong size, bad
 *         options); RISTRA_EIO; RISTRA_EFORMAT (empty file, a record
 *         over 32 MiB); RISTRA_ENOTFOUND (no id column); RISTRA_ENOMEM.
 *         On failure nothing is written.
 * @thread_safety Safe.
 * @since 2.0.0
 */
RISTRA_API int ristra_pseudonymise_file(ristra_pseudonymise_totals *out, const char *input,
                                        const char *output, const char *key_path,
                                        const ristra_pseudonymise_options *opts);

RISTRA_END_DECL

#endif /* RISTRA_IDENTIFIERS_H */
