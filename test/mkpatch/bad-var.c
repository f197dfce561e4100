/* Fails: global_value is the target's; the patch must declare it extern. */
int global_value = 5;
