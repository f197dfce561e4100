/*
 * greetd, the demo server of `make demo`: a small TCP server on 127.0.0.1 that answers
 * each line NAME with "#N Hello, NAME!", N counting every request it has served.
 * It has a bug: format_greeting() drops the last letter of the name. greetd-fix.c is
 * the fix, applied live with `lup patch`. Usage: greetd [PORT] (0 or none: any port).
 */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_CLIENTS 64
#define LINE_MAX_LEN 256

struct client {
	int fd;
	size_t len;
	char line[LINE_MAX_LEN];
};

static unsigned long served;
static struct client clients[MAX_CLIENTS];
static struct pollfd pfds[MAX_CLIENTS + 1];

/*
 * The reply to one name. Kept out of line (noinline, noipa) as a function a live patch
 * can replace whole: an inlined copy would keep the bug.
 */
__attribute__((noinline, noipa)) int format_greeting(char *out, size_t size, const char *name,
						      size_t len)
{
	return snprintf(out, size, "#%lu Hello, %.*s!\n", ++served, (int)len - 1, name);
}

static int listen_on(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);
	int one = 1, fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, 16) ||
	    getsockname(fd, (struct sockaddr *)&a, &alen)) {
		perror("greetd: listen");
		exit(1);
	}
	printf("greetd %d listening on 127.0.0.1:%d\n", (int)getpid(), ntohs(a.sin_port));
	fflush(stdout);
	return fd;
}

static void accept_client(int lfd)
{
	int fd = accept(lfd, NULL, NULL);

	for (int i = 0; fd >= 0 && i < MAX_CLIENTS; i++)
		if (clients[i].fd < 0) {
			clients[i] = (struct client){ .fd = fd };
			return;
		}
	if (fd >= 0)
		close(fd);
}

/* Answers every complete line received; false when the client is gone. */
static int serve_client(struct client *c)
{
	char reply[LINE_MAX_LEN + 64], *nl;
	ssize_t n = read(c->fd, c->line + c->len, sizeof(c->line) - c->len);

	if (n <= 0)
		return n < 0 && errno == EINTR;
	c->len += (size_t)n;
	while ((nl = memchr(c->line, '\n', c->len))) {
		size_t len = (size_t)(nl - c->line);
		int r = format_greeting(reply, sizeof(reply), c->line, len);

		if (r < 0 || write(c->fd, reply, strlen(reply)) < 0)
			return 0;
		c->len -= len + 1;
		memmove(c->line, nl + 1, c->len);
	}
	return c->len < sizeof(c->line);	/* a line too long: drop the client */
}

int main(int argc, char **argv)
{
	int lfd = listen_on(argc > 1 ? atoi(argv[1]) : 0);

	for (int i = 0; i < MAX_CLIENTS; i++)
		clients[i].fd = -1;
	for (;;) {
		pfds[0] = (struct pollfd){ .fd = lfd, .events = POLLIN };
		for (int i = 0; i < MAX_CLIENTS; i++)
			pfds[i + 1] = (struct pollfd){ .fd = clients[i].fd, .events = POLLIN };
		if (poll(pfds, MAX_CLIENTS + 1, -1) < 0 && errno != EINTR)
			return 1;
		if (pfds[0].revents & POLLIN)
			accept_client(lfd);
		for (int i = 0; i < MAX_CLIENTS; i++)
			if (clients[i].fd >= 0 && pfds[i + 1].revents && !serve_client(&clients[i])) {
				close(clients[i].fd);
				clients[i].fd = -1;
			}
	}
}
