/* The peers of connected UNIX sockets, from the kernel's sock_diag (this network namespace). */
#ifndef LUP_LIVE_UNIX_PEERS_H
#define LUP_LIVE_UNIX_PEERS_H

#include <stddef.h>
#include <stdint.h>

struct lup_unix_peer {
	uint32_t ino, peer;	/* a socket's inode and its peer's */
};

struct lup_unix_peers {
	size_t nr;
	struct lup_unix_peer *p;
};

/* Every connected UNIX socket of this network namespace; a negative errno, reported. */
int lup_unix_peers_read(struct lup_unix_peers *out);
/* The peer of socket ino, or 0 (not connected, or not in this network namespace). */
uint32_t lup_unix_peer_of(const struct lup_unix_peers *s, uint32_t ino);
void lup_unix_peers_free(struct lup_unix_peers *s);

#endif
