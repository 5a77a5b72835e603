#include "harness.h"

namespace vqtest {

int g_failures = 0;

std::vector<Case>& registry() {
  static std::vector<Case> cases;
  return cases;
}

std::vector<const vq::KernelTable*> simd_tables() {
  std::vector<const vq::KernelTable*> out;
  for (vq::SimdLevel l : {vq::SimdLevel::SSE2, vq::SimdLevel::AVX2, vq::SimdLevel::NEON}) {
    if (vq::level_supported(l)) out.push_back(vq::table_for(l));
  }
  return out;
}

const vq::KernelTable& scalar_table() { return *vq::table_for(vq::SimdLevel::Scalar); }

OwnedPlane random_plane(std::mt19937_64& rng, int32_t width, int32_t height, ptrdiff_t stride,
                        int unit_bytes) {
  OwnedPlane p;
  p.width = width;
  p.height = height;
  p.stride = stride;
  p.bytes.resize(static_cast<size_t>((height - 1) * stride + width * unit_bytes));
  for (auto& b : p.bytes) b = static_cast<uint8_t>(rng());
  return p;
}

OwnedPlane perturbed(std::mt19937_64& rng, const OwnedPlane& base, ptrdiff_t stride, int amount) {
  OwnedPlane p;
  p.width = base.width;
  p.height = base.height;
  p.stride = stride;
  p.bytes.resize(static_cast<size_t>((base.height - 1) * stride + base.width));
  for (int32_t y = 0; y < base.height; ++y) {
    for (int32_t x = 0; x < base.width; ++x) {
      int v = base.bytes[y * base.stride + x];
      if (static_cast<int>(rng() % 100) < amount) v = static_cast<int>(rng() & 255);
      p.bytes[y * stride + x] = static_cast<uint8_t>(v);
    }
  }
  return p;
}

std::vector<std::pair<int32_t, int32_t>> test_sizes() {
  return {{1, 1},    {2, 2},    {3, 5},    {7, 3},     {15, 9},    {16, 16},  {17, 17},
          {31, 7},   {32, 8},   {33, 33},  {47, 11},   {63, 2},    {64, 64},  {65, 3},
          {100, 37}, {129, 17}, {255, 9},  {257, 31},  {640, 360}, {721, 13}, {1920, 34},
          {4099, 3}, {3, 4099}, {8191, 2}};
}

}  // namespace vqtest

int main(int argc, char** argv) {
  const char* filter = argc > 1 ? argv[1] : nullptr;
  int run = 0;
  std::printf("SIMD levels under test:");
  for (auto* t : vqtest::simd_tables()) std::printf(" %s", t->name);
  std::printf(" (best: %s)\n", vq::level_name(vq::best_level()));
  for (const auto& c : vqtest::registry()) {
    if (filter && !std::strstr(c.name, filter)) continue;
    const int before = vqtest::g_failures;
    c.fn();
    ++run;
    std::printf("%s %s\n", vqtest::g_failures == before ? "ok  " : "FAIL", c.name);
  }
  std::printf("%d tests, %d failed checks\n", run, vqtest::g_failures);
  return vqtest::g_failures == 0 && run > 0 ? 0 : 1;
}
