/* The one table of CRIU image kinds lup reads and writes: file name, magic, record types. */
#include "images/img.h"
#include "inventory.pb-c.h"
#include "pstree.pb-c.h"
#include "core.pb-c.h"
#include "ids.pb-c.h"
#include "mm.pb-c.h"
#include "pagemap.pb-c.h"
#include "files.pb-c.h"

static const struct lup_img_desc img_descs[LUP_IMG__NR] = {
	[LUP_IMG_INVENTORY] = { "inventory.img", 0x58313116, NULL, &inventory_entry__descriptor },
	[LUP_IMG_PSTREE] = { "pstree.img", 0x50273030, NULL, &pstree_entry__descriptor },
	[LUP_IMG_CORE] = { "core-%d.img", 0x55053847, NULL, &core_entry__descriptor },
	[LUP_IMG_IDS] = { "ids-%d.img", 0x54432030, NULL, &ids_entry__descriptor },
	[LUP_IMG_MM] = { "mm-%d.img", 0x57492820, NULL, &mm_entry__descriptor },
	[LUP_IMG_PAGEMAP] = { "pagemap-%d.img", 0x56084025, &pagemap_head__descriptor,
			      &pagemap_entry__descriptor },
	[LUP_IMG_FILES] = { "files.img", 0x56303138, NULL, &file_entry__descriptor },
};

const struct lup_img_desc *lup_img_desc(enum lup_img_kind kind)
{
	if ((unsigned)kind >= LUP_IMG__NR)
		return NULL;
	return &img_descs[kind];
}
