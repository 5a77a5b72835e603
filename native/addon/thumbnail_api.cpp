// thumbnail(frame, dst, { width, height, fullRange }): a decoded planar frame (gray,
// yuv420p/422p/444p, any strides) scaled down into dst as width x height RGB24 pixels,
// for the dashboard. Copies the picture out of the decoder's memory, so the frame can be
// released right after. Every plane and the output size are checked first.
#include <string>

#include "addon.h"
#include "args.h"
#include "errors.h"
#include "shared/thumbnail.h"

namespace vqaddon {

namespace {
// A thumbnail is for looking at, not for measuring: 1920 px wide covers any screen tile.
constexpr int64_t kMaxThumbnailSide = 1920;
}  // namespace

Napi::Value Thumbnail(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 3) throw_error(env, "ERR_VQMON_INVALID_ARG", "thumbnail(frame, dst, { width, height, fullRange? })", true);
  const FrameDesc f = parse_frame(env, info[0], "frame");
  Napi::Object o = get_object(env, info[2], "options");
  const int64_t w = get_int(env, o, "width", -1, 1, kMaxThumbnailSide, "options");
  const int64_t h = get_int(env, o, "height", -1, 1, kMaxThumbnailSide, "options");
  if (w < 0 || h < 0) throw_error(env, "ERR_VQMON_INVALID_ARG", "thumbnail options need width and height", true);
  const std::string format = get_string(env, info[0].As<Napi::Object>(), "format", "frame");
  const bool full_range = get_bool(env, o, "fullRange", format.rfind("yuvj", 0) == 0, "options");
  const Bytes dst = get_bytes(env, info[1], "dst");
  const uint64_t need = static_cast<uint64_t>(w) * static_cast<uint64_t>(h) * 3;
  if (need > dst.length) {
    throw_error(env, "ERR_VQMON_OUTPUT_TOO_SMALL",
                "dst has " + std::to_string(dst.length) + " bytes; a " + std::to_string(w) + "x" + std::to_string(h) +
                    " RGB thumbnail needs " + std::to_string(need));
  }
  vq::ThumbnailSource s{f.y, f.u, f.v, 0, 0, full_range};
  if (f.has_chroma()) {
    // parse_frame sized the chroma planes from the format (chroma_size): halved or not.
    s.chroma_shift_x = f.u.width < f.y.width ? 1 : 0;
    s.chroma_shift_y = f.u.height < f.y.height ? 1 : 0;
  }
  vq::thumbnail_rgb(s, static_cast<int32_t>(w), static_cast<int32_t>(h), dst.data);
  return Napi::Number::New(env, static_cast<double>(need));
}

}  // namespace vqaddon
