/* pyruntime-front: the installed `pyruntime` command.
 *
 * Clients (conmon, containerd's shim) call state, kill, start, delete and ps as separate
 * processes, and the interpreter's start (~10 ms here) was most of each. This program serves
 * those itself when the case is the common one, with the Python CLI's exact output, exit status, --log
 * records and locking, and execs the Python CLI (the reference) for everything else: any other
 * command, any flag or state it does not fully understand, anything that needs the cgroup drivers,
 * hooks or sd_notify. The decision to hand over is always taken before anything is changed, except
 * where the Python path goes on from where this stopped (a delete whose init is killed but not gone
 * within a second, or whose cgroup removal fails: Python's delete finds a stopped container and
 * redoes the removal) or is told what happened (a start whose init reported an error:
 * PYRUNTIME_FRONT_START_FAILED).
 *
 * state.json is read by the field table generated from pyruntime/state_format.py (state_format.h):
 * a key not in it, or a value of another type, hands the command to Python.
 * PYRUNTIME_FRONT=python in the environment always hands over (the tests compare both paths);
 * PYRUNTIME_FRONT=no-python makes a hand-over exit 125 instead (the tests prove what C served).
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "front_config.h" /* PYRT_PYTHON, PYRT_CODE(_SUBREAPER): written by build.py for the installing interpreter */
#include "state_format.h"

static int g_argc;
static char **g_argv;

/* ---- handing over to the Python CLI ------------------------------------------------------- */

static void __attribute__((noreturn)) exec_python_code(const char *code);
#define exec_python() exec_python_code(PYRT_CODE)

/* tests: PYRUNTIME_FRONT=no-python proves the front served a case itself */
static void refuse_handover_when_asked(void)
{
    const char *mode = getenv("PYRUNTIME_FRONT");
    if (mode && !strcmp(mode, "no-python")) {
        dprintf(2, "pyruntime-front: hands over to Python\n");
        _exit(125);
    }
}

/* Hand the command over: the front does not fully understand this case. */
static void __attribute__((noreturn)) python(void)
{
    refuse_handover_when_asked();
    exec_python();
}

/* A foreground `run` or `exec` waits for a process that stage 1 orphans, so the runtime must be a
 * child subreaper. The setting survives execve: made here, it spares Python loading its C
 * extension only for this (~1.2 ms); the code handed over says so (main(subreaper=True)). With
 * -d it is harmless: what is orphaned to us goes on to the caller's subreaper when we exit, where
 * it would have gone anyway, and a detached run or exec reaps nothing. */
static void __attribute__((noreturn)) python_as_subreaper(void)
{
    refuse_handover_when_asked();
    if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0)
        exec_python_code(PYRT_CODE_SUBREAPER);
    exec_python(); /* Python sets it, or says why it cannot */
}

static void __attribute__((noreturn)) exec_python_code(const char *code)
{
    char **argv = calloc((size_t)g_argc + 5, sizeof(char *));
    if (!argv)
        _exit(1);
    argv[0] = (char *)PYRT_PYTHON;
    argv[1] = (char *)"-IS";
    argv[2] = (char *)"-c";
    argv[3] = (char *)code;
    for (int i = 1; i < g_argc; i++)
        argv[3 + i] = g_argv[i];
    execv(PYRT_PYTHON, argv);
    dprintf(2, "pyruntime: cannot run %s: %s\n", PYRT_PYTHON, strerror(errno));
    _exit(1);
}

/* ---- growing buffers ---------------------------------------------------------------------- */

struct buf {
    char *p;
    size_t n, cap;
};

static void put(struct buf *b, const char *s, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->n + n + 1)
            cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p)
            python();
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = 0;
}

static void puts_(struct buf *b, const char *s)
{
    put(b, s, strlen(s));
}

