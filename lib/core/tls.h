/* Thread-pointer offsets of thread-local variables (x86-64 TLS variant II, glibc's DTV). */
#ifndef LUP_TLS_H
#define LUP_TLS_H

#include <stdint.h>

#include "core/bind.h"

/* Offset from the thread pointer of value (an offset in module's PT_TLS block). */
int lup_tls_tpoff(struct lup_bind *b, size_t module, uint64_t value, int64_t *tpoff);

/*
 * The TLS module id of module (what __tls_get_addr takes): the link_map's l_tls_modid,
 * at the offset glibc gives its debuggers (libc's _thread_db_link_map_l_tls_modid);
 * without it, the module's rank among those with PT_TLS (how ld.so numbers the objects
 * it loads at startup; a dlopen'ed one is then refused).
 */
int lup_tls_modid(struct lup_bind *b, size_t module, uint64_t *id);

#endif
