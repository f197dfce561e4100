/*
 * lup_stack_check over the live view of a stopped process: a forked child with one
 * thread spinning inside a function and its main thread blocked in a call made from
 * another function.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/elf-file.h"
#include "core/stack-check.h"
#include "core/view.h"
#include "live/view-live.h"
#include "util/err.h"

/* The stack check of the threads of pid; tid alone, unless 0. */
static int check_one(pid_t pid, pid_t tid, const struct lup_range *r, size_t nr)
{
	struct lup_view v;
	size_t i, k = 0;
	int ret;

	assert_int_equal(lup_view_live(pid, NULL, LUP_VIEW_LIVE_STOPPED, &v), 0);
	for (i = 0; i < v.nr_threads; i++)
		if (!tid || v.threads[i].tid == tid)
			v.threads[k++] = v.threads[i];
	assert_int_equal(k, tid ? 1 : 2);
	v.nr_threads = k;
	ret = lup_stack_check(&v, r, nr);
	lup_view_free(&v);
	return ret;
}


static volatile int spinning = 1;
static int tid_pipe[2], block_pipe[2];

__attribute__((noinline, noipa)) static void spin_here(void)
{
	while (spinning)
		;
}

static void *spinner(void *arg)
{
	pid_t tid = (pid_t)syscall(SYS_gettid);

	if (write(tid_pipe[1], &tid, sizeof(tid)) != sizeof(tid))
		_exit(1);
	spin_here();
	return NULL;
}

/* The main thread of the child stays blocked in read() called from here. */
__attribute__((noinline, noipa)) static void wait_in_read(void)
{
	char c;

	if (read(block_pipe[0], &c, 1) < 0)
		_exit(1);
}

__attribute__((noinline, noipa)) static int never_called(int x)
{
	return x * 3 + 1;
}

struct child {
	pid_t pid, spin_tid;
};

static struct lup_range range_of(const char *name, uintptr_t addr)
{
	struct lup_elf *e;
	const struct lup_sym *s;
	struct lup_range r = { .name = name };

	assert_int_equal(lup_elf_open("/proc/self/exe", &e), 0);
	assert_int_equal(lup_elf_find_sym(e, name, NULL, &s), 0);
	assert_true(s->size > 0);
	r.start = addr;
	r.end = addr + s->size;
	lup_elf_close(e);
	return r;
}

static void attach(pid_t tid)
{
	int st;

	assert_int_equal(ptrace(PTRACE_ATTACH, tid, NULL, NULL), 0);
	assert_int_equal(waitpid(tid, &st, __WALL), tid);
	assert_true(WIFSTOPPED(st));
}

static int setup(void **state)
{
	static struct child c;
	pthread_t t;

	if (pipe(tid_pipe) || pipe(block_pipe))
		return -1;
	c.pid = fork();
	if (c.pid == 0) {
		if (pthread_create(&t, NULL, spinner, NULL))
			_exit(1);
		wait_in_read();
		_exit(0);
	}
	if (c.pid < 0 || read(tid_pipe[0], &c.spin_tid, sizeof(c.spin_tid)) != sizeof(c.spin_tid))
		return -1;
	usleep(100000);	/* let the main thread reach read() */
	attach(c.pid);
	attach(c.spin_tid);
	*state = &c;
	return 0;
}

static int teardown(void **state)
{
	struct child *c = *state;
	int st;

	kill(c->pid, SIGKILL);
	/* the traced threads are reaped one by one by their tracer */
	while (waitpid(-1, &st, __WALL) > 0 || errno == EINTR)
		;
	return 0;
}

static void test_ip_inside(void **state)
{
	struct child *c = *state;
	struct lup_range r = range_of("spin_here", (uintptr_t)spin_here);

	assert_int_equal(check_one(c->pid, c->spin_tid, &r, 1), -LUP_EBUSY);
	/* the main thread is elsewhere */
	assert_int_equal(check_one(c->pid, c->pid, &r, 1), 0);
	/* all threads in one call, through one view of the process: the busy one is found */
	assert_int_equal(check_one(c->pid, 0, &r, 1), -LUP_EBUSY);
}

static void test_return_address_inside(void **state)
{
	struct child *c = *state;
	struct lup_range r = range_of("wait_in_read", (uintptr_t)wait_in_read);

	assert_int_equal(check_one(c->pid, c->pid, &r, 1), -LUP_EBUSY);
	assert_int_equal(check_one(c->pid, c->spin_tid, &r, 1), 0);
}

static void test_clear(void **state)
{
	struct child *c = *state;
	struct lup_range r[] = { range_of("never_called", (uintptr_t)never_called),
				 range_of("range_of", (uintptr_t)range_of) };
	struct lup_range more[] = { r[0], range_of("spin_here", (uintptr_t)spin_here), r[1] };

	assert_int_equal(never_called(1), 4);
	assert_int_equal(check_one(c->pid, c->pid, r, 2), 0);
	assert_int_equal(check_one(c->pid, c->spin_tid, r, 2), 0);
	/* several ranges: the one the thread is in is found among them */
	assert_int_equal(check_one(c->pid, c->spin_tid, more, 3), -LUP_EBUSY);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ip_inside),
		cmocka_unit_test(test_return_address_inside),
		cmocka_unit_test(test_clear),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
