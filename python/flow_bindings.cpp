// varsphere.flow: the attention flow (or a Python vector field) integrated by the library's
// integrator (solvers/flow_integrator.hpp), with the CLI's summary figures.
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <chrono>
#include <cmath>
#include <varsphere/core/error.hpp>
#include <varsphere/functionals/attention_energy.hpp>
#include <varsphere/solvers/clusters.hpp>
#include <varsphere/solvers/flow_integrator.hpp>

#include "arrays.hpp"
#include "attention_model.hpp"
#include "bindings.hpp"
#include "interrupt.hpp"

namespace varsphere::python {

namespace {

/// A Python callable f(t, X) -> (n, d) as a VectorField (called under the GIL; the result's
/// tangent projection is taken, so f may return any ambient vectors).
class PythonField {
 public:
  explicit PythonField(std::shared_ptr<py::object> f) : f_(std::move(f)) {}
  void operator()(double t, const Eigen::MatrixXd& X, Eigen::MatrixXd& dX) const {
    py::gil_scoped_acquire gil;
    py::object out = (*f_)(t, to_rows(X));
    const Tokens F(out, "flow: the vector field's result", false);
    if (F.d() != X.rows() || F.n() != X.cols()) {
      throw InvalidInput("flow: the vector field returned shape (" + std::to_string(F.n()) + ", " +
                         std::to_string(F.d()) + ") for tokens of shape (" +
                         std::to_string(X.cols()) + ", " + std::to_string(X.rows()) + ")");
    }
    F.finite();
    dX = F.map();
    product::tangent_project_in_place(X, dX);
  }

