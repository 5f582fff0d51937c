#include <varsphere/solvers/sweep.hpp>

#include <Eigen/Dense>
#include <algorithm>
#include <atomic>
#include <cmath>
#include <exception>
#include <fstream>
#include <limits>
#include <mutex>
#include <optional>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>
#include <varsphere/core/atomic_file.hpp>
#include <varsphere/core/csv.hpp>
#include <varsphere/core/error.hpp>
#include <varsphere/core/h5_table.hpp>
#include <varsphere/core/random.hpp>
#include <varsphere/core/thread_count.hpp>
#include <varsphere/core/version.hpp>
#include <varsphere/functionals/attention_energy.hpp>
#include <varsphere/functionals/attention_field.hpp>
#include <varsphere/manifolds/product.hpp>
#include <varsphere/solvers/clusters.hpp>
#include <varsphere/solvers/equiangular.hpp>
#include <varsphere/solvers/flow_integrator.hpp>
#include <varsphere/solvers/multihead_flow.hpp>

namespace varsphere {

namespace {

using json = nlohmann::json;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// ---- parameters by name ------------------------------------------------------------------------

enum class Kind { Number, Integer, Text };

struct ParameterSlot {
  Kind kind;
  double SweepParameters::*number = nullptr;
  int SweepParameters::*integer = nullptr;
  std::string SweepParameters::*text = nullptr;
};

const std::map<std::string, ParameterSlot>& parameter_slots() {
  static const std::map<std::string, ParameterSlot> slots = {
      {"model", {Kind::Text, nullptr, nullptr, &SweepParameters::model}},
      {"beta", {Kind::Number, &SweepParameters::beta}},
      {"n", {Kind::Integer, nullptr, &SweepParameters::n}},
      {"d", {Kind::Integer, nullptr, &SweepParameters::d}},
      {"T", {Kind::Number, &SweepParameters::T}},
      {"dt", {Kind::Number, &SweepParameters::dt}},
      {"scheme", {Kind::Text, nullptr, nullptr, &SweepParameters::scheme}},
      {"rtol", {Kind::Number, &SweepParameters::rtol}},
      {"atol", {Kind::Number, &SweepParameters::atol}},
      {"norm", {Kind::Text, nullptr, nullptr, &SweepParameters::norm}},
      {"ngpt_alpha", {Kind::Number, &SweepParameters::ngpt_alpha}},
      {"mask", {Kind::Text, nullptr, nullptr, &SweepParameters::mask}},
      {"alibi", {Kind::Number, &SweepParameters::alibi}},
      {"sign", {Kind::Text, nullptr, nullptr, &SweepParameters::sign}},
      {"init", {Kind::Text, nullptr, nullptr, &SweepParameters::init}},
      {"cap_angle", {Kind::Number, &SweepParameters::cap_angle}},
      {"rho", {Kind::Number, &SweepParameters::rho}},
      {"init_file", {Kind::Text, nullptr, nullptr, &SweepParameters::init_file}},
      {"A", {Kind::Text, nullptr, nullptr, &SweepParameters::A}},
      {"V", {Kind::Text, nullptr, nullptr, &SweepParameters::V}},
      {"A_file", {Kind::Text, nullptr, nullptr, &SweepParameters::A_file}},
      {"V_file", {Kind::Text, nullptr, nullptr, &SweepParameters::V_file}},
      {"weights_per", {Kind::Text, nullptr, nullptr, &SweepParameters::weights_per}},
      {"delta", {Kind::Number, &SweepParameters::delta}},
      {"heads", {Kind::Integer, nullptr, &SweepParameters::heads}},
      {"weight_process", {Kind::Text, nullptr, nullptr, &SweepParameters::weight_process}},
      {"weight_sigma", {Kind::Number, &SweepParameters::weight_sigma}},
      {"process_seed", {Kind::Number, &SweepParameters::process_seed}},
  };
  return slots;
}

SweepValue value_of(const json& v, const std::string& where) {
  if (v.is_number()) return v.get<double>();
  if (v.is_string()) return v.get<std::string>();
  throw InvalidInput("sweep spec: " + where + " must be a number or a string");
}

void assign(SweepParameters& p, const std::string& name, const SweepValue& value,
            const std::string& where) {
  const auto& slots = parameter_slots();
  const auto it = slots.find(name);
  if (it == slots.end()) throw InvalidInput("sweep spec: unknown parameter '" + where + "'");
  const ParameterSlot& slot = it->second;
  if (slot.kind == Kind::Text) {
    const auto* text = std::get_if<std::string>(&value);
    if (text == nullptr) throw InvalidInput("sweep spec: " + where + " must be a string");
    p.*slot.text = *text;
    return;
  }
  const auto* number = std::get_if<double>(&value);
  if (number == nullptr || !std::isfinite(*number)) {
    throw InvalidInput("sweep spec: " + where + " must be a finite number");
  }
  if (slot.kind == Kind::Number) {
    p.*slot.number = *number;
  } else {
    if (*number != std::round(*number) || std::abs(*number) > 1e9) {
      throw InvalidInput("sweep spec: " + where + " must be an integer");
    }
    p.*slot.integer = static_cast<int>(*number);
  }
}

// The section keys that are spelled differently from the flat parameter names.
std::string flat_name(const std::string& section, const std::string& key) {
  if (section == "init" && key == "kind") return "init";
  if (section == "init" && key == "file") return "init_file";
  if (section == "weights" && key == "per") return "weights_per";
  return key;
}

std::string resolve(const std::string& file, const std::filesystem::path& base) {
  if (file.empty()) return file;
  const std::filesystem::path p(file);
  return p.is_absolute() ? file : (base / p).string();
}

bool one_of(const std::string& s, std::initializer_list<const char*> names) {
  for (const char* n : names)
    if (s == n) return true;
  return false;
}

void check_point(const SweepParameters& p, const std::string& at) {
  auto bad = [&](const std::string& what) { throw InvalidInput("sweep spec" + at + ": " + what); };
  if (!one_of(p.model, {"sa", "usa", "multihead"})) {
    bad("model must be sa, usa or multihead, got '" + p.model + "'");
  }
  if (p.model == "multihead") {
    if (p.heads < 1 || p.heads > 10000) bad("heads must be in 1..10000");
    if (!one_of(p.weight_process, {"frozen", "ornstein-uhlenbeck"})) {
      bad("weight_process must be frozen or ornstein-uhlenbeck");
    }
    if (!(p.weight_sigma >= 0)) bad("weight_sigma must be >= 0");
    if (!(p.process_seed >= 0) || p.process_seed != std::floor(p.process_seed)) {
      bad("process_seed must be an integer >= 0");
    }
    if (p.norm != "post" || p.mask != "none" || p.alibi != 0 || p.scheme != "euler-renormalize") {
      bad("multihead runs take scheme euler-renormalize, norm post, no mask or alibi (their own step)");
    }
  }
  if (!(p.beta >= 0)) bad("beta must be >= 0");
  if (p.n < 1) bad("n must be >= 1");
  if (p.d < 2) bad("d must be >= 2");
  if (!(p.T > 0)) bad("T must be > 0");
  if (!(p.dt > 0)) bad("dt must be > 0");
  if (p.T / p.dt > 1e7) bad("T/dt exceeds 10^7 steps per run");
  if (!one_of(p.scheme, {"rk4", "dopri5", "geodesic-euler", "euler-renormalize"})) {
    bad("scheme must be rk4, dopri5, geodesic-euler or euler-renormalize, got '" + p.scheme + "'");
  }
  if (!(p.rtol > 0) || !(p.atol > 0)) bad("rtol and atol must be > 0");
  if (!one_of(p.norm, {"post", "pre", "peri", "ngpt"})) bad("norm must be post, pre, peri or ngpt");
  if (!(p.ngpt_alpha > 0)) bad("ngpt_alpha must be > 0");
  if (!one_of(p.mask, {"none", "causal", "strict-causal"})) bad("mask must be none, causal or strict-causal");
  if (!(p.alibi >= 0)) bad("alibi must be >= 0");
  if (!one_of(p.sign, {"ascent", "descent"})) bad("sign must be ascent or descent");
  if (!one_of(p.init, {"uniform", "cap", "equiangular", "clustered", "file"})) {
    bad("init kind must be uniform, cap, equiangular, clustered or file, got '" + p.init + "'");
  }
  if (p.init == "cap" && !(p.cap_angle > 0 && p.cap_angle <= M_PI)) bad("cap_angle must be in (0, pi]");
  if (p.init == "equiangular") {
    if (p.n > p.d) bad("equiangular initial conditions need n <= d");
    if (!(p.rho < 1) || !(p.rho > (p.n > 1 ? -1.0 / (p.n - 1) : -1.0))) {
      bad("rho must be in (-1/(n-1), 1)");
    }
  }
  if (p.init == "file" && p.init_file.empty()) bad("init kind 'file' needs init.file");
  const auto weights = {"identity", "gaussian", "goe", "wishart", "signed-normalized", "anisotropic",
                        "file"};
  if (!one_of(p.A, weights)) {
    bad("weights.A must be identity, gaussian, goe, wishart, signed-normalized, anisotropic or file");
  }
  if (!one_of(p.V, weights) && p.V != "tied") bad("weights.V must be one of the A kinds or tied");
  if (p.A == "file" && p.A_file.empty()) bad("weights.A = file needs weights.A_file");
  if (p.V == "file" && p.V_file.empty()) bad("weights.V = file needs weights.V_file");
  if (!one_of(p.weights_per, {"run", "point"})) bad("weights.per must be run or point");
  if (p.mask != "none" && p.norm != "post") bad("masks need norm post");
  if (p.scheme == "euler-renormalize" && p.norm != "post") bad("euler-renormalize needs norm post");
  if ((p.norm == "pre" || p.norm == "peri") && !one_of(p.scheme, {"rk4", "dopri5"})) {
    bad("norm pre/peri needs scheme rk4 or dopri5");
  }
}

std::uint64_t fnv1a(const std::string& text) {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

std::uint64_t splitmix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

/// The seed of stream `purpose` (0 initial condition, 1 weights) of (grid point, seed index).
std::uint64_t derive_seed(std::uint64_t base, std::uint64_t grid, std::uint64_t seed_index,
                          std::uint64_t purpose) {
  return splitmix(splitmix(splitmix(splitmix(base) ^ grid) ^ seed_index) ^ purpose);
}

// Fixed-step schemes save only at step times: each observation time must be one.
void check_times_on_steps(const SweepParameters& p, const std::vector<double>& times,
                          const std::string& at) {
  if (p.scheme == "dopri5") return;
  const double steps = std::ceil(p.T / p.dt - 1e-9);
  const double h = p.T / steps;
  for (double t : times) {
    const double k = t / h;
    if (std::abs(k - std::round(k)) > 1e-9 * std::max(1.0, k)) {
      std::ostringstream why;
      why << "sweep spec" << at << ": observation time " << t << " is not a step time of "
          << p.scheme << " with dt = " << h << " (T/ceil(T/dt)); use dopri5 or other times";
      throw InvalidInput(why.str());
    }
  }
}

Eigen::MatrixXd random_weight(const std::string& kind, const std::string& file, double delta,
                              Rng& rng, int d) {
  const double sd = std::sqrt(static_cast<double>(d));
  if (kind == "identity") return Eigen::MatrixXd::Identity(d, d);
  if (kind == "anisotropic") {
    Eigen::MatrixXd D = Eigen::MatrixXd::Identity(d, d);
    D(d - 1, d - 1) = delta;
    return D;
  }
  if (kind == "gaussian") return rng.normal_matrix(d, d) * rng.normal_matrix(d, d) / sd;
  if (kind == "goe") {
    const Eigen::MatrixXd G = rng.normal_matrix(d, d);
    return (G + G.transpose()) / std::sqrt(2.0 * d);
  }
  if (kind == "wishart") {
    const Eigen::MatrixXd G = rng.normal_matrix(d, d);
    return G * G.transpose() / sd;
  }
  if (kind == "signed-normalized") {
    const Eigen::MatrixXd G = rng.normal_matrix(d, d);
    const double sign = rng.uniform() < 0.5 ? -1.0 : 1.0;
    return sign * G / Eigen::JacobiSVD<Eigen::MatrixXd>(G).singularValues()(0);
  }
  return read_square_matrix(file, d);
}

Eigen::MatrixXd initial_condition(const SweepParameters& p, Rng& rng) {
  if (p.init == "uniform") return product::random_point(rng, p.d, p.n);
  if (p.init == "clustered") return clustered_start(p.d, p.n, rng);
  if (p.init == "file") return read_points(p.init_file);
  if (p.init == "cap") {
    // Uniform in the cap {angle to e_1 ≤ a}: the angle θ has density ∝ sin^{d−2}θ on [0, a]
    // (rejection from the uniform law, accepted with (sin θ / max sin)^{d−2}), the direction
    // orthogonal to e_1 is uniform on S^{d−2}.
    Eigen::MatrixXd X(p.d, p.n);
    const double top = std::sin(std::min(p.cap_angle, M_PI / 2));
    for (int i = 0; i < p.n; ++i) {
      double theta = 0;
      do {
        theta = p.cap_angle * rng.uniform();
      } while (rng.uniform() > std::pow(std::sin(theta) / top, p.d - 2));
      Eigen::VectorXd w = rng.normal_vector(p.d - 1);
      while (w.norm() < 1e-300) w = rng.normal_vector(p.d - 1);
      X(0, i) = std::cos(theta);
      X.col(i).tail(p.d - 1) = std::sin(theta) * w / w.norm();
    }
    return X;
  }
  // Equiangular with ⟨x_i, x_j⟩ = ρ, then a uniformly random rotation (QR of a Gaussian matrix
  // with the signs of R's diagonal moved into Q).
  const Eigen::MatrixXd E = equiangular_configuration(p.d, p.n, p.rho);
  const Eigen::HouseholderQR<Eigen::MatrixXd> qr(rng.normal_matrix(p.d, p.d));
  Eigen::MatrixXd Q = qr.householderQ();
  const Eigen::MatrixXd R = qr.matrixQR().triangularView<Eigen::Upper>();
  for (int c = 0; c < p.d; ++c)
    if (R(c, c) < 0) Q.col(c) = -Q.col(c);
  return normalize_columns(Q * E);
}

// ---- journal files ------------------------------------------------------------------------------

constexpr char kRunMagic[8] = {'V', 'S', 'R', 'U', 'N', '0', '2', '\n'};

}  // namespace

// ---- spec ---------------------------------------------------------------------------------------

int SweepSpec::grid_size() const {
  long long size = 1;
  for (const auto& axis : axes) size *= static_cast<long long>(axis.values.size());
  return static_cast<int>(size);
}

std::vector<int> SweepSpec::grid_coordinates(int g) const {
  std::vector<int> c(axes.size());
  for (int a = static_cast<int>(axes.size()) - 1; a >= 0; --a) {
    const int size = static_cast<int>(axes[a].values.size());
    c[a] = g % size;
    g /= size;
  }
  return c;
}

SweepParameters SweepSpec::point(int g) const {
  SweepParameters p = base;
  const std::vector<int> c = grid_coordinates(g);
  for (std::size_t a = 0; a < axes.size(); ++a) {
    assign(p, axes[a].name, axes[a].values[c[a]], "grid." + axes[a].name);
  }
  return p;
}

std::vector<double> SweepSpec::observation_times(const SweepParameters& p) const {
  if (!times.empty()) return times;
  std::vector<double> t(frames);
  for (int k = 0; k < frames; ++k) t[k] = k == frames - 1 ? p.T : p.T * k / (frames - 1);
  return t;
}

int SweepSpec::max_tokens() const {
  int n = 0;
  for (int g = 0; g < grid_size(); ++g) n = std::max(n, point(g).n);
  return n;
}

bool SweepSpec::has_multihead() const {
  for (int g = 0; g < grid_size(); ++g)
    if (point(g).model == "multihead") return true;
  return false;
}

int SweepSpec::max_dimension() const {
  int d = 0;
  for (int g = 0; g < grid_size(); ++g) d = std::max(d, point(g).d);
  return d;
}

SweepSpec parse_sweep_spec(const std::string& json_text, const std::filesystem::path& base_dir,
                           bool check_files) {
  json root;
  try {
    root = json::parse(json_text);
  } catch (const json::parse_error& e) {
    throw InvalidInput(std::string("sweep spec: not valid JSON (") + e.what() + ")");
  }
  if (!root.is_object()) throw InvalidInput("sweep spec: the top level must be a JSON object");
  SweepSpec spec;
  for (auto it = root.begin(); it != root.end(); ++it) {
    const std::string& key = it.key();
    const json& v = it.value();
    if (key == "name" || key == "description") {
      if (!v.is_string()) throw InvalidInput("sweep spec: " + key + " must be a string");
    } else if (key == "seeds") {
      if (!v.is_number_integer() || v.get<long long>() < 1 || v.get<long long>() > 100000000) {
        throw InvalidInput("sweep spec: seeds must be an integer >= 1");
      }
      spec.seeds = v.get<int>();
    } else if (key == "seed") {
      if (!v.is_number_unsigned()) throw InvalidInput("sweep spec: seed must be an integer >= 0");
      spec.seed = v.get<std::uint64_t>();
    } else if (key == "seed_derivation") {
      if (!v.is_string() || (v.get<std::string>() != "hash" && v.get<std::string>() != "offset")) {
        throw InvalidInput("sweep spec: seed_derivation must be hash or offset");
      }
      spec.seed_derivation = v.get<std::string>();
    } else if (key == "flow" || key == "init" || key == "weights") {
      if (!v.is_object()) throw InvalidInput("sweep spec: " + key + " must be an object");
      for (auto field = v.begin(); field != v.end(); ++field) {
        const std::string name = flat_name(key, field.key());
        if (key != "flow" && (name == "beta" || name == "model")) {
          throw InvalidInput("sweep spec: unknown parameter '" + key + "." + field.key() + "'");
        }
        assign(spec.base, name, value_of(field.value(), key + "." + field.key()),
               key + "." + field.key());
      }
    } else if (key == "grid") {
      if (!v.is_object()) throw InvalidInput("sweep spec: grid must be an object");
      for (auto field = v.begin(); field != v.end(); ++field) {
        if (!parameter_slots().contains(field.key())) {
          throw InvalidInput("sweep spec: unknown parameter 'grid." + field.key() + "'");
        }
        if (!field.value().is_array() || field.value().empty()) {
          throw InvalidInput("sweep spec: grid." + field.key() + " must be a non-empty list");
        }
        SweepAxis axis{field.key(), {}};
        for (const json& x : field.value()) {
          axis.values.push_back(value_of(x, "grid." + field.key()));
        }
        spec.axes.push_back(std::move(axis));
      }
    } else if (key == "observe") {
      if (!v.is_object()) throw InvalidInput("sweep spec: observe must be an object");
      for (auto field = v.begin(); field != v.end(); ++field) {
        const std::string& k = field.key();
        const json& x = field.value();
        if (k == "times") {
          if (!x.is_array() || x.size() < 1) throw InvalidInput("sweep spec: observe.times must be a non-empty list");
          for (const json& t : x) {
            if (!t.is_number() || !std::isfinite(t.get<double>()) || t.get<double>() < 0) {
              throw InvalidInput("sweep spec: observe.times must be finite numbers >= 0");
            }
            spec.times.push_back(t.get<double>());
          }
          if (!std::is_sorted(spec.times.begin(), spec.times.end()) ||
              std::adjacent_find(spec.times.begin(), spec.times.end()) != spec.times.end()) {
            throw InvalidInput("sweep spec: observe.times must be increasing");
          }
        } else if (k == "frames") {
          if (!x.is_number_integer() || x.get<long long>() < 2 || x.get<long long>() > 100000) {
            throw InvalidInput("sweep spec: observe.frames must be an integer in [2, 100000]");
          }
          spec.frames = x.get<int>();
        } else if (k == "pair_threshold" || k == "cluster_threshold") {
          if (!x.is_number() || !(x.get<double>() > -1 && x.get<double>() < 1)) {
            throw InvalidInput("sweep spec: observe." + k + " must be in (-1, 1)");
          }
          (k == "pair_threshold" ? spec.pair_threshold : spec.cluster_threshold) = x.get<double>();
        } else if (k == "final") {
          if (!x.is_boolean()) throw InvalidInput("sweep spec: observe.final must be true or false");
          spec.final_configurations = x.get<bool>();
        } else {
          throw InvalidInput("sweep spec: unknown key 'observe." + k + "'");
        }
      }
    } else {
      throw InvalidInput("sweep spec: unknown key '" + key + "' (keys: name, description, grid, "
                         "seeds, seed, seed_derivation, flow, init, weights, observe)");
    }
  }
  spec.canonical = root.dump();
  spec.hash = fnv1a(spec.canonical);
  for (const char* file : {"init_file", "A_file", "V_file"}) {
    std::string SweepParameters::*slot = parameter_slots().at(file).text;
    spec.base.*slot = resolve(spec.base.*slot, base_dir);
    for (auto& axis : spec.axes) {
      if (axis.name != file) continue;
      for (auto& value : axis.values) {
        if (auto* text = std::get_if<std::string>(&value)) *text = resolve(*text, base_dir);
      }
    }
  }
  const long long grid = [&] {
    long long size = 1;
    for (const auto& axis : spec.axes) {
      size *= static_cast<long long>(axis.values.size());
      if (size > 10000000) throw InvalidInput("sweep spec: the grid has more than 10^7 points");
    }
    return size;
  }();
  if (grid * spec.seeds > 1000000000LL) throw InvalidInput("sweep spec: more than 10^9 runs");
  // Every grid point is checked before any run: a study fails at once, not after hours.
  for (int g = 0; g < spec.grid_size(); ++g) {
    const SweepParameters p = spec.point(g);
    const std::string at = spec.axes.empty() ? "" : " (grid point " + std::to_string(g) + ")";
    check_point(p, at);
    const std::vector<double> times = spec.observation_times(p);
    if (times.back() > p.T * (1 + 1e-12)) {
      throw InvalidInput("sweep spec" + at + ": observation time " + std::to_string(times.back()) +
                         " is after T = " + std::to_string(p.T));
    }
    check_times_on_steps(p, times, at);
    if (!check_files) continue;
    if (p.init == "file") {
      const Configuration X = read_points(p.init_file);
      if (X.cols() != p.n || X.rows() != p.d) {
        throw InvalidInput("sweep spec" + at + ": init file '" + p.init_file + "' holds " +
                           std::to_string(X.cols()) + " tokens in d = " + std::to_string(X.rows()) +
                           ", the grid point has n = " + std::to_string(p.n) +
                           ", d = " + std::to_string(p.d));
      }
    }
    if (p.A == "file") read_square_matrix(p.A_file, p.d);
    if (p.V == "file") read_square_matrix(p.V_file, p.d);
  }
  return spec;
}

SweepSpec read_sweep_spec(const std::filesystem::path& path) {
  require_regular_input(path);
  std::ifstream in(path);
  if (!in) throw IoError("cannot read sweep spec '" + path.string() + "'");
  std::stringstream text;
  text << in.rdbuf();
  return parse_sweep_spec(text.str(), path.parent_path());
}

// ---- one run ------------------------------------------------------------------------------------

SweepDraw draw_sweep_run(const SweepSpec& spec, std::int64_t index) {
  if (index < 0 || index >= spec.run_count()) {
    throw InvalidInput("sweep: run " + std::to_string(index) + " is outside 0.." +
                       std::to_string(spec.run_count() - 1));
  }
  const auto grid = static_cast<std::uint64_t>(index / spec.seeds);
  const auto seed_index = static_cast<std::uint64_t>(index % spec.seeds);
  const SweepParameters p = spec.point(static_cast<int>(grid));
  const std::uint64_t weight_index =
      p.weights_per == "run" ? seed_index : std::numeric_limits<std::uint64_t>::max();
  const bool offset = spec.seed_derivation == "offset";
  Rng init_rng(offset ? spec.seed + seed_index : derive_seed(spec.seed, grid, seed_index, 0));
  Rng weight_rng(offset ? spec.seed + (p.weights_per == "run" ? seed_index : 0) + (1ull << 32)
                        : derive_seed(spec.seed, grid, weight_index, 1));
  SweepDraw draw;
  draw.X0 = initial_condition(p, init_rng);
  draw.A = random_weight(p.A, p.A_file, p.delta, weight_rng, p.d);
  draw.V = p.V == "tied" ? draw.A : random_weight(p.V, p.V_file, p.delta, weight_rng, p.d);
  return draw;
}

SweepRun run_sweep_point(const SweepSpec& spec, std::int64_t index) {
  const SweepDraw draw = draw_sweep_run(spec, index);
  SweepRun run;
  run.index = index;
  run.grid = static_cast<int>(index / spec.seeds);
  run.seed_index = static_cast<int>(index % spec.seeds);
  const SweepParameters p = spec.point(run.grid);
  const Eigen::MatrixXd& X0 = draw.X0;
  const Eigen::MatrixXd& A = draw.A;
  const Eigen::MatrixXd& V = draw.V;
  const std::vector<double> times = spec.observation_times(p);
  auto observe = [&](const Eigen::MatrixXd& X) {
    run.pair_fraction.push_back(close_pair_fraction(X, spec.pair_threshold));
    run.clusters.push_back(count_clusters(X, spec.cluster_threshold));
    run.min_inner_product.push_back(min_pairwise_inner_product(X));
  };
  Eigen::MatrixXd final_state;
  if (p.model == "multihead") {
    // Tokens and heads together; the ledger rows are the observation times (equally spaced
    // multiples of dt, checked with the spec).
    MultiHeadOptions o;
    o.dt = p.dt;
    o.sign = p.sign == "descent" ? -1.0 : 1.0;
    o.seed = p.process_seed > 0 ? static_cast<std::uint64_t>(p.process_seed) + run.seed_index
                                : derive_seed(spec.seed, run.grid, run.seed_index, 2);
    const double spacing = times.size() > 1 ? times[1] - times[0] : p.T;
    o.record_every = std::max(1, static_cast<int>(std::lround(spacing / p.dt)));
    o.record_states = true;
    const WeightProcess process = p.weight_process == "ornstein-uhlenbeck"
                                      ? WeightProcess::ornstein_uhlenbeck(p.weight_sigma)
                                      : WeightProcess::frozen();
    const MultiHeadResult result = simulate_multihead(
        X0, std::vector<Eigen::MatrixXd>(p.heads, Eigen::MatrixXd::Identity(p.d, p.d)), process,
        p.T, o);
    std::size_t k = 0;  // ledger rows and observation times both increase
    for (double t : times) {
      while (k < result.ledger.t.size() && std::abs(result.ledger.t[k] - t) > 1e-9 * std::max(1.0, t)) ++k;
      if (k == result.ledger.t.size()) {
        throw InvalidInput("sweep: observation time " + std::to_string(t) +
                           " is not on the multihead record grid (equally spaced multiples of dt)");
      }
      observe(result.trajectory.frames[k]);
      run.energy.push_back(result.ledger.energy[k]);
      run.metric_slope.push_back(result.ledger.metric_slope[k]);
    }
    final_state = result.X;
  } else {
    AttentionOptions options;
    options.normalization =
        p.model == "sa" ? AttentionNormalization::Softmax : AttentionNormalization::Unnormalized;
    options.beta = p.beta;
    options.sign = p.sign == "descent" ? -1.0 : 1.0;
    options.bias = ScoreBias{parse_attention_mask(p.mask), p.alibi, {}};
    options.threads = 1;  // runs are the unit of parallelism
    const AttentionField field(p.d, {{A, V}}, options);
    FlowOptions flow;
    flow.scheme = parse_flow_scheme(p.scheme);
    flow.dt = p.dt;
    flow.rtol = p.rtol;
    flow.atol = p.atol;
    flow.norm = parse_layer_norm(p.norm);
    flow.ngpt_alpha = p.ngpt_alpha;
    flow.record = false;
    flow.save_times = times;
    flow.max_steps = static_cast<std::size_t>(1e7);
    flow.observer = [&](double, const Eigen::MatrixXd& X) {
      observe(X);
      run.energy.push_back(attention_energy(X, A, p.beta, 1));
    };
    final_state = integrate(field, X0, 0.0, p.T, flow).final_state;
  }
  if (run.clusters.size() != times.size()) {
    throw Error("sweep: run " + std::to_string(index) + " observed " +
                std::to_string(run.clusters.size()) + " frames instead of " +
                std::to_string(times.size()));
  }
  run.merge_times.assign(std::max(p.n - 1, 0), kNaN);
  for (int k = 1; k < p.n; ++k) {
    for (std::size_t f = 0; f < times.size(); ++f) {
      if (run.clusters[f] <= k) {
        run.merge_times[k - 1] = times[f];
        break;
      }
    }
  }
  if (spec.final_configurations) run.final_state = final_state;
  return run;
}

// ---- results files ------------------------------------------------------------------------------

namespace {

const char* const kObservables[] = {"pair_fraction", "clusters", "energy", "min_inner_product",
                                    "metric_slope"};

/// The observables a spec's file has: the four of every run, and 𝒢² when a point is multihead.
int observable_count(const SweepSpec& spec) { return spec.has_multihead() ? 5 : 4; }

const std::vector<double>& observable(const SweepRun& run, int o) {
  switch (o) {
    case 0:
      return run.pair_fraction;
    case 1:
      return run.clusters;
    case 2:
      return run.energy;
    case 3:
      return run.min_inner_product;
    default:
      return run.metric_slope;
  }
}

double quantile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  const double pos = q * static_cast<double>(v.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(pos));
  const std::size_t hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (pos - static_cast<double>(lo)) * (v[hi] - v[lo]);
}

std::size_t frame_count(const SweepSpec& spec) {
  return spec.times.empty() ? static_cast<std::size_t>(spec.frames) : spec.times.size();
}

}  // namespace

H5Table sweep_results_table(const SweepResults& results, const std::string& command_line,
                            int task, int of) {
  const SweepSpec& spec = results.spec;
  const auto R = static_cast<unsigned long long>(results.runs.size());
  const std::size_t m = frame_count(spec);
  const int n_max = spec.max_tokens(), d_max = spec.max_dimension();
  H5Table table;
  table.attributes["spec"] = spec.canonical;
  table.attributes["varsphere_version"] = std::string(version());
  table.attributes["object"] = std::string("sweep results");
  if (!command_line.empty()) table.attributes["command_line"] = command_line;
  table.attributes["seeds"] = static_cast<double>(spec.seeds);
  table.attributes["grid_points"] = static_cast<double>(spec.grid_size());
  table.attributes["runs_total"] = static_cast<double>(spec.run_count());
  if (of > 1) {
    table.attributes["task"] = static_cast<double>(task);
    table.attributes["of"] = static_cast<double>(of);
  }
  H5Array index{{R}, {}}, grid{{R}, {}}, seed{{R}, {}};
  for (const SweepRun& run : results.runs) {
    index.values.push_back(static_cast<double>(run.index));
    grid.values.push_back(run.grid);
    seed.values.push_back(run.seed_index);
  }
  table.datasets["runs/index"] = index;
  table.datasets["runs/grid_index"] = grid;
  table.datasets["runs/seed_index"] = seed;
  const int observables = observable_count(spec);
  for (int o = 0; o < observables; ++o) {
    H5Array a{{R, m}, {}};
    a.values.reserve(R * m);
    for (const SweepRun& run : results.runs) {
      const std::vector<double>& v = observable(run, o);
      if (v.size() == m) {
        a.values.insert(a.values.end(), v.begin(), v.end());
      } else {
        a.values.insert(a.values.end(), m, kNaN);  // 𝒢² of a run that is not multihead
      }
    }
    table.datasets[std::string("runs/") + kObservables[o]] = std::move(a);
  }
  {
    const auto width = static_cast<unsigned long long>(std::max(n_max - 1, 0));
    H5Array a{{R, width}, std::vector<double>(R * width, kNaN)};
    for (std::size_t r = 0; r < results.runs.size(); ++r) {
      const auto& v = results.runs[r].merge_times;
      std::copy(v.begin(), v.end(), a.values.begin() + r * width);
    }
    table.datasets["runs/merge_times"] = std::move(a);
  }
  if (spec.final_configurations) {
    const auto n = static_cast<unsigned long long>(n_max), d = static_cast<unsigned long long>(d_max);
    H5Array a{{R, n, d}, std::vector<double>(R * n * d, kNaN)};
    for (std::size_t r = 0; r < results.runs.size(); ++r) {
      const Eigen::MatrixXd& X = results.runs[r].final_state;
      for (Eigen::Index i = 0; i < X.cols(); ++i)
        for (Eigen::Index c = 0; c < X.rows(); ++c) a.values[(r * n + i) * d + c] = X(c, i);
    }
    table.datasets["runs/final"] = std::move(a);
  }
  // The grid: every axis' value at every grid point (numbers; text axes as the value's index in
  // the axis, with the names in the attribute grid_<axis>), and the times of each point.
  const auto G = static_cast<unsigned long long>(spec.grid_size());
  H5Array times{{G, m}, {}};
  for (int g = 0; g < spec.grid_size(); ++g) {
    const std::vector<double> t = spec.observation_times(spec.point(g));
    times.values.insert(times.values.end(), t.begin(), t.end());
  }
  table.datasets["grid/times"] = std::move(times);
  for (std::size_t a = 0; a < spec.axes.size(); ++a) {
    const SweepAxis& axis = spec.axes[a];
    H5Array values{{G}, {}};
    std::string names;
    for (const SweepValue& v : axis.values) {
      if (const auto* text = std::get_if<std::string>(&v)) names += (names.empty() ? "" : ",") + *text;
    }
    for (int g = 0; g < spec.grid_size(); ++g) {
      const int c = spec.grid_coordinates(g)[a];
      const SweepValue& v = axis.values[c];
      values.values.push_back(std::holds_alternative<double>(v) ? std::get<double>(v) : c);
    }
    table.datasets["grid/" + axis.name] = std::move(values);
    if (!names.empty()) table.attributes["grid_" + axis.name] = names;
  }
  // The summary, only for a complete sweep (a part of a job array has none).
  if (results.runs.size() == static_cast<std::size_t>(spec.run_count())) {
    for (int o = 0; o < observables; ++o) {
      std::map<std::string, H5Array> stats;
      for (const char* s : {"mean", "stderr", "q10", "q50", "q90"}) stats[s] = H5Array{{G, m}, {}};
      for (int g = 0; g < spec.grid_size(); ++g) {
        for (std::size_t f = 0; f < m; ++f) {
          std::vector<double> sample;
          for (int s = 0; s < spec.seeds; ++s) {
            const SweepRun& run = results.runs[static_cast<std::size_t>(g) * spec.seeds + s];
            const std::vector<double>& v = observable(run, o);
            sample.push_back(v.size() == m ? v[f] : kNaN);
          }
          double mean = 0;
          for (double x : sample) mean += x;
          mean /= static_cast<double>(sample.size());
          double var = 0;
          for (double x : sample) var += (x - mean) * (x - mean);
          const double se = sample.size() > 1
                                ? std::sqrt(var / static_cast<double>(sample.size() - 1) /
                                            static_cast<double>(sample.size()))
                                : kNaN;
          stats["mean"].values.push_back(mean);
          stats["stderr"].values.push_back(se);
          stats["q10"].values.push_back(quantile(sample, 0.1));
          stats["q50"].values.push_back(quantile(sample, 0.5));
          stats["q90"].values.push_back(quantile(sample, 0.9));
        }
      }
      for (auto& [name, array] : stats) {
        table.datasets[std::string("summary/") + kObservables[o] + "/" + name] = std::move(array);
      }
    }
  }
  return table;
}

void write_sweep_results(const std::filesystem::path& path, const SweepResults& results,
                         const std::string& command_line, int task, int of) {
  write_h5_table(path, sweep_results_table(results, command_line, task, of));
}

SweepResults read_sweep_results(const std::filesystem::path& path) {
  const H5Table table = read_h5_table(path);
  const std::string name = path.string();
  const auto spec_attr = table.attributes.find("spec");
  if (spec_attr == table.attributes.end() || !std::holds_alternative<std::string>(spec_attr->second)) {
    throw IoError(name + ": not a varsphere sweep file (no 'spec' attribute)");
  }
  SweepResults results;
  // The spec's file names were resolved when it was first read; they are absolute in canonical.
  results.spec =
      parse_sweep_spec(std::get<std::string>(spec_attr->second), path.parent_path(), false);
  const SweepSpec& spec = results.spec;
  auto dataset = [&](const std::string& key) -> const H5Array& {
    const auto it = table.datasets.find(key);
    if (it == table.datasets.end()) throw IoError(name + ": dataset '" + key + "' is missing");
    return it->second;
  };
  const H5Array& index = dataset("runs/index");
  const std::size_t R = index.values.size(), m = frame_count(spec);
  const H5Array& merges = dataset("runs/merge_times");
  const std::size_t width = merges.dims.size() == 2 ? merges.dims[1] : 0;
  const int observables = observable_count(spec);
  for (int o = 0; o < observables; ++o) {
    const H5Array& a = dataset(std::string("runs/") + kObservables[o]);
    if (a.values.size() != R * m) throw IoError(name + ": '" + kObservables[o] + "' has the wrong size");
  }
  if (merges.values.size() != R * width) throw IoError(name + ": 'merge_times' has the wrong size");
  const H5Array* final_states = nullptr;
  if (spec.final_configurations) final_states = &dataset("runs/final");
  for (std::size_t r = 0; r < R; ++r) {
    SweepRun run;
    run.index = static_cast<std::int64_t>(index.values[r]);
    if (run.index < 0 || run.index >= spec.run_count() || index.values[r] != std::floor(index.values[r])) {
      throw IoError(name + ": run index " + std::to_string(index.values[r]) + " is not in the spec");
    }
    run.grid = static_cast<int>(run.index / spec.seeds);
    run.seed_index = static_cast<int>(run.index % spec.seeds);
    for (int o = 0; o < observables; ++o) {
      if (o == 4 && spec.point(run.grid).model != "multihead") continue;  // NaN padding
      const H5Array& a = dataset(std::string("runs/") + kObservables[o]);
      const_cast<std::vector<double>&>(observable(run, o))
          .assign(a.values.begin() + r * m, a.values.begin() + (r + 1) * m);
    }
    const int n = spec.point(run.grid).n, d = spec.point(run.grid).d;
    run.merge_times.assign(merges.values.begin() + r * width,
                           merges.values.begin() + r * width + std::max(n - 1, 0));
    if (final_states != nullptr) {
      const std::size_t N = final_states->dims.at(1), D = final_states->dims.at(2);
      run.final_state.resize(d, n);
      for (int i = 0; i < n; ++i)
        for (int c = 0; c < d; ++c) run.final_state(c, i) = final_states->values[(r * N + i) * D + c];
    }
    results.runs.push_back(std::move(run));
  }
  return results;
}

namespace {
bool same_run(const SweepRun& a, const SweepRun& b) {
  auto same = [](const std::vector<double>& x, const std::vector<double>& y) {
    if (x.size() != y.size()) return false;
    for (std::size_t i = 0; i < x.size(); ++i) {
      if (!(x[i] == y[i] || (std::isnan(x[i]) && std::isnan(y[i])))) return false;
    }
    return true;
  };
  return a.index == b.index && same(a.pair_fraction, b.pair_fraction) &&
         same(a.clusters, b.clusters) && same(a.energy, b.energy) &&
         same(a.min_inner_product, b.min_inner_product) && same(a.metric_slope, b.metric_slope) &&
         same(a.merge_times, b.merge_times) &&
         a.final_state == b.final_state;
}
}  // namespace

SweepResults merge_sweep_results(std::vector<SweepResults> parts) {
  if (parts.empty()) throw InvalidInput("sweep-merge: no parts");
  SweepResults merged;
  merged.spec = parts.front().spec;
  std::map<std::int64_t, SweepRun> rows;
  for (std::size_t p = 0; p < parts.size(); ++p) {
    if (parts[p].spec.canonical != merged.spec.canonical) {
      throw InvalidInput("sweep-merge: part " + std::to_string(p + 1) +
                         " was computed from another spec");
    }
    for (SweepRun& run : parts[p].runs) {
      const auto it = rows.find(run.index);
      if (it != rows.end()) {
        if (!same_run(it->second, run)) {
          throw InvalidInput("sweep-merge: run " + std::to_string(run.index) +
                             " appears twice with different results");
        }
        continue;
      }
      rows.emplace(run.index, std::move(run));
    }
  }
  for (auto& [index, run] : rows) merged.runs.push_back(std::move(run));
  return merged;
}

// ---- journal ------------------------------------------------------------------------------------

SweepJournal::SweepJournal(std::filesystem::path folder, const SweepSpec& spec)
    : folder_(std::move(folder)), spec_(&spec) {
  std::error_code ec;
  std::filesystem::create_directories(folder_, ec);
  if (ec || !std::filesystem::is_directory(folder_)) {
    throw IoError("cannot create the sweep journal folder '" + folder_.string() + "'");
  }
  const std::filesystem::path marker = folder_ / "spec.json";
  if (std::filesystem::exists(marker)) {
    std::ifstream in(marker);
    std::stringstream text;
    text << in.rdbuf();
    if (text.str() != spec.canonical) {
      throw InvalidInput("the sweep journal '" + folder_.string() +
                         "' belongs to another spec (remove it to start over)");
    }
  } else {
    write_text_atomically(marker, [&](std::ostream& out) { out << spec.canonical; });
  }
}

std::vector<std::int64_t> SweepJournal::finished() const {
  std::vector<std::int64_t> out;
  for (const auto& entry : std::filesystem::directory_iterator(folder_)) {
    const std::string name = entry.path().filename().string();
    if (name.size() < 6 || name.rfind("run-", 0) != 0 || entry.path().extension() != ".bin") continue;
    try {
      const std::int64_t index = std::stoll(name.substr(4, name.size() - 8));
      read(index);  // a file that does not read back is dropped and its run done again
      out.push_back(index);
    } catch (const std::exception&) {
      std::error_code ec;
      std::filesystem::remove(entry.path(), ec);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

void SweepJournal::write(const SweepRun& run) const {
  const std::filesystem::path target = folder_ / ("run-" + std::to_string(run.index) + ".bin");
  AtomicOutput out(target);
  {
    std::ofstream file(out.temporary_path(), std::ios::binary);
    auto put = [&](const void* data, std::size_t bytes) {
      file.write(static_cast<const char*>(data), static_cast<std::streamsize>(bytes));
    };
    auto put_vector = [&](const std::vector<double>& v) {
      const std::uint64_t size = v.size();
      put(&size, sizeof size);
      put(v.data(), 8 * v.size());
    };
    put(kRunMagic, sizeof kRunMagic);
    put(&spec_->hash, sizeof spec_->hash);
    put(&run.index, sizeof run.index);
    put_vector(run.pair_fraction);
    put_vector(run.clusters);
    put_vector(run.energy);
    put_vector(run.min_inner_product);
    put_vector(run.metric_slope);
    put_vector(run.merge_times);
    const std::int64_t rows = run.final_state.rows(), cols = run.final_state.cols();
    put(&rows, sizeof rows);
    put(&cols, sizeof cols);
    put(run.final_state.data(), 8 * static_cast<std::size_t>(rows * cols));
    put(kRunMagic, sizeof kRunMagic);  // a trailer: a truncated file does not read back
    file.flush();
    if (!file) throw IoError("cannot write the sweep journal file '" + target.string() + "'");
  }
  out.commit();
}

SweepRun SweepJournal::read(std::int64_t index) const {
  const std::filesystem::path path = folder_ / ("run-" + std::to_string(index) + ".bin");
  std::ifstream file(path, std::ios::binary);
  if (!file) throw IoError("sweep journal: cannot read '" + path.string() + "'");
  auto get = [&](void* data, std::size_t bytes) {
    file.read(static_cast<char*>(data), static_cast<std::streamsize>(bytes));
    if (!file) throw IoError("sweep journal: '" + path.string() + "' is truncated");
  };
  auto get_vector = [&](std::vector<double>& v) {
    std::uint64_t size = 0;
    get(&size, sizeof size);
    if (size > 100000000) throw IoError("sweep journal: '" + path.string() + "' is damaged");
    v.resize(size);
    get(v.data(), 8 * size);
  };
  char magic[8];
  get(magic, sizeof magic);
  std::uint64_t hash = 0;
  get(&hash, sizeof hash);
  SweepRun run;
  get(&run.index, sizeof run.index);
  if (!std::equal(magic, magic + 8, kRunMagic) || hash != spec_->hash || run.index != index) {
    throw IoError("sweep journal: '" + path.string() + "' is not a run of this spec");
  }
  run.grid = static_cast<int>(index / spec_->seeds);
  run.seed_index = static_cast<int>(index % spec_->seeds);
  get_vector(run.pair_fraction);
  get_vector(run.clusters);
  get_vector(run.energy);
  get_vector(run.min_inner_product);
  get_vector(run.metric_slope);
  get_vector(run.merge_times);
  std::int64_t rows = 0, cols = 0;
  get(&rows, sizeof rows);
  get(&cols, sizeof cols);
  if (rows < 0 || cols < 0 || rows * cols > 100000000) {
    throw IoError("sweep journal: '" + path.string() + "' is damaged");
  }
  run.final_state.resize(rows, cols);
  get(run.final_state.data(), 8 * static_cast<std::size_t>(rows * cols));
  get(magic, sizeof magic);
  if (!std::equal(magic, magic + 8, kRunMagic)) {
    throw IoError("sweep journal: '" + path.string() + "' is damaged");
  }
  return run;
}

void SweepJournal::remove() const {
  std::error_code ec;
  std::filesystem::remove_all(folder_, ec);
}

// ---- running ------------------------------------------------------------------------------------

std::vector<std::int64_t> pending_runs(const SweepSpec& spec, const SweepOptions& options) {
  if (options.of < 1 || options.task < 0 || options.task >= options.of) {
    throw InvalidInput("sweep: --task must be in 0..--of - 1");
  }
  std::set<std::int64_t> done;
  if (!options.journal.empty()) {
    const SweepJournal journal(options.journal, spec);
    for (std::int64_t r : journal.finished()) done.insert(r);
  }
  std::vector<std::int64_t> out;
  for (std::int64_t r = options.task; r < spec.run_count(); r += options.of) {
    if (!done.contains(r)) out.push_back(r);
  }
  return out;
}

void run_sweep_work(const SweepSpec& spec, int jobs, const std::function<std::int64_t()>& next,
                    const std::function<void(SweepRun&&)>& finished) {
  const int workers = resolve_thread_count(jobs);
  std::mutex lock;
  std::exception_ptr error;
  std::atomic<bool> stop{false};
  auto work = [&] {
    while (!stop) {
      std::int64_t index;
      {
        std::lock_guard<std::mutex> guard(lock);
        index = next();
      }
      if (index < 0) return;
      try {
        SweepRun run = run_sweep_point(spec, index);
        std::lock_guard<std::mutex> guard(lock);
        finished(std::move(run));
      } catch (...) {
        std::lock_guard<std::mutex> guard(lock);
        if (!error) error = std::current_exception();
        stop = true;
      }
    }
  };
  std::vector<std::thread> threads;
  for (int w = 1; w < workers; ++w) threads.emplace_back(work);
  work();
  for (auto& t : threads) t.join();
  if (error) std::rethrow_exception(error);
}

SweepResults run_sweep(const SweepSpec& spec, const SweepOptions& options) {
  const std::vector<std::int64_t> pending = pending_runs(spec, options);
  std::int64_t total = 0;
  for (std::int64_t r = options.task; r < spec.run_count(); r += options.of) ++total;
  std::int64_t done = total - static_cast<std::int64_t>(pending.size());
  std::optional<SweepJournal> journal;
  if (!options.journal.empty()) journal.emplace(options.journal, spec);
  std::map<std::int64_t, SweepRun> fresh;
  std::size_t cursor = 0;
  if (options.on_progress) options.on_progress(done, total);
  run_sweep_work(
      spec, options.jobs,
      [&]() -> std::int64_t { return cursor < pending.size() ? pending[cursor++] : -1; },
      [&](SweepRun&& run) {
        if (journal) {
          journal->write(run);
        } else {
          fresh.emplace(run.index, std::move(run));
        }
        ++done;
        if (options.on_progress) options.on_progress(done, total);
      });
  SweepResults results;
  results.spec = spec;
  for (std::int64_t r = options.task; r < spec.run_count(); r += options.of) {
    if (journal) {
      results.runs.push_back(journal->read(r));
    } else {
      results.runs.push_back(std::move(fresh.at(r)));
    }
  }
  return results;
}

}  // namespace varsphere
