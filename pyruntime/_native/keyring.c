/* A session keyring of the container's own (runc's default, unless --no-new-keyring): the keys of
 * whoever ran the runtime are not reachable from the container. */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/keyctl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "init.h"

#define KEY_USR_SEARCH 0x00080000u

void join_session_keyring(const char *name)
{
    char desc[512];
    long id = syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, name);
    if (id < 0) {
        if (errno == ENOSYS) /* a kernel without keyrings: nothing to keep apart (runc) */
            return;
        die("unable to join session keyring");
    }
    /* searchable by the container's user (runc's ModKeyringPerm): "type;uid;gid;perm;name" */
    long n = syscall(SYS_keyctl, KEYCTL_DESCRIBE, id, desc, sizeof desc);
    if (n < 0 || (size_t)n > sizeof desc)
        die("unable to mod keyring permissions: describe");
    desc[sizeof desc - 1] = 0;
    char *f = desc;
    for (int i = 0; i < 3 && f; i++) {
        f = strchr(f, ';');
        if (f)
            f++;
    }
    if (!f)
        die_plain("unable to mod keyring permissions: unexpected key description");
    unsigned long perm = strtoul(f, NULL, 16);
    if (syscall(SYS_keyctl, KEYCTL_SETPERM, id, (unsigned)perm | KEY_USR_SEARCH) < 0)
        die("unable to mod keyring permissions");
}
