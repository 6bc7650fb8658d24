"""Neural networks: scikit-learn MLPs, Keras models and .tflite files -> one
graph (ir.py) -> an .mlm file the engine in include/microlearn/neural/ runs."""
