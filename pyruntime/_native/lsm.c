/* AppArmor and SELinux: the attributes the Plan names (plan.py `_lsm`, `_mount_label`), written to
 * this process's own /proc/thread-self/attr files. Which file and what value is decided in
 * Python; here they are only written.
 *
 * Never through the container's /proc: a mount the image or config put over it (a fake procfs,
 * a bind over attr/exec) would swallow the write and leave the process unconfined
 * (CVE-2019-16884). The runtime's own procfs is opened before any namespace is joined, checked
 * to be procfs, and each attr file is resolved beneath it without crossing a mount or following
 * a magic link. The handle is closed once the last attribute is written, long before execve. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "init.h"

static int proc_fd = -1;

void lsm_open_proc(const struct plan *p)
{
    struct statfs sf;
    if (!p->nlsm)
        return;
    proc_fd = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (proc_fd < 0)
        die("open /proc of the runtime");
    if (fstatfs(proc_fd, &sf) < 0 || sf.f_type != PROC_SUPER_MAGIC)
        die_plain("/proc of the runtime is not procfs: cannot set LSM labels");
}

void lsm_write(const struct plan *p, uint32_t when)
{
    int left = 0;
    for (int i = 0; i < p->nlsm; i++) {
        const struct lsm_attr *a = &p->lsm[i];
        if (a->when != when) {
            left |= a->when > when;
            continue;
        }
        struct open_how how = { .flags = O_WRONLY | O_CLOEXEC,
                                .resolve = RESOLVE_BENEATH | RESOLVE_NO_XDEV | RESOLVE_NO_MAGICLINKS };
        struct statfs sf;
        int fd;
        do
            fd = (int)syscall(SYS_openat2, proc_fd, a->path, &how, sizeof how);
        while (fd < 0 && errno == EAGAIN);
        if (fd < 0)
            die("%s: open /proc/%s", a->what, a->path);
        if (fstatfs(fd, &sf) < 0 || sf.f_type != PROC_SUPER_MAGIC)
            die_plain("%s: /proc/%s is not on procfs", a->what, a->path);
        size_t n = strlen(a->value);
        if (write(fd, a->value, n) != (ssize_t)n) {
            if (errno == ENOENT) /* AppArmor: no profile of that name is loaded */
                die_plain("%s: no such profile is loaded (write /proc/%s: %s)", a->what, a->path, strerror(errno));
            die("%s: write /proc/%s", a->what, a->path);
        }
        close(fd);
    }
    if (!left && proc_fd >= 0) {
        close(proc_fd);
        proc_fd = -1;
    }
}
