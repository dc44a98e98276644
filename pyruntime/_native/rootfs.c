/* Stage 2: the root filesystem. Every path inside the rootfs is resolved inside it (openat2
 * RESOLVE_IN_ROOT) and every mount goes through /proc/self/fd/N of the resolved handle, so a
 * symlink in the image can never lead a mount, mkdir or mknod outside (security.md §2). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <linux/mount.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include "init.h"

#ifndef SYS_mount_setattr
#define SYS_mount_setattr 442
#endif
#ifndef SYS_move_mount
#define SYS_move_mount 429
#endif

static int rootfd = -1;

int open_in_root(int dirfd, const char *path, int flags)
{
    struct open_how how = {
        .flags = (uint64_t)(flags | O_CLOEXEC),
        .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
    };
    int fd;
    do
        fd = (int)syscall(SYS_openat2, dirfd, path, &how, sizeof how);
    while (fd < 0 && errno == EAGAIN);
    return fd;
}

static const char *fdpath(int fd, char *buf)
{
    snprintf(buf, 64, "/proc/self/fd/%d", fd);
    return buf;
}

/* Split "a/b/c" into the parent "a/b" (or "/") and the last name "c". */
static void split(const char *path, char *parent, char *name)
{
    char tmp[PATH_MAX];
    size_t n = strlen(path);
    while (n > 1 && path[n - 1] == '/')
        n--;
    if (n >= sizeof tmp)
        die_plain("path too long: \"%s\"", path);
    memcpy(tmp, path, n);
    tmp[n] = 0;
    char *slash = strrchr(tmp, '/');
    if (!slash) {
        strcpy(parent, "/");
        strcpy(name, tmp);
    } else {
        strcpy(name, slash + 1);
        if (slash == tmp)
            strcpy(parent, "/");
        else {
            *slash = 0;
            strcpy(parent, tmp);
        }
    }
}

/* Where a dangling symlink `name` in directory `parent` points, as an in-root path, followed by
 * `rest` (runc/securejoin semantics: absolute targets start at the root, relative ones at parent). */
static int follow_dangling(int pfd, const char *parent, const char *name, const char *rest, char *out, size_t cap)
{
    char target[PATH_MAX];
    ssize_t n = readlinkat(pfd, name, target, sizeof target - 1);
    if (n < 0)
        return -1;
    target[n] = 0;
    int w = target[0] == '/' ? snprintf(out, cap, "%s%s%s", target, rest[0] ? "/" : "", rest)
                             : snprintf(out, cap, "%s/%s%s%s", parent, target, rest[0] ? "/" : "", rest);
    return (w < 0 || (size_t)w >= cap) ? (errno = ENAMETOOLONG, -1) : 0;
}

static int mkdir_in_root_depth(const char *path, int depth);

/* mkdir -p inside the root; returns an O_PATH handle on the directory. */
static int mkdir_in_root(const char *path)
{
    return mkdir_in_root_depth(path, 0);
}

static int mkdir_in_root_depth(const char *path, int depth)
{
    char buf[PATH_MAX];
    if (depth > 40)
        return errno = ELOOP, -1;
    int fd = open_in_root(rootfd, path, O_PATH | O_DIRECTORY);
    if (fd >= 0 || errno != ENOENT)
        return fd;
    if (strlen(path) >= sizeof buf)
        return errno = ENAMETOOLONG, -1;
    strcpy(buf, path);
    for (char *p = buf + 1;; p++) {
        if (*p != '/' && *p != 0)
            continue;
        char save = *p;
        *p = 0;
        int f = open_in_root(rootfd, buf, O_PATH | O_DIRECTORY);
        if (f < 0 && errno == ENOENT) {
            char parent[PATH_MAX], name[NAME_MAX + 1], next[PATH_MAX];
            split(buf, parent, name);
            int pfd = open_in_root(rootfd, parent, O_PATH | O_DIRECTORY);
            if (pfd < 0)
                return -1;
            if (mkdirat(pfd, name, 0755) < 0) {
                /* EEXIST with ENOENT above: a dangling symlink; create where it points, in the root */
                if (errno != EEXIST || follow_dangling(pfd, parent, name, save ? p + 1 : "", next, sizeof next) < 0) {
                    close(pfd);
                    return -1;
                }
                close(pfd);
                return mkdir_in_root_depth(next, depth + 1);
            }
            close(pfd);
            f = open_in_root(rootfd, buf, O_PATH | O_DIRECTORY);
        }
        if (f < 0)
            return -1;
        if (save == 0)
            return f;
        close(f);
        *p = save;
    }
}

