#include <errno.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

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

int lup_podman_open(const char *id, struct lup_podman *p)
{
	char *inspect[] = { "podman", "inspect", "--type", "container", "--format",
			    "{{.StaticDir}}", (char *)id, NULL };
	char *mount[] = { "podman", "mount", (char *)id, NULL };
	char *dir = podman_line(inspect);

	*p = (struct lup_podman){ .id = id };
	if (!dir) {
		pr_err("container %s: podman does not know it (its own checkpoint: podman containers only)",
		       id);
		return -ENOENT;
	}
	if (asprintf(&p->ckdir, "%s/checkpoint", dir) < 0)
		p->ckdir = NULL;
	free(dir);
	p->rootfs = podman_line(mount);
	if (!p->ckdir || !p->rootfs) {
		pr_err("container %s: podman mount failed", id);
		lup_podman_close(p);
		return -EIO;
	}
	return 0;
}

void lup_podman_close(struct lup_podman *p)
{
	char *umount[] = { "podman", "umount", (char *)p->id, NULL };

	if (p->rootfs)
		free(ask(umount));
	free(p->ckdir);
	free(p->rootfs);
	*p = (struct lup_podman){ 0 };
}

/*
 * podman container ACTION [OPTION] ID under coreutils' timeout: 0, or -LUP_ECRIU (reported).
 * The checkpoint keeps its files (--keep); a restore that succeeds removes them, one that
 * fails keeps them (podman's way): the originals can still be restored.
 */
static int podman_run(const struct lup_podman *p, const char *action, const char *option,
		      unsigned timeout_ms)
{
	char secs[16];
	char *argv[] = { "timeout", "-k", "5", secs, "podman", "container", (char *)action,
			 (char *)(option ? option : p->id), option ? (char *)p->id : NULL, NULL };
	char *out;
	int st;

	snprintf(secs, sizeof(secs), "%u", (timeout_ms + 999) / 1000);
	st = lup_run_capture(argv, LUP_RUN_CAPTURE_STDERR, 65536, &out);
	if (st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0) {
		free(out);
		return 0;
	}
	if (out)
		out[strcspn(out, "\n")] = '\0';
	pr_err("container %s: podman container %s failed%s: %s", p->id, action,
	       st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 124 ? " (out of --timeout)" : "",
	       out ? out : strerror(-st));
	free(out);
	return -LUP_ECRIU;
}

int lup_podman_checkpoint(const struct lup_podman *p, unsigned timeout_ms)
{
	return podman_run(p, "checkpoint", "--keep", timeout_ms);
}

int lup_podman_restore(const struct lup_podman *p, unsigned timeout_ms)
{
	return podman_run(p, "restore", NULL, timeout_ms);
}
