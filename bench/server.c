/*
 * Benchmark server: bench/target.c with a TCP echo server. N MiB of dirty memory and T
 * threads calling the function the bench patch replaces, one of them (the main thread)
 * also accepting connections on 127.0.0.1 and echoing what each sends, so the thread
 * count is T with or without connections. Prints "ready PID PORT".
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dirty.h"

#define MAX_CONNS 1024

static volatile unsigned long calls;
volatile int bench_step = 1;

/* Large enough for the jump: it reads a global. */
__attribute__((noinline, noipa)) int bench_value(int x)
{
	return (x & 0xffff) + bench_step;
}

static void tick(void)
{
	if (bench_value((int)calls) > 0)
		__atomic_fetch_add(&calls, 1, __ATOMIC_RELAXED);
}

static void *worker(void *arg)
{
	for (;;) {
		tick();
		usleep(1000);
	}
	return arg;
}

/* Echo until the peer closes; the poll timeout makes this thread tick as the others do. */
static void serve(int lfd)
{
	static struct pollfd fds[MAX_CONNS + 1];
	int n = 1;

	fds[0].fd = lfd;
	fds[0].events = POLLIN;
	for (;;) {
		int r = poll(fds, n, 1);

		tick();
		if (r <= 0)
			continue;
		if ((fds[0].revents & POLLIN) && n <= MAX_CONNS) {
			int c = accept(lfd, NULL, NULL);

			if (c >= 0) {
				fds[n].fd = c;
				fds[n].events = POLLIN;
				fds[n].revents = 0;
				n++;
			}
		}
		for (int i = 1; i < n; i++) {
			char buf[4096];
			ssize_t got;

			if (!fds[i].revents)
				continue;
			got = read(fds[i].fd, buf, sizeof(buf));
			if (got > 0 && write(fds[i].fd, buf, (size_t)got) == got)
				continue;
			if (got < 0 && (errno == EINTR || errno == EAGAIN))
				continue;
			close(fds[i].fd);
			fds[i--] = fds[--n];
		}
	}
}

int main(int argc, char **argv)
{
	size_t mib = argc > 1 ? strtoul(argv[1], NULL, 0) : 16;
	int threads = argc > 2 ? atoi(argv[2]) : 1;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);
	int one = 1, lfd;
	pthread_t t;
	char *mem;

	mem = dirty_memory(mib);
	if (!mem)
		return 1;
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (lfd < 0 || setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(lfd, (struct sockaddr *)&a, sizeof(a)) || listen(lfd, 256) ||
	    getsockname(lfd, (struct sockaddr *)&a, &alen)) {
		perror("server: listen");
		return 1;
	}
	for (int i = 1; i < threads; i++)
		pthread_create(&t, NULL, worker, NULL);
	printf("ready %d %d\n", (int)getpid(), ntohs(a.sin_port));
	fflush(stdout);
	serve(lfd);
	return 0;
}
