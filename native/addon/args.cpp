#include "args.h"

#include <cmath>

#include "errors.h"

namespace vqaddon {

Bytes get_bytes(Napi::Env env, Napi::Value v, const std::string& what) {
  if (v.IsTypedArray()) {
    Napi::TypedArray t = v.As<Napi::TypedArray>();
    const napi_typedarray_type type = t.TypedArrayType();
    if (type != napi_uint8_array && type != napi_uint8_clamped_array) {
      throw_error(env, "ERR_VQMON_INVALID_ARG", what + " must be a Buffer or Uint8Array of pixels", true);
    }
    Napi::Uint8Array u = v.As<Napi::Uint8Array>();
    return Bytes{u.Data(), u.ByteLength()};
  }
  if (v.IsArrayBuffer()) {
    Napi::ArrayBuffer b = v.As<Napi::ArrayBuffer>();
    return Bytes{static_cast<uint8_t*>(b.Data()), b.ByteLength()};
  }
  // SharedArrayBuffer: node-addon-api has no wrapper; napi_get_arraybuffer_info takes it
  // only on newer Node, so callers pass a Uint8Array view over it instead.
  throw_error(env, "ERR_VQMON_INVALID_ARG",
              what + " must be a Buffer, Uint8Array or ArrayBuffer (wrap a SharedArrayBuffer in a Uint8Array)",
              true);
}

template <typename T>
T* get_typed(Napi::Env env, Napi::Value v, napi_typedarray_type type, const char* type_name,
             const std::string& what, size_t* count) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != type) {
    throw_error(env, "ERR_VQMON_INVALID_ARG", what + " must be a " + type_name, true);
  }
  Napi::TypedArrayOf<T> a = v.As<Napi::TypedArrayOf<T>>();
  *count = a.ElementLength();
  return a.Data();
}

template float* get_typed<float>(Napi::Env, Napi::Value, napi_typedarray_type, const char*,
                                 const std::string&, size_t*);
template double* get_typed<double>(Napi::Env, Napi::Value, napi_typedarray_type, const char*,
                                   const std::string&, size_t*);
template int16_t* get_typed<int16_t>(Napi::Env, Napi::Value, napi_typedarray_type, const char*,
                                     const std::string&, size_t*);

Napi::Object get_object(Napi::Env env, Napi::Value v, const std::string& what) {
  if (!v.IsObject()) throw_error(env, "ERR_VQMON_INVALID_ARG", what + " must be an object", true);
  return v.As<Napi::Object>();
}

double get_number(Napi::Env env, Napi::Object o, const char* key, double fallback, double lo,
                  double hi, const std::string& what) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined()) return fallback;
  if (!v.IsNumber()) {
    throw_error(env, "ERR_VQMON_INVALID_ARG", what + "." + key + " must be a number", true);
  }
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= lo && d <= hi)) {
    throw_error(env, "ERR_VQMON_INVALID_ARG",
                what + "." + key + " is " + std::to_string(d) + ", outside " + std::to_string(lo) +
                    ".." + std::to_string(hi));
  }
  return d;
}

int64_t get_int(Napi::Env env, Napi::Object o, const char* key, int64_t fallback, int64_t lo,
                int64_t hi, const std::string& what) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined()) return fallback;
  const double d = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : NAN;
  if (!(std::isfinite(d) && d == std::floor(d))) {
    throw_error(env, "ERR_VQMON_INVALID_ARG", what + "." + key + " must be an integer", true);
  }
  if (d < static_cast<double>(lo) || d > static_cast<double>(hi)) {
    throw_error(env, "ERR_VQMON_INVALID_ARG",
                what + "." + key + " is " + std::to_string(static_cast<int64_t>(d)) + ", outside " +
                    std::to_string(lo) + ".." + std::to_string(hi));
  }
  return static_cast<int64_t>(d);
}

bool get_bool(Napi::Env env, Napi::Object o, const char* key, bool fallback, const std::string& what) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined()) return fallback;
  if (!v.IsBoolean()) throw_error(env, "ERR_VQMON_INVALID_ARG", what + "." + key + " must be a boolean", true);
  return v.As<Napi::Boolean>().Value();
}

std::string get_string(Napi::Env env, Napi::Object o, const char* key, const std::string& what) {
  Napi::Value v = o.Get(key);
  if (!v.IsString()) throw_error(env, "ERR_VQMON_INVALID_ARG", what + "." + key + " must be a string", true);
  return v.As<Napi::String>().Utf8Value();
}

