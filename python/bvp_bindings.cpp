// varsphere.bvp, compare, check_el, action and LeastSquaresLagrangian: the discrete
// Euler–Lagrange boundary-value problem (solvers/el_bvp.hpp, docs/math.md §3) from Python.
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <chrono>
#include <cmath>
#include <varsphere/core/thread_count.hpp>
#include <varsphere/core/error.hpp>
#include <varsphere/functionals/attention_energy.hpp>
#include <varsphere/functionals/de_giorgi_lagrangian.hpp>
#include <varsphere/functionals/flow_matching_lagrangian.hpp>
#include <varsphere/functionals/kinetic_lagrangian.hpp>
#include <varsphere/functionals/ngpt_field.hpp>
#include <varsphere/solvers/check_el.hpp>
#include <varsphere/solvers/discrete_action.hpp>
#include <varsphere/solvers/el_bvp.hpp>
#include <varsphere/solvers/path_comparison.hpp>
#include <varsphere/solvers/continuation.hpp>
#include <varsphere/solvers/path_sensitivity.hpp>
#include <varsphere/solvers/second_order_certificate.hpp>
#include <optional>

#include "arrays.hpp"
#include "attention_model.hpp"
#include "bindings.hpp"
#include "interrupt.hpp"
#include "python_lagrangian.hpp"

namespace varsphere::python {

namespace {

/// What the user built with varsphere.LeastSquaresLagrangian(residual, jacobian, fd_step).
struct LagrangianSpec {
  py::object residual, jacobian;
  double fd_step = 1e-6;
};

/// The Lagrangian named by `lagrangian` ('kinetic', 'flow-matching', 'de-giorgi' or a
/// LeastSquaresLagrangian), built for tokens of shape d×n, handed to `use` with its concrete type.
template <class Use>
void with_lagrangian(const py::object& lagrangian, const AttentionModelPy* model, Eigen::Index d,
                     Eigen::Index n, const Use& use) {
  if (py::isinstance<LagrangianSpec>(lagrangian)) {
    const auto& spec = lagrangian.cast<const LagrangianSpec&>();
    // The residual's size, from one call at a point of the right shape.
    Eigen::MatrixXd X = Eigen::MatrixXd::Zero(d, n);
    X.row(0).setOnes();
    py::object probe = spec.residual(0.0, to_rows(X), to_rows(Eigen::MatrixXd::Zero(d, n)));
    const ArrayView r(probe, 1, "LeastSquaresLagrangian: residual(t, X, V)", "shape (m,)");
    use(PythonLagrangian(keep_callable(spec.residual), keep_callable(spec.jacobian), spec.fd_step,
                         r.dim(0)));
    return;
  }
  if (!py::isinstance<py::str>(lagrangian)) {
    throw InvalidInput("lagrangian must be 'kinetic', 'flow-matching', 'de-giorgi' or a "
                       "varsphere.LeastSquaresLagrangian");
  }
  const std::string name = lagrangian.cast<std::string>();
  if (name == "kinetic") {
    use(KineticLagrangian{});
    return;
  }
  if (name != "flow-matching" && name != "de-giorgi") {
    throw InvalidInput("unknown Lagrangian '" + name + "' (kinetic, flow-matching, de-giorgi)");
  }
  if (model == nullptr) throw InvalidInput("lagrangian '" + name + "' needs model=varsphere.Attention");
  if (model->model == "hardmax") {
    throw InvalidInput("model 'hardmax': its field is discontinuous at ties; the BVP needs a "
                       "differentiable field");
  }
  if (model->norm != "post" && !(model->norm == "ngpt" && name != "de-giorgi")) {
    throw InvalidInput("norm '" + model->norm + "': the BVP Lagrangians use a field on the sphere "
                       "(post; ngpt with flow-matching or kinetic)");
  }
  if (name == "flow-matching") {
    if (model->norm == "ngpt") {
      use(FlowMatchingLagrangian<NgptField>{NgptField(model->field, model->ngpt_alpha)});
    } else {
      use(FlowMatchingLagrangian<AttentionField>{model->field});
    }
    return;
  }
  if (model->model == "sinkhorn") {
    throw InvalidInput("lagrangian 'de-giorgi': sinkhorn attention has no shipped energy "
                       "structure; use flow-matching");
  }
  if (!model->field.options().bias.empty()) {
    throw InvalidInput("lagrangian 'de-giorgi': a masked or biased attention flow is not the "
                       "gradient flow of E_beta; use flow-matching");
  }
  const AttentionHead& head = model->single_head("lagrangian 'de-giorgi'");
  if (head.V != head.A) {
    throw InvalidInput("lagrangian 'de-giorgi' needs V = A (a gradient flow); use flow-matching");
  }
  use(DeGiorgiLagrangian(model->model == "sa" ? AttentionNormalization::Softmax
                                               : AttentionNormalization::Unnormalized,
                         model->beta, head.A));
}

const AttentionModelPy* model_of(const py::object& model, Eigen::Index d) {
  if (model.is_none()) return nullptr;
  if (!py::isinstance<AttentionModelPy>(model)) {
    throw InvalidInput("model must be a varsphere.Attention or None");
  }
  const auto* m = &model.cast<const AttentionModelPy&>();
  if (m->field.dimension() != d) {
    throw InvalidInput("model has dimension " + std::to_string(m->field.dimension()) +
                       ", the tokens " + std::to_string(d));
  }
  return m;
}

struct BvpSettings {
  double T = 1;
  int K = 32;
  std::string rule = "midpoint", method = "automatic";
  int max_iterations = 200, threads = 1;
  double max_seconds = 0, del_tolerance = 1e-7;
  long long max_steps = 1'000'000;
  bool analytic_jacobians = true, null_lagrangian_split = true, verbose = false;
  std::string second_order = "auto";
  int eigenvalues = 4;

