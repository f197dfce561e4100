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

/*
 * A podman container for its own checkpoint and restore: the directory podman keeps its
 * checkpoint in, and its root file system, mounted (`podman mount`) until closed.
 */
struct lup_podman {
	const char *id;
	char *ckdir;			/* StaticDir/checkpoint */
	char *rootfs;
};

/* -ENOENT (reported) when podman does not know it. */
int lup_podman_open(const char *id, struct lup_podman *p);
void lup_podman_close(struct lup_podman *p);
/* podman container checkpoint --keep / restore, each at most timeout_ms. */
int lup_podman_checkpoint(const struct lup_podman *p, unsigned timeout_ms);
int lup_podman_restore(const struct lup_podman *p, unsigned timeout_ms);

#endif
