/* SHA-256 and HMAC-SHA-256: a thin wrapper over OpenSSL's libcrypto (EVP).
 * The one place in the library that computes digests; the run manifest,
 * `ristra verify` and `ristra pseudonymise` all use it. No hand-written
 * hash: libcrypto is what distributions keep patched. */
#ifndef RISTRA_DIGEST_INTERNAL_H
#define RISTRA_DIGEST_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#define RISTRA__SHA256_BYTES 32
/* 64 hex digits and the terminating NUL. */
#define RISTRA__SHA256_HEX 65

/* A streaming SHA-256. Opaque: the EVP context lives behind it. One
 * context per thread; distinct contexts may be used concurrently. */
typedef struct ristra__sha256 ristra__sha256;

/* Allocates and starts a SHA-256; NULL if out of memory or libcrypto
 * refuses (its error is put in ristra_last_error()). */
ristra__sha256 *ristra__sha256_new(void);

/* Hashes n more bytes; n == 0 is allowed. 0 or RISTRA_E_INTERNAL. */
int ristra__sha256_update(ristra__sha256 *h, const void *data, size_t n);

/* Finishes: writes the digest to out (32 bytes) and, when hex is non-NULL,
 * its lower-case hex form (65 bytes with the NUL). The context may then
 * only be freed or restarted. 0 or RISTRA_E_INTERNAL. */
int ristra__sha256_final(ristra__sha256 *h, uint8_t out[RISTRA__SHA256_BYTES],
                         char *hex);

/* Starts the context again, as if new. 0 or RISTRA_E_INTERNAL. */
int ristra__sha256_reset(ristra__sha256 *h);

/* Frees a context; NULL is a no-op. */
void ristra__sha256_free(ristra__sha256 *h);

/* One-shot SHA-256 of a buffer. 0, RISTRA_E_NOMEM or RISTRA_E_INTERNAL. */
int ristra__sha256_buffer(const void *data, size_t n, uint8_t out[RISTRA__SHA256_BYTES],
                   char *hex);

/* SHA-256 of a whole file, read in blocks; *size_out (if non-NULL) gets
 * its length. 0, RISTRA_E_IO (error names the path) or RISTRA_E_NOMEM. */
int ristra__sha256_file(const char *path, char hex[RISTRA__SHA256_HEX],
                        int64_t *size_out);

/* HMAC-SHA-256 of data under key (any key length). Thread-safe; no state.
 * 0 or RISTRA_E_INTERNAL. */
int ristra__hmac_sha256(const void *key, size_t key_len, const void *data, size_t n,
                        uint8_t out[RISTRA__SHA256_BYTES], char *hex);

/* Writes the lower-case hex of n bytes to hex (2n + 1 bytes with the NUL). */
void ristra__hex_encode(const uint8_t *bytes, size_t n, char *hex);

#endif
