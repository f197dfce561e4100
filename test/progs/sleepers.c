/*
 * Target of test/e2e/freeze.sh: one thread per blocking call a freeze interrupts, each
 * in a loop that prints "FAIL <call>: ..." when its call returns EINTR, returns before
 * its deadline or returns something else than it should. The main thread counts, feeds
 * the pipe reader and takes SIGUSR1 (blocked in every other thread); every 50 ms it
 * prints "tick=N sigs=S last_sig_ns=T <call>=<calls completed> ... word=W", W from
 * word(), which test/e2e/inplace.sh patches.
 *   sleepers            those threads
 *   sleepers --spawn    and one more that creates and joins a short-lived thread in a loop
 *   sleepers --idle N   only N threads (main included) sleeping, for the freeze floor
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stddef.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define WAIT_MS 200

enum { NANOSLEEP, POLL, SELECT, EPOLL_WAIT, EPOLL_PWAIT, SEM_TIMEDWAIT, SIGTIMEDWAIT,
       PIPE_READ, SOCK_READ, ACCEPT, NR_CALLS };

static const char *const names[NR_CALLS] = {
	"nanosleep", "poll", "select", "epoll_wait", "epoll_pwait", "sem_timedwait",
	"sigtimedwait", "pipe_read", "sock_read", "accept",
};

static atomic_ulong done[NR_CALLS], nr_spawned;

/* noipa: called each tick, so that a patch of it shows at once. */
__attribute__((noinline, noipa)) const char *word(void)
{
	return "old";
}
static atomic_ulong nr_sigs;
static atomic_llong last_sig_ns;
static int idle_pipe[2], feed_pipe[2], sock_pair[2], listen_fd, ep_fd;
static sem_t sem;

static long long now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void on_usr1(int sig)
{
	atomic_store(&last_sig_ns, now_ns(CLOCK_MONOTONIC));
	atomic_fetch_add(&nr_sigs, 1);
}

/* One completed call: ret and err as the call gave them, started at t0 (on clk). */
static void check(int call, long ret, int err, long want, int want_err, clockid_t clk, long long t0)
{
	long long us = (now_ns(clk) - t0) / 1000;

	if (ret < 0 && err == EINTR)
		printf("FAIL %s: EINTR after %lld us\n", names[call], us);
	else if (ret != want || (ret < 0 && err != want_err))
		printf("FAIL %s: returned %ld (%s) after %lld us\n", names[call], ret,
		       ret < 0 ? strerror(err) : "no error", us);
	else if (call != PIPE_READ && us < WAIT_MS * 1000 - 1000)
		printf("FAIL %s: returned after %lld us, before its %d ms\n", names[call], us, WAIT_MS);
	atomic_fetch_add(&done[call], 1);
}

#define CALL(call, want, want_err, clk, expr)                   \
	do {                                                    \
		long long t0 = now_ns(clk);                     \
		long r = (long)(expr);                          \
		check(call, r, errno, want, want_err, clk, t0); \
	} while (0)

static void *run(void *arg)
{
	int call = (int)(long)arg;
	struct timespec ts = { 0, WAIT_MS * 1000000L };
	struct pollfd pfd = { idle_pipe[0], POLLIN, 0 };
	struct epoll_event ev;
	sigset_t usr2, temp, after;
	char c;

	sigemptyset(&usr2);
	sigaddset(&usr2, SIGUSR2);
	for (;;) {
		errno = 0;
		switch (call) {
		case NANOSLEEP:
			CALL(call, 0, 0, CLOCK_MONOTONIC, nanosleep(&ts, NULL));
			break;
		case POLL:
			CALL(call, 0, 0, CLOCK_MONOTONIC, poll(&pfd, 1, WAIT_MS));
			break;
		case SELECT: {
			struct timeval tv = { 0, WAIT_MS * 1000 };
			fd_set rd;

			FD_ZERO(&rd);
			FD_SET(idle_pipe[0], &rd);
			CALL(call, 0, 0, CLOCK_MONOTONIC, select(idle_pipe[0] + 1, &rd, NULL, NULL, &tv));
			break;
		}
		case EPOLL_WAIT:
			CALL(call, 0, 0, CLOCK_MONOTONIC, epoll_wait(ep_fd, &ev, 1, WAIT_MS));
			break;
		case EPOLL_PWAIT:
			/* With a temporary mask (SIGWINCH blocked too): it must be gone afterwards. */
			pthread_sigmask(SIG_BLOCK, NULL, &temp);
			sigaddset(&temp, SIGWINCH);
			CALL(call, 0, 0, CLOCK_MONOTONIC, epoll_pwait(ep_fd, &ev, 1, WAIT_MS, &temp));
			pthread_sigmask(SIG_BLOCK, NULL, &after);
			if (sigismember(&after, SIGWINCH))
				printf("FAIL epoll_pwait: its temporary signal mask stayed\n");
			break;
		case SEM_TIMEDWAIT: {
			struct timespec abs;

			clock_gettime(CLOCK_REALTIME, &abs);
			abs.tv_nsec += WAIT_MS * 1000000L;
			abs.tv_sec += abs.tv_nsec / 1000000000L;
			abs.tv_nsec %= 1000000000L;
			CALL(call, -1, ETIMEDOUT, CLOCK_REALTIME, sem_timedwait(&sem, &abs));
			break;
		}
		case SIGTIMEDWAIT:
			CALL(call, -1, EAGAIN, CLOCK_MONOTONIC, sigtimedwait(&usr2, NULL, &ts));
			break;
		case PIPE_READ:
			CALL(call, 1, 0, CLOCK_MONOTONIC, read(feed_pipe[0], &c, 1));
			break;
		case SOCK_READ:
			CALL(call, -1, EAGAIN, CLOCK_MONOTONIC, read(sock_pair[0], &c, 1));
			break;
		case ACCEPT:
			CALL(call, -1, EAGAIN, CLOCK_MONOTONIC, accept(listen_fd, NULL, NULL));
			break;
		}
		fflush(stdout);
	}
	return NULL;
}

