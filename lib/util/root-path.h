/* Paths: of a process's files (absolute, from its images) under the root they live in; absolute ones. */
#ifndef LUP_ROOT_PATH_H
#define LUP_ROOT_PATH_H

/* root + path, malloc'ed, for messages (root NULL, "" or "/" gives path); NULL without memory. */
char *lup_root_join(const char *root, const char *path);
/*
 * Opens path read-only as seen from inside root: "..", absolute symlinks and relative
 * ones resolve within root, never above it (openat2 RESOLVE_IN_ROOT; magic links such as
 * /proc/PID/fd/N are refused). The host's root (NULL, "" or "/") is an ordinary open.
 * root may be a list "UPPER:LOWER..." (a container's changes over its image): the first
 * that has path. Returns the fd or a negative errno, reported naming root + path.
 */
int lup_root_open(const char *root, const char *path);

/*
 * path made absolute against the working directory (malloc'ed; NULL without memory or
 * working directory): CRIU changes its own, so what reaches it must not be relative.
 */
char *lup_abs_path(const char *path);

#endif
