/* Using a converted model from C firmware (or any C program): the model's
 * bytes come from the header that Model.to_c_header() writes, the engine from
 * src/microlearn_c.cpp. Build (host):
 *
 *   python -c "import microlearn, joblib; microlearn.convert(joblib.load('m.joblib')).to_c_header('model.h', name='model')"
 *   g++ -std=c++17 -Os -Iinclude -c src/microlearn_c.cpp -o microlearn_c.o
 *   gcc -std=c11 -Iinclude -I. examples/c/predict.c microlearn_c.o -o predict
 *
 * This program reads rows of float32 features from stdin (raw little-endian)
 * and prints one predicted label per row (an integer, or the class name when
 * the classifier was trained on strings). No heap: everything is static or on
 * the stack. */
#include <stdio.h>

#include "microlearn/microlearn.h"
#include "model.h" /* alignas(4) static const uint8_t model[]; MODEL_SIZE */

#define MAX_FEATURES 1024
#define MAX_OUTPUTS 64

int main(void) {
    static ml_trees_t forest;
    int status = ml_trees_load(&forest, model, MODEL_SIZE);
    if (status != ML_OK) {
        fprintf(stderr, "cannot load the model: %s\n", ml_status_name(status));
        return 1;
    }
    ml_trees_info_t info;
    ml_trees_info(&forest, &info);
    if (info.n_features > MAX_FEATURES || info.n_outputs > MAX_OUTPUTS || info.task == 0) {
        fprintf(stderr, "this example handles classifiers of up to %d features\n", MAX_FEATURES);
        return 1;
    }
    static int32_t keys[MAX_FEATURES]; /* the input's split keys: ml_trees_key_buffer_size() <= n_features */
    ml_trees_attach_key_buffer(&forest, keys, MAX_FEATURES);
    static ml_labels_t labels; /* class index -> label, from the model's bytes */
    status = ml_labels_load(&labels, model, MODEL_SIZE, info.n_classes);
    if (status != ML_OK) {
        fprintf(stderr, "cannot read the class labels: %s\n", ml_status_name(status));
        return 1;
    }
    static float x[MAX_FEATURES];
    float scratch[MAX_OUTPUTS];
    while (fread(x, sizeof(float), info.n_features, stdin) == info.n_features) {
        int32_t index;
        status = ml_trees_predict_class(&forest, x, ML_F32, info.n_features, scratch, MAX_OUTPUTS, &index);
        if (status != ML_OK) {
            fprintf(stderr, "prediction failed: %s\n", ml_status_name(status));
            return 1;
        }
        if (ml_labels_kind(&labels) == ML_LABELS_NAMES)
            printf("%s\n", ml_label_name(&labels, (uint32_t)index, NULL));
        else
            printf("%lld\n", (long long)ml_label_int(&labels, (uint32_t)index));
    }
    return 0;
}
