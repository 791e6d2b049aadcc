/*-
 * Fixture kernel: struct prison, a jail, as sys/sys/jail.h declares it
 * (the fields used here, in FreeBSD's order).  Every jail but prison0,
 * the host itself, is on the TAILQ allprison.
 */

#ifndef _FIXTURE_JAIL_H_
#define	_FIXTURE_JAIL_H_

#include "sys.h"

struct vnet;

struct prison {
	TAILQ_ENTRY(prison) pr_list;			/* (a) all prisons */
	int		 pr_id;				/* (c) prison id */
	volatile u_int	 pr_ref;			/* (r) refcount */
	volatile u_int	 pr_uref;			/* (r) user (alive) refcount */
	unsigned	 pr_flags;			/* (p) PR_* flags */
	LIST_HEAD(, prison) pr_children;		/* (a) list of child jails */
	LIST_ENTRY(prison) pr_sibling;			/* (a) next in parent's list */
	struct prison	*pr_parent;			/* (c) containing jail */
	struct vnet	*pr_vnet;			/* (c) network stack */
	int		 pr_childcount;			/* (a) number of child jails */
	int		 pr_securelevel;		/* (p) securelevel */
	int		 pr_osreldate;			/* (c) kern.osreldate value */
	unsigned long	 pr_hostid;			/* (p) jail hostid */
	char		 pr_name[MAXHOSTNAMELEN];	/* (p) admin jail name */
	char		 pr_path[MAXPATHLEN];		/* (c) chroot path */
	char		 pr_hostname[MAXHOSTNAMELEN];	/* (p) jail hostname */
};

#define	PR_PERSIST	0x00000001	/* Can exist without processes */
#define	PR_HOST		0x00000002	/* Virtualize hostname et al */
#define	PR_VNET		0x00000010	/* Virtual network stack */

TAILQ_HEAD(prisonlist, prison);

extern struct prison prison0;
extern struct prisonlist allprison;

#endif /* !_FIXTURE_JAIL_H_ */