static void putf(struct buf *b, const char *fmt, ...)
{
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof tmp)
        python();
    put(b, tmp, (size_t)n);
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* ---- the log (pyruntime/log.py: runc's conventions) --------------------------------------- */

static int log_fd = -1;
static int log_json;

static void log_quote(struct buf *b, const char *s)
{
    put(b, "\"", 1);
    for (; *s; s++) {
        if (*s == '\\')
            puts_(b, "\\\\");
        else if (*s == '"')
            puts_(b, "\\\"");
        else if (*s == '\n')
            puts_(b, "\\n");
        else
            put(b, s, 1);
    }
    put(b, "\"", 1);
}

/* log.fatal(): the one error record; with --log also the plain text on stderr. Returns 1. */
static int fatal(const char *msg)
{
    struct timespec ts;
    struct tm tm;
    char when[64];
    struct buf line = { 0 };
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    size_t k = strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(when + k, sizeof when - k, ".%09ldZ", ts.tv_nsec);
    if (log_json) {
        puts_(&line, "{\"level\":\"error\",\"msg\":");
        log_quote(&line, msg);
        puts_(&line, ",\"time\":");
        log_quote(&line, when);
        puts_(&line, "}\n");
    } else {
        puts_(&line, "time=");
        log_quote(&line, when);
        puts_(&line, " level=error msg=");
        log_quote(&line, msg);
        puts_(&line, "\n");
    }
    if (log_fd >= 0) {
        write_all(log_fd, line.p, line.n);
        struct buf plain = { 0 };
        puts_(&plain, msg);
        puts_(&plain, "\n");
        write_all(2, plain.p, plain.n);
    } else {
        write_all(2, line.p, line.n);
    }
    return 1;
}

/* ---- JSON: a small reader for state.json ---------------------------------------------------- */

enum jtype { J_NULL, J_BOOL, J_INT, J_NUM, J_STR, J_ARR, J_OBJ };

struct jv {
    enum jtype t;
    int b;
    long long i;
    char *s; /* J_STR: UTF-8, no NUL inside */
    int n;   /* J_ARR, J_OBJ: number of members */
    char **keys;
    struct jv *kids;
};

struct jp {
    const char *p, *end;
    int depth;
};

static int jparse(struct jp *p, struct jv *v);

static void ws(struct jp *p)
{
    while (p->p < p->end && (*p->p == ' ' || *p->p == '\t' || *p->p == '\n' || *p->p == '\r'))
        p->p++;
}

static int hex4(const char *s, unsigned *out)
{
    unsigned v = 0;
    for (int k = 0; k < 4; k++) {
        char c = s[k];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            v |= (unsigned)(c - 'A' + 10);
        else
            return -1;
    }
    *out = v;
    return 0;
}

static void put_utf8(struct buf *b, unsigned cp)
{
    char o[4];
    if (cp < 0x80) {
        o[0] = (char)cp;
        put(b, o, 1);
    } else if (cp < 0x800) {
        o[0] = (char)(0xC0 | (cp >> 6));
        o[1] = (char)(0x80 | (cp & 0x3F));
        put(b, o, 2);
    } else if (cp < 0x10000) {
        o[0] = (char)(0xE0 | (cp >> 12));
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        put(b, o, 3);
    } else {
        o[0] = (char)(0xF0 | (cp >> 18));
        o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[3] = (char)(0x80 | (cp & 0x3F));
        put(b, o, 4);
    }
}

/* One UTF-8 sequence at s (strict: no overlongs, no surrogates); its length, or -1. */
static int utf8_next(const unsigned char *s, const unsigned char *end, unsigned *cp)
{
    unsigned c = s[0];
    int len;
    unsigned min;
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if ((c & 0xE0) == 0xC0) {
        len = 2, min = 0x80, c &= 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
        len = 3, min = 0x800, c &= 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
        len = 4, min = 0x10000, c &= 0x07;
    } else {
        return -1;
    }
    if (end - s < len)
        return -1;
    for (int k = 1; k < len; k++) {
        if ((s[k] & 0xC0) != 0x80)
            return -1;
        c = (c << 6) | (s[k] & 0x3F);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
        return -1;
    *cp = c;
    return len;
}

static int jstring(struct jp *p, char **out)
{
    struct buf b = { 0 };
    put(&b, "", 0);
    p->p++; /* the opening quote */
    while (p->p < p->end) {
        unsigned char c = (unsigned char)*p->p;
        if (c == '"') {
            p->p++;
            *out = b.p;
            return 0;
        }
        if (c < 0x20)
            return -1; /* json.loads (strict) refuses control characters */
        if (c == '\\') {
            if (p->end - p->p < 2)
                return -1;
            char e = p->p[1];
            p->p += 2;
            const char *simple = strchr("\"\\/bfnrt", e);
            if (e && simple) {
                static const char to[] = "\"\\/\b\f\n\r\t";
                put(&b, &to[simple - "\"\\/bfnrt"], 1);
                continue;
            }
            if (e != 'u' || p->end - p->p < 4)
                return -1;
            unsigned cp;
            if (hex4(p->p, &cp) < 0)
                return -1;
            p->p += 4;
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                unsigned lo;
                if (p->end - p->p < 6 || p->p[0] != '\\' || p->p[1] != 'u' || hex4(p->p + 2, &lo) < 0 || lo < 0xDC00 ||
                    lo > 0xDFFF)
                    return -1; /* a lone surrogate: Python keeps it, we do not try */
                p->p += 6;
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                return -1;
            }
            if (cp == 0)
                return -1;
            put_utf8(&b, cp);
            continue;
        }
        unsigned cp;
        int len = utf8_next((const unsigned char *)p->p, (const unsigned char *)p->end, &cp);
        if (len < 0)
            return -1; /* not UTF-8: Python calls the state damaged */
        put(&b, p->p, (size_t)len);
        p->p += len;
    }
    return -1;
}

static int jnumber(struct jp *p, struct jv *v)
{
    const char *s = p->p;
    int is_int = 1;
    if (p->p < p->end && *p->p == '-')
        p->p++;
    if (p->p >= p->end || !isdigit((unsigned char)*p->p))
        return -1;
    if (*p->p == '0')
        p->p++;
    else
        while (p->p < p->end && isdigit((unsigned char)*p->p))
            p->p++;
    if (p->p < p->end && *p->p == '.' && p->p + 1 < p->end && isdigit((unsigned char)p->p[1])) {
        is_int = 0;
        p->p++;
        while (p->p < p->end && isdigit((unsigned char)*p->p))
            p->p++;
    }
    if (p->p < p->end && (*p->p == 'e' || *p->p == 'E')) {
        const char *q = p->p + 1;
        if (q < p->end && (*q == '+' || *q == '-'))
            q++;
        if (q < p->end && isdigit((unsigned char)*q)) {
            is_int = 0;
            while (q < p->end && isdigit((unsigned char)*q))
                q++;
            p->p = q;
        }
    }
    v->t = J_NUM;
    if (is_int && p->p - s <= 18) {
        char tmp[24];
        memcpy(tmp, s, (size_t)(p->p - s));
        tmp[p->p - s] = 0;
        v->t = J_INT;
        v->i = strtoll(tmp, NULL, 10);
    }
    return 0;
}

static int jmembers(struct jp *p, struct jv *v, int obj)
{
    char close = obj ? '}' : ']';
    int cap = 0;
    p->p++;
    v->t = obj ? J_OBJ : J_ARR;
    v->n = 0;
    ws(p);
    if (p->p < p->end && *p->p == close) {
        p->p++;
        return 0;
    }
    for (;;) {
        if (v->n == cap) {
            cap = cap ? cap * 2 : 8;
            v->kids = realloc(v->kids, (size_t)cap * sizeof *v->kids);
            v->keys = realloc(v->keys, (size_t)cap * sizeof *v->keys);
            if (!v->kids || !v->keys)
                return -1;
        }
        struct jv *kid = &v->kids[v->n];
        memset(kid, 0, sizeof *kid);
        v->keys[v->n] = NULL;
        ws(p);
        if (obj) {
            if (p->p >= p->end || *p->p != '"' || jstring(p, &v->keys[v->n]) < 0)
                return -1;
            for (int k = 0; k < v->n; k++)
                if (!strcmp(v->keys[k], v->keys[v->n]))
                    return -1; /* a repeated key: Python keeps the last, we do not try */
            ws(p);
            if (p->p >= p->end || *p->p != ':')
                return -1;
            p->p++;
            ws(p);
        }
        if (jparse(p, kid) < 0)
            return -1;
        v->n++;
        ws(p);
        if (p->p < p->end && *p->p == ',') {
            p->p++;
            continue;
        }
        if (p->p < p->end && *p->p == close) {
            p->p++;
            return 0;
        }
        return -1;
    }
}

static int jparse(struct jp *p, struct jv *v)
{
    memset(v, 0, sizeof *v);
    if (p->p >= p->end || ++p->depth > 64)
        return -1;
    int r = -1;
    size_t left = (size_t)(p->end - p->p);
    switch (*p->p) {
    case '{': r = jmembers(p, v, 1); break;
    case '[': r = jmembers(p, v, 0); break;
    case '"':
        v->t = J_STR;
        r = jstring(p, &v->s);
        break;
    case 't':
        if (left >= 4 && !memcmp(p->p, "true", 4))
            v->t = J_BOOL, v->b = 1, p->p += 4, r = 0;
        break;
    case 'f':
        if (left >= 5 && !memcmp(p->p, "false", 5))
            v->t = J_BOOL, v->b = 0, p->p += 5, r = 0;
        break;
    case 'n':
        if (left >= 4 && !memcmp(p->p, "null", 4))
            v->t = J_NULL, p->p += 4, r = 0;
        break;
    default: r = jnumber(p, v); /* NaN, Infinity: Python takes them, we hand over */
    }
    p->depth--;
    return r;
}

static struct jv *jget(const struct jv *o, const char *key)
{
    if (!o || o->t != J_OBJ)
        return NULL;
    for (int k = 0; k < o->n; k++)
        if (!strcmp(o->keys[k], key))
            return &o->kids[k];
    return NULL;
}

/* Python's truthiness, for the values the code tests with `if x`. */
static int truthy(const struct jv *v)
{
    if (!v)
        return 0;
    switch (v->t) {
    case J_NULL: return 0;
    case J_BOOL: return v->b;
    case J_INT: return v->i != 0;
    case J_STR: return v->s[0] != 0;
    case J_ARR:
    case J_OBJ: return v->n != 0;
    default: return 1;
    }
}

static int fits(const struct jv *v, enum sf_type t)
{
    switch (t) {
    case SF_INT: return v->t == J_INT && v->i >= 0 && v->i <= SF_INT_MAX;
    case SF_STR: return v->t == J_STR;
    case SF_BOOL: return v->t == J_BOOL;
    case SF_OBJECT: return v->t == J_OBJ;
    case SF_STRMAP:
    case SF_STRLIST:
        if (v->t != (t == SF_STRMAP ? J_OBJ : J_ARR))
            return 0;
        for (int k = 0; k < v->n; k++)
            if (v->kids[k].t != J_STR)
                return 0;
        return 1;
    }
    return 0;
}

/* Every member of `o` named in `table` has its type; with `all`, no member is missing from it. */
static int conforms(const struct jv *o, const struct sf_field *table, int all)
{
    for (int k = 0; k < o->n; k++) {
        const struct sf_field *f = table;
        while (f->name && strcmp(f->name, o->keys[k]))
            f++;
        if (!f->name) {
            if (all)
                return 0;
            continue;
        }
        if (!fits(&o->kids[k], f->type))
            return 0;
    }
    return 1;
}

/* ---- the container's state directory (pyruntime/state.py) --------------------------------- */

static const char *root, *cid;
static char dir[4096];
static struct jv state; /* state.json, checked against the table */

static int valid_id(const char *s)
{
    if (!*s || !strcmp(s, ".") || !strcmp(s, ".."))
        return 0;
    for (; *s; s++)
        if (!(isascii((unsigned char)*s) && (isalnum((unsigned char)*s) || strchr("_+-.", *s))))
            return 0;
    return 1;
}

static int is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int path_in(char *out, size_t size, const char *a, const char *b)
{
    int n = snprintf(out, size, "%s/%s", a, b);
    return n < 0 || (size_t)n >= size ? -1 : 0;
}

/* Container.load(): 1 when the directory exists and state.json is one we understand, 0 for
 * "container does not exist"; anything else (no state.json yet, damaged, unknown fields, a create
 * in progress) hands over. */
static int load(void)
{
    char path[4200];
    if (!valid_id(cid) || snprintf(dir, sizeof dir, "%s/%s", root, cid) >= (int)sizeof dir || !is_dir(dir))
        return 0;
    if (path_in(path, sizeof path, dir, "state.json") < 0)
        python();
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        python();
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > (1 << 20))
        python();
    char *text = malloc((size_t)st.st_size + 1);
    size_t got = 0;
    if (!text)
        python();
    for (;;) {
        ssize_t n = read(fd, text + got, (size_t)st.st_size + 1 - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            python();
        if (n == 0)
            break;
        got += (size_t)n;
        if (got > (size_t)st.st_size)
            python(); /* grew while we read: let Python have it */
    }
    close(fd);
    struct jp p = { text, text + got, 0 };
    ws(&p);
    if (jparse(&p, &state) < 0 || state.t != J_OBJ)
        python();
    ws(&p);
    if (p.p != p.end)
        python();
    if (!conforms(&state, SF_FIELDS, 1))
        python();
    struct jv *cg = jget(&state, "cgroup");
    if (cg && !conforms(cg, SF_CGROUP_FIELDS, 0))
        python();
    if (truthy(jget(&state, "creating")) || !jget(&state, "pid_start"))
        python(); /* a create in progress, or one that died: Python's */
    return 1;
}

static long long num(const char *key)
{
    struct jv *v = jget(&state, key);
    return v ? v->i : 0;
}

static const char *str(const char *key)
{
    struct jv *v = jget(&state, key);
    return v ? v->s : "";
}

/* proc_start(): the state letter and start time of a pid; -1 when there is no such process. */
static int proc_start(long long pid, char *letter, unsigned long long *start)
{
    char path[64], data[2048];
    snprintf(path, sizeof path, "/proc/%lld/stat", pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, data, sizeof data - 1);
    close(fd);
    if (n <= 0)
        return -1;
    data[n] = 0;
    char *q = strrchr(data, ')');
    if (!q || q[1] != ' ')
        python();
    q += 2;
    char *save = NULL, *tok = strtok_r(q, " \n", &save);
    for (int k = 0; tok; k++, tok = strtok_r(NULL, " \n", &save)) {
        if (k == 0)
            *letter = tok[0];
        if (k == 19) {
            *start = strtoull(tok, NULL, 10);
            return 0;
        }
    }
    python();
}

static int alive(void)
{
    long long pid = num("pid");
    char letter;
    unsigned long long start;
    if (!pid || proc_start(pid, &letter, &start) < 0)
        return 0;
    return letter != 'Z' && letter != 'X' && start == (unsigned long long)num("pid_start");
}

static int read_small(const char *path, char *out, size_t size)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, out, size - 1);
    close(fd);
    if (n < 0)
        return -1;
    out[n] = 0;
    return 0;
}

