#include <varsphere/solvers/flow_integrator.hpp>

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <sstream>
#include <limits>
#include <stdexcept>
#include <varsphere/core/configuration.hpp>
#include <varsphere/core/error.hpp>
#include <varsphere/core/memory_budget.hpp>
#include <varsphere/core/random.hpp>
#include <varsphere/manifolds/product.hpp>
#include <varsphere/solvers/detail/odeint_eigen.hpp>

namespace varsphere {

FlowScheme parse_flow_scheme(const std::string& name) {
  if (name == "rk4") return FlowScheme::RK4;
  if (name == "dopri5") return FlowScheme::Dopri5;
  if (name == "geodesic-euler") return FlowScheme::GeodesicEuler;
  if (name == "euler-renormalize") return FlowScheme::EulerRenormalize;
  if (name == "simuformer-euler") return FlowScheme::SimuformerEuler;
  if (name == "geodesic-euler-maruyama") return FlowScheme::GeodesicEulerMaruyama;
  throw InvalidInput("unknown scheme '" + name +
                     "' (rk4, dopri5, geodesic-euler, euler-renormalize, simuformer-euler, "
                     "geodesic-euler-maruyama)");
}

LayerNormPlacement parse_layer_norm(const std::string& name) {
  if (name == "post") return LayerNormPlacement::Post;
  if (name == "pre") return LayerNormPlacement::Pre;
  if (name == "peri") return LayerNormPlacement::Peri;
  if (name == "ngpt") return LayerNormPlacement::NGPT;
  throw InvalidInput("unknown normalization '" + name + "' (post, pre, peri, ngpt)");
}

std::string to_string(LayerNormPlacement norm) {
  switch (norm) {
    case LayerNormPlacement::Pre: return "pre";
    case LayerNormPlacement::Peri: return "peri";
    case LayerNormPlacement::NGPT: return "ngpt";
    case LayerNormPlacement::Post: break;
  }
  return "post";
}

std::string to_string(FlowScheme scheme) {
  switch (scheme) {
    case FlowScheme::RK4:
      return "rk4";
    case FlowScheme::Dopri5:
      return "dopri5";
    case FlowScheme::GeodesicEuler:
      return "geodesic-euler";
    case FlowScheme::EulerRenormalize:
      return "euler-renormalize";
    case FlowScheme::SimuformerEuler:
      return "simuformer-euler";
    case FlowScheme::GeodesicEulerMaruyama:
      return "geodesic-euler-maruyama";
  }
  return "?";
}

namespace {

void require_finite_state(const Eigen::MatrixXd& X, double t) {
  if (!X.allFinite()) {
    throw Error("flow: the state became non-finite at t = " + std::to_string(t) +
                " (exp(beta*score) overflowed? USA needs beta*|A| below ~700)");
  }
}

// D̂_i = D_i/(‖D_i‖ + guard), column by column (guard 0: exact normalization, a zero column stays 0).
void normalize_drive(Eigen::MatrixXd& D, double guard) {
  for (Eigen::Index i = 0; i < D.cols(); ++i) {
    const double norm = D.col(i).norm();
    if (norm + guard > 0) D.col(i) /= norm + guard;
  }
}

// simuformer's N(v) = v / max(‖v‖, 1e-12), per token.
void simuformer_normalize(Eigen::MatrixXd& X) {
  for (Eigen::Index i = 0; i < X.cols(); ++i) X.col(i) /= std::max(X.col(i).norm(), 1e-12);
}

}  // namespace

FlowResult integrate_field(FlowField& ev, const Configuration& X0, double t0, double t1,
                           const FlowOptions& options) {
  namespace odeint = boost::numeric::odeint;
  using State = Eigen::MatrixXd;
  validate_configuration(X0, kUnitTolerance, "flow initial configuration");
  if (!std::isfinite(t0) || !std::isfinite(t1) || t1 < t0) {
    throw InvalidInput("flow: need finite times with T >= t0 (got t0 = " + std::to_string(t0) +
                       ", T = " + std::to_string(t1) + ")");
  }
  if (!(options.dt > 0) || !std::isfinite(options.dt)) {
    throw InvalidInput("flow: dt must be positive and finite");
  }
  if (options.save_every < 1) throw InvalidInput("flow: save-every must be at least 1");
  for (std::size_t k = 0; k < options.save_times.size(); ++k) {
    const double ts = options.save_times[k];
    if (!(ts >= t0 && ts <= t1) || (k > 0 && !(ts > options.save_times[k - 1]))) {
      throw InvalidInput("flow: save times must increase and lie in [t0, T]");
    }
  }
  if (options.scheme == FlowScheme::Dopri5 && !(options.rtol > 0 && options.atol > 0)) {
    throw InvalidInput("flow: rtol and atol must be positive");
  }
  const LayerNormPlacement norm = options.norm;
  const bool replay = options.scheme == FlowScheme::SimuformerEuler;
  // Pre and Peri carry the residual stream z (unnormalized) as the state, except in the replay,
  // which keeps x and r apart as simuformer does.
  const bool pre = !replay && (norm == LayerNormPlacement::Pre || norm == LayerNormPlacement::Peri);
  if (pre && options.scheme != FlowScheme::RK4 && options.scheme != FlowScheme::Dopri5) {
    throw InvalidInput(std::string("flow: ") + (norm == LayerNormPlacement::Pre ? "Pre" : "Peri") +
                       "-LN integrates the residual stream with rk4, dopri5 or simuformer-euler, "
                       "not " + to_string(options.scheme));
  }
  if ((norm != LayerNormPlacement::Post || replay) && !ev.has_unprojected()) {
    throw InvalidInput("flow: the " + to_string(norm) + " placement" +
                       (replay ? " and the simuformer-euler scheme need" : " needs") +
                       " a field with an unprojected velocity");
  }
  const bool noisy = options.scheme == FlowScheme::GeodesicEulerMaruyama;
  if (!(options.noise_sigma >= 0) || !std::isfinite(options.noise_sigma)) {
    throw InvalidInput("flow: the noise sigma must be finite and >= 0");
  }
  if (options.noise_sigma > 0 && !noisy) {
    throw InvalidInput("flow: noise needs the geodesic-euler-maruyama scheme");
  }
  if (noisy && norm != LayerNormPlacement::Post && norm != LayerNormPlacement::NGPT) {
    throw InvalidInput("flow: noise acts on tokens on the sphere (post or ngpt placement)");
  }
  const double noise_dt = options.noise_dt > 0 ? options.noise_dt : options.dt;
  if (!(options.noise_dt >= 0) || !std::isfinite(options.noise_dt)) {
    throw InvalidInput("flow: the noise grid step must be finite and >= 0");
  }
  if (options.scheme == FlowScheme::EulerRenormalize && norm != LayerNormPlacement::Post) {
    throw InvalidInput("flow: euler-renormalize steps the Post-LN drive; use simuformer-euler to "
                       "replay the " + to_string(norm) + " placement, or rk4/dopri5");
  }
  if (norm == LayerNormPlacement::NGPT && !(options.ngpt_alpha > 0 && std::isfinite(options.ngpt_alpha))) {
    throw InvalidInput("flow: the nGPT alpha must be positive and finite");
  }

  // Sizes are checked in floating point before anything is allocated: (t1 − t0)/dt can exceed
  // every integer type (dt = 1e-300), and a frame list sized from it any memory.
  const double span = t1 - t0;
  const double n = static_cast<double>(X0.cols()), d = static_cast<double>(X0.rows());
  const bool fixed_step = options.scheme != FlowScheme::Dopri5;
  const double steps = fixed_step ? std::ceil(span / options.dt - 1e-9) : 0.0;
  if (steps > static_cast<double>(options.max_steps)) {
    std::ostringstream msg;
    msg << "flow: T/dt = " << std::setprecision(3) << steps << " steps exceed the step budget "
        << options.max_steps << " (raise --dt or --max-steps)";
    throw ResourceLimit(msg.str());
  }
  if (options.record) {
    // Fixed step: a frame every save_every steps; dopri5: every save_every·dt of time.
    const double frames =
        (options.save_times.empty()
             ? std::floor(fixed_step ? steps / options.save_every
                                     : span / (options.save_every * options.dt))
             : static_cast<double>(options.save_times.size())) +
        2;
    std::ostringstream what;
    what << "flow: saving " << std::setprecision(3) << frames << " frames of " << X0.cols()
         << " x " << X0.rows();
    require_memory(8.0 * frames * (n * d + 1), what.str(), "raise --save-every or --dt");
  }

  FlowResult result;
  // Pre-LN carries z (unnormalized); Post-LN carries X itself. Either way the field is evaluated
  // at the normalized state: Runge–Kutta stages leave the sphere, and F(x/‖x‖) is the smooth,
  // bounded extension whose exact flow still preserves ‖x‖ (without it, a large trial step at
  // large β overflows exp(β·score) and the error estimate turns to NaN).
  State on_sphere;
  auto system = [&](const State& x, State& dxdt, double t) {
    ++result.rhs_evaluations;
    on_sphere = x;
    normalize_columns_in_place(on_sphere);
    switch (norm) {
      case LayerNormPlacement::Post:
        ev.velocity(t, on_sphere, dxdt);
        break;
      case LayerNormPlacement::Pre:
        ev.unprojected_velocity(t, on_sphere, dxdt);
        break;
      case LayerNormPlacement::Peri:
        ev.unprojected_velocity(t, on_sphere, dxdt);
        normalize_drive(dxdt, 0.0);
        break;
      case LayerNormPlacement::NGPT:
        ev.unprojected_velocity(t, on_sphere, dxdt);
        normalize_drive(dxdt, 0.0);
        dxdt *= options.ngpt_alpha;
        product::tangent_project_in_place(on_sphere, dxdt);
        break;
    }
    if (!dxdt.allFinite()) {
      throw Error("flow: the vector field is not finite at t = " + std::to_string(t) +
                  " (exp(beta*score) overflowed? USA needs beta*|A| below ~700)");
    }
  };
  // Post-LN steps end normalized, so their state is the configuration as it is (frame 0 is X0
  // to the last bit); Pre-LN streams and dopri5 interpolants are normalized for output.
  auto tokens_of = [&](const State& x, bool on_sphere_already) {
    State X = x;
    if (!on_sphere_already) normalize_columns_in_place(X);
    return X;
  };
  // A frame is due at every save point; it is stored when recording (or forced: t0, t1) and
  // always shown to the observer.
  auto save = [&](double t, const State& x, bool force, bool on_sphere_already) {
    if (!options.record && !force && !options.observer) return;
    const State X = tokens_of(x, on_sphere_already);
    if (options.record || force) result.trajectory.push_back(t, X);
    if (options.observer) options.observer(t, X);
  };
  auto end_step = [&](State& x, double t) {
    ++result.steps;
    require_finite_state(x, t);
    if (!pre && !replay) normalize_columns_in_place(x);
    if (options.on_step) options.on_step(t);
    if (result.steps >= options.max_steps && t < t1) {
      std::ostringstream msg;
      msg << "flow: the step budget of " << options.max_steps << " steps was used up at t = "
          << std::setprecision(6) << t << " of " << t1 << " (raise --max-steps)";
      throw ResourceLimit(msg.str());
    }
  };

  State x = X0;
  Eigen::VectorXd r = Eigen::VectorXd::Ones(X0.cols());  // simuformer-euler's radii
  Rng brownian(options.seed);  // one path on the noise grid, consumed in order
  save(t0, x, true, true);
  try {
    if (options.scheme == FlowScheme::Dopri5) {
      using Stepper =
          odeint::runge_kutta_dopri5<State, double, State, double, odeint::vector_space_algebra>;
      auto dense = odeint::make_dense_output(options.atol, options.rtol, Stepper());
      const double save_dt = options.save_every * options.dt;
      const auto& given = options.save_times;
      // Index 0 is t0 (saved already); given times equal to t0 or t1 are covered by those saves.
      std::size_t next_save = given.empty() ? 1 : 0;
      while (!given.empty() && next_save < given.size() && given[next_save] <= t0) ++next_save;
      auto save_time = [&](std::size_t k) {
        if (given.empty()) return t0 + static_cast<double>(k) * save_dt;
        return k < given.size() ? given[k] : std::numeric_limits<double>::infinity();
      };
      if (span > 0) {
        dense.initialize(x, t0, std::min(options.dt, span));
        State interpolated;
        while (true) {
          const auto [ta, tb] = dense.do_step(system);
          (void)ta;
          while (save_time(next_save) <= tb && save_time(next_save) < t1) {
            interpolated = x;
            dense.calc_state(save_time(next_save), interpolated);
            save(save_time(next_save), interpolated, false, false);
            ++next_save;
          }
          if (tb >= t1) {
            dense.calc_state(t1, x);
            end_step(x, t1);
            break;
          }
          // The stepper goes on from its own (unprojected) state, keeping its last derivative
          // (first-same-as-last: 6 evaluations per step, not 7). Nothing is lost by not
          // projecting it: the system evaluates the field at x/‖x‖, so the derivative at the
          // end point is the derivative at its projection, and the radial drift it carries is
          // at the level of the tolerances (the exact flow keeps ‖x‖). x is the projected copy
          // that steps, budgets and observers see.
          x = dense.current_state();
          end_step(x, tb);
        }
      }
    } else if (span > 0) {
      const auto steps = static_cast<std::size_t>(std::ceil(span / options.dt - 1e-9));
      const double h = span / static_cast<double>(steps);
      // Step indices at which a frame is due.
      std::vector<bool> due(steps + 1, false);
      if (options.save_times.empty()) {
        for (std::size_t k = options.save_every; k < steps; k += options.save_every) due[k] = true;
      } else {
        for (double ts : options.save_times) {
          const double index = (ts - t0) / h;
          const double nearest = std::round(index);
          if (std::abs(index - nearest) > 1e-9) {
            throw InvalidInput("flow: save time " + std::to_string(ts) +
                               " is not a step time of the fixed-step scheme (step " +
                               std::to_string(h) + "); use dopri5 for arbitrary times");
          }
          const auto k = static_cast<std::size_t>(nearest);
          if (k > 0 && k < steps) due[k] = true;
        }
      }
      odeint::runge_kutta4<State, double, State, double, odeint::vector_space_algebra> rk4;
      State d;
      // Noise: each step sums `per_step` increments of the grid path (h must be a multiple of it).
      std::size_t per_step = 1;
      if (noisy) {
        const double ratio = h / noise_dt;
        per_step = static_cast<std::size_t>(std::llround(ratio));
        if (per_step < 1 || std::abs(ratio - static_cast<double>(per_step)) > 1e-9 * ratio) {
          throw InvalidInput("flow: the step " + std::to_string(h) +
                             " is not a multiple of the noise grid step " +
                             std::to_string(noise_dt));
        }
      }
      const double increment_scale = std::sqrt(noise_dt);
      State dW;
      for (std::size_t k = 1; k <= steps; ++k) {
        const double t = t0 + static_cast<double>(k - 1) * h;
        switch (options.scheme) {
          case FlowScheme::RK4:
            rk4.do_step(system, x, t, h);
            break;
          case FlowScheme::GeodesicEuler:
            system(x, d, t);
            x = product::exp(x, h * d);
            break;
          case FlowScheme::GeodesicEulerMaruyama:
            system(x, d, t);
            dW.setZero(x.rows(), x.cols());
            for (std::size_t k = 0; k < per_step; ++k) {
              dW += increment_scale * brownian.normal_matrix(x.rows(), x.cols());
            }
            d *= h;
            d += options.noise_sigma * dW;
            product::tangent_project_in_place(x, d);
            x = product::exp(x, d);
            break;
          case FlowScheme::EulerRenormalize:
            ++result.rhs_evaluations;
            ev.unprojected_velocity(t, x, d);
            x += h * d;
            break;
          case FlowScheme::SimuformerEuler:
            ++result.rhs_evaluations;
            ev.unprojected_velocity(t, x, d);
            switch (norm) {
              case LayerNormPlacement::Post:
                x += h * d;
                break;
              case LayerNormPlacement::Pre:
                r.array() += h * r.array() * d.colwise().sum().transpose().array();
                product::tangent_project_in_place(x, d);
                x += h * (d * (r.array() + 1e-9).inverse().matrix().asDiagonal());
                break;
              case LayerNormPlacement::Peri:
                normalize_drive(d, 1e-9);
                r.array() += h * r.array() * d.colwise().sum().transpose().array();
                x += h * (d * (r.array() + 1e-9).inverse().matrix().asDiagonal());
                break;
              case LayerNormPlacement::NGPT:
                normalize_drive(d, 1e-9);
                x += (h * options.ngpt_alpha) * d;
                break;
            }
            simuformer_normalize(x);
            break;
          case FlowScheme::Dopri5:
            break;
        }
        const double t_next = k == steps ? t1 : t0 + static_cast<double>(k) * h;
        end_step(x, t_next);
        if (due[k]) save(t_next, x, false, !pre);
      }
    }
  } catch (const std::overflow_error& e) {  // odeint's step-size control gave up
    throw Error(std::string("flow: the adaptive step size collapsed: ") + e.what());
  }
  if (span > 0) save(t1, x, true, !pre);
  result.final_state = tokens_of(x, !pre);
  if (pre) result.radii = x.colwise().norm().transpose();
  if (replay && (norm == LayerNormPlacement::Pre || norm == LayerNormPlacement::Peri)) {
    result.radii = r;
  }
  return result;
}

FlowOptions grid_flow_options(double T, int K, double rtol, double atol, std::size_t max_steps) {
  FlowOptions o;
  o.max_steps = max_steps;
  o.scheme = FlowScheme::Dopri5;
  o.rtol = rtol;
  o.atol = atol;
  o.dt = T / K;
  return o;
}

}  // namespace varsphere
