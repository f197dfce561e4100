#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "util/file-copy.h"

int lup_copy_file_at(int from_dirfd, int to_dirfd, const char *name)
{
	char buf[65536];
	ssize_t n = 0;
	int in = openat(from_dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW), out = -1;

	if (in >= 0)
		out = openat(to_dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	while (out >= 0 && (n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n) {
			n = -1;
			break;
		}
	if (in < 0 || out < 0 || n < 0 || close(out)) {
		n = -errno;
		out = -1;
	}
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	return n < 0 ? (int)n : 0;
}
