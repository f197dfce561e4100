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

enum lup_runtime {
	LUP_RUNTIME_PODMAN,
	LUP_RUNTIME_RUNC,
};

/*
 * A container for its runtime's own checkpoint and restore: where the images go (podman:
 * its checkpoint directory; runc: lup's images directory), its root file system (podman
 * mounts it until closed), and for runc, which has no monitor, its bundle and the
 * standard streams of its init, opened before the checkpoint so that the restored
 * container writes where it wrote (its log pipe) and not where lup does.
 */
struct lup_container {
	const char *id;
	enum lup_runtime runtime;
	char *ckdir;
	char *rootfs;
	char *bundle;
	int stdio[3];
};

/*
 * Opens container id of podman, else of runc (images: lup's directory for runc's
 * images, created). -ENOENT (reported) when neither knows it.
 */
int lup_container_open(const char *id, const char *images, struct lup_container *c);
void lup_container_close(struct lup_container *c);
/* The runtime's checkpoint and restore, each at most timeout_ms; -LUP_ECRIU (reported). */
int lup_container_checkpoint(const struct lup_container *c, unsigned timeout_ms);
int lup_container_restore(const struct lup_container *c, unsigned timeout_ms);
/* The command that restores it, for messages. */
void lup_container_restore_cmd(const struct lup_container *c, char *buf, size_t size);

#endif
