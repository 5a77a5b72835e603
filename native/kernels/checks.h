// Argument checks done once before any kernel runs. The addon and the fuzz target call
// these; kernels themselves trust what they are given. A failed check fills a Failure with
// a stable error code (surfaced to JS as err.code) and a message a person can act on.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels.h"

namespace vq {

constexpr int64_t kMaxDimension = 32768;        // pixels per side
constexpr int64_t kMaxStride = int64_t{1} << 30;  // bytes per row

struct Failure {
  const char* code = nullptr;  // e.g. "ERR_VQMON_OUT_OF_BOUNDS"
  char message[256] = {0};
};

// A plane of width x height units of `unit_bytes` (1 for a plane, 2 for NV12 pairs)
// starting `offset` bytes into a buffer of `buffer_bytes`, rows `stride` bytes apart.
bool check_plane(const char* what, int64_t width, int64_t height, int64_t stride,
                 int64_t offset, uint64_t buffer_bytes, int64_t unit_bytes, Failure* fail);

// A destination plane (same rules; named separately for clearer messages).
inline bool check_dst_plane(const char* what, int64_t width, int64_t height, int64_t stride,
                            int64_t offset, uint64_t buffer_bytes, Failure* fail) {
  return check_plane(what, width, height, stride, offset, buffer_bytes, 1, fail);
}

bool check_tiles(int64_t cols, int64_t rows, Failure* fail);
bool check_same_size(const char* what, int64_t w, int64_t h, int64_t expect_w, int64_t expect_h,
                     Failure* fail);
bool check_range(const char* what, double value, double lo, double hi, Failure* fail);

// Audio: `count` elements of `elem_bytes` at `offset` in a buffer of `buffer_bytes`.
bool check_span(const char* what, uint64_t count, uint64_t elem_bytes, uint64_t offset,
                uint64_t buffer_bytes, Failure* fail);

// Output space: `needed` elements in an output of `have` elements.
bool check_output(const char* what, uint64_t needed, uint64_t have, Failure* fail);

void set_failure(Failure* fail, const char* code, const char* fmt, ...)
    __attribute__((format(printf, 3, 4)));

}  // namespace vq
