// analyzeVideo(batch, out) / analyzeVideoAsync(batch, out) and videoLayout(options).
//
// batch = { frames: Frame[], prev?: Frame|null, ref?: Frame|null, options?: {...} }
// out   = Float64Array with frames.length * rowWidth elements (see videoLayout)
// returns the index in frames of the freeze reference after the batch, or -1 when
// batch.ref still is; the async form returns a Promise of it and runs off the JS thread.
#include <string>
#include <vector>

#include "addon.h"
#include "args.h"
#include "errors.h"

namespace vqaddon {

namespace {

constexpr uint32_t kMaxBatchFrames = 4096;

VideoOptions parse_options(Napi::Env env, Napi::Value v) {
  VideoOptions o;
  if (v.IsUndefined() || v.IsNull()) return o;
  Napi::Object obj = get_object(env, v, "options");
  const std::string w = "options";
  o.tile_cols = static_cast<int>(get_int(env, obj, "tileCols", 8, 1, vq::kMaxTileAxis, w));
  o.tile_rows = static_cast<int>(get_int(env, obj, "tileRows", 8, 1, vq::kMaxTileAxis, w));
  o.black_threshold = static_cast<int>(get_int(env, obj, "blackThreshold", 32, -1, 255, w));
  o.far_threshold = static_cast<int>(get_int(env, obj, "farThreshold", 48, 1, 128, w));
  o.histogram = get_bool(env, obj, "histogram", false, w);
  o.freeze_noise = get_number(env, obj, "freezeNoise", 0.001, 0.0, 1.0, w);
  Napi::Value mask = obj.Get("tileMask");
  if (!mask.IsUndefined() && !mask.IsNull()) {
    const Bytes b = get_bytes(env, mask, "options.tileMask");
    const size_t tiles = static_cast<size_t>(o.tile_cols * o.tile_rows);
    if (b.length != tiles) {
      throw_error(env, "ERR_VQMON_INVALID_ARG",
                  "options.tileMask has " + std::to_string(b.length) + " entries; it needs one per tile (" +
                      std::to_string(tiles) + ")");
    }
    o.tile_mask.assign(b.data, b.data + b.length);
    bool any = false;
    for (uint8_t m : o.tile_mask) any = any || m != 0;
    if (!any) throw_error(env, "ERR_VQMON_INVALID_ARG", "options.tileMask masks every tile");
  }
  return o;
}

bool same_shape(const FrameDesc& a, const FrameDesc& b) {
  return a.y.width == b.y.width && a.y.height == b.y.height && a.has_chroma() == b.has_chroma() &&
         (!a.has_chroma() || (a.u.width == b.u.width && a.u.height == b.u.height));
}

// Everything a batch needs, parsed and checked, with the JS objects to keep alive.
struct ParsedBatch {
  std::vector<FrameDesc> frames;
  FrameDesc prev{}, ref{};
  bool has_prev = false, has_ref = false;
  VideoOptions options;
  double* out = nullptr;
  std::vector<Napi::Value> keep;
};

ParsedBatch parse_batch(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2) {
    throw_error(env, "ERR_VQMON_INVALID_ARG", "analyzeVideo(batch, out) takes a batch and a Float64Array", true);
  }
  ParsedBatch p;
  Napi::Object batch = get_object(env, info[0], "batch");
  p.options = parse_options(env, batch.Get("options"));
  Napi::Value fv = batch.Get("frames");
  if (!fv.IsArray()) throw_error(env, "ERR_VQMON_INVALID_ARG", "batch.frames must be an array of frames", true);
  Napi::Array frames = fv.As<Napi::Array>();
  const uint32_t n = frames.Length();
  if (n < 1 || n > kMaxBatchFrames) {
    throw_error(env, "ERR_VQMON_INVALID_ARG",
                "batch.frames has " + std::to_string(n) + " frames; a batch holds 1.." + std::to_string(kMaxBatchFrames));
  }
  p.frames.reserve(n);
  for (uint32_t i = 0; i < n; ++i) {
    p.frames.push_back(parse_frame(env, frames.Get(i), "batch.frames[" + std::to_string(i) + "]", &p.keep));
    if (!same_shape(p.frames[i], p.frames[0])) {
      throw_error(env, "ERR_VQMON_SIZE_MISMATCH",
                  "batch.frames[" + std::to_string(i) + "] differs in size or format from frames[0]; " +
                      "start a new batch (and a new reference) when the picture size changes");
    }
  }
  for (const char* key : {"prev", "ref"}) {
    Napi::Value v = batch.Get(key);
    if (v.IsUndefined() || v.IsNull()) continue;
    FrameDesc f = parse_frame(env, v, std::string("batch.") + key, &p.keep);
    if (!same_shape(f, p.frames[0])) {
      throw_error(env, "ERR_VQMON_SIZE_MISMATCH",
                  std::string("batch.") + key + " differs in size or format from the batch's frames; pass null after a size change");
    }
    (key[0] == 'p' ? p.prev : p.ref) = f;
    (key[0] == 'p' ? p.has_prev : p.has_ref) = true;
  }
  size_t count = 0;
  p.out = get_typed<double>(env, info[1], napi_float64_array, "Float64Array", "out", &count);
  vq::Failure f;
  check(env, vq::check_output("out", static_cast<uint64_t>(n) * row_width(p.options), count, &f), f);
  p.keep.push_back(info[1]);
  return p;
}

class VideoBatchWorker : public Napi::AsyncWorker {
 public:
  VideoBatchWorker(Napi::Env env, ParsedBatch&& batch, const vq::KernelTable& table)
      : Napi::AsyncWorker(env, "vqmon:analyzeVideo"),
        deferred_(Napi::Promise::Deferred::New(env)),
        batch_(std::move(batch)),
        table_(table) {
    // The planes and the output must outlive the work: hold references until it is done.
    for (Napi::Value v : batch_.keep) refs_.push_back(Napi::Persistent(v));
    batch_.keep.clear();
  }

