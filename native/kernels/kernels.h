// vqmon kernels: the pixel- and sample-level work, in plain C++17 with no Node headers.
//
// Every kernel has a scalar reference (native/kernels/scalar/) and SIMD versions
// (sse2/, avx2/, neon/), one translation unit per ISA and family, compiled with that
// ISA's flags only. A KernelTable per ISA lists its entry points; dispatch.cpp picks one
// table at run time from the CPU's features or the VQMON_SIMD override.
//
// Contract shared by all levels: results are BIT-EXACT with the scalar reference
// (integer sums are exact; floating-point sums follow the canonical 8-lane order
// documented at audio_stats_f32). Kernels trust their arguments: they are validated once
// by checks.h (validate_*), which the addon and the fuzzer call before any kernel.
#pragma once

#include <cstddef>
#include <cstdint>

namespace vq {

enum class SimdLevel : int { Scalar = 0, SSE2 = 1, AVX2 = 2, NEON = 3 };

// An 8-bit plane: `width` pixels per row, `height` rows, rows `stride` bytes apart
// (stride >= width; negative strides are refused by the checks).
struct PlaneView {
  const uint8_t* data;
  int32_t width;
  int32_t height;
  ptrdiff_t stride;
};

// Another plane of the same size as a PlaneView it is compared with (previous frame,
// reference frame). data == nullptr means "absent": its results are 0.
struct PlaneRef {
  const uint8_t* data;
  ptrdiff_t stride;
};

// Tiles: the picture is cut into cols x rows tiles; tile column i spans
// x in [i*width/cols, (i+1)*width/cols) (integer division), rows likewise.
constexpr int kMaxTileAxis = 16;
constexpr int kMaxTiles = kMaxTileAxis * kMaxTileAxis;

inline int32_t tile_bound(int32_t extent, int index, int count) {
  return static_cast<int32_t>((static_cast<int64_t>(extent) * index) / count);
}

// ---------------------------------------------------------------------------------
// Fused luma pass: one read of the current luma plane (plus prev/ref) gives frame
// difference, blockiness and luma statistics for the whole frame and per tile.
//
// Gradients: horizontal at (x, y), x >= 1: |p[y][x] - p[y][x-1]|;
//            vertical   at (x, y), y >= 1: |p[y][x] - p[y-1][x]|.
// A horizontal gradient lies on the 8-pixel block grid when x % 8 == 0, on the 16-pixel
// grid when x % 16 == 0 (vertical: y likewise); all others are "off" the grid.
// A gradient belongs to the tile of its pixel (x, y).
struct LumaOptions {
  int tile_cols = 8;         // 1..kMaxTileAxis
  int tile_rows = 8;         // 1..kMaxTileAxis
  int black_threshold = 32;  // pixels with value <= this count as black; -1: none
  bool histogram = false;    // also fill LumaResult::histogram (costs a scalar pass)
};

struct LumaTile {
  uint64_t sad_prev;     // sum |cur - prev| over the tile
  uint64_t sad_ref;      // sum |cur - ref|
  uint64_t grad_h_grid;  // horizontal gradients on the 8-pixel grid
  uint64_t grad_h_off;   // horizontal gradients off the grid
  uint64_t grad_v_grid;
  uint64_t grad_v_off;
  uint64_t sum;          // sum of pixel values
  uint64_t black;        // pixels <= black_threshold
};

struct LumaResult {
  uint64_t sad_prev;
  uint64_t sad_ref;
  uint64_t grad_h_grid;    // whole-frame sums of the tile fields
  uint64_t grad_h_off;
  uint64_t grad_v_grid;
  uint64_t grad_v_off;
  uint64_t grad_h_grid16;  // the part of grad_h_grid on the 16-pixel grid
  uint64_t grad_v_grid16;
  uint64_t sum;
  uint64_t black;
  uint32_t min;
  uint32_t max;
  uint64_t histogram[256];    // only when LumaOptions::histogram
  LumaTile tiles[kMaxTiles];  // tile_rows * tile_cols used, row-major
};

// Positions counted by the gradient sums (pure geometry; shared by all levels).
struct GradientCounts {
  uint64_t h_grid, h_off, v_grid, v_off, h_grid16, v_grid16;
};
GradientCounts gradient_counts(int32_t x0, int32_t x1, int32_t y0, int32_t y1);

// ---------------------------------------------------------------------------------
// Chroma pass over U and V planes of equal size (4:2:0 / 4:2:2 / 4:4:4).
// A pixel is "far from neutral" when |U-128| >= far_threshold or |V-128| >= far_threshold.
struct ChromaOptions {
  int tile_cols = 8;
  int tile_rows = 8;
  int far_threshold = 48;  // 1..128
};

struct ChromaTile {
  uint64_t sad_prev;  // U and V together
  uint64_t sad_ref;
  uint64_t sum_u;
  uint64_t sum_v;
  uint64_t far;
};

struct ChromaResult {
  uint64_t sad_prev;
  uint64_t sad_ref;
  uint64_t sum_u;
  uint64_t sum_v;
  uint64_t far;
  ChromaTile tiles[kMaxTiles];
};

// ---------------------------------------------------------------------------------
// Audio. Windows are consecutive runs of `window` frames (samples per channel) from the
// start of the buffer; the last window may be shorter. Results are [window][channel].
struct AudioWindowStats {
  double sumsq;      // sum of squares, in units of full scale (float: as is; s16: x/32768)
  float peak;        // max |x| in units of full scale
  uint32_t clipped;  // samples with |x| >= clip level
};

// Float planar: one channel's contiguous samples. NaN samples are ignored by peak and
// clip counting (they do reach sumsq, which becomes NaN).
// Canonical summation order (what makes SIMD bit-exact): within a window, sample i
// (counted from the window start) is squared in double and added to partial sum
// acc[i % 8]; at the window end sumsq = ((acc0+acc1)+(acc2+acc3)) + ((acc4+acc5)+(acc6+acc7)).
// Clip level for float: |x| >= clip_level.
// s16 (packed: channel c of frame n at data[n*channels + c]; planar: call once per
// channel with channels = 1): sums are exact in int64 and scaled at the window end:
// sumsq = (double)int_sumsq / 2^30; peak = max|x| / 32768; clipped: |x| >= clip_level_s16.

// ---------------------------------------------------------------------------------
// Tone detection (A/V sync beeps): per block of `block` samples, the correlation of the
// signal with cos/sin at the probe frequency, which gives the tone amplitude in the block.
// The tables hold cos(2*pi*f*i/rate) and sin(...) for i in [0, block) (phase restarts each
// block: only the magnitude is used). Sums follow the canonical 8-lane order above with
// products (double)x * table[i].
struct ToneBlock {
  double c;      // sum x[i] * cos[i]
  double s;      // sum x[i] * sin[i]
  double sumsq;  // sum x[i]^2
};

// ---------------------------------------------------------------------------------
// One ISA's entry points.
struct KernelTable {
  SimdLevel level;
  const char* name;

