/* SHA-256 and HMAC-SHA-256 through OpenSSL's EVP interface (libcrypto 3).
 * EVP_Q_mac would do HMAC in one call, but only from OpenSSL 3.0; HMAC()
 * is deprecated there. EVP_MAC with the "HMAC" algorithm is the 3.0 way. */
#include "digest_internal.h"

#include "error_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>

struct ristra__sha256 {
    EVP_MD_CTX *ctx;
};

static int crypto_error(const char *what)
{
    unsigned long e = ERR_get_error();
    char buf[256];
    if (e == 0)
        return ristra__error(RISTRA_ERROR, "%s failed in libcrypto", what);
    ERR_error_string_n(e, buf, sizeof buf);
    ERR_clear_error();
    return ristra__error(RISTRA_ERROR, "%s failed in libcrypto: %s", what, buf);
}

void ristra__hex_encode(const uint8_t *bytes, size_t n, char *hex)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        hex[2 * i] = digits[bytes[i] >> 4];
        hex[2 * i + 1] = digits[bytes[i] & 15];
    }
    hex[2 * n] = '\0';
}

int ristra__sha256_reset(ristra__sha256 *h)
{
    if (EVP_DigestInit_ex(h->ctx, EVP_sha256(), NULL) != 1)
        return crypto_error("SHA-256 init");
    return RISTRA_OK;
}

ristra__sha256 *ristra__sha256_new(void)
{
    ristra__sha256 *h = malloc(sizeof *h);
    if (!h) {
        ristra__oom();
        return NULL;
    }
    h->ctx = EVP_MD_CTX_new();
    if (!h->ctx || ristra__sha256_reset(h) != RISTRA_OK) {
        if (!h->ctx)
            ristra__oom();
        EVP_MD_CTX_free(h->ctx);
        free(h);
        return NULL;
    }
    return h;
}

int ristra__sha256_update(ristra__sha256 *h, const void *data, size_t n)
{
    if (n == 0)
        return RISTRA_OK;
    if (EVP_DigestUpdate(h->ctx, data, n) != 1)
        return crypto_error("SHA-256 update");
    return RISTRA_OK;
}

int ristra__sha256_final(ristra__sha256 *h, uint8_t out[RISTRA__SHA256_BYTES], char *hex)
{
    unsigned int len = 0;
    if (EVP_DigestFinal_ex(h->ctx, out, &len) != 1 || len != RISTRA__SHA256_BYTES)
        return crypto_error("SHA-256 final");
    if (hex)
        ristra__hex_encode(out, RISTRA__SHA256_BYTES, hex);
    return RISTRA_OK;
}

void ristra__sha256_free(ristra__sha256 *h)
{
    if (!h)
        return;
    EVP_MD_CTX_free(h->ctx);
    free(h);
}

int ristra__sha256_buffer(const void *data, size_t n, uint8_t out[RISTRA__SHA256_BYTES], char *hex)
{
    ristra__sha256 *h = ristra__sha256_new();
    if (!h)
        return RISTRA_ENOMEM;
    int rc = ristra__sha256_update(h, data, n);
    if (rc == RISTRA_OK)
        rc = ristra__sha256_final(h, out, hex);
    ristra__sha256_free(h);
    return rc;
}

int ristra__sha256_file(const char *path, char hex[RISTRA__SHA256_HEX], int64_t *size_out)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return ristra__error(RISTRA_EIO, "%s: cannot open: %s", path, strerror(errno));
    ristra__sha256 *h = ristra__sha256_new();
    unsigned char *buf = malloc(1 << 16);
    int rc = (h && buf) ? RISTRA_OK : ristra__oom();
    int64_t total = 0;
    while (rc == RISTRA_OK) {
        ssize_t got = read(fd, buf, 1 << 16);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            rc = ristra__error(RISTRA_EIO, "%s: cannot read: %s", path, strerror(errno));
        if (got <= 0)
            break;
        total += got;
        rc = ristra__sha256_update(h, buf, (size_t)got);
    }
    uint8_t bin[RISTRA__SHA256_BYTES];
    if (rc == RISTRA_OK)
        rc = ristra__sha256_final(h, bin, hex);
    if (rc == RISTRA_OK && size_out)
        *size_out = total;
    free(buf);
    ristra__sha256_free(h);
    close(fd);
    return rc;
}

int ristra__hmac_sha256(const void *key, size_t key_len, const void *data, size_t n,
                        uint8_t out[RISTRA__SHA256_BYTES], char *hex)
{
    static const unsigned char empty_key[1] = { 0 };
    EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    EVP_MAC_CTX *ctx = mac ? EVP_MAC_CTX_new(mac) : NULL;
    char digest_name[] = "SHA256";
    OSSL_PARAM params[2];
    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name, 0);
    params[1] = OSSL_PARAM_construct_end();
    size_t len = 0;
    int ok = ctx != NULL
             && EVP_MAC_init(ctx, key_len ? key : empty_key, key_len, params) == 1
             && EVP_MAC_update(ctx, data ? data : empty_key, n) == 1
             && EVP_MAC_final(ctx, out, &len, RISTRA__SHA256_BYTES) == 1
             && len == RISTRA__SHA256_BYTES;
    EVP_MAC_CTX_free(ctx);
    EVP_MAC_free(mac);
    if (!ok)
        return crypto_error("HMAC-SHA-256");
    if (hex)
        ristra__hex_encode(out, RISTRA__SHA256_BYTES, hex);
    return RISTRA_OK;
}
