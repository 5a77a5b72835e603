// Kernel benchmark: frames/s of every kernel at every SIMD level this CPU runs, at 720p,
// 1080p and 2160p, next to memory-bound references measured in the same run, over a frame
// ring several times the size of the last-level cache. One thread.
//   - SAD from DRAM: the best level's sad_plane of two planes both streamed from DRAM
//     (frame i against frame i + ring/2): the "memory-bound SAD rate";
//   - SAD, prev cached: frame i against frame i-1, which the previous call just read --
//     the same access pattern as the fused pass in production, so the stricter yardstick;
//   - memcpy bandwidth.
// Every row prints its ratio to both SAD references.
//
//   vqmon_kernel_bench [--quick] [--json FILE] [--levels scalar,sse2,avx2]
#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "kernels.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Size {
  const char* name;
  int32_t w, h;
};

// 64-byte aligned bytes. FFmpeg's decoders hand out planes this way (av_malloc alignment,
// linesizes padded to STRIDE_ALIGN), so the ring matches what the kernels read in
// production; a malloc'd vector would make every other 32-byte load split a cache line.
struct Aligned {
  std::unique_ptr<uint8_t, decltype(&std::free)> p{nullptr, &std::free};
  size_t n = 0;
  void resize(size_t bytes) {
    n = bytes;
    p.reset(static_cast<uint8_t*>(std::aligned_alloc(64, (bytes + 63) / 64 * 64)));
    if (!p) {
      std::fprintf(stderr, "out of memory for the frame ring\n");
      std::exit(1);
    }
  }
  uint8_t* data() const { return p.get(); }
  uint8_t* begin() const { return p.get(); }
  uint8_t* end() const { return p.get() + n; }
};

// A ring of 4:2:0 frames whose total size is well past the last-level cache, so every
// kernel streams from DRAM as it would on a live stream.
struct Ring {
  int32_t w, h;
  size_t frames;
  Aligned y, u, v;
  size_t ybytes() const { return static_cast<size_t>(w) * h; }
  size_t cbytes() const { return static_cast<size_t>(w / 2) * (h / 2); }
  vq::PlaneView Y(size_t i) const { return {y.data() + (i % frames) * ybytes(), w, h, w}; }
  vq::PlaneRef Yr(size_t i) const { return {y.data() + (i % frames) * ybytes(), w}; }
  vq::PlaneView U(size_t i) const { return {u.data() + (i % frames) * cbytes(), w / 2, h / 2, w / 2}; }
  vq::PlaneView V(size_t i) const { return {v.data() + (i % frames) * cbytes(), w / 2, h / 2, w / 2}; }
  vq::PlaneRef Ur(size_t i) const { return {U(i).data, w / 2}; }
  vq::PlaneRef Vr(size_t i) const { return {V(i).data, w / 2}; }
};

Ring make_ring(int32_t w, int32_t h, size_t min_bytes) {
  Ring r;
  r.w = w;
  r.h = h;
  r.frames = std::max<size_t>(8, min_bytes / (static_cast<size_t>(w) * h) + 1);
  r.y.resize(r.frames * r.ybytes());
  r.u.resize(r.frames * r.cbytes());
  r.v.resize(r.frames * r.cbytes());
  uint64_t s = 0x9E3779B97F4A7C15ull;
  auto fill = [&](Aligned& b) {
    for (auto& x : b) {
      s ^= s << 13;
      s ^= s >> 7;
      s ^= s << 17;
      x = static_cast<uint8_t>(s >> 24);
    }
  };
  fill(r.y);
  fill(r.u);
  fill(r.v);
  return r;
}

// Runs fn(i) for consecutive frames until `seconds` pass; repeats `reps` times and
// returns the median frames/s.
double rate(const std::function<void(size_t)>& fn, double seconds, int reps) {
  std::vector<double> rates;
  size_t i = 0;
  for (int k = 0; k < 2; ++k) fn(i++);  // warm-up
  for (int rep = 0; rep < reps; ++rep) {
    const auto t0 = Clock::now();
    size_t n = 0;
    double el = 0;
    do {
      for (int k = 0; k < 4; ++k, ++n) fn(i++);
      el = std::chrono::duration<double>(Clock::now() - t0).count();
    } while (el < seconds);
    rates.push_back(n / el);
  }
  std::sort(rates.begin(), rates.end());
  return rates[rates.size() / 2];
}