 private:
  std::shared_ptr<py::object> f_;
};

struct FlowSolution {
  py::array times, X, final_state;
  py::object energies = py::none(), log_energies = py::none();
  py::object energy_initial = py::none(), energy_final = py::none();
  py::object log_energy_initial = py::none(), log_energy_final = py::none();
  int clusters_final = 0;
  double cluster_threshold = kDefaultClusterThreshold;
  double min_inner_product_final = 1.0;
  py::object radii = py::none();
  std::size_t steps = 0, rhs_evaluations = 0, saved_frames = 0;
  std::string scheme;
  double wall_seconds = 0;
};

py::object finite_or_none(double x) { return std::isfinite(x) ? py::object(py::float_(x)) : py::none(); }

FlowSolution run_flow(const py::object& field, const py::object& x0, double T,
                      const std::string& scheme, double dt, double rtol, double atol,
                      const py::object& t_eval, int save_every, long long max_steps, bool record,
                      double t0, double cluster_threshold, double noise, double noise_dt,
                      unsigned long long seed) {
  const Tokens X(x0, "flow: X0", false);
  X.on_sphere();
  if (!std::isfinite(T) || !std::isfinite(t0)) throw InvalidInput("flow: T and t0 must be finite");
  if (!(T >= t0)) throw InvalidInput("flow: T must be >= t0");
  if (!(dt > 0) || !std::isfinite(dt)) throw InvalidInput("flow: dt must be positive");
  if (!(rtol > 0) || !(atol > 0)) throw InvalidInput("flow: rtol and atol must be positive");
  if (save_every < 1) throw InvalidInput("flow: save_every must be at least 1");
  if (max_steps < 1) throw InvalidInput("flow: max_steps must be at least 1");
  if (!(cluster_threshold > -1 && cluster_threshold < 1)) {
    throw InvalidInput("flow: cluster_threshold must lie in (-1, 1)");
  }
  FlowOptions options;
  options.scheme = parse_flow_scheme(scheme);
  options.dt = dt;
  options.rtol = rtol;
  options.atol = atol;
  options.save_every = save_every;
  options.max_steps = static_cast<std::size_t>(max_steps);
  options.record = record;
  options.noise_sigma = noise;
  options.noise_dt = noise_dt;
  options.seed = seed;
  if (!t_eval.is_none()) options.save_times = vector_from(t_eval, "flow: t_eval");
  InterruptPoll poll;
  options.on_step = [&](double) { poll(); };

  const AttentionModelPy* model = nullptr;
  if (py::isinstance<AttentionModelPy>(field)) {
    model = &field.cast<const AttentionModelPy&>();
    if (X.d() != model->field.dimension()) {
      throw InvalidInput("flow: X0 has dimension " + std::to_string(X.d()) + ", the model " +
                         std::to_string(model->field.dimension()));
    }
    options.norm = model->placement();
    options.ngpt_alpha = model->ngpt_alpha;
  } else if (!PyCallable_Check(field.ptr())) {
    throw InvalidInput("flow: field must be a varsphere.Attention or a callable f(t, X)");
  }
  const Configuration X0 = X.matrix();
  const auto start = std::chrono::steady_clock::now();
  FlowResult result;
  if (model != nullptr) {
    result = without_gil([&] { return integrate(model->field, X0, t0, T, options); });
  } else {
    const PythonField python_field(keep_callable(field));
    result = without_gil([&] { return integrate(python_field, X0, t0, T, options); });
  }
  FlowSolution s;
  s.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  s.times = to_vector(result.trajectory.times);
  s.X = frames_array(result.trajectory);
  s.final_state = to_rows(result.final_state);
  if (result.radii.size() > 0) s.radii = to_vector(result.radii);
  s.steps = result.steps;
  s.rhs_evaluations = result.rhs_evaluations;
  s.saved_frames = result.trajectory.size();
  s.scheme = scheme;
  s.cluster_threshold = cluster_threshold;
  s.clusters_final = count_clusters(result.final_state, cluster_threshold);
  s.min_inner_product_final = min_pairwise_inner_product(result.final_state);
  if (model != nullptr && !model->time_dependent && model->heads.size() == 1) {
    const Eigen::MatrixXd& A = model->heads.front().A;
    const double beta = model->beta;
    const int threads = model->field.options().threads;
    const std::size_t m = result.trajectory.size();
    std::vector<double> E(m), logE(m);
    without_gil([&] {
      for (std::size_t k = 0; k < m; ++k) {
        E[k] = attention_energy(result.trajectory.frames[k], A, beta, threads);
        if (beta > 0) {
          logE[k] = attention_log_energy(result.trajectory.frames[k], A, beta, threads);
        }
      }
      return 0;
    });
    s.energies = to_vector(E);
    s.energy_initial = finite_or_none(E.front());
    s.energy_final = finite_or_none(E.back());
    if (beta > 0) {
      s.log_energies = to_vector(logE);
      s.log_energy_initial = py::float_(logE.front());
      s.log_energy_final = py::float_(logE.back());
    }
  }
  return s;
}

}  // namespace

void bind_flow(py::module_& m) {
  py::class_<FlowSolution>(m, "FlowSolution", "What varsphere.flow returns (the CLI's flow JSON).")
      .def_readonly("times", &FlowSolution::times, "(m,) saved times")
      .def_readonly("X", &FlowSolution::X, "(m, n, d) saved configurations")
      .def_readonly("final", &FlowSolution::final_state, "(n, d) configuration at T")
      .def_readonly("energies", &FlowSolution::energies,
                    "(m,) E_β at the saved times (one constant head; else None)")
      .def_readonly("log_energies", &FlowSolution::log_energies, "(m,) log E_β (β > 0), or None")
      .def_readonly("energy_initial", &FlowSolution::energy_initial)
      .def_readonly("energy_final", &FlowSolution::energy_final)
      .def_readonly("log_energy_initial", &FlowSolution::log_energy_initial)
      .def_readonly("log_energy_final", &FlowSolution::log_energy_final)
      .def_readonly("radii", &FlowSolution::radii,
                    "(n,) final radii |z_i| of the Pre/Peri-LN stream (simuformer-euler: its r), else None")
      .def_readonly("clusters_final", &FlowSolution::clusters_final)
      .def_readonly("cluster_threshold", &FlowSolution::cluster_threshold)
      .def_readonly("min_inner_product_final", &FlowSolution::min_inner_product_final)
      .def_readonly("steps", &FlowSolution::steps, "accepted steps")
      .def_readonly("rhs_evaluations", &FlowSolution::rhs_evaluations, "field evaluations")
      .def_readonly("saved_frames", &FlowSolution::saved_frames)
      .def_readonly("scheme", &FlowSolution::scheme)
      .def_readonly("wall_seconds", &FlowSolution::wall_seconds)
      .def("__repr__", [](const FlowSolution& s) {
        return "FlowSolution(" + std::to_string(s.saved_frames) + " frames, " +
               std::to_string(s.steps) + " steps, clusters_final=" +
               std::to_string(s.clusters_final) + ")";
      });

  m.def("flow", &run_flow, py::arg("field"), py::arg("X0"), py::arg("T"), py::kw_only(),
        py::arg("scheme") = "rk4", py::arg("dt") = 0.01, py::arg("rtol") = 1e-8,
        py::arg("atol") = 1e-10, py::arg("t_eval") = py::none(), py::arg("save_every") = 1,
        py::arg("max_steps") = 1'000'000, py::arg("record") = true, py::arg("t0") = 0.0,
        py::arg("cluster_threshold") = kDefaultClusterThreshold, py::arg("noise") = 0.0,
        py::arg("noise_dt") = 0.0, py::arg("seed") = 1,
        R"(Integrate a flow on (S^{d-1})^n from X0 (n, d) over [t0, T] (as `varsphere flow`).

Args:
    field: a varsphere.Attention, or a Python callable f(t, X) -> (n, d) velocity (its tangent
        projection is used; the callable runs under the GIL at every stage: about 10 µs of
        overhead per call, so use it for prototypes and small n).
    X0: (n, d) tokens on the sphere (rows of norm 1 within 1e-6). Copied once into the state.
    T: final time (the flow's time unit; for a Transformer, one layer per unit time).
    scheme: 'rk4', 'dopri5' (adaptive, dense output), 'geodesic-euler', 'euler-renormalize'
        (the published research codes' scheme), 'simuformer-euler' (simuformer's exact update for
        each normalization placement, for replay), 'geodesic-euler-maruyama' (with noise).
    dt: step of the fixed-step schemes; initial step and save unit of dopri5.
    rtol, atol: dopri5 tolerances.
    t_eval: save exactly at these times (increasing in [t0, T]); fixed-step schemes need each to
        be a step time.
    save_every: save every k-th step (fixed-step) or at multiples of k·dt (dopri5).
    max_steps: step budget (fixed-step runs needing more are refused, dopri5 stops there with
        ResourceLimit).
    record: False keeps only the first and last frames.
    cluster_threshold: tokens i, j are linked when <x_i, x_j> exceeds it.
    noise, noise_dt, seed: σ of Brownian noise on the tokens (scheme 'geodesic-euler-maruyama'),
        the grid step of its path (default dt; dt must be a multiple) and the path's seed: runs
        with different dt on one grid share the path (docs/math.md §2.8).

Returns a FlowSolution: times (m,), X (m, n, d), final (n, d), energies, the cluster count and
minimum inner product at T, steps and field evaluations.
The GIL is released while integrating; Ctrl-C stops the run within ~0.1 s (KeyboardInterrupt).)");
}

}  // namespace varsphere::python
