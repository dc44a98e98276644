/* plandump: decode a Plan with the init's own decoder (pyruntime/_native/plan.c) and print what
 * it read as one JSON object, so tests/contract/test_plan_roundtrip.py can compare it field by
 * field with the Plan plan_wire.encode() was given. Strings and byte blobs are printed as hex
 * (any byte but NUL may be in them). Exit status 3 and "malformed" when plan_parse refuses.
 *
 *   plandump FILE      (gcc -I pyruntime/_native tests/contract/plandump.c pyruntime/_native/plan.c)
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "init.h"

static struct plan plan; /* zeroed, as the init's static is */

static void hexb(const unsigned char *b, size_t n)
{
    putchar('"');
    for (size_t i = 0; i < n; i++)
        printf("%02x", b[i]);
    putchar('"');
}

static void str(const char *s)
{
    if (!s)
        fputs("null", stdout);
    else
        hexb((const unsigned char *)s, strlen(s));
}

static void strs(const char *const *v, int n)
{
    putchar('[');
    for (int i = 0; i < n; i++) {
        if (i)
            putchar(',');
        str(v[i]);
    }
    putchar(']');
}

static uint32_t u32_at(const unsigned char *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

int main(int argc, char **argv)
{
    FILE *f = argc > 1 ? fopen(argv[1], "rb") : NULL;
    if (!f) {
        fprintf(stderr, "usage: plandump FILE\n");
        return 2;
    }
    size_t cap = 1 << 16, len = 0, n;
    unsigned char *buf = malloc(cap);
    while (buf && (n = fread(buf + len, 1, cap - len, f)) > 0) {
        len += n;
        if (len == cap)
            buf = realloc(buf, cap *= 2);
    }
    fclose(f);
    if (!buf)
        return 2;
    if (plan_parse(&plan, buf, len) < 0) {
        puts("malformed");
        return 3;
    }
    const struct plan *p = &plan;
    printf("{\"flags\":%" PRIu32 ",\"rootfs\":", p->flags);
    str(p->rootfs);
    printf(",\"rootprop\":%" PRIu64 ",\"ns\":[", p->rootprop);
    for (int i = 0; i < p->nns; i++) {
        printf("%s[%" PRIu32 ",", i ? "," : "", p->ns[i].flag);
        str(p->ns[i].path);
        putchar(']');
    }
    fputs("],\"mounts\":[", stdout);
    for (int i = 0; i < p->nmounts; i++) {
        const struct mnt *m = &p->mounts[i];
        printf("%s[%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu32 ",", i ? "," : "", m->flags,
               m->cleared, m->prop, m->attr_set, m->attr_clr, m->extra);
        str(m->src);
        putchar(',');
        str(m->dst);
        putchar(',');
        str(m->type);
        putchar(',');
        str(m->data);
        putchar(',');
        str(m->label);
        putchar(']');
    }
    fputs("],\"devices\":[", stdout);
    for (int i = 0; i < p->ndevs; i++) {
        const struct dev *d = &p->devs[i];
        printf("%s[%" PRIu32 ",%" PRIu32 ",%" PRIu32 ",%" PRIu32 ",%" PRIu32 ",%" PRIu32 ",", i ? "," : "", d->mode,
               d->major, d->minor, d->uid, d->gid, d->bind);
        str(d->path);
        putchar(']');
    }
    fputs("],\"links\":[", stdout);
    for (int i = 0; i < p->nlinks; i++) {
        printf("%s[", i ? "," : "");
        str(p->links[i].a);
        putchar(',');
        str(p->links[i].b);
        putchar(']');
    }
    fputs("],\"masked\":", stdout);
    strs(p->masks, p->nmasks);
    fputs(",\"readonly\":", stdout);
    strs(p->ro, p->nro);
    fputs(",\"sysctl\":[", stdout);
    for (int i = 0; i < p->nsysctls; i++) {
        printf("%s[", i ? "," : "");
        str(p->sysctls[i].a);
        putchar(',');
        str(p->sysctls[i].b);
        putchar(']');
    }
    fputs("],\"hostname\":", stdout);
    str(p->hostname);
    fputs(",\"domainname\":", stdout);
    str(p->domainname);
    fputs(",\"rlimits\":[", stdout);
    for (int i = 0; i < p->nrlimits; i++)
        printf("%s[%" PRIu32 ",%" PRIu64 ",%" PRIu64 "]", i ? "," : "", p->rlimits[i].resource, p->rlimits[i].soft,
               p->rlimits[i].hard);
    printf("],\"user\":[%d,%" PRIu32 ",%" PRIu32 ",%" PRIu32 ",[", p->has_user, p->uid, p->gid, p->umask);
    for (uint32_t i = 0; i < p->ngroups; i++)
        printf("%s%" PRIu32, i ? "," : "", u32_at(p->groups + 4 * i));
    printf("]],\"caps\":[%d,%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu32 "]", p->has_caps,
           p->cap_bnd, p->cap_eff, p->cap_prm, p->cap_inh, p->cap_amb, p->last_cap);
    fputs(",\"args\":", stdout);
    strs(p->argv, p->argc);
    fputs(",\"env\":", stdout);
    strs(p->envp, p->envc);
    fputs(",\"cwd\":", stdout);
    str(p->cwd);
    printf(",\"console\":[%" PRIu32 ",%" PRIu32 "],\"oom\":[%d,%" PRId32 "]", p->rows, p->cols, p->has_oom, p->oom);
    printf(",\"fds\":[%d,%d,%" PRIu32 "],\"time_offsets\":[", p->console_fd, p->statedir_fd, p->preserve_fds);
    for (int i = 0; i < p->ntimeoffs; i++)
        printf("%s[%" PRIu32 ",%" PRId64 ",%" PRIu32 "]", i ? "," : "", p->timeoffs[i].clock, p->timeoffs[i].secs,
               p->timeoffs[i].nsecs);
    fputs("],\"seccomp\":", stdout);
    hexb(p->seccomp ? p->seccomp : (const unsigned char *)"", p->seccomp_len);
    printf(",\"seccomp_flags\":%" PRIu32 ",\"hooks\":[", p->seccomp_flags);
    for (int i = 0; i < p->nhooks; i++) {
        const struct hook *k = &p->hooks[i];
        printf("%s[%" PRIu32 ",%" PRIu32 ",", i ? "," : "", k->kind, k->timeout);
        str(k->path);
        putchar(',');
        strs(k->argv, (int)k->nargs);
        putchar(',');
        strs(k->envp, (int)k->nenv);
        putchar(']');
    }
    printf("],\"personality\":[%d,%" PRIu32 "],\"ioprio\":[%d,%" PRIu32 "]", p->has_personality, p->personality,
           p->has_ioprio, p->ioprio);
    printf(",\"sched\":[%d,%" PRIu32 ",%" PRId32 ",%" PRIu32 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 "]",
           p->has_sched, p->sched_policy, p->sched_nice, p->sched_priority, p->sched_flags, p->sched_runtime,
           p->sched_deadline, p->sched_period);
    fputs(",\"affinity\":[", stdout);
    for (int i = 0; i < 2; i++) {
        if (i)
            putchar(',');
        hexb(p->affinity[i] ? p->affinity[i] : (const unsigned char *)"", p->affinity_len[i]);
    }
    printf("],\"cgroup\":[%d,[", p->cg2_fd);
    for (int i = 0; i < p->ncg_tasks; i++)
        printf("%s%d", i ? "," : "", p->cg_tasks[i]);
    fputs("]],\"lsm\":[", stdout);
    for (int i = 0; i < p->nlsm; i++) {
        printf("%s[%" PRIu32 ",", i ? "," : "", p->lsm[i].when);
        str(p->lsm[i].path);
        putchar(',');
        str(p->lsm[i].value);
        putchar(',');
        str(p->lsm[i].what);
        putchar(']');
    }
    fputs("],\"mask_data\":", stdout);
    str(p->mask_data);
    fputs(",\"keyring\":", stdout);
    str(p->keyring);
    puts("}");
    free(buf);
    return 0;
}
