// Argument parsing for the N-API layer: bytes of Buffers / TypedArrays / (Shared)ArrayBuffers
// without copying, integers and numbers with range checks, and decoded video frames in
// beamcoder's shape ({ width, height, format, data: [planes], linesize: [strides] }).
#pragma once

#include <napi.h>

#include <cstdint>
#include <string>
#include <vector>

#include "video_batch.h"

namespace vqaddon {

struct Bytes {
  uint8_t* data;
  size_t length;
};

// A Buffer, Uint8Array/Uint8ClampedArray, ArrayBuffer or SharedArrayBuffer, as bytes.
Bytes get_bytes(Napi::Env env, Napi::Value v, const std::string& what);

// A typed array of the given type, as a pointer and element count.
template <typename T>
T* get_typed(Napi::Env env, Napi::Value v, napi_typedarray_type type, const char* type_name,
             const std::string& what, size_t* count);

Napi::Object get_object(Napi::Env env, Napi::Value v, const std::string& what);
// Optional property: `fallback` when undefined; otherwise must be an integer in [lo, hi].
int64_t get_int(Napi::Env env, Napi::Object o, const char* key, int64_t fallback, int64_t lo,
                int64_t hi, const std::string& what);
double get_number(Napi::Env env, Napi::Object o, const char* key, double fallback, double lo,
                  double hi, const std::string& what);
bool get_bool(Napi::Env env, Napi::Object o, const char* key, bool fallback, const std::string& what);
std::string get_string(Napi::Env env, Napi::Object o, const char* key, const std::string& what);

// Pixel formats the kernels read directly.
enum class PixelLayout { Gray, Yuv420, Yuv422, Yuv444, Nv12, Nv21 };
PixelLayout parse_pixel_format(Napi::Env env, const std::string& format, const std::string& what,
                               bool allow_semi_planar);
void chroma_size(PixelLayout l, int32_t w, int32_t h, int32_t* cw, int32_t* ch);

// A frame for the kernels (planar or gray). Every plane is bounds-checked. When `keep` is
// given, the plane objects are appended to it (async work holds references to them).
FrameDesc parse_frame(Napi::Env env, Napi::Value v, const std::string& what,
                      std::vector<Napi::Value>* keep = nullptr);

// A plane of `unit`-byte elements (2 for NV12 pairs) from data[i] / linesize[i].
vq::PlaneView parse_plane(Napi::Env env, Napi::Array data, Napi::Array linesize, uint32_t i,
                          int32_t w, int32_t h, int unit, const std::string& what,
                          std::vector<Napi::Value>* keep = nullptr);

}  // namespace vqaddon
