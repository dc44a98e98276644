/* Stage 2: the root filesystem. Every path inside the rootfs is resolved inside it (openat2
 * RESOLVE_IN_ROOT) and every mount goes through /proc/self/fd/N of the resolved handle, so a
 * symlink in the image can never lead a mount, mkdir or mknod outside (docs/security.md §1.5, §2). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <linux/mount.h>
#include <linux/openat2.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>
#include "init.h"

#ifndef SYS_mount_setattr
#define SYS_mount_setattr 442
#endif
#ifndef SYS_move_mount
#define SYS_move_mount 429
#endif

static int rootfd = -1;
static const char *p_rootfs = "";   /* the rootfs path, as the host sees it */
static const struct plan *plan_now; /* the plan setup_rootfs works on (the sysfs fallback reads it) */

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

/* Split "a/b/c" into the parent "a/b" (or "/", into parent[PATH_MAX]) and the last name "c" (into
 * name[NAME_MAX + 1]). -1 with ENAMETOOLONG when either does not fit: no file system takes a
 * longer name, and a cut one would be another file. */
static int split(const char *path, char *parent, char *name)
{
    char tmp[PATH_MAX];
    size_t n = strlen(path);
    while (n > 1 && path[n - 1] == '/')
        n--;
    if (n >= sizeof tmp)
        return errno = ENAMETOOLONG, -1;
    memcpy(tmp, path, n);
    tmp[n] = 0;
    char *slash = strrchr(tmp, '/');
    const char *last = slash ? slash + 1 : tmp;
    if (strlen(last) > NAME_MAX)
        return errno = ENAMETOOLONG, -1;
    strcpy(name, last);
    if (!slash || slash == tmp) {
        strcpy(parent, "/");
    } else {
        *slash = 0;
        strcpy(parent, tmp); /* shorter than tmp[PATH_MAX] */
    }
    return 0;
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
            if (split(buf, parent, name) < 0)
                return -1;
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
        if (split(cur, parent, name) < 0)
            return -1;
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

#ifndef MQUEUE_MAGIC
#define MQUEUE_MAGIC 0x19800202
#endif
#ifndef MS_NOSYMFOLLOW
#define MS_NOSYMFOLLOW 256
#endif
#ifndef ST_NOSYMFOLLOW
#define ST_NOSYMFOLLOW 0x2000
#endif

/* The atime flags are one enum (plus nodiratime); these are the flags the kernel locks on mounts a
 * less privileged mount namespace inherits (MNT_LOCK_*): a remount there must keep them. */
#define ATIME_ENUM (MS_NOATIME | MS_RELATIME | MS_STRICTATIME)
#define ATIME_FLAGS (ATIME_ENUM | MS_NODIRATIME)
#define LOCK_FLAGS (MS_RDONLY | MS_NODEV | MS_NOEXEC | MS_NOSUID | ATIME_FLAGS)

/* A mount's flags as MS_* (statfs f_flags); strictatime is what no other atime flag means. */
static unsigned long mount_flags_of(int fd)
{
    static const struct {
        unsigned long st, ms;
    } map[] = {
        { ST_RDONLY, MS_RDONLY },           { ST_NOSUID, MS_NOSUID },         { ST_NODEV, MS_NODEV },
        { ST_NOEXEC, MS_NOEXEC },           { ST_MANDLOCK, MS_MANDLOCK },     { ST_SYNCHRONOUS, MS_SYNCHRONOUS },
        { ST_NOATIME, MS_NOATIME },         { ST_NODIRATIME, MS_NODIRATIME }, { ST_RELATIME, MS_RELATIME },
        { ST_NOSYMFOLLOW, MS_NOSYMFOLLOW },
    };
    struct statvfs sv;
    unsigned long f = 0;
    if (fstatvfs(fd, &sv) < 0)
        return 0;
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (sv.f_flag & map[i].st)
            f |= map[i].ms;
    if (!(f & ATIME_ENUM))
        f |= MS_STRICTATIME;
    return f;
}

static const char *flag_names(unsigned long f, char *buf, size_t cap)
{
    static const struct {
        unsigned long bit;
        const char *name;
    } names[] = {
        { MS_RDONLY, "MS_RDONLY" },     { MS_NOSUID, "MS_NOSUID" },           { MS_NODEV, "MS_NODEV" },
        { MS_NOEXEC, "MS_NOEXEC" },     { MS_NOATIME, "MS_NOATIME" },         { MS_NODIRATIME, "MS_NODIRATIME" },
        { MS_RELATIME, "MS_RELATIME" }, { MS_STRICTATIME, "MS_STRICTATIME" },
    };
    size_t n = 0;
    buf[0] = 0;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if ((f & names[i].bit) && n < cap)
            n += (size_t)snprintf(buf + n, cap - n, "%s%s", n ? "|" : "", names[i].name);
    return buf;
}

#define TMPCOPYUP_MAX_DEPTH 1024 /* the image decides how deep: a bound, with a clean error */

static void copy_tree(int from, int to, const char *where, int depth);

static void copy_file(int from, int to, const char *name, const struct stat *st)
{
    /* O_NONBLOCK: a FIFO swapped in for the file must not hang us (fstat then refuses it) */
    int in = openat(from, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    struct stat ist;
    if (in < 0 || fstat(in, &ist) < 0 || !S_ISREG(ist.st_mode))
        die("tmpcopyup: copy \"%s\"", name);
    int out = openat(to, name, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, st->st_mode & 07777);
    char buf[65536];
    ssize_t n;
    if (out < 0)
        die("tmpcopyup: copy \"%s\"", name);
    while ((n = read(in, buf, sizeof buf)) > 0)
        if (write(out, buf, n) != n)
            die("tmpcopyup: write \"%s\"", name);
    fchown(out, st->st_uid, st->st_gid);
    fchmod(out, st->st_mode & 07777);
    close(in);
    close(out);
}

/* out of copy_tree's frame: its PATH_MAX buffer is not on the stack once per level */
static __attribute__((noinline)) void copy_symlink(int from, int to, const char *name, const struct stat *st)
{
    char target[PATH_MAX];
    ssize_t n = readlinkat(from, name, target, sizeof target - 1);
    if (n >= 0) {
        target[n] = 0;
        symlinkat(target, to, name);
        fchownat(to, name, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW);
    }
}

/* tmpcopyup: copy what the image had at the destination into the new tmpfs (runc's semantics). */
static void copy_tree(int from, int to, const char *where, int depth)
{
    if (depth > TMPCOPYUP_MAX_DEPTH)
        die_plain("tmpcopyup: \"%s\" is nested more than %d directories deep", where, TMPCOPYUP_MAX_DEPTH);
    int dfd = dup(from);
    DIR *d = dfd < 0 ? NULL : fdopendir(dfd);
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
            copy_tree(a, b, e->d_name, depth + 1);
            fchown(b, st.st_uid, st.st_gid);
            fchmod(b, st.st_mode & 07777); /* mkdirat's mode went through the umask */
            close(a);
            close(b);
        } else if (S_ISLNK(st.st_mode)) {
            copy_symlink(from, to, e->d_name, &st);
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
    "/proc/cpuinfo",
    "/proc/diskstats",
    "/proc/meminfo",
    "/proc/stat",
    "/proc/swaps",
    "/proc/uptime",
    "/proc/loadavg",
    "/proc/slabinfo",
    "/proc/net/dev",
    "/proc/sys/kernel/ns_last_pid",
    NULL,
};

/* CVE-2019-16884, CVE-2025-52881: a mount must not cover procfs (LSM attr files, sysctls) unless it
 * is proc itself or an allowed file; /proc itself only takes a proc mount. `srcfd`: the source the
 * parent opened, if any. */
static void check_proc_destination(const struct mnt *m, int dfd, int srcfd)
{
    struct statfs sf;
    int is_proc = !strcmp(m->type, "proc");
    if (!strcmp(m->dst, "/proc") && !is_proc) {
        struct statfs ssf; /* runc allows binding a procfs (the host's) there, nothing else */
        int r = srcfd >= 0 ? fstatfs(srcfd, &ssf) : statfs(m->src, &ssf);
        if (!(m->extra & M_BIND) || r < 0 || ssf.f_type != PROC_SUPER_MAGIC)
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

/* Ask the parent to open mount `index`'s source (MSG_MOUNT_PLEASE; launch.py, ext.c): for an
 * idmapped bind, and for a bind source we cannot reach from inside a user namespace. The answer
 * carries the handle; a failure on the parent's side ends this process. */
static int ask_source(int index, uint32_t *kind)
{
    uint32_t v = (uint32_t)index;
    size_t len = 0;
    int fd = -1, nfds = 0;
    sync_send(MSG_MOUNT_PLEASE, &v, 4);
    /* bounded like every message from the parent (sync.c): 4 bytes and exactly one fd */
    if (sync_recv_both(kind, 4, &len, &fd, 1, &nfds) != MSG_MOUNT_FD || len != 4 || nfds != 1) {
        if (nfds == 1)
            close(fd);
        die_plain("sync: no mount source from the parent");
    }
    return fd;
}

/* A bind mount's flags, runc's way: none given, none changed (the source's stay, as with
 * mount --bind); otherwise exactly the flags given. Where the kernel refuses (inside a user
 * namespace the source's nosuid/nodev/noexec/ro/atime flags are locked), the locked flags the
 * source has are added back and the remount is tried again, unless one of them was explicitly
 * cleared or a different atime was asked for: then the create fails (the mount would not be what
 * the config says). */
static void bind_remount(const struct mnt *m, int top)
{
    char p[64], names[160];
    unsigned long f = (m->flags & ~(MS_REC | MS_BIND | MS_REMOUNT)) | MS_BIND | MS_REMOUNT;
    if (mount(NULL, fdpath(top, p), NULL, f, NULL) == 0)
        return;
    int err = errno;
    unsigned long src = mount_flags_of(top);
    unsigned long clear = src & m->cleared & LOCK_FLAGS;
    if (clear) {
        errno = err;
        die("error mounting \"%s\" to rootfs at \"%s\": failed to set user-requested vfs flags on bind-mount: "
            "cannot clear locked flags %s",
            m->src, m->dst, flag_names(clear, names, sizeof names));
    }
    if ((m->flags & ATIME_FLAGS) && (m->flags & ATIME_FLAGS) != (src & ATIME_FLAGS)) {
        errno = err;
        die("error mounting \"%s\" to rootfs at \"%s\": failed to set user-requested vfs flags on bind-mount: "
            "cannot change locked atime flags %s",
            m->src, m->dst, flag_names(src & ATIME_FLAGS, names, sizeof names));
    }
    if (mount(NULL, p, NULL, f | (src & LOCK_FLAGS), NULL) < 0)
        die("error mounting \"%s\" to rootfs at \"%s\": failed to set user-requested vfs flags on bind-mount: "
            "remount with locked flags %s re-applied",
            m->src, m->dst, flag_names(src & LOCK_FLAGS, names, sizeof names));
}

/* Unescape mountinfo's octal escapes (\040 for a space) in place. */
static void unescape(char *s)
{
    char *w = s;
    for (char *r = s; *r; r++) {
        if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' && r[3] >= '0' && r[3] <= '7') {
            *w++ = (char)((r[1] - '0') * 64 + (r[2] - '0') * 8 + (r[3] - '0'));
            r += 3;
        } else {
            *w++ = *r;
        }
    }
    *w = 0;
}

/* Filesystems that are the kernel's interfaces rather than data. */
static int kernel_interface(const char *fstype)
{
    static const char *const names[] = {
        "proc",     "sysfs",  "cgroup",   "cgroup2", "securityfs",  "debugfs",   "tracefs", "bpf",
        "efivarfs", "pstore", "configfs", "fusectl", "binfmt_misc", "selinuxfs", "mqueue",  NULL,
    };
    for (int i = 0; names[i]; i++)
        if (!strcmp(fstype, names[i]))
            return 1;
    return 0;
}

static int mount_id_of(int fd, uint64_t *id)
{
    struct statx sx;
    if (statx(fd, "", AT_EMPTY_PATH, STATX_MNT_ID, &sx) < 0 || !(sx.stx_mask & STATX_MNT_ID))
        return -1;
    *id = sx.stx_mnt_id;
    return 0;
}

/* "ro" on an rbind is MS_RDONLY on the top mount (runc 1.3, mount(8), the spec; "rro" is the
 * recursive form), so the submounts keep their own flags. Not so for the kernel's interfaces:
 * a proc, sysfs, cgroup... mount below a read-only rbind (or the rbind itself) is made read-only
 * with everything under it, or binding the host's /sys or / read-only would leave its cgroup
 * tree or /proc/sys writable (CVE-2023-25809's class). */
static void readonly_kernel_submounts(const struct mnt *m, int top)
{
    char self[PATH_MAX], fdp[64], fstype[64], mp[PATH_MAX];
    struct statfs sf;
    struct mount_attr ro = { .attr_set = MOUNT_ATTR_RDONLY };
    static const long magic[] = { PROC_SUPER_MAGIC,
                                  SYSFS_MAGIC,
                                  CGROUP_SUPER_MAGIC,
                                  CGROUP2_SUPER_MAGIC,
                                  SECURITYFS_MAGIC,
                                  DEBUGFS_MAGIC,
                                  TRACEFS_MAGIC,
                                  BPF_FS_MAGIC,
                                  EFIVARFS_MAGIC,
                                  PSTOREFS_MAGIC,
                                  SELINUX_MAGIC,
                                  MQUEUE_MAGIC,
                                  0 };
    if (fstatfs(top, &sf) == 0)
        for (int i = 0; magic[i]; i++)
            if (sf.f_type == magic[i]) {
                if (syscall(SYS_mount_setattr, top, "", AT_EMPTY_PATH | AT_RECURSIVE, &ro, sizeof ro) < 0)
                    die("error mounting \"%s\" to rootfs at \"%s\": make it read-only recursively", m->src, m->dst);
                return;
            }
    ssize_t n = readlink(fdpath(top, fdp), self, sizeof self - 1);
    if (n <= 0)
        die("error mounting \"%s\" to rootfs at \"%s\": where is it", m->src, m->dst);
    self[n] = 0;
    size_t rl = strlen(p_rootfs), sl = (size_t)n;
    FILE *f = fopen("/proc/self/mountinfo", "re");
    if (!f)
        die("read /proc/self/mountinfo");
    char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, f) > 0) {
        unsigned long long id;
        const char *dash = strstr(line, " - ");
        if (!dash || sscanf(line, "%llu %*s %*s %*s %4095s", &id, mp) != 2 || sscanf(dash + 3, "%63s", fstype) != 1)
            continue;
        unescape(mp);
        /* strictly below this mount, and a kernel interface */
        if (strncmp(mp, self, sl) || mp[sl] != '/' || !kernel_interface(fstype) || strncmp(mp, p_rootfs, rl))
            continue;
        int fd = open_in_root(rootfd, mp + rl, O_PATH);
        uint64_t got;
        if (fd < 0 || mount_id_of(fd, &got) < 0 || got != id) {
            /* covered by a later mount: out of the container's reach */
            if (fd >= 0)
                close(fd);
            continue;
        }
        if (syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &ro, sizeof ro) < 0)
            die("error mounting \"%s\" to rootfs at \"%s\": make its %s submount read-only", m->src, m->dst, fstype);
        close(fd);
    }
    free(line);
    fclose(f);
}

