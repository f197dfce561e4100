/*
 * lup: the live-patching command (`lup patch`, `lup revert`, `lup list`, `lup recover`):
 * options, then lib/live/ does the work.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/list.h"
#include "core/patch.h"
#include "exit-status.h"
#include "live/container.h"
#include "live/live.h"
#include "live/proc.h"
#include "util/err.h"
#include "util/log.h"
#include "util/root-path.h"
#include "core/patch-sign.h"
#include "tool-setup.h"
#include "util/conf.h"
#include "worker.h"

#define DEFAULT_TRIES 10
#define DEFAULT_MAX_WAIT_S 10
#define DEFAULT_TIMEOUT_S 60

struct cmdline {
	const char *cmd;		/* "patch", "revert", "list" or "recover" */
	struct lup_live_opts live;
	const char **patch_paths;
	size_t nr_patch_paths;
	const char *plugin_dir;
	bool json, all;
	const char *checkpoint_only;	/* the first option given that only --checkpoint uses */
	char *plugin_dir_abs;		/* lup.so's directory, absolute (criu changes its own) */
	char *trusted_keys;		/* --trusted-keys, absolute */
	char *gdb_dir;			/* list --gdb DIR, absolute */
	const char *container;		/* --container ID: its init instead of a PID */
	bool every;			/* patch --every: each process that runs a target */
	struct lup_patch_bytes *patch_bytes;	/* each patch file as read and checked */
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: lup patch -p PATCH [-p PATCH ...] [options] PID|--container ID|--every [-- CRIU_OPTIONS...]\n"
		"       lup revert --id ID | --all [options] PID|--container ID [-- CRIU_OPTIONS...]\n"
		"       lup list [--json | --gdb DIR] [PID|--container ID]\n"
		"       lup recover PID | --all\n"
		"       lup check\n"
		"patch and revert change the running process tree rooted at PID: in place by\n"
		"default (each process stopped for a moment, written into, resumed), or with\n"
		"--checkpoint through criu dump, rewrite, criu restore. list prints the patches\n"
		"applied to it (no freeze; no PID: every patched process of the host). recover brings back the processes of --checkpoint\n"
		"runs that ended between their dump and their restore (lup killed). check says\n"
		"whether lup can run on this machine (criu, /run/lup, ptrace, lup.so, keys).\n"
		"  -p, --patch FILE      patch: a patch made by lup-mkpatch (repeatable)\n"
		"      --id ID           revert: the patch to take out\n"
		"      --all             revert: every applied patch, newest first;\n"
		"                        recover: every process left by a run\n"
		"      --tries N         tries at most while a thread is busy (default %d)\n"
		"      --max-wait SECS   total wait between tries (default %d)\n"
		"      --wait SECS       wait for another lup run on the tree (default: refuse)\n"
		"      --json            the result and step times (list: the patches) as JSON\n"
		"      --container ID    the tree of a running container (podman's or runc's\n"
		"                        name for it) instead of a PID; with --checkpoint,\n"
		"                        through the runtime's own checkpoint and restore\n"
		"      --every           patch: every process of the host that runs a patch's\n"
		"                        target (by build-id), each with its tree\n"
		"      --gdb DIR         list: each patch as an ELF file in DIR, and the gdb\n"
		"                        commands that load them: gdb -p PID -x <(lup list --gdb DIR PID)\n"
		"      --trusted-keys DIR  public keys of the patch signers (default:\n"
		"                        $LUP_TRUSTED_KEYS, else " LUP_TRUST_DEFAULT_DIR ")\n"
		"      --checkpoint      through CRIU: dump, rewrite the images, restore\n"
		"  with --checkpoint:\n"
		"      --criu PATH       the criu binary (default: $CRIU, else criu in PATH)\n"
		"      --plugin-dir DIR  where lup.so is, for the dump gate (default:\n"
		"                        $LUP_PLUGIN_DIR, else %s)\n"
		"      --images DIR      where the images go (default: a new directory under\n"
		"                        $TMPDIR or /var/tmp); kept on failure\n"
		"      --keep            keep the images after a success too\n"
		"      --timeout SECS    limit for each criu run (default %d)\n"
		"  -h, --help            this help\n"
		"Options after -- go to both criu dump and criu restore (e.g. --tcp-established);\n"
		"in place they are accepted and not used. See lup(1).\n",
		DEFAULT_TRIES, DEFAULT_MAX_WAIT_S, LUP_CRIU_PLUGIN_DIR, DEFAULT_TIMEOUT_S);
}

