/* Decode the Plan the parent wrote (pyruntime/plan_wire.py). Strings point into the buffer. */
#include <string.h>
#include "init.h"

struct rd {
    const unsigned char *p, *end;
    int bad;
};

static uint32_t u32(struct rd *r)
{
    uint32_t v = 0;
    if (r->end - r->p < 4) {
        r->bad = 1;
        return 0;
    }
    memcpy(&v, r->p, 4);
    r->p += 4;
    return v;
}

static uint64_t u64(struct rd *r)
{
    uint64_t v = 0;
    if (r->end - r->p < 8) {
        r->bad = 1;
        return 0;
    }
    memcpy(&v, r->p, 8);
    r->p += 8;
    return v;
}

static const char *str(struct rd *r)
{
    const unsigned char *nul = memchr(r->p, 0, r->end - r->p);
    const char *s = (const char *)r->p;
    if (!nul) {
        r->bad = 1;
        return "";
    }
    r->p = nul + 1;
    return s;
}

#define PUSH(arr, n, cap) ((n) < (cap) ? &(arr)[(n)++] : (bad = 1, &(arr)[0]))

/* p must be zeroed already (the init's plan is a static: zero pages the kernel has not even
 * mapped yet). No memset here: it would dirty all ~200 KiB of the struct's tables, and those
 * pages would stay charged to the waiting init for the container's whole life. */