/* proc and sysfs land on an ordinary directory of the image, never through a symlink
 * (CVE-2019-16884/19921, CVE-2023-27561): created only where nothing is yet. */
static int open_proclike_destination(const struct mnt *m)
{
    struct open_how how = { .flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
                            .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS };
    int dfd = (int)syscall(SYS_openat2, rootfd, m->dst, &how, sizeof how);
    if (dfd < 0 && errno == ENOENT) {
        /* no symlink on the way (that would be ELOOP): create what is missing, then look again */
        int made = mkdir_in_root(m->dst);
        if (made >= 0)
            close(made);
        dfd = (int)syscall(SYS_openat2, rootfd, m->dst, &how, sizeof how);
    }
    if (dfd < 0 && (errno == ELOOP || errno == ENOTDIR))
        die_plain("error mounting \"%s\" to rootfs at \"%s\": filesystem \"%s\" must be mounted on ordinary directory",
                  m->src, m->dst, m->type);
    return dfd;
}

/* A mount the kernel refused (EPERM) because we lack a privilege a rootless container never has:
 * bind what the host shows instead, as crun and podman do. Returns 0 when bound.
 *  - sysfs needs the network namespace to be ours: the host's /sys (its /sys/fs/cgroup masked
 *    unless the container mounts something there, as a fresh sysfs shows nothing there);
 *  - mqueue needs the ipc namespace to be ours: the host's /dev/mqueue is the same queue set;
 *  - cgroup2 needs a cgroup namespace of ours: the host's /sys/fs/cgroup (runc's fallback). */
