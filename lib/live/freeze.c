/* Freezing a live process with libcompel: stop every thread, record its registers, thaw. */
#include <errno.h>
#include <signal.h>
#include <sys/time.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <compel/infect.h>
#include <compel/log.h>

#include "live/freeze-priv.h"
#include "live/freeze.h"
#include "live/proc.h"
#include "util/log.h"

#define STOP_LIMIT_MS 1000	/* a thread that does not stop sooner is asleep for good */

/* The kernel's own restart codes (include/linux/errno.h), never seen by a program. */
#define KERN_ERESTARTSYS 512
#define KERN_ERESTARTNOINTR 513
#define KERN_ERESTARTNOHAND 514
#define KERN_ERESTART_RESTARTBLOCK 516

/* Passes over /proc/PID/task before giving up on a process that keeps adding threads. */
#define MAX_STOP_PASSES 1000

/* compel's messages go to lup's debug log; the last warning or error is kept for ours
 * (LUP_DEBUG=1 lets compel's own debug lines through as well, as lib/log.c does lup's). */
char lup_compel_last[256];

static void compel_print(unsigned int lvl, const char *fmt, va_list ap)
{
	char buf[sizeof(lup_compel_last)];
	size_t n;

	vsnprintf(buf, sizeof(buf), fmt, ap);
	n = strlen(buf);
	while (n && buf[n - 1] == '\n')
		buf[--n] = '\0';
	if (lvl <= COMPEL_LOG_WARN)
		memcpy(lup_compel_last, buf, n + 1);
	pr_debug("compel: %s", buf);
}

static void compel_log_once(void)
{
	static bool done;

	/* compel's info and debug lines cost more than the freeze: only when asked. */
	if (!done)
		compel_log_init(compel_print, getenv("LUP_DEBUG") ? COMPEL_LOG_DEBUG : COMPEL_LOG_WARN);
	done = true;
}

/* A "Key:\t<number>" line of /proc/PID/task/TID/status; -1 when absent. */
static long status_field(pid_t pid, pid_t tid, const char *key)
{
	char path[64], line[256];
	size_t klen = strlen(key);
	long v = -1;
	FILE *fp;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/status", (int)pid, (int)tid);
	fp = fopen(path, "re");
	if (!fp)
		return -1;
	while (fgets(line, sizeof(line), fp))
		if (!strncmp(line, key, klen) && line[klen] == ':') {
			v = strtol(line + klen + 1, NULL, 10);
			break;
		}
	fclose(fp);
	return v;
}

/* The state letter of /proc/PID/task/TID/stat, 0 when the thread is gone. */
static char thread_state(pid_t pid, pid_t tid)
{
	char path[64], buf[512], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", (int)pid, (int)tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p[2] : 0;
}

static void comm_of(pid_t pid, char *buf, size_t len)
{
	char path[64];
	ssize_t n = -1;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, buf, len - 1);
		close(fd);
	}
	if (n <= 0)
		n = snprintf(buf, len, "?");
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
}

static bool is_known(const struct lup_frozen *f, pid_t tid)
{
	size_t i;

	for (i = 0; i < f->nr; i++)
		if (f->th[i].t.tid == tid)
			return true;
	for (i = 0; i < f->nr_gone; i++)
		if (f->gone[i] == tid)
			return true;
	return false;
}

static int add_gone(struct lup_frozen *f, pid_t tid)
{
	if (f->nr_gone == f->cap_gone) {
		size_t cap = f->cap_gone ? 2 * f->cap_gone : 8;
		pid_t *g = realloc(f->gone, cap * sizeof(*g));

		if (!g)
			return -ENOMEM;
		f->gone = g;
		f->cap_gone = cap;
	}
	f->gone[f->nr_gone++] = tid;
	return 0;
}

static struct frozen_thread *add_thread(struct lup_frozen *f, pid_t tid, int state)
{
	struct frozen_thread *t;

	if (f->nr == f->cap) {
		size_t cap = f->cap ? 2 * f->cap : 16;

		t = realloc(f->th, cap * sizeof(*t));
		if (!t)
			return NULL;
		f->th = t;
		f->cap = cap;
	}
	t = &f->th[f->nr++];
	memset(t, 0, sizeof(*t));
	t->t.tid = tid;
	t->state = state;
	t->t.stopped = state == COMPEL_TASK_STOPPED;
	return t;
}

/* compel could not stop tid: gone (0), a zombie (0), traced by another, or refused. */
static int stop_failed(struct lup_frozen *f, pid_t tid)
{
	long tracer = status_field(f->pid, tid, "TracerPid");
	char st = thread_state(f->pid, tid), comm[32];

	if (!st)
		return 0;
	if (st == 'Z' || st == 'X')
		return add_gone(f, tid);
	if (tracer > 0) {
		comm_of((pid_t)tracer, comm, sizeof(comm));
		pr_err("process %d: thread %d is traced by process %ld (%s): not freezing it", (int)f->pid, (int)tid,
		       tracer, comm);
		return -EBUSY;
	}
	pr_err("process %d: cannot stop thread %d: %s", (int)f->pid, (int)tid,
	       lup_compel_last[0] ? lup_compel_last : "ptrace refused");
	return -EPERM;
}