  void (*luma_fused)(const PlaneView& cur, const PlaneRef& prev, const PlaneRef& ref,
                     const LumaOptions& opts, LumaResult* out);
  void (*chroma_fused)(const PlaneView& u, const PlaneView& v, const PlaneRef& prev_u,
                       const PlaneRef& prev_v, const PlaneRef& ref_u, const PlaneRef& ref_v,
                       const ChromaOptions& opts, ChromaResult* out);
  // Plain SAD of two planes: the memory-bound reference for benchmarks.
  uint64_t (*sad_plane)(const PlaneView& a, const PlaneRef& b);

  // Decode hand-off: copy a plane (any stride) to dst rows dst_stride apart.
  void (*copy_plane)(const PlaneView& src, uint8_t* dst, ptrdiff_t dst_stride);
  // 2:1 decimation: dst is (width/2) x (height/2), each pixel the rounded mean of a
  // 2x2 block: (a + b + c + d + 2) >> 2.
  void (*copy_plane_half)(const PlaneView& src, uint8_t* dst, ptrdiff_t dst_stride);
  // NV12/NV21 hand-off: an interleaved plane of `width` pairs per row (2*width bytes)
  // split into two planes.
  void (*split_pairs)(const PlaneView& src_pairs, uint8_t* dst_a, ptrdiff_t stride_a,
                      uint8_t* dst_b, ptrdiff_t stride_b);

  void (*audio_stats_f32)(const float* samples, size_t count, size_t window,
                          float clip_level, AudioWindowStats* out);
  void (*audio_stats_s16)(const int16_t* samples, size_t frames, int channels,
                          size_t window, int32_t clip_level_s16, AudioWindowStats* out);
  void (*tone_blocks_f32)(const float* samples, size_t count, size_t block,
                          const double* cos_table, const double* sin_table, ToneBlock* out);
};

// Tables that exist in this build (nullptr when the ISA is not compiled in).
const KernelTable* table_for(SimdLevel level);
// Whether this CPU can run `level` (and it is compiled in).
bool level_supported(SimdLevel level);
// The best level this CPU supports.
SimdLevel best_level();
// Parses "scalar" | "sse2" | "avx2" | "neon"; false when unknown.
bool parse_level(const char* text, SimdLevel* out);
const char* level_name(SimdLevel level);

}  // namespace vq
