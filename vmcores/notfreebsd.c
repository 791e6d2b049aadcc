/*-
 * Not a FreeBSD kernel: a plain C program with debug info, for the
 * corrupt-not-freebsd dump.  It has none of a kernel's symbols
 * (cpuid_to_pcpu, mp_maxcpus, __pcpu, ...); only fixture_ready(), where
 * GDB takes the core, as the fixture kernel has.
 *
 * usage: notfreebsd [TRUTH]
 */

#include <stdio.h>
#include <stdlib.h>

#ifndef FIXTURE_SHAPE
#error "define FIXTURE_SHAPE"
#endif

struct widget {
	struct widget	*w_next;
	int		 w_id;
	char		 w_name[16];
};

struct widget *widgets;
int nwidgets;

void
fixture_ready(void)
{

	__asm__ __volatile__("" ::: "memory");
}

int
main(int argc, char **argv)
{
	struct widget *w;
	FILE *f;
	int i;

	for (i = 0; i < 3; i++) {
		if ((w = calloc(1, sizeof(*w))) == NULL)
			return (1);
		w->w_id = 100 + i;
		snprintf(w->w_name, sizeof(w->w_name), "widget%d", i);
		w->w_next = widgets;
		widgets = w;
		nwidgets++;
	}
	if (argc > 1) {
		if ((f = fopen(argv[1], "w")) == NULL) {
			perror(argv[1]);
			return (1);
		}
		fprintf(f, "{\"shape\":\"%s\",\"nwidgets\":%d,"
		    "\"widgets\":%lu}\n", FIXTURE_SHAPE, nwidgets,
		    (unsigned long)widgets);
		if (fclose(f) != 0)
			return (1);
	}
	fixture_ready();
	return (0);
}