volatile uint64_t g_sink;

}  // namespace

int main(int argc, char** argv) {
  bool quick = false;
  const char* json_path = nullptr;
  std::string level_filter;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--quick")) quick = true;
    else if (!std::strcmp(argv[i], "--json") && i + 1 < argc) json_path = argv[++i];
    else if (!std::strcmp(argv[i], "--levels") && i + 1 < argc) level_filter = argv[++i];
    else {
      std::fprintf(stderr, "usage: %s [--quick] [--json FILE] [--levels scalar,sse2,avx2,neon]\n", argv[0]);
      return 2;
    }
  }
  const double seconds = quick ? 0.15 : 0.5;
  const int reps = quick ? 3 : 5;
  const size_t ring_bytes = size_t{256} << 20;  // 256 MiB of luma: far past any LLC

  std::vector<const vq::KernelTable*> tables;
  for (vq::SimdLevel l : {vq::SimdLevel::Scalar, vq::SimdLevel::SSE2, vq::SimdLevel::AVX2, vq::SimdLevel::NEON}) {
    if (!vq::level_supported(l)) continue;
    if (!level_filter.empty() && level_filter.find(vq::level_name(l)) == std::string::npos) continue;
    tables.push_back(vq::table_for(l));
  }
  const vq::KernelTable& best = *vq::table_for(vq::best_level());

  std::vector<Size> sizes = {{"720p", 1280, 720}, {"1080p", 1920, 1080}, {"2160p", 3840, 2160}};
  FILE* json = json_path ? std::fopen(json_path, "w") : nullptr;
  if (json) std::fprintf(json, "{\"best\":\"%s\",\"results\":[\n", best.name);
  bool first_json = true;
  double sad_fps = 0, sad_hot_fps = 0;
  auto emit = [&](const char* size, const char* kernel, const char* level, double fps) {
    std::printf("%-6s %-22s %-7s %10.0f frames/s  %6.2fx SAD-from-DRAM  %6.2fx SAD-prev-cached\n", size,
                kernel, level, fps, fps / sad_fps, fps / sad_hot_fps);
    if (json) {
      std::fprintf(json,
                   "%s{\"size\":\"%s\",\"kernel\":\"%s\",\"level\":\"%s\",\"fps\":%.1f,"
                   "\"ratio_to_sad_dram\":%.4f,\"ratio_to_sad_prev_cached\":%.4f}",
                   first_json ? "" : ",\n", size, kernel, level, fps, fps / sad_fps, fps / sad_hot_fps);
      first_json = false;
    }
  };

  auto luma = std::make_unique<vq::LumaResult>();
  auto chroma = std::make_unique<vq::ChromaResult>();
  for (const Size& s : sizes) {
    Ring r = make_ring(s.w, s.h, ring_bytes);
    std::vector<uint8_t> dst(r.ybytes() * 2);
    // memory-bound references
    const size_t half = r.frames / 2;
    sad_fps = rate([&](size_t i) { g_sink = best.sad_plane(r.Y(i), r.Yr(i + half)); }, seconds, reps);
    sad_hot_fps = rate([&](size_t i) { g_sink = best.sad_plane(r.Y(i + 1), r.Yr(i)); }, seconds, reps);
    const double memcpy_fps = rate([&](size_t i) { std::memcpy(dst.data(), r.Y(i).data, r.ybytes()); }, seconds, reps);
    std::printf("\n%s (%dx%d, ring of %zu frames = %zu MiB luma)\n", s.name, s.w, s.h, r.frames,
                r.frames * r.ybytes() >> 20);
    std::printf("  references (%s): SAD of two planes from DRAM %.0f frames/s = %.1f GB/s read; "
                "SAD with prev cached %.0f frames/s; memcpy %.1f GB/s\n",
                best.name, sad_fps, sad_fps * 2 * r.ybytes() / 1e9, sad_hot_fps, memcpy_fps * r.ybytes() / 1e9);
    emit(s.name, "ref:sad_from_dram", best.name, sad_fps);
    emit(s.name, "ref:sad_prev_cached", best.name, sad_hot_fps);
    emit(s.name, "ref:memcpy", "libc", memcpy_fps);
    for (const vq::KernelTable* t : tables) {
      vq::LumaOptions lo;
      emit(s.name, "luma_fused", t->name,
           rate([&](size_t i) { t->luma_fused(r.Y(i + 1), r.Yr(i), r.Yr(i), lo, luma.get()); }, seconds, reps));
      emit(s.name, "luma_fused+held_ref", t->name,
           rate([&](size_t i) { t->luma_fused(r.Y(i + 2), r.Yr(i + 1), r.Yr(0), lo, luma.get()); }, seconds, reps));
      vq::LumaOptions lh;
      lh.histogram = true;
      emit(s.name, "luma_fused+histogram", t->name,
           rate([&](size_t i) { t->luma_fused(r.Y(i + 1), r.Yr(i), r.Yr(i), lh, luma.get()); }, seconds, reps));
      vq::ChromaOptions co;
      emit(s.name, "chroma_fused(420)", t->name,
           rate([&](size_t i) {
             t->chroma_fused(r.U(i + 1), r.V(i + 1), r.Ur(i), r.Vr(i), r.Ur(i), r.Vr(i), co, chroma.get());
           }, seconds, reps));
      emit(s.name, "copy_plane", t->name,
           rate([&](size_t i) { t->copy_plane(r.Y(i), dst.data(), s.w); }, seconds, reps));
      emit(s.name, "copy_plane_half", t->name,
           rate([&](size_t i) { t->copy_plane_half(r.Y(i), dst.data(), s.w / 2); }, seconds, reps));
      emit(s.name, "sad_plane", t->name,
           rate([&](size_t i) { g_sink = t->sad_plane(r.Y(i + 1), r.Yr(i)); }, seconds, reps));
    }
  }
  // Audio: one second of 48 kHz audio per call (stereo s16 interleaved, one float channel),
  // reported as seconds of audio analysed per second.
  {
    const size_t n = 48000;
    std::vector<float> f(n);
    std::vector<int16_t> s16(2 * n);
    for (size_t i = 0; i < n; ++i) f[i] = static_cast<float>((i * 7919) % 2001) / 1000.0f - 1.0f;
    for (size_t i = 0; i < 2 * n; ++i) s16[i] = static_cast<int16_t>(i * 7919);
    std::vector<vq::AudioWindowStats> st(2 * n / 480 + 2);
    std::vector<double> ct(240, 0.5), stab(240, 0.25);
    std::vector<vq::ToneBlock> tb(n / 240 + 1);
    std::printf("\naudio (1 s of 48 kHz per call; x realtime)\n");
    for (const vq::KernelTable* t : tables) {
      const double f32 = rate([&](size_t) { t->audio_stats_f32(f.data(), n, 480, 0.999f, st.data()); }, seconds, reps);
      const double s2 = rate([&](size_t) { t->audio_stats_s16(s16.data(), n, 2, 480, 32735, st.data()); }, seconds, reps);
      const double tone = rate([&](size_t) { t->tone_blocks_f32(f.data(), n, 240, ct.data(), stab.data(), tb.data()); }, seconds, reps);
      std::printf("audio  %-7s audio_stats_f32 %8.0fx  audio_stats_s16(stereo) %8.0fx  tone_blocks_f32 %8.0fx\n",
                  t->name, f32, s2, tone);
      if (json) {
        std::fprintf(json, ",\n{\"size\":\"audio-1s-48k\",\"level\":\"%s\",\"audio_stats_f32\":%.1f,"
                     "\"audio_stats_s16_stereo\":%.1f,\"tone_blocks_f32\":%.1f}", t->name, f32, s2, tone);
      }
    }
  }
  if (json) {
    std::fprintf(json, "\n]}\n");
    std::fclose(json);
  }
  return 0;
}
