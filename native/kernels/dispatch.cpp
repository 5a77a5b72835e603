// Run-time choice of the kernel table: CPU features decide, VQMON_SIMD may override
// (handled by the addon so that a bad value becomes a JS error, not a silent fallback).
#include <cstring>
#include <initializer_list>

#include "isa.h"

#if defined(__x86_64__) || defined(_M_X64)
#include <cpuid.h>
#endif

namespace vq {
namespace {

#if defined(__x86_64__) || defined(_M_X64)
// AVX2 needs the CPU flag and the OS saving YMM state (OSXSAVE + XCR0 bits 1 and 2).
bool cpu_has_avx2() {
  unsigned a, b, c, d;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return false;
  const bool osxsave = (c & (1u << 27)) != 0;
  const bool avx = (c & (1u << 28)) != 0;
  if (!osxsave || !avx) return false;
  unsigned xcr0_lo, xcr0_hi;
  __asm__ volatile("xgetbv" : "=a"(xcr0_lo), "=d"(xcr0_hi) : "c"(0));
  if ((xcr0_lo & 0x6) != 0x6) return false;
  if (__get_cpuid_max(0, nullptr) < 7) return false;
  __cpuid_count(7, 0, a, b, c, d);
  return (b & (1u << 5)) != 0;
}

#endif

}  // namespace

const KernelTable* table_for(SimdLevel level) {
  switch (level) {
    case SimdLevel::Scalar:
      return &scalar::kTable;
#if defined(__x86_64__) || defined(_M_X64)
    case SimdLevel::SSE2:
      return &sse2::kTable;  // part of the x86-64 baseline
    case SimdLevel::AVX2:
      return &avx2::kTable;
#endif
#if defined(__aarch64__)
    case SimdLevel::NEON:
      return &neon::kTable;  // part of the AArch64 baseline
#endif
    default:
      return nullptr;
  }
}

bool level_supported(SimdLevel level) {
  if (table_for(level) == nullptr) return false;
#if defined(__x86_64__) || defined(_M_X64)
  if (level == SimdLevel::AVX2) {
    static const bool avx2 = cpu_has_avx2();
    return avx2;
  }
#endif
  return true;
}

SimdLevel best_level() {
  for (SimdLevel l : {SimdLevel::AVX2, SimdLevel::NEON, SimdLevel::SSE2}) {
    if (level_supported(l)) return l;
  }
  return SimdLevel::Scalar;
}

bool parse_level(const char* text, SimdLevel* out) {
  static const struct {
    const char* name;
    SimdLevel level;
  } kNames[] = {{"scalar", SimdLevel::Scalar},
                {"sse2", SimdLevel::SSE2},
                {"avx2", SimdLevel::AVX2},
                {"neon", SimdLevel::NEON}};
  if (text == nullptr) return false;
  for (const auto& n : kNames) {
    if (std::strcmp(text, n.name) == 0) {
      *out = n.level;
      return true;
    }
  }
  return false;
}

const char* level_name(SimdLevel level) {
  switch (level) {
    case SimdLevel::Scalar: return "scalar";
    case SimdLevel::SSE2: return "sse2";
    case SimdLevel::AVX2: return "avx2";
    case SimdLevel::NEON: return "neon";
  }
  return "unknown";
}

GradientCounts gradient_counts(int32_t x0, int32_t x1, int32_t y0, int32_t y1) {
  // Horizontal gradients exist for x >= 1 in every row of the span; vertical ones for
  // y >= 1 in every column of it.
  struct Split {
    uint64_t grid, off, grid16;
  };
  auto split = [](int64_t lo, int64_t hi) {
    Split s{0, 0, 0};
    if (lo < 1) lo = 1;
    if (hi <= lo) return s;
    auto multiples = [&](int64_t m) { return (hi + m - 1) / m - (lo + m - 1) / m; };
    s.grid = static_cast<uint64_t>(multiples(8));
    s.grid16 = static_cast<uint64_t>(multiples(16));
    s.off = static_cast<uint64_t>(hi - lo) - s.grid;
    return s;
  };
  const Split h = split(x0, x1);
  const Split v = split(y0, y1);
  const uint64_t rows = y1 > y0 ? static_cast<uint64_t>(y1 - y0) : 0;
  const uint64_t cols = x1 > x0 ? static_cast<uint64_t>(x1 - x0) : 0;
  return GradientCounts{h.grid * rows, h.off * rows, v.grid * cols,
                        v.off * cols,  h.grid16 * rows, v.grid16 * cols};
}

}  // namespace vq
