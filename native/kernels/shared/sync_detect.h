// A/V-sync test-signal detection on top of the kernels: tone-burst onsets from the
// per-block tone correlations (tone_blocks_f32), and flash frames from per-frame mean
// luma. Plain scalar code: it runs once per block or frame, not per sample.
#pragma once

#include <cstddef>
#include <cstdint>

#include "../kernels.h"

namespace vq {

// cos/sin of 2*pi*freq*i/rate for i in [0, block).
void tone_tables(double freq, double rate, size_t block, double* cos_table, double* sin_table);

// A block is tonal when its tone amplitude A = 2*sqrt(c^2 + s^2)/len is >= min_amplitude and
// the tone carries >= min_tone_fraction of the block's power ((A^2/2) / (sumsq/len)).
// An onset is a tonal block after a non-tonal one (or block 0), refined to the first
// sample from one block earlier with |x| >= A/2. Onsets closer than min_gap_samples to
// the previous onset are dropped. Writes up to max onsets; returns how many.
size_t find_tone_onsets(const ToneBlock* blocks, size_t n_blocks, size_t block,
                        const float* samples, size_t count, double min_amplitude,
                        double min_tone_fraction, size_t min_gap_samples, int64_t* onsets,
                        size_t max);

// Frame i (i >= 1) is a flash when means[i] >= means[i-1] + min_jump: the first frame of a
// bright run. Writes up to max indices; returns how many.
size_t find_flash_frames(const double* means, size_t n, double min_jump, size_t* out, size_t max);

}  // namespace vq
