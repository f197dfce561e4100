/* Thread-pointer offsets of thread-local variables (x86-64 TLS variant II, glibc's DTV). */
#ifndef LUP_TLS_H
#define LUP_TLS_H

#include <stdint.h>

#include "core/bind.h"

/* Offset from the thread pointer of value (an offset in module's PT_TLS block). */
int lup_tls_tpoff(struct lup_bind *b, size_t module, uint64_t value, int64_t *tpoff);

#endif
