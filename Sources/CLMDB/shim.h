#ifndef KOOPLOG_CLMDB_SHIM_H
#define KOOPLOG_CLMDB_SHIM_H
#include <lmdb.h>
#endif
