/* conformance/checker: prints, as one JSON object, what the process it runs as sees.
 *
 * Built by the conformance suite with `gcc -static -O2` and copied into each bundle's rootfs as
 * /checker, so it needs nothing from the container image.  Arguments (all optional, repeatable):
 *
 *   read=PATH     "files":  {PATH: content (first 64 KiB) or {"errno": N}}
 *   write=PATH    "writes": {PATH: 0 if open(PATH, O_WRONLY) succeeded, errno otherwise}
 *   create=PATH   "creates": {PATH: 0 if open(PATH, O_CREAT|O_WRONLY) succeeded, errno otherwise}
 *   mkdir=PATH    "mkdirs": {PATH: 0 if mkdir(PATH) succeeded, errno otherwise}
 *   stat=PATH     "stats":  {PATH: {mode, uid, gid, major, minor, link} (lstat) or {"errno": N}}
 *   ls=PATH       "dirs":   {PATH: [names] or {"errno": N}}
 *   wait=PATH     wait until PATH exists before printing (for running-state checks)
 *   out=PATH      write the JSON to PATH (in the container) instead of stdout
 *   exit=N        exit with status N after printing
 *
 * Always printed: pid, ppid, uid/euid/suid/gid/egid/sgid, groups, umask, cwd, hostname,
 * domainname, personality, oom_score_adj, status (every /proc/self/status line), mountinfo (lines),
 * cgroup (lines of /proc/self/cgroup), uid_map, gid_map, rlimits {name: [soft, hard]} (-1 =
 * unlimited), env, fds {n: target}, ns {name: link}, clocks {monotonic, boottime} in seconds.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static FILE *out;
static int first;

static void jstr(const char *s)
{
    fputc('"', out);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"': fputs("\\\"", out); break;
        case '\\': fputs("\\\\", out); break;
        case '\n': fputs("\\n", out); break;
        case '\r': fputs("\\r", out); break;
        case '\t': fputs("\\t", out); break;
        default:
            if (*p < 0x20 || *p >= 0x7f)
                fprintf(out, "\\u%04x", *p);
            else
                fputc(*p, out);
        }
    }
    fputc('"', out);
}

static void key(const char *k)
{
    if (!first)
        fputc(',', out);
    first = 0;
    fputc('\n', out);
    jstr(k);
    fputc(':', out);
}

static void kstr(const char *k, const char *v)
{
    key(k);
    if (v)
        jstr(v);
    else
        fputs("null", out);
}

static void klong(const char *k, long long v)
{
    key(k);
    fprintf(out, "%lld", v);
}

static char *slurp(const char *path, int *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        *err = errno;
        return NULL;
    }
    size_t cap = 65536, len = 0;
    char *buf = malloc(cap + 1);
    for (;;) {
        ssize_t n = read(fd, buf + len, cap - len);
        if (n < 0) {
            *err = errno;
            close(fd);
            free(buf);
            return NULL;
        }
        if (n == 0 || (len += n) == cap)
            break;
    }
    close(fd);
    buf[len] = 0;
    *err = 0;
    return buf;
}

/* a file's lines as a JSON array (null if unreadable) */
static void klines(const char *k, const char *path)
{
    int err;
    char *buf = slurp(path, &err);
    key(k);
    if (!buf) {
        fputs("null", out);
        return;
    }
    fputc('[', out);
    int n = 0;
    for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
        if (n++)
            fputc(',', out);
        jstr(line);
    }
    fputc(']', out);
    free(buf);
}

static void kfile_trim(const char *k, const char *path)
{
    int err;
    char *buf = slurp(path, &err);
    if (buf) {
        size_t l = strlen(buf);
        while (l && (buf[l - 1] == '\n' || buf[l - 1] == ' '))
            buf[--l] = 0;
    }
    kstr(k, buf);
    free(buf);
}