static char *strip(char *s)
{
    while (*s && isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        s[--n] = 0;
    return s;
}

/* state.frozen(): the freezer of the saved cgroup; unreadable or absent is not frozen. */
static int frozen(void)
{
    struct jv *cg = jget(&state, "cgroup");
    const char *file, *want;
    struct jv *where;
    char path[4200], data[64];
    if (!cg || cg->t != J_OBJ)
        return 0;
    struct jv *drv = jget(cg, "driver");
    if (drv && !strcmp(drv->s, "systemd")) {
        cg = jget(cg, "fs");
        if (!cg)
            return 0;
        drv = jget(cg, "driver");
        if (cg->t != J_OBJ || (drv && drv->t != J_STR))
            python();
    }
    if (drv && !strcmp(drv->s, "v2")) {
        where = jget(cg, "path");
        file = "cgroup.freeze", want = "1";
    } else {
        where = jget(jget(cg, "paths"), "freezer");
        file = "freezer.state", want = "FROZEN";
    }
    if (!where)
        return 0;
    /* os.path.join of an absolute directory without a trailing slash: otherwise, Python's */
    size_t len = where->t == J_STR ? strlen(where->s) : 0;
    if (!len || where->s[0] != '/' || where->s[len - 1] == '/')
        python();
    if (path_in(path, sizeof path, where->s, file) < 0 || read_small(path, data, sizeof data) < 0)
        return 0;
    return !strcmp(strip(data), want);
}

static int init_waiting(void)
{
    char path[64], exe[256];
    snprintf(path, sizeof path, "/proc/%lld/exe", num("pid"));
    ssize_t n = readlink(path, exe, sizeof exe - 1);
    if (n < 0)
        return 1;
    exe[n] = 0;
    return !strncmp(exe, "/memfd:pyruntime-init", 21);
}

/* Container.status() for a saved (not provisional) state. */
static const char *status(void)
{
    char fifo[4200];
    struct stat st;
    if (!alive())
        return "stopped";
    if (frozen())
        return "paused";
    if (path_in(fifo, sizeof fifo, dir, "exec.fifo") < 0)
        python();
    if (stat(fifo, &st) == 0 && init_waiting())
        return "created";
    return "running";
}

static int lock_fd = -1;

static void lock_dir(void)
{
    lock_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (lock_fd < 0 || flock(lock_fd, LOCK_EX) < 0)
        python();
}

/* After the lock: the state again (another command may have changed it while we waited). */
static void reload(void)
{
    memset(&state, 0, sizeof state);
    if (!load())
        python(); /* gone while we waited for the lock: Python says how */
}

/* ---- state --------------------------------------------------------------------------------- */

/* json.dumps' ASCII escaping (_json.encode_basestring_ascii) of a UTF-8 string. */
static void json_str(struct buf *b, const char *s)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + strlen(s);
    put(b, "\"", 1);
    while (p < end) {
        unsigned cp;
        int len = utf8_next(p, end, &cp);
        if (len < 0)
            python();
        p += len;
        switch (cp) {
        case '"': puts_(b, "\\\""); continue;
        case '\\': puts_(b, "\\\\"); continue;
        case '\n': puts_(b, "\\n"); continue;
        case '\r': puts_(b, "\\r"); continue;
        case '\t': puts_(b, "\\t"); continue;
        case '\b': puts_(b, "\\b"); continue;
        case '\f': puts_(b, "\\f"); continue;
        }
        if (cp >= ' ' && cp <= '~') {
            char c = (char)cp;
            put(b, &c, 1);
        } else if (cp < 0x10000) {
            putf(b, "\\u%04x", cp);
        } else {
            cp -= 0x10000;
            putf(b, "\\u%04x\\u%04x", 0xD800 | (cp >> 10), 0xDC00 | (cp & 0x3FF));
        }
    }
    put(b, "\"", 1);
}

