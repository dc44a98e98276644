/* Stage 0: join the container's cgroups before anything else runs.
 *
 * The parent could write our pid to each cgroup.procs (runc does), but the kernel then takes
 * cgroup_threadgroup_rwsem for writing, and the first write lock after a quiet spell waits an RCU
 * grace period: 5-15 ms here, the largest single cost of a create. Two ways skip that lock:
 *  - v1: a single-threaded process writing "0" to a hierarchy's `tasks` file moves only itself,
 *    and the kernel needs no threadgroup lock for that;
 *  - cgroup2: clone3(CLONE_INTO_CGROUP) starts the next stage inside the cgroup (fork takes the
 *    lock for reading only). On a kernel without clone3 we fall back to writing "0" to cgroup.procs.
 * The parent (host root, before any namespace change) opened every file: the kernel checks the
 * opener's credentials for these writes, and no path is resolved here.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "init.h"

#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif
#ifndef SYS_clone3
#define SYS_clone3 435
#endif

struct clone3_args {
    uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid, set_tid_size, cgroup;
};

static void write_zero(int fd, const char *what)
{
    if (write(fd, "0", 1) != 1)
        die("join cgroup (%s)", what);
    close(fd);
}

/* The v1 memory cgroup is joined by stage 2 itself, right after stage 1 forked it (see
 * enter_memory_cgroup), when nothing needs it earlier: the new process's task struct, kernel stack
 * and page tables are then charged to the caller, as crun's are (its container process is made
 * outside and moved in), and the container's limit is for what runs in it. Not for exec, not with a
 * cgroup namespace (made by stage 1, whose root must hold the memory cgroup), not with a user
 * namespace (joined with host credentials only). */
static int memory_late = -1;

static int memory_late_ok(const struct plan *p)
{
    if (p->flags & F_EXEC)
        return 0;
    for (int i = 0; i < p->nns; i++)
        if (p->ns[i].flag == CLONE_NEWCGROUP || p->ns[i].flag == CLONE_NEWUSER)
            return 0;
    return 1;
}

/* The tasks file fd is the memory hierarchy's: its directory has memory.limit_in_bytes. The
 * parent opened it on the host's /sys, which is what our mount namespace still shows. */
static int is_memory_fd(int fd)
{
    char link[64], path[PATH_MAX];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, path, sizeof path - 1);
    if (n <= 0 || path[0] != '/')
        return 0;
    path[n] = 0;
    char *slash = strrchr(path, '/');
    if (!slash || strcmp(slash, "/tasks") || (size_t)(slash - path) + sizeof "/memory.limit_in_bytes" > sizeof path)
        return 0;
    strcpy(slash, "/memory.limit_in_bytes");
    return access(path, F_OK) == 0;
}

static void enter_v1(const struct plan *p)
{
    int late_ok = memory_late_ok(p);
    for (int i = 0; i < p->ncg_tasks; i++) {
        if (late_ok && memory_late < 0 && is_memory_fd(p->cg_tasks[i])) {
            memory_late = p->cg_tasks[i];
            continue;
        }
        write_zero(p->cg_tasks[i], "v1 tasks");
    }
}

void enter_memory_cgroup(void)
{
    if (memory_late >= 0)
        write_zero(memory_late, "v1 tasks");
    memory_late = -1;
}

/* cgroup2 first: the fork into it happens before we join the v1 memory cgroup, so the container's
 * memory limit is charged with stage 1 and what follows, not with stage 0's copy of itself. */
void enter_cgroups(const struct plan *p)
{
    if (p->cg2_fd < 0) {
        enter_v1(p);
        return;
    }
    pid_t stage0 = getpid();
    struct clone3_args a;
    memset(&a, 0, sizeof a);
    a.flags = CLONE_INTO_CGROUP;
    a.exit_signal = SIGCHLD;
    a.cgroup = (uint64_t)p->cg2_fd;
    long pid = syscall(SYS_clone3, &a, sizeof a);
    if (pid < 0) {
        if (errno != ENOSYS && errno != E2BIG)
            die("join cgroup (clone into cgroup2)");
        int fd = openat(p->cg2_fd, "cgroup.procs", O_WRONLY | O_CLOEXEC);
        if (fd < 0)
            die("join cgroup (open cgroup.procs)");
        write_zero(fd, "cgroup2 cgroup.procs");
        close(p->cg2_fd);
        enter_v1(p);
        return;
    }
    if (pid > 0) {
        /* stage 0 only waits, so the parent's wait for "stage 1" still ends when stage 1 does;
         * it holds no fd: the sync socket's EOF must stay stage 1's to give */
        int status = 0;
        syscall(SYS_close_range, 0, ~0U, 0);
        while (waitpid((pid_t)pid, &status, 0) < 0 && errno == EINTR)
            ;
        _exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
    }
    if (pyr_sanitizer_new_process) /* a raw clone3 runs no atfork handler */
        pyr_sanitizer_new_process();
    /* killed with stage 0 when the parent aborts (it knows stage 0's pid, not ours) */
    if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 || getppid() != stage0)
        die("join cgroup (watch stage 0)");
    close(p->cg2_fd);
    enter_v1(p);
}
