/*
 * Builds and compilations in a tree. Each runs in a mount namespace of its own where
 * the tree is mounted over srcdir: both builds see the paths the target was built
 * with (__FILE__, debug info, absolute paths a configure step wrote), and a build that
 * writes through such a path writes its copy, never srcdir.
 */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <dirent.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/err.h"
#include "util/log.h"
#include "mkpatch/diff/build.h"
#include "mkpatch/diff/cc-wrap.h"

#define MAX_RECORD (1 << 20)

/* An unprivileged user gets a user namespace mapping them to root, for the mount. */
static int enter_namespace(void)
{
	uid_t uid = getuid();
	gid_t gid = getgid();
	char map[64];
	int fd;

	if (!unshare(CLONE_NEWNS))
		return 0;
	if (errno != EPERM || unshare(CLONE_NEWUSER | CLONE_NEWNS))
		return -errno;
	if ((fd = open("/proc/self/setgroups", O_WRONLY)) >= 0) {
		(void)!write(fd, "deny", 4);
		close(fd);
	}
	snprintf(map, sizeof(map), "0 %u 1", uid);
	if ((fd = open("/proc/self/uid_map", O_WRONLY)) < 0 || write(fd, map, strlen(map)) < 0)
		return -errno;
	close(fd);
	snprintf(map, sizeof(map), "0 %u 1", gid);
	if ((fd = open("/proc/self/gid_map", O_WRONLY)) < 0 || write(fd, map, strlen(map)) < 0)
		return -errno;
	close(fd);
	return 0;
}