/* A whole number in [min, max], digits only (no sign, no blank); false (reported) otherwise. */
static bool parse_num(const char *opt, const char *s, long min, long max, long *out)
{
	char *end;

	errno = 0;
	*out = strtol(s, &end, 10);
	if (errno || s[0] < '0' || s[0] > '9' || *end || *out < min || *out > max) {
		fprintf(stderr, "lup: %s: not a number in %ld..%ld: '%s'\n", opt, min, max, s);
		return false;
	}
	return true;
}

static bool add_patch_path(struct cmdline *c, const char *path)
{
	const char **p = realloc(c->patch_paths, (c->nr_patch_paths + 1) * sizeof(*p));

	if (!p)
		return false;
	c->patch_paths = p;
	p[c->nr_patch_paths++] = path;
	return true;
}

enum {
	OPT_CRIU = 256, OPT_PLUGIN_DIR, OPT_IMAGES, OPT_KEEP, OPT_TRIES, OPT_MAX_WAIT, OPT_TIMEOUT,
	OPT_JSON, OPT_ID, OPT_ALL, OPT_CHECKPOINT, OPT_TRUSTED_KEYS, OPT_WAIT, OPT_GDB,
	OPT_CONTAINER, OPT_EVERY,
};

static const struct option long_opts[] = {
	{ "patch", required_argument, NULL, 'p' },
	{ "criu", required_argument, NULL, OPT_CRIU },
	{ "plugin-dir", required_argument, NULL, OPT_PLUGIN_DIR },
	{ "images", required_argument, NULL, OPT_IMAGES },
	{ "keep", no_argument, NULL, OPT_KEEP },
	{ "tries", required_argument, NULL, OPT_TRIES },
	{ "max-wait", required_argument, NULL, OPT_MAX_WAIT },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "gdb", required_argument, NULL, OPT_GDB },
	{ "container", required_argument, NULL, OPT_CONTAINER },
	{ "every", no_argument, NULL, OPT_EVERY },
	{ "id", required_argument, NULL, OPT_ID },
	{ "all", no_argument, NULL, OPT_ALL },
	{ "checkpoint", no_argument, NULL, OPT_CHECKPOINT },
	{ "trusted-keys", required_argument, NULL, OPT_TRUSTED_KEYS },
	{ "wait", required_argument, NULL, OPT_WAIT },
	{ "help", no_argument, NULL, 'h' },
	{ 0 },
};

/* An option only the checkpoint transport uses: the first one given is remembered. */
static void note_checkpoint_only(struct cmdline *c, int opt)
{
	for (const struct option *o = long_opts; o->name && !c->checkpoint_only; o++)
		if (o->val == opt)
			c->checkpoint_only = o->name;
}

/* One option; 0 to go on, else the exit status. */
static int parse_opt(struct cmdline *c, int opt, const char *arg)
{
	long n;

	if (opt == OPT_CRIU || opt == OPT_PLUGIN_DIR || opt == OPT_IMAGES || opt == OPT_KEEP ||
	    opt == OPT_TIMEOUT)
		note_checkpoint_only(c, opt);
	switch (opt) {
	case 'p':
		return add_patch_path(c, arg) ? 0 : LUP_EXIT_FAIL;
	case OPT_CRIU:
		c->live.criu.path = arg;
		return 0;
	case OPT_PLUGIN_DIR:
		c->plugin_dir = arg;
		return 0;
	case OPT_IMAGES:
		c->live.images = arg;
		return 0;
	case OPT_KEEP:
		c->live.keep = true;
		return 0;
	case OPT_TRIES:
		if (!parse_num("--tries", arg, 1, 1000, &n))
			return LUP_EXIT_USAGE;
		c->live.tries = (unsigned)n;
		return 0;
	case OPT_MAX_WAIT:
		if (!parse_num("--max-wait", arg, 0, 3600, &n))
			return LUP_EXIT_USAGE;
		c->live.max_wait_ms = (unsigned)n * 1000;
		return 0;
	case OPT_WAIT:
		if (!parse_num("--wait", arg, 0, 3600, &n))
			return LUP_EXIT_USAGE;
		c->live.lock_wait_ms = (unsigned)n * 1000;
		return 0;
	case OPT_TIMEOUT:
		if (!parse_num("--timeout", arg, 1, 3600, &n))
			return LUP_EXIT_USAGE;
		c->live.criu.timeout_ms = (unsigned)n * 1000;
		return 0;
	case OPT_JSON:
		c->json = true;
		return 0;
	case OPT_CONTAINER:
		c->container = arg;
		return 0;
	case OPT_EVERY:
		c->every = true;
		return 0;
	case OPT_GDB:
		free(c->gdb_dir);
		c->gdb_dir = lup_abs_path(arg);
		return c->gdb_dir ? 0 : LUP_EXIT_FAIL;
	case OPT_ID:
		c->live.revert_id = arg;
		return 0;
	case OPT_ALL:
		c->all = true;
		return 0;
	case OPT_CHECKPOINT:
		c->live.transport = LUP_LIVE_CHECKPOINT;
		return 0;
	case OPT_TRUSTED_KEYS:
		free(c->trusted_keys);
		c->trusted_keys = lup_abs_path(arg);
		if (!c->trusted_keys)
			return LUP_EXIT_FAIL;
		lup_trust_use(c->trusted_keys);
		return 0;
	case 'h':
		usage(stdout);
		exit(LUP_EXIT_OK);
	default:
		usage(stderr);
		return LUP_EXIT_USAGE;
	}
}