  Napi::Promise Promise() { return deferred_.Promise(); }

  void Execute() override {
    ref_index_ = run_video_batch(table_, batch_.frames, batch_.has_prev ? &batch_.prev : nullptr,
                                 batch_.has_ref ? &batch_.ref : nullptr, batch_.options, scratch_,
                                 batch_.out);
  }
  void OnOK() override { deferred_.Resolve(Napi::Number::New(Env(), ref_index_)); }
  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  ParsedBatch batch_;
  const vq::KernelTable& table_;
  VideoScratch scratch_;
  std::vector<Napi::Reference<Napi::Value>> refs_;
  int ref_index_ = -1;
};

}  // namespace

Napi::Value VideoLayout(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const VideoOptions o = parse_options(env, info.Length() > 0 ? info[0] : env.Undefined());
  Napi::Object r = Napi::Object::New(env);
  r.Set("frameColumns", static_cast<int>(kFrameColumns));
  r.Set("tileColumns", static_cast<int>(kTileColumns));
  r.Set("tiles", o.tile_cols * o.tile_rows);
  r.Set("histogramOffset", o.histogram ? static_cast<int>(kFrameColumns) + o.tile_cols * o.tile_rows * kTileColumns : -1);
  r.Set("rowWidth", row_width(o));
  return r;
}

Napi::Value AnalyzeVideo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ParsedBatch b = parse_batch(info);
  VqmonAddon* addon = env.GetInstanceData<VqmonAddon>();
  const int ref = run_video_batch(addon->table(), b.frames, b.has_prev ? &b.prev : nullptr,
                                  b.has_ref ? &b.ref : nullptr, b.options, addon->scratch(), b.out);
  return Napi::Number::New(env, ref);
}

Napi::Value AnalyzeVideoAsync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ParsedBatch b = parse_batch(info);
  auto* worker = new VideoBatchWorker(env, std::move(b), env.GetInstanceData<VqmonAddon>()->table());
  Napi::Promise promise = worker->Promise();
  worker->Queue();  // deletes itself when done
  return promise;
}

}  // namespace vqaddon
