// LagrangianStepModel<L>: the template edge between a user's Lagrangian and the compiled BVP
// solver, DEL residual, discrete action and checkEL (step_model.hpp). It picks, per capability,
// the cheapest way the Lagrangian allows:
//  * closed-form residual Jacobians (AnalyticLeastSquaresLagrangian) for step Jacobians, one-sided
//    gradients (Jᵀr) and checkEL's ∂L/∂X, ∂L/∂V, unless `closed_forms` is false (a cross-check);
//  * otherwise forward-mode Jets (LagrangianJet) through the Lagrangian.
// The shipped Lagrangians are instantiated once in the library (lagrangian_step_model.cpp) and
// declared `extern template` below, so a program that solves with them compiles none of this.
#pragma once

#include <cmath>
#include <utility>
#include <varsphere/core/error.hpp>
#include <varsphere/core/jet_gradient.hpp>
#include <varsphere/functionals/de_giorgi_lagrangian.hpp>
#include <varsphere/functionals/flow_matching_lagrangian.hpp>
#include <varsphere/functionals/kinetic_lagrangian.hpp>
#include <varsphere/functionals/ngpt_field.hpp>
#include <varsphere/functionals/lagrangian.hpp>
#include <varsphere/solvers/discrete_lagrangian.hpp>
#include <varsphere/solvers/split_step.hpp>
#include <varsphere/solvers/step_model.hpp>

namespace varsphere {

template <Lagrangian L>
class LagrangianStepModel final : public StepModel {
 public:
  /// Keeps a reference: the Lagrangian must outlive the model. closed_forms = false makes even a
  /// Lagrangian with closed-form Jacobians go through automatic differentiation.
  LagrangianStepModel(const L& lagrangian, DiscreteRule rule, bool closed_forms = true)
      : l_(lagrangian), rule_(rule), closed_(AnalyticLeastSquaresLagrangian<L> && closed_forms) {}

  DiscreteRule rule() const override { return rule_; }

  bool step_value(double t_a, double h, const Eigen::MatrixXd& Xa, const Eigen::MatrixXd& Xb,
                  double& value) const override {
    return varsphere::step_value(l_, rule_, t_a, h, Xa, Xb, value);
  }

  bool step_gradients(double t_a, double h, const Eigen::MatrixXd& Xa, const Eigen::MatrixXd& Xb,
                      Eigen::MatrixXd* grad_a, Eigen::MatrixXd* grad_b) const override {
    const Eigen::Index d = Xa.rows(), n = Xa.cols();
    if constexpr (AnalyticLeastSquaresLagrangian<L>) {
      if (closed_) {
        // L_d = ½|r̃|², so a one-sided gradient is Jᵀr̃ with the closed-form Jacobian.
        return closed_form_step_gradients(l_, rule_, t_a, h, Xa, Xb, grad_a, grad_b);
      }
    }
    {
      bool ok = true;
      auto side = [&](bool first, Eigen::MatrixXd& out) {
        const Eigen::MatrixXd& moving = first ? Xa : Xb;
        const Mat<LagrangianJet> F = (first ? Xb : Xa).cast<LagrangianJet>();  // once, not per chunk
        const Eigen::VectorXd x = Eigen::Map<const Eigen::VectorXd>(moving.data(), moving.size());
        Eigen::VectorXd grad;
        value_and_gradient(
            [&](const Vec<LagrangianJet>& xj) {
              const Mat<LagrangianJet> Xj = Eigen::Map<const Mat<LagrangianJet>>(xj.data(), d, n);
              LagrangianJet value(0.0);
              ok = ok && (first ? varsphere::step_value(l_, rule_, t_a, h, Xj, F, value)
                                : varsphere::step_value(l_, rule_, t_a, h, F, Xj, value));
              return value;
            },
            x, grad);
        out = Eigen::Map<const Eigen::MatrixXd>(grad.data(), d, n);
      };
      if (grad_a != nullptr) side(true, *grad_a);
      if (grad_b != nullptr) side(false, *grad_b);
      return ok;
    }
  }

  void lagrangian_gradients(double t, const Eigen::MatrixXd& X, const Eigen::MatrixXd& V,
                            Eigen::MatrixXd& Lx, Eigen::MatrixXd& Lv) const override {
    const Eigen::Index d = X.rows(), n = X.cols();
    if constexpr (AnalyticLeastSquaresLagrangian<L>) {
      if (closed_) {
        Eigen::VectorXd r;
        Eigen::MatrixXd JX, JV;
        l_.residual_jacobians(t, X, V, r, JX, JV);
        const Eigen::VectorXd gx = JX.transpose() * r, gv = JV.transpose() * r;
        Lx = Eigen::Map<const Eigen::MatrixXd>(gx.data(), d, n);
        Lv = Eigen::Map<const Eigen::MatrixXd>(gv.data(), d, n);
        return;
      }
    }
    {
      Eigen::VectorXd xv(2 * d * n), grad;
      xv << Eigen::Map<const Eigen::VectorXd>(X.data(), d * n),
          Eigen::Map<const Eigen::VectorXd>(V.data(), d * n);
      value_and_gradient(
          [&](const Vec<LagrangianJet>& z) {
            const Mat<LagrangianJet> Xj = Eigen::Map<const Mat<LagrangianJet>>(z.data(), d, n);
            const Mat<LagrangianJet> Vj =
                Eigen::Map<const Mat<LagrangianJet>>(z.data() + d * n, d, n);
            return LagrangianJet(l_(LagrangianJet(t), Xj, Vj));
          },
          xv, grad);
      Lx = Eigen::Map<const Eigen::MatrixXd>(grad.data(), d, n);
      Lv = Eigen::Map<const Eigen::MatrixXd>(grad.data() + d * n, d, n);
    }
  }