/* Create (if needed) an empty regular file inside the root; returns an O_PATH handle. */
static int mkfile_in_root(const char *path)
{
    char cur[PATH_MAX], parent[PATH_MAX], name[NAME_MAX + 1], next[PATH_MAX];
    if (strlen(path) >= sizeof cur)
        return errno = ENAMETOOLONG, -1;
    strcpy(cur, path);
    for (int depth = 0; depth <= 40; depth++) {
        int fd = open_in_root(rootfd, cur, O_PATH);
        if (fd >= 0 || errno != ENOENT)
            return fd;
        split(cur, parent, name);
        int pfd = mkdir_in_root(parent);
        if (pfd < 0)
            return -1;
        fd = openat(pfd, name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (fd >= 0) {
            close(fd);
            close(pfd);
            return open_in_root(rootfd, cur, O_PATH);
        }
        /* EEXIST with ENOENT above: a dangling symlink; create where it points, in the root */
        if (errno != EEXIST || follow_dangling(pfd, parent, name, "", next, sizeof next) < 0) {
            close(pfd);
            return -1;
        }
        close(pfd);
        strcpy(cur, next);
    }
    return errno = ELOOP, -1;
}

/* Flags a bind remount must keep: the kernel refuses to clear locked ones inside a user ns. */
static unsigned long locked_flags(const char *path)
{
    struct statvfs sv;
    unsigned long f = 0;
    if (statvfs(path, &sv) < 0)
        return 0;
    if (sv.f_flag & ST_NOSUID) f |= MS_NOSUID;
    if (sv.f_flag & ST_NODEV) f |= MS_NODEV;
    if (sv.f_flag & ST_NOEXEC) f |= MS_NOEXEC;
    if (sv.f_flag & ST_RDONLY) f |= MS_RDONLY;
    return f;
}

static void copy_tree(int from, int to, const char *where);

static void copy_file(int from, int to, const char *name, const struct stat *st)
{
    int in = openat(from, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    int out = openat(to, name, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, st->st_mode & 07777);
    char buf[65536];
    ssize_t n;
    if (in < 0 || out < 0)
        die("tmpcopyup: copy \"%s\"", name);
    while ((n = read(in, buf, sizeof buf)) > 0)
        if (write(out, buf, n) != n)
            die("tmpcopyup: write \"%s\"", name);
    fchown(out, st->st_uid, st->st_gid);
    fchmod(out, st->st_mode & 07777);
    close(in);
    close(out);
}

/* tmpcopyup: copy what the image had at the destination into the new tmpfs (runc's semantics). */
static void copy_tree(int from, int to, const char *where)
{
    int dfd = dup(from);
    DIR *d = fdopendir(dfd);
    struct dirent *e;
    if (!d)
        die("tmpcopyup: read \"%s\"", where);
    while ((e = readdir(d))) {
        struct stat st;
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        if (fstatat(from, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
            continue;
        if (S_ISDIR(st.st_mode)) {
            if (mkdirat(to, e->d_name, st.st_mode & 07777) < 0 && errno != EEXIST)
                die("tmpcopyup: mkdir \"%s\"", e->d_name);
            int a = openat(from, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            int b = openat(to, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (a < 0 || b < 0)
                die("tmpcopyup: open \"%s\"", e->d_name);
            copy_tree(a, b, e->d_name);
            fchown(b, st.st_uid, st.st_gid);
            close(a);
            close(b);
        } else if (S_ISLNK(st.st_mode)) {
            char target[PATH_MAX];
            ssize_t n = readlinkat(from, e->d_name, target, sizeof target - 1);
            if (n >= 0) {
                target[n] = 0;
                symlinkat(target, to, e->d_name);
                fchownat(to, e->d_name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW);
            }
        } else if (S_ISREG(st.st_mode)) {
            copy_file(from, to, e->d_name, &st);
        } else {
            mknodat(to, e->d_name, st.st_mode, st.st_rdev);
            fchownat(to, e->d_name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW);
        }
    }
    closedir(d);
}

/* runc's list of /proc files that may be covered (lxcfs); everything else in procfs is refused */
static const char *const proc_allowed[] = {
    "/proc/cpuinfo", "/proc/diskstats", "/proc/meminfo", "/proc/stat", "/proc/swaps", "/proc/uptime",
    "/proc/loadavg", "/proc/slabinfo", "/proc/net/dev", "/proc/sys/kernel/ns_last_pid", NULL,
};

/* CVE-2019-16884, CVE-2025-52881: a mount must not cover procfs (LSM attr files, sysctls) unless it
 * is proc itself or an allowed file; /proc itself only takes a proc mount. */
static void check_proc_destination(const struct mnt *m, int dfd)
{
    struct statfs sf;
    int is_proc = !strcmp(m->type, "proc");
    if (!strcmp(m->dst, "/proc") && !is_proc) {
        struct statfs ssf; /* runc allows binding a procfs (the host's) there, nothing else */
        if (!(m->extra & M_BIND) || statfs(m->src, &ssf) < 0 || ssf.f_type != PROC_SUPER_MAGIC)
            die_plain("error mounting \"%s\" to rootfs at \"/proc\": /proc must be a proc mount", m->src);
        return;
    }
    if (fstatfs(dfd, &sf) < 0)
        die("error mounting \"%s\" to rootfs at \"%s\": statfs destination", m->src, m->dst);
    if (sf.f_type != PROC_SUPER_MAGIC || is_proc)
        return;
    for (int i = 0; proc_allowed[i]; i++)
        if (!strcmp(m->dst, proc_allowed[i]))
            return;
    die_plain("error mounting \"%s\" to rootfs at \"%s\": the destination is inside /proc, which is not allowed",
              m->src, m->dst);
}

static void do_mount(const struct mnt *m)
{
    char p1[64], p2[64];
    int bind = m->extra & M_BIND;
    int dst_is_file = 0;
    struct stat st;

    if (m->extra & M_REMOUNT) {
        int fd = open_in_root(rootfd, m->dst, O_PATH);
        if (fd < 0 || mount(NULL, fdpath(fd, p1), NULL, MS_REMOUNT | m->flags, NULL) < 0)
            die("error remounting \"%s\"", m->dst);
        close(fd);
        return;
    }
    if (bind) {
        if (stat(m->src, &st) < 0)
            die("error mounting \"%s\" to rootfs at \"%s\": stat source", m->src, m->dst);
        dst_is_file = !S_ISDIR(st.st_mode);
    }
    int dfd;
    if (m->extra & M_PROCLIKE) {
        /* CVE-2019-16884/19921: /proc and /sys land on an ordinary directory of the image, and
         * the mount goes onto the very handle that was checked (no second lookup to race) */
        int made = mkdir_in_root(m->dst);
        if (made >= 0)
            close(made);
        struct open_how how = { .flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
                                .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS };
        dfd = (int)syscall(SYS_openat2, rootfd, m->dst, &how, sizeof how);
        if (dfd < 0 && errno == ELOOP)
            die_plain("error mounting \"%s\" to rootfs at \"%s\": the destination goes through a symlink; it must be an ordinary directory", m->src, m->dst);
        if (dfd < 0 && errno == ENOTDIR)
            die_plain("error mounting \"%s\" to rootfs at \"%s\": it must be mounted on an ordinary directory", m->src, m->dst);
    } else {
        dfd = dst_is_file ? mkfile_in_root(m->dst) : mkdir_in_root(m->dst);
    }
    if (dfd < 0)
        die("error mounting \"%s\" to rootfs at \"%s\": create mount destination", m->src, m->dst);
    check_proc_destination(m, dfd);
    if (!dst_is_file && bind == 0 && fstat(dfd, &st) == 0 && !S_ISDIR(st.st_mode))
        die_plain("error mounting \"%s\" to rootfs at \"%s\": not a directory", m->src, m->dst);

    int below = -1;
    if (m->extra & M_TMPCOPYUP) {
        below = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (below < 0)
            die("tmpcopyup: open \"%s\"", m->dst);
    }
    if (m->extra & M_IDMAP) {
        /* onto the very handle resolved in the root (move_mount does not follow /proc/self/fd) */
        if (syscall(SYS_move_mount, m->fd, "", dfd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
            die("error mounting \"%s\" to rootfs at \"%s\": attach the idmapped mount", m->src, m->dst);
        close(m->fd);
    } else if (bind) {
        if (mount(m->src, fdpath(dfd, p1), NULL, MS_BIND | (m->flags & MS_REC), NULL) < 0)
            die("error mounting \"%s\" to rootfs at \"%s\"", m->src, m->dst);
    } else {
        if (mount(m->src, fdpath(dfd, p1), m->type, m->flags & ~(MS_REC), m->data[0] ? m->data : NULL) < 0)
            die("error mounting \"%s\" to rootfs at \"%s\"", m->src, m->dst);
    }
    close(dfd);

    /* the handle above is the covered directory: re-resolve to reach the new mount */
    int top = open_in_root(rootfd, m->dst, O_PATH);
    if (top < 0)
        die("error mounting \"%s\" to rootfs at \"%s\": reopen", m->src, m->dst);
    unsigned long extra = m->flags & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME |
                                      MS_NODIRATIME | MS_RELATIME | MS_STRICTATIME | MS_SYNCHRONOUS |
                                      MS_DIRSYNC | MS_MANDLOCK | MS_LAZYTIME);
    if (bind && extra) {
        unsigned long f = MS_REMOUNT | MS_BIND | extra | (locked_flags(fdpath(top, p2)) & ~MS_RDONLY);
        if (mount(NULL, fdpath(top, p2), NULL, f, NULL) < 0)
            die("error remounting \"%s\" at \"%s\" with its options", m->src, m->dst);
    }
    if (below >= 0) {
        int newdir = openat(top, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (newdir < 0)
            die("tmpcopyup: open new \"%s\"", m->dst);
        copy_tree(below, newdir, m->dst);
        close(newdir);
        close(below);
    }
    if (m->prop && mount(NULL, fdpath(top, p2), NULL, m->prop, NULL) < 0)
        die("error setting propagation of \"%s\"", m->dst);
    uint64_t attr_set = m->attr_set;
    if (bind && (m->flags & MS_REC) && (m->flags & MS_RDONLY))
        attr_set |= MOUNT_ATTR_RDONLY; /* CVE-2023-25809: "ro" on an rbind covers its submounts too */
    if (attr_set || m->attr_clr) {
        struct mount_attr attr = { .attr_set = attr_set, .attr_clr = m->attr_clr };
        if (syscall(SYS_mount_setattr, top, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof attr) < 0)
            die("error setting recursive mount attributes of \"%s\"", m->dst);
    }
    close(top);
}

static void make_device(const struct dev *d)
{
    char parent[PATH_MAX], name[NAME_MAX + 1], p1[64];
    split(d->path, parent, name);
    int pfd = mkdir_in_root(parent);
    if (pfd < 0)
        die("create device \"%s\": parent directory", d->path);
    if (d->bind) {
        /* in a user namespace mknod is not allowed: bind the host's node onto an empty file */
        close(pfd);
        int fd = mkfile_in_root(d->path);
        if (fd < 0)
            die("create device \"%s\"", d->path);
        if (mount(d->path, fdpath(fd, p1), NULL, MS_BIND, NULL) < 0)
            die("bind-mount device \"%s\"", d->path);
        close(fd);
        return;
    }
    unlinkat(pfd, name, 0); /* the image may ship a file there; never follow it */
    if (mknodat(pfd, name, d->mode, makedev(d->major, d->minor)) < 0) {
        if (errno != EPERM)
            die("create device \"%s\"", d->path);
        /* the container's device cgroup denies mknod of it: the node still appears (bound from
         * the host), and the cgroup still decides who may open it */
        close(pfd);
        struct dev bound = *d;
        bound.bind = 1;
        make_device(&bound);
        return;
    }
    if (fchownat(pfd, name, d->uid, d->gid, AT_SYMLINK_NOFOLLOW) < 0)
        die("chown device \"%s\"", d->path);
    if (fchmodat(pfd, name, d->mode & 07777, 0) < 0)
        die("chmod device \"%s\"", d->path);
    close(pfd);
}

static void make_symlink(const struct kv *l)
{
    char parent[PATH_MAX], name[NAME_MAX + 1];
    split(l->b, parent, name);
    int pfd = mkdir_in_root(parent);
    if (pfd < 0)
        die("create symlink \"%s\": parent directory", l->b);
    if (symlinkat(l->a, pfd, name) < 0 && errno != EEXIST)
        die("create symlink \"%s\"", l->b);
    close(pfd);
}

/* Make the mount holding `path` private: pivot_root refuses a shared parent mount. */
static void make_parent_private(const char *path)
{
    FILE *f = fopen("/proc/self/mountinfo", "re");
    char line[4096], best[PATH_MAX] = "/";
    size_t bestlen = 1;
    if (!f)
        die("read /proc/self/mountinfo");
    while (fgets(line, sizeof line, f)) {
        char mp[PATH_MAX];
        if (sscanf(line, "%*s %*s %*s %*s %4095s", mp) != 1)
            continue;
        size_t n = strlen(mp);
        if (n > bestlen && !strncmp(path, mp, n) && (path[n] == '/' || path[n] == 0)) {
            strcpy(best, mp);
            bestlen = n;
        }
    }
    fclose(f);
    if (mount(NULL, best, NULL, MS_PRIVATE, NULL) < 0)
        die("make \"%s\" private", best);
}

void setup_rootfs(const struct plan *p)
{
    struct statfs sf;
    char parent[PATH_MAX], name[NAME_MAX + 1];

    /* the host's procfs is what every /proc/self/fd path below goes through: make sure it is one */
    if (statfs("/proc", &sf) < 0 || sf.f_type != PROC_SUPER_MAGIC)
        die_plain("/proc of the runtime is not procfs");
    /* while we work: rslave (or rshared when asked, so shared volumes keep their peers); the
     * requested rootfsPropagation goes on the new root once it is in place */
    if (mount(NULL, "/", NULL, (p->rootprop & MS_SHARED) ? (MS_SHARED | MS_REC) : (MS_SLAVE | MS_REC), NULL) < 0)
        die("set propagation of /");
    split(p->rootfs, parent, name);
    if (p->rootprop & MS_SHARED)
        make_parent_private(parent);
    if (mount(p->rootfs, p->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
        die("bind-mount rootfs \"%s\"", p->rootfs);
    rootfd = open(p->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (rootfd < 0)
        die("open rootfs \"%s\"", p->rootfs);
    for (int i = 0; i < p->nmounts; i++)
        do_mount(&p->mounts[i]);
    for (int i = 0; i < p->ndevs; i++)
        make_device(&p->devs[i]);
    for (int i = 0; i < p->nlinks; i++)
        make_symlink(&p->links[i]);
    if (p->flags & F_TERMINAL)
        setup_console(p, rootfd);
}

static int open_dev_null(void)
{
    struct stat st;
    int fd = open_in_root(rootfd, "/dev/null", O_PATH);
    if (fd < 0 || fstat(fd, &st) < 0 || !S_ISCHR(st.st_mode) || major(st.st_rdev) != 1 || minor(st.st_rdev) != 3) {
        /* CVE-2025-31133: never bind something that only claims to be /dev/null */
        if (fd >= 0)
            close(fd);
        fd = open("/dev/null", O_PATH | O_CLOEXEC); /* the host's, verified the same way */
        if (fd < 0 || fstat(fd, &st) < 0 || !S_ISCHR(st.st_mode) || major(st.st_rdev) != 1 || minor(st.st_rdev) != 3)
            die_plain("no usable /dev/null to mask paths with");
    }
    return fd;
}

/* Masked and read-only paths are resolved without following any symlink: a path that goes
 * through one (say /proc swapped for a link while we work) fails the create, never slips by. */
static int open_no_symlinks(const char *path)
{
    struct open_how how = { .flags = O_PATH | O_CLOEXEC,
                            .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS };
    int fd;
    do
        fd = (int)syscall(SYS_openat2, rootfd, path, &how, sizeof how);
    while (fd < 0 && errno == EAGAIN);
    return fd;
}

static void mask_paths(const struct plan *p)
{
    char p1[64], p2[64];
    int null = -1;
    for (int i = 0; i < p->nmasks; i++) {
        struct stat st;
        int fd = open_no_symlinks(p->masks[i]);
        if (fd < 0) {
            if (errno == ENOENT)
                continue;
            die("mask \"%s\"", p->masks[i]);
        }
        if (fstat(fd, &st) < 0)
            die("mask \"%s\"", p->masks[i]);
        if (S_ISDIR(st.st_mode)) {
            if (mount("tmpfs", fdpath(fd, p1), "tmpfs", MS_RDONLY, "size=0k,nr_inodes=1") < 0)
                die("mask \"%s\"", p->masks[i]);
        } else {
            if (null < 0)
                null = open_dev_null();
            if (mount(fdpath(null, p2), fdpath(fd, p1), NULL, MS_BIND, NULL) < 0)
                die("mask \"%s\"", p->masks[i]);
        }
        close(fd);
    }
    if (null >= 0)
        close(null);
}

static void readonly_paths(const struct plan *p)
{
    char p1[64];
    for (int i = 0; i < p->nro; i++) {
        int fd = open_no_symlinks(p->ro[i]);
        if (fd < 0) {
            if (errno == ENOENT)
                continue;
            die("make \"%s\" read-only", p->ro[i]);
        }
        if (mount(fdpath(fd, p1), fdpath(fd, p1), NULL, MS_BIND | MS_REC, NULL) < 0)
            die("make \"%s\" read-only", p->ro[i]);
        close(fd);
        fd = open_no_symlinks(p->ro[i]);
        if (fd < 0)
            die("make \"%s\" read-only: reopen", p->ro[i]);
        /* read-only all the way down: a submount must not stay writable */
        struct mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY };
        if (syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof attr) < 0)
            die("make \"%s\" read-only", p->ro[i]);
        close(fd);
    }
}

/* Before the masks and read-only paths (runc's order: /proc/sys is usually read-only after). */
static void set_sysctls(const struct plan *p)
{
    char path[PATH_MAX];
    struct statfs sf;
    for (int i = 0; i < p->nsysctls; i++) {
        snprintf(path, sizeof path, "/proc/sys/%s", p->sysctls[i].a);
        int fd = open_in_root(rootfd, path, O_WRONLY | O_NOFOLLOW);
        if (fd < 0)
            die("write sysctl %s", p->sysctls[i].a);
        /* CVE-2025-52881: the write must land on procfs, not on whatever the image put there */
        if (fstatfs(fd, &sf) < 0 || sf.f_type != PROC_SUPER_MAGIC)
            die_plain("write sysctl %s: %s is not on procfs", p->sysctls[i].a, path);
        size_t n = strlen(p->sysctls[i].b);
        if (write(fd, p->sysctls[i].b, n) != (ssize_t)n) /* one write, as the kernel expects */
            die("write sysctl %s", p->sysctls[i].a);
        close(fd);
    }
}

/* Stdio that is a null device (the caller's /dev/null, on a mount outside the container) becomes
 * the container's own /dev/null, as runc's reOpenDevNull does: CRIU cannot checkpoint a file
 * whose mount the container's mount namespace does not hold. Runs after pivot_root, only when we
 * made /dev ourselves (its null node is ours); the node is checked before it is used. A /dev/null
 * the container may not open (its device rules deny 1:3) leaves the stdio as it was. */
static void reopen_dev_null(void)
{
    int fd = -1;
    for (int n = 0; n < 3; n++) {
        struct stat st;
        if (fstat(n, &st) < 0 || !S_ISCHR(st.st_mode) || major(st.st_rdev) != 1 || minor(st.st_rdev) != 3)
            continue;
        if (fd < 0) {
            struct stat own;
            fd = open("/dev/null", O_RDWR | O_NOFOLLOW | O_CLOEXEC);
            if (fd < 0)
                return; /* e.g. the device cgroup denies it: the caller's stays (only CRIU minds) */
            if (fstat(fd, &own) < 0 || !S_ISCHR(own.st_mode) || own.st_rdev != st.st_rdev)
                die_plain("can't reopen /dev/null: the container's /dev/null is not the null device");
        }
        if (dup3(fd, n, 0) < 0)
            die("dup3 /dev/null");
    }
    if (fd >= 0)
        close(fd);
}

void finish_rootfs(const struct plan *p)
{
    set_sysctls(p);
    mask_paths(p);
    readonly_paths(p);
    if (fchdir(rootfd) < 0)
        die("chdir to rootfs");
    if (p->flags & F_NO_PIVOT) {
        if (mount(p->rootfs, "/", NULL, MS_MOVE, NULL) < 0)
            die("move rootfs to /");
        if (chroot(".") < 0)
            die("chroot");
    } else {
        /* pivot onto itself: the old root ends up stacked on top of the new one. Step onto it
         * (through a handle taken before) so rslave and the detach touch only the old root. */
        int oldroot = open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
        if (oldroot < 0)
            die("open old root");
        if (syscall(SYS_pivot_root, ".", ".") < 0)
            die("pivot_root");
        if (fchdir(oldroot) < 0)
            die("chdir to old root");
        if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
            die("make old root rslave");
        if (umount2(".", MNT_DETACH) < 0)
            die("unmount old root");
        close(oldroot);
    }
    if (chdir("/") < 0)
        die("chdir /");
    close(rootfd);
    rootfd = -1;
    if (p->rootprop && mount(NULL, "/", NULL, p->rootprop, NULL) < 0)
        die("set rootfsPropagation");
    if (p->flags & F_SETUP_DEV)
        reopen_dev_null();
    if (p->flags & F_ROOT_READONLY) {
        if (mount(NULL, "/", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | locked_flags("/"), NULL) < 0)
            die("make rootfs read-only");
    }
}
