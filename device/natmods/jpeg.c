// microlearn._jpeg: the engine's baseline JPEG decoder on MicroPython
// (dynamic native module); microlearn/jpeg.py is its Python face.
//
//   w, h, components, work = _jpeg.info(data, scale)  # work: bytes the decode needs
//   _jpeg.decode(data, scale, channels, out, work)    # pixels into out, nothing allocated
// data: the file's bytes (any buffer); out: a writable buffer of exactly
// ceil(w / scale) * ceil(h / scale) * channels bytes; work: a writable
// buffer of at least `work` bytes, 8-byte aligned (a bytearray is).
// Errors: ValueError("jpeg: <what is wrong or unsupported>").
#include "glue.h"

static void jpeg_check(int error) {
    if (error != ML_JPEG_OK) glue_raise_value_error("jpeg: ", ml_jpeg_error_message(error));
}

static unsigned jpeg_scale(mp_obj_t o) {
    const size_t s = glue_size_arg(o, 8, "scale");
    if (s != 1 && s != 2 && s != 4 && s != 8) mp_raise_ValueError(MP_ERROR_TEXT("jpeg: scale must be 1, 2, 4 or 8"));
    return (unsigned)s;
}

static mp_obj_t jpeg_info(mp_obj_t data_in, mp_obj_t scale_in) {
    mp_buffer_info_t data;
    mp_get_buffer_raise(data_in, &data, MP_BUFFER_READ);
    const unsigned scale = jpeg_scale(scale_in);
    ml_jpeg_info_t info;
    jpeg_check(ml_jpeg_info(data.buf, data.len, &info));
    mp_obj_t items[4] = {
        mp_obj_new_int_from_uint(info.width),
        mp_obj_new_int_from_uint(info.height),
        MP_OBJ_NEW_SMALL_INT(info.components),
        mp_obj_new_int_from_uint(ml_jpeg_work_size(&info, scale)),
    };
    return mp_obj_new_tuple(4, items);
}
static MP_DEFINE_CONST_FUN_OBJ_2(jpeg_info_obj, jpeg_info);

static mp_obj_t jpeg_decode(size_t n_args, const mp_obj_t* args) {
    (void)n_args;
    mp_buffer_info_t data, out, work;
    mp_get_buffer_raise(args[0], &data, MP_BUFFER_READ);
    const unsigned scale = jpeg_scale(args[1]);
    const size_t channels = glue_size_arg(args[2], 3, "channels");
    mp_get_buffer_raise(args[3], &out, MP_BUFFER_WRITE);
    mp_get_buffer_raise(args[4], &work, MP_BUFFER_WRITE);
    jpeg_check(ml_jpeg_decode(data.buf, data.len, scale, (unsigned)channels, out.buf, out.len, work.buf, work.len));
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(jpeg_decode_obj, 5, 5, jpeg_decode);

mp_obj_t mpy_init(mp_obj_fun_bc_t* self, size_t n_args, size_t n_kw, mp_obj_t* args) {
    MP_DYNRUNTIME_INIT_ENTRY
    mp_store_global(MP_QSTR_info, MP_OBJ_FROM_PTR(&jpeg_info_obj));
    mp_store_global(MP_QSTR_decode, MP_OBJ_FROM_PTR(&jpeg_decode_obj));
    MP_DYNRUNTIME_INIT_EXIT
}
