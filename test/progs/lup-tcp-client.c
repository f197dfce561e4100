/*
 * Client of test/e2e/lup-patch.sh: over ONE TCP connection to 127.0.0.1:PORT, sends NAME
 * every 10 ms and prints each reply line, until SIGTERM (exit 0). Any failure (connection
 * lost, no reply within 10 s) is printed and exits 1: the connection must survive a patch.
 */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	stop = 1;
}

static int connect_to(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a))) {
		perror("lup-tcp-client: connect");
		exit(1);
	}
	return fd;
}

/* Reads one reply line into buf; exits on failure. */
static void read_line(int fd, char *buf, size_t size)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	size_t len = 0;

	while (len + 1 < size) {
		int r = poll(&p, 1, 10000);
		ssize_t n;

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			fprintf(stderr, "lup-tcp-client: no reply within 10 s\n");
			exit(1);
		}
		n = read(fd, buf + len, 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			fprintf(stderr, "lup-tcp-client: connection lost: %s\n", n ? strerror(errno) : "EOF");
			exit(1);
		}
		if (buf[len++] == '\n')
			break;
	}
	buf[len] = '\0';
}

int main(int argc, char **argv)
{
	const struct timespec tick = { 0, 10 * 1000 * 1000 };
	struct sigaction sa = { .sa_handler = on_term };
	char req[128], reply[512];
	int fd;

	if (argc != 3) {
		fprintf(stderr, "usage: lup-tcp-client PORT NAME\n");
		return 2;
	}
	sigaction(SIGTERM, &sa, NULL);
	fd = connect_to(atoi(argv[1]));
	snprintf(req, sizeof(req), "%s\n", argv[2]);
	while (!stop) {
		if (write(fd, req, strlen(req)) != (ssize_t)strlen(req)) {
			perror("lup-tcp-client: write");
			return 1;
		}
		read_line(fd, reply, sizeof(reply));
		fputs(reply, stdout);
		fflush(stdout);
		nanosleep(&tick, NULL);
	}
	return 0;
}
