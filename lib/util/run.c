#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/run.h"

extern char **environ;

/* Starts argv with the file actions fa and signals unblocked. */
static int start(char *const argv[], const posix_spawn_file_actions_t *fa, pid_t *pid)
{
	posix_spawnattr_t attr;
	sigset_t none;
	int ret;

	sigemptyset(&none);
	posix_spawnattr_init(&attr);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
	ret = -posix_spawnp(pid, argv[0], fa, &attr, argv, environ);
	posix_spawnattr_destroy(&attr);
	return ret;
}

static int wait_for(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return status;
}

/* Starts argv with stdout (and stderr) into a pipe. */
static int spawn(char *const argv[], enum lup_run_stderr err, pid_t *pid, int *out_fd)
{
	posix_spawn_file_actions_t fa;
	int pfd[2], ret;

	if (pipe2(pfd, O_CLOEXEC))
		return -errno;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, pfd[1], 1);
	if (err == LUP_RUN_CAPTURE_STDERR)
		posix_spawn_file_actions_adddup2(&fa, pfd[1], 2);
	else
		posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	ret = start(argv, &fa, pid);
	posix_spawn_file_actions_destroy(&fa);
	close(pfd[1]);
	if (ret)
		close(pfd[0]);
	else
		*out_fd = pfd[0];
	return ret;
}

/* Everything it printed (the first max bytes of it), NUL terminated. */
static char *collect_output(int fd, size_t max)
{
	char *buf = malloc(max + 1), sink[4096];
	size_t cap = buf ? max : 0, len = 0;
	ssize_t n;

	/* Read to the end even without room: a program blocked on a full pipe never exits. */
	for (;;) {
		bool room = len < cap;

		n = read(fd, room ? buf + len : sink, room ? cap - len : sizeof(sink));
		if (n == 0 || (n < 0 && errno != EINTR))
			break;
		if (n > 0 && room)
			len += (size_t)n;
	}
	close(fd);
	if (buf)
		buf[len] = '\0';
	return buf;
}

int lup_run_capture(char *const argv[], enum lup_run_stderr err, size_t max, char **out)
{
	int fd = -1, ret;
	pid_t pid;

	*out = NULL;
	ret = spawn(argv, err, &pid, &fd);
	if (ret)
		return ret;
	*out = collect_output(fd, max);
	return wait_for(pid);
}

int lup_run_stdio(char *const argv[], const int stdio[3])
{
	posix_spawn_file_actions_t fa;
	int ret;
	pid_t pid;

	posix_spawn_file_actions_init(&fa);
	for (int i = 0; i < 3; i++)
		posix_spawn_file_actions_adddup2(&fa, stdio[i], i);
	ret = start(argv, &fa, &pid);
	posix_spawn_file_actions_destroy(&fa);
	return ret ? ret : wait_for(pid);
}
