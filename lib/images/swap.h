/* Rewritten images put in place inside their own directory (lib/images/swap.c). */
#ifndef LUP_IMAGES_SWAP_H
#define LUP_IMAGES_SWAP_H

#define LUP_ORIG_DIR "lup-orig"		/* the original images, under the images dir */

/*
 * The images of DIR/new_dir (dfd: DIR) take the place of those they replace, which move
 * into a new LUP_ORIG_DIR[.N] behind a relative `parent` link; rolled back on failure.
 * The directory stays a complete checkpoint that needs nothing outside it (the plugin's
 * restore, an exported archive).
 */
int lup_swap_in(int dfd, const char *dir, const char *new_dir);
/* The reverse of the last lup_swap_in of DIR: its original images back in place. */
int lup_swap_out(int dfd, const char *dir);

#endif
