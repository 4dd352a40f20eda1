#ifndef MEMOPS_CSSL_SHIM_H
#define MEMOPS_CSSL_SHIM_H
// Debian 12's libssl-dev (OpenSSL 3.0): SHA-256 and SHA-1 digests (libcrypto's, with the
// CPU's SHA extensions), and TLS for the connection layer.
#include <openssl/evp.h>
#include <openssl/err.h>
#endif