  void check() const {
    if (!(T > 0) || !std::isfinite(T)) throw InvalidInput("T must be positive and finite");
    if (K < 1) throw InvalidInput("K must be at least 1");
    if (max_iterations < 1) throw InvalidInput("max_iterations must be at least 1");
    if (threads < 0) throw InvalidInput("threads must be >= 0 (0: all cores)");
    if (max_steps < 1) throw InvalidInput("max_steps must be at least 1");
    if (!(max_seconds >= 0) || !std::isfinite(max_seconds)) {
      throw InvalidInput("max_seconds must be finite and >= 0");
    }
    if (!(del_tolerance > 0)) throw InvalidInput("del_tolerance must be positive");
    if (eigenvalues < 1) throw InvalidInput("eigenvalues must be at least 1");
    if (second_order != "auto" && second_order != "yes" && second_order != "no") {
      throw InvalidInput("second_order must be 'auto', True or False");
    }
  }
  BvpOptions options() const {
    BvpOptions o;
    o.rule = parse_discrete_rule(rule);
    if (method == "automatic") {
      o.method = BvpMethod::Automatic;
    } else if (method == "least-squares") {
      o.method = BvpMethod::LeastSquares;
    } else if (method == "del-equations") {
      o.method = BvpMethod::DelEquations;
    } else {
      throw InvalidInput("method must be 'automatic', 'least-squares' or 'del-equations'");
    }
    o.max_iterations = max_iterations;
    o.threads = resolve_thread_count(threads);
    o.max_seconds = max_seconds;
    o.del_tolerance = del_tolerance;
    o.analytic_jacobians = analytic_jacobians;
    o.null_lagrangian_split = null_lagrangian_split;
    o.verbose = verbose;
    if (second_order == "no") {
      o.second_order.reset();
    } else {
      o.second_order = SecondOrderOptions{eigenvalues};
      if (second_order == "yes") o.second_order->max_dimension = 0;
    }
    return o;
  }
  /// The reference flow on the K+1 grid, as the CLI's compare and --init flow (dopri5, 1e-12).
  Trajectory reference_flow(const AttentionModelPy& model, const Configuration& X0) const {
    if (model.norm == "ngpt") {
      return without_gil([&] {
        return flow_on_grid(NgptField(model.field, model.ngpt_alpha), X0, T, K, 1e-12, 1e-13,
                            static_cast<std::size_t>(max_steps));
      });
    }
    if (model.norm != "post") {
      throw InvalidInput("the reference flow lives on the sphere: norm '" + model.norm + "' is refused");
    }
    return without_gil([&] {
      return flow_on_grid(model.field, X0, T, K, 1e-12, 1e-13, static_cast<std::size_t>(max_steps));
    });
  }
};

/// The certificate as the CLI's JSON "second_order" object.
py::dict certificate_dict(const SecondOrderCertificate& c) {
  py::dict out;
  out["kind"] = to_string(c.kind);
  out["morse_index"] = c.morse_index;
  out["near_zero"] = c.near_zero;
  out["smallest_eigenvalues"] = to_vector(c.smallest_eigenvalues);
  out["hessian_norm"] = c.hessian_norm;
  out["zero_threshold"] = c.zero_threshold;
  out["dimension"] = c.dimension;
  out["seconds"] = c.seconds;
  return out;
}

struct BvpSolution {
  py::object second_order = py::none();
  py::object continuation = py::none();
  py::array times, path;
  double action = 0, del_residual_max = 0, del_residual_scale = 0, wall_seconds = 0;
  int iterations = 0;
  std::string outcome, status, method;
  bool converged = false;
};

BvpSolution solution_of(const BvpResult& r) {
  BvpSolution s;
  s.times = to_vector(r.path.times);
  s.path = frames_array(r.path);
  s.action = r.action;
  s.del_residual_max = r.del_residual_max;
  s.del_residual_scale = r.del_residual_scale;
  s.wall_seconds = r.wall_seconds;
  s.iterations = r.iterations;
  s.outcome = to_string(r.outcome);
  s.status = r.status;
  s.method = method_label(r);
  s.converged = r.converged;
  if (r.second_order) s.second_order = certificate_dict(*r.second_order);
  return s;
}

/// The solve with the GIL released, Ctrl-C checked after every iteration.
template <class L>
BvpResult solve(const L& lagrangian, const Configuration& X0, const Configuration& X1,
                const BvpSettings& settings, BvpOptions options) {
  InterruptPoll poll;
  options.on_iteration = [&](const BvpIteration&) {
    poll();
    return true;
  };
  return without_gil(
      [&] { return solve_bvp(lagrangian, X0, X1, settings.T, settings.K, options); });
}

void set_initial_path(BvpOptions& options, const py::object& init, const BvpSettings& s,
                      const AttentionModelPy* model, const Configuration& X0,
                      const Trajectory* flow) {
  if (py::isinstance<py::str>(init)) {
    const std::string name = init.cast<std::string>();
    if (name == "geodesic") return;
    if (name != "flow") throw InvalidInput("init must be 'geodesic', 'flow' or a (K+1, n, d) array");
    if (model == nullptr) throw InvalidInput("init='flow' needs model=varsphere.Attention");
    options.initial_path = flow ? *flow : s.reference_flow(*model, X0);
    return;
  }
  std::vector<double> times(static_cast<std::size_t>(s.K) + 1);
  for (int k = 0; k <= s.K; ++k) times[k] = s.T * k / s.K;
  Trajectory path = trajectory_from(init, py::cast(times), "init");
  options.initial_path = std::move(path);
}

// θ ↦ the Lagrangian's step model and T: a model from a Python callable (any parameter of A, V,
// β, ...), the model at β = θ, or the given model with T = θ. The arguments must outlive the
// family; it takes the GIL where it calls Python.
enum class FamilyKind { Callable, Beta, Horizon };

ActionFamily python_family(FamilyKind kind, const py::object& parameter, const AttentionModelPy* model,
                           const py::object& lagrangian, Eigen::Index d, Eigen::Index n,
                           DiscreteRule rule, double horizon) {
  return [kind, &parameter, model, &lagrangian, d, n, rule, horizon](double value) {
    std::optional<AttentionModelPy> at;
    const AttentionModelPy* use = model;
    if (kind == FamilyKind::Callable) {
      py::gil_scoped_acquire gil;
      py::object built = parameter(value);
      use = model_of(built, d);
      if (use == nullptr) throw InvalidInput("path_sensitivity: the callable returned None");
      at.emplace(*use);
      use = &*at;
    } else if (kind == FamilyKind::Beta) {
      at.emplace(*model);
      at->beta = value;
      at->field = model->field.with_beta(value);
      use = &*at;
    }
    std::shared_ptr<const StepModel> step_model;
    {
      py::gil_scoped_acquire gil;  // with_lagrangian may probe a Python Lagrangian
      with_lagrangian(lagrangian, use, d, n,
                      [&](const auto& L) { step_model = owned_step_model(L, rule); });
    }
    return ParametrizedAction{step_model, kind == FamilyKind::Horizon ? value : horizon};
  };
}

BvpSolution run_bvp(const py::object& x0, const py::object& x1, double T, int K,
                    const py::object& lagrangian, const py::object& model_object,
                    const py::object& init, const std::string& rule, const std::string& method,
                    int max_iterations, double max_seconds, double del_tolerance, int threads,
                    bool analytic_jacobians, bool null_lagrangian_split, long long max_steps,
                    bool check, bool verbose, const py::object& second_order, int eigenvalues,
                    const py::object& continuation, const std::string& predictor) {
  // 'auto' (when the Hessian has at most 20000 unknowns), True or False.
  const std::string certificate = py::isinstance<py::bool_>(second_order)
                                      ? (second_order.cast<bool>() ? "yes" : "no")
                                      : py::str(second_order).cast<std::string>();
  const Tokens A(x0, "bvp: X0", false), B(x1, "bvp: X1", false);
  A.on_sphere();
  B.on_sphere();
  if (A.d() != B.d() || A.n() != B.n()) throw InvalidInput("bvp: X0 and X1 have different shapes");
  const BvpSettings s{T,         K,
                      rule,      method,
                      max_iterations, threads,
                      max_seconds, del_tolerance,
                      max_steps, analytic_jacobians,
                      null_lagrangian_split, verbose,
                      certificate, eigenvalues};
  s.check();
  const AttentionModelPy* model = model_of(model_object, A.d());
  const Configuration X0 = A.matrix(), X1 = B.matrix();
  BvpOptions options = s.options();
  set_initial_path(options, init, s, model, X0, nullptr);
  BvpResult result;
  py::list stages;
  if (!continuation.is_none()) {
    // β = the listed values, then the model's β, each from the previous optimal path.
    if (model == nullptr) throw InvalidInput("bvp: continuation needs model=varsphere.Attention");
    std::vector<double> values = continuation.cast<std::vector<double>>();
    for (double b : values) {
      if (!(b >= 0) || !std::isfinite(b)) throw InvalidInput("bvp: continuation beta values must be finite and >= 0");
    }
    values.push_back(model->beta);
    const ContinuationPredictor how = parse_continuation_predictor(predictor);
    const py::object unused = py::none();  // the family keeps a reference: a named object
    const ActionFamily family = python_family(FamilyKind::Beta, unused, model, lagrangian, A.d(),
                                              A.n(), options.rule, s.T);
    InterruptPoll poll;
    options.on_iteration = [&](const BvpIteration&) {
      poll();
      return true;
    };
    const std::vector<BvpResult> steps = without_gil(
        [&] { return varsphere::continuation(family, values, X0, X1, s.K, options, how); });
    for (std::size_t j = 0; j < steps.size(); ++j) {
      py::dict stage;
      stage["beta"] = values[j];
      stage["iterations"] = steps[j].iterations;
      stage["outcome"] = to_string(steps[j].outcome);
      stage["second_order"] =
          steps[j].second_order ? py::object(certificate_dict(*steps[j].second_order)) : py::none();
      stages.append(stage);
    }
    result = steps.back();
  } else {
    with_lagrangian(lagrangian, model, A.d(), A.n(),
                    [&](const auto& L) { result = solve(L, X0, X1, s, options); });
  }
  if (check && !result.converged) throw NotConverged("bvp: not converged: " + result.status);
  BvpSolution out = solution_of(result);
  if (!continuation.is_none()) out.continuation = stages;
  return out;
}

py::dict run_compare(const py::object& x0, double T, int K, const py::object& lagrangian,
                     const py::object& model_object, const py::object& init,
                     const std::string& rule, int max_iterations, double max_seconds,
                     double del_tolerance, int threads, long long max_steps, bool check) {
  const auto start = std::chrono::steady_clock::now();
  const Tokens A(x0, "compare: X0", false);
  A.on_sphere();
  if (model_object.is_none()) throw InvalidInput("compare: needs model=varsphere.Attention");
  const BvpSettings s{T, K, rule, "automatic", max_iterations, threads, max_seconds,
                      del_tolerance, max_steps, true, true, false};
  s.check();
  const AttentionModelPy& model = *model_of(model_object, A.d());
  const Configuration X0 = A.matrix();
  const Trajectory flow = s.reference_flow(model, X0);
  BvpOptions options = s.options();
  set_initial_path(options, init, s, &model, X0, &flow);
  py::dict out;
  with_lagrangian(lagrangian, &model, A.d(), A.n(), [&](const auto& L) {
    const BvpResult r = solve(L, X0, flow.frames.back(), s, options);
    if (check && !r.converged) throw NotConverged("compare: " + r.status);
    const PathComparison c = compare_paths(r.path, flow);
    const double flow_action = without_gil([&] { return discrete_action(L, options.rule, flow); });
    const BvpSolution sol = solution_of(r);
    out["path"] = sol.path;
    out["times"] = sol.times;
    out["flow"] = frames_array(flow);
    out["action"] = r.action;
    out["action_flow"] = flow_action;
    out["del_residual_max"] = r.del_residual_max;
    out["del_residual_scale"] = r.del_residual_scale;
    out["iterations"] = r.iterations;
    out["outcome"] = sol.outcome;
    out["converged"] = r.converged;
    out["status"] = r.status;
    out["method"] = sol.method;
    out["max_distance_path_to_flow"] = c.sup_distance;
    out["l2_distance_path_to_flow"] = c.l2_distance;
    out["path_length"] = c.length_a;
    out["flow_length"] = c.length_b;
    out["endpoint_distance"] = c.endpoint_distance;
    if (!model.time_dependent && model.heads.size() == 1) {
      const Eigen::MatrixXd& Am = model.heads.front().A;
      const double gain = attention_energy(flow.frames.back(), Am, model.beta) -
                          attention_energy(X0, Am, model.beta);
      if (std::isfinite(gain)) out["energy_gain"] = gain;
      if (model.beta > 0) {
        out["log_energy_initial"] = attention_log_energy(X0, Am, model.beta);
        out["log_energy_final"] = attention_log_energy(flow.frames.back(), Am, model.beta);
      }
    }
    if (flow.size() >= 9) {
      out["checkel_flow"] = without_gil([&] { return check_el(L, flow).max_residual; });
    }
    out["bvp_wall_seconds"] = r.wall_seconds;
    out["second_order"] = r.second_order ? py::object(certificate_dict(*r.second_order)) : py::none();
  });
  out["wall_seconds"] =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return out;
}

py::dict run_second_order(const py::object& frames, const py::object& times,
                          const py::object& lagrangian, const py::object& model_object,
                          const std::string& rule, int eigenvalues, int threads) {
  const Trajectory path = trajectory_from(frames, times, "second_order: path");
  const AttentionModelPy* model = model_of(model_object, path.dimension());
  if (threads < 0) throw InvalidInput("threads must be >= 0 (0: all cores)");
  const SecondOrderOptions options{eigenvalues, 1e-7, resolve_thread_count(threads)};
  const DiscreteRule r = parse_discrete_rule(rule);
  SecondOrderCertificate c;
  with_lagrangian(lagrangian, model, path.dimension(), path.tokens(), [&](const auto& L) {
    c = without_gil([&] { return second_order_certificate(L, r, path, options); });
  });
  return certificate_dict(c);
}

py::array run_sensitivity(const py::object& frames, const py::object& times,
                          const py::object& parameter, const py::object& theta_object,
                          const py::object& lagrangian, const py::object& model_object,
                          const std::string& rule, int threads) {
  const Trajectory path = trajectory_from(frames, times, "path_sensitivity: path");
  if (threads < 0) throw InvalidInput("threads must be >= 0 (0: all cores)");
  const DiscreteRule discrete_rule = parse_discrete_rule(rule);
  const double horizon = path.times.back() - path.times.front();
  const Eigen::Index d = path.dimension(), n = path.tokens();
  FamilyKind kind;
  double theta = 0;
  const AttentionModelPy* model = nullptr;
  if (PyCallable_Check(parameter.ptr())) {
    if (theta_object.is_none()) throw InvalidInput("path_sensitivity: a callable parameter needs theta");
    kind = FamilyKind::Callable;
    theta = theta_object.cast<double>();
  } else if (py::isinstance<py::str>(parameter) && parameter.cast<std::string>() == "beta") {
    kind = FamilyKind::Beta;
    model = model_of(model_object, d);
    if (model == nullptr) throw InvalidInput("path_sensitivity: parameter 'beta' needs model");
    theta = model->beta;
  } else if (py::isinstance<py::str>(parameter) && parameter.cast<std::string>() == "T") {
    kind = FamilyKind::Horizon;
    model = model_of(model_object, d);
    theta = horizon;
  } else {
    throw InvalidInput("path_sensitivity: parameter must be 'beta', 'T' or a callable theta -> "
                       "varsphere.Attention");
  }
  if (!theta_object.is_none() && kind != FamilyKind::Callable &&
      std::abs(theta_object.cast<double>() - theta) > 1e-12 * std::max(1.0, std::abs(theta))) {
    throw InvalidInput("path_sensitivity: theta must be the model's beta or the path's T (or None)");
  }
  const ActionFamily family = python_family(kind, parameter, model, lagrangian, d, n, discrete_rule, horizon);
  const auto dX = without_gil([&] {
    return path_sensitivity(family, theta, path, SensitivityOptions{1e-4, resolve_thread_count(threads)});
  });
  Trajectory out;
  for (std::size_t k = 0; k < dX.size(); ++k) out.push_back(path.times[k], dX[k]);
  return frames_array(out);
}

}  // namespace

void bind_bvp(py::module_& m) {
  py::class_<LagrangianSpec>(m, "LeastSquaresLagrangian", R"(A Lagrangian L = ½|r(t, X, V)|² written in Python (for prototyping; slow).

Args:
    residual: callable (t, X, V) -> (m,) array, X and V (n, d) arrays (positions on the sphere
        and tangent velocities, rows are tokens); m must not depend on the arguments.
    jacobian: optional callable (t, X, V) -> (JX, JV), each (m, n, d) or (m, n*d): ∂r/∂X and
        ∂r/∂V in ambient coordinates (entry [:, i, a] = ∂r/∂x_{i,a}). Without it, central
        differences with step fd_step (4·n·d residual calls per Jacobian, error O(fd_step²)).
    fd_step: the finite-difference step.

Every evaluation calls Python under the GIL: expect 100-1000x the time of the same Lagrangian
in C++ (functionals/lagrangian.hpp), which is the way to ship one.)")
      .def(py::init([](const py::object& residual, const py::object& jacobian, double fd_step) {
             if (!PyCallable_Check(residual.ptr())) {
               throw InvalidInput("LeastSquaresLagrangian: residual must be callable");
             }
             if (!jacobian.is_none() && !PyCallable_Check(jacobian.ptr())) {
               throw InvalidInput("LeastSquaresLagrangian: jacobian must be callable or None");
             }
             if (!(fd_step > 0) || !std::isfinite(fd_step)) {
               throw InvalidInput("LeastSquaresLagrangian: fd_step must be positive");
             }
             return LagrangianSpec{residual, jacobian, fd_step};
           }),
           py::arg("residual"), py::arg("jacobian") = py::none(), py::kw_only(),
           py::arg("fd_step") = 1e-6)
      .def_readonly("residual", &LagrangianSpec::residual)
      .def_readonly("jacobian", &LagrangianSpec::jacobian)
      .def_readonly("fd_step", &LagrangianSpec::fd_step);

  py::class_<BvpSolution>(m, "BvpSolution", "What varsphere.bvp returns (the CLI's bvp JSON).")
      .def_readonly("times", &BvpSolution::times, "(K+1,) node times t_k = kT/K")
      .def_readonly("path", &BvpSolution::path, "(K+1, n, d) nodes of the optimal path")
      .def_readonly("action", &BvpSolution::action, "discrete action S_d of the path")
      .def_readonly("del_residual_max", &BvpSolution::del_residual_max,
                    "max_k,i |P ∇_{x_k,i} S_d| / h (the DEL residual per unit time)")
      .def_readonly("del_residual_scale", &BvpSolution::del_residual_scale,
                    "size of the one-sided terms that cancel in it")
      .def_readonly("iterations", &BvpSolution::iterations)
      .def_readonly("outcome", &BvpSolution::outcome,
                    "'certified', 'not-converged', 'del-residual-above-tolerance' or 'solver-failed'")
      .def_readonly("converged", &BvpSolution::converged, "outcome == 'certified'")
      .def_readonly("status", &BvpSolution::status, "what happened, in one line")
      .def_readonly("method", &BvpSolution::method)
      .def_readonly("wall_seconds", &BvpSolution::wall_seconds)
      .def_readonly("continuation", &BvpSolution::continuation,
                    "with continuation=: one dict per stage (beta, iterations, outcome, second_order), else None")
      .def_readonly("second_order", &BvpSolution::second_order,
                    "the second-order certificate (a dict as varsphere.second_order returns), or "
                    "None when not certified or second_order=False")
      .def("__repr__", [](const BvpSolution& s) {
        return "BvpSolution(outcome='" + s.outcome + "', action=" +
               py::repr(py::float_(s.action)).cast<std::string>() +
               ", iterations=" + std::to_string(s.iterations) + ")";
      });

  m.def("bvp", &run_bvp, py::arg("X0"), py::arg("X1"), py::arg("T"), py::arg("K"),
        py::kw_only(), py::arg("lagrangian") = "kinetic", py::arg("model") = py::none(),
        py::arg("init") = "geodesic", py::arg("rule") = "midpoint",
        py::arg("method") = "automatic", py::arg("max_iterations") = 200,
        py::arg("max_seconds") = 0.0, py::arg("del_tolerance") = 1e-7, py::arg("threads") = 0,
        py::arg("analytic_jacobians") = true, py::arg("null_lagrangian_split") = true,
        py::arg("max_steps") = 1'000'000, py::arg("check") = false, py::arg("verbose") = false,
        py::arg("second_order") = "auto", py::arg("eigenvalues") = 4,
        py::arg("continuation") = py::none(), py::arg("predictor") = "sensitivity",
        R"(Solve the discrete Euler–Lagrange BVP between X0 and X1 (n, d) on K steps over [0, T]
(as `varsphere bvp`; docs/math.md §3.3).

Args:
    lagrangian: 'kinetic' (geodesics), 'flow-matching' (½|V − F(X)|², needs model),
        'de-giorgi' (½|V|² + ½|F|² − dE/dt, needs model with V = A), or a
        varsphere.LeastSquaresLagrangian.
    model: the varsphere.Attention of the field F (Post-LN).
    init: 'geodesic', 'flow' (the model's flow from X0 on the K+1 grid) or a (K+1, n, d) array
        whose ends are X0 and X1.
    rule: 'midpoint' (order 2) or 'left' (order 1).
    method: 'automatic', 'least-squares' or 'del-equations'.
    max_iterations, max_seconds (0: no limit), del_tolerance: when to stop and what certifies.
    threads: Ceres threads (0: all cores; the path does not depend on it). max_steps: step budget of the reference flow (init='flow').
    check: raise varsphere.NotConverged unless the outcome is 'certified'.
    verbose: Ceres' iteration log on stderr.
    second_order, eigenvalues: after a certified solve, the second-order certificate (Morse
        index, the `eigenvalues` smallest Hessian eigenvalues; docs/math.md §3.8) in
        BvpSolution.second_order: 'auto' (when (K-1) n (d-1) <= 20000), True or False.
    continuation, predictor: a list of beta values solved first, in order, each from the previous
        optimal path, the model's beta last (docs/math.md §3.6, §3.9); predictor 'sensitivity'
        (moved along dX*/dbeta) or 'warm-start'. BvpSolution.continuation lists the stages.

Returns a BvpSolution (path (K+1, n, d), action, DEL residual, outcome, iterations).
The GIL is released; Ctrl-C stops the solve after the current iteration (KeyboardInterrupt).)");

  m.def("compare", &run_compare, py::arg("X0"), py::arg("T"), py::arg("K"), py::kw_only(),
        py::arg("lagrangian") = "de-giorgi", py::arg("model"), py::arg("init") = "geodesic",
        py::arg("rule") = "midpoint", py::arg("max_iterations") = 200,
        py::arg("max_seconds") = 0.0, py::arg("del_tolerance") = 1e-7, py::arg("threads") = 0,
        py::arg("max_steps") = 1'000'000, py::arg("check") = false,
        R"(Compare the attention flow from X0 with the optimal path between its ends (as
`varsphere compare`): the model's flow on the K+1 grid (dopri5, rtol 1e-12), the BVP from X0 to
the flow's end, and the CLI's JSON figures in a dict (action of both, sup and L² distance,
lengths, energy gain, checkEL of the flow) plus the arrays 'flow', 'path' (K+1, n, d), 'times'.)");

  m.def(
      "check_el",
      [](const py::object& frames, const py::object& times, const py::object& lagrangian,
         const py::object& model_object) {
        const Trajectory traj = trajectory_from(frames, times, "check_el: trajectory");
        const AttentionModelPy* model = model_of(model_object, traj.dimension());
        CheckElResult r;
        with_lagrangian(lagrangian, model, traj.dimension(), traj.tokens(), [&](const auto& L) {
          r = without_gil([&] { return check_el(L, traj); });
        });
        py::dict out;
        out["times"] = to_vector(r.times);
        out["residuals"] = to_vector(r.residuals);
        out["max_residual"] = r.max_residual;
        out["time_of_max"] = r.time_of_max;
        return out;
      },
      py::arg("X"), py::arg("times"), py::arg("lagrangian") = "de-giorgi",
      py::arg("model") = py::none(),
      R"(checkEL (docs/math.md §3.5): the projected Euler–Lagrange residual
max_i |P_{x_i}[∂_x L − d/dt ∂_v L]_i| of a Lagrangian along a trajectory X (m, n, d) on a
uniform grid `times` (m,), m >= 9; fourth-order differences, error O(Δt⁴). Returns a dict with
'times', 'residuals', 'max_residual', 'time_of_max'.)");

  m.def(
      "action",
      [](const py::object& frames, const py::object& times, const py::object& lagrangian,
         const py::object& model_object, const std::string& rule) {
        const Trajectory traj = trajectory_from(frames, times, "action: path");
        const AttentionModelPy* model = model_of(model_object, traj.dimension());
        const DiscreteRule r = parse_discrete_rule(rule);
        py::dict out;
        with_lagrangian(lagrangian, model, traj.dimension(), traj.tokens(), [&](const auto& L) {
          const double S = without_gil([&] { return discrete_action(L, r, traj); });
          const DelResidual del = without_gil([&] { return del_residual(L, r, traj); });
          out["action"] = S;
          out["del_residual_max"] = del.max;
          out["del_residual_scale"] = del.scale;
        });
        return out;
      },
      py::arg("X"), py::arg("times"), py::arg("lagrangian") = "kinetic",
      py::arg("model") = py::none(), py::arg("rule") = "midpoint",
      "The discrete action S_d of a path X (m, n, d) at `times` and its DEL residual (a dict).");

  m.def("second_order", &run_second_order, py::arg("X"), py::arg("times"), py::kw_only(),
        py::arg("lagrangian") = "kinetic", py::arg("model") = py::none(),
        py::arg("rule") = "midpoint", py::arg("eigenvalues") = 4, py::arg("threads") = 0,
        R"(The second-order certificate of a path X (K+1, n, d) at uniform `times` (docs/math.md
§3.8): the Riemannian Hessian of the discrete action at the interior nodes (fixed ends), its
Morse index (eigenvalues below -delta, counted exactly by a block LDLT), the eigenvalues in
[-delta, delta] (delta = 1e-7 * ||H||) and the `eigenvalues` smallest eigenvalues. Meaningful at a
stationary path (a certified bvp solution). Returns a dict: 'kind' ('strict-local-minimum',
'saddle' or 'degenerate'), 'morse_index', 'near_zero', 'smallest_eigenvalues', 'hessian_norm',
'zero_threshold', 'dimension', 'seconds'.)");

  m.def("path_sensitivity", &run_sensitivity, py::arg("X"), py::arg("times"),
        py::arg("parameter"), py::kw_only(), py::arg("theta") = py::none(),
        py::arg("lagrangian") = "de-giorgi", py::arg("model") = py::none(),
        py::arg("rule") = "midpoint", py::arg("threads") = 0,
        R"(dX*/dtheta of a stationary path X (K+1, n, d) at uniform `times` by the implicit function
theorem, H dX/dtheta = -d/dtheta grad S_d (docs/math.md §3.9): an array (K+1, n, d) of tangent
vectors, zero at the fixed ends.

Args:
    parameter: 'beta' (the model's inverse temperature), 'T' (the horizon, nodes k = 0..K kept),
        or a callable theta -> varsphere.Attention (any entry of A or V, ...) with `theta` given.
    lagrangian, model, rule: the problem whose solution X is (as in varsphere.bvp).
Raises varsphere.Error if the Hessian is singular (no unique continuation).)");
}

}  // namespace varsphere::python
