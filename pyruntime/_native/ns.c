/* Stage 1: join namespaces given by path, create the new ones, wait for the uid/gid maps. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>
#include "init.h"

static const char *ns_name(uint32_t flag)
{
    switch (flag) {
    case CLONE_NEWUSER: return "user";
    case CLONE_NEWNS: return "mount";
    case CLONE_NEWPID: return "pid";
    case CLONE_NEWNET: return "network";
    case CLONE_NEWIPC: return "ipc";
    case CLONE_NEWUTS: return "uts";
    case CLONE_NEWCGROUP: return "cgroup";
#ifdef CLONE_NEWTIME
    case CLONE_NEWTIME: return "time";
#endif
    default: return "?";
    }
}

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

static void write_timens_offsets(const struct plan *p)
{
    char buf[1024];
    int n = 0, fd;
    for (int i = 0; i < p->ntimeoffs; i++) {
        int w = snprintf(buf + n, sizeof buf - n, "%u %lld %u\n", p->timeoffs[i].clock,
                         (long long)p->timeoffs[i].secs, p->timeoffs[i].nsecs);
        if (w < 0 || (size_t)w >= sizeof buf - n)
            die_plain("time namespace offsets too long");
        n += w;
    }
    fd = open("/proc/self/timens_offsets", O_WRONLY | O_CLOEXEC);
    if (fd < 0 || write(fd, buf, n) != n)
        die("write /proc/self/timens_offsets");
    close(fd);
}

void stage1_namespaces(const struct plan *p)
{
    int fds[LIMIT_NAMESPACES], newflags = 0;

    /* Open every path first: once the mount namespace changes, host paths may not resolve. */
    for (int i = 0; i < p->nns; i++) {
        fds[i] = -1;
        if (p->ns[i].path[0]) {
            fds[i] = open(p->ns[i].path, O_RDONLY | O_CLOEXEC);
            if (fds[i] < 0)
                die("open %s namespace path \"%s\"", ns_name(p->ns[i].flag), p->ns[i].path);
        } else {
            newflags |= p->ns[i].flag;
        }
    }
    /* A joined user namespace first: it owns the others we may join next. */
    for (int pass = 0; pass < 2; pass++) {
        for (int i = 0; i < p->nns; i++) {
            if (fds[i] < 0 || (pass == 0) != (p->ns[i].flag == CLONE_NEWUSER))
                continue;
            if (setns(fds[i], p->ns[i].flag) < 0)
                die("join %s namespace \"%s\"", ns_name(p->ns[i].flag), p->ns[i].path);
            close(fds[i]);
        }
    }
    if (newflags & CLONE_NEWUSER) {
        uint32_t pid = (uint32_t)getpid();
        /* a caller other than root writes our maps (or has newuidmap do it) as itself: it can
         * open /proc/<pid>/uid_map, and newuidmap accepts us, only while we are dumpable (a
         * non-dumpable process's /proc files belong to root of the user namespace it exec'd
         * in: host root here). runc does the same; for root callers we stay non-dumpable. */
        int as_user = geteuid() != 0;
        if (unshare(CLONE_NEWUSER) < 0)
            die("create user namespace");
        if (as_user && prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) < 0)
            die("prctl(PR_SET_DUMPABLE)");
        sync_send(MSG_NEED_MAPS, &pid, 4);
        sync_expect(MSG_MAPS_DONE);
        if (as_user && prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
            die("prctl(PR_SET_DUMPABLE)");
        if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
            die("become root in the user namespace (is uid/gid 0 mapped?)");
    }
    newflags &= ~CLONE_NEWUSER;
    if (newflags && unshare(newflags) < 0)
        die("create namespaces (flags 0x%x)", newflags);
    if ((newflags & CLONE_NEWTIME) && p->ntimeoffs)
        write_timens_offsets(p);
}
