/*
 * The stack check of a dumped thread: libunwind over lup's own accessors, with
 * registers from core-TID.img, memory through lup_mem, and unwind tables found from
 * the PT_GNU_EH_FRAME header of the ELF file mapped at each ip.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "dump.h"
#include "err.h"
#include "log.h"
#include "mem.h"
#include "stack-walk.h"
#include "vma.h"

/* libunwind exports it but declares it only in its private headers. */
extern int _Ux86_64_dwarf_search_unwind_table(unw_addr_space_t as, unw_word_t ip, unw_dyn_info_t *di,
					      unw_proc_info_t *pi, int need_unwind_info, void *arg);

/* .eh_frame_hdr encodings lup's binary search needs (what every linker writes). */
#define EH_PE_PCREL_SDATA4 0x1b
#define EH_PE_UDATA4 0x03
#define EH_PE_DATAREL_SDATA4 0x3b

struct image_unwind {
	const MmEntry *mm;
	const UserX86RegsEntry *regs;
	struct lup_mem *mem;
};

static int read_mem(void *arg, uint64_t addr, void *buf, size_t len)
{
	return lup_mem_read(arg, addr, buf, len);
}

/* The binary search table of the file mapped at ip, as libunwind's remote table. */
static int eh_table(struct image_unwind *u, unw_word_t ip, unw_dyn_info_t *di)
{
	const VmaEntry *v = lup_vma_find(u->mm, ip), *head;
	struct lup_remote_elf e;
	const Elf64_Phdr *ph;
	uint8_t hdr[4];
	uint32_t count;
	uint64_t at;

	if (!v || !lup_vma_is_file(v) || !(head = lup_vma_file_head(u->mm, v)))
		return -UNW_ENOINFO;
	if (lup_remote_elf_read(read_mem, u->mem, head->start, &e) ||
	    !(ph = lup_remote_elf_phdr(&e, PT_GNU_EH_FRAME)))
		return -UNW_ENOINFO;
	at = e.bias + ph->p_vaddr;
	if (lup_mem_read(u->mem, at, hdr, sizeof(hdr)) || hdr[0] != 1 ||
	    hdr[1] != EH_PE_PCREL_SDATA4 || hdr[2] != EH_PE_UDATA4 || hdr[3] != EH_PE_DATAREL_SDATA4 ||
	    lup_mem_read(u->mem, at + 8, &count, sizeof(count)))
		return -UNW_ENOINFO;
	memset(di, 0, sizeof(*di));
	di->format = UNW_INFO_FORMAT_REMOTE_TABLE;
	di->start_ip = head->start;
	di->end_ip = v->end;
	di->u.rti.segbase = at;
	di->u.rti.table_data = at + 12;
	di->u.rti.table_len = (uint64_t)count * 8 / sizeof(unw_word_t);
	return 0;
}

static int find_proc_info(unw_addr_space_t as, unw_word_t ip, unw_proc_info_t *pi,
			  int need_unwind_info, void *arg)
{
	unw_dyn_info_t di;
	int ret = eh_table(arg, ip, &di);

	if (ret)
		return ret;
	return _Ux86_64_dwarf_search_unwind_table(as, ip, &di, pi, need_unwind_info, arg);
}

/* libunwind keeps what dwarf_search_unwind_table allocated in its own pool. */
static void put_unwind_info(unw_addr_space_t as, unw_proc_info_t *pi, void *arg)
{
}

static int get_dyn_info_list_addr(unw_addr_space_t as, unw_word_t *addr, void *arg)
{
	return -UNW_ENOINFO;
}

static int access_mem(unw_addr_space_t as, unw_word_t addr, unw_word_t *val, int write, void *arg)
{
	struct image_unwind *u = arg;

	if (write)
		return -UNW_EREADONLYREG;
	return lup_mem_read(u->mem, addr, val, sizeof(*val)) ? -UNW_EINVAL : 0;
}

static const uint64_t *reg_slot(const UserX86RegsEntry *r, unw_regnum_t reg)
{
	switch (reg) {
	case UNW_X86_64_RAX: return &r->ax;
	case UNW_X86_64_RDX: return &r->dx;
	case UNW_X86_64_RCX: return &r->cx;
	case UNW_X86_64_RBX: return &r->bx;
	case UNW_X86_64_RSI: return &r->si;
	case UNW_X86_64_RDI: return &r->di;
	case UNW_X86_64_RBP: return &r->bp;
	case UNW_X86_64_RSP: return &r->sp;
	case UNW_X86_64_R8: return &r->r8;
	case UNW_X86_64_R9: return &r->r9;
	case UNW_X86_64_R10: return &r->r10;
	case UNW_X86_64_R11: return &r->r11;
	case UNW_X86_64_R12: return &r->r12;
	case UNW_X86_64_R13: return &r->r13;
	case UNW_X86_64_R14: return &r->r14;
	case UNW_X86_64_R15: return &r->r15;
	case UNW_X86_64_RIP: return &r->ip;
	default: return NULL;
	}
}

static int access_reg(unw_addr_space_t as, unw_regnum_t reg, unw_word_t *val, int write, void *arg)
{
	const uint64_t *slot = reg_slot(((struct image_unwind *)arg)->regs, reg);

	if (!slot)
		return -UNW_EBADREG;
	if (write)
		return -UNW_EREADONLYREG;
	*val = *slot;
	return 0;
}

static int access_fpreg(unw_addr_space_t as, unw_regnum_t reg, unw_fpreg_t *val, int write, void *arg)
{
	return -UNW_EBADREG;
}

static int resume(unw_addr_space_t as, unw_cursor_t *c, void *arg)
{
	return -UNW_EINVAL;
}

static int get_proc_name(unw_addr_space_t as, unw_word_t addr, char *buf, size_t len,
			 unw_word_t *off, void *arg)
{
	return -UNW_ENOINFO;
}

static unw_accessors_t image_accessors = {
	.find_proc_info = find_proc_info,
	.put_unwind_info = put_unwind_info,
	.get_dyn_info_list_addr = get_dyn_info_list_addr,
	.access_mem = access_mem,
	.access_reg = access_reg,
	.access_fpreg = access_fpreg,
	.resume = resume,
	.get_proc_name = get_proc_name,
};

int lup_stack_check_image(const struct lup_dump *d, const struct lup_proc *p,
			  const struct lup_thread *t, struct lup_mem *m,
			  const struct lup_range *ranges, size_t nr)
{
	struct image_unwind u = { .mm = p->mm, .mem = m };
	const VmaEntry *stack;
	unw_addr_space_t as;
	bool complete;
	int ret;

	if (!t->core->thread_info || !t->core->thread_info->gpregs) {
		pr_err("%s: no x86-64 registers", t->img->path);
		return -LUP_EBADIMG;
	}
	u.regs = t->core->thread_info->gpregs;
	as = unw_create_addr_space(&image_accessors, 0);
	if (!as)
		return -ENOMEM;
	ret = lup_stack_walk(as, &u, p->pid, t->tid, ranges, nr, &complete);
	unw_destroy_addr_space(as);
	/*
	 * Where unwinding stopped early (code without unwind info, a corrupt frame), any
	 * word of the rest of the stack may be a return address: scan them all. This may
	 * refuse a patch needlessly (a stale value), never let an unsafe one through.
	 */
	stack = lup_vma_find(p->mm, u.regs->sp);
	if (!ret && !complete && stack)
		ret = lup_stack_scan(read_mem, m, u.regs->sp, stack->end, p->pid, t->tid, ranges, nr);
	return ret;
}
