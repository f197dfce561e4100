/* Paths of a process's files (absolute, from its images) under the root they live in. */
#ifndef LUP_ROOT_PATH_H
#define LUP_ROOT_PATH_H

/* root + path, malloc'ed (root NULL, "" or "/" gives path); NULL without memory. */
char *lup_root_join(const char *root, const char *path);

#endif
