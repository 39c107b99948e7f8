/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the KUnit suites (the kmod/ files named *_test.c),
 * which are linked with the module's units into ipcsvc_kunit.ko.
 *
 * Registry keys
 * -------------
 * Services are keyed by IPC namespace, and a module cannot make one:
 * create_ipc_ns() and the unshare paths are not exported. The registry
 * only compares and hashes the pointer, so every test that registers
 * services uses a key of its own instead: a small allocation that lives as
 * long as the test, and whose address no real namespace can have
 * meanwhile. Tests thus never see each other's names, nor those of
 * processes using the device.
 *
 * Users
 * -----
 * A test that checks what is charged acts under credentials with a uid of
 * its own and no capabilities (ipcsvc_kunit_creds()), so that nothing else
 * is ever charged to that user.
 */
#ifndef IPCSVC_KUNIT_H
#define IPCSVC_KUNIT_H

#include <kunit/test.h>
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/err.h>
#include <linux/module.h>
#include <linux/pid_namespace.h>
#include <linux/sched.h>
#include <linux/string.h>

#include "ipcsvc.h"

/*
 * Module-wide state that the module's init function sets up: the mount
 * that gives areas their inodes (ipcsvc_area_init()). KUnit runs the
 * suites of a module from its module notifier, which 6.1 calls before the
 * module's init function (the module is still MODULE_STATE_COMING) and
 * later kernels after it. A suite that makes areas therefore has
 * .suite_init = ipcsvc_kunit_suite_init and .suite_exit =
 * ipcsvc_kunit_suite_exit, which set that state up and tear it down again
 * when, and only when, the init function has not run yet.
 */
static inline bool *ipcsvc_kunit_area_inited(void)
{
	static bool inited;

	return &inited;
}

static inline int ipcsvc_kunit_suite_init(struct kunit_suite *suite)
{
	int ret;

	if (READ_ONCE(THIS_MODULE->state) != MODULE_STATE_COMING)
		return 0;
	ret = ipcsvc_area_init();
	*ipcsvc_kunit_area_inited() = !ret;
	return ret;
}

static inline void ipcsvc_kunit_suite_exit(struct kunit_suite *suite)
{
	if (*ipcsvc_kunit_area_inited())
		ipcsvc_area_exit();
	*ipcsvc_kunit_area_inited() = false;
}

/* A private registry key for the current test; see the top of the file. */
static inline struct ipc_namespace *ipcsvc_kunit_ns(struct kunit *test)
{
	void *key = kunit_kzalloc(test, 1, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, key);
	return key;
}

/* A port as open() makes one, in registry namespace @ns. */
static inline struct ipcsvc_port *ipcsvc_kunit_port(struct kunit *test,
						    struct ipc_namespace *ns)
{
	struct ipcsvc_port *port;

	port = ipcsvc_port_create(ns, task_active_pid_ns(current),
				  current_cred());
	KUNIT_ASSERT_NOT_NULL(test, port);
	return port;
}

/* What release() does: close every handle, then drop the file's reference. */
static inline void ipcsvc_kunit_port_done(struct ipcsvc_port *port)
{
	ipcsvc_port_shutdown(port, IPCSVC_REASON_CLOSED);
	ipcsvc_port_put(port);
}

/*
 * Credentials whose uids and gids are all @id, without capabilities, for
 * override_creds(). Drop them with put_cred() (after revert_creds()).
 */
static inline struct cred *ipcsvc_kunit_creds(struct kunit *test, u32 id)
{
	struct cred *cred = prepare_creds();

	KUNIT_ASSERT_NOT_NULL(test, cred);
	cred->uid = KUIDT_INIT(id);
	cred->euid = KUIDT_INIT(id);
	cred->suid = KUIDT_INIT(id);
	cred->fsuid = KUIDT_INIT(id);
	cred->gid = KGIDT_INIT(id);
	cred->egid = KGIDT_INIT(id);
	cred->sgid = KGIDT_INIT(id);
	cred->fsgid = KGIDT_INIT(id);
	cap_clear(cred->cap_effective);
	cap_clear(cred->cap_permitted);
	cap_clear(cred->cap_inheritable);
	cap_clear(cred->cap_ambient);
	return cred;
}

/* The service parameters the suites use unless a test says otherwise. */
static inline struct ipcsvc_service_params
ipcsvc_kunit_params(const char *name)
{
	struct ipcsvc_service_params p = {
		.name = (const u8 *)name,
		.name_len = strlen(name),
		.version = 3,
		.mode = 0600,
		.max_size = { 4 * PAGE_SIZE, 8 * PAGE_SIZE },
		.max_connections = 16,
		.max_pending = 8,
	};

	return p;
}

/* Create a service with the default parameters; 0 or -errno. */
static inline int ipcsvc_kunit_service(struct ipcsvc_port *port,
				       const char *name, u32 *handle)
{
	struct ipcsvc_service_params p = ipcsvc_kunit_params(name);
	struct ipcsvc_service *svc;
	int ret;

	ret = ipcsvc_service_create(port, &p, &svc, handle);
	if (!ret)
		ipcsvc_service_put(svc);
	return ret;
}

#endif /* IPCSVC_KUNIT_H */
