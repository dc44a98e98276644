/* Primitives for the Python parent (the cffi extension pyruntime._native._ext). Nothing here runs
 * in the container: the child side is the separate init program (main.c and friends). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef SYS_open_tree
#define SYS_open_tree 428
#endif
#ifndef SYS_mount_setattr
#define SYS_mount_setattr 442
#endif

/* `run` waits for the container's init, which is orphaned by stage 1: adopt it. */
int pyr_set_child_subreaper(void)
{
    return prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0 ? -errno : 0;
}

/* `run --no-subreaper`: once the init is ours, later orphans go to the system's reaper (runc). */
int pyr_clear_child_subreaper(void)
{
    return prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0) < 0 ? -errno : 0;
}

/* cgroup v2 device filters: load and attach the eBPF program (pyruntime/cgroups/devices.py). */
long pyr_bpf(int cmd, void *attr, unsigned int size)
{
    long r = syscall(__NR_bpf, cmd, attr, size);
    return r < 0 ? -errno : r;
}

/* An idmapped copy of the tree at `src` (runtime-spec mounts[].uidMappings, the idmap/ridmap
 * options), made here in the host's namespaces: attaching an id mapping needs CAP_SYS_ADMIN over
 * the source filesystem's user namespace, which a container in its own user namespace lacks.
 * The maps are uid_map/gid_map text ("inside outside count" lines). Returns a detached mount fd
 * (the init attaches it with move_mount) or -errno; *step names the call that failed. */

static int write_all(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    size_t n = strlen(text);
    int r = write(fd, text, n) == (ssize_t)n ? 0 : -errno;
    close(fd);
    return r;
}

/* A user namespace holding these maps, as an fd: a child is cloned into a new one, we write its
 * maps (host root may map any range), open its ns file, and let it go. */
static int userns_fd(const char *uid_map, const char *gid_map, const char **step)
{
    int pipefd[2];
    char path[64];
    if (pipe2(pipefd, O_CLOEXEC) < 0) {
        *step = "pipe";
        return -errno;
    }
    pid_t pid = (pid_t)syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, NULL, NULL, NULL, 0);
    if (pid == 0) { /* the child only waits for the pipe to close */
        char c;
        close(pipefd[1]);
        while (read(pipefd[0], &c, 1) < 0 && errno == EINTR)
            ;
        _exit(0);
    }
    int err = pid < 0 ? -errno : 0, fd = -1;
    close(pipefd[0]);
    if (pid < 0) {
        *step = "clone a user namespace";
    } else {
        snprintf(path, sizeof path, "/proc/%d/uid_map", pid);
        if ((err = write_all(path, uid_map)) < 0) {
            *step = "write uid_map";
        } else {
            snprintf(path, sizeof path, "/proc/%d/gid_map", pid);
            if ((err = write_all(path, gid_map)) < 0) {
                *step = "write gid_map";
            } else {
                snprintf(path, sizeof path, "/proc/%d/ns/user", pid);
                fd = open(path, O_RDONLY | O_CLOEXEC);
                if (fd < 0) {
                    err = -errno;
                    *step = "open the user namespace";
                }
            }
        }
    }
    close(pipefd[1]);
    if (pid > 0)
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
            ;
    return fd >= 0 ? fd : err;
}

int pyr_idmapped_tree(const char *src, int rbind, int ridmap, const char *uid_map, const char *gid_map,
                      const char **step)
{
    /* rbind: the submounts come along (like MS_REC); ridmap: they are idmapped too */
    unsigned int rec = ridmap ? AT_RECURSIVE : 0;
    int tree = (int)syscall(SYS_open_tree, AT_FDCWD, src,
                            OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (rbind ? AT_RECURSIVE : 0));
    if (tree < 0) {
        *step = "open_tree";
        return -errno;
    }
    int ns = userns_fd(uid_map, gid_map, step);
    if (ns < 0) {
        close(tree);
        return ns;
    }
    struct mount_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.attr_set = MOUNT_ATTR_IDMAP;
    attr.userns_fd = (uint64_t)ns;
    int r = (int)syscall(SYS_mount_setattr, tree, "", AT_EMPTY_PATH | rec, &attr, sizeof attr);
    int err = errno;
    close(ns);
    if (r < 0) {
        close(tree);
        *step = "mount_setattr(MOUNT_ATTR_IDMAP)";
        return -err;
    }
    return tree;
}
