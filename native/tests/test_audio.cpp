// Audio kernels: every SIMD level bit for bit against scalar (odd counts, windows that
// do not divide the buffer, NaN, clipping, every channel count), the scalar reference
// against a plain computation, and the A/V-sync detectors on synthetic signals.
#include <cmath>
#include <cstring>
#include <limits>

#include "harness.h"
#include "shared/sync_detect.h"

using namespace vqtest;

namespace {

bool same_stats(const std::vector<vq::AudioWindowStats>& a,
                const std::vector<vq::AudioWindowStats>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    // memcmp on the fields (NaN sums compare equal when their bits do).
    if (std::memcmp(&a[i].sumsq, &b[i].sumsq, sizeof(double)) != 0) return false;
    if (std::memcmp(&a[i].peak, &b[i].peak, sizeof(float)) != 0) return false;
    if (a[i].clipped != b[i].clipped) return false;
  }
  return true;
}

std::vector<float> random_f32(std::mt19937_64& rng, size_t n, bool with_nan) {
  std::uniform_real_distribution<float> d(-1.2f, 1.2f);
  std::vector<float> v(n);
  for (auto& x : v) x = d(rng);
  if (with_nan && n > 0) {
    for (int k = 0; k < 3; ++k) v[rng() % n] = std::numeric_limits<float>::quiet_NaN();
  }
  return v;
}

}  // namespace

VQ_TEST(audio_f32_matches_scalar) {
  std::mt19937_64 rng(7);
  for (size_t count : {size_t{0}, size_t{1}, size_t{7}, size_t{8}, size_t{9}, size_t{63},
                       size_t{1000}, size_t{48000}, size_t{48017}}) {
    for (size_t window : {size_t{1}, size_t{3}, size_t{8}, size_t{480}, size_t{1023}, size_t{100000}}) {
      for (bool nan : {false, true}) {
        // Misaligned on purpose: start one float into the allocation.
        std::vector<float> buf = random_f32(rng, count + 1, false);
        std::vector<float> s = random_f32(rng, count, nan);
        if (count > 0) std::memcpy(buf.data() + 1, s.data(), count * sizeof(float));
        const float* p = buf.data() + 1;
        const size_t windows = (count + window - 1) / window;
        std::vector<vq::AudioWindowStats> expect(windows), got(windows);
        scalar_table().audio_stats_f32(p, count, window, 0.999f, expect.data());
        for (auto* t : simd_tables()) {
          t->audio_stats_f32(p, count, window, 0.999f, got.data());
          VQ_CHECK(same_stats(expect, got), "%s count %zu window %zu nan %d", t->name, count, window, nan);
        }
      }
    }
  }
}

VQ_TEST(audio_f32_reference_values) {
  // Known window: peak, clip count and a sum of squares within rounding of a plain sum.
  std::vector<float> s = {0.5f, -1.0f, 0.25f, std::numeric_limits<float>::quiet_NaN(), -0.999f, 0.0f};
  vq::AudioWindowStats st[2];
  scalar_table().audio_stats_f32(s.data(), 3, 3, 0.999f, st);
  VQ_CHECK(st[0].peak == 1.0f && st[0].clipped == 1, "peak %g clipped %u", st[0].peak, st[0].clipped);
  VQ_CHECK(std::fabs(st[0].sumsq - (0.25 + 1.0 + 0.0625)) < 1e-12, "sumsq %g", st[0].sumsq);
  scalar_table().audio_stats_f32(s.data() + 3, 3, 8, 0.999f, st);
  VQ_CHECK(st[0].peak == 0.999f && st[0].clipped == 1, "NaN ignored: peak %g clipped %u", st[0].peak, st[0].clipped);
  VQ_CHECK(std::isnan(st[0].sumsq), "NaN reaches sumsq");
}

VQ_TEST(audio_s16_matches_scalar_and_reference) {
  std::mt19937_64 rng(11);
  for (int channels : {1, 2, 3, 4, 5, 6, 7, 8, 12, 16, 24, 63, 64}) {
    for (size_t frames : {size_t{0}, size_t{1}, size_t{5}, size_t{17}, size_t{1001}, size_t{4800}}) {
      for (size_t window : {size_t{1}, size_t{7}, size_t{480}, size_t{5000}}) {
        std::vector<int16_t> s(frames * channels);
        for (auto& x : s) {
          const uint64_t r = rng();
          x = (r % 16 == 0) ? (r % 32 == 0 ? -32768 : 32767) : static_cast<int16_t>(r >> 20);
        }
        const int32_t clip = 1 + static_cast<int32_t>(rng() % 32768);
        const size_t windows = (frames + window - 1) / window;
        std::vector<vq::AudioWindowStats> expect(windows * channels), got(windows * channels);
        scalar_table().audio_stats_s16(s.data(), frames, channels, window, clip, expect.data());
        for (auto* t : simd_tables()) {
          t->audio_stats_s16(s.data(), frames, channels, window, clip, got.data());
          VQ_CHECK(same_stats(expect, got), "%s channels %d frames %zu window %zu", t->name,
                   channels, frames, window);
        }
        // Plain per-channel computation for the first window.
        if (windows > 0) {
          const size_t n = std::min(window, frames);
          for (int c = 0; c < channels; ++c) {
            int64_t sq = 0;
            int peak = 0;
            uint32_t clipped = 0;
            for (size_t f = 0; f < n; ++f) {
              const int v = s[f * channels + c];
              sq += static_cast<int64_t>(v) * v;
              peak = std::max(peak, std::abs(v));
              clipped += std::abs(v) >= clip;
            }
            const vq::AudioWindowStats& e = expect[c];
            VQ_CHECK(e.sumsq == static_cast<double>(sq) / 1073741824.0 &&
                         e.peak == static_cast<float>(peak) / 32768.0f && e.clipped == clipped,
                     "reference channel %d of %d", c, channels);
          }
        }
      }
    }
  }
}

