// The engine half of microlearn._trees_forest: _trees (packed layout,
// float32 inputs) for random forests, decision trees, extra trees and
// regressors only (MICROLEARN_TREES_TRANSFORMS 1: no logistic, softmax or
// anomaly score); microlearn._trees reads every model of its layout.
#define MICROLEARN_TREES_LAYOUTS 1
#define MICROLEARN_TREES_FEATURES 1
#define MICROLEARN_TREES_TRANSFORMS 1
#define MICROLEARN_PREPROCESS_MODULE
#include "microlearn/c_api/common.hpp"
#include "microlearn/c_api/trees.hpp"
#include "microlearn/c_api/preprocess.hpp"  // ml_preprocess_present() only
