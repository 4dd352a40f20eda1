#ifndef MEMOPS_CHIREDIS_SHIM_H
#define MEMOPS_CHIREDIS_SHIM_H
// Debian 12's libhiredis-dev (hiredis 0.14.1).
#include <hiredis/hiredis.h>
#endif