static void on_alarm(int sig)
{
}

/*
 * compel_stop_task waits until the thread stops; one in uninterruptible sleep (a vfork
 * parent, a hung NFS read) stops only when it wakes. The wait is cut after
 * STOP_LIMIT_MS (SIGALRM without SA_RESTART ends it with EINTR): the freeze is given up
 * rather than holding the threads already stopped.
 */
static int stop_within_limit(pid_t tid)
{
	struct sigaction sa = { .sa_handler = on_alarm }, old;
	struct itimerval it = { .it_value = { STOP_LIMIT_MS / 1000, STOP_LIMIT_MS % 1000 * 1000 } };
	struct itimerval off = { 0 };
	int st;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, &old);
	setitimer(ITIMER_REAL, &it, NULL);
	st = compel_stop_task(tid);
	setitimer(ITIMER_REAL, &off, NULL);
	sigaction(SIGALRM, &old, NULL);
	return st;
}

/* Stops tid: 1 when stopped, 0 when it is gone or a zombie, else a negative error. */
static int stop_thread(struct lup_frozen *f, pid_t tid)
{
	int st;

	lup_compel_last[0] = '\0';
	st = stop_within_limit(tid);
	if (st < 0 && thread_state(f->pid, tid) == 'D') {
		pr_err("process %d: thread %d is in uninterruptible sleep and did not stop within %d ms: not frozen, it runs on; try again when it has woken",
		       (int)f->pid, (int)tid, STOP_LIMIT_MS);
		return -ETIMEDOUT;
	}
	if (st < 0)
		return stop_failed(f, tid);
	if (st == COMPEL_TASK_ZOMBIE || st == COMPEL_TASK_DEAD)
		return add_gone(f, tid);
	if (!add_thread(f, tid, st)) {
		compel_resume_task(tid, st, st);
		return -ENOMEM;
	}
	return 1;
}

/* A pass over the threads: those not seen yet are stopped and counted. */
struct pass {
	struct lup_frozen *f;
	size_t nr_new;
};

static int stop_new(void *arg, pid_t pid, pid_t tid)
{
	struct pass *p = arg;
	int ret;

	if (is_known(p->f, tid))
		return 0;
	ret = stop_thread(p->f, tid);
	p->nr_new += ret > 0;
	return ret < 0 ? ret : 0;
}

/* One pass over /proc/PID/task: stops the threads not seen yet; *nr_new of them. */
static int stop_pass(struct lup_frozen *f, size_t *nr_new)
{
	struct pass p = { .f = f };
	int ret = lup_proc_tasks(f->pid, stop_new, &p);

	*nr_new = p.nr_new;
	if (ret == -ENOENT)
		pr_err("process %d: gone", (int)f->pid);
	return ret == -ENOENT ? -ESRCH : ret;
}

/* Every thread, until a pass finds no new one (only running threads create threads). */
static int stop_all(struct lup_frozen *f)
{
	size_t nr_new;
	int pass, ret;

	for (pass = 0; pass < MAX_STOP_PASSES; pass++) {
		ret = stop_pass(f, &nr_new);
		if (ret < 0)
			return ret;
		if (!nr_new)
			break;
	}
	if (pass == MAX_STOP_PASSES) {
		pr_err("process %d: threads keep appearing after %d passes", (int)f->pid, pass);
		return -EAGAIN;
	}
	if (!f->nr) {
		pr_err("process %d: no live thread to stop", (int)f->pid);
		return -ESRCH;
	}
	return 0;
}

/* Calls whose -EINTR has effects a re-issue would repeat or contradict. */
static bool is_rewindable(long nr)
{
	switch (nr) {
	case __NR_close:	/* the descriptor is closed even so */
	case __NR_connect:	/* the connection goes on: again would be EALREADY */
		return false;
	}
	return true;
}

/*
 * A call that returned -EINTR because the freeze interrupted it (the kernel restarts
 * only its -ERESTART* codes) is re-issued on thaw: rip back over the 2-byte `syscall`,
 * rax = the call number, as the kernel does for -ERESTARTSYS.
 */
static void classify(struct lup_frozen *f, struct frozen_thread *t)
{
	const struct user_regs_struct *r = &t->t.regs;
	long nr = (long)r->orig_rax, rax = (long)r->rax;
	unsigned char insn[2];

	t->base = t->resume = *r;
	t->t.resume_ip = r->rip;
	if (nr < 0)
		return;
	switch (rax) {
	case -KERN_ERESTARTSYS:
	case -KERN_ERESTARTNOINTR:
	case -KERN_ERESTARTNOHAND:
	case -KERN_ERESTART_RESTARTBLOCK:
		t->t.resume_ip = r->rip - 2;
		return;
	case -EINTR:
		break;
	default:
		return;
	}
	if (!is_rewindable(nr) || lup_frozen_read_mem(f, r->rip - 2, insn, 2) || insn[0] != 0x0f || insn[1] != 0x05)
		return;
	t->resume.rip = r->rip - 2;
	t->resume.rax = r->orig_rax;
	t->t.resume_ip = t->resume.rip;
	t->t.rewound = true;
	pr_debug("process %d: thread %d: call %ld returned EINTR at the stop: re-issued on thaw", (int)f->pid,
		 (int)t->t.tid, nr);
}

