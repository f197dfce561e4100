/*
 * The stack check of a dumped thread: registers from core-TID.img, memory through
 * lup_mem, and the ELF file at each ip from the VMAs of mm-PID.img.
 */
#define UNW_REMOTE_ONLY
#include <errno.h>
#include <libunwind.h>

#include "dump.h"
#include "err.h"
#include "log.h"
#include "mem.h"
#include "stack-walk.h"
#include "vma.h"

static int read_mem(void *arg, uint64_t addr, void *buf, size_t len)
{
	return lup_mem_read(arg, addr, buf, len);
}

static int elf_at(void *arg, uint64_t ip, uint64_t *head, uint64_t *end)
{
	const MmEntry *mm = arg;
	const VmaEntry *v = lup_vma_find(mm, ip), *h;

	if (!v || !lup_vma_is_file(v) || !(h = lup_vma_file_head(mm, v)))
		return -ENOENT;
	*head = h->start;
	*end = v->end;
	return 0;
}

/* The registers by libunwind's numbers. */
static void get_regs(const UserX86RegsEntry *r, uint64_t *regs)
{
	regs[UNW_X86_64_RAX] = r->ax;
	regs[UNW_X86_64_RDX] = r->dx;
	regs[UNW_X86_64_RCX] = r->cx;
	regs[UNW_X86_64_RBX] = r->bx;
	regs[UNW_X86_64_RSI] = r->si;
	regs[UNW_X86_64_RDI] = r->di;
	regs[UNW_X86_64_RBP] = r->bp;
	regs[UNW_X86_64_RSP] = r->sp;
	regs[UNW_X86_64_R8] = r->r8;
	regs[UNW_X86_64_R9] = r->r9;
	regs[UNW_X86_64_R10] = r->r10;
	regs[UNW_X86_64_R11] = r->r11;
	regs[UNW_X86_64_R12] = r->r12;
	regs[UNW_X86_64_R13] = r->r13;
	regs[UNW_X86_64_R14] = r->r14;
	regs[UNW_X86_64_R15] = r->r15;
	regs[UNW_X86_64_RIP] = r->ip;
}

int lup_stack_check_image(const struct lup_dump *d, const struct lup_proc *p,
			  const struct lup_thread *t, struct lup_mem *m,
			  const struct lup_range *ranges, size_t nr)
{
	struct lup_unwind_src u = { .rd = read_mem, .rd_arg = m, .elf_at = elf_at,
				    .elf_arg = p->mm };
	const VmaEntry *stack;
	bool complete;
	int ret;

	if (!t->core->thread_info || !t->core->thread_info->gpregs) {
		pr_err("%s: no x86-64 registers", t->img->path);
		return -LUP_EBADIMG;
	}
	get_regs(t->core->thread_info->gpregs, u.regs);
	ret = lup_stack_walk(&u, p->pid, t->tid, ranges, nr, &complete);
	/*
	 * Where unwinding stopped early (code without unwind info, a corrupt frame), any
	 * word of the rest of the stack may be a return address: scan them all. This may
	 * refuse a patch needlessly (a stale value), never let an unsafe one through.
	 */
	stack = lup_vma_find(p->mm, u.regs[UNW_X86_64_RSP]);
	if (!ret && !complete && stack)
		ret = lup_stack_scan(read_mem, m, u.regs[UNW_X86_64_RSP], stack->end, p->pid, t->tid,
				     ranges, nr);
	return ret;
}
