#include "bvp_flags.hpp"

#include <varsphere/functionals/ngpt_field.hpp>

#include <iomanip>
#include <varsphere/core/error.hpp>
#include <varsphere/core/thread_count.hpp>
#include <varsphere/solvers/flow_integrator.hpp>
#include <varsphere/core/configuration.hpp>

#include "lagrangian_choice.hpp"
#include "provenance.hpp"

namespace varsphere::apps {

void BvpFlags::add_to(CLI::App& cmd) {
  cmd.add_option("--T", T, "time horizon T > 0")->required();
  cmd.add_option("--K", K, "number of time steps (K+1 nodes)")->required();
  cmd.add_option("--lagrangian", lagrangian, kLagrangianNames)
      ->required()
      ->check(CLI::IsMember({"kinetic", "flow-matching", "de-giorgi"}));
  attention.add_to(cmd);
  cmd.add_option("--init", init, "initial path: geodesic or flow")
      ->check(CLI::IsMember({"geodesic", "flow"}));
  cmd.add_option("--rule", rule, "discrete Lagrangian: midpoint (order 2) or left (order 1)")
      ->check(CLI::IsMember({"midpoint", "left"}));
  cmd.add_option("--max-iterations", max_iterations, "solver iterations");
  cmd.add_option("--max-steps", max_steps, "step budget of the reference flow (dopri5)");
  cmd.add_option("--max-seconds", max_seconds,
                 "time budget of the solve (0: none); when spent the run ends not converged");
  cmd.add_option("--del-tolerance", del_tolerance,
                 "converged when the DEL residual <= tol * max(1, scale)");
  cmd.add_option("--second-order", second_order,
                 "second-order certificate (Morse index, smallest Hessian eigenvalues): auto (when "
                 "(K-1) n (d-1) <= 20000), yes, no")
      ->check(CLI::IsMember({"auto", "yes", "no"}));
  cmd.add_option("--eigenvalues", eigenvalues,
                 "how many of the smallest Hessian eigenvalues the certificate reports");
}

void BvpFlags::check() const {
  if (!(T > 0) || !std::isfinite(T)) throw InvalidInput("--T must be positive");
  if (K < 1) throw InvalidInput("--K must be at least 1");
  if (max_iterations < 1) throw InvalidInput("--max-iterations must be at least 1");
  if (max_steps < 1) throw InvalidInput("--max-steps must be at least 1");
  if (!(max_seconds >= 0) || !std::isfinite(max_seconds)) {
    throw InvalidInput("--max-seconds must be finite and >= 0");
  }
  if (!(del_tolerance > 0)) throw InvalidInput("--del-tolerance must be positive");
  if (eigenvalues < 1) throw InvalidInput("--eigenvalues must be at least 1");
}

BvpOptions BvpFlags::options(const AttentionModel& model, const Configuration& X0,
                             const Trajectory* flow) const {
  BvpOptions o;
  o.rule = parse_discrete_rule(rule);
  o.max_iterations = max_iterations;
  o.threads = resolve_thread_count(attention.threads);  // --threads: Ceres and the field
  o.max_seconds = max_seconds;
  o.del_tolerance = del_tolerance;
  if (second_order == "no") {
    o.second_order.reset();
  } else {
    o.second_order = SecondOrderOptions{eigenvalues};
    if (second_order == "yes") o.second_order->max_dimension = 0;
  }
  if (init == "flow") o.initial_path = flow ? *flow : reference_flow(model, X0);
  return o;
}

Trajectory BvpFlags::reference_flow(const AttentionModel& model, const Configuration& X0) const {
  if (attention.norm == "ngpt") {
    return flow_on_grid(NgptField(model.field, attention.ngpt_alpha), X0, T, K, 1e-12, 1e-13,
                        static_cast<std::size_t>(max_steps));
  }
  return flow_on_grid(model.field, X0, T, K, 1e-12, 1e-13, static_cast<std::size_t>(max_steps));
}

nlohmann::json bvp_summary(const std::string& command, const BvpFlags& f,
                           const AttentionModel& model, const Configuration& X0,
                           const BvpResult& r) {
  nlohmann::json summary = provenance_json(command + " summary");
  summary["command"] = command;
  summary["attention"] = model_json(f.attention, model);
  summary.update(nlohmann::json{{"n", X0.cols()},
          {"d", X0.rows()},
          {"T", f.T},
          {"K", f.K},
          {"lagrangian", f.lagrangian},
          {"model", f.attention.model},
          {"beta", f.attention.beta},
          {"rule", f.rule},
          {"init", f.init},
          {"method", method_label(r)},
          {"outcome", to_string(r.outcome)},
          {"action", r.action},
          {"del_residual_max", r.del_residual_max},
          {"del_residual_scale", r.del_residual_scale},
          {"iterations", r.iterations},
          {"converged", r.converged},
          {"status", r.status},
          {"wall_seconds", r.wall_seconds}});
  summary["second_order"] =
      r.second_order ? second_order_json(*r.second_order) : nlohmann::json(nullptr);
  return summary;
}

nlohmann::json second_order_json(const SecondOrderCertificate& c) {
  return {{"kind", to_string(c.kind)},
          {"morse_index", c.morse_index},
          {"near_zero", c.near_zero},
          {"smallest_eigenvalues", c.smallest_eigenvalues},
          {"hessian_norm", c.hessian_norm},
          {"zero_threshold", c.zero_threshold},
          {"dimension", c.dimension},
          {"seconds", c.seconds}};
}

TrajectoryAttributes bvp_attributes(const std::string& object, const BvpFlags& f,
                                    const AttentionModel& model) {
  TrajectoryAttributes a = provenance_attributes(object);
  a.merge(model_attributes(f.attention, model));
  a.insert({{"lagrangian", f.lagrangian},
            {"T", f.T},
            {"K", static_cast<double>(f.K)},
            {"rule", f.rule},
            {"init", f.init}});
  return a;
}

void print_bvp(std::ostream& out, const BvpFlags& f, const BvpResult& r) {
  out << std::setprecision(10) << "bvp: " << f.lagrangian << " Lagrangian, T = " << f.T
      << ", K = " << f.K << " (" << method_label(r) << ")\n"
      << "  action " << r.action << ", DEL residual " << std::setprecision(3) << r.del_residual_max
      << " (scale " << r.del_residual_scale << ")\n"
      << "  " << (r.converged ? "converged" : "NOT converged") << " after " << r.iterations
      << " iterations, " << r.wall_seconds << " s: " << r.status << "\n";
  if (r.second_order) {
    const SecondOrderCertificate& c = *r.second_order;
    out << "  second order: " << to_string(c.kind) << ", Morse index " << c.morse_index
        << ", smallest Hessian eigenvalues";
    for (double lambda : c.smallest_eigenvalues) out << " " << std::setprecision(6) << lambda;
    out << " (" << std::setprecision(3) << c.seconds << " s)\n";
  }
}

}  // namespace varsphere::apps
