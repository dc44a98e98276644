/* Fuzz target: the Plan decoder (plan_parse, pyruntime/_native/plan.c), fed any bytes.
 * Properties: no read or write outside the buffer and the struct (ASan), no undefined behaviour
 * (UBSan), and an accepted Plan keeps every count within its table and every string within the
 * buffer, NUL-terminated. Built by tests/fuzz/run.sh (libFuzzer) or with driver.c (gcc). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "init.h"

static struct plan plan;
static const unsigned char *lo, *hi;

static void in_buffer(const char *s)
{
    if (!s)
        return;
    if ((const unsigned char *)s < lo || (const unsigned char *)s >= hi)
        abort();
    if (!memchr(s, 0, (size_t)(hi - (const unsigned char *)s)))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* a copy of exactly `size` bytes: ASan sees any read past the end */
    unsigned char *buf = malloc(size ? size : 1);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    memset(&plan, 0, sizeof plan);
    lo = buf;
    hi = buf + size;
    if (plan_parse(&plan, buf, size) == 0) {
        const struct plan *p = &plan;
        if (p->nns > LIMIT_NAMESPACES || p->nmounts > LIMIT_MOUNTS || p->ndevs > LIMIT_DEVICES ||
            p->nlinks > LIMIT_LINKS || p->nmasks > LIMIT_MASKED || p->nro > LIMIT_READONLY ||
            p->nsysctls > LIMIT_SYSCTLS || p->nrlimits > LIMIT_RLIMITS || p->ngroups > LIMIT_GROUPS ||
            p->argc > LIMIT_ARGS || p->envc > LIMIT_ENV || p->ntimeoffs > LIMIT_TIME_OFFSETS ||
            p->nhooks > LIMIT_HOOKS || p->ncg_tasks > LIMIT_CGROUP_TASKS || p->nlsm > LIMIT_LSM || p->seccomp_len % 8 ||
            p->seccomp_len / 8 > LIMIT_SECCOMP_INSNS)
            abort();
        if (p->argv[p->argc] || p->envp[p->envc])
            abort();
        for (int i = 0; i < p->nns; i++)
            in_buffer(p->ns[i].path);
        for (int i = 0; i < p->nmounts; i++) {
            in_buffer(p->mounts[i].src);
            in_buffer(p->mounts[i].dst);
            in_buffer(p->mounts[i].type);
            in_buffer(p->mounts[i].data);
            if (p->mounts[i].label)
                in_buffer(p->mounts[i].label);
        }
        for (int i = 0; i < p->ndevs; i++)
            in_buffer(p->devs[i].path);
        for (int i = 0; i < p->nlsm; i++) {
            in_buffer(p->lsm[i].path);
            in_buffer(p->lsm[i].value);
            in_buffer(p->lsm[i].what);
        }
        if (p->mask_data)
            in_buffer(p->mask_data);
        for (int i = 0; i < p->nlinks; i++) {
            in_buffer(p->links[i].a);
            in_buffer(p->links[i].b);
        }
        for (int i = 0; i < p->nmasks; i++)
            in_buffer(p->masks[i]);
        for (int i = 0; i < p->nro; i++)
            in_buffer(p->ro[i]);
        for (int i = 0; i < p->nsysctls; i++) {
            in_buffer(p->sysctls[i].a);
            in_buffer(p->sysctls[i].b);
        }
        for (int i = 0; i < p->argc; i++)
            in_buffer(p->argv[i]);
        for (int i = 0; i < p->envc; i++)
            in_buffer(p->envp[i]);
        for (int i = 0; i < p->nhooks; i++) {
            const struct hook *h = &p->hooks[i];
            if (h->nargs > LIMIT_HOOK_ARGS || h->nenv > LIMIT_HOOK_ENV || h->argv[h->nargs] || h->envp[h->nenv])
                abort();
            in_buffer(h->path);
            for (uint32_t j = 0; j < h->nargs; j++)
                in_buffer(h->argv[j]);
            for (uint32_t j = 0; j < h->nenv; j++)
                in_buffer(h->envp[j]);
        }
        in_buffer(p->rootfs);
        in_buffer(p->hostname);
        in_buffer(p->domainname);
        in_buffer(p->cwd);
        if (p->ngroups && (p->groups < lo || p->groups + (size_t)p->ngroups * 4 > hi))
            abort();
        if (p->seccomp_len && (p->seccomp < lo || p->seccomp + p->seccomp_len > hi))
            abort();
        for (int w = 0; w < 2; w++)
            if (p->affinity_len[w] && (p->affinity[w] < lo || p->affinity[w] + p->affinity_len[w] > hi))
                abort();
    }
    free(buf);
    return 0;
}
