/* Copying a file between directories: what a link cannot do (another file system, a copy
 * that must not share the original's inode). */
#ifndef LUP_FILE_COPY_H
#define LUP_FILE_COPY_H

/* Copies from_dirfd/name to to_dirfd/name (created, mode 0600; never overwritten). */
int lup_copy_file_at(int from_dirfd, int to_dirfd, const char *name);

#endif
