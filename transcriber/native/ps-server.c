/*
 * ps-server: long-lived pocketsphinx (0.8+5prealpha) decoding helper.
 *
 * One process loads the acoustic model, dictionary and language model once and serves many
 * utterance sessions over a binary protocol on stdin/stdout. It is single-threaded: run one
 * process per core and spread sessions across them.
 *
 * Framing (all integers little-endian):
 *   request  = op:u8 flags:u8 reserved:u16 sid:u32 len:u32 payload[len]
 *   response = op:u8 status:u8 reserved:u16 sid:u32 len:u32 payload[len]
 *   status 0 = ok, 1 = error (payload is a UTF-8 message). Payloads are at most 16 MiB; a longer
 *   request is read and dropped (its session fails, a non-AUDIO request gets an error), so the
 *   stream never loses sync.
 *
 * Ops (every request except AUDIO gets exactly one response, in request order, so a client
 * can match responses first-in first-out; the sid is echoed as a check):
 *   0x01 START    flags = mode, payload = empty | CMN mean  -> ok, empty payload | error
 *        mode 0 LIVE   : decode as audio arrives, the final comes from the same pass. Cheapest, but
 *                        the final uses live cepstral mean normalisation (less accurate, unless the
 *                        stream's CMN mean is carried over: see below).
 *        mode 1 BATCH  : buffer audio, decode the whole utterance at END exactly like
 *                        pocketsphinx_batch does (batch CMN from feat.params). No partials.
 *        mode 2 HYBRID : a cheap first-pass-only decoder gives partials while audio arrives; at END
 *                        the buffered utterance is decoded like BATCH. Final == BATCH result.
 *        CMN mean (optional): cmn_veclen (READY; 13 for en-us) float32 little-endian values, the "cmn"
 *        of the previous END of the same audio stream (speaker/channel). LIVE and HYBRID start their
 *        streaming decoder's live CMN from it, weighted as -cmn_prior frames of speech, instead of
 *        the model's generic -cmninit prior; BATCH ignores it. Any other length, or a value that is
 *        not finite or not below 1e4 in magnitude, gets an error response (no session is opened).
 *        Empty payload: the generic prior, as in server version 1.
 *   0x02 AUDIO    payload = s16le PCM     -> no response; a failure is kept in the session and
 *                                            reported by the next PARTIAL/END
 *   0x03 PARTIAL                          -> ok, current hypothesis text ("" in BATCH mode)
 *   0x04 END                              -> ok, JSON result; the session is closed either way:
 *        {"text":"...","words":[{"word":"w","start_ms":0,"end_ms":10,"prob":0.9}],
 *         "confidence":0.9,"audio_ms":1000,"cpu_ms":120,"score":-12345}
 *        (cpu_ms: this process's CPU time spent on the session; score: pocketsphinx path score)
 *        LIVE and HYBRID results also have "cmn":[13 numbers]: the streaming decoder's live CMN mean
 *        after the utterance (the START prior updated with this utterance's speech frames), to send
 *        with the next START of the same audio stream. Printed with %.9g: exact float32 values, so a
 *        mean passed back unchanged gives identical results.
 *        Times are relative to the utterance's first sample; fillers (<s>, </s>, <sil>, [NOISE],
 *        ...) are dropped and alternate pronunciation markers ("word(2)") stripped. prob is the
 *        word's lattice posterior; confidence is the mean of the word posteriors (0 if no words).
 *   0x05 ABORT                            -> ok (also for an unknown sid)
 *   0x06 STATS                            -> ok, JSON: decoders, sessions, memory, init cost
 *   0x7f READY    (sent once by the server, sid 0, before any request is read) JSON:
 *        {"engine":"pocketsphinx","version":"0.8+5prealpha","server":"1","hmm":"...","lm":"...",
 *         "dict":"...","init_ms":250,"rss_kb":96700,"decoder_kb":93300,"max_sessions":16,"cmn_veclen":13,
 *         "pid":123}
 *        (init_ms/decoder_kb: time and resident memory of loading the first decoder)
 *
 * Usage: ps-server [-max_sessions N] [-max_idle N] [-share_lm yes|no] [-log yes|no] [-cmn_prior N]
 *                  [pocketsphinx options]
 *                  [-- pocketsphinx options for the first-pass decoders that produce HYBRID partials]
 *   -max_sessions: open sessions at once (default 16); -max_idle: idle decoders kept per kind (4).
 *   -cmn_prior: weight of a START CMN mean in frames (default 500, what sphinxbase's cmn_live_set
 *   uses); 0 keeps the START mean fixed through the utterance and makes END's "cmn" that utterance's
 *   own mean (slightly worse on our tests).
 *   Model paths default to the Debian pocketsphinx-en-us package (-hmm, -lm, -dict).
 *   All other options go to every decoder, so the search is the pocketsphinx_batch default
 *   (fwdtree + fwdflat + bestpath, n-gram LM; grammars/keyword search are not supported).
 *
 * Errors go to stderr and to error responses; bad input never crashes the process. The process
 * exits 0 when stdin closes.
 *
 * Why three modes: the en-us model's feat.params selects batch cepstral mean normalisation (CMN),
 * which pocketsphinx_batch applies over each whole utterance. This library version has no
 * "-cmn current"; a decoder fed streamed audio silently switches to live CMN (for good, which
 * decoder_begin undoes). BATCH and HYBRID reproduce pocketsphinx_batch's hypotheses exactly. Live CMN
 * starts from the model's generic mean and, below 8 s of speech, never updates within an utterance;
 * carrying each audio stream's mean from utterance to utterance (START/END "cmn") makes LIVE finals
 * about as accurate as batch (en-us, festival voices slt+kal, 699 words: WER 9.2% vs batch 10.2%;
 * without carry-over 14.0%).
 *
 * Costs (Xeon, 16 kHz): ps_init of a full decoder ~0.25 s and ~93 MB RSS including the 27 MB LM;
 * each further decoder ~0.2 s and ~59 MB, since all decoders share one LM (ps_set_lm with the
 * model read once; ~93 MB each with -share_lm no). Decoding: BATCH ~0.13 CPU-seconds per audio
 * second, HYBRID ~0.25-0.29 (first pass + full decode), LIVE ~0.15-0.19.
 *
 * Word times: the decoders drop silent frames (-remove_silence, pocketsphinx_batch's default),
 * so frame numbers from the search count kept frames only; frame_map() maps them back.
 */
