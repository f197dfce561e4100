/*
 * Target of test/e2e/lup-patch.sh: prints "N WORD" every 10 ms (N a counter that must
 * continue across a patch, WORD from word()), with two idle threads whose ids must
 * survive. With the argument "busy" a third thread stays inside stuck() for ever, so a
 * patch replacing stuck() never finds the process clear. With "seccomp", every thread
 * runs under a filter that makes mmap, mprotect, munmap and mremap fail with EPERM: the
 * calls a patch made in place needs the process to make.
 */
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static long counter;

/* noipa: gcc must call it each time, or a patch would change nothing. */
__attribute__((noinline, noipa)) const char *word(void)
{
	return "old";
}

__attribute__((noinline, noipa)) void stuck(void)
{
	for (;;)
		pause();
}

static void *idle(void *arg)
{
	for (;;)
		pause();
	return NULL;
}

static void *busy(void *arg)
{
	stuck();
	return NULL;
}

#define DENY(nr) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 1), \
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM)

/* Every thread: no mapping changes from now on (the process itself makes none). */
static void deny_mappings(void)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		DENY(__NR_mmap), DENY(__NR_mprotect), DENY(__NR_munmap), DENY(__NR_mremap),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { sizeof(f) / sizeof(f[0]), f };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
	    syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, &prog)) {
		perror("seccomp");
		_exit(1);
	}
}

int main(int argc, char **argv)
{
	const struct timespec tick = { 0, 10 * 1000 * 1000 };
	pthread_t t;

	for (int i = 0; i < 2; i++)
		pthread_create(&t, NULL, idle, NULL);
	if (argc > 1 && !strcmp(argv[1], "busy"))
		pthread_create(&t, NULL, busy, NULL);
	if (argc > 1 && !strcmp(argv[1], "seccomp"))
		deny_mappings();
	for (;;) {
		printf("%ld %s\n", ++counter, word());
		fflush(stdout);
		nanosleep(&tick, NULL);
	}
}