static int cmd_state(void)
{
    if (!load())
        return fatal("container does not exist");
    const char *st = status();
    int live = !strcmp(st, "created") || !strcmp(st, "running") || !strcmp(st, "paused");
    struct buf out = { 0 };
    puts_(&out, "{\n  \"ociVersion\": ");
    json_str(&out, str("ociVersion"));
    puts_(&out, ",\n  \"id\": ");
    json_str(&out, cid);
    putf(&out, ",\n  \"pid\": %lld", live ? num("pid") : 0LL);
    puts_(&out, ",\n  \"status\": ");
    json_str(&out, st);
    puts_(&out, ",\n  \"bundle\": ");
    json_str(&out, str("bundle"));
    puts_(&out, ",\n  \"rootfs\": ");
    json_str(&out, str("rootfs"));
    puts_(&out, ",\n  \"created\": ");
    json_str(&out, str("created"));
    struct jv *ann = jget(&state, "annotations");
    if (truthy(ann)) {
        puts_(&out, ",\n  \"annotations\": {");
        for (int k = 0; k < ann->n; k++) {
            puts_(&out, k ? ",\n    " : "\n    ");
            json_str(&out, ann->keys[k]);
            puts_(&out, ": ");
            json_str(&out, ann->kids[k].s);
        }
        puts_(&out, "\n  }");
    }
    puts_(&out, ",\n  \"owner\": \"\"\n}");
    if (write_all(1, out.p, out.n) < 0)
        python(); /* Python reports a closed stdout its own way */
    return 0;
}

/* ---- kill ---------------------------------------------------------------------------------- */

static const struct {
    const char *name;
    int number;
} SIGNALS[] = { { "SIGHUP", SIGHUP },
                { "SIGINT", SIGINT },
                { "SIGQUIT", SIGQUIT },
                { "SIGILL", SIGILL },
                { "SIGTRAP", SIGTRAP },
                { "SIGABRT", SIGABRT },
                { "SIGBUS", SIGBUS },
                { "SIGFPE", SIGFPE },
                { "SIGKILL", SIGKILL },
                { "SIGUSR1", SIGUSR1 },
                { "SIGSEGV", SIGSEGV },
                { "SIGUSR2", SIGUSR2 },
                { "SIGPIPE", SIGPIPE },
                { "SIGALRM", SIGALRM },
                { "SIGTERM", SIGTERM },
                { "SIGSTKFLT", SIGSTKFLT },
                { "SIGCHLD", SIGCHLD },
                { "SIGCONT", SIGCONT },
                { "SIGSTOP", SIGSTOP },
                { "SIGTSTP", SIGTSTP },
                { "SIGTTIN", SIGTTIN },
                { "SIGTTOU", SIGTTOU },
                { "SIGURG", SIGURG },
                { "SIGXCPU", SIGXCPU },
                { "SIGXFSZ", SIGXFSZ },
                { "SIGVTALRM", SIGVTALRM },
                { "SIGPROF", SIGPROF },
                { "SIGWINCH", SIGWINCH },
                { "SIGIO", SIGIO },
                { "SIGPWR", SIGPWR },
                { "SIGSYS", SIGSYS },
                { "SIGIOT", SIGIOT },
                { "SIGCLD", SIGCHLD },
                { "SIGPOLL", SIGPOLL },
                { NULL, 0 } };

