/* main() of the executable test targets: reports once a second until killed. */
#include <unistd.h>

#include "target.h"

int main(void)
{
	for (;;) {
		report();
		sleep(1);
	}
}
