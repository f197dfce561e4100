/* Containers by their runtime's name for them: podman's, else runc's. */
#ifndef LUP_LIVE_CONTAINER_H
#define LUP_LIVE_CONTAINER_H

#include <sys/types.h>

/*
 * The host PID of container id's init (a running container), asked of podman
 * (`podman inspect`), else of runc (`runc state`). -ENOENT (reported) when neither
 * knows a running container of that name.
 */
int lup_container_pid(const char *id, pid_t *pid);

#endif
