/* hello: reports in (the boot scenario runs it on CPU 1). */
#include <keel/server.h>

int main(int argc, char **argv)
{
	(void)argc;
	keel_report(KEEL_REPORT_READY, 1, "%s is running", argv[0]);
	return 0;
}
