#include <errno.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "live/container.h"
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
