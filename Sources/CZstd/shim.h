#ifndef MEMOPS_CZSTD_SHIM_H
#define MEMOPS_CZSTD_SHIM_H
// Debian 12's libzstd-dev (zstd 1.5.4), built with multithreading.
#include <zstd.h>
#include <zstd_errors.h>
#endif
