/* libdyntls.so: a thread-local variable that a program gets only through dlopen. */
__thread long dyn_tls;

long *dyn_tls_addr(void)
{
	return &dyn_tls;
}