static int record_regs(struct lup_frozen *f)
{
	size_t i;

	for (i = 0; i < f->nr; i++) {
		struct frozen_thread *t = &f->th[i];

		if (t->have_regs)
			continue;
		if (ptrace(PTRACE_GETREGS, t->t.tid, NULL, &t->t.regs)) {
			int err = -errno;

			pr_err("process %d: thread %d: cannot read registers: %s", (int)f->pid, (int)t->t.tid,
			       strerror(errno));
			return err;
		}
		classify(f, t);
		t->have_regs = true;
	}
	return 0;
}

static int open_mem(struct lup_frozen *f)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/mem", (int)f->pid);
	f->mem_fd = open(path, O_RDWR | O_CLOEXEC);
	if (f->mem_fd < 0) {
		int err = -errno;

		pr_err("%s: %s", path, strerror(errno));
		return err;
	}
	return 0;
}

static int count_task(void *arg, pid_t pid, pid_t tid)
{
	(*(int *)arg)++;
	return 0;
}

static int check_target(pid_t pid)
{
	int nr = 0;
	char st;

	if (pid <= 0 || pid == getpid()) {
		pr_err("process %d: not a process lup can freeze (itself or invalid)", (int)pid);
		return -EINVAL;
	}
	st = thread_state(pid, pid);
	if (!st) {
		pr_err("process %d: no such process", (int)pid);
		return -ESRCH;
	}
	/* A dead leader with live threads is fine; a dead process is not. */
	if ((st == 'Z' || st == 'X') && (lup_proc_tasks(pid, count_task, &nr) || nr <= 1)) {
		pr_err("process %d: is a zombie", (int)pid);
		return -ESRCH;
	}
	return 0;
}

static void free_frozen(struct lup_frozen *f)
{
	if (f->mem_fd >= 0)
		close(f->mem_fd);
	free(f->th);
	free(f->gone);
	free(f);
}

static int thaw_thread(struct lup_frozen *f, struct frozen_thread *t);

/*
 * A freeze that failed half-way (the error is reported): the threads stopped so far run
 * on as after a thaw, their EINTR calls rewound too.
 */
static void release(struct lup_frozen *f)
{
	size_t i;

	for (i = 0; i < f->nr; i++) {
		struct frozen_thread *t = &f->th[i];

		if (!t->have_regs && ptrace(PTRACE_GETREGS, t->t.tid, NULL, &t->t.regs) == 0) {
			classify(f, t);
			t->have_regs = true;
		}
		thaw_thread(f, t);
	}
	free_frozen(f);
}

int lup_freeze(pid_t pid, struct lup_frozen **out)
{
	struct lup_frozen *f;
	int ret;

	*out = NULL;
	ret = check_target(pid);
	if (ret)
		return ret;
	compel_log_once();
	f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	f->pid = pid;
	f->mem_fd = -1;
	ret = open_mem(f);
	if (!ret)
		ret = stop_all(f);
	if (!ret)
		ret = record_regs(f);
	if (ret) {
		release(f);
		return ret;
	}
	pr_debug("process %d: frozen, %zu threads", (int)pid, f->nr);
	*out = f;
	return 0;
}

pid_t lup_frozen_pid(const struct lup_frozen *f)
{
	return f->pid;
}

size_t lup_frozen_nr_threads(const struct lup_frozen *f)
{
	return f->nr;
}

const struct lup_frozen_thread *lup_frozen_thread(const struct lup_frozen *f, size_t i)
{
	return i < f->nr ? &f->th[i].t : NULL;
}

static int thaw_thread(struct lup_frozen *f, struct frozen_thread *t)
{
	int ret = 0;

	if (t->have_regs && ptrace(PTRACE_SETREGS, t->t.tid, NULL, &t->resume)) {
		ret = -errno;
		pr_err("process %d: thread %d: cannot set registers: %s", (int)f->pid, (int)t->t.tid, strerror(errno));
	}
	if (compel_resume_task(t->t.tid, t->state, t->state)) {
		pr_err("process %d: thread %d: cannot detach: %s", (int)f->pid, (int)t->t.tid,
		       lup_compel_last[0] ? lup_compel_last : "failed");
		ret = ret ? ret : -EIO;
	}
	return ret;
}

int lup_thaw(struct lup_frozen *f)
{
	int ret = 0, r;
	size_t i;

	if (!f)
		return 0;
	if (f->ctl)
		ret = lup_frozen_cure(f);
	for (i = 0; i < f->nr; i++) {
		r = thaw_thread(f, &f->th[i]);
		ret = ret ? ret : r;
	}
	pr_debug("process %d: thawed", (int)f->pid);
	free_frozen(f);
	return ret;
}
