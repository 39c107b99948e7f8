// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The mailbox between processes: a parent and a forked child share a
 * struct ipc_queue in a memfd mapped MAP_SHARED. ipc_queue_init_shared()
 * makes its futexes process-shared, so each side sleeps until the other
 * acts, wherever the memory is mapped.
 *
 *	mailbox_processes [COUNT]
 *
 * The child sums COUNT numbers (default 100000) sent by the parent and
 * sends the sum back in a second mailbox.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <ipcsvc/ipcsvc.h>

enum { MSG_NUMBER = IPC_MSG_USER, MSG_SUM };

int main(int argc, char **argv)
{
	unsigned long count = argc > 1 ? strtoul(argv[1], NULL, 0) : 100000;
	struct ipc_queue *to_child, *to_parent;
	unsigned long long want = 0;
	struct ipc_message m;
	int fd, status;
	pid_t pid;

	/* Two mailboxes in one shared memory object, sealed at its size so
	 * that neither side can make the other's mapping fault. */
	fd = memfd_create("mailboxes", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0 || ftruncate(fd, 2 * sizeof(struct ipc_queue)) ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL))
		return perror("memfd"), 1;
	to_child = mmap(NULL, 2 * sizeof(struct ipc_queue),
			PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (to_child == MAP_FAILED)
		return perror("mmap"), 1;
	to_parent = to_child + 1;
	if (ipc_queue_init_shared(to_child) != IPC_STATUS_SUCCESS ||
	    ipc_queue_init_shared(to_parent) != IPC_STATUS_SUCCESS)
		return 1;

	pid = fork();
	if (pid < 0)
		return perror("fork"), 1;
	if (pid == 0) {
		unsigned long long sum = 0;

		for (unsigned long i = 0; i < count; i++) {
			/* a parent that died would leave us waiting: give
			 * up after 10 s instead */
			if (ipc_queue_recv_timeout(to_child, &m,
						   ipcsvc_timeout_ms(10000)) !=
			    IPC_STATUS_SUCCESS || m.type != MSG_NUMBER)
				_exit(1);
			sum += m.a;
		}
		m = (struct ipc_message){ .type = MSG_SUM,
					  .a = (uintptr_t)sum };
		_exit(ipc_send(to_parent, &m) == IPC_STATUS_SUCCESS ? 0 : 1);
	}

	for (unsigned long i = 0; i < count; i++) {
		m = (struct ipc_message){ .type = MSG_NUMBER, .a = i % 1000 };
		want += i % 1000;
		/* sleeps while all IPC_QUEUE_SIZE slots are taken */
		if (ipc_send(to_child, &m) != IPC_STATUS_SUCCESS)
			return 1;
	}
	if (ipc_queue_recv_timeout(to_parent, &m, ipcsvc_timeout_ms(10000)) !=
	    IPC_STATUS_SUCCESS || m.type != MSG_SUM)
		return 1;
	waitpid(pid, &status, 0);
	printf("parent: sent %lu numbers; child's sum %llu, expected %llu\n",
	       count, (unsigned long long)m.a, want);
	return !(WIFEXITED(status) && WEXITSTATUS(status) == 0 &&
		 (unsigned long long)m.a == (uintptr_t)want);
}
