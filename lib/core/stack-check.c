/*
 * The stack check: every thread of a process view unwound with libunwind over lup's own
 * accessors (the thread's registers, the view's memory, the unwind tables of the ELF
 * file mapped at each ip) and each address checked against the functions being
 * replaced. The same code checks a dumped process and a live, stopped one.
 */
#define UNW_REMOTE_ONLY
#include <errno.h>
#include <inttypes.h>
#include <libunwind.h>
#include <string.h>

#include "util/err.h"
#include "util/log.h"
#include "core/stack-check.h"
#include "core/remote-elf.h"
#include "core/view.h"

/* libunwind exports it but declares it only in its private headers. */
extern int _Ux86_64_dwarf_search_unwind_table(unw_addr_space_t as, unw_word_t ip, unw_dyn_info_t *di,
					      unw_proc_info_t *pi, int need_unwind_info, void *arg);

#define MAX_FRAMES 512
#define MAX_SCAN (64ul << 20)	/* bytes of stack scanned at most */

/* The thread being unwound, in the view of its process. */
struct unwind_src {
	const uint64_t *regs;
	struct lup_view *v;
};

static int read_view(void *arg, uint64_t addr, void *buf, size_t len)
{
	return lup_view_read(arg, addr, buf, len);
}

/*
 * 0 and the mapping start of the file's offset 0 plus the end of the mapping of ip;
 * -ENOENT when no ELF file (nor the vDSO) is mapped at ip.
 */
static int elf_at(const struct lup_view *v, uint64_t ip, uint64_t *head, uint64_t *end)
{
	const struct lup_view_map *m = lup_view_find(v, ip), *h;

	if (!m || (m->file < 0 && !m->vdso))
		return -ENOENT;
	*end = m->end;
	*head = m->start;
	if (m->vdso)
		return 0;
	h = lup_view_file_head(v, m);
	if (!h)
		return -ENOENT;
	*head = h->start;
	return 0;
}

/* .eh_frame_hdr encodings lup's binary search needs (what every linker writes). */
#define EH_PE_PCREL_SDATA4 0x1b
#define EH_PE_UDATA4 0x03
#define EH_PE_DATAREL_SDATA4 0x3b

/* The binary search table of the ELF file mapped at ip, as libunwind's remote table. */
static int eh_table(struct unwind_src *u, unw_word_t ip, unw_dyn_info_t *di)
{
	struct lup_remote_elf e;
	const Elf64_Phdr *ph;
	uint64_t head, end, at;
	uint8_t hdr[4];
	uint32_t count;

	if (elf_at(u->v, ip, &head, &end) || lup_remote_elf_read(read_view, u->v, head, &e) ||
	    !(ph = lup_remote_elf_phdr(&e, PT_GNU_EH_FRAME)))
		return -UNW_ENOINFO;
	at = e.bias + ph->p_vaddr;
	if (lup_view_read(u->v, at, hdr, sizeof(hdr)) || hdr[0] != 1 ||
	    hdr[1] != EH_PE_PCREL_SDATA4 || hdr[2] != EH_PE_UDATA4 || hdr[3] != EH_PE_DATAREL_SDATA4 ||
	    lup_view_read(u->v, at + 8, &count, sizeof(count)))
		return -UNW_ENOINFO;
	memset(di, 0, sizeof(*di));
	di->format = UNW_INFO_FORMAT_REMOTE_TABLE;
	di->start_ip = head;
	di->end_ip = end;
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
	struct unwind_src *u = arg;

	if (write)
		return -UNW_EREADONLYREG;
	return lup_view_read(u->v, addr, val, sizeof(*val)) ? -UNW_EINVAL : 0;
}

