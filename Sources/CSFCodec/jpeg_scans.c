/* jpeg_scans.c - a JPEG's structure checked before libjpeg decodes it: the
 * metadata budget and marker count of the headers, then, for a progressive
 * file, its whole scan script (every SOS header, found by skipping the
 * entropy-coded data as libjpeg's marker reader does). A script that repeats
 * or misorders passes, has more scans than max_jpeg_scans or more work than
 * max_jpeg_passes is refused here, before any pixel is decoded, with the
 * same status and message as the checks jpeg.c makes while decoding (which
 * remain the authority). Anything malformed is left to libjpeg. */
#include "codec_internal.h"

#include <string.h>

struct frame {
    int progressive;
    unsigned width, height, ncomp, max_h, max_v;
    unsigned id[4], h[4], v[4];
};

/* The index (in frame order) of component `id`, or -1. */
static int comp_index(const struct frame *f, unsigned id) {
    for (unsigned i = 0; i < f->ncomp; i++)
        if (f->id[i] == id) return (int)i;
    return -1;
}

/* Offset of the next marker (0xFF then a byte other than 0x00, 0xFF or
 * RSTn) at or after p in entropy-coded data, or n when there is none. */
static size_t skip_entropy(const uint8_t *d, size_t n, size_t p) {
    while (p < n) {
        const uint8_t *ff = memchr(d + p, 0xFF, n - p);
        if (!ff) return n;
        size_t q = (size_t)(ff - d) + 1;
        while (q < n && d[q] == 0xFF) q++;               /* fill bytes */
        if (q >= n) return n;
        if (d[q] == 0x00 || (d[q] >= 0xD0 && d[q] <= 0xD7)) { p = q + 1; continue; } /* stuffing, RSTn */
        return q - 1;
    }
    return n;
}

/* Blocks one scan visits, as jpeg.c counts them (whole MCUs when
 * interleaved, the component's block rows otherwise). */
static uint64_t scan_blocks(const struct frame *f, const int *comps, int ns) {
    if (ns > 1) {
        uint64_t per_mcu = 0;
        for (int i = 0; i < ns; i++) per_mcu += (uint64_t)f->h[comps[i]] * f->v[comps[i]];
        return sfc_jpeg_pass_blocks(f->width, f->height, f->max_h, f->max_v, per_mcu);
    }
    const uint64_t imcu_rows = ((uint64_t)f->height + 8u * f->max_v - 1) / (8u * f->max_v);
    const int c = comps[0];
    const uint64_t cw = ((uint64_t)f->width * f->h[c] + f->max_h - 1) / f->max_h;   /* jdiv_round_up */
    return (cw + 7) / 8 * f->v[c] * imcu_rows;
}

uint64_t sfc_jpeg_pass_blocks(uint64_t width, uint64_t height, unsigned max_h, unsigned max_v,
                              uint64_t blocks_per_mcu) {
    const uint64_t imcu_rows = (height + 8u * max_v - 1) / (8u * max_v);
    const uint64_t mcus = (width + 8u * max_h - 1) / (8u * max_h);
    return mcus * blocks_per_mcu * imcu_rows;
}

int sfc_jpeg_progression(signed char coef_bits[64], unsigned scan, int comp, int ss, int se, int ah, int al,
                         char *msg, size_t cap) {
    for (int k = ss; k <= se && k < 64; k++) {
        const int prev = coef_bits[k];
        if ((ah == 0 && prev >= 0) || (ah != 0 && ah != prev)) {
            sfc_set_msg(msg, cap, "progressive JPEG scan %u %s coefficient %d of component %d (Ah %d after Al %d): "
                        "refused", scan, ah == 0 ? "repeats the first pass of" : "refines out of order", k, comp, ah,
                        prev);
            return SF_ERR_CORRUPT;
        }
        coef_bits[k] = (signed char)al;
    }
    return SF_OK;
}

int sfc_jpeg_over_scans(const sfc_limits *lim, char *msg, size_t cap) {
    sfc_set_msg(msg, cap, "progressive JPEG has more than %u scans (limit max_jpeg_scans = %u)", lim->max_scans,
                lim->max_scans);
    return SF_ERR_LIMIT_SCANS;
}

int sfc_jpeg_over_passes(const sfc_limits *lim, unsigned width, unsigned height, char *msg, size_t cap) {
    sfc_set_msg(msg, cap, "progressive JPEG needs more than %u passes over its %ux%u image (limit max_jpeg_passes = "
                "%u)", lim->max_passes, width, height, lim->max_passes);
    return SF_ERR_LIMIT_SCANS;
}

