/*
 * The stack check: unwinding a thread's call chain with libunwind and checking each
 * address against the functions being replaced; the ptrace variant for live threads.
 */
#include <errno.h>
#include <inttypes.h>
#include <libunwind-ptrace.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/user.h>

#include "err.h"
#include "log.h"
#include "stack-walk.h"

static const struct lup_range *range_of(const struct lup_range *r, size_t nr, uint64_t a)
{
	size_t i;

	for (i = 0; i < nr; i++)
		if (a >= r[i].start && a < r[i].end)
			return &r[i];
	return NULL;
}

static int busy(pid_t pid, pid_t tid, const struct lup_range *r, const char *what, uint64_t a)
{
	pr_err("process %d thread %d is inside %s (%s 0x%" PRIx64 ")", pid, tid, r->name, what, a);
	return -LUP_EBUSY;
}

int lup_stack_walk(unw_addr_space_t as, void *arg, pid_t pid, pid_t tid,
		   const struct lup_range *ranges, size_t nr, bool *complete)
{
	const struct lup_range *r;
	unw_proc_info_t pi;
	unw_cursor_t c;
	unw_word_t ip;
	int depth, ret;

	*complete = false;
	if (unw_init_remote(&c, as, arg) < 0)
		return 0;
	for (depth = 0; depth < LUP_STACK_MAX_FRAMES; depth++) {
		if (unw_get_reg(&c, UNW_REG_IP, &ip) < 0)
			break;
		r = range_of(ranges, nr, ip);
		if (r)
			return busy(pid, tid, r, depth ? "return address" : "ip", ip);
		if (unw_get_proc_info(&c, &pi) < 0)
			break;
		ret = unw_step(&c);
		if (ret <= 0) {
			*complete = ret == 0;
			break;
		}
	}
	if (!*complete)
		pr_debug("process %d thread %d: call chain incomplete after %d frames", pid, tid, depth);
	return 0;
}

int lup_stack_scan(lup_read_fn rd, void *arg, uint64_t sp, uint64_t end, pid_t pid, pid_t tid,
		   const struct lup_range *ranges, size_t nr)
{
	uint64_t buf[512], a;
	const struct lup_range *r;
	size_t i, n;

	sp &= ~7ull;
	if (end > sp + LUP_STACK_MAX_SCAN)
		end = sp + LUP_STACK_MAX_SCAN;
	for (a = sp; a < end; a += n * 8) {
		n = (end - a) / 8 < 512 ? (end - a) / 8 : 512;
		if (rd(arg, a, buf, n * 8))
			return 0;	/* the rest of the stack is not readable: nothing to find there */
		for (i = 0; i < n; i++) {
			r = range_of(ranges, nr, buf[i]);
			/* A function's own start is a pointer to it, never a return address. */
			if (r && buf[i] != r->start)
				return busy(pid, tid, r, "stack word", buf[i]);
		}
	}
	return 0;
}

/* Live memory of a ptrace-stopped process. */
static int read_live(void *arg, uint64_t addr, void *buf, size_t len)
{
	struct iovec local = { buf, len }, remote = { (void *)(uintptr_t)addr, len };
	pid_t pid = *(pid_t *)arg;

	return process_vm_readv(pid, &local, 1, &remote, 1, 0) == (ssize_t)len ? 0 : -EFAULT;
}

/* End of the mapping holding sp, from /proc/TID/maps; 0 when none. */
static uint64_t live_stack_end(pid_t tid, uint64_t sp)
{
	unsigned long long s, e, found = 0;
	char path[64], line[512];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", tid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (!found && fgets(line, sizeof(line), f))
		if (sscanf(line, "%llx-%llx", &s, &e) == 2 && sp >= s && sp < e)
			found = e;
	fclose(f);
	return found;
}

static int scan_live(pid_t pid, pid_t tid, const struct lup_range *ranges, size_t nr)
{
	struct user_regs_struct regs;

	if (ptrace(PTRACE_GETREGS, tid, NULL, &regs) < 0) {
		pr_err("thread %d: PTRACE_GETREGS: %s", tid, strerror(errno));
		return -errno;
	}
	return lup_stack_scan(read_live, &pid, regs.rsp, live_stack_end(tid, regs.rsp), pid, tid,
			      ranges, nr);
}

int lup_stack_check_ptrace(pid_t pid, pid_t tid, const struct lup_range *ranges, size_t nr)
{
	unw_addr_space_t as;
	bool complete;
	void *upt;
	int ret;

	as = unw_create_addr_space(&_UPT_accessors, 0);
	upt = as ? _UPT_create(tid) : NULL;
	if (!upt) {
		pr_err("thread %d: cannot set up libunwind", tid);
		if (as)
			unw_destroy_addr_space(as);
		return -ENOMEM;
	}
	ret = lup_stack_walk(as, upt, pid, tid, ranges, nr, &complete);
	_UPT_destroy(upt);
	unw_destroy_addr_space(as);
	/* Conservative where the chain is incomplete: any word of the stack may be a return address. */
	if (!ret && !complete)
		ret = scan_live(pid, tid, ranges, nr);
	return ret;
}
