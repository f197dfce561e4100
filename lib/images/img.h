/*
 * CRIU image framing: the table of image kinds lup reads and writes (file name,
 * magic, record types), and whole-image read/write that keeps unknown fields.
 */
#ifndef LUP_IMG_H
#define LUP_IMG_H

#include <stddef.h>
#include <stdint.h>
#include <protobuf-c/protobuf-c.h>

#define LUP_IMG_COMMON_MAGIC 0x54564319u	/* first u32 of every image but inventory.img */

enum lup_img_kind {
	LUP_IMG_INVENTORY,
	LUP_IMG_PSTREE,
	LUP_IMG_CORE,
	LUP_IMG_IDS,
	LUP_IMG_MM,
	LUP_IMG_PAGEMAP,
	LUP_IMG_FILES,
	LUP_IMG__NR,
};

struct lup_img_desc {
	const char *name_fmt;				/* "core-%d.img", or no %d */
	uint32_t magic;					/* the per-kind magic */
	const ProtobufCMessageDescriptor *head;		/* first record (pagemap: PagemapHead) */
	const ProtobufCMessageDescriptor *entry;	/* every other record */
};

const struct lup_img_desc *lup_img_desc(enum lup_img_kind kind);

/* One image file, every record unpacked (unknown fields kept for writing back). */
struct lup_img {
	enum lup_img_kind kind;
	char *path;			/* dir/name, for messages */
	size_t nr_recs;
	ProtobufCMessage **recs;
};

/*
 * Reads DIR/<name_fmt with id>. -ENOENT when the file does not exist (quietly: callers
 * decide whether it is an error), -LUP_EBADIMG (reported, naming the file) when it is
 * truncated, has a wrong magic, a length past its end or a record that does not unpack.
 */
int lup_img_read(int dirfd, const char *dir, enum lup_img_kind kind, int id, struct lup_img **out);
/* Same checks on a buffer; name is used in messages. */
int lup_img_parse(const void *buf, size_t len, const char *name, enum lup_img_kind kind,
		  struct lup_img **out);
/* Packs img into DIR/<name> through a temporary file and rename. */
int lup_img_write(int dirfd, const char *dir, const struct lup_img *img, int id);
/* Packs into a malloc'ed buffer (for tests and for the writer). */
int lup_img_pack(const struct lup_img *img, uint8_t **buf, size_t *len);
void lup_img_free(struct lup_img *img);

#endif
