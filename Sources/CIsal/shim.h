#ifndef MEMOPS_CISAL_SHIM_H
#define MEMOPS_CISAL_SHIM_H
// Debian 12's libisal-dev (Intel ISA-L 2.30): CRC-64 with carry-less multiplication.
#include <isa-l/crc64.h>
#endif
