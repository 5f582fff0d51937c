"""varsphere: Riemannian optimization and calculus of variations on spheres.

Tokens are rows: a configuration is an (n, d) float64 array, a trajectory (m, n, d) with its times
(m,), matrices (d, d), multi-head stacks (H, d, d). A C-ordered float64 (n, d) array is read
without a copy; anything else is converted once. See docs/python.md.
"""

from ._varsphere import (  # noqa: F401
    __version__,
    Error,
    InvalidInput,
    CutLocusError,
    IoError,
    ResourceLimit,
    NotConverged,
    exp,
    log,
    distance,
    product_distance,
    transport,
    geodesic,
    project,
    tangent_project,
    retract,
    random_point,
    random_tangent,
    Attention,
    FlowSolution,
    flow,
    LeastSquaresLagrangian,
    BvpSolution,
    bvp,
    compare,
    check_el,
    action,
    second_order,
    path_sensitivity,
    fit,
    InteractionEnergy,
    find_stationary,
    classify,
    simulate_multihead,
    ContinuumGrid,
    ContinuumLayer,
    continuum_attention,
    splitting_step,
    depth_flow,
    load_trajectory,
    save_trajectory,
    load_points,
    save_points,
    clusters,
    min_inner_product,
    diagnose,
    sweep,
    sweep_merge,
)

try:  # built only together with the reproductions (VARSPHERE_BUILD_APPS)
    from ._varsphere import reproduce, reproductions  # noqa: F401
except ImportError:  # pragma: no cover
    pass