#define _POSIX_C_SOURCE 200809L
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <pocketsphinx.h>
#include <sphinxbase/ckd_alloc.h>
#include <sphinxbase/cmn.h>
#include <sphinxbase/err.h>
#include <sphinxbase/fe.h>
#include <sphinxbase/feat.h>
#include <sphinxbase/ngram_model.h>

#define PS_SERVER_VERSION "2" /* 2: CMN mean in START/END, cmn_veclen in READY */
#define PS_LIB_VERSION "0.8+5prealpha"
#define MAX_PAYLOAD (16u * 1024u * 1024u)
#define MAX_UTT_SAMPLES (16000L * 60L * 30L) /* 30 min: beyond this the session fails */
#define SEARCH_NAME "_default"

enum { OP_START = 1, OP_AUDIO = 2, OP_PARTIAL = 3, OP_END = 4, OP_ABORT = 5, OP_STATS = 6, OP_READY = 0x7f };
enum { MODE_LIVE = 0, MODE_BATCH = 1, MODE_HYBRID = 2 };

/* ---------- small utilities ---------- */

typedef struct {
    char *buf;
    size_t len, cap;
} sbuf_t;

static void sb_reserve(sbuf_t *sb, size_t extra) {
    if (sb->len + extra + 1 <= sb->cap) return;
    size_t cap = sb->cap ? sb->cap : 256;
    while (cap < sb->len + extra + 1) cap *= 2;
    char *nb = realloc(sb->buf, cap);
    if (!nb) {
        fprintf(stderr, "ps-server: out of memory\n");
        exit(2);
    }
    sb->buf = nb;
    sb->cap = cap;
}

static void sb_put(sbuf_t *sb, const char *s, size_t n) {
    sb_reserve(sb, n);
    memcpy(sb->buf + sb->len, s, n);
    sb->len += n;
    sb->buf[sb->len] = '\0';
}

static void sb_printf(sbuf_t *sb, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    sb_reserve(sb, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    sb->len += (size_t)n;
}

/* JSON string with escaping; words come from a dictionary file we do not control. */
static void sb_json_str(sbuf_t *sb, const char *s, size_t n) {
    sb_put(sb, "\"", 1);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            char e[2] = {'\\', (char)c};
            sb_put(sb, e, 2);
        } else if (c < 0x20) {
            sb_printf(sb, "\\u%04x", c);
        } else {
            sb_put(sb, (const char *)&s[i], 1);
        }
    }
    sb_put(sb, "\"", 1);
}

