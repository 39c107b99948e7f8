/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libipcsvc: marks the library's public functions. The shared library is
 * built with hidden visibility, so only functions declared with IPCSVC_API
 * (and matched by the version script) are exported.
 *
 * Include <ipcsvc/ipcsvc.h> rather than this file.
 */
#ifndef IPCSVC_API_H
#define IPCSVC_API_H

#if defined(__GNUC__) || defined(__clang__)
#define IPCSVC_API __attribute__((visibility("default")))
#else
#define IPCSVC_API
#endif

#endif /* IPCSVC_API_H */
