// The decode hand-off: frameSlot(...) says how a frame is laid out in a slot of a shared
// frame ring; copyFrame(src, dst, options) copies a decoded frame (any strides; planar or
// NV12/NV21) into such a slot with one SIMD pass per plane, optionally decimated 2:1.
// Both return { format, width, height, offsets, linesize, byteLength }; src/native.ts
// turns it into plane views over the slot.
#include <string>
#include <vector>

#include "addon.h"
#include "args.h"
#include "errors.h"

namespace vqaddon {

namespace {

constexpr int64_t kAlign = 64;

int64_t align_up(int64_t v) { return (v + kAlign - 1) / kAlign * kAlign; }

struct Slot {
  std::string format;
  int32_t width, height, cw, ch;
  int planes;
  int64_t offsets[3], strides[3], bytes;
};

Slot slot_for(PixelLayout src, int32_t w, int32_t h, bool decimate) {
  Slot s{};
  const PixelLayout out = (src == PixelLayout::Nv12 || src == PixelLayout::Nv21) ? PixelLayout::Yuv420 : src;
  s.format = out == PixelLayout::Gray ? "gray" : out == PixelLayout::Yuv420 ? "yuv420p"
             : out == PixelLayout::Yuv422 ? "yuv422p" : "yuv444p";
  s.width = decimate ? w / 2 : w;
  s.height = decimate ? h / 2 : h;
  chroma_size(out, s.width, s.height, &s.cw, &s.ch);
  s.planes = out == PixelLayout::Gray ? 1 : 3;
  int64_t off = 0;
  for (int i = 0; i < s.planes; ++i) {
    const int32_t pw = i == 0 ? s.width : s.cw, ph = i == 0 ? s.height : s.ch;
    s.offsets[i] = off;
    s.strides[i] = align_up(pw);
    off += align_up(s.strides[i] * ph);
  }
  s.bytes = off;
  return s;
}

Napi::Object describe(Napi::Env env, const Slot& s) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("format", s.format);
  o.Set("width", s.width);
  o.Set("height", s.height);
  Napi::Array offsets = Napi::Array::New(env, s.planes), linesize = Napi::Array::New(env, s.planes);
  for (int i = 0; i < s.planes; ++i) {
    offsets.Set(i, Napi::Number::New(env, static_cast<double>(s.offsets[i])));
    linesize.Set(i, Napi::Number::New(env, static_cast<double>(s.strides[i])));
  }
  o.Set("offsets", offsets);
  o.Set("linesize", linesize);
  o.Set("byteLength", Napi::Number::New(env, static_cast<double>(s.bytes)));
  return o;
}

void check_decimation(Napi::Env env, int32_t w, int32_t h, const Slot& s, int32_t src_cw, int32_t src_ch) {
  if (s.width < 1 || s.height < 1 || (s.planes == 3 && (src_cw / 2 != s.cw || src_ch / 2 != s.ch))) {
    throw_error(env, "ERR_VQMON_INVALID_ARG",
                "a " + std::to_string(w) + "x" + std::to_string(h) +
                    " frame cannot be decimated 2:1 plane by plane (chroma planes would not line up); "
                    "decimate frames whose width and height are multiples of 4, or copy without decimation");
  }
}

}  // namespace

// frameSlot(width, height, format, decimate = false)
Napi::Value FrameSlot(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 3 || !info[0].IsNumber() || !info[1].IsNumber() || !info[2].IsString()) {
    throw_error(env, "ERR_VQMON_INVALID_ARG", "frameSlot(width, height, format, decimate?)", true);
  }
  Napi::Object o = Napi::Object::New(env);
  o.Set("width", info[0]);
  o.Set("height", info[1]);
  const int32_t w = static_cast<int32_t>(get_int(env, o, "width", 0, 1, vq::kMaxDimension, "frameSlot"));
  const int32_t h = static_cast<int32_t>(get_int(env, o, "height", 0, 1, vq::kMaxDimension, "frameSlot"));
  const PixelLayout l = parse_pixel_format(env, info[2].As<Napi::String>().Utf8Value(), "frameSlot", true);
  const bool decimate = info.Length() > 3 && info[3].ToBoolean().Value();
  const Slot s = slot_for(l, w, h, decimate);
  if (decimate) {
    int32_t cw, ch;
    chroma_size(l == PixelLayout::Nv12 || l == PixelLayout::Nv21 ? PixelLayout::Yuv420 : l, w, h, &cw, &ch);
    check_decimation(env, w, h, s, cw, ch);
  }
  return describe(env, s);
}

