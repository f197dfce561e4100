/*
 * The layout of the patch runtime's unwinder registration (lib/mkpatch/runtime/begin.S),
 * shared by lup-mkpatch (which fills what only the link knows), lup's own stack check
 * (which reads the patch's table) and the revert (which empties what the process
 * registered, since nothing of lup runs code in it).
 */
#ifndef LUP_CORE_UNWIND_H
#define LUP_CORE_UNWIND_H

#define LUP_UNWIND_SYMBOL "__lup_unwind"

/* In the patch's data, at lup_patch.unwind: 8-byte words. */
#define LUP_UNWIND_STATE 0		/* 0 not registered, 1 registering, 2 done */
#define LUP_UNWIND_PAGE 8		/* the page the process mapped for it, or 0 */
#define LUP_UNWIND_EH_FRAME 16		/* .eh_frame */
#define LUP_UNWIND_EH_HDR 24		/* .eh_frame_hdr */
#define LUP_UNWIND_CODE_START 32
#define LUP_UNWIND_CODE_END 40
#define LUP_UNWIND_SIZE 48

/*
 * In the page: libgcc's struct object (registered by __register_frame_info: pc_begin,
 * tbase, dbase, u.single or u.sort, s with s.b.sorted in bit 0, ...), a zero word, and
 * libunwind's unw_dyn_info_t (libunwind-dynamic.h: start_ip and end_ip at 16 and 24).
 */
#define LUP_UNWIND_OBJECT 0
#define LUP_UNWIND_OBJ_PC_BEGIN 0
#define LUP_UNWIND_OBJ_SINGLE 24
#define LUP_UNWIND_OBJ_FLAGS 32
#define LUP_UNWIND_ZERO 128
#define LUP_UNWIND_DYN_INFO 192
#define LUP_UNWIND_DYN_START 16
#define LUP_UNWIND_DYN_END 24
#define LUP_UNWIND_PAGE_SIZE 4096

#endif
