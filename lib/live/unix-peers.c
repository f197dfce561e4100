#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "live/unix-peers.h"
#include "util/log.h"

static int add(struct lup_unix_peers *s, uint32_t ino, uint32_t peer)
{
	struct lup_unix_peer *p = realloc(s->p, (s->nr + 1) * sizeof(*p));

	if (!p)
		return -ENOMEM;
	s->p = p;
	s->p[s->nr++] = (struct lup_unix_peer){ ino, peer };
	return 0;
}

/* One reply message: a socket and, when connected, its UNIX_DIAG_PEER attribute. */
static int add_msg(struct lup_unix_peers *s, const struct nlmsghdr *h)
{
	const struct unix_diag_msg *m = NLMSG_DATA(h);
	int len = (int)h->nlmsg_len - (int)NLMSG_LENGTH(sizeof(*m));
	const struct rtattr *a = (const struct rtattr *)(m + 1);

	if (len < 0)
		return -EIO;
	for (; RTA_OK(a, len); a = RTA_NEXT(a, len))
		if (a->rta_type == UNIX_DIAG_PEER && RTA_PAYLOAD(a) >= sizeof(uint32_t))
			return add(s, m->udiag_ino, *(const uint32_t *)RTA_DATA(a));
	return 0;
}

/* Reads the dump's replies until NLMSG_DONE. */
static int read_replies(int fd, struct lup_unix_peers *s)
{
	static char buf[32768] __attribute__((aligned(8)));

	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		const struct nlmsghdr *h = (const struct nlmsghdr *)buf;
		int ret = 0;

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		for (; !ret && NLMSG_OK(h, (unsigned)n); h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_type == NLMSG_DONE)
				return 0;
			if (h->nlmsg_type == NLMSG_ERROR)
				return -EIO;
			ret = add_msg(s, h);
		}
		if (ret)
			return ret;
	}
}

int lup_unix_peers_read(struct lup_unix_peers *out)
{
	struct {
		struct nlmsghdr nlh;
		struct unix_diag_req r;
	} req = {
		.nlh = { .nlmsg_len = sizeof(req), .nlmsg_type = SOCK_DIAG_BY_FAMILY,
			 .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP },
		.r = { .sdiag_family = AF_UNIX, .udiag_states = ~0u, .udiag_show = UDIAG_SHOW_PEER },
	};
	int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG), ret;

	*out = (struct lup_unix_peers){ 0 };
	if (fd < 0 || send(fd, &req, sizeof(req), 0) != sizeof(req))
		ret = -errno;
	else
		ret = read_replies(fd, out);
	if (fd >= 0)
		close(fd);
	if (ret) {
		pr_err("UNIX sockets (sock_diag): %s", strerror(-ret));
		lup_unix_peers_free(out);
	}
	return ret;
}

uint32_t lup_unix_peer_of(const struct lup_unix_peers *s, uint32_t ino)
{
	for (size_t i = 0; i < s->nr; i++)
		if (s->p[i].ino == ino)
			return s->p[i].peer;
	return 0;
}

void lup_unix_peers_free(struct lup_unix_peers *s)
{
	free(s->p);
	*s = (struct lup_unix_peers){ 0 };
}
