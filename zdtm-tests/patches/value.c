/* The zdtm tests' patch: zdtm_value() returns 2; zdtm_spin() keeps its behaviour. */
extern volatile int zdtm_stop_spin;

int zdtm_value(void)
{
	return 2;
}

void zdtm_spin(void)
{
	while (!zdtm_stop_spin)
		__asm__ volatile("pause");
}
