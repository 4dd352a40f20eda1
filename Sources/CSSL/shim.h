#ifndef MEMOPS_CSSL_SHIM_H
#define MEMOPS_CSSL_SHIM_H
// Debian 12's libssl-dev (OpenSSL 3.0): SHA-256 and SHA-1 digests (libcrypto's, with the
// CPU's SHA extensions), and TLS for the connection layer.
#include <openssl/evp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

// OpenSSL spells these as macros over SSL_ctrl, which Swift cannot call.
static inline int memops_ssl_set_sni(SSL *ssl, const char *name) {
    return (int)SSL_set_tlsext_host_name(ssl, name);
}
static inline int memops_ssl_ctx_set_min_tls12(SSL_CTX *ctx) {
    return (int)SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
}
#endif
