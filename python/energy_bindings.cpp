// Interaction energies and their stationary points (docs/math.md §4), the multi-head
// simulation with its energy ledger (§6) and the continuum layer with its splitting step (§5).
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <varsphere/core/error.hpp>
#include <varsphere/functionals/continuum_attention.hpp>
#include <varsphere/functionals/continuum_grid.hpp>
#include <varsphere/functionals/continuum_layer.hpp>
#include <varsphere/functionals/interaction_energy.hpp>
#include <varsphere/functionals/weight_process.hpp>
#include <varsphere/solvers/continuum_splitting.hpp>
#include <varsphere/solvers/multihead_flow.hpp>
#include <varsphere/solvers/stationary.hpp>

#include "arrays.hpp"
#include "attention_model.hpp"
#include "bindings.hpp"

namespace varsphere::python {

namespace {

Tokens energy_input(const InteractionEnergy& E, const py::object& x, const char* what) {
  Tokens X(x, what, false);
  X.on_sphere();
  if (X.d() != E.dimension()) {
    throw InvalidInput(std::string(what) + ": tokens have dimension " + std::to_string(X.d()) +
                       ", D is " + std::to_string(E.dimension()) + "x" +
                       std::to_string(E.dimension()));
  }
  return X;
}

Extremum direction_from(const std::string& name) {
  if (name == "max" || name == "ascent") return Extremum::Ascent;
  if (name == "min" || name == "descent") return Extremum::Descent;
  throw InvalidInput("direction must be 'max' or 'min'");
}

py::dict ledger_dict(const EnergyLedger& l) {
  py::dict out;
  out["t"] = to_vector(l.t);
  out["energy"] = to_vector(l.energy);
  out["power"] = to_vector(l.power);
  out["explicit_time"] = to_vector(l.explicit_time);
  out["martingale"] = to_vector(l.martingale);
  out["second_order"] = to_vector(l.second_order);
  out["ito_expected"] = to_vector(l.ito_expected);
  out["paper"] = to_vector(l.paper);
  out["metric_slope"] = to_vector(l.metric_slope);
  out["residual"] = to_vector(l.residual);
  return out;
}

std::vector<Eigen::MatrixXd> matrices_from(const py::object& object, const std::string& what) {
  const py::array a = py::array::ensure(object);
  if (!a || (a.ndim() != 2 && a.ndim() != 3)) {
    PyErr_Clear();
    throw InvalidInput(what + ": expected a (d, d) or (H, d, d) array");
  }
  std::vector<Eigen::MatrixXd> out;
  if (a.ndim() == 2) {
    out.push_back(matrix_from(a, what));
  } else {
    for (py::ssize_t h = 0; h < a.shape(0); ++h) out.push_back(matrix_from(a[py::int_(h)], what));
  }
  return out;
}

py::array stack(const std::vector<Eigen::MatrixXd>& Ms) {
  py::list rows;
  for (const auto& M : Ms) rows.append(to_matrix(M));
  return py::module_::import("numpy").attr("stack")(rows);
}

Eigen::MatrixXd optional_matrix(const py::object& o, const std::string& what) {
  return o.is_none() ? Eigen::MatrixXd() : matrix_from(o, what);
}

}  // namespace

void bind_energies(py::module_& m) {
  py::class_<InteractionEnergy>(m, "InteractionEnergy", R"(The interaction energy E_D(X) = (1/n²) Σ_ij exp(<x_i, D x_j>) of n tokens on S^{d-1} (docs/math.md §4;
BKKRW's energy with D = βA). D is a (d, d) symmetric matrix.)")
      .def(py::init([](const py::object& D) { return InteractionEnergy(matrix_from(D, "InteractionEnergy: D")); }),
           py::arg("D"))
      .def_property_readonly("D", [](const InteractionEnergy& E) { return to_matrix(E.D()); })
      .def(
          "__call__",
          [](const InteractionEnergy& E, const py::object& x) {
            return E(energy_input(E, x, "InteractionEnergy: X").matrix());
          },
          py::arg("X"), "E_D(X) for tokens X (n, d).")
      .def(
          "gradient",
          [](const InteractionEnergy& E, const py::object& x) {
            return to_rows(E.gradient(energy_input(E, x, "gradient: X").matrix()));
          },
          py::arg("X"), "Euclidean gradient (n, d).")
      .def(
          "riemannian_gradient",
          [](const InteractionEnergy& E, const py::object& x) {
            return to_rows(E.riemannian_gradient(energy_input(E, x, "riemannian_gradient: X").matrix()));
          },
          py::arg("X"), "Riemannian gradient P_{x_i} ∇_{x_i} E, (n, d).")
      .def(
          "riemannian_hessian",
          [](const InteractionEnergy& E, const py::object& x) {
            return to_matrix(E.riemannian_hessian(energy_input(E, x, "riemannian_hessian: X").matrix()));
          },
          py::arg("X"),
          "Riemannian Hessian (n·d, n·d) acting on ambient tangent vectors X.ravel() (zero on normals).")
      .def(
          "stationarity_residual",
          [](const InteractionEnergy& E, const py::object& x) {
            return E.stationarity_residual(energy_input(E, x, "stationarity_residual: X").matrix());
          },
          py::arg("X"), "n/2 · max_i |P_{x_i} ∇_{x_i} E|: zero exactly at stationary points.");

  m.def(
      "find_stationary",
      [](const InteractionEnergy& E, const py::object& x0, const std::string& direction,
         double tolerance, int max_iterations, int newton_steps) {
        const Configuration X0 = energy_input(E, x0, "find_stationary: X0").matrix();
        if (!(tolerance > 0)) throw InvalidInput("find_stationary: tolerance must be positive");
        if (max_iterations < 1 || newton_steps < 0) {
          throw InvalidInput("find_stationary: max_iterations >= 1 and newton_steps >= 0");
        }
        StationaryOptions options;
        options.tolerance = tolerance;
        options.max_iterations = max_iterations;
        options.newton_steps = newton_steps;
        const Extremum dir = direction_from(direction);
        const StationaryResult r = without_gil([&] { return find_stationary(E, X0, dir, options); });
        py::dict out;
        out["X"] = to_rows(r.X);
        out["energy"] = r.energy;
        out["residual"] = r.residual;
        out["iterations"] = r.iterations;
        out["converged"] = r.converged;
        out["status"] = r.status;
        return out;
      },
      py::arg("energy"), py::arg("X0"), py::kw_only(), py::arg("direction") = "max",
      py::arg("tolerance") = 1e-10, py::arg("max_iterations") = 5000,
      py::arg("newton_steps") = 30,
      R"(A stationary point of an InteractionEnergy from X0 (n, d): L-BFGS on ∓E then Newton with
the exact Riemannian Hessian until the stationarity residual is <= tolerance. direction: 'max' or
'min'. Returns a dict: X, energy, residual, iterations, converged, status.)");

  m.def(
      "classify",
      [](const InteractionEnergy& E, const py::object& x, double tol) {
        const Configuration X = energy_input(E, x, "classify: X").matrix();
        const Classification c = without_gil([&] { return classify(E, X, tol); });
        py::dict out;
        out["kind"] = c.kind;
        out["eigenvalues"] = to_vector(c.eigenvalues);
        out["symmetry_dimension"] = c.symmetry_dimension;
        out["zero_modes"] = c.zero_modes;
        out["positive"] = c.positive;
        out["negative"] = c.negative;
        return out;
      },
      py::arg("energy"), py::arg("X"), py::arg("tol") = 1e-7,
      R"(Classify a stationary point X by the Riemannian Hessian with the rotations commuting with D
removed: kind 'maximum', 'minimum', 'saddle' or 'degenerate', the eigenvalues and mode counts.)");

  m.def(
      "simulate_multihead",
      [](const py::object& x0, const py::object& D, double T, const std::string& process,
         double sigma, double dt, double noise_dt, const std::string& sign, unsigned long long seed,
         int record_every, bool record_states) {
        const Tokens X(x0, "simulate_multihead: X0", false);
        X.on_sphere();
        std::vector<Eigen::MatrixXd> heads = matrices_from(D, "simulate_multihead: D");
        WeightProcess p;
        if (process == "frozen") {
          p = WeightProcess::frozen();
        } else if (process == "ornstein-uhlenbeck") {
          p = WeightProcess::ornstein_uhlenbeck(sigma);
        } else if (process == "oscillating") {
          p = WeightProcess::oscillating(static_cast<int>(heads.size()));
        } else {
          throw InvalidInput("simulate_multihead: process must be 'frozen', 'ornstein-uhlenbeck' or 'oscillating'");
        }
        if (sign != "ascent" && sign != "descent") {
          throw InvalidInput("simulate_multihead: sign must be 'ascent' or 'descent'");
        }
        MultiHeadOptions options;
        options.dt = dt;
        options.noise_dt = noise_dt;
        options.sign = sign == "ascent" ? 1.0 : -1.0;
        options.seed = seed;
        options.record_every = record_every;
        options.record_states = record_states;
        const Configuration X0 = X.matrix();
        MultiHeadResult r = without_gil(
            [&] { return simulate_multihead(X0, std::move(heads), p, T, options); });
        py::dict out;
        out["X"] = to_rows(r.X);
        out["D"] = stack(r.D);
        out["ledger"] = ledger_dict(r.ledger);
        if (record_states) {
          out["times"] = to_vector(r.trajectory.times);
          out["trajectory"] = frames_array(r.trajectory);
        }
        return out;
      },
      py::arg("X0"), py::arg("D"), py::arg("T"), py::kw_only(), py::arg("process") = "frozen",
      py::arg("sigma") = 0.0, py::arg("dt") = 5e-3, py::arg("noise_dt") = 0.0,
      py::arg("sign") = "descent", py::arg("seed") = 1, py::arg("record_every") = 1,
      py::arg("record_states") = false,
      R"(The multi-head flow with time-dependent weights D_h (MDCBS, docs/math.md §6):
tokens X0 (n, d), heads D (H, d, d), weight process 'frozen', 'ornstein-uhlenbeck' (sigma) or
'oscillating', Euler–Maruyama with step dt on a Brownian grid noise_dt (0: dt) from `seed`.
Returns a dict: X (n, d), D (H, d, d), the energy ledger (dict of arrays: t, energy, power,
explicit_time, martingale, second_order, ito_expected, paper, metric_slope, residual) and, with
record_states, times and trajectory (m, n, d).)");

  py::class_<ContinuumGrid>(m, "ContinuumGrid", R"(Quadrature grid of the continuum Transformer (docs/math.md §5): token nodes x (N_x) and
feature nodes y (N_y) with their weights. Fields u(x, y) are (N_x, N_y) arrays.)")
      .def_static("midpoint", &ContinuumGrid::midpoint, py::arg("Nx"), py::arg("Lx"),
                  py::arg("Ny"), py::arg("Ly"), "Midpoint rule on [0, Lx] × [0, Ly].")
      .def_static("unit", &ContinuumGrid::unit, py::arg("Nx"), py::arg("Ny"),
                  "Unit weights: the discrete Transformer.")
      .def_property_readonly("x", [](const ContinuumGrid& g) { return to_vector(g.x); })
      .def_property_readonly("wx", [](const ContinuumGrid& g) { return to_vector(g.wx); })
      .def_property_readonly("y", [](const ContinuumGrid& g) { return to_vector(g.y); })
      .def_property_readonly("wy", [](const ContinuumGrid& g) { return to_vector(g.wy); });

  py::class_<ContinuumLayer>(m, "ContinuumLayer", R"(The weights of one unit of depth of the continuum Transformer: attention kernels WQ, WK,
WV (and WO, None for the identity) with `heads` heads, FFN kernels W1, W2 (N_y, N_y), biases
b1, b2 (N_x, N_y) and the layer-norm constants sigma1, sigma2 > 0.)")
      .def(py::init([](const py::object& WQ, const py::object& WK, const py::object& WV,
                       const py::object& W1, const py::object& W2, const py::object& b1,
                       const py::object& b2, const py::object& WO, int heads, double sigma1,
                       double sigma2) {
             ContinuumLayer layer;
             layer.attention.WQ = matrix_from(WQ, "ContinuumLayer: WQ");
             layer.attention.WK = matrix_from(WK, "ContinuumLayer: WK");
             layer.attention.WV = matrix_from(WV, "ContinuumLayer: WV");
             if (!WO.is_none()) layer.attention.WO = matrix_from(WO, "ContinuumLayer: WO");
             layer.attention.heads = heads;
             layer.W1 = matrix_from(W1, "ContinuumLayer: W1");
             layer.W2 = matrix_from(W2, "ContinuumLayer: W2");
             layer.b1 = optional_matrix(b1, "ContinuumLayer: b1");
             layer.b2 = optional_matrix(b2, "ContinuumLayer: b2");
             layer.sigma1 = sigma1;
             layer.sigma2 = sigma2;
             return layer;
           }),
           py::arg("WQ"), py::arg("WK"), py::arg("WV"), py::arg("W1"), py::arg("W2"),
           py::kw_only(), py::arg("b1"), py::arg("b2"), py::arg("WO") = py::none(),
           py::arg("heads") = 1, py::arg("sigma1") = 0.0, py::arg("sigma2") = 1.0);

  m.def(
      "continuum_attention",
      [](const ContinuumGrid& grid, const ContinuumLayer& layer, const py::object& u) {
        const Eigen::MatrixXd U = matrix_from(u, "continuum_attention: u");
        grid.check_field(U, "continuum_attention: u");
        check_attention_kernels(grid, layer.attention);
        return to_matrix(continuum_attention(grid, layer.attention, U));
      },
      py::arg("grid"), py::arg("layer"), py::arg("u"),
      "The continuum self-attention operator applied to a field u (N_x, N_y).");
  m.def(
      "splitting_step",
      [](const ContinuumGrid& grid, const ContinuumLayer& layer, const py::object& u, double dt) {
        const Eigen::MatrixXd U = matrix_from(u, "splitting_step: u");
        return to_matrix(without_gil([&] { return splitting_step(grid, layer, U, dt); }));
      },
      py::arg("grid"), py::arg("layer"), py::arg("u"), py::arg("dt") = 1.0,
      "One splitting step of size dt (dt = 1: one Post-LN encoder block) from u (N_x, N_y).");
  m.def(
      "depth_flow",
      [](const ContinuumGrid& grid, const ContinuumLayer& layer, const py::object& u, double T,
         double dt, int save_every) {
        const Eigen::MatrixXd U = matrix_from(u, "depth_flow: u");
        const DepthTrajectory r = without_gil([&] {
          return depth_flow(grid, [&](double) { return layer; }, U, T, dt, save_every);
        });
        py::list states;
        for (const auto& s : r.u) states.append(to_matrix(s));
        py::dict out;
        out["t"] = to_vector(r.t);
        out["u"] = py::module_::import("numpy").attr("stack")(states);
        return out;
      },
      py::arg("grid"), py::arg("layer"), py::arg("u"), py::arg("T"), py::arg("dt") = 1.0,
      py::arg("save_every") = 1,
      "T/dt splitting steps of one constant layer from u; a dict with depths t and states u (m, N_x, N_y).");
}

}  // namespace varsphere::python
