/* Functions shared by the files of the lup-mkpatch test target. */
#ifndef TARGET_H
#define TARGET_H

int compute(int x);
int other_next(void);
int report(void);
void tiny(void);

#endif
