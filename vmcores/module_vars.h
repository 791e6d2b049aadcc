/*-
 * Fixture modules: the types of the fixture modules' variables, shared
 * by their sources (mod_dso.c, mod_obj.c, mod_unlisted.c) and the
 * kernel's modules.c, as a module's header would be.
 */

#ifndef _FIXTURE_MODULE_VARS_H_
#define	_FIXTURE_MODULE_VARS_H_

struct mod_dso_stats {
	int	mds_calls;
	long	mds_bytes;
};

#endif /* !_FIXTURE_MODULE_VARS_H_ */