static int userns_fallback(const struct mnt *m, int dfd)
{
    char p1[64];
    const char *src = !strcmp(m->type, "sysfs") ? "/sys"
        : !strcmp(m->type, "mqueue")            ? "/dev/mqueue"
        : !strcmp(m->type, "cgroup2")           ? "/sys/fs/cgroup"
                                                : NULL;
    if (!src || mount(src, fdpath(dfd, p1), NULL, MS_BIND | MS_REC, NULL) < 0)
        return -1;
    if (!strcmp(m->type, "sysfs")) {
        size_t n = strlen(m->dst);
        int covered = 0;
        for (int i = 0; i < plan_now->nmounts && !covered; i++) {
            const char *d = plan_now->mounts[i].dst;
            covered =
                !strncmp(d, m->dst, n) && !strncmp(d + n, "/fs/cgroup", 10) && (d[n + 10] == 0 || d[n + 10] == '/');
        }
        if (!covered) {
            char cg[PATH_MAX];
            snprintf(cg, sizeof cg, "%s/fs/cgroup", !strcmp(m->dst, "/") ? "" : m->dst);
            int fd = open_in_root(rootfd, cg, O_PATH | O_DIRECTORY);
            if (fd >= 0) {
                if (mount("tmpfs", fdpath(fd, p1), "tmpfs", MS_RDONLY, "size=0k,nr_inodes=1") < 0)
                    die("error mounting \"%s\" to rootfs at \"%s\": mask fs/cgroup of the host's /sys", m->src, m->dst);
                close(fd);
            }
        }
    }
    return 0;
}

