/* split-backend: a stand-in for an SCGI or uwsgi application server behind nginx that
 * sends its response in two writes, the first one a few bytes long, so that nginx reads
 * a first response line split across reads (CVE-2026-42946). Listens on 127.0.0.1 (an
 * ephemeral port, printed as "listening on 127.0.0.1:PORT"); for each connection reads
 * what nginx sends (until 50 ms pass without more), writes HEAD, waits 200 ms, writes
 * REST, closes. HEAD and REST are arguments, with \r and \n written as such.
 *   split-backend HEAD REST */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static char *unescape(const char *s)
{
	char *out = malloc(strlen(s) + 1), *o = out;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] == 'r') { *o++ = '\r'; s++; }
		else if (s[0] == '\\' && s[1] == 'n') { *o++ = '\n'; s++; }
		else *o++ = *s;
	}
	*o = 0;
	return out;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	unsigned long served = 0;
	char *head, *rest, buf[65536];
	int s, one = 1;

	if (argc != 3) {
		fprintf(stderr, "usage: %s HEAD REST\n", argv[0]);
		return 2;
	}
	head = unescape(argv[1]);
	rest = unescape(argv[2]);
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)) || listen(s, 16) ||
	    getsockname(s, (struct sockaddr *)&a, &len)) {
		perror("split-backend: socket");
		return 1;
	}
	printf("listening on 127.0.0.1:%d\n", ntohs(a.sin_port));
	for (;;) {
		struct pollfd p;
		size_t got = 0;
		int c = accept(s, NULL, NULL);

		if (c < 0)
			continue;
		p.fd = c;
		p.events = POLLIN;
		while (poll(&p, 1, got ? 50 : 5000) > 0) {
			ssize_t r = read(c, buf, sizeof(buf));
			if (r <= 0)
				break;
			got += (size_t)r;
		}
		if (write_all(c, head, strlen(head)) == 0) {
			usleep(200 * 1000);
			write_all(c, rest, strlen(rest));
		}
		close(c);
		printf("%lu served (request of %zu bytes)\n", ++served, got);
	}
}
