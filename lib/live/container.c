#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "live/container.h"
#include "util/err.h"
#include "util/log.h"
#include "util/run.h"

#define MAX_STATE (1 << 20)

/* What a runtime prints about id (stdout), when it ran and said yes. */
static char *ask(char *const argv[])
{
	char *out;
	int st = lup_run_capture(argv, LUP_RUN_DROP_STDERR, MAX_STATE, &out);

	if (st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return out;
	free(out);
	return NULL;
}

/* `podman inspect`: a JSON array with one object, its State.Pid (0: not running). */
static pid_t podman_pid(const char *id)
{
	char *argv[] = { "podman", "inspect", "--type", "container", (char *)id, NULL };
	char *out = ask(argv);
	json_object *all = out ? json_tokener_parse(out) : NULL, *state, *pid;
	pid_t p = 0;

	if (all && json_object_is_type(all, json_type_array) && json_object_array_length(all) == 1 &&
	    json_object_object_get_ex(json_object_array_get_idx(all, 0), "State", &state) &&
	    json_object_object_get_ex(state, "Pid", &pid))
		p = (pid_t)json_object_get_int(pid);
	json_object_put(all);
	free(out);
	return p;
}

/* `runc state`: an object with status and pid. */
static pid_t runc_pid(const char *id)
{
	char *argv[] = { "runc", "state", (char *)id, NULL };
	char *out = ask(argv);
	json_object *state = out ? json_tokener_parse(out) : NULL, *status, *pid;
	pid_t p = 0;

	if (state && json_object_object_get_ex(state, "status", &status) &&
	    !strcmp(json_object_get_string(status), "running") &&
	    json_object_object_get_ex(state, "pid", &pid))
		p = (pid_t)json_object_get_int(pid);
	json_object_put(state);
	free(out);
	return p;
}

int lup_container_pid(const char *id, pid_t *pid)
{
	*pid = podman_pid(id);
	if (*pid <= 0)
		*pid = runc_pid(id);
	if (*pid > 0)
		return 0;
	pr_err("container %s: neither podman nor runc knows a running container of that name", id);
	return -ENOENT;
}

/* podman's answer on one line (a path), or NULL. */
static char *podman_line(char *const argv[])
{
	char *out = ask(argv);

	if (out)
		out[strcspn(out, "\n")] = '\0';
	if (out && out[0] != '/') {
		free(out);
		out = NULL;
	}
	return out;
}

static int open_podman(const char *id, struct lup_container *c)
{
	char *inspect[] = { "podman", "inspect", "--type", "container", "--format",
			    "{{.StaticDir}}", (char *)id, NULL };
	char *mount[] = { "podman", "mount", (char *)id, NULL };
	char *dir = podman_line(inspect);

	if (!dir)
		return -ENOENT;
	c->runtime = LUP_RUNTIME_PODMAN;
	if (asprintf(&c->ckdir, "%s/checkpoint", dir) < 0)
		c->ckdir = NULL;
	free(dir);
	c->rootfs = podman_line(mount);
	if (!c->ckdir || !c->rootfs) {
		pr_err("container %s: podman mount failed", id);
		return -EIO;
	}
	return 0;
}

/*
 * The init's descriptor fd, reopened with its access mode (a pipe to its log reader);
 * /dev/null for what cannot be reopened (a socket, a closed descriptor).
 */
static int reopen_stdio(pid_t pid, int fd)
{
	char path[64], line[128];
	unsigned flags = O_RDWR;
	FILE *f;
	int ret;

	snprintf(path, sizeof(path), "/proc/%d/fdinfo/%d", (int)pid, fd);
	f = fopen(path, "re");
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "flags: %o", &flags) == 1)
			break;
	if (f)
		fclose(f);
	snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int)pid, fd);
	ret = open(path, (int)(flags & O_ACCMODE) | O_CLOEXEC);
	return ret >= 0 ? ret : open("/dev/null", O_RDWR | O_CLOEXEC);
}

static int open_runc(const char *id, const char *images, struct lup_container *c)
{
	char *argv[] = { "runc", "state", (char *)id, NULL };
	char *out = ask(argv);
	json_object *st = out ? json_tokener_parse(out) : NULL, *b, *r, *p;
	pid_t pid = 0;

	if (st && json_object_object_get_ex(st, "bundle", &b) &&
	    json_object_object_get_ex(st, "rootfs", &r) && json_object_object_get_ex(st, "pid", &p)) {
		c->bundle = strdup(json_object_get_string(b));
		c->rootfs = strdup(json_object_get_string(r));
		pid = (pid_t)json_object_get_int(p);
	}
	json_object_put(st);
	free(out);
	if (pid <= 0)
		return -ENOENT;
	c->runtime = LUP_RUNTIME_RUNC;
	c->ckdir = strdup(images);
	for (int i = 0; i < 3; i++)
		c->stdio[i] = reopen_stdio(pid, i);
	return c->bundle && c->rootfs && c->ckdir ? 0 : -ENOMEM;
}