/* What the command needs, else a message for the user. */
static const char *check_cmdline(const struct cmdline *c, int nr_args)
{
	bool patch = !strcmp(c->cmd, "patch"), revert = !strcmp(c->cmd, "revert");

	if (!strcmp(c->cmd, "recover"))
		return nr_args != !c->all ? "give either PID or --all" : NULL;
	if (!strcmp(c->cmd, "check"))
		return nr_args ? "no PID: it checks the machine" : NULL;
	if (!strcmp(c->cmd, "list") && !nr_args && !c->container && !c->gdb_dir)
		return NULL;	/* every patched process of the host */
	if (c->every && (strcmp(c->cmd, "patch") || nr_args || c->container))
		return "--every is for lup patch, without PID or --container";
	if (c->every)
		return !c->nr_patch_paths ? "no patch given (-p PATCH)" : NULL;
	if (c->container && (nr_args || !strcmp(c->cmd, "recover")))
		return "give either PID or --container ID";
	if (nr_args != !c->container)
		return "one PID expected";
	if (c->gdb_dir && (strcmp(c->cmd, "list") || c->json))
		return "--gdb is for lup list, without --json";
	if (patch != !!c->nr_patch_paths)
		return patch ? "no patch given (-p PATCH)" : "-p is for lup patch";
	if (revert && !c->live.revert_id == !c->all)
		return "give either --id ID or --all";
	if (!revert && (c->live.revert_id || c->all))
		return "--id and --all are for lup revert";
	return NULL;
}

/* pid is a process, not a thread of one (a thread id would reach criu); else reported. */
static bool is_process(long pid)
{
	char tgid[32];

	if (lup_proc_status((pid_t)pid, "Tgid", tgid, sizeof(tgid)) || atol(tgid) == pid)
		return true;	/* a PID that does not exist is reported by the run */
	fprintf(stderr, "lup: %ld is a thread of process %s: give the process's PID\n", pid, tgid);
	return false;
}

/* argv after the command: options and PID before "--", criu's options after it. */
static int parse_cmdline(struct cmdline *c, int argc, char **argv)
{
	int nr = 0, opt, ret;
	const char *msg;
	long pid;

	while (nr < argc && strcmp(argv[nr], "--"))
		nr++;
	if (nr < argc) {
		c->live.criu.extra = argv + nr + 1;
		c->live.criu.nr_extra = (size_t)(argc - nr - 1);
	}
	while ((opt = getopt_long(nr, argv, "p:h", long_opts, NULL)) != -1)
		if ((ret = parse_opt(c, opt, optarg)))
			return ret;
	msg = check_cmdline(c, nr - optind);
	if (msg) {
		fprintf(stderr, "lup %s: %s\n", c->cmd, msg);
		usage(stderr);
		return LUP_EXIT_USAGE;
	}
	if (c->container && c->live.transport == LUP_LIVE_CHECKPOINT) {
		/* Through the runtime's own checkpoint and restore (lib/live/live-container.c). */
		c->live.transport = LUP_LIVE_CONTAINER;
		c->live.container = c->container;
	}
	if (c->container)
		return lup_container_pid(c->container, &c->live.pid) ? LUP_EXIT_FAIL : 0;
	if (optind == nr)
		return 0;	/* lup recover --all, lup check */
	if (!parse_num("PID", argv[optind], 1, INT_MAX, &pid) || !is_process(pid))
		return LUP_EXIT_USAGE;
	c->live.pid = (pid_t)pid;
	return 0;
}