static void child(const struct lup_diff_build *b, enum lup_tree t, const char *cwd,
		  char *const argv[], int out, bool wrap, const char *log)
{
	char self[PATH_MAX] = "";
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	sigset_t none;
	char *dir;

	self[n > 0 ? n : 0] = '\0';
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	dup2(out, 1);
	dup2(out, 2);
	if (enter_namespace() || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
	    mount(b->tree[t], b->srcdir, NULL, MS_BIND | MS_REC, NULL)) {
		fprintf(stderr, "lup-mkpatch: cannot mount %s over %s: %s\n", b->tree[t],
			b->srcdir, strerror(errno));
		_exit(126);
	}
	if (asprintf(&dir, "%s/%s", b->srcdir, cwd) < 0 || chdir(dir)) {
		fprintf(stderr, "lup-mkpatch: %s/%s: %s\n", b->srcdir, cwd, strerror(errno));
		_exit(126);
	}
	if (wrap && (lup_cc_cover(self) || setenv(LUP_CC_LOG_ENV, log, 1))) {
		fprintf(stderr, "lup-mkpatch: cannot put the compiler wrapper in place: %s\n",
			strerror(errno));
		_exit(126);
	}
	execvp(argv[0], argv);
	fprintf(stderr, "lup-mkpatch: %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

/* Runs argv in tree t at cwd (relative to srcdir); output appended to out_path. */
static int run_in_tree(const struct lup_diff_build *b, enum lup_tree t, const char *cwd,
		       char *const argv[], const char *out_path, const char *log)
{
	int out = open(out_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600), st;
	pid_t pid;

	if (out < 0)
		return -errno;
	pid = fork();
	if (pid == 0)
		child(b, t, cwd, argv, out, log != NULL, log);
	close(out);
	if (pid < 0)
		return -errno;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return st;
}

/* The last lines of a build's output, to say why it failed. */
static void show_tail(const char *path)
{
	char buf[4096];
	FILE *f = fopen(path, "re");
	size_t n = 0;

	if (!f)
		return;
	if (fseek(f, -(long)(sizeof(buf) - 1), SEEK_END))
		rewind(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	pr_err("%s (its end):\n%s", path, buf);
}

static const char *tree_name(enum lup_tree t)
{
	return t == LUP_TREE_ORIG ? "orig" : "fixed";
}

int lup_diff_run_build(struct lup_diff_build *b, enum lup_tree t)
{
	char name[32], *log, *out;
	int st;

	snprintf(name, sizeof(name), "log-%s", tree_name(t));
	log = lup_diff_work_path(b, name);
	snprintf(name, sizeof(name), "build-%s.out", tree_name(t));
	out = lup_diff_work_path(b, name);
	if (!log || !out || mkdir(log, 0700)) {
		st = log && out ? -errno : -ENOMEM;
		goto done;
	}
	st = run_in_tree(b, t, ".", (char *[]){ "sh", "-c", (char *)b->cmd, NULL }, out, log);
	if (st > 0 && (!WIFEXITED(st) || WEXITSTATUS(st))) {
		pr_err("%s: the build ('%s') of the %s tree failed (%s %d)", b->srcdir, b->cmd,
		       t == LUP_TREE_ORIG ? "original" : "fixed",
		       WIFEXITED(st) ? "exit status" : "signal",
		       WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
		show_tail(out);
		st = -LUP_EBADPATCH;
	}
done:
	free(log);
	free(out);
	return st;
}

/* Options of gcc whose value is the next argument (not a source). */
static bool takes_value(const char *opt)
{
	static const char *const with_value[] = {
		"-o", "-I", "-D", "-U", "-include", "-imacros", "-isystem", "-iquote",
		"-idirafter", "-iprefix", "-iwithprefix", "-isysroot", "-MF", "-MT", "-MQ", "-x",
		"-Xpreprocessor", "-Xassembler", "-Xlinker", "--param", "-aux-info", "-L", "-l",
		"-T", "-u", "-z", "-e", NULL,
	};

	for (const char *const *w = with_value; *w; w++)
		if (strcmp(opt, *w) == 0)
			return true;
	return false;
}

static bool is_source(const char *arg)
{
	static const char *const exts[] = {
		".c", ".cc", ".cpp", ".cxx", ".C", ".c++", ".cp", ".i", ".ii", ".s", ".S", ".sx", NULL,
	};
	const char *dot = strrchr(arg, '.');

	for (const char *const *e = exts; dot && *e; e++)
		if (strcmp(dot, *e) == 0)
			return true;
	return false;
}

/* "a/./b/../c" relative to srcdir from cwd (relative too) and path; NULL when outside. */
static char *inside(const char *srcdir, const char *cwd, const char *path)
{
	size_t len = strlen(srcdir);
	char *full, *out, *save = NULL;
	size_t n = 0;

	if (path[0] == '/') {
		if (strncmp(path, srcdir, len) || (path[len] != '/' && path[len]))
			return NULL;
		path += len;
		cwd = "";
	}
	if (asprintf(&full, "%s/%s", cwd, path) < 0)
		return NULL;
	out = calloc(1, strlen(full) + 2);
	for (char *c = out ? strtok_r(full, "/", &save) : NULL; c; c = strtok_r(NULL, "/", &save)) {
		if (strcmp(c, ".") == 0)
			continue;
		if (strcmp(c, "..") == 0) {
			char *slash = n ? strrchr(out, '/') : NULL;

			if (!n) {
				free(out);
				out = NULL;
				break;
			}
			n = slash ? (size_t)(slash - out) : 0;
			out[n] = '\0';
			continue;
		}
		n += (size_t)sprintf(out + n, "%s%s", n ? "/" : "", c);
	}
	free(full);
	return out;
}

/* The object and the source of a compilation, from its arguments. */
static int find_files(const char *srcdir, struct lup_cc_record *r)
{
	const char *obj = NULL, *src = NULL;
	char *derived = NULL;

	for (size_t i = 1; i < r->argc; i++) {
		const char *a = r->argv[i];

		if (strcmp(a, "-o") == 0 && i + 1 < r->argc)
			obj = r->argv[i + 1];
		else if (strncmp(a, "-o", 2) == 0 && a[2])
			obj = a + 2;
		if (a[0] == '-' && takes_value(a))
			i++;
		else if (a[0] != '-' && is_source(a))
			src = src ? "" : a;	/* several: without -o, one object each; not ours */
	}
	if (!src || !*src)
		return 0;
	if (!obj) {
		const char *base = strrchr(src, '/') ? strrchr(src, '/') + 1 : src;

		if (asprintf(&derived, "%.*s.o", (int)(strrchr(base, '.') - base), base) < 0)
			return -ENOMEM;
		obj = derived;
	}
	r->object = inside(srcdir, r->cwd, obj);
	r->source = inside(srcdir, r->cwd, src);
	free(derived);
	return 0;
}

static void record_free(struct lup_cc_record *r)
{
	free(r->cwd);
	for (size_t i = 0; r->argv && i < r->argc; i++)
		free(r->argv[i]);
	free(r->argv);
	free(r->object);
	free(r->source);
}

/* A record: the directory, then the arguments, each NUL-ended. */
static int parse_record(const char *srcdir, const char *buf, size_t len, struct lup_cc_record *r)
{
	size_t n = 0, start;
	char *rel;

	for (size_t i = 0; i < len; i++)
		n += !buf[i];
	if (n < 2 || buf[len - 1])
		return -EINVAL;
	r->argv = calloc(n, sizeof(*r->argv));
	if (!r->argv)
		return -ENOMEM;
	rel = inside(srcdir, "", buf);
	if (!rel)
		return -EINVAL;		/* built outside the tree */
	r->cwd = *rel ? rel : (free(rel), strdup("."));
	start = strlen(buf) + 1;
	for (; start < len; start += strlen(buf + start) + 1)
		if (!(r->argv[r->argc++] = strdup(buf + start)))
			return -ENOMEM;
	return r->cwd ? find_files(srcdir, r) : -ENOMEM;
}

static int read_record(const char *srcdir, int dirfd, const char *name, struct lup_cc_record *r)
{
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	char *buf = malloc(MAX_RECORD);
	ssize_t len = fd >= 0 && buf ? read(fd, buf, MAX_RECORD) : -1;
	int ret = len > 0 ? parse_record(srcdir, buf, (size_t)len, r) : -EINVAL;

	if (fd >= 0)
		close(fd);
	free(buf);
	return ret;
}

/* The later of two compilations of one object is what the tree holds. */
static int add_record(struct lup_cc_records *out, struct lup_cc_record *r)
{
	struct lup_cc_record *v;

	for (size_t i = 0; i < out->nr; i++)
		if (strcmp(out->v[i].object, r->object) == 0) {
			record_free(&out->v[i]);
			out->v[i] = *r;
			return 0;
		}
	v = realloc(out->v, (out->nr + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	out->v = v;
	out->v[out->nr++] = *r;
	return 0;
}

struct entry {
	char name[32];
	struct timespec when;
};

static int by_time(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;

	if (x->when.tv_sec != y->when.tv_sec)
		return x->when.tv_sec < y->when.tv_sec ? -1 : 1;
	return x->when.tv_nsec < y->when.tv_nsec ? -1 : x->when.tv_nsec > y->when.tv_nsec;
}

/* The records of a log directory, oldest first. */
static int list_log(DIR *d, struct entry **out, size_t *nr)
{
	struct dirent *de;
	struct stat st;

	*out = NULL;
	*nr = 0;
	while ((de = readdir(d))) {
		struct entry *e;

		if (strncmp(de->d_name, "cc.", 3) || strlen(de->d_name) >= sizeof(e->name) ||
		    fstatat(dirfd(d), de->d_name, &st, 0))
			continue;
		e = realloc(*out, (*nr + 1) * sizeof(**out));
		if (!e)
			return -ENOMEM;
		*out = e;
		strcpy(e[*nr].name, de->d_name);
		e[(*nr)++].when = st.st_mtim;
	}
	qsort(*out, *nr, sizeof(**out), by_time);
	return 0;
}

int lup_diff_records(const struct lup_diff_build *b, enum lup_tree t, struct lup_cc_records *out)
{
	char name[32], *log;
	struct entry *e = NULL;
	size_t nr = 0;
	DIR *d;
	int ret;

	memset(out, 0, sizeof(*out));
	snprintf(name, sizeof(name), "log-%s", tree_name(t));
	log = lup_diff_work_path(b, name);
	d = log ? opendir(log) : NULL;
	free(log);
	if (!d)
		return -ENOMEM;
	ret = list_log(d, &e, &nr);
	for (size_t i = 0; !ret && i < nr; i++) {
		struct lup_cc_record r = { 0 };
		int err = read_record(b->srcdir, dirfd(d), e[i].name, &r);

		if (err == -ENOMEM)
			ret = err;
		else if (err || !r.object || !r.source)
			record_free(&r);	/* not a compilation of one source in the tree */
		else if ((ret = add_record(out, &r)))
			record_free(&r);
	}
	free(e);
	closedir(d);
	return ret;
}

void lup_diff_records_free(struct lup_cc_records *r)
{
	for (size_t i = 0; i < r->nr; i++)
		record_free(&r->v[i]);
	free(r->v);
	memset(r, 0, sizeof(*r));
}

char *lup_diff_tree_path(const struct lup_diff_build *b, enum lup_tree t, const char *rel)
{
	char *p;

	return asprintf(&p, "%s/%s", b->tree[t], rel) < 0 ? NULL : p;
}

/* r's arguments, its -o replaced by out, then the wrapper's flags and extra. */
static char **compile_argv(const struct lup_cc_record *r, char *real, const char *const *extra,
			   const char *out)
{
	size_t n = 0, nr_extra = 0;
	char **argv;

	while (extra && extra[nr_extra])
		nr_extra++;
	argv = calloc(r->argc + lup_cc_nr_added_flags + nr_extra + 3, sizeof(*argv));
	if (!argv)
		return NULL;
	argv[n++] = real;
	for (size_t i = 1; i < r->argc; i++) {
		if (out && strcmp(r->argv[i], "-o") == 0) {
			i++;
			continue;
		}
		if (!out || strncmp(r->argv[i], "-o", 2))
			argv[n++] = r->argv[i];
	}
	for (unsigned i = 0; i < lup_cc_nr_added_flags; i++)
		argv[n++] = (char *)lup_cc_added_flags[i];
	for (size_t i = 0; i < nr_extra; i++)
		argv[n++] = (char *)extra[i];
	if (out) {
		argv[n++] = "-o";
		argv[n++] = (char *)out;
	}
	return argv;
}

int lup_diff_compile(const struct lup_diff_build *b, enum lup_tree t,
		     const struct lup_cc_record *r, const char *const *extra, const char *out)
{
	char *real = lup_cc_find(r->argv[0]), *log = lup_diff_work_path(b, "compile.out");
	char **argv = real ? compile_argv(r, real, extra, out) : NULL;
	int st = argv && log ? run_in_tree(b, t, r->cwd, argv, log, NULL) : -ENOMEM;

	if (!real)
		pr_err("%s: no compiler %s in PATH", r->source, r->argv[0]);
	if (st > 0 && (!WIFEXITED(st) || WEXITSTATUS(st))) {
		pr_err("%s: compiling it again (%s tree) failed", r->source, tree_name(t));
		show_tail(log);
		st = -LUP_EBADPATCH;
	}
	free(argv);
	free(real);
	free(log);
	return st;
}
