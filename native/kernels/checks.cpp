#include "checks.h"

#include <cinttypes>
#include <cmath>
#include <cstdarg>
#include <cstdio>

namespace vq {

void set_failure(Failure* fail, const char* code, const char* fmt, ...) {
  fail->code = code;
  va_list args;
  va_start(args, fmt);
  std::vsnprintf(fail->message, sizeof(fail->message), fmt, args);
  va_end(args);
}

bool check_plane(const char* what, int64_t width, int64_t height, int64_t stride,
                 int64_t offset, uint64_t buffer_bytes, int64_t unit_bytes, Failure* fail) {
  if (width < 1 || height < 1 || width > kMaxDimension || height > kMaxDimension) {
    set_failure(fail, "ERR_VQMON_INVALID_DIMENSIONS",
                "%s: size %" PRId64 "x%" PRId64 " is outside 1..%" PRId64 " per side", what, width,
                height, kMaxDimension);
    return false;
  }
  const int64_t row_bytes = width * unit_bytes;
  if (stride < row_bytes || stride > kMaxStride) {
    set_failure(fail, "ERR_VQMON_INVALID_STRIDE",
                "%s: stride %" PRId64 " must be at least the row size %" PRId64
                " bytes and at most %" PRId64 " (negative strides are not supported)",
                what, stride, row_bytes, kMaxStride);
    return false;
  }
  if (offset < 0) {
    set_failure(fail, "ERR_VQMON_OUT_OF_BOUNDS", "%s: offset %" PRId64 " is negative", what,
                offset);
    return false;
  }
  // All terms are bounded above (2^15 * 2^30 + 2^31 ...), so int64 cannot overflow here
  // once offset is bounded by the buffer size.
  if (static_cast<uint64_t>(offset) > buffer_bytes) {
    set_failure(fail, "ERR_VQMON_OUT_OF_BOUNDS",
                "%s: offset %" PRId64 " is past the end of its %" PRIu64 "-byte buffer", what,
                offset, buffer_bytes);
    return false;
  }
  const uint64_t needed =
      static_cast<uint64_t>(offset) + static_cast<uint64_t>(height - 1) * static_cast<uint64_t>(stride) +
      static_cast<uint64_t>(row_bytes);
  if (needed > buffer_bytes) {
    set_failure(fail, "ERR_VQMON_OUT_OF_BOUNDS",
                "%s: %" PRId64 "x%" PRId64 " plane with stride %" PRId64 " at offset %" PRId64
                " needs %" PRIu64 " bytes but its buffer has %" PRIu64,
                what, width, height, stride, offset, needed, buffer_bytes);
    return false;
  }
  return true;
}

bool check_tiles(int64_t cols, int64_t rows, Failure* fail) {
  if (cols < 1 || rows < 1 || cols > kMaxTileAxis || rows > kMaxTileAxis) {
    set_failure(fail, "ERR_VQMON_INVALID_ARG",
                "tiles: %" PRId64 "x%" PRId64 " is outside 1..%d per axis", cols, rows,
                kMaxTileAxis);
    return false;
  }
  return true;
}

bool check_same_size(const char* what, int64_t w, int64_t h, int64_t expect_w, int64_t expect_h,
                     Failure* fail) {
  if (w != expect_w || h != expect_h) {
    set_failure(fail, "ERR_VQMON_SIZE_MISMATCH",
                "%s: size %" PRId64 "x%" PRId64 " differs from the frame's %" PRId64 "x%" PRId64,
                what, w, h, expect_w, expect_h);
    return false;
  }
  return true;
}

bool check_range(const char* what, double value, double lo, double hi, Failure* fail) {
  if (!(value >= lo && value <= hi)) {  // also false for NaN
    set_failure(fail, "ERR_VQMON_INVALID_ARG", "%s: %g is outside %g..%g", what, value, lo, hi);
    return false;
  }
  return true;
}

bool check_span(const char* what, uint64_t count, uint64_t elem_bytes, uint64_t offset,
                uint64_t buffer_bytes, Failure* fail) {
  if (elem_bytes == 0 || offset > buffer_bytes || count > (buffer_bytes - offset) / elem_bytes) {
    set_failure(fail, "ERR_VQMON_OUT_OF_BOUNDS",
                "%s: %" PRIu64 " elements of %" PRIu64 " bytes at offset %" PRIu64
                " do not fit in a %" PRIu64 "-byte buffer",
                what, count, elem_bytes, offset, buffer_bytes);
    return false;
  }
  return true;
}

bool check_output(const char* what, uint64_t needed, uint64_t have, Failure* fail) {
  if (needed > have) {
    set_failure(fail, "ERR_VQMON_OUTPUT_TOO_SMALL",
                "%s: needs %" PRIu64 " elements but has %" PRIu64, what, needed, have);
    return false;
  }
  return true;
}

}  // namespace vq