VQ_TEST(tone_blocks_match_scalar) {
  std::mt19937_64 rng(13);
  for (size_t count : {size_t{0}, size_t{5}, size_t{240}, size_t{4801}, size_t{48000}}) {
    for (size_t block : {size_t{1}, size_t{7}, size_t{240}, size_t{241}}) {
      std::vector<float> s = random_f32(rng, count, false);
      std::vector<double> c(block), sn(block);
      vq::tone_tables(1000, 48000, block, c.data(), sn.data());
      const size_t blocks = (count + block - 1) / block;
      std::vector<vq::ToneBlock> expect(blocks), got(blocks);
      scalar_table().tone_blocks_f32(s.data(), count, block, c.data(), sn.data(), expect.data());
      for (auto* t : simd_tables()) {
        t->tone_blocks_f32(s.data(), count, block, c.data(), sn.data(), got.data());
        VQ_CHECK(blocks == 0 || std::memcmp(expect.data(), got.data(), blocks * sizeof(vq::ToneBlock)) == 0,
                 "%s count %zu block %zu", t->name, count, block);
      }
    }
  }
}

VQ_TEST(tone_onsets_found_at_the_right_samples) {
  // 3 s at 48 kHz: low noise, 1 kHz bursts of 100 ms at 0.5 s, 1.2371 s and 2.5 s
  // (amplitude 0.3), and a 3 kHz burst at 2.0 s that must not count.
  const double rate = 48000;
  std::mt19937_64 rng(17);
  std::normal_distribution<double> noise(0, 0.003);
  std::vector<float> s(3 * 48000);
  for (size_t i = 0; i < s.size(); ++i) s[i] = static_cast<float>(noise(rng));
  const size_t starts[] = {24000, 59381, 120000};
  for (size_t st : starts) {
    for (size_t i = 0; i < 4800; ++i) s[st + i] += static_cast<float>(0.3 * std::sin(2 * M_PI * 1000 * i / rate));
  }
  for (size_t i = 0; i < 4800; ++i) s[96000 + i] += static_cast<float>(0.3 * std::sin(2 * M_PI * 3000 * i / rate));
  const size_t block = 240;
  std::vector<double> c(block), sn(block);
  vq::tone_tables(1000, rate, block, c.data(), sn.data());
  const size_t blocks = (s.size() + block - 1) / block;
  std::vector<vq::ToneBlock> tb(blocks);
  vq::table_for(vq::best_level())->tone_blocks_f32(s.data(), s.size(), block, c.data(), sn.data(), tb.data());
  int64_t onsets[16];
  const size_t n = vq::find_tone_onsets(tb.data(), blocks, block, s.data(), s.size(), 0.05, 0.5,
                                        12000, onsets, 16);
  VQ_CHECK(n == 3, "found %zu onsets", n);
  for (size_t k = 0; k < n && k < 3; ++k) {
    // Within 0.5 ms: the sine reaches half its amplitude 1/12 of a period after its start.
    VQ_CHECK(std::llabs(onsets[k] - static_cast<int64_t>(starts[k])) <= 24, "onset %zu at %lld, expected %zu",
             k, static_cast<long long>(onsets[k]), starts[k]);
  }
  // Silence and pure noise: nothing.
  std::vector<float> quiet(48000);
  for (auto& x : quiet) x = static_cast<float>(noise(rng));
  std::vector<vq::ToneBlock> qb(200);
  scalar_table().tone_blocks_f32(quiet.data(), quiet.size(), block, c.data(), sn.data(), qb.data());
  VQ_CHECK(vq::find_tone_onsets(qb.data(), 200, block, quiet.data(), quiet.size(), 0.05, 0.5, 12000, onsets, 16) == 0,
           "noise gives no onset");
}

VQ_TEST(flash_frames_found) {
  std::vector<double> m(100, 16.0);
  for (size_t i : {10, 11, 12, 50, 99}) m[i] = 235;
  m[70] = 60;  // a jump below the threshold
  size_t out[10];
  const size_t n = vq::find_flash_frames(m.data(), m.size(), 64, out, 10);
  VQ_CHECK(n == 3 && out[0] == 10 && out[1] == 50 && out[2] == 99, "found %zu", n);
  VQ_CHECK(vq::find_flash_frames(m.data(), 1, 64, out, 10) == 0, "one frame: nothing");
}