int plan_parse(struct plan *p, const unsigned char *buf, size_t len)
{
    struct rd top = { buf, buf + len, 0 };
    int bad = 0;

    p->umask = 0xffffffffu;
    p->console_fd = p->statedir_fd = p->cg2_fd = -1;
    p->state_create_fd = p->state_start_fd = -1;
    if (u32(&top) != PLAN_MAGIC || u32(&top) != PLAN_VERSION)
        return -1;
    while (top.p < top.end && !top.bad && !bad) {
        uint32_t tag = u32(&top), n = u32(&top);
        if (top.bad || (size_t)(top.end - top.p) < n)
            return -1;
        struct rd r = { top.p, top.p + n, 0 };
        top.p += n;
        switch (tag) {
        case T_FLAGS: p->flags = u32(&r); break;
        case T_NS: {
            struct nsreq *ns = PUSH(p->ns, p->nns, LIMIT_NAMESPACES);
            ns->flag = u32(&r);
            ns->path = str(&r);
            break;
        }
        case T_ROOTFS: p->rootfs = str(&r); break;
        case T_ROOTPROP: p->rootprop = u64(&r); break;
        case T_MOUNT: {
            struct mnt *m = PUSH(p->mounts, p->nmounts, LIMIT_MOUNTS);
            m->flags = u64(&r);
            m->cleared = u64(&r);
            m->prop = u64(&r);
            m->attr_set = u64(&r);
            m->attr_clr = u64(&r);
            m->extra = u32(&r);
            m->src = str(&r);
            m->dst = str(&r);
            m->type = str(&r);
            m->data = str(&r);
            break;
        }
        case T_DEVICE: {
            struct dev *d = PUSH(p->devs, p->ndevs, LIMIT_DEVICES);
            d->mode = u32(&r);
            d->major = u32(&r);
            d->minor = u32(&r);
            d->uid = u32(&r);
            d->gid = u32(&r);
            d->bind = u32(&r);
            d->path = str(&r);
            break;
        }
        case T_SYMLINK: {
            struct kv *l = PUSH(p->links, p->nlinks, LIMIT_LINKS);
            l->a = str(&r);
            l->b = str(&r);
            break;
        }
        case T_MASK: *PUSH(p->masks, p->nmasks, LIMIT_MASKED) = str(&r); break;
        case T_READONLY: *PUSH(p->ro, p->nro, LIMIT_READONLY) = str(&r); break;
        case T_SYSCTL: {
            struct kv *s = PUSH(p->sysctls, p->nsysctls, LIMIT_SYSCTLS);
            s->a = str(&r);
            s->b = str(&r);
            break;
        }
        case T_HOSTNAME: p->hostname = str(&r); break;
        case T_DOMAINNAME: p->domainname = str(&r); break;
        case T_RLIMIT: {
            struct rlim *l = PUSH(p->rlimits, p->nrlimits, LIMIT_RLIMITS);
            l->resource = u32(&r);
            l->soft = u64(&r);
            l->hard = u64(&r);
            break;
        }
        case T_USER:
            p->has_user = 1;
            p->uid = u32(&r);
            p->gid = u32(&r);
            p->umask = u32(&r);
            p->ngroups = u32(&r);
            if (p->ngroups > LIMIT_GROUPS || (size_t)(r.end - r.p) < (size_t)p->ngroups * 4)
                return -1;
            p->groups = r.p;
            r.p += (size_t)p->ngroups * 4;
            break;
        case T_CAPS:
            p->has_caps = 1;
            p->cap_bnd = u64(&r);
            p->cap_eff = u64(&r);
            p->cap_prm = u64(&r);
            p->cap_inh = u64(&r);
            p->cap_amb = u64(&r);
            p->last_cap = u32(&r);
            break;
        case T_ARG:
            if (p->argc < LIMIT_ARGS)
                p->argv[p->argc++] = str(&r);
            else
                bad = 1;
            break;
        case T_ENV:
            if (p->envc < LIMIT_ENV)
                p->envp[p->envc++] = str(&r);
            else
                bad = 1;
            break;
        case T_CWD: p->cwd = str(&r); break;
        case T_KEYRING: p->keyring = str(&r); break;
        case T_CONSOLE:
            p->rows = u32(&r);
            p->cols = u32(&r);
            break;
        case T_OOM:
            p->has_oom = 1;
            p->oom = (int32_t)u32(&r);
            break;
        case T_FDS:
            p->console_fd = (int32_t)u32(&r);
            p->statedir_fd = (int32_t)u32(&r);
            p->preserve_fds = u32(&r);
            break;
        case T_TIMEOFF: {
            struct timeoff *t = PUSH(p->timeoffs, p->ntimeoffs, LIMIT_TIME_OFFSETS);
            t->clock = u32(&r);
            t->secs = (int64_t)u64(&r);
            t->nsecs = u32(&r);
            break;
        }
        case T_SECCOMP:
            if (n % 8 || n / 8 > LIMIT_SECCOMP_INSNS)
                return -1; /* whole struct sock_filter[] only */
            p->seccomp = r.p;
            p->seccomp_len = n;
            r.p = r.end;
            break;
        case T_SECCOMP_FLAGS: p->seccomp_flags = u32(&r); break;
        case T_PERSONALITY:
            p->has_personality = 1;
            p->personality = u32(&r);
            break;
        case T_IOPRIO:
            p->has_ioprio = 1;
            p->ioprio = u32(&r);
            break;
        case T_SCHED:
            p->has_sched = 1;
            p->sched_policy = u32(&r);
            p->sched_nice = (int32_t)u32(&r);
            p->sched_priority = u32(&r);
            p->sched_flags = u64(&r);
            p->sched_runtime = u64(&r);
            p->sched_deadline = u64(&r);
            p->sched_period = u64(&r);
            break;
        case T_AFFINITY: {
            uint32_t which = u32(&r);
            if (which > 1)
                return -1;
            p->affinity[which] = r.p;
            p->affinity_len[which] = (size_t)(r.end - r.p);
            r.p = r.end;
            break;
        }
        case T_MOUNT_LABEL: {
            uint32_t i = u32(&r);
            if (i >= (uint32_t)p->nmounts)
                return -1;
            p->mounts[i].label = str(&r);
            break;
        }
        case T_MASK_DATA: p->mask_data = str(&r); break;
        case T_LSM: {
            struct lsm_attr *a = PUSH(p->lsm, p->nlsm, LIMIT_LSM);
            a->when = u32(&r);
            a->path = str(&r);
            a->value = str(&r);
            a->what = str(&r);
            break;
        }
        case T_CGROUP:
            p->cg2_fd = (int32_t)u32(&r);
            p->ncg_tasks = (int)u32(&r);
            if (p->ncg_tasks < 0 || p->ncg_tasks > LIMIT_CGROUP_TASKS)
                return -1;
            for (int i = 0; i < p->ncg_tasks; i++)
                p->cg_tasks[i] = (int32_t)u32(&r);
            break;
        case T_HOOK: {
            struct hook *k = PUSH(p->hooks, p->nhooks, LIMIT_HOOKS);
            k->kind = u32(&r);
            k->timeout = u32(&r);
            k->nargs = u32(&r);
            k->nenv = u32(&r);
            if (k->nargs > LIMIT_HOOK_ARGS || k->nenv > LIMIT_HOOK_ENV)
                return -1;
            k->path = str(&r);
            for (uint32_t i = 0; i < k->nargs; i++)
                k->argv[i] = str(&r);
            k->argv[k->nargs] = NULL;
            for (uint32_t i = 0; i < k->nenv; i++)
                k->envp[i] = str(&r);
            k->envp[k->nenv] = NULL;
            break;
        }
        default: break; /* unknown tags are skipped: an older init ignores newer, optional records */
        }
        if (r.bad)
            return -1;
    }
    p->argv[p->argc] = NULL;
    p->envp[p->envc] = NULL;
    return (top.bad || bad) ? -1 : 0;
}
