// varsphere.Attention (python/attention_model.hpp).
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <varsphere/core/error.hpp>
#include <varsphere/functionals/attention_energy.hpp>

#include "arrays.hpp"
#include "attention_model.hpp"
#include "bindings.hpp"

namespace varsphere::python {

std::shared_ptr<py::object> keep_callable(const py::object& f) {
  return std::shared_ptr<py::object>(new py::object(f), [](py::object* p) {
    py::gil_scoped_acquire gil;
    delete p;
  });
}

const AttentionHead& AttentionModelPy::single_head(const std::string& what) const {
  if (time_dependent || heads.size() != 1) {
    throw InvalidInput(what + ": needs one constant head (A, V)");
  }
  return heads.front();
}

namespace {

// A (d, d) or (H, d, d) array as H matrices (row-major as written).
std::vector<Eigen::MatrixXd> stack_from(const py::handle& object, Eigen::Index d,
                                        const std::string& what) {
  std::vector<Eigen::MatrixXd> out;
  const py::array a = py::array::ensure(object);
  if (!a) {
    PyErr_Clear();
    throw InvalidInput(what + ": expected a (d, d) or (H, d, d) array");
  }
  if (a.ndim() == 2) {
    out.push_back(matrix_from(object, what));
  } else if (a.ndim() == 3) {
    for (py::ssize_t h = 0; h < a.shape(0); ++h) {
      out.push_back(matrix_from(a[py::int_(h)], what + "[" + std::to_string(h) + "]"));
    }
  } else {
    throw InvalidInput(what + ": expected a (d, d) or (H, d, d) array");
  }
  for (const auto& M : out) {
    if (M.rows() != d || M.cols() != d) {
      throw InvalidInput(what + ": expected " + std::to_string(d) + "x" + std::to_string(d) +
                         " matrices, got " + std::to_string(M.rows()) + "x" +
                         std::to_string(M.cols()));
    }
  }
  if (out.empty()) throw InvalidInput(what + ": no heads");
  return out;
}

std::vector<AttentionHead> heads_from(const py::object& A, const py::object& V, Eigen::Index d,
                                      const std::string& what) {
  const std::vector<Eigen::MatrixXd> As = stack_from(A, d, what + " A");
  std::vector<Eigen::MatrixXd> Vs;
  if (V.is_none()) {
    Vs.assign(As.size(), Eigen::MatrixXd::Identity(d, d));
  } else {
    Vs = stack_from(V, d, what + " V");
  }
  if (Vs.size() != As.size()) {
    throw InvalidInput(what + ": " + std::to_string(As.size()) + " A matrices but " +
                       std::to_string(Vs.size()) + " V matrices");
  }
  std::vector<AttentionHead> heads;
  for (std::size_t h = 0; h < As.size(); ++h) heads.push_back({As[h], Vs[h]});
  return heads;
}

// numpy.float64 / numpy.float32 (or their names) → the arithmetic of the attention tiles.
Precision precision_of(const py::object& dtype) {
  const py::dtype t = py::dtype::from_args(dtype);
  if (t.kind() == 'f' && t.itemsize() == 8) return Precision::Double;
  if (t.kind() == 'f' && t.itemsize() == 4) return Precision::Single;
  throw InvalidInput("Attention: dtype must be float64 or float32, got " +
                     py::str(py::handle(t)).cast<std::string>());
}

AttentionModelPy make_model(long long d, const std::string& model, double beta,
                            const py::object& A, const py::object& Q, const py::object& K,
                            const py::object& V, const py::object& schedule,
                            const std::string& norm, const std::string& sign,
                            const std::string& mask, double alibi, const py::object& bias,
                            double ngpt_alpha, int sinkhorn_iterations,
                            double sinkhorn_tolerance, int threads, const py::object& dtype,
                            const std::string& kernel) {
  if (threads < 0) throw InvalidInput("Attention: threads must be >= 0 (0: all cores)");
  const Precision precision = precision_of(dtype);
  const AttentionKernel route = parse_attention_kernel(kernel);
  if (d < 2) throw InvalidInput("Attention: d must be at least 2");
  if (model != "sa" && model != "usa" && model != "sinkhorn" && model != "hardmax") {
    throw InvalidInput("Attention: model must be 'sa', 'usa', 'sinkhorn' or 'hardmax'");
  }
  parse_layer_norm(norm);
  if (!(ngpt_alpha > 0) || !std::isfinite(ngpt_alpha)) {
    throw InvalidInput("Attention: ngpt_alpha must be positive and finite");
  }
  if (sign != "ascent" && sign != "descent") {
    throw InvalidInput("Attention: sign must be 'ascent' or 'descent'");
  }
  if (!std::isfinite(beta) || beta < 0) throw InvalidInput("Attention: beta must be finite and >= 0");
  ScoreBias score_bias{parse_attention_mask(mask), alibi, {}};
  // −inf entries mask pairs; matrix_from refuses non-finite entries, so they are read directly.
  const auto bias_matrix = [](const py::handle& object, const std::string& what) {
    const ArrayView b(object, 2, what, "shape (n, n)");
    return Eigen::MatrixXd(
        Eigen::Map<const Eigen::MatrixXd>(b.data(), b.dim(1), b.dim(0)).transpose());
  };
  if (!bias.is_none() && PyCallable_Check(bias.ptr())) {
    auto f = keep_callable(bias);
    score_bias.schedule = [f, bias_matrix](double t) {
      py::gil_scoped_acquire gil;
      return bias_matrix((*f)(t), "Attention: bias(t = " + std::to_string(t) + ")");
    };
  } else if (!bias.is_none()) {
    score_bias.matrix = bias_matrix(bias, "Attention: bias");
  }
  score_bias.check_values();
  const AttentionNormalization normalization =
      model == "usa"        ? AttentionNormalization::Unnormalized
      : model == "sinkhorn" ? AttentionNormalization::Sinkhorn
      : model == "hardmax"  ? AttentionNormalization::Hardmax
                            : AttentionNormalization::Softmax;
  const AttentionOptions options{normalization,
                                 beta,
                                 sign == "descent" ? -1.0 : 1.0,
                                 score_bias,
                                 SinkhornOptions{sinkhorn_iterations, sinkhorn_tolerance},
                                 route,
                                 threads,
                                 precision};
  const bool has_qk = !Q.is_none() || !K.is_none();
  if (has_qk && (Q.is_none() || K.is_none())) throw InvalidInput("Attention: give both Q and K");
  if (has_qk && !A.is_none()) throw InvalidInput("Attention: give A or (Q, K), not both");
  if (!schedule.is_none()) {
    if (!A.is_none() || has_qk || !V.is_none()) {
      throw InvalidInput("Attention: a schedule gives the heads; do not pass A, Q, K or V");
    }
    if (!PyCallable_Check(schedule.ptr())) throw InvalidInput("Attention: schedule must be callable");
    auto f = keep_callable(schedule);
    HeadSchedule heads_at = [f, d](double t) {
      py::gil_scoped_acquire gil;
      py::object out = (*f)(t);
      py::tuple pair;
      if (!py::isinstance<py::tuple>(out) || (pair = out.cast<py::tuple>()).size() != 2) {
        throw InvalidInput("Attention schedule: must return a tuple (A, V) of arrays");
      }
      return heads_from(pair[0], pair[1], d, "Attention schedule(t = " + std::to_string(t) + ")");
    };
    AttentionModelPy m{model, norm, sign, beta, {}, true, AttentionField(d, heads_at, options),
                       ngpt_alpha};
    return m;
  }
  std::vector<AttentionHead> heads;
  if (has_qk) {
    const auto Qs = stack_from(Q, d, "Attention Q"), Ks = stack_from(K, d, "Attention K");
    if (Qs.size() != Ks.size()) throw InvalidInput("Attention: Q and K have different head counts");
    std::vector<Eigen::MatrixXd> As;
    for (std::size_t h = 0; h < Qs.size(); ++h) As.push_back(Qs[h].transpose() * Ks[h]);
    const std::vector<Eigen::MatrixXd> Vs =
        V.is_none() ? std::vector<Eigen::MatrixXd>(As.size(), Eigen::MatrixXd::Identity(d, d))
                    : stack_from(V, d, "Attention V");
    if (Vs.size() != As.size()) throw InvalidInput("Attention: V has a different head count");
    for (std::size_t h = 0; h < As.size(); ++h) heads.push_back({As[h], Vs[h]});
  } else if (A.is_none()) {
    const std::vector<Eigen::MatrixXd> Vs =
        V.is_none() ? std::vector<Eigen::MatrixXd>{Eigen::MatrixXd::Identity(d, d)}
                    : stack_from(V, d, "Attention V");
    for (const auto& Vh : Vs) heads.push_back({Eigen::MatrixXd::Identity(d, d), Vh});
  } else {
    heads = heads_from(A, V, d, "Attention");
  }
  AttentionField field(d, heads, options);
  return AttentionModelPy{model, norm, sign, beta, std::move(heads), false, std::move(field),
                          ngpt_alpha};
}

Tokens model_input(const AttentionModelPy& m, const py::object& x, const char* what) {
  Tokens X(x, what, false);
  X.on_sphere();
  if (X.d() != m.field.dimension()) {
    throw InvalidInput(std::string(what) + ": tokens have dimension " + std::to_string(X.d()) +
                       ", the model " + std::to_string(m.field.dimension()));
  }
  return X;
}

py::list heads_list(const std::vector<AttentionHead>& heads) {
  py::list out;
  for (const auto& h : heads) out.append(py::make_tuple(to_matrix(h.A), to_matrix(h.V)));
  return out;
}

}  // namespace

void bind_attention(py::module_& m) {
  py::class_<AttentionModelPy>(m, "Attention", R"(The self-attention vector field on (S^{d-1})^n (docs/math.md §2):

    dx_i/dt = sign · P_{x_i}( Σ_h Σ_j w^h_ij V_h x_j ),
    SA:  w^h_ij = softmax_j(β <x_i, A_h x_j>),   USA: w^h_ij = exp(β <x_i, A_h x_j>) / n,

with A_h = Q_hᵀ K_h. Matrices are (d, d) numpy arrays as written (row-major); several heads are
(H, d, d) stacks; the methods take tokens X as (n, d) arrays. Defaults: A = V = I (GLPR's SA/USA models), Post-LN, ascent (the Transformer).

Args:
    d: dimension of the ambient space (tokens on S^{d-1}).
    model: 'sa' (softmax), 'usa' (unnormalized), 'sinkhorn' (doubly stochastic weights n·π,
        π the Sinkhorn plan of exp(β<x_i, A x_j>); sinkhorn_iterations, sinkhorn_tolerance) or
        'hardmax' (β → ∞: uniform weights on the argmax set, ties within 1e-12).
    beta: inverse temperature β >= 0.
    A: (d, d) or (H, d, d) interaction matrices; or Q and K with A_h = Q_hᵀ K_h.
    V: (d, d) or (H, d, d) value matrices (identity by default).
    schedule: callable t -> (A, V) giving time-dependent heads (called under the GIL at every
        field evaluation: slower than constant heads).
    norm: where the normalization sits (docs/math.md §2.2; flows only except 'post'): 'post'
        (tokens on the sphere), 'pre' (the residual stream z, x = z/|z|), 'peri' (the attention
        output normalized before it is added) or 'ngpt' (ẋ = α P_x D/|D|, α = ngpt_alpha).
    sign: 'ascent' (+1) or 'descent' (-1, the reversed flow).
    mask: 'none', 'causal' (token i attends to j <= i) or 'strict-causal' (j < i), in row order.
    alibi: ALiBi slope λ >= 0: scores get the bias -λ|i - j|/n.
    bias: an (n, n) array b_ij added to the scores β<x_i, A x_j> (-inf masks a pair), or a
        callable t -> (n, n) array for a bias that changes with time (called under the GIL once
        per field evaluation); the weights become ∝ exp(β<x_i, A x_j> + b_ij) (docs/math.md §2.6).
    threads: threads of the attention kernel (0: all cores); results do not depend on it.
    dtype: numpy.float64 (the reference) or numpy.float32: the attention tiles in single
        precision (tokens, flows and outputs stay float64; about 1e-7 relative per evaluation).
    kernel: 'tiled' (fused, O(n d) memory, the default) or 'dense' (the n×n oracle; SA/USA).)")
      .def(py::init(&make_model), py::arg("d"), py::kw_only(), py::arg("model") = "sa",
           py::arg("beta") = 1.0, py::arg("A") = py::none(), py::arg("Q") = py::none(),
           py::arg("K") = py::none(), py::arg("V") = py::none(),
           py::arg("schedule") = py::none(), py::arg("norm") = "post",
           py::arg("sign") = "ascent", py::arg("mask") = "none", py::arg("alibi") = 0.0,
           py::arg("bias") = py::none(), py::arg("ngpt_alpha") = 0.2,
           py::arg("sinkhorn_iterations") = 100, py::arg("sinkhorn_tolerance") = 1e-12,
           py::arg("threads") = 0, py::arg("dtype") = "float64", py::arg("kernel") = "tiled")
      .def_property_readonly("d", [](const AttentionModelPy& a) { return a.field.dimension(); })
      .def_readonly("model", &AttentionModelPy::model)
      .def_readonly("beta", &AttentionModelPy::beta)
      .def_readonly("norm", &AttentionModelPy::norm)
      .def_readonly("sign", &AttentionModelPy::sign)
      .def_readonly("time_dependent", &AttentionModelPy::time_dependent)
      .def_readonly("ngpt_alpha", &AttentionModelPy::ngpt_alpha)
      .def_property_readonly("mask", [](const AttentionModelPy& a) {
        return to_string(a.field.options().bias.mask);
      })
      .def_property_readonly("alibi", [](const AttentionModelPy& a) { return a.field.options().bias.alibi; })
      .def_property_readonly("threads", [](const AttentionModelPy& a) { return a.field.options().threads; })
      .def_property_readonly("dtype", [](const AttentionModelPy& a) {
        return py::dtype(a.field.options().precision == Precision::Single ? "float32" : "float64");
      })
      .def_property_readonly("kernel", [](const AttentionModelPy& a) {
        return to_string(a.field.options().kernel);
      })
      .def(
          "heads",
          [](const AttentionModelPy& a, double t) { return heads_list(a.field.heads_at(t)); },
          py::arg("t") = 0.0, "The heads in force at time t as a list of (A, V) arrays.")
      .def(
          "field",
          [](const AttentionModelPy& a, const py::object& x, double t) {
            const Tokens X = model_input(a, x, "field: X");
            Eigen::MatrixXd F = without_gil([&] {
              Eigen::MatrixXd out(X.d(), X.n());
              AttentionWorkspace ws;
              a.field.velocity(t, X.map(), out, ws);
              return out;
            });
            return to_rows(std::move(F));
          },
          py::arg("X"), py::arg("t") = 0.0,
          "The tangent velocity F(t, X), (n, d), for tokens X (n, d) on the sphere.")
      .def(
          "weights",
          [](const AttentionModelPy& a, const py::object& x, double t, std::size_t head) {
            const Tokens X = model_input(a, x, "weights: X");
            return to_matrix(without_gil([&] { return a.field.weights(t, X.map(), head); }));
          },
          py::arg("X"), py::arg("t") = 0.0, py::arg("head") = 0,
          "The (n, n) attention weights of one head: row i holds w_ij (after masks and biases).")
      .def(
          "unprojected",
          [](const AttentionModelPy& a, const py::object& x, double t) {
            const Tokens X = model_input(a, x, "unprojected: X");
            Eigen::MatrixXd D = without_gil([&] {
              Eigen::MatrixXd out(X.d(), X.n());
              AttentionWorkspace ws;
              a.field.unprojected_velocity(t, X.map(), out, ws);
              return out;
            });
            return to_rows(std::move(D));
          },
          py::arg("X"), py::arg("t") = 0.0,
          "sign · Σ_h Σ_j w_ij V_h x_j before the tangent projection, (n, d).")
      .def(
          "jacobian",
          [](const AttentionModelPy& a, const py::object& x, double t) {
            const Tokens X = model_input(a, x, "jacobian: X");
            const Eigen::MatrixXd X0 = X.matrix();
            Eigen::MatrixXd J = without_gil([&] { return a.field.velocity_jacobian(t, X0); });
            return to_matrix(J);
          },
          py::arg("X"), py::arg("t") = 0.0,
          R"(The Jacobian dF/dX in ambient coordinates, (n·d, n·d): entry (i·d + a, k·d + b) is
∂F_{i,a}/∂x_{k,b}, i.e. it acts on X.ravel() (closed form, docs/math.md §2).)")
      .def(
          "energy",
          [](const AttentionModelPy& a, const py::object& x) {
            const Tokens X = model_input(a, x, "energy: X");
            if (a.model == "sinkhorn") {
              return sinkhorn_energy(X.matrix(), a.single_head("energy").A, a.beta,
                                     a.field.options().sinkhorn);
            }
            return attention_energy(X.matrix(), a.single_head("energy").A, a.beta,
                                    a.field.options().threads);
          },
          py::arg("X"),
          R"(The interaction energy E_β(X) = (1/(2βn²)) Σ_ij exp(β <x_i, A x_j>) (β = 0: the limit
(1/(2n²)) Σ_ij <x_i, A x_j>). inf where it overflows a double: use log_energy.
For model='sinkhorn': the entropic self-transport energy −OT(μ, μ)/(2β) whose gradient the
flow follows when A is symmetric and V = A (docs/math.md §2.7).)")
      .def(
          "log_energy",
          [](const AttentionModelPy& a, const py::object& x) {
            const Tokens X = model_input(a, x, "log_energy: X");
            return attention_log_energy(X.matrix(), a.single_head("log_energy").A, a.beta,
                                        a.field.options().threads);
          },
          py::arg("X"), "log E_β(X) computed stably (β > 0), finite where E_β overflows.")
      .def(
          "dissipation",
          [](const AttentionModelPy& a, const py::object& x, double t) {
            const Tokens X = model_input(a, x, "dissipation: X");
            const Eigen::MatrixXd X0 = X.matrix();
            Eigen::MatrixXd F(X0.rows(), X0.cols());
            AttentionWorkspace ws;
            a.field.velocity(t, X0, F, ws);
            if (a.model == "usa") return usa_dissipation(F);
            if (a.model != "sa") throw InvalidInput("dissipation: defined for sa and usa");
            return sa_dissipation(X0, F, a.single_head("dissipation").A, a.beta,
                                  a.field.options().threads);
          },
          py::arg("X"), py::arg("t") = 0.0,
          R"(|F|² in the metric of the gradient structure: SA (1/n²) Σ_i Z_i |F_i|², USA
(1/n) Σ_i |F_i|². Equal to dE/dt along the flow when A is symmetric and V = A (docs/math.md §2.3).)")
      .def("__repr__", [](const AttentionModelPy& a) {
        return "Attention(d=" + std::to_string(a.field.dimension()) + ", model='" + a.model +
               "', beta=" + py::repr(py::float_(a.beta)).cast<std::string>() + ", norm='" +
               a.norm + "', sign='" + a.sign + "', heads=" +
               (a.time_dependent ? std::string("schedule") : std::to_string(a.heads.size())) + ")";
      });
}

}  // namespace varsphere::python