/* EBUSY: the very filesystem is mounted on the target already (cgroup2 on the /sys/fs/cgroup of a
 * bound host /sys, as `spec --rootless` makes): the kernel refuses to stack a superblock on its own
 * root. Put a one-inode tmpfs between them and mount onto that (crun's way); 0 when mounted. */
static int mount_over_itself(const struct mnt *m, int dfd)
{
    char p1[64];
    if (strcmp(m->type, "cgroup2") || mount("tmpfs", fdpath(dfd, p1), "tmpfs", 0, "nr_blocks=1,nr_inodes=1") < 0)
        return -1;
    int top = open_in_root(rootfd, m->dst, O_PATH | O_DIRECTORY);
    int r = top < 0
        ? -1
        : mount(m->src, fdpath(top, p1), m->type, m->flags & ~(MS_REC), m->data[0] ? m->data : NULL); /* cgroup2 only */
    if (top >= 0)
        close(top);
    return r;
}

static void do_mount(const struct mnt *m, int index)
{
    char p1[64], p2[64], data[4096];
    const char *mdata = m->data[0] ? m->data : NULL;
    int bind = m->extra & M_BIND, fell_back = 0;
    int dst_is_file = 0, srcfd = -1;
    uint32_t kind = MS_SOURCE_PLAIN;
    struct stat st;

    if (m->extra & M_REMOUNT) {
        int fd = open_in_root(rootfd, m->dst, O_PATH);
        if (fd < 0 || mount(NULL, fdpath(fd, p1), NULL, MS_REMOUNT | m->flags, NULL) < 0)
            die("error remounting \"%s\"", m->dst);
        close(fd);
        return;
    }
    if (bind) {
        int r = -1;
        if (m->extra & M_SRC_IN_ROOT) {
            /* inside the rootfs: looked up in the root, as the container sees it */
            size_t rl = strcmp(p_rootfs, "/") ? strlen(p_rootfs) : 0;
            if (strncmp(m->src, p_rootfs, rl) || (m->src[rl] && m->src[rl] != '/'))
                die_plain("error mounting \"%s\" to rootfs at \"%s\": source not in the rootfs", m->src, m->dst);
            if (!(m->extra & M_IDMAP)) {
                srcfd = open_in_root(rootfd, m->src[rl] ? m->src + rl : "/", O_PATH);
                r = srcfd < 0 ? -1 : fstat(srcfd, &st);
            }
        } else if (!(m->extra & M_IDMAP)) {
            r = stat(m->src, &st);
        }
        if ((m->extra & M_IDMAP) || (r < 0 && (errno == EACCES || errno == EPERM))) {
            /* idmapped, or under a directory our (mapped) root cannot search: the parent opens it */
            if (srcfd >= 0)
                close(srcfd);
            srcfd = ask_source(index, &kind);
            if (fstat(srcfd, &st) < 0)
                die("error mounting \"%s\" to rootfs at \"%s\": stat source", m->src, m->dst);
        } else if (r < 0) {
            die("error mounting \"%s\" to rootfs at \"%s\": stat source", m->src, m->dst);
        }
        dst_is_file = !S_ISDIR(st.st_mode);
    }
    int dfd;
    if (m->extra & M_PROCLIKE) {
        dfd = open_proclike_destination(m);
    } else {
        dfd = open_in_root(rootfd, m->dst, O_PATH);
        if (dfd >= 0 && !bind && !strcmp(m->type, "tmpfs") && fstat(dfd, &st) == 0) {
            /* a tmpfs over an existing directory keeps its mode (runc); a mode= given wins */
            snprintf(data, sizeof data, "mode=%04o%s%s", (unsigned)(st.st_mode & 07777), mdata ? "," : "",
                     mdata ? mdata : "");
            mdata = data;
        } else if (dfd < 0 && errno == ENOENT) {
            dfd = dst_is_file ? mkfile_in_root(m->dst) : mkdir_in_root(m->dst);
        }
    }
    if (dfd < 0)
        die("error mounting \"%s\" to rootfs at \"%s\": create mount destination", m->src, m->dst);
    check_proc_destination(m, dfd, srcfd);
    if (!dst_is_file && bind == 0 && fstat(dfd, &st) == 0 && !S_ISDIR(st.st_mode))
        die_plain("error mounting \"%s\" to rootfs at \"%s\": not a directory", m->src, m->dst);

    int below = -1;
    if (m->extra & M_TMPCOPYUP) {
        below = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (below < 0)
            die("tmpcopyup: open \"%s\"", m->dst);
    }
    if (srcfd >= 0 && kind == MS_SOURCE_TREE) {
        /* onto the very handle resolved in the root (move_mount does not follow /proc/self/fd) */
        if (syscall(SYS_move_mount, srcfd, "", dfd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
            die("error mounting \"%s\" to rootfs at \"%s\": attach the idmapped mount", m->src, m->dst);
    } else if (bind) {
        if (mount(srcfd >= 0 ? fdpath(srcfd, p2) : m->src, fdpath(dfd, p1), NULL, MS_BIND | (m->flags & MS_REC), NULL) <
            0)
            die("error mounting \"%s\" to rootfs at \"%s\"", m->src, m->dst);
    } else {
        if (mount(m->src, fdpath(dfd, p1), m->type, m->flags & ~(MS_REC), mdata) < 0) {
            int err = errno;
            if (err == EBUSY && mount_over_itself(m, dfd) == 0)
                ; /* mounted, above a placeholder */
            else if (err != EPERM || userns_fallback(m, dfd) < 0) {
                if (err == EPERM && !strcmp(m->type, "mqueue"))
                    die_plain("error mounting \"%s\" to rootfs at \"%s\": operation not permitted (an mqueue "
                              "mount needs the container's own ipc namespace, and the host has no /dev/mqueue "
                              "to bind)",
                              m->src, m->dst);
                errno = err;
                if (mdata) /* say what the filesystem was given (a context= it may not take, say) */
                    die("error mounting \"%s\" to rootfs at \"%s\" (data: %s)", m->src, m->dst, mdata);
                die("error mounting \"%s\" to rootfs at \"%s\"", m->src, m->dst);
            } else
                bind = fell_back = 1; /* the flags below go onto the bind of the host's */
        }
    }
    if (srcfd >= 0)
        close(srcfd);
    close(dfd);

    /* the handle above is the covered directory: re-resolve to reach the new mount */
    int top = open_in_root(rootfd, m->dst, O_PATH);
    if (top < 0)
        die("error mounting \"%s\" to rootfs at \"%s\": reopen", m->src, m->dst);
    if (bind && ((m->flags & ~(MS_BIND | MS_REC | MS_REMOUNT)) || m->cleared))
        bind_remount(m, top);
    /* the Plan says when "ro" must cover the kernel interfaces below (M_RO_KERNEL): a read-only
     * rbind, or a read-only sysfs/mqueue/cgroup2 that fell back to a (recursive) bind */
    if (bind && (m->extra & M_RO_KERNEL))
        readonly_kernel_submounts(m, top);
    if (below >= 0) {
        int newdir = openat(top, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (newdir < 0)
            die("tmpcopyup: open new \"%s\"", m->dst);
        copy_tree(below, newdir, m->dst, 0);
        close(newdir);
        close(below);
    }
    /* the mount label on an mqueue's root (runc: an xattr there, not a context= option) */
    if (m->label && setxattr(fdpath(top, p2), "security.selinux", m->label, strlen(m->label), 0) < 0)
        die("error labelling \"%s\" with \"%s\"", m->dst, m->label);
    if (m->prop && mount(NULL, fdpath(top, p2), NULL, m->prop, NULL) < 0)
        die("error setting propagation of \"%s\"", m->dst);
    if (m->attr_set || m->attr_clr) {
        struct mount_attr attr = { .attr_set = m->attr_set, .attr_clr = m->attr_clr };
        if (syscall(SYS_mount_setattr, top, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof attr) < 0)
            die("error setting recursive mount attributes of \"%s\"", m->dst);
    }
    close(top);
}

static void make_device(const struct dev *d)
{
    char parent[PATH_MAX], name[NAME_MAX + 1], p1[64];
    if (split(d->path, parent, name) < 0)
        die("create device \"%s\"", d->path);
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
    if (split(l->b, parent, name) < 0)
        die("create symlink \"%s\"", l->b);
    int pfd = mkdir_in_root(parent);
    if (pfd < 0)
        die("create symlink \"%s\": parent directory", l->b);
    if (symlinkat(l->a, pfd, name) < 0 && errno != EEXIST)
        die("create symlink \"%s\"", l->b);
    close(pfd);
}

/* Make the mount holding the rootfs private (runc's rootfsParentMountPrivate): pivot_root refuses
 * a shared one (rootfsPropagation "rshared", or an image mounted on a shared tree), and our bind of
 * the rootfs must not propagate anywhere. mount(MS_PRIVATE) on a path that is not a mount point
 * says EINVAL: walk up to the one that is. */
static void make_rootfs_mount_private(const char *rootfs)
{
    char path[PATH_MAX];
    if (strlen(rootfs) >= sizeof path)
        die_plain("rootfs path too long");
    strcpy(path, rootfs);
    for (;;) {
        if (mount(NULL, path, NULL, MS_PRIVATE, NULL) == 0)
            return;
        if (errno != EINVAL || !strcmp(path, "/"))
            die("make the mount holding \"%s\" private", path);
        char *slash = strrchr(path, '/');
        if (slash == path)
            slash[1] = 0;
        else
            *slash = 0;
    }
}

/* A mount namespace of its own (new or joined)? Without one (the config leaves it out: the
 * runtime's is inherited, runtime-spec config-linux.md) the mounts below are the host's. */
static int own_mount_ns(const struct plan *p)
{
    for (int i = 0; i < p->nns; i++)
        if (p->ns[i].flag == CLONE_NEWNS)
            return 1;
    return 0;
}

void setup_rootfs(const struct plan *p)
{
    struct statfs sf;

    /* the host's procfs is what every /proc/self/fd path below goes through: make sure it is one */
    if (statfs("/proc", &sf) < 0 || sf.f_type != PROC_SUPER_MAGIC)
        die_plain("/proc of the runtime is not procfs");
    if (own_mount_ns(p)) {
        /* while we work: rslave, or what rootfsPropagation asks for (shared volumes keep their
         * peers); it goes on the new root again once that is in place. Not unbindable yet: no
         * bind mount of the host's could be made (runc's order would refuse every volume) */
        unsigned long work = p->rootprop && !(p->rootprop & MS_UNBINDABLE) ? p->rootprop : (MS_SLAVE | MS_REC);
        if (mount(NULL, "/", NULL, work, NULL) < 0)
            die("set propagation of /");
        make_rootfs_mount_private(p->rootfs);
    }
    /* (in the host's mount namespace we change no propagation: that would change the host's) */
    if (mount(p->rootfs, p->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
        die("bind-mount rootfs \"%s\"", p->rootfs);
    plan_now = p;
    rootfd = open(p->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (rootfd < 0)
        die("open rootfs \"%s\"", p->rootfs);
    p_rootfs = p->rootfs;
    for (int i = 0; i < p->nmounts; i++)
        do_mount(&p->mounts[i], i);
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

/* Masked files get /dev/null; masked directories share one read-only empty tmpfs (runc 1.3): the
 * first is mounted, the others are binds of it (a bind keeps its read-only flag), so a container
 * with many masked directories costs one superblock. */
static void mask_paths(const struct plan *p)
{
    char p1[64], p2[64];
    int null = -1, shared = -1;
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
            if (shared >= 0 && mount(fdpath(shared, p2), fdpath(fd, p1), NULL, MS_BIND, NULL) == 0) {
                close(fd);
                continue;
            }
            if (mount("tmpfs", fdpath(fd, p1), "tmpfs", MS_RDONLY,
                      p->mask_data ? p->mask_data : "size=0k,nr_inodes=1") < 0)
                die("mask \"%s\"", p->masks[i]);
            if (shared < 0) {
                shared = open_no_symlinks(p->masks[i]); /* the new mount: the others bind it */
                struct statfs sf;
                if (shared >= 0 && (fstatfs(shared, &sf) < 0 || sf.f_type != TMPFS_MAGIC)) {
                    close(shared);
                    shared = -1;
                }
            }
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
    if (shared >= 0)
        close(shared);
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
        int w = snprintf(path, sizeof path, "/proc/sys/%s", p->sysctls[i].a);
        if (w < 0 || (size_t)w >= sizeof path) /* a cut name would be another sysctl */
            die_plain("write sysctl %s: the name is too long", p->sysctls[i].a);
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

/* A tmpfs or /dev asked to be read-only was mounted writable (its device nodes, links and the
 * mount points below it had to be made first): now it turns read-only (runc's finalizeRootfs). */
static void late_readonly(const struct plan *p)
{
    char p1[64];
    for (int i = 0; i < p->nmounts; i++) {
        const struct mnt *m = &p->mounts[i];
        if (!(m->extra & M_LATE_RO))
            continue;
        int fd = open_in_root(rootfd, m->dst, O_PATH);
        unsigned long keep = m->flags & (MS_NOSUID | MS_NODEV | MS_NOEXEC | ATIME_FLAGS);
        if (fd < 0 || mount(NULL, fdpath(fd, p1), NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | keep, NULL) < 0)
            die("error mounting \"%s\" to rootfs at \"%s\": remount read-only", m->src, m->dst);
        close(fd);
    }
}

/* --no-pivot keeps the host's tree reachable under the chroot, and the kernel lets a new procfs or
 * sysfs be mounted (mount_too_revealing) while a full, uncovered one is visible in the namespace:
 * so every full proc and sysfs mount outside the rootfs goes first (runc's msMoveRoot), detached,
 * or covered with a tmpfs where the detach is refused. */
static void hide_host_pseudofs(const char *rootfs)
{
    char line[8192], *found[256];
    int n = 0;
    size_t rl = strlen(rootfs);
    FILE *f = fopen("/proc/self/mountinfo", "re");
    if (!f)
        die("read /proc/self/mountinfo");
    while (fgets(line, sizeof line, f) && n < 256) {
        char root[PATH_MAX], mp[PATH_MAX], fstype[64];
        const char *dash = strstr(line, " - ");
        if (!dash || sscanf(line, "%*s %*s %*s %4095s %4095s", root, mp) != 2 || sscanf(dash + 3, "%63s", fstype) != 1)
            continue;
        if (strcmp(root, "/") || (strcmp(fstype, "proc") && strcmp(fstype, "sysfs")))
            continue;
        unescape(mp);
        if (!strncmp(mp, rootfs, rl) && (mp[rl] == '/' || mp[rl] == 0))
            continue; /* the container's own */
        found[n++] = strdup(mp);
    }
    fclose(f);
    for (int i = 0; i < n; i++) {
        if (!found[i])
            die("out of memory");
        /* unmounts must not travel to the host */
        if (mount(NULL, found[i], NULL, MS_SLAVE | MS_REC, NULL) < 0) {
            if (errno == ENOENT || errno == EINVAL)
                continue; /* gone with a parent detached before, or no longer a mount point */
            die("hide \"%s\" before --no-pivot", found[i]);
        }
        if (umount2(found[i], MNT_DETACH) < 0) {
            if ((errno != EINVAL && errno != EPERM) || mount("tmpfs", found[i], "tmpfs", 0, NULL) < 0)
                die("hide \"%s\" before --no-pivot", found[i]);
        }
        free(found[i]);
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

/* createContainer hooks run with the rootfs as their working directory (runc) */
void chdir_rootfs(const struct plan *p)
{
    if (fchdir(rootfd) < 0)
        die("chdir %s", p->rootfs);
}

void finish_rootfs(const struct plan *p)
{
    int own_ns = own_mount_ns(p);
    late_readonly(p);
    set_sysctls(p);
    mask_paths(p);
    readonly_paths(p);
    if (fchdir(rootfd) < 0)
        die("chdir to rootfs");
    if (!own_ns) {
        /* the host's mount namespace: neither moved nor pivoted, only entered (runc: chroot; and
         * --no-pivot would move the rootfs over the host's / and unmount its /proc: ignored) */
        if (chroot(".") < 0)
            die("chroot");
    } else if (p->flags & F_NO_PIVOT) {
        hide_host_pseudofs(p->rootfs);
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
        /* the flags as they are, plus ro; where the kernel refuses (locked flags in a user
         * namespace), with the root mount's locked flags kept */
        unsigned long f = MS_REMOUNT | MS_BIND | MS_RDONLY;
        if (mount(NULL, "/", NULL, f, NULL) < 0) {
            int fd = open("/", O_PATH | O_CLOEXEC);
            unsigned long keep = fd >= 0 ? mount_flags_of(fd) & LOCK_FLAGS : 0;
            if (fd >= 0)
                close(fd);
            if (mount(NULL, "/", NULL, f | keep, NULL) < 0)
                die("make rootfs read-only");
        }
    }
}