static const struct {
    const char *name;
    int res;
} rlimits[] = {
    { "RLIMIT_AS", RLIMIT_AS },
    { "RLIMIT_CORE", RLIMIT_CORE },
    { "RLIMIT_CPU", RLIMIT_CPU },
    { "RLIMIT_DATA", RLIMIT_DATA },
    { "RLIMIT_FSIZE", RLIMIT_FSIZE },
    { "RLIMIT_LOCKS", RLIMIT_LOCKS },
    { "RLIMIT_MEMLOCK", RLIMIT_MEMLOCK },
    { "RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE },
    { "RLIMIT_NICE", RLIMIT_NICE },
    { "RLIMIT_NOFILE", RLIMIT_NOFILE },
    { "RLIMIT_NPROC", RLIMIT_NPROC },
    { "RLIMIT_RSS", RLIMIT_RSS },
    { "RLIMIT_RTPRIO", RLIMIT_RTPRIO },
    { "RLIMIT_RTTIME", RLIMIT_RTTIME },
    { "RLIMIT_SIGPENDING", RLIMIT_SIGPENDING },
    { "RLIMIT_STACK", RLIMIT_STACK },
};

static long long lim(rlim_t v)
{
    return v == RLIM_INFINITY ? -1 : (long long)v;
}

static double clock_s(clockid_t id)
{
    struct timespec ts;
    if (clock_gettime(id, &ts) < 0)
        return -1;
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* per-argument results: each kind is collected as a JSON object in its own buffer */
struct obj {
    char *buf;
    size_t len;
    FILE *f;
    int n;
};

static void obj_open(struct obj *o)
{
    o->f = open_memstream(&o->buf, &o->len);
    o->n = 0;
    fputc('{', o->f);
}

static FILE *obj_key(struct obj *o, const char *k)
{
    FILE *save = out;
    out = o->f;
    if (o->n++)
        fputc(',', out);
    jstr(k);
    fputc(':', out);
    out = save;
    return o->f;
}

static void obj_close(struct obj *o, const char *k)
{
    fputc('}', o->f);
    fclose(o->f);
    key(k);
    fputs(o->buf, out);
    free(o->buf);
}

static void with(FILE *f, void (*fn)(const char *), const char *s)
{
    FILE *save = out;
    out = f;
    fn(s);
    out = save;
}


int main(int argc, char **argv)
{
    const char *outpath = NULL, *waitpath = NULL;
    int exitcode = 0;
    for (int i = 1; i < argc; i++) {
        if (!strncmp(argv[i], "out=", 4))
            outpath = argv[i] + 4;
        else if (!strncmp(argv[i], "wait=", 5))
            waitpath = argv[i] + 5;
        else if (!strncmp(argv[i], "exit=", 5))
            exitcode = atoi(argv[i] + 5);
    }
    if (waitpath) {
        struct stat st;
        while (stat(waitpath, &st) < 0)
            usleep(20000);
    }

    /* collect per-argument results before anything else opens fds */
    struct obj files, writes, creates, mkdirs, stats, dirs;
    obj_open(&files);
    obj_open(&writes);
    obj_open(&creates);
    obj_open(&mkdirs);
    obj_open(&stats);
    obj_open(&dirs);
    for (int i = 1; i < argc; i++) {
        char *a = argv[i], *v = strchr(a, '=');
        if (!v)
            continue;
        v++;
        if (!strncmp(a, "read=", 5)) {
            int err;
            char *buf = slurp(v, &err);
            FILE *f = obj_key(&files, v);
            if (buf)
                with(f, (void (*)(const char *))jstr, buf);
            else
                fprintf(f, "{\"errno\":%d}", err);
            free(buf);
        } else if (!strncmp(a, "write=", 6) || !strncmp(a, "create=", 7)) {
            int creat = a[0] == 'c';
            int fd = open(v, O_WRONLY | O_CLOEXEC | (creat ? O_CREAT : 0), 0644);
            int err = fd < 0 ? errno : 0;
            if (fd >= 0)
                close(fd);
            fprintf(obj_key(creat ? &creates : &writes, v), "%d", err);
        } else if (!strncmp(a, "mkdir=", 6)) {
            int err = mkdir(v, 0755) < 0 ? errno : 0;
            fprintf(obj_key(&mkdirs, v), "%d", err);
        } else if (!strncmp(a, "stat=", 5)) {
            struct stat st;
            FILE *f = obj_key(&stats, v);
            if (lstat(v, &st) < 0) {
                fprintf(f, "{\"errno\":%d}", errno);
                continue;
            }
            char link[PATH_MAX] = "";
            if (S_ISLNK(st.st_mode)) {
                ssize_t n = readlink(v, link, sizeof link - 1);
                link[n < 0 ? 0 : n] = 0;
            }
            fprintf(f, "{\"mode\":%u,\"uid\":%u,\"gid\":%u,\"major\":%u,\"minor\":%u,\"link\":", st.st_mode, st.st_uid,
                    st.st_gid, major(st.st_rdev), minor(st.st_rdev));
            with(f, (void (*)(const char *))jstr, link);
            fputc('}', f);
        } else if (!strncmp(a, "ls=", 3)) {
            FILE *f = obj_key(&dirs, v);
            DIR *d = opendir(v);
            if (!d) {
                fprintf(f, "{\"errno\":%d}", errno);
                continue;
            }
            fputc('[', f);
            int n = 0;
            for (struct dirent *e; (e = readdir(d));) {
                if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
                    continue;
                if (n++)
                    fputc(',', f);
                with(f, (void (*)(const char *))jstr, e->d_name);
            }
            closedir(d);
            fputc(']', f);
        }
    }

    /* open fds, before stdio of our own opens more */
    struct obj fds;
    obj_open(&fds);
    {
        int dfd = open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
        for (struct dirent *e; d && (e = readdir(d));) {
            if (e->d_name[0] == '.' || atoi(e->d_name) == dfd)
                continue;
            char path[300], target[PATH_MAX];
            snprintf(path, sizeof path, "/proc/self/fd/%s", e->d_name);
            ssize_t n = readlink(path, target, sizeof target - 1);
            target[n < 0 ? 0 : n] = 0;
            with(obj_key(&fds, e->d_name), (void (*)(const char *))jstr, target);
        }
        if (d)
            closedir(d);
    }

    char *text = NULL;
    size_t textlen = 0;
    out = open_memstream(&text, &textlen);
    first = 1;
    fputc('{', out);

    klong("pid", getpid());
    klong("ppid", getppid());
    uid_t ru, eu, su;
    gid_t rg, eg, sg;
    getresuid(&ru, &eu, &su);
    getresgid(&rg, &eg, &sg);
    klong("uid", ru);
    klong("euid", eu);
    klong("suid", su);
    klong("gid", rg);
    klong("egid", eg);
    klong("sgid", sg);
    {
        gid_t groups[256];
        int n = getgroups(256, groups);
        key("groups");
        fputc('[', out);
        for (int i = 0; i < n; i++)
            fprintf(out, i ? ",%u" : "%u", groups[i]);
        fputc(']', out);
    }
    mode_t m = umask(0);
    umask(m);
    klong("umask", m);
    {
        char cwd[PATH_MAX];
        kstr("cwd", getcwd(cwd, sizeof cwd));
    }
    struct utsname u;
    uname(&u);
    kstr("hostname", u.nodename);
    kstr("domainname", u.domainname);
    klong("personality", personality(0xffffffff));
    kfile_trim("oom_score_adj", "/proc/self/oom_score_adj");

    /* /proc/self/status as an object of strings */
    {
        int err;
        char *buf = slurp("/proc/self/status", &err);
        key("status");
        fputc('{', out);
        int n = 0;
        for (char *line = buf ? strtok(buf, "\n") : NULL; line; line = strtok(NULL, "\n")) {
            char *colon = strchr(line, ':');
            if (!colon)
                continue;
            *colon = 0;
            char *val = colon + 1;
            while (*val == ' ' || *val == '\t')
                val++;
            if (n++)
                fputc(',', out);
            jstr(line);
            fputc(':', out);
            jstr(val);
        }
        fputc('}', out);
        free(buf);
    }
    klines("mountinfo", "/proc/self/mountinfo");
    klines("cgroup", "/proc/self/cgroup");
    klines("uid_map", "/proc/self/uid_map");
    klines("gid_map", "/proc/self/gid_map");

    key("rlimits");
    fputc('{', out);
    for (size_t i = 0; i < sizeof rlimits / sizeof rlimits[0]; i++) {
        struct rlimit rl;
        if (i)
            fputc(',', out);
        jstr(rlimits[i].name);
        if (getrlimit(rlimits[i].res, &rl) < 0)
            fputs(":null", out);
        else
            fprintf(out, ":[%lld,%lld]", lim(rl.rlim_cur), lim(rl.rlim_max));
    }
    fputc('}', out);

    key("env");
    fputc('[', out);
    for (char **e = environ; e && *e; e++) {
        if (e != environ)
            fputc(',', out);
        jstr(*e);
    }
    fputc(']', out);

    key("ns");
    fputc('{', out);
    {
        static const char *names[] = {
            "cgroup", "ipc", "mnt", "net", "pid", "pid_for_children", "time", "time_for_children", "user", "uts"
        };
        for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
            char path[64], target[128];
            snprintf(path, sizeof path, "/proc/self/ns/%s", names[i]);
            ssize_t n = readlink(path, target, sizeof target - 1);
            target[n < 0 ? 0 : n] = 0;
            if (i)
                fputc(',', out);
            jstr(names[i]);
            fputc(':', out);
            jstr(target);
        }
    }
    fputc('}', out);
    key("clocks");
    fprintf(out, "{\"monotonic\":%.3f,\"boottime\":%.3f}", clock_s(CLOCK_MONOTONIC), clock_s(CLOCK_BOOTTIME));

    obj_close(&fds, "fds");
    obj_close(&files, "files");
    obj_close(&writes, "writes");
    obj_close(&creates, "creates");
    obj_close(&mkdirs, "mkdirs");
    obj_close(&stats, "stats");
    obj_close(&dirs, "dirs");
    fputs("\n}\n", out);
    fclose(out);

    int fd = 1;
    if (outpath) {
        fd = open(outpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0) {
            perror(outpath);
            return 125;
        }
    }
    for (size_t off = 0; off < textlen;) {
        ssize_t n = write(fd, text + off, textlen - off);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return 125;
        }
        off += n;
    }
    if (outpath)
        close(fd);
    return exitcode;
}