/*
 * lup.so's directory: --plugin-dir, else $LUP_PLUGIN_DIR, else CRIU's, where `make
 * install` puts it (LUP_CRIU_PLUGIN_DIR, from the build). Without lup.so
 * there the dump is not gated: a busy process is dumped, found busy in the images and
 * restored from them.
 */
static const char *plugin_dir(const struct cmdline *c)
{
	const char *set = lup_setting(LUP_CONF_PLUGIN_DIR);

	return c->plugin_dir ? c->plugin_dir : set && *set ? set : LUP_CRIU_PLUGIN_DIR;
}

static void find_plugin(struct cmdline *c)
{
	const char *dir = plugin_dir(c);
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/" LUP_PLUGIN_FILE, dir);
	if (access(path, R_OK) == 0)
		c->live.criu.plugin_dir = c->plugin_dir_abs = lup_abs_path(dir);
	else
		pr_warn("%s: %s; the dump is not gated (a busy process is dumped and restored unpatched)",
			path, strerror(errno));
}

/*
 * Reads and validates every patch (digest, signature, trust store) before anything is
 * frozen; the bytes are kept for the dump gate of a checkpoint run.
 */
static int read_patches(struct cmdline *c, LupPatch ***out)
{
	LupPatch **p = calloc(c->nr_patch_paths, sizeof(*p));
	int ret = 0;

	c->patch_bytes = calloc(c->nr_patch_paths, sizeof(*c->patch_bytes));
	*out = p;
	if (!p || !c->patch_bytes)
		return -ENOMEM;
	for (size_t i = 0; !ret && i < c->nr_patch_paths; i++)
		ret = lup_patch_read_file(c->patch_paths[i], &p[i], &c->patch_bytes[i]);
	return ret;
}

static void free_patches(struct cmdline *c, LupPatch **p)
{
	for (size_t i = 0; p && i < c->nr_patch_paths; i++)
		if (p[i])
			lup_patch_free(p[i]);
	for (size_t i = 0; c->patch_bytes && i < c->nr_patch_paths; i++)
		free(c->patch_bytes[i].buf);
	free(c->patch_bytes);
	free(p);
}

/* Runs the sequence and reports; returns the exit status. */
static int run_and_report(void *arg)
{
	struct cmdline *c = arg;
	struct lup_live_result res;
	int status;

	lup_live_run(&c->live, &res);
	if (res.nr_tries)
		lup_live_print_times(stderr, &res);
	if (res.images && res.err)
		fprintf(stderr, "lup: images kept in %s\n", res.images);
	if (c->json)
		lup_live_print_json(stdout, &res);
	status = res.state == LUP_LIVE_LOST ? LUP_EXIT_LOST : lup_exit_report("lup", res.err);
	lup_live_result_free(&res);
	return status;
}

/* What the in-place transport does not use is named, and the command line kept as is. */
static void name_unused(const struct cmdline *c)
{
	if (c->checkpoint_only)
		pr_warn("--%s: used with --checkpoint only; not used in place", c->checkpoint_only);
	if (c->live.criu.nr_extra)
		pr_warn("options after --: for criu, used with --checkpoint only; not used in place");
}

static volatile sig_atomic_t stop;

/* The run goes on in a worker whatever happens to lup (imgtool/worker.c). */
static int run_live(struct cmdline *c, LupPatch **patches)
{
	c->live.op = patches ? LUP_LIVE_OP_PATCH : LUP_LIVE_OP_REVERT;
	c->live.patches = patches;
	c->live.patch_bytes = c->patch_bytes;
	c->live.nr_patches = c->nr_patch_paths;
	if (c->live.transport == LUP_LIVE_INPLACE)
		name_unused(c);
	c->live.stop = &stop;
	return lup_worker_run(run_and_report, c, &stop);
}

/*
 * --every: each process of the host that runs a patch's target, with its tree, one
 * after the other; the worst exit status (one already patched is no failure).
 */
static int run_every(struct cmdline *c, LupPatch **patches)
{
	pid_t *pids;
	size_t nr;
	int ret = lup_live_every(patches, c->nr_patch_paths, &pids, &nr), worst = 0, st;

	if (ret)
		return lup_exit_report("lup", ret);
	if (!nr)
		pr_info("no process of this host runs the target of the patches");
	for (size_t i = 0; i < nr; i++) {
		c->live.pid = pids[i];
		st = run_live(c, patches);
		if (st != LUP_EXIT_NOTAPPLIC && st > worst)
			worst = st;
	}
	free(pids);
	return worst;
}