static int small_number(const char *s)
{
    if (!*s || strlen(s) > 9)
        return -1;
    for (const char *q = s; *q; q++)
        if (*q < '0' || *q > '9')
            return -1;
    return atoi(s);
}

/* signals.parse_signal(); -1 for what it refuses (Python then says how). */
static int parse_signal(const char *text)
{
    char name[64];
    int n = small_number(text);
    if (n >= 0)
        return n <= SIGRTMAX ? n : -1;
    if (!*text || strlen(text) + 4 > sizeof name)
        return -1;
    const char *src = text;
    if (strncasecmp(text, "SIG", 3)) {
        strcpy(name, "SIG");
    } else {
        name[0] = 0;
    }
    size_t at = strlen(name);
    for (; *src; src++) {
        if (!isascii((unsigned char)*src))
            return -1;
        name[at++] = (char)toupper((unsigned char)*src);
    }
    name[at] = 0;
    for (int k = 0; SIGNALS[k].name; k++)
        if (!strcmp(SIGNALS[k].name, name))
            return SIGNALS[k].number;
    const char *s = name + 3;
    if (!strcmp(s, "RTMIN"))
        return SIGRTMIN;
    if (!strcmp(s, "RTMAX"))
        return SIGRTMAX;
    if (!strncmp(s, "RTMIN+", 6) || !strncmp(s, "RTMAX-", 6)) {
        int k = small_number(s + 6);
        if (k < 0)
            return -1;
        n = s[3] == 'I' ? SIGRTMIN + k : SIGRTMAX - k;
        return n >= SIGRTMIN && n <= SIGRTMAX ? n : -1;
    }
    return -1;
}

/* Container.signal_init(): a pidfd pins the init before its start time is checked again. */
static int signal_init(int sig)
{
    if (!alive())
        return 0;
    int fd = (int)syscall(SYS_pidfd_open, (pid_t)num("pid"), 0);
    if (fd < 0) {
        if (errno == ESRCH)
            return 0;
        if (errno != ENOSYS)
            python(); /* nothing sent yet */
        return kill((pid_t)num("pid"), sig) == 0;
    }
    int ok = 0;
    if (alive()) {
        if (syscall(SYS_pidfd_send_signal, fd, sig, NULL, 0) == 0)
            ok = 1;
        else if (errno != ESRCH)
            python();
    }
    close(fd);
    return ok;
}

static int shared_pid(void)
{
    struct jv *v = jget(&state, "shared_pid");
    if (v)
        return v->b;
    struct jv *ns = jget(&state, "namespaces");
    for (int k = 0; ns && k < ns->n; k++)
        if (!strcmp(ns->kids[k].s, "pid"))
            return 0;
    return 1;
}

static struct jv *cgroup(void)
{
    struct jv *cg = jget(&state, "cgroup");
    if (!truthy(cg))
        return NULL;
    struct jv *drv = jget(cg, "driver");
    if (!drv || (strcmp(drv->s, "v1") && strcmp(drv->s, "v2") && strcmp(drv->s, "systemd")))
        python(); /* Manager.from_state() refuses it */
    return cg;
}

static int cmd_kill(const char *text, int all)
{
    int sig = parse_signal(text);
    if (sig < 0)
        python();
    if (!load())
        return fatal("container does not exist");
    const char *st = status();
    struct jv *cg = cgroup();
    if (sig == 9 && cg && shared_pid())
        python(); /* SIGKILL to a whole cgroup: the drivers' */
    int live = !strcmp(st, "created") || !strcmp(st, "running") || !strcmp(st, "paused");
    if (!live) {
        if (all && !strcmp(st, "stopped"))
            return 0;
        return fatal("container not running");
    }
    if (all || !strcmp(st, "paused"))
        python(); /* every process of the cgroup, or a thaw after SIGKILL: the drivers' */
    if (!signal_init(sig))
        return fatal("container not running");
    return 0;
}

/* ---- start --------------------------------------------------------------------------------- */

static void __attribute__((noreturn)) start_failed(const char *error)
{
    /* the init reported an error and the fifo is gone: Python destroys the container (cgroups,
     * poststop hooks) and reports it, as its own start does */
    if (setenv("PYRUNTIME_FRONT_START_FAILED", error, 1) < 0)
        _exit(fatal(error));
    close(lock_fd);
    exec_python(); /* by design, not for want of understanding: also under no-python */
}

static int cmd_start(void)
{
    char fifo[4200];
    if (!load())
        return fatal("container does not exist");
    lock_dir();
    reload();
    const char *st = status();
    if (path_in(fifo, sizeof fifo, dir, "exec.fifo") < 0)
        python();
    if (!strcmp(st, "running")) {
        if (unlink(fifo) < 0 && errno != ENOENT)
            python();
        return fatal("cannot start an already running container");
    }
    if (!strcmp(st, "stopped"))
        return fatal("cannot start a container that has stopped");
    if (!strcmp(st, "paused"))
        return fatal("cannot start a paused container");
    if (truthy(jget(&state, "notify")) || truthy(jget(jget(&state, "hooks"), "poststart")))
        python(); /* sd_notify forwarding, poststart hooks: Python's */
    int fd = open(fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        python();
    struct buf got = { 0 };
    const char *error = NULL;
    for (;;) {
        struct pollfd pfd = { fd, POLLIN, 0 };
        int r = poll(&pfd, 1, 100);
        if (r < 0 && errno != EINTR) {
            close(fd);
            unlink(fifo);
            python();
        }
        if (r > 0) {
            char data[8192];
            ssize_t n = read(fd, data, sizeof data);
            if (n > 0 && data[0] == '0')
                break;
            if (n > 0 && data[0] == '!') {
                put(&got, data + 1, (size_t)n - 1);
                struct timespec ten = { 0, 10 * 1000 * 1000 };
                nanosleep(&ten, NULL);
                n = read(fd, data, sizeof data);
                if (n > 0)
                    put(&got, data, (size_t)n);
                put(&got, "", 0);
                error = got.p;
                break;
            }
        }
        if (!alive()) {
            close(fd);
            unlink(fifo);
            return fatal("cannot start a container that has stopped");
        }
    }
    close(fd);
    unlink(fifo);
    if (error)
        start_failed(error);
    return 0;
}

/* ---- delete -------------------------------------------------------------------------------- */

static int depth(const char *p)
{
    int n = 0;
    for (; *p; p++)
        n += *p == '/';
    return n;
}

/* cgroups.read_pids(path, recursive=True) is empty. Unsure -> Python. */
static int no_pids(const char *path)
{
    char file[4200], data[64];
    if (path_in(file, sizeof file, path, "cgroup.procs") < 0)
        python();
    int fd = open(file, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT)
            return 1;
        python();
    }
    ssize_t n = read(fd, data, sizeof data - 1);
    close(fd);
    if (n < 0)
        python();
    data[n] = 0;
    if (*strip(data))
        return 0;
    DIR *d = opendir(path);
    if (!d)
        return 1;
    struct dirent *e;
    int empty = 1;
    while (empty && (e = readdir(d))) {
        if (e->d_type != DT_DIR || !strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        char sub[4200];
        if (path_in(sub, sizeof sub, path, e->d_name) < 0)
            python();
        empty = no_pids(sub);
    }
    closedir(d);
    return empty;
}

/* cgroups.rmdir_tree(): deepest first, EBUSY retried as Python does; any other failure -> Python,
 * which removes what is left the same way and reports it. */
static void rmdir_tree(const char *path)
{
    DIR *d = opendir(path);
    if (!d) {
        if (errno == ENOENT || errno == ENOTDIR)
            return;
        python();
    }
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        int sub_dir = e->d_type == DT_DIR;
        char sub[4200];
        if (path_in(sub, sizeof sub, path, e->d_name) < 0)
            python();
        if (e->d_type == DT_UNKNOWN) {
            struct stat st;
            sub_dir = lstat(sub, &st) == 0 && S_ISDIR(st.st_mode);
        }
        if (sub_dir)
            rmdir_tree(sub);
    }
    closedir(d);
    long delay = 2;
    for (int i = 0; i < 50; i++) {
        if (rmdir(path) == 0 || errno == ENOENT)
            return;
        if (errno != EBUSY || i == 49)
            python();
        struct timespec ts = { delay / 1000, (delay % 1000) * 1000000L };
        nanosleep(&ts, NULL);
        delay = delay * 2 > 100 ? 100 : delay * 2;
    }
}

