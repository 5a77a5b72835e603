#include "../isa.h"

VQ_DEFINE_ISA_TABLE(scalar, vq::SimdLevel::Scalar, "scalar")