static int recover(void *arg)
{
	const struct cmdline *c = arg;

	return lup_exit_report("lup", lup_recover(c->all ? 0 : c->live.pid, false));
}

/* list --gdb's directory, made if missing. */
static int make_dir(const char *dir)
{
	if (mkdir(dir, 0700) == 0 || errno == EEXIST)
		return 0;
	pr_err("%s: cannot create: %s", dir, strerror(errno));
	return -errno;
}

static bool is_cmd(const char *s)
{
	return !strcmp(s, "patch") || !strcmp(s, "revert") || !strcmp(s, "list") ||
	       !strcmp(s, "recover") || !strcmp(s, "check");
}

/* The command after parsing; returns the exit status. */
static int run(struct cmdline *c)
{
	LupPatch **patches = NULL;
	int ret;

	if (!strcmp(c->cmd, "list") && c->gdb_dir)
		return lup_exit_report("lup", make_dir(c->gdb_dir) ?:
					      lup_list_gdb(c->live.pid, c->gdb_dir, stdout));
	if (!strcmp(c->cmd, "list") && !c->live.pid)
		return lup_exit_report("lup", lup_list_host(c->json ? LUP_LIST_JSON : LUP_LIST_TEXT,
							    stdout));
	if (!strcmp(c->cmd, "list"))
		return lup_exit_report("lup", lup_list_live(c->live.pid, c->json ? LUP_LIST_JSON :
								    LUP_LIST_TEXT, stdout));
	if (!strcmp(c->cmd, "recover"))
		return lup_worker_run(recover, c, &stop);
	if (!strcmp(c->cmd, "check"))
		return lup_check(&c->live.criu, plugin_dir(c), stdout) ? LUP_EXIT_FAIL : LUP_EXIT_OK;
	if (c->live.transport == LUP_LIVE_CHECKPOINT)
		find_plugin(c);
	if (!strcmp(c->cmd, "revert"))
		return run_live(c, NULL);
	ret = read_patches(c, &patches);
	ret = ret ? lup_exit_report("lup", ret) : c->every ? run_every(c, patches) :
						      run_live(c, patches);
	free_patches(c, patches);
	return ret;
}

/*
 * The CRIU `make install` put beside lup (PREFIX/lib/lup/bin/criu, when the system had
 * no usable one), else criu in PATH.
 */
static const char *default_criu(void)
{
	static char path[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 32);
	char *slash;

	if (n <= 0)
		return "criu";
	path[n] = '\0';
	slash = strrchr(path, '/');
	if (!slash)
		return "criu";
	strcpy(slash, "/../lib/lup/bin/criu");
	return access(path, X_OK) == 0 ? path : "criu";
}

/* The defaults lup.conf (or the environment) changes: criu's path and time limit. */
static int configured_defaults(struct cmdline *c)
{
	const char *criu = lup_setting(LUP_CONF_CRIU), *timeout = lup_setting(LUP_CONF_TIMEOUT);
	char what[4200];
	long n;

	c->live.criu.path = criu && *criu ? criu : default_criu();
	if (!timeout || !*timeout)
		return 0;
	snprintf(what, sizeof(what), "%s: %s", lup_conf_path(), lup_conf_key_name(LUP_CONF_TIMEOUT));
	if (!parse_num(what, timeout, 1, 3600, &n))
		return LUP_EXIT_BADINPUT;
	c->live.criu.timeout_ms = (unsigned)n * 1000;
	return 0;
}

int main(int argc, char **argv)
{
	struct cmdline c = {
		.live = {
			.criu = { .path = "criu", .timeout_ms = DEFAULT_TIMEOUT_S * 1000 },
			.tries = DEFAULT_TRIES,
			.max_wait_ms = DEFAULT_MAX_WAIT_S * 1000,
		},
	};
	int ret = lup_tool_setup();

	if (!ret)
		ret = configured_defaults(&c);
	if (ret)
		return ret;

	if (argc == 2 && !strcmp(argv[1], "--version")) {
		lup_tool_version("lup");
		return LUP_EXIT_OK;
	}
	if (argc < 2 || !is_cmd(argv[1])) {
		bool help = argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"));

		usage(help ? stdout : stderr);
		return help ? LUP_EXIT_OK : LUP_EXIT_USAGE;
	}
	c.cmd = argv[1];
	ret = parse_cmdline(&c, argc - 1, argv + 1);
	if (!ret)
		ret = run(&c);
	free(c.patch_paths);
	free(c.plugin_dir_abs);
	free(c.trusted_keys);
	free(c.gdb_dir);
	return ret;
}
