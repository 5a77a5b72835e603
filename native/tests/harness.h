// A minimal test harness: TEST registers a function, CHECK records failures with
// file:line, main() runs everything (optionally filtered by a substring argument).
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <random>
#include <vector>

#include "kernels.h"

namespace vqtest {

struct Case {
  const char* name;
  void (*fn)();
};
std::vector<Case>& registry();
extern int g_failures;

struct Registrar {
  Registrar(const char* name, void (*fn)()) { registry().push_back({name, fn}); }
};

#define VQ_TEST(name)                                      \
  static void name();                                      \
  static ::vqtest::Registrar name##_registrar(#name, name); \
  static void name()

#define VQ_CHECK(cond, ...)                                                   \
  do {                                                                        \
    if (!(cond)) {                                                            \
      ++::vqtest::g_failures;                                                 \
      std::fprintf(stderr, "%s:%d: CHECK(%s) failed: ", __FILE__, __LINE__, #cond); \
      std::fprintf(stderr, __VA_ARGS__);                                      \
      std::fprintf(stderr, "\n");                                             \
      if (::vqtest::g_failures > 50) std::exit(1);                            \
    }                                                                         \
  } while (0)

// The SIMD levels this machine can run, scalar excluded (each is compared with scalar).
std::vector<const vq::KernelTable*> simd_tables();
const vq::KernelTable& scalar_table();

// A plane in its own exactly-sized heap block: any read past the last row's last pixel
// leaves the allocation (ASan reports it).
struct OwnedPlane {
  std::vector<uint8_t> bytes;
  int32_t width = 0, height = 0;
  ptrdiff_t stride = 0;
  vq::PlaneView view() const { return {bytes.data(), width, height, stride}; }
  vq::PlaneRef ref() const { return {bytes.data(), stride}; }
  uint8_t* row(int32_t y) { return bytes.data() + y * stride; }
};

OwnedPlane random_plane(std::mt19937_64& rng, int32_t width, int32_t height, ptrdiff_t stride,
                        int unit_bytes = 1);
// Mostly like `base`, with some pixels changed (frame differences that look like video).
OwnedPlane perturbed(std::mt19937_64& rng, const OwnedPlane& base, ptrdiff_t stride, int amount);

// Sizes that exercise tails and odd shapes: 1x1, widths around vector multiples, big.
std::vector<std::pair<int32_t, int32_t>> test_sizes();

}  // namespace vqtest
