/*
 * Unit tests of opening a checkpoint's files under a root: absolute and relative symlinks
 * and ".." resolve inside the root even where the host has a file of the same path.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/elf-file.h"
#include "util/err.h"
#include "util/root-path.h"

/* The host side: dir/secret says "host"; dir/root is the root, where the same path says "root". */
static char dir[] = "/tmp/lup-test-root.XXXXXX";
static char root[sizeof(dir) + 8];

static const char *fmt(const char *f, ...)
{
	static char buf[4][512];
	static int next;
	char *p = buf[next++ % 4];
	va_list ap;

	va_start(ap, f);
	vsnprintf(p, 512, f, ap);
	va_end(ap);
	return p;
}

static int write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	fputs(text, f);
	return fclose(f);
}

static int build_all(void **state)
{
	if (!mkdtemp(dir))
		return -1;
	snprintf(root, sizeof(root), "%s/root", dir);
	if (system(fmt("mkdir -p %s%s %s/bin && cp /proc/%d/exe %s/bin/prog", root, dir, root,
		       (int)getpid(), root)))
		return -1;
	if (write_file(fmt("%s/secret", dir), "host") ||
	    write_file(fmt("%s%s/secret", root, dir), "root") ||
	    write_file(fmt("%s/text", root), "text"))
		return -1;
	/* absolute: on the host, abs names the host's file and /bin/prog nothing */
	return symlink(fmt("%s/secret", dir), fmt("%s/abs", root)) ||
	       symlink(fmt("../../../../../..%s/secret", dir), fmt("%s/rel", root)) ||
	       symlink("/bin/prog", fmt("%s/bin/abs-prog", root)) ? -1 : 0;
}

static int remove_all(void **state)
{
	return system(fmt("rm -rf %s", dir));
}

/* The first bytes of path opened under r, or the negative errno of lup_root_open. */
static int read_under(const char *r, const char *path, char *buf, size_t len)
{
	int fd = lup_root_open(r, path);
	ssize_t n;

	if (fd < 0)
		return fd;
	memset(buf, 0, len);
	n = read(fd, buf, len - 1);
	close(fd);
	return n < 0 ? -errno : 0;
}

static void test_absolute_symlink_stays_inside(void **state)
{
	char buf[16];

	assert_int_equal(read_under(root, "/abs", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "root");
	assert_int_equal(read_under(root, "/rel", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "root");
}

static void test_dotdot_cannot_escape(void **state)
{
	char buf[16];

	assert_int_equal(read_under(root, "/../secret", buf, sizeof(buf)), -ENOENT);
	assert_int_equal(read_under(root, fmt("/../../..%s/secret", dir), buf, sizeof(buf)), 0);
	assert_string_equal(buf, "root");
}

static void test_host_root(void **state)
{
	char buf[16];

	assert_int_equal(read_under(NULL, fmt("%s/secret", dir), buf, sizeof(buf)), 0);
	assert_string_equal(buf, "host");
	assert_int_equal(read_under("/", fmt("%s/root/abs", dir), buf, sizeof(buf)), 0);
	assert_string_equal(buf, "host");
	assert_int_equal(read_under(fmt("%s/missing", dir), "/abs", buf, sizeof(buf)), -ENOENT);
}

static void test_elf_under_root(void **state)
{
	struct lup_elf *e = NULL;

	assert_int_equal(lup_root_elf_open(root, "/bin/abs-prog", &e), 0);
	assert_string_equal(lup_elf_path(e), fmt("%s/bin/abs-prog", root));
	lup_elf_close(e);
	e = NULL;
	assert_int_equal(lup_root_elf_open(root, "/text", &e), -LUP_EBADELF);
	assert_int_equal(lup_root_elf_open(root, "/../secret", &e), -ENOENT);
	assert_null(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_absolute_symlink_stays_inside),
		cmocka_unit_test(test_dotdot_cannot_escape),
		cmocka_unit_test(test_host_root),
		cmocka_unit_test(test_elf_under_root),
	};

	return cmocka_run_group_tests(tests, build_all, remove_all);
}