int lup_container_open(const char *id, const char *images, struct lup_container *c)
{
	int ret;

	*c = (struct lup_container){ .id = id, .stdio = { -1, -1, -1 } };
	ret = open_podman(id, c);
	if (ret == -ENOENT)
		ret = open_runc(id, images, c);
	if (ret == -ENOENT)
		pr_err("container %s: neither podman nor runc knows a running container of that name", id);
	if (ret)
		lup_container_close(c);
	return ret;
}

void lup_container_close(struct lup_container *c)
{
	char *umount[] = { "podman", "umount", (char *)c->id, NULL };

	if (c->runtime == LUP_RUNTIME_PODMAN && c->rootfs)
		free(ask(umount));
	for (int i = 0; i < 3; i++)
		if (c->stdio[i] >= 0)
			close(c->stdio[i]);
	free(c->ckdir);
	free(c->rootfs);
	free(c->bundle);
	*c = (struct lup_container){ .stdio = { -1, -1, -1 } };
}

/* What a runtime's run said, once: 0, or -LUP_ECRIU (reported). */
static int check_run(const struct lup_container *c, const char *what, int st, char *out)
{
	if (st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0) {
		free(out);
		return 0;
	}
	if (out)
		out[strcspn(out, "\n")] = '\0';
	pr_err("container %s: %s failed%s: %s", c->id, what,
	       st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 124 ? " (out of --timeout)" : "",
	       out && *out ? out : st < 0 ? strerror(-st) : "see its log");
	free(out);
	return -LUP_ECRIU;
}

/*
 * The runtime under coreutils' timeout. podman: the checkpoint keeps its files (--keep);
 * a restore that succeeds removes them, one that fails keeps them (podman's way), so
 * the originals can still be restored. runc: the images in lup's directory; the restore
 * gets the init's own standard streams (runc gives them to the restored container).
 */
static int run_runtime(const struct lup_container *c, bool restore, unsigned timeout_ms)
{
	char secs[16], *out = NULL;
	char *podman_ck[] = { "timeout", "-k", "5", secs, "podman", "container", "checkpoint",
			      "--keep", (char *)c->id, NULL };
	char *podman_rs[] = { "timeout", "-k", "5", secs, "podman", "container", "restore",
			      (char *)c->id, NULL };
	char *runc_ck[] = { "timeout", "-k", "5", secs, "runc", "checkpoint", "--image-path",
			    c->ckdir, "--work-path", c->ckdir, (char *)c->id, NULL };
	char *runc_rs[] = { "timeout", "-k", "5", secs, "runc", "restore", "-d", "--image-path",
			    c->ckdir, "--work-path", c->ckdir, "--bundle", c->bundle,
			    (char *)c->id, NULL };
	int st;

	snprintf(secs, sizeof(secs), "%u", (timeout_ms + 999) / 1000);
	if (c->runtime == LUP_RUNTIME_PODMAN)
		st = lup_run_capture(restore ? podman_rs : podman_ck, LUP_RUN_CAPTURE_STDERR, 65536,
				     &out);
	else if (restore)
		st = lup_run_stdio(runc_rs, c->stdio);
	else
		st = lup_run_capture(runc_ck, LUP_RUN_CAPTURE_STDERR, 65536, &out);
	return check_run(c, restore ? "restore" : "checkpoint", st, out);
}

int lup_container_checkpoint(const struct lup_container *c, unsigned timeout_ms)
{
	return run_runtime(c, false, timeout_ms);
}

int lup_container_restore(const struct lup_container *c, unsigned timeout_ms)
{
	return run_runtime(c, true, timeout_ms);
}

void lup_container_restore_cmd(const struct lup_container *c, char *buf, size_t size)
{
	if (c->runtime == LUP_RUNTIME_PODMAN)
		snprintf(buf, size, "podman container restore %s", c->id);
	else
		snprintf(buf, size, "runc restore -d --image-path %s --bundle %s %s", c->ckdir,
			 c->bundle, c->id);
}