  bool least_squares() const override {
    if constexpr (LeastSquaresLagrangian<L>) {
      if constexpr (requires { l_.least_squares_applicable(); }) {
        return l_.least_squares_applicable();
      }
      return true;
    }
    return false;
  }

  Eigen::Index residual_size(Eigen::Index d, Eigen::Index n) const override {
    if constexpr (LeastSquaresLagrangian<L>) {
      return l_.residual_size(d, n);
    } else {
      return not_least_squares<Eigen::Index>();
    }
  }

  bool step_residuals(double t_a, double h, const Eigen::MatrixXd& Xa, const Eigen::MatrixXd& Xb,
                      Eigen::VectorXd& r, Eigen::MatrixXd* Ja, Eigen::MatrixXd* Jb) const override {
    if constexpr (LeastSquaresLagrangian<L>) {
      if (Ja == nullptr) return varsphere::step_residuals(l_, rule_, t_a, h, Xa, Xb, r);
      if constexpr (AnalyticLeastSquaresLagrangian<L>) {
        if (closed_) return step_residual_jacobians(l_, rule_, t_a, h, Xa, Xb, r, *Ja, *Jb);
      }
      // Jets through the whole step: inputs (X_a, X_b) flattened, kGradientChunk at a time.
      const Eigen::Index d = Xa.rows(), n = Xa.cols(), nd = d * n;
      Eigen::VectorXd ab(2 * nd);
      ab << Eigen::Map<const Eigen::VectorXd>(Xa.data(), nd),
          Eigen::Map<const Eigen::VectorXd>(Xb.data(), nd);
      bool ok = true;
      Eigen::MatrixXd J;
      const Eigen::Index m = l_.residual_size(d, n);
      value_and_jacobian(
          [&](const Vec<LagrangianJet>& z) {
            const Mat<LagrangianJet> A = Eigen::Map<const Mat<LagrangianJet>>(z.data(), d, n);
            const Mat<LagrangianJet> B = Eigen::Map<const Mat<LagrangianJet>>(z.data() + nd, d, n);
            Vec<LagrangianJet> out;
            ok = ok && varsphere::step_residuals(l_, rule_, t_a, h, A, B, out);
            if (!ok) out = Vec<LagrangianJet>::Zero(m);
            return out;
          },
          ab, r, J);
      *Ja = J.leftCols(nd);
      *Jb = J.rightCols(nd);
      return ok;
    } else {
      return not_least_squares<bool>();
    }
  }

  bool closed_form_jacobians() const override { return closed_; }

  FactoredStep factored_step_residuals(double t_a, double h, const Eigen::MatrixXd& Xa,
                                       const Eigen::MatrixXd& Xb, Eigen::VectorXd& r,
                                       FactoredStepJacobian& J) const override {
    if constexpr (AnalyticLeastSquaresLagrangian<L>) {
      if (closed_) return factored_step_residual_jacobians(l_, rule_, t_a, h, Xa, Xb, r, J);
    }
    return FactoredStep::Dense;
  }

  FactoredStep factored_split_step_residuals(double t_a, double h, double offset,
                                             const Eigen::MatrixXd& Xa, const Eigen::MatrixXd& Xb,
                                             Eigen::VectorXd& s,
                                             FactoredStepJacobian& J) const override {
    if constexpr (SplitLeastSquaresLagrangian<L> && AnalyticLeastSquaresLagrangian<L>) {
      if (closed_) return split_factored_step_residuals(l_, rule_, t_a, h, offset, Xa, Xb, s, J);
    }
    return FactoredStep::Dense;
  }

  bool splits() const override { return SplitLeastSquaresLagrangian<L>; }

  Eigen::Index split_residual_size(Eigen::Index d, Eigen::Index n) const override {
    if constexpr (SplitLeastSquaresLagrangian<L>) {
      return l_.split_residual_size(d, n);
    } else {
      return does_not_split<Eigen::Index>();
    }
  }

  bool split_step_residuals(double t_a, double h, double offset, const Eigen::MatrixXd& Xa,
                            const Eigen::MatrixXd& Xb, Eigen::VectorXd& s, Eigen::MatrixXd* Ja,
                            Eigen::MatrixXd* Jb) const override {
    if constexpr (SplitLeastSquaresLagrangian<L>) {
      return varsphere::split_step_residuals(l_, rule_, t_a, h, offset, Xa, Xb, s, Ja, Jb);
    } else {
      return does_not_split<bool>();
    }
  }

  bool split_step_defect(double t_a, double h, const Eigen::MatrixXd& Xa, const Eigen::MatrixXd& Xb,
                         double& defect) const override {
    if constexpr (SplitLeastSquaresLagrangian<L>) {
      return varsphere::split_step_defect(l_, rule_, t_a, h, Xa, Xb, defect);
    } else {
      return does_not_split<bool>();
    }
  }

  double split_potential(const Eigen::MatrixXd& X) const override {
    if constexpr (SplitLeastSquaresLagrangian<L>) {
      return l_.split_potential(X);
    } else {
      return does_not_split<double>();
    }
  }

 private:
  template <class R>
  static R not_least_squares() {
    throw InvalidInput("this Lagrangian is not a sum of squares");
  }
  template <class R>
  static R does_not_split() {
    throw InvalidInput("this Lagrangian has no null-Lagrangian split");
  }

  const L& l_;
  DiscreteRule rule_;
  bool closed_;
};

extern template class LagrangianStepModel<KineticLagrangian>;
extern template class LagrangianStepModel<DeGiorgiLagrangian>;
extern template class LagrangianStepModel<FlowMatchingLagrangian<AttentionField>>;
extern template class LagrangianStepModel<FlowMatchingLagrangian<NgptField>>;

}  // namespace varsphere
