/*
 * Target of test/e2e/inplace.sh: dlopen()s the library argv[1] (libdyntls.so), whose
 * thread-local variable then lives in dynamic TLS: its main thread uses it, an idle
 * thread never does, and every 10th line a new thread sets its own to 5 and asks
 * word() once. Prints "N WORD" every 10 ms, WORD from word(), and "thread WORD" from
 * the new threads.
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

__attribute__((noinline, noipa)) const char *word(void)
{
	return "old";
}

static void *idle(void *arg)
{
	for (;;)
		pause();
	return NULL;
}

static long *(*tls_addr)(void);

static void *once(void *arg)
{
	*tls_addr() = 5;
	printf("thread %s\n", word());
	fflush(stdout);
	return NULL;
}

int main(int argc, char **argv)
{
	const struct timespec tick = { 0, 10 * 1000 * 1000 };
	void *lib = argc > 1 ? dlopen(argv[1], RTLD_NOW) : NULL;
	long *(*addr)(void) = lib ? (long *(*)(void))dlsym(lib, "dyn_tls_addr") : NULL;
	pthread_t t;

	if (!addr) {
		fprintf(stderr, "dlopen %s: %s\n", argc > 1 ? argv[1] : "?", dlerror());
		return 1;
	}
	tls_addr = addr;
	pthread_create(&t, NULL, idle, NULL);
	for (long n = 1;; n++) {
		(*addr())++;
		printf("%ld %s\n", n, word());
		fflush(stdout);
		if (n % 10 == 0 && pthread_create(&t, NULL, once, NULL) == 0)
			pthread_join(t, NULL);
		nanosleep(&tick, NULL);
	}
}
