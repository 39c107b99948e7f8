/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internal interfaces of the ipcsvc module, shared by its units and their
 * KUnit suites.
 */
#ifndef IPCSVC_INTERNAL_H
#define IPCSVC_INTERNAL_H

#include <linux/ipcsvc.h>
#include <linux/types.h>

/* Fill @v with the module's version; @v->size is left to the caller. */
void ipcsvc_version_fill(struct ipcsvc_version *v);

#endif /* IPCSVC_INTERNAL_H */
