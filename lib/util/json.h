/* The one JSON string writer of the tools' --json outputs. */
#ifndef LUP_JSON_H
#define LUP_JSON_H

#include <stdio.h>

/* Writes s as a JSON string literal: quotes, backslashes and control bytes escaped. */
void lup_json_str(FILE *out, const char *s);

#endif
