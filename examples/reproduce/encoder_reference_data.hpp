// The PyTorch reference files of tests/data/encoder (written by scripts/make_encoder_reference.py),
// compiled into the reproductions so that `varsphere reproduce` needs neither torch nor the
// source tree: file stem (e.g. "encoder_h1_out") -> CSV text.
#pragma once

#include <map>
#include <string>

namespace varsphere::reproduce {

const std::map<std::string, std::string>& encoder_reference_files();

}  // namespace varsphere::reproduce
