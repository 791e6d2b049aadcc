/*
 * Preloaded with libasan into GDB by "make test-asan".
 *
 * GDB links libp11-kit (through libdebuginfod, libcurl and gnutls), whose
 * constructor calls newlocale().  A preloaded libasan is still uninitialised
 * then (preloaded libraries are initialised last), and initialises itself in
 * the first malloc(), inside newlocale(), which holds glibc's locale lock.
 * Its initialisation looks up swift_demangle with dlsym() and, when that
 * fails, calls dlerror(), whose message translation takes the same lock:
 * the lock is left broken and GDB deadlocks in its first setlocale().
 * With this definition the lookup succeeds and dlerror() has nothing to say.
 *
 * Returning NULL tells the sanitizer the name is not a Swift name.
 */
#include <stddef.h>
#include <stdint.h>

char	*swift_demangle(const char *, size_t, char *, size_t *, uint32_t);

char *
swift_demangle(const char *name, size_t len, char *out, size_t *outlen,
    uint32_t flags)
{
	(void)name;
	(void)len;
	(void)out;
	(void)outlen;
	(void)flags;
	return (NULL);
}
