/* Primitives for the Python parent (the cffi extension pyruntime._native._ext). Nothing here runs
 * in the container: the child side is the separate init program (main.c and friends). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <linux/openat2.h>
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

/* restore: CRIU wants the container's root as a mount point whose parent is not overmounted, so
 * the rootfs is bind-mounted (recursively) onto <state dir>/criu-root for the restore, as runc does. */
int pyr_bind_mount(const char *src, const char *dst)
{
    return mount(src, dst, NULL, MS_BIND | MS_REC, NULL) < 0 ? -errno : 0;
}

int pyr_umount_detach(const char *path)
{
    return umount2(path, MNT_DETACH | UMOUNT_NOFOLLOW) < 0 ? -errno : 0;
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

/* Mount sources for the container's init (pyruntime/launch.py answers its MSG_MOUNT_PLEASE).
 *
 * An idmapped bind needs CAP_SYS_ADMIN over the source filesystem's user namespace to attach the
 * mapping, and a bind source under a directory the container's root cannot search (0700, owned by
 * the host's root) cannot even be found from inside a user namespace. runc's answer, and ours: the
 * runtime (host root) opens the source *in the container's mount namespace*, as it stands while
 * the init works through its mounts, so a source that names an earlier mount of the container
 * (mount order) finds it; the handle goes to the init over the sync socket. */

/* Open `path` inside `root` (openat2 RESOLVE_IN_ROOT): a source within the container's rootfs is
 * looked up as the container sees it, so no symlink of the image leads it to the host. */
static int open_in(const char *root, const char *path)
{
    struct open_how how = { .flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
    int dir = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0)
        return -1;
    int fd = (int)syscall(SYS_openat2, dir, path, &how, sizeof how);
    int err = errno;
    close(dir);
    errno = err;
    return fd;
}

/* A handle on `src` resolved in the mount namespace `mntns` (inside `root` when it is not NULL):
 * an O_PATH fd, or with `tree` a detached copy of the mount tree (open_tree OPEN_TREE_CLONE, the
 * submounts too with `recursive`). A child sharing our fd table (CLONE_FILES, not CLONE_FS) joins
 * the namespace and opens it, so this process never changes namespace. Returns the fd or -errno;
 * *step names what failed. */
int pyr_mount_source(int mntns, const char *src, const char *root, int tree, int recursive, const char **step)
{
    int pipefd[2], res[2] = { -1, 0 };
    if (pipe2(pipefd, O_CLOEXEC) < 0) {
        *step = "pipe";
        return -errno;
    }
    pid_t pid = (pid_t)syscall(SYS_clone, CLONE_FILES | SIGCHLD, NULL, NULL, NULL, 0);
    if (pid == 0) {
        /* only syscalls here, then _exit: the fd table is the parent's, so close only ours */
        int r[2];
        unsigned int flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (recursive ? AT_RECURSIVE : 0);
        if (setns(mntns, CLONE_NEWNS) < 0) {
            r[0] = -1;
            r[1] = -errno;
        } else if (root) {
            int fd = open_in(root, src);
            r[0] = fd;
            if (fd >= 0 && tree) {
                r[0] = (int)syscall(SYS_open_tree, fd, "", flags | AT_EMPTY_PATH);
                int err = errno;
                close(fd);
                errno = err;
            }
            r[1] = r[0] < 0 ? errno : 0;
        } else {
            r[0] = tree ? (int)syscall(SYS_open_tree, AT_FDCWD, src, flags) : open(src, O_PATH | O_CLOEXEC);
            r[1] = r[0] < 0 ? errno : 0;
        }
        if (write(pipefd[1], r, sizeof r) != (ssize_t)sizeof r)
            _exit(1);
        _exit(0);
    }
    int err = pid < 0 ? errno : 0;
    if (pid > 0) {
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
            ;
        if (read(pipefd[0], res, sizeof res) != (ssize_t)sizeof res) {
            res[0] = -1;
            res[1] = EIO;
        }
    }
    close(pipefd[0]);
    close(pipefd[1]);
    if (pid < 0) {
        *step = "clone";
        return -err;
    }
    if (res[0] < 0) {
        if (res[1] < 0) {
            *step = "join the container's mount namespace";
            return res[1];
        }
        *step = tree ? "open_tree" : "open";
        return -res[1];
    }
    return res[0];
}

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

/* Attach an id mapping to a detached tree (runtime-spec mounts[].uidMappings/gidMappings, the
 * idmap/ridmap options): the mapping of `userns` when it is >= 0 (a joined user namespace), else
 * of a new one holding the maps (uid_map/gid_map text, "inside outside count" lines). `recursive`
 * (ridmap) maps the submounts too. Returns 0 or -errno; *step names the call that failed. */
int pyr_set_idmap(int tree, int recursive, const char *uid_map, const char *gid_map, int userns, const char **step)
{
    int ns = userns >= 0 ? userns : userns_fd(uid_map, gid_map, step);
    if (ns < 0)
        return ns;
    struct mount_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.attr_set = MOUNT_ATTR_IDMAP;
    attr.userns_fd = (uint64_t)ns;
    int r =
        (int)syscall(SYS_mount_setattr, tree, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &attr, sizeof attr);
    int err = errno;
    if (ns != userns)
        close(ns);
    if (r < 0) {
        *step = "mount_setattr(MOUNT_ATTR_IDMAP)";
        return -err;
    }
    return 0;
}
