// Scalar building blocks shared by every ISA's audio.cpp (internal linkage, like
// video_common.h). They define the canonical order the contract in kernels.h describes:
// SIMD code runs the same arithmetic lane by lane and hands its tails to these helpers.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "kernels.h"

namespace vq {
namespace {

constexpr size_t kAudioLanes = 8;  // the canonical number of partial sums

// ((a0+a1)+(a2+a3)) + ((a4+a5)+(a6+a7)): the fixed combination of the 8 partial sums.
inline double combine8(const double* a) {
  return ((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7]));
}

// Float window state; i counts samples from the window start.
struct F32Window {
  double acc[kAudioLanes] = {0, 0, 0, 0, 0, 0, 0, 0};
  float peak = 0.0f;
  uint32_t clipped = 0;

  void add(size_t i, float x, float clip) {
    const double d = static_cast<double>(x);
    acc[i % kAudioLanes] += d * d;
    const float a = std::fabs(x);
    if (a > peak) peak = a;  // false for NaN: NaN never becomes the peak
    if (a >= clip) ++clipped;
  }
  AudioWindowStats result() const { return {combine8(acc), peak, clipped}; }
};

// s16 per-channel state: exact integer sums.
struct S16Channel {
  uint64_t sumsq = 0;
  uint32_t peak = 0;  // max |x|, 0..32768
  uint32_t clipped = 0;

  void add(int16_t x, int32_t clip) {
    const int32_t v = x;
    const uint32_t a = static_cast<uint32_t>(v < 0 ? -v : v);
    sumsq += static_cast<uint64_t>(static_cast<int64_t>(v) * v);
    if (a > peak) peak = a;
    if (static_cast<int32_t>(a) >= clip) ++clipped;
  }
  void merge(uint64_t sq, uint32_t pk, uint32_t cl) {
    sumsq += sq;
    if (pk > peak) peak = pk;
    clipped += cl;
  }
  AudioWindowStats result() const {
    return {static_cast<double>(sumsq) / 1073741824.0, static_cast<float>(peak) / 32768.0f,
            clipped};
  }
};

// SIMD s16 code reads 8 interleaved values per step. With `channels` not dividing 8 the
// channel of a lane changes from step to step and repeats every period_steps() steps, so
// SIMD code keeps that many sets of lane accumulators; lane l of step k belongs to
// channel (k * 8 + l) % channels.
inline size_t gcd_size(size_t a, size_t b) {
  while (b != 0) {
    const size_t t = a % b;
    a = b;
    b = t;
  }
  return a;
}
inline size_t s16_period_steps(int channels) {
  return static_cast<size_t>(channels) / gcd_size(kAudioLanes, static_cast<size_t>(channels));
}
constexpr size_t kMaxS16PeriodSteps = 64;  // channels <= 64

// Tone block state.
struct ToneState {
  double c[kAudioLanes] = {0, 0, 0, 0, 0, 0, 0, 0};
  double s[kAudioLanes] = {0, 0, 0, 0, 0, 0, 0, 0};
  double q[kAudioLanes] = {0, 0, 0, 0, 0, 0, 0, 0};

  void add(size_t i, float x, double cs, double sn) {
    const double d = static_cast<double>(x);
    c[i % kAudioLanes] += d * cs;
    s[i % kAudioLanes] += d * sn;
    q[i % kAudioLanes] += d * d;
  }
  ToneBlock result() const { return {combine8(c), combine8(s), combine8(q)}; }
};

}  // namespace
}  // namespace vq
