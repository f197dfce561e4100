/* x86-64 jmp rel32: the instruction written over each replaced function's entry. */
#ifndef LUP_X86_JUMP_H
#define LUP_X86_JUMP_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/x86/arch.h"

/* Whether a jmp rel32 at from can reach to (rel32 counts from the next instruction). */
bool lup_jmp_reaches(uint64_t from, uint64_t to);
/* Encodes "jmp to" placed at from into out; -ERANGE when it cannot reach. */
int lup_jmp_encode(uint64_t from, uint64_t to, uint8_t out[LUP_JMP_SIZE]);

#endif
