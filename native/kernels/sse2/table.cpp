#include "../isa.h"

VQ_DEFINE_ISA_TABLE(sse2, vq::SimdLevel::SSE2, "sse2")
