/*
 * lup-rewrite --show: per process its threads (ip, sp), VMAs (range, protection, kind,
 * file and build-id) and a pagemap summary, as text or as one JSON document.
 */
#include <errno.h>
#include <stdbool.h>
#include <sys/mman.h>

#include "util/json.h"
#include "core/view.h"
#include "images/show.h"
#include "images/view-images.h"

struct vma_kind {
	uint32_t status;
	const char *name;
};

/* First match wins: special areas before the generic file/anon bits they may carry. */
static const struct vma_kind vma_kinds[] = {
	{ LUP_VMA_AREA_VDSO, "vdso" },
	{ LUP_VMA_AREA_VVAR, "vvar" },
	{ 1u << 2, "vsyscall" },
	{ LUP_VMA_AREA_HEAP, "heap" },
	{ 1u << 10, "sysvipc" },
	{ 1u << 11, "socket" },
	{ 1u << 13, "aio" },
	{ 1u << 14, "memfd" },
	{ LUP_VMA_FILE_PRIVATE | (1u << 7), "file" },
	{ 1u << 8, "shmem" },
	{ LUP_VMA_ANON_PRIVATE, "anon" },
};

static const char *vma_kind(const MmEntry *mm, const VmaEntry *v)
{
	size_t i;

	/* CRIU does not mark the main stack; the kernel's [stack] holds mm_start_stack */
	if (mm->mm_start_stack >= v->start && mm->mm_start_stack < v->end)
		return "stack";

	for (i = 0; i < sizeof(vma_kinds) / sizeof(vma_kinds[0]); i++)
		if (v->status & vma_kinds[i].status)
			return vma_kinds[i].name;
	return "other";
}

static void prot_str(const VmaEntry *v, char s[5])
{
	s[0] = v->prot & PROT_READ ? 'r' : '-';
	s[1] = v->prot & PROT_WRITE ? 'w' : '-';
	s[2] = v->prot & PROT_EXEC ? 'x' : '-';
	s[3] = v->flags & MAP_SHARED ? 's' : 'p';
	s[4] = '\0';
}

/* A JSON string literal (also used in text output, where quoting keeps odd paths readable). */
static const char *proc_comm(const struct lup_proc *p)
{
	size_t i;

	for (i = 0; i < p->nr_threads; i++)
		if (p->threads[i].core->tc)
			return p->threads[i].core->tc->comm;
	return "";
}

static void show_threads(const struct lup_proc *p, bool json, FILE *out)
{
	size_t i;

	for (i = 0; i < p->nr_threads; i++) {
		const UserX86RegsEntry *r = p->threads[i].core->thread_info->gpregs;

		if (json)
			fprintf(out, "%s{\"tid\": %d, \"ip\": \"0x%lx\", \"sp\": \"0x%lx\"}",
				i ? ", " : "", (int)p->threads[i].tid, (unsigned long)r->ip,
				(unsigned long)r->sp);
		else
			fprintf(out, "  thread %d ip 0x%lx sp 0x%lx\n", (int)p->threads[i].tid,
				(unsigned long)r->ip, (unsigned long)r->sp);
	}
}

/* CRIU packs the build-id bytes four to an element, little-endian. */
static void put_build_id(FILE *out, const RegFileEntry *rf)
{
	size_t i, b;

	for (i = 0; i < rf->n_build_id; i++)
		for (b = 0; b < 4; b++)
			fprintf(out, "%02x", (rf->build_id[i] >> (8 * b)) & 0xff);
}

