/*
 * The stack check: unwinding a thread's call chain with libunwind over lup's own
 * accessors (registers, memory and unwind tables from a struct lup_unwind_src) and
 * checking each address against the functions being replaced.
 */
#define UNW_REMOTE_ONLY
#include <errno.h>
#include <inttypes.h>
#include <libunwind.h>
#include <string.h>

#include "err.h"
#include "log.h"
#include "stack-walk.h"

/* libunwind exports it but declares it only in its private headers. */
extern int _Ux86_64_dwarf_search_unwind_table(unw_addr_space_t as, unw_word_t ip, unw_dyn_info_t *di,
					      unw_proc_info_t *pi, int need_unwind_info, void *arg);

/* .eh_frame_hdr encodings lup's binary search needs (what every linker writes). */
#define EH_PE_PCREL_SDATA4 0x1b
#define EH_PE_UDATA4 0x03
#define EH_PE_DATAREL_SDATA4 0x3b

/* The binary search table of the ELF file mapped at ip, as libunwind's remote table. */
static int eh_table(struct lup_unwind_src *u, unw_word_t ip, unw_dyn_info_t *di)
{
	struct lup_remote_elf e;
	const Elf64_Phdr *ph;
	uint64_t head, end, at;
	uint8_t hdr[4];
	uint32_t count;

	if (u->elf_at(u->elf_arg, ip, &head, &end) ||
	    lup_remote_elf_read(u->rd, u->rd_arg, head, &e) ||
	    !(ph = lup_remote_elf_phdr(&e, PT_GNU_EH_FRAME)))
		return -UNW_ENOINFO;
	at = e.bias + ph->p_vaddr;
	if (u->rd(u->rd_arg, at, hdr, sizeof(hdr)) || hdr[0] != 1 ||
	    hdr[1] != EH_PE_PCREL_SDATA4 || hdr[2] != EH_PE_UDATA4 || hdr[3] != EH_PE_DATAREL_SDATA4 ||
	    u->rd(u->rd_arg, at + 8, &count, sizeof(count)))
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
	struct lup_unwind_src *u = arg;

	if (write)
		return -UNW_EREADONLYREG;
	return u->rd(u->rd_arg, addr, val, sizeof(*val)) ? -UNW_EINVAL : 0;
}

static int access_reg(unw_addr_space_t as, unw_regnum_t reg, unw_word_t *val, int write, void *arg)
{
	struct lup_unwind_src *u = arg;

	if (reg < 0 || reg >= LUP_UNWIND_NR_REGS)
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
static int walk(unw_addr_space_t as, struct lup_unwind_src *src, pid_t pid, pid_t tid,
		const struct lup_range *ranges, size_t nr, bool *complete)
{
	const struct lup_range *r;
	unw_proc_info_t pi;
	unw_cursor_t c;
	unw_word_t ip;
	int depth, ret;

	if (unw_init_remote(&c, as, src) < 0)
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

int lup_stack_walk(struct lup_unwind_src *src, pid_t pid, pid_t tid,
		   const struct lup_range *ranges, size_t nr, bool *complete)
{
	unw_addr_space_t as = unw_create_addr_space(&accessors, 0);
	int ret;

	*complete = false;
	if (!as) {
		pr_err("process %d thread %d: cannot set up libunwind", pid, tid);
		return -ENOMEM;
	}
	ret = walk(as, src, pid, tid, ranges, nr, complete);
	unw_destroy_addr_space(as);
	return ret;
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
