/* Running system calls in a frozen process and reading and writing its memory. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <unistd.h>

#include <compel/infect.h>

#include "live/freeze-priv.h"
#include "live/freeze.h"
#include "util/log.h"

int lup_frozen_read_mem(struct lup_frozen *f, uint64_t addr, void *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = pread(f->mem_fd, (char *)buf + done, len - done, (off_t)(addr + done));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -EFAULT;
		done += (size_t)n;
	}
	return 0;
}

static int prepare_ctl(struct lup_frozen *f)
{
	/*
	 * Any thread will do, also one inside ppoll/pselect6/epoll_pwait/sigsuspend with a
	 * temporary signal mask: compel reads the mask with PTRACE_GETSIGMASK, which gives
	 * the saved mask then, and PTRACE_SETSIGMASK drops the temporary one (Linux >= 5.2);
	 * the call, restarted or rewound, installs it again.
	 */
	struct frozen_thread *t = &f->th[0];

	lup_compel_last[0] = '\0';
	f->ctl = compel_prepare(t->t.tid, true);
	if (!f->ctl) {
		pr_err("process %d: thread %d: compel cannot prepare remote calls: %s", (int)f->pid, (int)t->t.tid,
		       lup_compel_last[0] ? lup_compel_last : "failed");
		return -EIO;
	}
	f->ctl_thread = (size_t)(t - f->th);
	if (f->call_site)
		compel_infect_ctx(f->ctl)->syscall_ip = f->call_site;
	/* compel aborted a restartable sequence the thread was in (rseq): keep its ip. */
	if (ptrace(PTRACE_GETREGS, t->t.tid, NULL, &t->base) == 0 && t->base.rip != t->t.regs.rip) {
		t->resume = t->base;
		t->t.resume_ip = t->base.rip;
		t->t.rewound = false;
	}
	return 0;
}

void lup_frozen_set_call_site(struct lup_frozen *f, uint64_t addr)
{
	f->call_site = addr;
	if (f->ctl)
		compel_infect_ctx(f->ctl)->syscall_ip = addr;
}

/* compel put the registers back; check, and put them back ourselves if not. */
static void check_regs_back(struct lup_frozen *f, struct frozen_thread *t)
{
	struct user_regs_struct now;

	if (ptrace(PTRACE_GETREGS, t->t.tid, NULL, &now) == 0 && !memcmp(&now, &t->base, sizeof(now)))
		return;
	pr_debug("process %d: thread %d: registers differ after a remote call: set back", (int)f->pid, (int)t->t.tid);
	if (ptrace(PTRACE_SETREGS, t->t.tid, NULL, &t->base))
		pr_warn("process %d: thread %d: cannot set registers back: %s", (int)f->pid, (int)t->t.tid, strerror(errno));
}

int lup_frozen_syscall(struct lup_frozen *f, long nr, unsigned long *ret, const unsigned long a[6])
{
	long r = 0;
	int err;

	if (!f->ctl) {
		err = prepare_ctl(f);
		if (err)
			return err;
	}
	lup_compel_last[0] = '\0';
	err = compel_syscall(f->ctl, (int)nr, &r, a[0], a[1], a[2], a[3], a[4], a[5]);
	check_regs_back(f, &f->th[f->ctl_thread]);
	if (err) {
		pr_err("process %d: remote call %ld failed: %s", (int)f->pid, nr, lup_compel_last[0] ? lup_compel_last : "compel error");
		return -EIO;
	}
	*ret = (unsigned long)r;
	return 0;
}

int lup_frozen_read(struct lup_frozen *f, uint64_t addr, void *buf, size_t len)
{
	int ret = lup_frozen_read_mem(f, addr, buf, len);

	if (ret)
		pr_err("process %d: cannot read %zu bytes at %#" PRIx64, (int)f->pid, len, addr);
	return ret;
}

int lup_frozen_write(struct lup_frozen *f, uint64_t addr, const void *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = pwrite(f->mem_fd, (const char *)buf + done, len - done, (off_t)(addr + done));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			pr_err("process %d: cannot write %zu bytes at %#" PRIx64 ": %s", (int)f->pid, len, addr + done,
			       n < 0 ? strerror(errno) : "short write");
			return -EFAULT;
		}
		done += (size_t)n;
	}
	return 0;
}

/* compel_cure frees neither the socket nor the regs buffer compel_prepare made. */
int lup_frozen_cure(struct lup_frozen *f)
{
	struct infect_ctx *ictx = compel_infect_ctx(f->ctl);

	if (ictx->sock >= 0)
		close(ictx->sock);
	ictx->sock = -1;
	free(ictx->regs_arg);
	ictx->regs_arg = NULL;
	lup_compel_last[0] = '\0';
	if (compel_cure(f->ctl)) {
		pr_err("process %d: compel cannot undo its preparation: %s", (int)f->pid,
		       lup_compel_last[0] ? lup_compel_last : "failed");
		f->ctl = NULL;
		return -EIO;
	}
	f->ctl = NULL;
	return 0;
}