static int in_list(const struct jv *list, const char *s)
{
    for (int k = 0; list && k < list->n; k++)
        if (!strcmp(list->kids[k].s, s))
            return 1;
    return 0;
}

/* Manager.owns_leaf(), _empty_cgroup() when there is nothing to kill, Manager.destroy(). */
static void destroy_cgroup(struct jv *cg)
{
    struct jv *drv = jget(cg, "driver"), *created = jget(cg, "created"), *claimed = jget(cg, "claimed");
    struct jv *paths = jget(cg, "paths"), *path = jget(cg, "path");
    int v2 = !strcmp(drv->s, "v2");
    if (strcmp(drv->s, "v1") && !v2)
        python(); /* systemd: the unit is stopped over D-Bus */
    /* the leaves: v1 one per controller, v2 the one path */
    const char *leaves[64];
    int nleaves = 0;
    if (v2) {
        if (!path)
            python();
        leaves[nleaves++] = path->s;
    } else {
        if (!paths || !paths->n || paths->n > 64)
            python();
        for (int k = 0; k < paths->n; k++) {
            int seen = 0;
            for (int j = 0; j < nleaves; j++)
                seen |= !strcmp(leaves[j], paths->kids[k].s);
            if (!seen)
                leaves[nleaves++] = paths->kids[k].s;
        }
    }
    for (int j = 0; j < nleaves; j++)
        if (leaves[j][0] != '/')
            python();
    int owns = claimed && claimed->b;
    for (int j = 0; j < nleaves && !owns; j++)
        owns = in_list(created, leaves[j]);
    if (owns) {
        /* v1: _pids_path() is the first of these controllers present, else the first path */
        const char *where = leaves[0];
        if (!v2) {
            static const char *order[] = { "pids", "freezer", "devices", "memory", "cpu", NULL };
            where = paths->kids[0].s;
            for (int k = 0; order[k]; k++) {
                struct jv *p = jget(paths, order[k]);
                if (p) {
                    where = p->s;
                    break;
                }
            }
        }
        if (!no_pids(where))
            python(); /* processes left in it: Python kills them and waits */
    }
    /* todo = created | leaves (if claimed), deepest first; a leaf with its sub-cgroups, a parent
     * we made only if empty (other containers may share it now) */
    const char *todo[256];
    int ntodo = 0;
    for (int k = 0; created && k < created->n && ntodo < 256; k++)
        todo[ntodo++] = created->kids[k].s;
    for (int j = 0; owns && claimed && claimed->b && j < nleaves; j++)
        if (!in_list(created, leaves[j]) && ntodo < 256)
            todo[ntodo++] = leaves[j];
    if (created && created->n > 256)
        python();
    for (int a = 0; a < ntodo; a++)
        for (int b = a + 1; b < ntodo; b++)
            if (depth(todo[b]) > depth(todo[a])) {
                const char *t = todo[a];
                todo[a] = todo[b];
                todo[b] = t;
            }
    for (int a = 0; a < ntodo; a++) {
        if (a && !strcmp(todo[a], todo[a - 1]))
            continue;
        int leaf = 0;
        for (int j = 0; j < nleaves; j++)
            leaf |= !strcmp(leaves[j], todo[a]);
        if (leaf)
            rmdir_tree(todo[a]);
        else
            rmdir(todo[a]);
    }
}

/* container._destroy() of a live init: SIGKILL through a pidfd, thaw (a frozen process cannot
 * die), wait up to a second. Still alive, or no cgroup to find the rest by: Python's, which goes
 * on from whatever this did. */
static void kill_init(struct jv *cg)
{
    struct jv *drv = cg ? jget(cg, "driver") : NULL;
    if (!drv || (strcmp(drv->s, "v1") && strcmp(drv->s, "v2")))
        python();
    signal_init(9);
    char path[4200];
    struct jv *where = !strcmp(drv->s, "v2") ? jget(cg, "path") : jget(jget(cg, "paths"), "freezer");
    if (where && where->t == J_STR &&
        path_in(path, sizeof path, where->s, !strcmp(drv->s, "v2") ? "cgroup.freeze" : "freezer.state") == 0) {
        int fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd >= 0) {
            const char *v = !strcmp(drv->s, "v2") ? "0" : "THAWED";
            if (write(fd, v, strlen(v)) < 0) {
                /* as Python: a thaw that fails is no reason to stop */
            }
            close(fd);
        }
    }
    for (int i = 0; alive(); i++) {
        if (i >= 200)
            python();
        struct timespec ts = { 0, 5 * 1000 * 1000 };
        nanosleep(&ts, NULL);
    }
}

