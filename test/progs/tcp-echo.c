/*
 * Test target: `tcp-echo server PORT` listens on 127.0.0.1:PORT and echoes one client;
 * `tcp-echo client PORT` sends a counter every 20 ms, checks each echo, and prints
 * "ok N" every 10 exchanges (exit 1 on a wrong or lost answer).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static struct sockaddr_in addr_of(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return a;
}

static int server(int port)
{
	struct sockaddr_in a = addr_of(port);
	int one = 1, ls = socket(AF_INET, SOCK_STREAM, 0), c;
	char buf[64];
	ssize_t n;

	setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(ls, (struct sockaddr *)&a, sizeof(a)) || listen(ls, 4)) {
		perror("bind/listen");
		return 1;
	}
	printf("listening %d\n", port);
	fflush(stdout);
	c = accept(ls, NULL, NULL);
	while ((n = read(c, buf, sizeof(buf))) > 0)
		if (write(c, buf, n) != n)
			return 1;
	return 0;
}

static int client(int port)
{
	struct sockaddr_in a = addr_of(port);
	int s = socket(AF_INET, SOCK_STREAM, 0);
	unsigned long i, got;

	if (connect(s, (struct sockaddr *)&a, sizeof(a))) {
		perror("connect");
		return 1;
	}
	for (i = 1;; i++) {
		if (write(s, &i, sizeof(i)) != sizeof(i) || read(s, &got, sizeof(got)) != sizeof(got) ||
		    got != i) {
			printf("FAIL at %lu\n", i);
			return 1;
		}
		if (i % 10 == 0) {
			printf("ok %lu\n", i);
			fflush(stdout);
		}
		usleep(20000);
	}
}

int main(int argc, char **argv)
{
	if (argc != 3)
		return 2;
	if (!strcmp(argv[1], "server"))
		return server(atoi(argv[2]));
	return client(atoi(argv[2]));
}
