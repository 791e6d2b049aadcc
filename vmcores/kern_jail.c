/*-
 * Fixture kernel (VIMAGE): jails, as sys/kern/kern_jail.c keeps them.
 * prison0 is the host, named "0", its vnet vnet0.  jail(8) made two
 * jails with their own network stacks ("vnet" in jail.conf(5)): "web"
 * (jid 1) and "db" (jid 2).  sh, the panicking thread, runs in web and
 * was in a network system call, so its td_vnet is web's vnet (the
 * default vnet of a kgdb session); the interrupt thread, if any, was
 * running a timer of db's TCP, so its td_vnet is db's.
 */

#include <string.h>

#include "fixture.h"

struct prison prison0 = {
	.pr_id		= 0,
	.pr_name	= "0",
	.pr_ref		= 1,
	.pr_uref	= 1,
	.pr_path	= "/",
	.pr_securelevel	= -1,
	.pr_children	= LIST_HEAD_INITIALIZER(prison0.pr_children),
	.pr_flags	= PR_HOST | PR_VNET,
};
struct prisonlist allprison = TAILQ_HEAD_INITIALIZER(allprison);

/* kern_jail_set() for a new vnet jail under prison0. */
static struct prison *
prison_create(int jid, const char *name, const char *path)
{
	struct prison *pr;

	pr = kmem_zalloc(sizeof(*pr));
	pr->pr_id = jid;
	pr->pr_ref = pr->pr_uref = 1;
	pr->pr_flags = PR_PERSIST | PR_HOST | PR_VNET;
	pr->pr_parent = &prison0;
	pr->pr_securelevel = 3;
	pr->pr_osreldate = osreldate;
	pr->pr_hostid = 0x5eed0000 + jid;
	strncpy(pr->pr_name, name, sizeof(pr->pr_name) - 1);
	strncpy(pr->pr_path, path, sizeof(pr->pr_path) - 1);
	snprintf(pr->pr_hostname, sizeof(pr->pr_hostname), "%s.example.org",
	    name);
	LIST_INSERT_HEAD(&prison0.pr_children, pr, pr_sibling);
	prison0.pr_childcount++;
	TAILQ_INSERT_TAIL(&allprison, pr, pr_list);
	pr->pr_vnet = vnet_alloc();
	netconf(pr->pr_vnet, name);
	return (pr);
}

/* After vnet0_init(): the host's network settings, then the jails. */
void
prison_startup(void)
{
	struct prison *web, *db;
	struct thread *td;

	strncpy(prison0.pr_hostname, "fixture.example.org",
	    sizeof(prison0.pr_hostname) - 1);
	netconf(vnet0, "vnet0");
	web = prison_create(1, "web", "/jails/web");
	db = prison_create(2, "db", "/jails/db");

	cpuid_to_pcpu[plan.selected_cpu]->pc_curthread->td_vnet = web->pr_vnet;
	if (plan.intr_cpu != NOCPU) {
		td = cpuid_to_pcpu[plan.intr_cpu]->pc_curthread;
		td->td_vnet = db->pr_vnet;
	}
}

/* The name tools give a vnet: vnet0, or the name of the jail using it. */
const char *
prison_vnet_name(struct vnet *vnet)
{
	struct prison *pr;

	if (vnet == vnet0)
		return ("vnet0");
	TAILQ_FOREACH(pr, &allprison, pr_list)
		if (pr->pr_vnet == vnet)
			return (pr->pr_name);
	panic("prison_vnet_name: vnet %p has no jail", (void *)vnet);
}

/* The names of the jails, prison0 included, whose network stack is vnet. */
void
truth_prison_names(FILE *f, const char *key, struct vnet *vnet)
{
	struct prison *pr;

	json_begin(f, key, '[');
	if (prison0.pr_vnet == vnet)
		json_str(f, NULL, prison0.pr_name);
	TAILQ_FOREACH(pr, &allprison, pr_list)
		if (pr->pr_vnet == vnet)
			json_str(f, NULL, pr->pr_name);
	json_end(f, ']');
}

static void
truth_prison(FILE *f, struct prison *pr)
{

	json_begin(f, pr->pr_name, '{');
	json_u64(f, "addr", (uintptr_t)pr);
	json_i64(f, "id", pr->pr_id);
	json_u64(f, "vnet", (uintptr_t)pr->pr_vnet);
	json_str(f, "vnet_name", prison_vnet_name(pr->pr_vnet));
	json_str(f, "path", pr->pr_path);
	json_end(f, '}');
}

/* prison0, then allprison in order. */
void
truth_jails(FILE *f)
{
	struct prison *pr;

	json_begin(f, "jails", '{');
	truth_prison(f, &prison0);
	TAILQ_FOREACH(pr, &allprison, pr_list)
		truth_prison(f, pr);
	json_end(f, '}');
}