int sfc_jpeg_check_structure(const uint8_t *d, size_t n, const sfc_limits *lim, char *msg, size_t cap) {
    size_t p = 2;
    uint64_t meta = 0, work = 0, max_work = 0;
    unsigned markers = 0, scans = 0;
    int in_header = 1;
    struct frame f;
    memset(&f, 0, sizeof f);
    signed char coef_bits[4][64];
    memset(coef_bits, -1, sizeof coef_bits);
    while (p + 2 <= n) {
        if (d[p] != 0xFF) return SF_OK;                                  /* malformed: libjpeg's business */
        const uint8_t m = d[p + 1];
        if (m == 0xFF) { p++; continue; }                                /* fill byte */
        if (m == 0x01 || (m >= 0xD0 && m <= 0xD8)) { p += 2; continue; } /* standalone */
        if (m == 0xD9) return SF_OK;                                     /* EOI */
        if (p + 4 > n) return SF_OK;
        const size_t len = ((size_t)d[p + 2] << 8) | d[p + 3];
        if (len < 2 || p + 2 + len > n) return SF_OK;
        const uint8_t *s = d + p + 4;
        if (in_header) {
            if (++markers > SFC_MAX_JPEG_MARKERS) {
                sfc_set_msg(msg, cap, "JPEG has more than %u markers before its first scan", SFC_MAX_JPEG_MARKERS);
                return SF_ERR_LIMIT_ANCILLARY;
            }
            if ((m >= 0xE0 && m <= 0xEF) || m == 0xFE) {
                meta += len;
                if (lim && lim->max_ancillary && meta > lim->max_ancillary) {
                    sfc_set_msg(msg, cap, "JPEG metadata (APPn/COM segments) is over %llu bytes, the limit "
                                "max_ancillary_bytes", (unsigned long long)lim->max_ancillary);
                    return SF_ERR_LIMIT_ANCILLARY;
                }
            }
        }
        if (m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC) {   /* SOFn */
            if (f.ncomp || len < 8) return SF_OK;
            f.progressive = m == 0xC2 || m == 0xC6 || m == 0xCA || m == 0xCE;
            f.height = ((unsigned)s[1] << 8) | s[2];
            f.width = ((unsigned)s[3] << 8) | s[4];
            f.ncomp = s[5];
            if (f.ncomp == 0 || f.ncomp > 4 || len < 8 + 3 * (size_t)f.ncomp || !f.width || !f.height) return SF_OK;
            for (unsigned i = 0; i < f.ncomp; i++) {
                f.id[i] = s[6 + 3 * i];
                f.h[i] = s[7 + 3 * i] >> 4;
                f.v[i] = s[7 + 3 * i] & 15;
                if (f.h[i] < 1 || f.h[i] > 4 || f.v[i] < 1 || f.v[i] > 4) return SF_OK;
                if (f.h[i] > f.max_h) f.max_h = f.h[i];
                if (f.v[i] > f.max_v) f.max_v = f.v[i];
            }
            if (f.progressive && lim && lim->max_passes) {
                uint64_t per_mcu = 0;
                for (unsigned i = 0; i < f.ncomp; i++) per_mcu += (uint64_t)f.h[i] * f.v[i];
                max_work = sfc_jpeg_work_budget(sfc_jpeg_pass_blocks(f.width, f.height, f.max_h, f.max_v, per_mcu),
                                                lim->max_passes);
            }
        } else if (m == 0xDA) {                                             /* SOS */
            in_header = 0;
            if (!f.ncomp || !f.progressive) return SF_OK;  /* baseline: one pass per component */
            if (len < 3) return SF_OK;                      /* no component count: libjpeg refuses it */
            const int ns = s[0];
            if (ns < 1 || ns > 4 || len < 6 + 2 * (size_t)ns) return SF_OK;
            int comps[4];
            for (int i = 0; i < ns; i++)
                if ((comps[i] = comp_index(&f, s[1 + 2 * i])) < 0) return SF_OK;
            const int ss = s[1 + 2 * ns], se = s[2 + 2 * ns], ah = s[3 + 2 * ns] >> 4, al = s[3 + 2 * ns] & 15;
            if (ss > se || se > 63) return SF_OK;
            scans++;
            if (lim && lim->max_scans && scans > lim->max_scans) return sfc_jpeg_over_scans(lim, msg, cap);
            for (int i = 0; i < ns; i++) {
                const int rc = sfc_jpeg_progression(coef_bits[comps[i]], scans, comps[i], ss, se, ah, al, msg, cap);
                if (rc != SF_OK) return rc;
            }
            work += scan_blocks(&f, comps, ns);
            if (max_work && work > max_work) return sfc_jpeg_over_passes(lim, f.width, f.height, msg, cap);
            p = skip_entropy(d, n, p + 2 + len);
            continue;
        }
        p += 2 + len;
    }
    return SF_OK;
}
