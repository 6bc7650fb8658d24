// Minimal Cortex-M programs whose linked size (arm-none-eabi-size, --gc-sections)
// is "flash bytes of model + code" for one contender. Built by benchmarks/run.py.
#include <stdint.h>
#include "case.h"
#if defined(FLASH_ML)
#include "microlearn/microlearn.h"
#include "ml_model.h"
int entry(const void* x, float* out) {
    ml_trees_t m;
    int32_t label = 0;
    if (ml_trees_load(&m, ml_model, ML_MODEL_SIZE) != ML_OK) return -1;
#if CLASSIFIER
    float scratch[N_OUTPUTS];
    (void)out;
    ml_trees_predict_class(&m, x, FEATURE_TYPE, N_FEATURES, scratch, N_OUTPUTS, &label);
#else
    ml_trees_raw_scores(&m, x, FEATURE_TYPE, N_FEATURES, out, 1);
#endif
    return label;
}
#elif defined(FLASH_EML_LOADABLE)
#include "eml_loadable.h"
int entry(const int16_t* x, float* out) {
    EmlTrees t;
    eml_l_init(&t);
#if CLASSIFIER
    (void)out;
    return eml_trees_predict(&t, x, N_FEATURES);
#else
    out[0] = eml_trees_regress1(&t, x, N_FEATURES);
    return 0;
#endif
}
#elif defined(FLASH_EML_INLINE)
#include "eml_inline.h"
int entry(const int16_t* x, float* out) {
#if CLASSIFIER
    (void)out;
    return eml_i_predict(x, N_FEATURES);
#else
    out[0] = eml_i_predict(x, N_FEATURES);
    return 0;
#endif
}
#endif