static double now_ms(clockid_t clk) {
    struct timespec ts;
    clock_gettime(clk, &ts);
    return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

static long rss_kb(void) {
    FILE *f = fopen("/proc/self/statm", "r");
    long pages = 0, resident = 0;
    if (!f) return -1;
    if (fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = -1;
    fclose(f);
    return resident < 0 ? -1 : resident * (sysconf(_SC_PAGESIZE) / 1024);
}

static int g_log = 0;

/* sphinxbase logs INFO chatter by default; keep warnings and errors on stderr only. */
static void log_cb(void *user, err_lvl_t lvl, const char *fmt, ...) {
    (void)user;
    if (!g_log && lvl < ERR_WARN) return;
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    /* An utterance with no speech frames (silence) makes the lattice step complain; that is expected. */
    if (!g_log && strstr(msg, "Couldn't find <s> in first frame")) return;
    fputs(msg, stderr);
}

/* ---------- protocol I/O ---------- */

static void put_u32(unsigned char *p, uint32_t v) {
    p[0] = v & 0xff;
    p[1] = (v >> 8) & 0xff;
    p[2] = (v >> 16) & 0xff;
    p[3] = (v >> 24) & 0xff;
}

static uint32_t get_u32(const unsigned char *p) {
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static void respond(int op, int status, uint32_t sid, const char *payload, size_t len) {
    unsigned char hdr[12] = {0};
    hdr[0] = (unsigned char)op;
    hdr[1] = (unsigned char)status;
    put_u32(hdr + 4, sid);
    put_u32(hdr + 8, (uint32_t)len);
    /* A dead reader means the parent is gone: nothing left to serve. */
    if (fwrite(hdr, 1, 12, stdout) != 12 || (len && fwrite(payload, 1, len, stdout) != len) || fflush(stdout) != 0) {
        fprintf(stderr, "ps-server: stdout closed, exiting\n");
        exit(0);
    }
}

static void respond_str(int op, uint32_t sid, const char *s) { respond(op, 0, sid, s, strlen(s)); }

static void respond_err(int op, uint32_t sid, const char *fmt, ...) {
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fprintf(stderr, "ps-server: sid %u op %d: %s\n", sid, op, msg);
    respond(op, 1, sid, msg, strlen(msg));
}

/* Reads exactly n bytes; returns 0 on clean EOF before any byte, -1 on truncated input. */
static int read_exact(void *dst, size_t n) {
    size_t got = fread(dst, 1, n, stdin);
    if (got == n) return 1;
    return got == 0 ? 0 : -1;
}

/* ---------- decoders ---------- */

typedef struct {
    int argc;
    char **argv; /* pocketsphinx options for every decoder (argv[0] is the program name) */
    int live_argc;
    char **live_argv; /* extra options for the first-pass (partial) decoders */
    int share_lm;
    int max_sessions;
    int max_idle;
    const char *hmm, *lm, *dict;
} options_t;

typedef struct decoder_s {
    ps_decoder_t *ps;
    int live_only; /* fwdtree pass only: partials for HYBRID sessions */
    int busy;
    /* Feature state right after init, restored for every utterance: sphinxbase switches a decoder
     * from batch to live CMN for good the first time it sees streamed audio, and live CMN state
     * would otherwise carry over between unrelated sessions. */
    cmn_type_t cmn_type0;
    mfcc_t *cmn_mean0, *cmn_sum0;
    int32 cmn_nframe0;
} decoder_t;

typedef struct {
    options_t opt;
    ngram_model_t *shared_lm; /* one copy of the LM for every decoder */
    fe_t *shadow_fe;          /* replays the decoders' front end to map word times (frame_map) */
    decoder_t **decoders;
    int n_decoders, cap_decoders;
    double first_init_ms, last_init_ms;
    long first_decoder_kb, last_decoder_kb;
    int cmn_veclen; /* cepstral dimension of the CMN vectors in START/END; 0 if the model has no CMN */
} pool_t;

#define MAX_CMN_VECLEN 64
/* Weight of a carried-over CMN mean, in frames (10 ms) of speech: see decoder_begin. */
static int32 g_cmn_prior_frames = 500;

static cmd_ln_t *make_config(const options_t *opt, int live_only, int with_lm) {
    /* First-pass decoders take the options after "--" on top of (replacing) the common ones. */
    char **argv = calloc((size_t)(opt->argc + opt->live_argc + 1), sizeof(char *));
    int argc = 0;
    for (int i = 0; i < opt->argc; i++) {
        int replaced = 0;
        if (i > 0 && live_only)
            for (int j = 0; j < opt->live_argc; j += 2) replaced |= strcmp(opt->argv[i], opt->live_argv[j]) == 0;
        if (replaced) i++; /* skip the name and its value */
        else argv[argc++] = opt->argv[i];
    }
    if (live_only)
        for (int j = 0; j < opt->live_argc; j++) argv[argc++] = opt->live_argv[j];
    /* strict: a misspelt option must fail (but strict parsing also rejects an empty list) */
    cmd_ln_t *cfg = cmd_ln_parse_r(NULL, ps_args(), argc, argv, argc > 1);
    free(argv);
    if (!cfg) return NULL;
    if (!cmd_ln_str_r(cfg, "-hmm")) cmd_ln_set_str_r(cfg, "-hmm", opt->hmm);
    if (!cmd_ln_str_r(cfg, "-dict")) cmd_ln_set_str_r(cfg, "-dict", opt->dict);
    cmd_ln_set_str_r(cfg, "-lm", with_lm ? opt->lm : NULL);
    if (live_only) {
        /* Partials only need the first (lexicon tree) pass; the final comes from a full decode. */
        cmd_ln_set_boolean_r(cfg, "-fwdflat", FALSE);
        cmd_ln_set_boolean_r(cfg, "-bestpath", FALSE);
    }
    return cfg;
}

static decoder_t *decoder_create(pool_t *pool, int live_only) {
    int own_lm = !pool->opt.share_lm;
    cmd_ln_t *cfg = make_config(&pool->opt, live_only, own_lm);
    if (!cfg) return NULL;
    long kb0 = rss_kb();
    double t0 = now_ms(CLOCK_MONOTONIC);
    ps_decoder_t *ps = ps_init(cfg);
    cmd_ln_free_r(cfg);
    if (!ps) return NULL;
    if (!own_lm) {
        if (!pool->shared_lm) {
            /* Same call ps_init makes for -lm, with the same logmath base. */
            pool->shared_lm = ngram_model_read(ps_get_config(ps), pool->opt.lm, NGRAM_AUTO, ps_get_logmath(ps));
            if (!pool->shared_lm) {
                ps_free(ps);
                return NULL;
            }
        }
        if (ps_set_lm(ps, SEARCH_NAME, pool->shared_lm) < 0 || ps_set_search(ps, SEARCH_NAME) < 0) {
            ps_free(ps);
            return NULL;
        }
    }
    decoder_t *d = calloc(1, sizeof *d);
    feat_t *feat = ps_get_feat(ps);
    cmn_t *cmn = feat->cmn_struct;
    d->ps = ps;
    d->live_only = live_only;
    d->cmn_type0 = feat->cmn;
    if (cmn) {
        d->cmn_mean0 = malloc(sizeof(mfcc_t) * cmn->veclen);
        d->cmn_sum0 = malloc(sizeof(mfcc_t) * cmn->veclen);
        memcpy(d->cmn_mean0, cmn->cmn_mean, sizeof(mfcc_t) * cmn->veclen);
        memcpy(d->cmn_sum0, cmn->sum, sizeof(mfcc_t) * cmn->veclen);
        d->cmn_nframe0 = cmn->nframe;
        if (cmn->veclen <= MAX_CMN_VECLEN) pool->cmn_veclen = cmn->veclen;
    }
    pool->last_init_ms = now_ms(CLOCK_MONOTONIC) - t0;
    pool->last_decoder_kb = rss_kb() - kb0;
    if (!pool->shadow_fe) pool->shadow_fe = fe_init_auto_r(ps_get_config(ps)); /* retains the config */
    if (pool->n_decoders == 0) {
        pool->first_init_ms = pool->last_init_ms;
        pool->first_decoder_kb = pool->last_decoder_kb;
    }
    if (pool->n_decoders == pool->cap_decoders) {
        pool->cap_decoders = pool->cap_decoders ? pool->cap_decoders * 2 : 8;
        pool->decoders = realloc(pool->decoders, sizeof(decoder_t *) * pool->cap_decoders);
    }
    pool->decoders[pool->n_decoders++] = d;
    return d;
}

static void decoder_destroy(decoder_t *d) {
    ps_free(d->ps);
    free(d->cmn_mean0);
    free(d->cmn_sum0);
    free(d);
}

/* Takes an idle decoder of the wanted kind, creating one lazily (bounded by max_sessions + 1). */
static decoder_t *decoder_acquire(pool_t *pool, int live_only) {
    for (int i = 0; i < pool->n_decoders; i++) {
        decoder_t *d = pool->decoders[i];
        if (!d->busy && d->live_only == live_only) {
            d->busy = 1;
            return d;
        }
    }
    if (pool->n_decoders >= pool->opt.max_sessions + 1) {
        /* At the limit: recycle an idle decoder of the other kind (sessions changed modes). */
        int victim = -1;
        for (int i = 0; i < pool->n_decoders && victim < 0; i++)
            if (!pool->decoders[i]->busy) victim = i;
        if (victim < 0) return NULL;
        decoder_destroy(pool->decoders[victim]);
        pool->decoders[victim] = pool->decoders[--pool->n_decoders];
    }
    decoder_t *d = decoder_create(pool, live_only);
    if (d) d->busy = 1;
    return d;
}

/* Keeps at most max_idle idle decoders of a kind: each costs tens of MB (see STATS). */
static void decoder_release(pool_t *pool, decoder_t *d) {
    if (!d) return;
    d->busy = 0;
    int idle = 0;
    for (int i = 0; i < pool->n_decoders; i++)
        idle += !pool->decoders[i]->busy && pool->decoders[i]->live_only == d->live_only;
    if (idle <= pool->opt.max_idle) return;
    for (int i = 0; i < pool->n_decoders; i++) {
        if (pool->decoders[i] == d) {
            decoder_destroy(d);
            pool->decoders[i] = pool->decoders[--pool->n_decoders];
            return;
        }
    }
}

/*
 * Every utterance starts from the same state, so results do not depend on what the decoder ran before:
 * the model's CMN prior, or (cmn_init, from START) the mean carried over from the stream's previous
 * utterances, weighted as g_cmn_prior_frames frames of speech.
 */
static int decoder_begin(decoder_t *d, const float *cmn_init) {
    feat_t *feat = ps_get_feat(d->ps);
    cmn_t *cmn = feat->cmn_struct;
    feat->cmn = d->cmn_type0;
    if (cmn && d->cmn_mean0) {
        memcpy(cmn->cmn_mean, d->cmn_mean0, sizeof(mfcc_t) * cmn->veclen);
        memcpy(cmn->sum, d->cmn_sum0, sizeof(mfcc_t) * cmn->veclen);
        cmn->nframe = d->cmn_nframe0;
        if (cmn_init) {
            for (int i = 0; i < cmn->veclen; i++) {
                cmn->cmn_mean[i] = FLOAT2MFCC(cmn_init[i]);
                cmn->sum[i] = cmn->cmn_mean[i] * g_cmn_prior_frames;
            }
            cmn->nframe = g_cmn_prior_frames;
        }
    }
    ps_start_stream(d->ps);
    return ps_start_utt(d->ps);
}

/* The live CMN mean as it stands: what the next utterance of the same stream should start from. */
static void cmn_current(ps_decoder_t *ps, float *out, int veclen) {
    cmn_t *cmn = ps_get_feat(ps)->cmn_struct;
    for (int i = 0; i < veclen; i++)
        out[i] = cmn->nframe > 0 ? MFCC2FLOAT(cmn->sum[i]) / cmn->nframe : MFCC2FLOAT(cmn->cmn_mean[i]);
}

/* ---------- sessions ---------- */

typedef struct {
    int used;
    uint32 sid;
    int mode;
    decoder_t *live;   /* LIVE/HYBRID: decoder fed while audio arrives */
    int16 *pcm;        /* whole utterance: the BATCH/HYBRID final decode and word-time mapping */
    long n_pcm, cap_pcm;
    long n_samples;
    double cpu_ms;
    int live_ended; /* ps_end_utt already called on the live decoder */
    char error[256];
} session_t;

static session_t *g_sessions;
static int g_max_sessions;

static session_t *session_find(uint32 sid) {
    for (int i = 0; i < g_max_sessions; i++)
        if (g_sessions[i].used && g_sessions[i].sid == sid) return &g_sessions[i];
    return NULL;
}

static int session_count(void) {
    int n = 0;
    for (int i = 0; i < g_max_sessions; i++) n += g_sessions[i].used;
    return n;
}

static void session_close(pool_t *pool, session_t *s) {
    if (s->live) {
        /* An utterance left open would make the next ps_start_utt fail; ending it is the only reset. */
        if (s->mode != MODE_BATCH && !s->live_ended) ps_end_utt(s->live->ps);
        decoder_release(pool, s->live);
    }
    free(s->pcm);
    memset(s, 0, sizeof *s);
}

static void session_fail(session_t *s, const char *msg) {
    if (!s->error[0]) snprintf(s->error, sizeof s->error, "%s", msg);
    fprintf(stderr, "ps-server: sid %u: %s\n", s->sid, msg);
}

static void op_start(pool_t *pool, uint32 sid, int mode, const unsigned char *payload, uint32 len) {
    if (mode != MODE_LIVE && mode != MODE_BATCH && mode != MODE_HYBRID) {
        respond_err(OP_START, sid, "unknown mode %d", mode);
        return;
    }
    float cmn_init[MAX_CMN_VECLEN];
    if (len) {
        if (pool->cmn_veclen == 0 || len != 4u * (uint32)pool->cmn_veclen) {
            respond_err(OP_START, sid, "START payload must be empty or %d float32 values (CMN mean), got %u bytes",
                        pool->cmn_veclen, len);
            return;
        }
        for (int i = 0; i < pool->cmn_veclen; i++) {
            uint32_t bits = get_u32(payload + 4 * i);
            memcpy(&cmn_init[i], &bits, sizeof bits);
            if (!(cmn_init[i] > -1e4f && cmn_init[i] < 1e4f)) { /* also rejects NaN */
                respond_err(OP_START, sid, "START CMN value %d is not a finite number below 1e4", i);
                return;
            }
        }
    }
    if (session_find(sid)) {
        respond_err(OP_START, sid, "session %u already started", sid);
        return;
    }
    session_t *s = NULL;
    for (int i = 0; i < g_max_sessions && !s; i++)
        if (!g_sessions[i].used) s = &g_sessions[i];
    if (!s) {
        respond_err(OP_START, sid, "too many sessions (limit %d)", g_max_sessions);
        return;
    }
    memset(s, 0, sizeof *s);
    s->sid = sid;
    s->mode = mode;
    if (mode != MODE_BATCH) {
        double c0 = now_ms(CLOCK_PROCESS_CPUTIME_ID);
        s->live = decoder_acquire(pool, mode == MODE_HYBRID);
        if (!s->live) {
            respond_err(OP_START, sid, "could not create a decoder (see stderr)");
            return;
        }
        if (decoder_begin(s->live, len ? cmn_init : NULL) < 0) {
            decoder_release(pool, s->live);
            respond_err(OP_START, sid, "ps_start_utt failed");
            return;
        }
        s->cpu_ms += now_ms(CLOCK_PROCESS_CPUTIME_ID) - c0;
    }
    s->used = 1;
    respond_str(OP_START, sid, "");
}

static void op_audio(uint32 sid, const unsigned char *payload, uint32 len) {
    session_t *s = session_find(sid);
    if (!s) {
        /* No response for AUDIO: the client learns about this at PARTIAL/END ("unknown session"). */
        fprintf(stderr, "ps-server: AUDIO for unknown session %u ignored\n", sid);
        return;
    }
    if (s->error[0]) return;
    if (len % 2) {
        session_fail(s, "AUDIO payload must be whole 16-bit samples");
        return;
    }
    long n = len / 2;
    if (s->n_samples + n > MAX_UTT_SAMPLES) {
        session_fail(s, "utterance longer than 30 minutes");
        return;
    }
    int16 *samples = malloc(len ? len : 1);
    /* Copy out of the byte buffer: it has no alignment guarantee and the host must be little-endian. */
    for (long i = 0; i < n; i++) samples[i] = (int16)(payload[2 * i] | (payload[2 * i + 1] << 8));
    {
        /* Kept in every mode: BATCH/HYBRID decode it at END, and word times are mapped with it. */
        if (s->n_pcm + n > s->cap_pcm) {
            long cap = s->cap_pcm ? s->cap_pcm : 16000 * 10;
            while (cap < s->n_pcm + n) cap *= 2;
            int16 *nb = realloc(s->pcm, sizeof(int16) * cap);
            if (!nb) {
                free(samples);
                session_fail(s, "out of memory buffering audio");
                return;
            }
            s->pcm = nb;
            s->cap_pcm = cap;
        }
        memcpy(s->pcm + s->n_pcm, samples, sizeof(int16) * n);
        s->n_pcm += n;
    }
    if (s->live) {
        double c0 = now_ms(CLOCK_PROCESS_CPUTIME_ID);
        if (ps_process_raw(s->live->ps, samples, n, FALSE, FALSE) < 0) session_fail(s, "ps_process_raw failed");
        s->cpu_ms += now_ms(CLOCK_PROCESS_CPUTIME_ID) - c0;
    }
    s->n_samples += n;
    free(samples);
}

static void op_partial(uint32 sid) {
    session_t *s = session_find(sid);
    if (!s) {
        respond_err(OP_PARTIAL, sid, "unknown session %u", sid);
        return;
    }
    if (s->error[0]) {
        respond_err(OP_PARTIAL, sid, "%s", s->error);
        return;
    }
    if (!s->live) {
        respond_str(OP_PARTIAL, sid, "");
        return;
    }
    int32 score;
    const char *hyp = ps_get_hyp(s->live->ps, &score);
    respond_str(OP_PARTIAL, sid, hyp ? hyp : "");
}

static int is_filler(const char *w) {
    return w[0] == '<' || w[0] == '[' || (w[0] == '+' && w[1] == '+');
}

/*
 * The decoder's voice activity detector (-remove_silence) drops silent frames before the search,
 * so segment frame numbers count only the frames it kept. To report times relative to the
 * utterance's first sample we replay the same front end over the utterance, one frame shift per
 * call: the frames emitted by a call are always the most recent ones, ending at the frame just
 * completed (a speech onset flushes the pre-speech buffer, speech emits the current frame).
 * Returns a table from kept-frame index to audio frame index, or NULL (times stay unmapped).
 */
static int32 *frame_map(fe_t *fe, cmd_ln_t *cfg, const int16 *pcm, long n, int *out_n) {
    float32 samprate = cmd_ln_float32_r(cfg, "-samprate");
    long shift = (long)(samprate / cmd_ln_int32_r(cfg, "-frate") + 0.5);
    long size = (long)(cmd_ln_float32_r(cfg, "-wlen") * samprate + 0.5);
    enum { CAP = 512 };
    mfcc_t **cep = (mfcc_t **)ckd_calloc_2d(CAP, fe_get_output_size(fe), sizeof(mfcc_t));
    long map_cap = n / (shift > 0 ? shift : 160) + 4, m = 0;
    int32 *map = malloc(sizeof(int32) * (size_t)map_cap);
    long total = 0;
    *out_n = 0;
    if (shift <= 0 || size <= 0) goto fail;
    fe_start_stream(fe);
    fe_start_utt(fe);
    while (total < n) {
        long chunk = n - total < shift ? n - total : shift;
        const int16 *p = pcm + total;
        size_t left = (size_t)chunk;
        int32 nfr = CAP, idx = 0;
        if (fe_process_frames_ext(fe, &p, &left, cep, &nfr, NULL, NULL, &idx) < 0) goto fail;
        if (left == (size_t)chunk && chunk == shift) goto fail; /* no progress: give up rather than spin */
        total += chunk - (long)left;
        long cur = total >= size ? (total - size) / shift : -1; /* last completed audio frame */
        for (int32 i = 0; i < nfr && m < map_cap; i++) map[m++] = (int32)(cur - nfr + 1 + i);
    }
    {
        int32 nfr = 0;
        fe_end_utt(fe, cep[0], &nfr);
        long cur = total >= size ? (total - size) / shift : -1;
        if (nfr > 0 && m < map_cap) map[m++] = (int32)(cur + 1);
    }
    for (long i = 0; i < m; i++)
        if (map[i] < 0) map[i] = 0;
    ckd_free_2d(cep);
    *out_n = (int)m;
    return map;
fail:
    ckd_free_2d(cep);
    free(map);
    return NULL;
}

static long map_frame(const int32 *map, int n_map, int f) {
    if (f < 0) f = 0;
    if (!map || n_map <= 0) return f;
    if (f < n_map) return map[f];
    return map[n_map - 1] + (f - n_map + 1);
}

/* Builds the END JSON from a decoder whose utterance has just ended. */
static void result_json(sbuf_t *out, pool_t *pool, ps_decoder_t *ps, const int16 *pcm, long n_samples,
                        double cpu_ms, ps_decoder_t *live) {
    int32 score = 0;
    const char *hyp = ps_get_hyp(ps, &score);
    logmath_t *lmath = ps_get_logmath(ps);
    int frate = cmd_ln_int32_r(ps_get_config(ps), "-frate");
    int samprate = (int)cmd_ln_float32_r(ps_get_config(ps), "-samprate");
    if (frate <= 0) frate = 100;
    sbuf_t words = {0};
    double prob_sum = 0;
    int n_words = 0, n_map = 0;
    int32 *map = NULL;
    /* In streaming mode pocketsphinx adds the start of the last speech run to every segment's frames
     * (meant for one run per utterance); the path always starts with <s> at kept frame 0, so its
     * start frame is that offset. */
    int offset = 0, first = 1;
    for (ps_seg_t *seg = ps_seg_iter(ps); seg; seg = ps_seg_next(seg)) {
        const char *w = ps_seg_word(seg);
        if (first) {
            first = 0;
            if (w && strcmp(w, "<s>") == 0) ps_seg_frames(seg, &offset, NULL);
            map = frame_map(pool->shadow_fe, ps_get_config(ps), pcm, n_samples, &n_map);
            if (g_log) fprintf(stderr, "ps-server: frame map %d kept frames, decoder %d\n", n_map, ps_get_n_frames(ps));
        }
        if (!w || is_filler(w)) continue;
        size_t wl = strlen(w);
        const char *paren = strchr(w, '(');
        if (paren && paren > w && w[wl - 1] == ')') wl = (size_t)(paren - w);
        int sf = 0, ef = 0;
        ps_seg_frames(seg, &sf, &ef);
        double p = logmath_exp(lmath, ps_seg_prob(seg, NULL, NULL, NULL));
        if (!(p >= 0)) p = 0; /* NaN guard */
        if (p > 1) p = 1;
        long start_ms = map_frame(map, n_map, sf - offset) * 1000 / frate;
        long end_ms = (map_frame(map, n_map, ef - offset) + 1) * 1000 / frate;
        long audio_ms = n_samples * 1000 / (samprate > 0 ? samprate : 16000);
        if (end_ms > audio_ms) end_ms = audio_ms;
        if (start_ms > end_ms) start_ms = end_ms;
        if (n_words) sb_put(&words, ",", 1);
        sb_put(&words, "{\"word\":", 8);
        sb_json_str(&words, w, wl);
        sb_printf(&words, ",\"start_ms\":%ld,\"end_ms\":%ld,\"prob\":%.4f}", start_ms, end_ms, p);
        prob_sum += p;
        n_words++;
    }
    sb_put(out, "{\"text\":", 8);
    sb_json_str(out, hyp ? hyp : "", hyp ? strlen(hyp) : 0);
    sb_put(out, ",\"words\":[", 10);
    if (words.len) sb_put(out, words.buf, words.len);
    sb_printf(out, "],\"confidence\":%.4f,\"audio_ms\":%ld,\"cpu_ms\":%.1f,\"score\":%d}",
              n_words ? prob_sum / n_words : 0.0, n_samples * 1000 / (samprate > 0 ? samprate : 16000), cpu_ms, score);
    if (live && pool->cmn_veclen) {
        /* %.9g round-trips a float32 exactly, so a carried-over mean gives the same results. */
        float mean[MAX_CMN_VECLEN];
        cmn_current(live, mean, pool->cmn_veclen);
        out->len--; /* reopen the object */
        sb_put(out, ",\"cmn\":[", 8);
        for (int i = 0; i < pool->cmn_veclen; i++) sb_printf(out, "%s%.9g", i ? "," : "", mean[i]);
        sb_put(out, "]}", 2);
    }
    free(words.buf);
    free(map);
}

static void op_end(pool_t *pool, uint32 sid) {
    session_t *s = session_find(sid);
    if (!s) {
        respond_err(OP_END, sid, "unknown session %u", sid);
        return;
    }
    if (s->error[0]) {
        respond_err(OP_END, sid, "%s", s->error);
        session_close(pool, s);
        return;
    }
    double c0 = now_ms(CLOCK_PROCESS_CPUTIME_ID);
    sbuf_t out = {0};
    if (s->mode == MODE_LIVE) {
        if (ps_end_utt(s->live->ps) < 0) {
            respond_err(OP_END, sid, "ps_end_utt failed");
            decoder_release(pool, s->live);
            s->live = NULL;
            session_close(pool, s);
            return;
        }
        s->cpu_ms += now_ms(CLOCK_PROCESS_CPUTIME_ID) - c0;
        result_json(&out, pool, s->live->ps, s->pcm, s->n_samples, s->cpu_ms, s->live->ps);
        decoder_release(pool, s->live);
        s->live = NULL; /* already ended */
    } else {
        /* HYBRID: end the first pass now (session_close would) so its CMN state is final for END. */
        if (s->live) {
            ps_end_utt(s->live->ps);
            s->live_ended = 1;
        }
        /* Whole utterance in one call with full_utt, as ps_decode_raw does for pocketsphinx_batch. */
        decoder_t *d = decoder_acquire(pool, 0);
        if (!d) {
            respond_err(OP_END, sid, "could not create a decoder (see stderr)");
            session_close(pool, s);
            return;
        }
        int rv = decoder_begin(d, NULL);
        if (rv >= 0 && s->n_pcm > 0) rv = ps_process_raw(d->ps, s->pcm, s->n_pcm, FALSE, TRUE);
        int rv_end = ps_end_utt(d->ps);
        if (rv < 0 || rv_end < 0) {
            decoder_release(pool, d);
            respond_err(OP_END, sid, "decoding failed");
            session_close(pool, s);
            return;
        }
        s->cpu_ms += now_ms(CLOCK_PROCESS_CPUTIME_ID) - c0;
        result_json(&out, pool, d->ps, s->pcm, s->n_samples, s->cpu_ms, s->live ? s->live->ps : NULL);
        decoder_release(pool, d);
    }
    respond(OP_END, 0, sid, out.buf, out.len);
    free(out.buf);
    session_close(pool, s);
}

static void op_stats(pool_t *pool, uint32 sid) {
    int busy = 0, live = 0;
    for (int i = 0; i < pool->n_decoders; i++) {
        busy += pool->decoders[i]->busy;
        live += pool->decoders[i]->live_only;
    }
    sbuf_t out = {0};
    sb_printf(&out,
              "{\"decoders\":%d,\"live_decoders\":%d,\"busy_decoders\":%d,\"sessions\":%d,\"max_sessions\":%d,"
              "\"rss_kb\":%ld,\"first_init_ms\":%.1f,\"first_decoder_kb\":%ld,\"last_init_ms\":%.1f,"
              "\"last_decoder_kb\":%ld,\"share_lm\":%s}",
              pool->n_decoders, live, busy, session_count(), g_max_sessions, rss_kb(), pool->first_init_ms,
              pool->first_decoder_kb, pool->last_init_ms, pool->last_decoder_kb, pool->opt.share_lm ? "true" : "false");
    respond(OP_STATS, 0, sid, out.buf, out.len);
    free(out.buf);
}

/* ---------- main ---------- */

static int parse_bool(const char *v) { return strcmp(v, "yes") == 0 || strcmp(v, "true") == 0 || strcmp(v, "1") == 0; }

int main(int argc, char *argv[]) {
    options_t opt = {0};
    opt.hmm = "/usr/share/pocketsphinx/model/en-us/en-us";
    opt.lm = "/usr/share/pocketsphinx/model/en-us/en-us.lm.bin";
    opt.dict = "/usr/share/pocketsphinx/model/en-us/cmudict-en-us.dict";
    opt.share_lm = 1;
    opt.max_sessions = 16;
    opt.max_idle = 4;
    opt.argv = calloc((size_t)argc + 1, sizeof(char *));
    opt.argv[opt.argc++] = argv[0];
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--") == 0) {
            opt.live_argv = argv + i + 1;
            opt.live_argc = argc - i - 1;
            if (opt.live_argc % 2) {
                fprintf(stderr, "ps-server: options after -- must be name/value pairs\n");
                return 64;
            }
            break;
        }
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v) {
            fprintf(stderr, "ps-server: option %s needs a value\n", a);
            return 64;
        }
        if (strcmp(a, "-max_sessions") == 0) opt.max_sessions = atoi(v);
        else if (strcmp(a, "-max_idle") == 0) opt.max_idle = atoi(v);
        else if (strcmp(a, "-share_lm") == 0) opt.share_lm = parse_bool(v);
        else if (strcmp(a, "-log") == 0) g_log = parse_bool(v);
        else if (strcmp(a, "-cmn_prior") == 0) g_cmn_prior_frames = atoi(v) < 0 ? 0 : atoi(v);
        else if (strcmp(a, "-hmm") == 0) opt.hmm = v;
        else if (strcmp(a, "-lm") == 0) opt.lm = v;
        else if (strcmp(a, "-dict") == 0) opt.dict = v;
        else {
            opt.argv[opt.argc++] = argv[i];
            opt.argv[opt.argc++] = argv[i + 1];
        }
        i++;
    }
    if (opt.max_sessions < 1) opt.max_sessions = 1;
    if (opt.max_idle < 1) opt.max_idle = 1; /* keep the full decoder that every BATCH/HYBRID END uses */
    signal(SIGPIPE, SIG_IGN);
    /* ps_init dumps its whole configuration straight to the log file handle: silence that too. */
    if (!g_log) err_set_logfp(NULL);
    err_set_callback(log_cb, NULL);
    static char outbuf[1 << 16];
    setvbuf(stdout, outbuf, _IOFBF, sizeof outbuf);

    /* Validate the options once, so a typo fails at start with a clear message. */
    for (int live = 0; live < 2; live++) {
        cmd_ln_t *check = make_config(&opt, live, 1);
        if (!check) {
            fprintf(stderr, "ps-server: invalid pocketsphinx options%s\n", live ? " after --" : "");
            return 64;
        }
        cmd_ln_free_r(check);
    }

    pool_t pool = {0};
    pool.opt = opt;
    g_max_sessions = opt.max_sessions;
    g_sessions = calloc((size_t)g_max_sessions, sizeof(session_t));
    long kb0 = rss_kb();
    double t0 = now_ms(CLOCK_MONOTONIC);
    /* The first decoder is the batch/final decoder; loading it now proves the model paths work. */
    if (!decoder_create(&pool, 0)) {
        fprintf(stderr, "ps-server: failed to load the model (hmm=%s lm=%s dict=%s)\n", opt.hmm, opt.lm, opt.dict);
        return 66;
    }
    double init_ms = now_ms(CLOCK_MONOTONIC) - t0;
    sbuf_t ready = {0};
    sb_printf(&ready, "{\"engine\":\"pocketsphinx\",\"version\":\"%s\",\"server\":\"%s\",\"hmm\":", PS_LIB_VERSION,
              PS_SERVER_VERSION);
    sb_json_str(&ready, opt.hmm, strlen(opt.hmm));
    sb_put(&ready, ",\"lm\":", 6);
    sb_json_str(&ready, opt.lm, strlen(opt.lm));
    sb_put(&ready, ",\"dict\":", 8);
    sb_json_str(&ready, opt.dict, strlen(opt.dict));
    sb_printf(&ready,
              ",\"init_ms\":%.1f,\"rss_kb\":%ld,\"decoder_kb\":%ld,\"max_sessions\":%d,\"cmn_veclen\":%d,\"pid\":%ld}",
              init_ms, rss_kb(), rss_kb() - kb0, opt.max_sessions, pool.cmn_veclen, (long)getpid());
    respond(OP_READY, 0, 0, ready.buf, ready.len);
    free(ready.buf);

    unsigned char hdr[12];
    unsigned char *payload = malloc(64 * 1024);
    uint32 payload_cap = 64 * 1024;
    for (;;) {
        int r = read_exact(hdr, 12);
        if (r == 0) break;
        if (r < 0) {
            fprintf(stderr, "ps-server: truncated request header, exiting\n");
            break;
        }
        int op = hdr[0], flags = hdr[1];
        uint32 sid = get_u32(hdr + 4), len = get_u32(hdr + 8);
        if (len > MAX_PAYLOAD) {
            /* Skip it to stay in sync; the session (if any) is failed rather than fed partial audio. */
            unsigned char skip[4096];
            uint32 left = len;
            while (left) {
                size_t n = left < sizeof skip ? left : sizeof skip;
                if (read_exact(skip, n) != 1) return 0;
                left -= (uint32)n;
            }
            session_t *s = session_find(sid);
            if (s) session_fail(s, "request payload over 16 MiB");
            if (op != OP_AUDIO) respond_err(op, sid, "request payload over 16 MiB");
            continue;
        }
        if (len > payload_cap) {
            unsigned char *nb = realloc(payload, len);
            if (!nb) {
                fprintf(stderr, "ps-server: out of memory\n");
                return 2;
            }
            payload = nb;
            payload_cap = len;
        }
        if (len && read_exact(payload, len) != 1) {
            fprintf(stderr, "ps-server: truncated request payload, exiting\n");
            break;
        }
        switch (op) {
        case OP_START: op_start(&pool, sid, flags, payload, len); break;
        case OP_AUDIO: op_audio(sid, payload, len); break;
        case OP_PARTIAL: op_partial(sid); break;
        case OP_END: op_end(&pool, sid); break;
        case OP_ABORT: {
            session_t *s = session_find(sid);
            if (s) session_close(&pool, s);
            respond_str(OP_ABORT, sid, "");
            break;
        }
        case OP_STATS: op_stats(&pool, sid); break;
        default: respond_err(op, sid, "unknown op %d", op); break;
        }
    }
    /* Free everything so leak checkers only ever report real per-session leaks. */
    for (int i = 0; i < g_max_sessions; i++)
        if (g_sessions[i].used) session_close(&pool, &g_sessions[i]);
    for (int i = 0; i < pool.n_decoders; i++) decoder_destroy(pool.decoders[i]);
    free(pool.decoders);
    if (pool.shared_lm) ngram_model_free(pool.shared_lm);
    if (pool.shadow_fe) fe_free(pool.shadow_fe);
    free(g_sessions);
    free(payload);
    free(opt.argv);
    return 0;
}