PixelLayout parse_pixel_format(Napi::Env env, const std::string& f, const std::string& what,
                               bool allow_semi_planar) {
  if (f == "gray" || f == "gray8") return PixelLayout::Gray;
  if (f == "yuv420p" || f == "yuvj420p") return PixelLayout::Yuv420;
  if (f == "yuv422p" || f == "yuvj422p") return PixelLayout::Yuv422;
  if (f == "yuv444p" || f == "yuvj444p") return PixelLayout::Yuv444;
  if (allow_semi_planar && f == "nv12") return PixelLayout::Nv12;
  if (allow_semi_planar && f == "nv21") return PixelLayout::Nv21;
  throw_error(env, "ERR_VQMON_UNSUPPORTED_FORMAT",
              what + ".format '" + f + "' is not supported: the kernels read 8-bit gray, yuv420p, yuv422p and " +
                  "yuv444p (and their yuvj variants)" +
                  (allow_semi_planar ? "; nv12/nv21 are split here"
                                     : "; copy nv12/nv21 into planar memory with copyFrame first") +
                  "; convert other formats once (e.g. with a scale filter) before analysis");
}

void chroma_size(PixelLayout l, int32_t w, int32_t h, int32_t* cw, int32_t* ch) {
  switch (l) {
    case PixelLayout::Gray: *cw = *ch = 0; return;
    case PixelLayout::Yuv444: *cw = w, *ch = h; return;
    case PixelLayout::Yuv422: *cw = (w + 1) / 2, *ch = h; return;
    default: *cw = (w + 1) / 2, *ch = (h + 1) / 2; return;
  }
}

vq::PlaneView parse_plane(Napi::Env env, Napi::Array data, Napi::Array linesize, uint32_t i,
                          int32_t w, int32_t h, int unit, const std::string& what,
                          std::vector<Napi::Value>* keep) {
  const std::string name = what + ".data[" + std::to_string(i) + "]";
  if (i >= data.Length() || i >= linesize.Length()) {
    throw_error(env, "ERR_VQMON_INVALID_ARG", what + " needs plane " + std::to_string(i) +
                                                  " in data[] and linesize[]", true);
  }
  Napi::Value plane = data.Get(i);
  const Bytes b = get_bytes(env, plane, name);
  if (keep) keep->push_back(plane);
  Napi::Value s = linesize.Get(i);
  const double stride = s.IsNumber() ? s.As<Napi::Number>().DoubleValue() : NAN;
  if (!(std::isfinite(stride) && stride == std::floor(stride))) {
    throw_error(env, "ERR_VQMON_INVALID_ARG", what + ".linesize[" + std::to_string(i) + "] must be an integer", true);
  }
  vq::Failure f;
  check(env, vq::check_plane(name.c_str(), w, h, static_cast<int64_t>(stride), 0, b.length, unit, &f), f);
  return vq::PlaneView{b.data, w, h, static_cast<ptrdiff_t>(stride)};
}

FrameDesc parse_frame(Napi::Env env, Napi::Value v, const std::string& what,
                      std::vector<Napi::Value>* keep) {
  Napi::Object o = get_object(env, v, what);
  const int64_t w = get_int(env, o, "width", -1, 1, vq::kMaxDimension, what);
  const int64_t h = get_int(env, o, "height", -1, 1, vq::kMaxDimension, what);
  if (w < 0 || h < 0) throw_error(env, "ERR_VQMON_INVALID_ARG", what + " needs width and height", true);
  const PixelLayout layout = parse_pixel_format(env, get_string(env, o, "format", what), what, false);
  Napi::Value data = o.Get("data"), linesize = o.Get("linesize");
  if (!data.IsArray() || !linesize.IsArray()) {
    throw_error(env, "ERR_VQMON_INVALID_ARG", what + " needs data[] (planes) and linesize[] (strides)", true);
  }
  Napi::Array d = data.As<Napi::Array>(), l = linesize.As<Napi::Array>();
  FrameDesc f;
  f.y = parse_plane(env, d, l, 0, static_cast<int32_t>(w), static_cast<int32_t>(h), 1, what, keep);
  if (layout != PixelLayout::Gray) {
    int32_t cw, ch;
    chroma_size(layout, static_cast<int32_t>(w), static_cast<int32_t>(h), &cw, &ch);
    f.u = parse_plane(env, d, l, 1, cw, ch, 1, what, keep);
    f.v = parse_plane(env, d, l, 2, cw, ch, 1, what, keep);
  }
  return f;
}

}  // namespace vqaddon
