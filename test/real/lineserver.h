/* A small line-oriented TCP server for the drivers of test/real: listens on 127.0.0.1 at
 * an ephemeral port (printed as "listening on 127.0.0.1:PORT"), serves any number of
 * clients at once from one thread with poll(), and hands each request line to the
 * driver's handler, whose reply (one or more lines) goes back on the same connection.
 * The server counts requests (ls_requests) and connections; it never exits by itself. */
#ifndef LINESERVER_H
#define LINESERVER_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define LS_MAX_CLIENTS 64
#define LS_LINE_MAX (1 << 20)

struct ls_reply {
	char *buf;
	size_t len, cap;
};

/* Appends printf-style text to the reply. */
static void ls_printf(struct ls_reply *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void ls_printf(struct ls_reply *r, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(r->buf + r->len, r->cap - r->len, fmt, ap);
		va_end(ap);
		if (n >= 0 && (size_t)n < r->cap - r->len)
			break;
		r->cap = r->cap * 2 + (size_t)(n > 0 ? n : 64) + 1;
		r->buf = realloc(r->buf, r->cap);
		if (!r->buf)
			abort();
	}
	r->len += (size_t)n;
}

static unsigned long ls_requests, ls_connections;

/* handler(conn, line, reply): conn is a small number that stays the same for one
 * connection (its slot), and conn_serial the connection's serial number. */
typedef void ls_handler(int slot, unsigned long conn_serial, char *line, struct ls_reply *reply);
typedef void ls_closer(int slot);

struct ls_client {
	int fd;
	unsigned long serial;
	char *in;
	size_t len;
};

static int ls_write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int ls_run(const char *name, ls_handler *handle, ls_closer *closed)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	struct ls_client cl[LS_MAX_CLIENTS];
	struct pollfd pf[LS_MAX_CLIENTS + 1];
	struct ls_reply reply = { 0 };
	socklen_t alen = sizeof(a);
	int s, one = 1, i;

	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (i = 0; i < LS_MAX_CLIENTS; i++)
		cl[i].fd = -1;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s = socket(AF_INET, SOCK_STREAM, 0);
	if (s < 0 || setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(s, (struct sockaddr *)&a, sizeof(a)) || listen(s, 16) ||
	    getsockname(s, (struct sockaddr *)&a, &alen)) {
		fprintf(stderr, "%s: cannot listen: %s\n", name, strerror(errno));
		return 1;
	}
	printf("%s: listening on 127.0.0.1:%d\n", name, ntohs(a.sin_port));
	for (;;) {
		int n = 0;

		pf[n].fd = s;
		pf[n++].events = POLLIN;
		for (i = 0; i < LS_MAX_CLIENTS; i++) {
			pf[n].fd = cl[i].fd;	/* -1: ignored */
			pf[n++].events = POLLIN;
		}
		if (poll(pf, (nfds_t)n, -1) < 0) {
			if (errno == EINTR)
				continue;
			perror("poll");
			return 1;
		}
		if (pf[0].revents & POLLIN) {
			int c = accept(s, NULL, NULL);

			for (i = 0; c >= 0 && i < LS_MAX_CLIENTS && cl[i].fd >= 0; i++)
				;
			if (c >= 0 && i == LS_MAX_CLIENTS) {
				close(c);
			} else if (c >= 0) {
				cl[i].fd = c;
				cl[i].serial = ++ls_connections;
				cl[i].in = malloc(LS_LINE_MAX);
				cl[i].len = 0;
			}
		}
		for (i = 0; i < LS_MAX_CLIENTS; i++) {
			struct ls_client *c = &cl[i];
			ssize_t r;
			char *nl;

			if (c->fd < 0 || !(pf[i + 1].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			r = read(c->fd, c->in + c->len, LS_LINE_MAX - 1 - c->len);
			if (r <= 0) {
				if (r < 0 && errno == EINTR)
					continue;
				goto drop;
			}
			c->len += (size_t)r;
			while ((nl = memchr(c->in, '\n', c->len))) {
				size_t used = (size_t)(nl - c->in) + 1;

				*nl = 0;
				if (nl > c->in && nl[-1] == '\r')
					nl[-1] = 0;
				ls_requests++;
				reply.len = 0;
				ls_printf(&reply, "%s", "");
				handle(i, c->serial, c->in, &reply);
				if (ls_write_all(c->fd, reply.buf, reply.len))
					goto drop;
				memmove(c->in, c->in + used, c->len - used);
				c->len -= used;
			}
			if (c->len == LS_LINE_MAX - 1)
				goto drop;	/* a line too long */
			continue;
drop:
			if (closed)
				closed(i);
			close(c->fd);
			free(c->in);
			c->fd = -1;
		}
	}
}

#endif