static int cmd_delete(int force)
{
    if (!load())
        return force ? 0 : fatal("container does not exist");
    lock_dir();
    reload();
    const char *st = status();
    if ((!strcmp(st, "running") || !strcmp(st, "paused")) && !force) {
        char msg[512];
        snprintf(msg, sizeof msg, "cannot delete container %s that is not stopped: %s", cid, st);
        return fatal(msg);
    }
    if (!strcmp(st, "paused") || truthy(jget(jget(&state, "hooks"), "poststop")))
        python(); /* a frozen init, poststop hooks: Python's */
    /* the state directory holds plain files only (the notify/ directory is Python's to remove) */
    DIR *d = opendir(dir);
    if (!d)
        python();
    struct dirent *e;
    while ((e = readdir(d)))
        if (e->d_type == DT_DIR && strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            python();
        else if (e->d_type == DT_UNKNOWN)
            python();
    struct jv *cg = cgroup();
    if (strcmp(st, "stopped"))
        kill_init(cg); /* created, or running with --force */
    if (cg)
        destroy_cgroup(cg);
    rewinddir(d);
    while ((e = readdir(d))) {
        char path[4200];
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        if (path_in(path, sizeof path, dir, e->d_name) < 0)
            python();
        if (unlink(path) < 0 && errno != ENOENT)
            python();
    }
    closedir(d);
    if (rmdir(dir) < 0 && errno != ENOENT)
        python();
    return 0;
}

/* ---- ps (cgroup_ops.ps) ------------------------------------------------------------------- */

struct pids {
    long long *v;
    int n, cap;
};

/* cgroups.read_pids(path, recursive=True), in its order. Unsure -> Python (ps changes nothing). */
static void read_pids(const char *path, struct pids *out)
{
    char file[4200];
    if (path_in(file, sizeof file, path, "cgroup.procs") < 0)
        python();
    int fd = open(file, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT)
            return;
        python();
    }
    struct buf text = { 0 };
    put(&text, "", 0);
    for (;;) {
        char chunk[4096];
        ssize_t n = read(fd, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            python();
        if (n == 0)
            break;
        put(&text, chunk, (size_t)n);
    }
    close(fd);
    char *save = NULL;
    for (char *tok = strtok_r(text.p, " \t\n", &save); tok; tok = strtok_r(NULL, " \t\n", &save)) {
        if (out->n == out->cap) {
            out->cap = out->cap ? out->cap * 2 : 64;
            out->v = realloc(out->v, (size_t)out->cap * sizeof *out->v);
            if (!out->v)
                python();
        }
        char *end;
        out->v[out->n++] = strtoll(tok, &end, 10);
        if (*end)
            python();
    }
    DIR *d = opendir(path);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        if (e->d_type != DT_DIR) {
            if (e->d_type == DT_UNKNOWN)
                python();
            continue;
        }
        char sub[4200];
        if (path_in(sub, sizeof sub, path, e->d_name) < 0)
            python();
        read_pids(sub, out);
    }
    closedir(d);
}

/* Run ps with these arguments, stdout and stderr into one pipe; its output, or hand over. */
static char *run_ps(char **args, int nargs)
{
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) < 0)
        python();
    pid_t pid = fork();
    if (pid < 0)
        python();
    if (pid == 0) {
        char **argv = calloc((size_t)nargs + 3, sizeof *argv);
        int null = open("/dev/null", O_RDONLY);
        if (!argv || null < 0 || dup2(null, 0) < 0 || dup2(fds[1], 1) < 0 || dup2(fds[1], 2) < 0)
            _exit(127);
        argv[0] = (char *)"ps";
        for (int k = 0; k < nargs; k++)
            argv[1 + k] = args[k];
        if (!nargs)
            argv[1] = (char *)"-ef";
        execvp("ps", argv);
        _exit(127);
    }
    close(fds[1]);
    struct buf out = { 0 };
    put(&out, "", 0);
    for (;;) {
        char chunk[8192];
        ssize_t n = read(fds[0], chunk, sizeof chunk);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        put(&out, chunk, (size_t)n);
    }
    close(fds[0]);
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            python();
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        python(); /* ps failed: Python runs it again and reports it */
    for (size_t k = 0; k < out.n; k++) {
        unsigned char c = (unsigned char)out.p[k];
        if (c >= 0x80 || (c >= 0x1c && c <= 0x1f) || c == 0)
            python(); /* str.split() and UTF-8 decoding would see these differently */
    }
    return out.p;
}

static int cmd_ps(const char *format, char **ps_args, int nargs)
{
    int json = !strcmp(format, "json");
    if (!json && strcmp(format, "table"))
        python();
    if (!load())
        return fatal("container does not exist");
    struct jv *cg = cgroup();
    if (!cg)
        python(); /* no cgroup (rootless): the pid namespace's processes */
    struct jv *drv = jget(cg, "driver"), *paths = jget(cg, "paths"), *path = jget(cg, "path");
    const char *where = NULL;
    if (!strcmp(drv->s, "v2")) {
        where = path ? path->s : NULL;
    } else if (!strcmp(drv->s, "v1") && paths && paths->n) {
        static const char *order[] = { "pids", "freezer", "devices", "memory", "cpu", NULL };
        where = paths->kids[0].s;
        for (int k = 0; order[k]; k++) {
            struct jv *p = jget(paths, order[k]);
            if (p) {
                where = p->s;
                break;
            }
        }
    }
    if (!where || where[0] != '/')
        python(); /* systemd, or a shape Python's driver would judge */
    struct pids pids = { 0 };
    read_pids(where, &pids);
    struct buf out = { 0 };
    if (json) {
        if (!pids.n) {
            puts_(&out, "null\n");
        } else {
            put(&out, "[", 1);
            for (int k = 0; k < pids.n; k++)
                putf(&out, k ? ",%lld" : "%lld", pids.v[k]);
            puts_(&out, "]\n");
        }
    } else {
        char *text = run_ps(ps_args, nargs);
        char *nl = strchr(text, '\n');
        char *first_end = nl ? nl : text + strlen(text);
        /* the PID column of the header */
        int idx = -1, col = 0;
        for (char *q = text; q < first_end;) {
            while (q < first_end && isspace((unsigned char)*q))
                q++;
            if (q >= first_end)
                break;
            char *w = q;
            while (q < first_end && !isspace((unsigned char)*q))
                q++;
            if (q - w == 3 && !strncmp(w, "PID", 3)) {
                idx = col;
                break;
            }
            col++;
        }
        if (idx < 0)
            python(); /* "couldn't find PID field in ps output": Python's words */
        put(&out, text, (size_t)(first_end - text));
        char *line = nl ? nl + 1 : NULL;
        while (line) {
            char *next = strchr(line, '\n');
            char *end = next ? next : line + strlen(line);
            char *q = line, *field = NULL;
            size_t flen = 0;
            for (col = 0; q < end && col <= idx; col++) {
                while (q < end && isspace((unsigned char)*q))
                    q++;
                if (q >= end)
                    break;
                field = q;
                while (q < end && !isspace((unsigned char)*q))
                    q++;
                flen = (size_t)(q - field);
            }
            if (col > idx && field) {
                char num_[24];
                if (flen == 0 || flen > 18)
                    python();
                for (size_t k = 0; k < flen; k++)
                    if (!isdigit((unsigned char)field[k]))
                        python(); /* int() of it: Python's */
                memcpy(num_, field, flen);
                num_[flen] = 0;
                long long p = strtoll(num_, NULL, 10);
                for (int k = 0; k < pids.n; k++)
                    if (pids.v[k] == p) {
                        put(&out, "\n", 1);
                        put(&out, line, (size_t)(end - line));
                        break;
                    }
            }
            line = next ? next + 1 : NULL;
        }
        put(&out, "\n", 1);
    }
    if (write_all(1, out.p, out.n) < 0)
        python();
    return 0;
}