// copyFrame(src, dst: Uint8Array (a slot of a SharedArrayBuffer ring), { decimate })
Napi::Value CopyFrame(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2) throw_error(env, "ERR_VQMON_INVALID_ARG", "copyFrame(src, dst, options?)", true);
  Napi::Object src = get_object(env, info[0], "src");
  const int32_t w = static_cast<int32_t>(get_int(env, src, "width", -1, 1, vq::kMaxDimension, "src"));
  const int32_t h = static_cast<int32_t>(get_int(env, src, "height", -1, 1, vq::kMaxDimension, "src"));
  if (w < 0 || h < 0) throw_error(env, "ERR_VQMON_INVALID_ARG", "src needs width and height", true);
  const PixelLayout l = parse_pixel_format(env, get_string(env, src, "format", "src"), "src", true);
  bool decimate = false;
  if (info.Length() > 2 && !info[2].IsUndefined()) {
    decimate = get_bool(env, get_object(env, info[2], "options"), "decimate", false, "options");
  }
  Napi::Value data = src.Get("data"), linesize = src.Get("linesize");
  if (!data.IsArray() || !linesize.IsArray()) {
    throw_error(env, "ERR_VQMON_INVALID_ARG", "src needs data[] (planes) and linesize[] (strides)", true);
  }
  Napi::Array d = data.As<Napi::Array>(), ls = linesize.As<Napi::Array>();
  const Bytes dst = get_bytes(env, info[1], "dst");
  const Slot s = slot_for(l, w, h, decimate);
  const bool semi = l == PixelLayout::Nv12 || l == PixelLayout::Nv21;
  int32_t cw = 0, ch = 0;
  chroma_size(semi ? PixelLayout::Yuv420 : l, w, h, &cw, &ch);
  if (decimate) check_decimation(env, w, h, s, cw, ch);
  if (static_cast<uint64_t>(s.bytes) > dst.length) {
    throw_error(env, "ERR_VQMON_OUTPUT_TOO_SMALL",
                "dst has " + std::to_string(dst.length) + " bytes; this frame needs " + std::to_string(s.bytes) +
                    " (see frameSlot)");
  }
  const vq::KernelTable& k = env.GetInstanceData<VqmonAddon>()->table();
  auto put = [&](const vq::PlaneView& p, int plane) {
    uint8_t* out = dst.data + s.offsets[plane];
    if (decimate) {
      k.copy_plane_half(p, out, s.strides[plane]);
    } else {
      k.copy_plane(p, out, s.strides[plane]);
    }
  };
  // Parse and check every plane before writing anything into the slot.
  const vq::PlaneView y = parse_plane(env, d, ls, 0, w, h, 1, "src");
  vq::PlaneView pairs{}, u{}, v{};
  if (semi) {
    pairs = parse_plane(env, d, ls, 1, cw, ch, 2, "src");
  } else if (s.planes == 3) {
    u = parse_plane(env, d, ls, 1, cw, ch, 1, "src");
    v = parse_plane(env, d, ls, 2, cw, ch, 1, "src");
  }
  put(y, 0);
  if (semi) {
    const int a = l == PixelLayout::Nv12 ? 1 : 2, b = 3 - a;  // NV21 stores V first
    if (!decimate) {
      k.split_pairs(pairs, dst.data + s.offsets[a], s.strides[a], dst.data + s.offsets[b], s.strides[b]);
    } else {
      // Split at full size into scratch, then decimate each plane into the slot.
      const int64_t stride = align_up(cw);
      std::vector<uint8_t> tmp(static_cast<size_t>(stride * ch * 2));
      k.split_pairs(pairs, tmp.data(), stride, tmp.data() + stride * ch, stride);
      put(vq::PlaneView{tmp.data(), cw, ch, stride}, a);
      put(vq::PlaneView{tmp.data() + stride * ch, cw, ch, stride}, b);
    }
  } else if (s.planes == 3) {
    put(u, 1);
    put(v, 2);
  }
  return describe(env, s);
}

// releaseFrames(frames): gives decoded frames' memory back now instead of at garbage
// collection. For each frame's planes (`data`), a plane that is the whole of its ArrayBuffer
// (as a decoder's external plane Buffers are) has that ArrayBuffer detached: its owner's
// free callback runs on the next turn of the event loop (for beamcoder's lean frames: the
// FFmpeg buffer goes back to the decoder's pool, warm, instead of the decoder faulting in
// fresh pages while old frames wait for GC). Views over part of a buffer (Node's pooled
// Buffers, SharedArrayBuffer rings) and anything else are left alone. A released plane
// reads as empty, so a kernel handed it later refuses it with ERR_VQMON_OUT_OF_BOUNDS
// rather than touching freed memory. Returns the number of planes released.
Napi::Value ReleaseFrames(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsArray()) {
    throw_error(env, "ERR_VQMON_INVALID_ARG", "releaseFrames(frames) takes an array of frames", true);
  }
  Napi::Array frames = info[0].As<Napi::Array>();
  uint32_t released = 0;
  for (uint32_t i = 0; i < frames.Length(); ++i) {
    Napi::Value f = frames.Get(i);
    if (!f.IsObject()) continue;
    Napi::Value data = f.As<Napi::Object>().Get("data");
    if (!data.IsArray()) continue;
    Napi::Array planes = data.As<Napi::Array>();
    for (uint32_t p = 0; p < planes.Length(); ++p) {
      Napi::Value v = planes.Get(p);
      if (!v.IsTypedArray()) continue;
      Napi::TypedArray view = v.As<Napi::TypedArray>();
      Napi::Value buffer = view.Get("buffer");
      if (!buffer.IsArrayBuffer()) continue;  // a SharedArrayBuffer is never released here
      Napi::ArrayBuffer ab = buffer.As<Napi::ArrayBuffer>();
      if (ab.IsDetached() || view.ByteOffset() != 0 || view.ByteLength() != ab.ByteLength() || ab.ByteLength() == 0) continue;
      ab.Detach();
      ++released;
    }
  }
  return Napi::Number::New(env, released);
}

}  // namespace vqaddon
