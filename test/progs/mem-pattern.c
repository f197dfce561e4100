/*
 * Test target: fills a few anonymous pages with a known pattern, prints
 * "pid PID pattern ADDR LEN", and checks the pattern every 50 ms (exit 1 if it
 * changed). -t N adds N sleeping threads; -f forks a child that does the same.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#define PATTERN_LEN (3 * 4096 + 100)

static uint8_t pattern_byte(size_t i)
{
	return (uint8_t)(i * 31 + 7 + (i >> 8));
}

static void *sleeper(void *arg)
{
	for (;;)
		pause();
	return arg;
}

static void run(void)
{
	uint8_t *p = mmap(NULL, PATTERN_LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	size_t i;

	if (p == MAP_FAILED) {
		perror("mmap");
		exit(1);
	}
	for (i = 0; i < PATTERN_LEN; i++)
		p[i] = pattern_byte(i);
	printf("pid %d pattern 0x%lx %d\n", (int)getpid(), (unsigned long)p, PATTERN_LEN);
	fflush(stdout);
	for (;;) {
		usleep(50000);
		for (i = 0; i < PATTERN_LEN; i++) {
			if (p[i] != pattern_byte(i)) {
				printf("pid %d: pattern changed at %zu\n", (int)getpid(), i);
				exit(1);
			}
		}
	}
}

int main(int argc, char **argv)
{
	int opt, threads = 0, fork_child = 0;
	pthread_t t;

	while ((opt = getopt(argc, argv, "t:f")) != -1) {
		if (opt == 't')
			threads = atoi(optarg);
		else if (opt == 'f')
			fork_child = 1;
		else
			return 2;
	}
	for (; threads > 0; threads--)
		pthread_create(&t, NULL, sleeper, NULL);
	if (fork_child && fork() == 0)
		run();
	run();
	return 0;
}
