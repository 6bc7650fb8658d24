// _emlgauss: emlearn's C inference (from the PyPI package's headers and its
// code generators) for the Gaussian benchmark's models, as a MicroPython
// native module called the way microlearn's models are. Benchmark only.
//
//   _emlgauss.nb(x)         GaussianNB class index (eml_bayes_predict, Q16 fixed point)
//   _emlgauss.gmm(x)        GaussianMixture component (argmax of eml_mixture_predict_log_proba)
//   _emlgauss.gmmd(x)       the diag GaussianMixture (emlearn makes it full)
//   _emlgauss.gmm_score(x, out)  log-likelihood into out[0] (eml_mixture_score)
//   _emlgauss.ee(x)         EllipticEnvelope +1 inlier / -1 outlier (eml_elliptic_envelope_predict)
// x: array('f') of the models' n_features.
#include <math.h>
#ifdef EMLGAUSS_NO_LIBM  // eml_mixture.h's expf / logf cannot link (no libm in native modules); gmm_score is left out
#undef expf
#undef logf
#define expf(x) 0.0f
#define logf(x) 0.0f
#endif
#include "py/dynruntime.h"
#include "models.h"  // generated: nb_model, gmm_model, gmmd_model, ee_classifier, N_FEATURES, N_COMPONENTS

static const float* farr(mp_obj_t o) {
    mp_buffer_info_t b;
    mp_get_buffer_raise(o, &b, MP_BUFFER_READ);
    if (b.typecode != 'f' || b.len != 4 * N_FEATURES) mp_raise_TypeError(MP_ERROR_TEXT("expected array('f', n_features)"));
    return (const float*)b.buf;
}

float log_probs[N_COMPONENTS];  // not static: native modules cannot relocate static bss

static mp_obj_t bench_nb(mp_obj_t x) {
    return MP_OBJ_NEW_SMALL_INT(eml_bayes_predict((EmlBayesModel*)&nb_model, farr(x), N_FEATURES));
}
static MP_DEFINE_CONST_FUN_OBJ_1(bench_nb_obj, bench_nb);

// The component of the highest log-probability, as emlearn's Python wrapper predicts.
static mp_obj_t argmax_of(const EmlMixtureModel* model, mp_obj_t x) {
    if (eml_mixture_predict_log_proba((EmlMixtureModel*)model, farr(x), N_FEATURES, log_probs) != EmlOk)
        mp_raise_ValueError(MP_ERROR_TEXT("eml_mixture_predict_log_proba failed"));
    int best = 0;
    for (int k = 1; k < N_COMPONENTS; ++k)
        if (log_probs[k] > log_probs[best]) best = k;
    return MP_OBJ_NEW_SMALL_INT(best);
}

static mp_obj_t bench_gmm(mp_obj_t x) { return argmax_of(&gmm_model, x); }
static MP_DEFINE_CONST_FUN_OBJ_1(bench_gmm_obj, bench_gmm);

static mp_obj_t bench_gmmd(mp_obj_t x) { return argmax_of(&gmmd_model, x); }
static MP_DEFINE_CONST_FUN_OBJ_1(bench_gmmd_obj, bench_gmmd);

static mp_obj_t bench_gmm_score(mp_obj_t x, mp_obj_t out) {
    float score = 0.0f;
    if (eml_mixture_score((EmlMixtureModel*)&gmm_model, farr(x), N_FEATURES, log_probs, &score) != EmlOk)
        mp_raise_ValueError(MP_ERROR_TEXT("eml_mixture_score failed"));
    mp_buffer_info_t b;
    mp_get_buffer_raise(out, &b, MP_BUFFER_WRITE);
    ((float*)b.buf)[0] = score;
    return out;
}
static MP_DEFINE_CONST_FUN_OBJ_2(bench_gmm_score_obj, bench_gmm_score);

static mp_obj_t bench_ee(mp_obj_t x) {
    float dist = 0.0f;
    const int outlier = eml_elliptic_envelope_predict(&ee_classifier, farr(x), N_FEATURES, &dist);
    return MP_OBJ_NEW_SMALL_INT(outlier ? -1 : 1);
}
static MP_DEFINE_CONST_FUN_OBJ_1(bench_ee_obj, bench_ee);

mp_obj_t mpy_init(mp_obj_fun_bc_t* self, size_t n_args, size_t n_kw, mp_obj_t* args) {
    MP_DYNRUNTIME_INIT_ENTRY
    mp_store_global(MP_QSTR_nb, MP_OBJ_FROM_PTR(&bench_nb_obj));
    mp_store_global(MP_QSTR_gmm, MP_OBJ_FROM_PTR(&bench_gmm_obj));
    mp_store_global(MP_QSTR_gmmd, MP_OBJ_FROM_PTR(&bench_gmmd_obj));
#ifndef EMLGAUSS_NO_LIBM
    mp_store_global(MP_QSTR_gmm_score, MP_OBJ_FROM_PTR(&bench_gmm_score_obj));
#endif
    mp_store_global(MP_QSTR_ee, MP_OBJ_FROM_PTR(&bench_ee_obj));
    MP_DYNRUNTIME_INIT_EXIT
}
