/*
 * The stack check of live, ptrace-stopped threads: registers by PTRACE_GETREGS, memory
 * by process_vm_readv through a page cache, and the ELF file at each ip from
 * /proc/PID/maps (lib/proc-maps.c). The threads of a process share its memory: the maps
 * are read and the cache filled once for all of them. libunwind-ptrace would do that
 * work per frame (reading the maps, mapping each ELF file, a ptrace call per word read).
 */
#define UNW_REMOTE_ONLY
#include <errno.h>
#include <stdbool.h>
#include <libunwind.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/user.h>

#include "err.h"
#include "log.h"
#include "page-cache.h"
#include "pagemap.h"
#include "proc-maps.h"
#include "stack-walk.h"

struct live {
	pid_t pid;
	struct lup_proc_maps maps;
};

static bool is_vdso(const struct lup_proc_map *m)
{
	return m->name && !strcmp(m->name, "[vdso]");
}

static int elf_at(void *arg, uint64_t ip, uint64_t *head, uint64_t *end)
{
	const struct live *l = arg;
	const struct lup_proc_map *m = lup_proc_maps_find(&l->maps, ip), *h;
	size_t i;

	if (!m || (!m->ino && !is_vdso(m)))
		return -ENOENT;
	*end = m->end;
	*head = m->start;
	if (is_vdso(m))
		return 0;
	/* Segments of one file are mapped upwards from its header: search down from m. */
	for (i = (size_t)(m - l->maps.m) + 1; i-- > 0;) {
		h = &l->maps.m[i];
		if (h->ino == m->ino && h->dev == m->dev && h->off == 0) {
			*head = h->start;
			return 0;
		}
	}
	return -ENOENT;
}

/* A whole page for the cache; -EFAULT when it is not mapped readable. */
static int fill_page(void *arg, uint64_t vaddr, uint8_t *page)
{
	const struct live *l = arg;
	struct iovec local = { page, LUP_PAGE_SIZE }, remote = { (void *)(uintptr_t)vaddr, LUP_PAGE_SIZE };

	return process_vm_readv(l->pid, &local, 1, &remote, 1, 0) == (ssize_t)LUP_PAGE_SIZE ? 0 : -EFAULT;
}

static int read_cached(void *arg, uint64_t addr, void *buf, size_t len)
{
	return lup_page_cache_read(arg, addr, buf, len);
}

static void get_regs(const struct user_regs_struct *r, uint64_t *regs)
{
	regs[UNW_X86_64_RAX] = r->rax;
	regs[UNW_X86_64_RDX] = r->rdx;
	regs[UNW_X86_64_RCX] = r->rcx;
	regs[UNW_X86_64_RBX] = r->rbx;
	regs[UNW_X86_64_RSI] = r->rsi;
	regs[UNW_X86_64_RDI] = r->rdi;
	regs[UNW_X86_64_RBP] = r->rbp;
	regs[UNW_X86_64_RSP] = r->rsp;
	regs[UNW_X86_64_R8] = r->r8;
	regs[UNW_X86_64_R9] = r->r9;
	regs[UNW_X86_64_R10] = r->r10;
	regs[UNW_X86_64_R11] = r->r11;
	regs[UNW_X86_64_R12] = r->r12;
	regs[UNW_X86_64_R13] = r->r13;
	regs[UNW_X86_64_R14] = r->r14;
	regs[UNW_X86_64_R15] = r->r15;
	regs[UNW_X86_64_RIP] = r->rip;
}

static int check_thread(struct live *l, struct lup_page_cache *c, pid_t tid,
			const struct lup_range *ranges, size_t nr)
{
	struct lup_unwind_src u = { .rd = read_cached, .rd_arg = c, .elf_at = elf_at, .elf_arg = l };
	const struct lup_proc_map *stack;
	struct user_regs_struct regs;
	bool complete;
	int ret;

	if (ptrace(PTRACE_GETREGS, tid, NULL, &regs) < 0) {
		ret = -errno;
		pr_err("thread %d: PTRACE_GETREGS: %s", tid, strerror(errno));
		return ret;
	}
	get_regs(&regs, u.regs);
	ret = lup_stack_walk(&u, l->pid, tid, ranges, nr, &complete);
	/* Conservative where the chain is incomplete: any word of the stack may be a return address. */
	stack = lup_proc_maps_find(&l->maps, regs.rsp);
	if (!ret && !complete && stack)
		ret = lup_stack_scan(read_cached, c, regs.rsp, stack->end, l->pid, tid, ranges, nr);
	return ret;
}

int lup_stack_check_ptrace(pid_t pid, const pid_t *tids, size_t nr_tids,
			   const struct lup_range *ranges, size_t nr)
{
	struct live l = { .pid = pid };
	struct lup_page_cache *c = NULL;
	int ret = lup_proc_maps_read(pid, &l.maps);

	if (ret == -ENOENT)
		pr_err("process %d: gone", pid);
	if (!ret)
		ret = lup_page_cache_new(fill_page, &l, &c);
	for (size_t i = 0; !ret && i < nr_tids; i++)
		ret = check_thread(&l, c, tids[i], ranges, nr);
	lup_page_cache_free(c);
	lup_proc_maps_free(&l.maps);
	return ret;
}
