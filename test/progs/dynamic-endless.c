/*
 * Target of test/e2e/untrusted.sh: a counter whose in-memory program header table says
 * PT_DYNAMIC spans 8192 entries of a table with no DT_DEBUG and no DT_NULL (the process's
 * word is all lup has about it). The dynamic linker no longer reads it: the process runs on.
 */
#define _GNU_SOURCE	/* dl_iterate_phdr */
#include <link.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#define NR_ENTRIES 8192

static ElfW(Dyn) endless[NR_ENTRIES];

__attribute__((noinline, noipa)) long compute(long x)
{
	return x + 1;
}

/* The first object dl_iterate_phdr reports is the executable. */
static int point_dynamic_at_endless(struct dl_phdr_info *info, size_t size, void *arg)
{
	ElfW(Phdr) *ph = (ElfW(Phdr) *)info->dlpi_phdr;
	uintptr_t start = (uintptr_t)ph & ~(uintptr_t)4095;
	uintptr_t end = (uintptr_t)(ph + info->dlpi_phnum);

	if (mprotect((void *)start, end - start, PROT_READ | PROT_WRITE))
		return -1;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		if (ph[i].p_type == PT_DYNAMIC) {
			ph[i].p_vaddr = (uintptr_t)endless - info->dlpi_addr;
			ph[i].p_memsz = sizeof(endless);
			return 1;
		}
	}
	return -1;
}

int main(void)
{
	long counter = 0;

	for (int i = 0; i < NR_ENTRIES; i++)
		endless[i].d_tag = DT_NEEDED;
	if (dl_iterate_phdr(point_dynamic_at_endless, NULL) != 1) {
		perror("PT_DYNAMIC of the executable");
		return 1;
	}
	for (;;) {
		counter++;
		printf("%ld %ld\n", counter, compute(counter));
		fflush(stdout);
		usleep(20000);
	}
}