/* ---- the command line (pyruntime/cli.py's rules, for the flags clients pass) --------------- */

/* A global flag we understand: its canonical name and whether it takes a value; NULL otherwise. */
static const char *global_flag(const char *word, int *takes)
{
    static const struct {
        const char *name;
        int takes;
    } G[] = { { "root", 1 },           { "log", 1 }, { "log-format", 1 }, { "criu", 1 }, { "rootless", 1 },
              { "systemd-cgroup", 0 }, { NULL, 0 } };
    const char *w = word + 1 + (word[1] == '-');
    for (int k = 0; G[k].name; k++) {
        size_t n = strlen(G[k].name);
        if (!strncmp(w, G[k].name, n) && (w[n] == 0 || (w[n] == '=' && G[k].takes))) {
            *takes = G[k].takes;
            return G[k].name;
        }
    }
    return NULL;
}

/* No "." or ".." component: os.path.abspath() would change its meaning, the kernel would not. */
static int plain_abs(const char *p)
{
    if (p[0] != '/')
        return 0;
    for (const char *s = p; *s; s++)
        if (s[0] == '/' && s[1] == '.' && (s[2] == '/' || s[2] == 0 || (s[2] == '.' && (s[3] == '/' || s[3] == 0))))
            return 0;
    return 1;
}

int main(int argc, char **argv)
{
    g_argc = argc;
    g_argv = argv;
    const char *force_py = getenv("PYRUNTIME_FRONT");
    if (force_py && !strcmp(force_py, "python"))
        exec_python();
    const char *root_flag = NULL, *log_path = NULL, *log_format = "text";
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        int takes;
        const char *name = global_flag(argv[i], &takes);
        if (!name || !argv[i][1])
            python(); /* --debug, --help, --version, anything else */
        const char *value = NULL;
        if (takes) {
            value = strchr(argv[i], '=');
            if (value)
                value++;
            else if (i + 1 < argc)
                value = argv[++i];
            else
                python();
        }
        if (!strcmp(name, "root"))
            root_flag = value;
        else if (!strcmp(name, "log"))
            log_path = value;
        else if (!strcmp(name, "log-format"))
            log_format = value;
    }
    if (i >= argc)
        python();
    const char *command = argv[i++];
    const char *format = "table";
    if (!strcmp(command, "ps")) {
        /* runc stops reading flags at the container ID: the rest are ps's own arguments */
        for (int k = i; k < argc; k++)
            if (!strcmp(argv[k], "--") || !strcmp(argv[k], "-h") || !strcmp(argv[k], "--help"))
                python();
        for (; i < argc && argv[i][0] == '-'; i++) {
            const char *w = argv[i];
            const char *eq = strchr(w, '=');
            size_t n = eq ? (size_t)(eq - w) : strlen(w);
            if (!((n == 2 && !strncmp(w, "-f", 2)) || (n == 7 && !strncmp(w, "-format", 7)) ||
                  (n == 8 && !strncmp(w, "--format", 8))))
                python();
            if (eq)
                format = eq + 1;
            else if (i + 1 < argc)
                format = argv[++i];
            else
                python();
        }
        if (i >= argc)
            python();
    }
    if (!strcmp(command, "run") || !strcmp(command, "exec"))
        python_as_subreaper();
    int is_kill = !strcmp(command, "kill"), is_delete = !strcmp(command, "delete");
    int is_ps = !strcmp(command, "ps");
    if (!is_kill && !is_delete && !is_ps && strcmp(command, "state") && strcmp(command, "start"))
        python();
    const char *args[2];
    int nargs = 0, flag = 0, ps_at = i + 1;
    for (; i < argc && !is_ps; i++) {
        const char *w = argv[i];
        if (w[0] == '-') {
            if ((is_kill && (!strcmp(w, "-a") || !strcmp(w, "--all") || !strcmp(w, "-all"))) ||
                (is_delete && (!strcmp(w, "-f") || !strcmp(w, "--force") || !strcmp(w, "-force"))))
                flag = 1;
            else
                python(); /* --help, --, "-", values given with '=', unknown flags */
            continue;
        }
        if (nargs == (is_kill ? 2 : 1))
            python(); /* too many arguments: Python's usage error */
        args[nargs++] = w;
    }
    if (is_ps)
        args[nargs++] = argv[ps_at - 1];
    if (!nargs)
        python();
    if (strcmp(log_format, "text") && strcmp(log_format, "json"))
        python();
    log_json = !strcmp(log_format, "json");
    if (root_flag && *root_flag) {
        if (!plain_abs(root_flag))
            python();
        root = root_flag;
    } else {
        /* state.default_root(): $XDG_RUNTIME_DIR/pyruntime for a user is Python's */
        const char *xdg = getenv("XDG_RUNTIME_DIR"), *user = getenv("USER");
        if (xdg && *xdg && (geteuid() != 0 || !user || strcmp(user, "root")))
            python();
        root = "/run/pyruntime";
    }
    if (log_path && *log_path) {
        if (!plain_abs(log_path))
            python();
        log_fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        if (log_fd < 0)
            python(); /* runc's message for it: Python's */
    }
    cid = args[0];
    if (!strcmp(command, "state"))
        return cmd_state();
    if (!strcmp(command, "start"))
        return cmd_start();
    if (is_ps)
        return cmd_ps(format, argv + ps_at, argc - ps_at);
    if (is_kill)
        return cmd_kill(nargs > 1 ? args[1] : "SIGTERM", flag);
    return cmd_delete(flag);
}