static int access_reg(unw_addr_space_t as, unw_regnum_t reg, unw_word_t *val, int write, void *arg)
{
	struct unwind_src *u = arg;

	if (reg < 0 || reg >= LUP_NR_REGS)
		return -UNW_EBADREG;
	if (write)
		return -UNW_EREADONLYREG;
	*val = u->regs[reg];
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

static unw_accessors_t accessors = {
	.find_proc_info = find_proc_info,
	.put_unwind_info = put_unwind_info,
	.get_dyn_info_list_addr = get_dyn_info_list_addr,
	.access_mem = access_mem,
	.access_reg = access_reg,
	.access_fpreg = access_fpreg,
	.resume = resume,
	.get_proc_name = get_proc_name,
};

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

/* Frame by frame; *complete when the outermost frame was reached. */
static int walk(unw_addr_space_t as, struct unwind_src *src, pid_t pid, pid_t tid,
		const struct lup_range *ranges, size_t nr, bool *complete)
{
	const struct lup_range *r;
	unw_proc_info_t pi;
	unw_cursor_t c;
	unw_word_t ip;
	int depth, ret;

	if (unw_init_remote(&c, as, src) < 0)
		return 0;
	for (depth = 0; depth < MAX_FRAMES; depth++) {
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

/*
 * Unwinds the thread of src in as, checking its ip and every return address. 0 or
 * -LUP_EBUSY (reported); *complete is false when the chain stopped before its outermost
 * frame or crossed a frame without unwind info (libunwind then guesses).
 */
static int stack_walk(unw_addr_space_t as, struct unwind_src *src, pid_t pid, pid_t tid,
		      const struct lup_range *ranges, size_t nr, bool *complete)
{
	*complete = false;
	return walk(as, src, pid, tid, ranges, nr, complete);
}

/* Checks every 8-byte word of [sp, end) against the ranges. */
static int stack_scan(struct lup_view *v, uint64_t sp, uint64_t end, pid_t tid,
		      const struct lup_range *ranges, size_t nr)
{
	uint64_t buf[512], a;
	const struct lup_range *r;
	size_t i, n;

	sp &= ~7ull;
	if (end > sp + MAX_SCAN)
		end = sp + MAX_SCAN;
	for (a = sp; a < end; a += n * 8) {
		n = (end - a) / 8 < 512 ? (end - a) / 8 : 512;
		if (lup_view_read(v, a, buf, n * 8))
			return 0;	/* the rest of the stack is not readable: nothing to find there */
		for (i = 0; i < n; i++) {
			r = range_of(ranges, nr, buf[i]);
			/* A function's own start is a pointer to it, never a return address. */
			if (r && buf[i] != r->start)
				return busy(v->pid, tid, r, "stack word", buf[i]);
		}
	}
	return 0;
}

static int check_thread(unw_addr_space_t as, struct lup_view *v, const struct lup_view_thread *t,
			const struct lup_range *ranges, size_t nr)
{
	struct unwind_src u = { .regs = t->regs, .v = v };
	const struct lup_view_map *stack;
	bool complete;
	int ret = stack_walk(as, &u, v->pid, t->tid, ranges, nr, &complete);

	/*
	 * Where unwinding stopped early (code without unwind info, a corrupt frame), any
	 * word of the rest of the stack may be a return address: scan them all. This may
	 * refuse a patch needlessly (a stale value), never let an unsafe one through.
	 */
	stack = lup_view_find(v, t->regs[UNW_X86_64_RSP]);
	if (!ret && !complete && stack)
		ret = stack_scan(v, t->regs[UNW_X86_64_RSP], stack->end, t->tid, ranges, nr);
	return ret;
}

/*
 * One address space for all the threads of v: they share their memory and code, so what
 * libunwind caches of one thread's unwind tables serves the others. The cache lives and
 * dies with the address space: nothing of one process is ever used for another.
 */
int lup_stack_check(struct lup_view *v, const struct lup_range *ranges, size_t nr)
{
	unw_addr_space_t as;
	int ret = 0;

	if (!v->nr_threads)
		return 0;
	as = unw_create_addr_space(&accessors, 0);
	if (!as) {
		pr_err("%s: cannot set up libunwind", v->who);
		return -ENOMEM;
	}
	for (size_t i = 0; !ret && i < v->nr_threads; i++)
		ret = check_thread(as, v, &v->threads[i], ranges, nr);
	unw_destroy_addr_space(as);
	return ret;
}
