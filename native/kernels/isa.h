// Per-ISA entry points. Each ISA folder defines these in its own namespace
// (vq::scalar, vq::sse2, vq::avx2, vq::neon) and lists them in its table.cpp.
#pragma once

#include "kernels.h"

#define VQ_DECLARE_ISA_KERNELS(ns)                                                          \
  namespace vq::ns {                                                                        \
  void luma_fused(const PlaneView& cur, const PlaneRef& prev, const PlaneRef& ref,          \
                  const LumaOptions& opts, LumaResult* out);                                \
  void chroma_fused(const PlaneView& u, const PlaneView& v, const PlaneRef& prev_u,         \
                    const PlaneRef& prev_v, const PlaneRef& ref_u, const PlaneRef& ref_v,   \
                    const ChromaOptions& opts, ChromaResult* out);                          \
  uint64_t sad_plane(const PlaneView& a, const PlaneRef& b);                                \
  void copy_plane(const PlaneView& src, uint8_t* dst, ptrdiff_t dst_stride);                \
  void copy_plane_half(const PlaneView& src, uint8_t* dst, ptrdiff_t dst_stride);           \
  void split_pairs(const PlaneView& src_pairs, uint8_t* dst_a, ptrdiff_t stride_a,          \
                   uint8_t* dst_b, ptrdiff_t stride_b);                                     \
  void audio_stats_f32(const float* samples, size_t count, size_t window, float clip_level, \
                       AudioWindowStats* out);                                              \
  void audio_stats_s16(const int16_t* samples, size_t frames, int channels, size_t window,  \
                       int32_t clip_level_s16, AudioWindowStats* out);                      \
  void tone_blocks_f32(const float* samples, size_t count, size_t block,                    \
                       const double* cos_table, const double* sin_table, ToneBlock* out);   \
  extern const KernelTable kTable;                                                          \
  }

VQ_DECLARE_ISA_KERNELS(scalar)
#if defined(__x86_64__) || defined(_M_X64)
VQ_DECLARE_ISA_KERNELS(sse2)
VQ_DECLARE_ISA_KERNELS(avx2)
#endif
#if defined(__aarch64__)
VQ_DECLARE_ISA_KERNELS(neon)
#endif

// Every ISA's table.cpp is this one line plus its namespace.
#define VQ_DEFINE_ISA_TABLE(ns, LEVEL, NAME)                                                   \
  namespace vq::ns {                                                                           \
  const KernelTable kTable = {LEVEL,           NAME,          &luma_fused,      &chroma_fused, \
                              &sad_plane,      &copy_plane,   &copy_plane_half, &split_pairs,  \
                              &audio_stats_f32, &audio_stats_s16, &tone_blocks_f32};           \
  }
