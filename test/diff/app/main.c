#include <pthread.h>
#include <stdio.h>
#include <unistd.h>
#include "stats.h"

static void *worker(void *arg)
{
	for (;;)
		pause();
	return arg;
}

int main(void)
{
	struct sample s = { 2000, 1 };
	pthread_t t;

	pthread_create(&t, NULL, worker, NULL);
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (;;) {
		printf("%s\n", stats_label(stats_add(&s)));
		usleep(20000);
	}
}