static void show_vma(const struct lup_dump *d, const MmEntry *mm, const VmaEntry *v, bool json,
		     bool first, FILE *out)
{
	const char *kind = vma_kind(mm, v);
	const RegFileEntry *rf = NULL;
	char prot[5];

	prot_str(v, prot);
	if (v->status & (LUP_VMA_FILE_PRIVATE | (1u << 7)))
		rf = lup_dump_reg_file(d, v->shmid);
	if (json)
		fprintf(out, "%s\n    {\"start\": \"0x%lx\", \"end\": \"0x%lx\", \"prot\": \"%s\", "
			"\"kind\": \"%s\"", first ? "" : ",", (unsigned long)v->start,
			(unsigned long)v->end, prot, kind);
	else
		fprintf(out, "  vma %lx-%lx %s %s", (unsigned long)v->start, (unsigned long)v->end,
			prot, kind);
	if (rf) {
		fputs(json ? ", \"path\": " : " ", out);
		lup_json_str(out, rf->name);
		if (rf->n_build_id) {
			fputs(json ? ", \"build_id\": \"" : " build-id ", out);
			put_build_id(out, rf);
			fputs(json ? "\"" : "", out);
		}
	}
	fputs(json ? "}" : "\n", out);
}

static void show_pages(const struct lup_pagemap *pm, bool json, FILE *out)
{
	unsigned long present = 0, parent = 0, lazy = 0;
	size_t i;

	for (i = 0; i < pm->nr; i++) {
		if (pm->e[i].flags & LUP_PE_PRESENT)
			present += pm->e[i].nr_pages;
		if (pm->e[i].flags & LUP_PE_PARENT)
			parent += pm->e[i].nr_pages;
		if (pm->e[i].flags & LUP_PE_LAZY)
			lazy += pm->e[i].nr_pages;
	}
	if (json)
		fprintf(out, "{\"pages_id\": %u, \"present\": %lu, \"parent\": %lu, \"lazy\": %lu}",
			pm->pages_id, present, parent, lazy);
	else
		fprintf(out, "  pages present %lu parent %lu lazy %lu (pages-%u.img)\n", present,
			parent, lazy, pm->pages_id);
}

static void show_proc(const struct lup_dump *d, const struct lup_proc *p, bool json, FILE *out)
{
	size_t i;

	if (json) {
		fprintf(out, "  {\"pid\": %d, \"ppid\": %d, \"comm\": ", (int)p->pid, (int)p->ppid);
		lup_json_str(out, proc_comm(p));
		fputs(",\n   \"threads\": [", out);
	} else {
		fprintf(out, "process %d ppid %d comm ", (int)p->pid, (int)p->ppid);
		lup_json_str(out, proc_comm(p));
		fputc('\n', out);
	}
	show_threads(p, json, out);
	fputs(json ? "],\n   \"vmas\": [" : "", out);
	for (i = 0; i < p->mm->n_vmas; i++)
		show_vma(d, p->mm, p->mm->vmas[i], json, i == 0, out);
	fputs(json ? "],\n   \"pages\": " : "", out);
	show_pages(p->pagemap, json, out);
	fputs(json ? "}" : "", out);
}

int lup_show(const struct lup_dump *d, enum lup_show_format fmt, FILE *out)
{
	bool json = fmt == LUP_SHOW_JSON;
	size_t i;

	if (json) {
		fputs("{\"dir\": ", out);
		lup_json_str(out, d->dir);
		fputs(", \"processes\": [\n", out);
	}
	for (i = 0; i < d->nr_procs; i++) {
		if (json && i)
			fputs(",\n", out);
		show_proc(d, &d->procs[i], json, out);
	}
	fputs(json ? "\n]}\n" : "", out);
	return fflush(out) || ferror(out) ? -EIO : 0;
}

int lup_list_dump(const char *dir, const char *root, enum lup_list_format fmt, FILE *out)
{
	struct lup_dump *d;
	size_t i;
	int ret = lup_dump_open(dir, &d);

	if (ret)
		return ret;
	lup_list_begin(out, fmt);
	for (i = 0; !ret && i < d->nr_procs; i++) {
		struct lup_view v;

		ret = lup_view_images(d, &d->procs[i], root, &v);
		if (!ret) {
			ret = lup_list_view(out, fmt, i == 0, false, &v);
			ret = ret > 0 ? 0 : ret;
			lup_view_free(&v);
		}
	}
	lup_dump_close(d);
	return lup_list_end(out, fmt, ret);
}
