#include "sync_detect.h"

#include <cmath>

namespace vq {

void tone_tables(double freq, double rate, size_t block, double* cos_table, double* sin_table) {
  const double kPi = 3.14159265358979323846;
  const double step = 2.0 * kPi * freq / rate;
  for (size_t i = 0; i < block; ++i) {
    cos_table[i] = std::cos(step * static_cast<double>(i));
    sin_table[i] = std::sin(step * static_cast<double>(i));
  }
}

namespace {

bool tonal(const ToneBlock& b, size_t len, double min_amplitude, double min_fraction,
           double* amplitude) {
  if (len == 0 || !(b.sumsq > 0)) return false;
  const double n = static_cast<double>(len);
  const double a = 2.0 * std::sqrt(b.c * b.c + b.s * b.s) / n;
  *amplitude = a;
  return a >= min_amplitude && (a * a / 2.0) / (b.sumsq / n) >= min_fraction;
}

}  // namespace

size_t find_tone_onsets(const ToneBlock* blocks, size_t n_blocks, size_t block,
                        const float* samples, size_t count, double min_amplitude,
                        double min_tone_fraction, size_t min_gap_samples, int64_t* onsets,
                        size_t max) {
  size_t found = 0;
  bool prev_tonal = false;
  int64_t last = -1;
  for (size_t b = 0; b < n_blocks && found < max; ++b) {
    const size_t start = b * block;
    if (start >= count) break;
    const size_t len = count - start < block ? count - start : block;
    double amp = 0;
    const bool is_tonal = tonal(blocks[b], len, min_amplitude, min_tone_fraction, &amp);
    if (is_tonal && !prev_tonal) {
      // The tone may begin inside the previous (non-tonal) block: look from there.
      const size_t from = b > 0 ? start - block : 0;
      int64_t onset = static_cast<int64_t>(start);
      for (size_t i = from; i < start + len; ++i) {
        if (std::fabs(samples[i]) >= 0.5 * amp) {
          onset = static_cast<int64_t>(i);
          break;
        }
      }
      if (last < 0 || onset - last >= static_cast<int64_t>(min_gap_samples)) {
        onsets[found++] = onset;
        last = onset;
      }
    }
    prev_tonal = is_tonal;
  }
  return found;
}

size_t find_flash_frames(const double* means, size_t n, double min_jump, size_t* out, size_t max) {
  size_t found = 0;
  for (size_t i = 1; i < n && found < max; ++i) {
    if (means[i] >= means[i - 1] + min_jump) out[found++] = i;
  }
  return found;
}

}  // namespace vq
