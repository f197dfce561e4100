/* Growing an array by one element. */
#ifndef LUP_UTIL_ARRAY_H
#define LUP_UTIL_ARRAY_H

#include <errno.h>
#include <stdlib.h>

/*
 * Appends elem to arr, a malloc'ed array of nr elements, incrementing nr: 0, or -ENOMEM
 * with arr and nr unchanged.
 */
#define LUP_ARRAY_PUSH(arr, nr, ...) ({						\
	__typeof__(arr) n_ = realloc((arr), ((nr) + 1) * sizeof(*(arr)));	\
	n_ ? ((arr) = n_, (arr)[(nr)++] = (__VA_ARGS__), 0) : -ENOMEM;		\
})

#endif