static void *nothing(void *arg)
{
	return arg;
}

static void *spawn(void *arg)
{
	pthread_t th;

	for (;;) {
		if (pthread_create(&th, NULL, nothing, NULL) || pthread_join(th, NULL))
			printf("FAIL spawn: cannot create a thread\n");
		atomic_fetch_add(&nr_spawned, 1);
		usleep(1000);
	}
	return NULL;
}

static void *idle(void *arg)
{
	for (;;)
		sleep(1);
	return arg;
}

static void idle_only(int n)
{
	pthread_t th;

	while (--n > 0)
		if (pthread_create(&th, NULL, idle, NULL))
			perror("pthread_create"), exit(1);
	printf("idle\n");
	idle(NULL);
}

static void set_rcvtimeo(int fd)
{
	struct timeval tv = { 0, WAIT_MS * 1000 };

	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)))
		perror("SO_RCVTIMEO"), exit(1);
}

static void setup(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct epoll_event ev = { .events = EPOLLIN };
	socklen_t len;

	if (pipe(idle_pipe) || pipe(feed_pipe) || socketpair(AF_UNIX, SOCK_STREAM, 0, sock_pair) ||
	    sem_init(&sem, 0, 0))
		perror("setup"), exit(1);
	ep_fd = epoll_create1(0);
	ev.data.fd = idle_pipe[0];
	if (ep_fd < 0 || epoll_ctl(ep_fd, EPOLL_CTL_ADD, idle_pipe[0], &ev))
		perror("epoll"), exit(1);
	set_rcvtimeo(sock_pair[0]);
	/* An abstract unix socket: nothing on disk, no port. */
	len = offsetof(struct sockaddr_un, sun_path) + 1 +
	      snprintf(sa.sun_path + 1, sizeof(sa.sun_path) - 1, "lup-sleepers-%d", (int)getpid());
	listen_fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (listen_fd < 0 || bind(listen_fd, (struct sockaddr *)&sa, len) || listen(listen_fd, 1))
		perror("listen"), exit(1);
	set_rcvtimeo(listen_fd);
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_usr1, .sa_flags = SA_RESTART };
	struct timespec tick = { 0, 50 * 1000000L };
	sigset_t block;
	unsigned long n;
	pthread_t th;
	int i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 3 && !strcmp(argv[1], "--idle"))
		idle_only(atoi(argv[2]));
	setup();
	sigaction(SIGUSR1, &sa, NULL);
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigaddset(&block, SIGUSR2);
	pthread_sigmask(SIG_BLOCK, &block, NULL);
	for (i = 0; i < NR_CALLS; i++)
		if (pthread_create(&th, NULL, run, (void *)(long)i))
			perror("pthread_create"), exit(1);
	if (argc == 2 && !strcmp(argv[1], "--spawn") && pthread_create(&th, NULL, spawn, NULL))
		perror("pthread_create"), exit(1);
	sigdelset(&block, SIGUSR2);
	pthread_sigmask(SIG_UNBLOCK, &block, NULL);
	for (n = 0;; n++) {
		if (write(feed_pipe[1], "x", 1) != 1)
			perror("write"), exit(1);
		printf("tick=%lu sigs=%lu last_sig_ns=%lld spawned=%lu", n, atomic_load(&nr_sigs),
		       atomic_load(&last_sig_ns), atomic_load(&nr_spawned));
		for (i = 0; i < NR_CALLS; i++)
			printf(" %s=%lu", names[i], atomic_load(&done[i]));
		printf(" word=%s\n", word());
		while (clock_nanosleep(CLOCK_MONOTONIC, 0, &tick, &tick) == EINTR)
			;
		tick.tv_nsec = 50 * 1000000L;
	}
}
