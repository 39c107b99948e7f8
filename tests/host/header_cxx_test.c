// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The public headers are usable from C++: compile a small C++ file that
 * includes <ipcsvc/ipcsvc.h> and calls into the library, and check that the
 * calls refer to the unmangled C symbols. Skipped without g++.
 */
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"

static const char cxx_src[] =
	"#include <ipcsvc/ipcsvc.h>\n"
	"int use(void *tx, size_t len) {\n"
	"	struct ipcsvc_channel *ch = nullptr;\n"
	"	struct ipcsvc_msg *m = nullptr;\n"
	"	struct ipc_queue q;\n"
	"	struct ipc_message msg = {};\n"
	"	if (ipcsvc_channel_open(tx, len, nullptr, 0, nullptr, &ch))\n"
	"		return -1;\n"
	"	ipcsvc_channel_allocate_for_send(ch, 0, 1, 0, IPCSVC_MSG_NOQUEUE, &m);\n"
	"	ipcsvc_channel_send(ch, m);\n"
	"	ipcsvc_channel_close(ch);\n"
	"	ipc_queue_init(&q);\n"
	"	ipc_status_t st = ipc_queue_send(&q, &msg);\n"
	"	struct ipcsvc_conn *conn = nullptr;\n"
	"	if (ipcsvc_client_connect(nullptr, \"x\", 1, 0, 0, nullptr, &conn) ==\n"
	"	    IPC_STATUS_PEER_CLOSED)\n"
	"		return 2;\n"
	"	struct ipcsvc_service_attr sa = {};\n"
	"	struct ipcsvc_service *svc = nullptr;\n"
	"	sa.max_to_server = 1 << 16;\n"
	"	if (ipcsvc_service_create_attr(nullptr, \"x\", 1, 0600, &sa, &svc))\n"
	"		return 3;\n"
	"	return st == IPC_STATUS_SUCCESS ? 0 : 1;\n"
	"}\n";

TEST(headers_compile_as_cxx)
{
	char root[PATH_MAX], dir[] = "/tmp/ipcsvc-cxx-XXXXXX", cmd[4 * PATH_MAX];
	const char *syms[] = { "ipcsvc_channel_open", "ipcsvc_channel_send",
			       "ipc_queue_init", "ipc_queue_send",
			       "ipcsvc_client_connect",
			       "ipcsvc_service_create_attr" };
	FILE *f;

	if (system("command -v g++ >/dev/null 2>&1") != 0)
		SKIP(return, "no g++");
	snprintf(root, sizeof(root), "%s", IPCSVC_VERSION_FILE);
	dirname(root);
	ASSERT_NE(NULL, mkdtemp(dir));
	snprintf(cmd, sizeof(cmd), "%s/use.cpp", dir);
	f = fopen(cmd, "w");
	ASSERT_NE(NULL, f);
	fputs(cxx_src, f);
	fclose(f);
	snprintf(cmd, sizeof(cmd),
		 "g++ -std=c++11 -Wall -Wextra -Werror -I%s/include "
		 "-I%s/include/uapi -c -o %s/use.o %s/use.cpp",
		 root, root, dir, dir);
	EXPECT_EQ(0, system(cmd)) TH_LOG("%s", cmd);
	for (unsigned int i = 0; i < sizeof(syms) / sizeof(syms[0]); i++) {
		snprintf(cmd, sizeof(cmd),
			 "nm -u %s/use.o | grep -qw '%s'", dir, syms[i]);
		EXPECT_EQ(0, system(cmd)) TH_LOG("%s is not a C symbol", syms[i]);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	system(cmd);
}

TEST_HARNESS_MAIN
