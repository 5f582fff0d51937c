# Type stubs of varsphere (docs/python.md). Shapes: n tokens in R^d (points on S^{d-1}), m frames,
# H heads; arrays are float64 numpy arrays, tokens are rows.
from os import PathLike
from typing import Any, Callable, Iterable, Literal, Optional, Sequence, Union

import numpy as np
import numpy.typing as npt
from numpy.typing import DTypeLike

ArrayLike = npt.ArrayLike
Array = npt.NDArray[np.float64]
Path = Union[str, PathLike[str]]

__version__: str

class Error(RuntimeError): ...
class InvalidInput(ValueError): ...
class CutLocusError(ValueError): ...
class IoError(OSError): ...
class ResourceLimit(RuntimeError): ...
class NotConverged(RuntimeError): ...

# ---- geometry: (d,) or (n, d) in, the same rank out -------------------------------------------
def exp(x: ArrayLike, v: ArrayLike) -> Array: ...
def log(x: ArrayLike, y: ArrayLike) -> Array: ...
def distance(x: ArrayLike, y: ArrayLike) -> Union[float, Array]: ...
def product_distance(x: ArrayLike, y: ArrayLike) -> float: ...
def transport(x: ArrayLike, y: ArrayLike, u: ArrayLike) -> Array: ...
def geodesic(x: ArrayLike, y: ArrayLike, t: Union[float, ArrayLike]) -> Array: ...
def project(y: ArrayLike) -> Array: ...
def tangent_project(x: ArrayLike, v: ArrayLike) -> Array: ...
def retract(x: ArrayLike, v: ArrayLike) -> Array: ...
def random_point(d: int, n: Optional[int] = None, *, seed: int) -> Array: ...
def random_tangent(x: ArrayLike, *, seed: int, scale: float = 1.0) -> Array: ...

# ---- attention model and flows -----------------------------------------------------------------
class Attention:
    def __init__(
        self,
        d: int,
        *,
        model: Literal["sa", "usa", "sinkhorn", "hardmax"] = "sa",
        beta: float = 1.0,
        A: Optional[ArrayLike] = None,
        Q: Optional[ArrayLike] = None,
        K: Optional[ArrayLike] = None,
        V: Optional[ArrayLike] = None,
        schedule: Optional[Callable[[float], tuple[ArrayLike, ArrayLike]]] = None,
        norm: Literal["post", "pre", "peri", "ngpt"] = "post",
        sign: Literal["ascent", "descent"] = "ascent",
        mask: Literal["none", "causal", "strict-causal"] = "none",
        alibi: float = 0.0,
        bias: Union[None, ArrayLike, Callable[[float], ArrayLike]] = None,
        ngpt_alpha: float = 0.2,
        sinkhorn_iterations: int = 100,
        sinkhorn_tolerance: float = 1e-12,
        threads: int = 0,
        dtype: DTypeLike = "float64",
        kernel: Literal["tiled", "dense"] = "tiled",
    ) -> None: ...
    @property
    def d(self) -> int: ...
    @property
    def threads(self) -> int: ...
    @property
    def dtype(self) -> np.dtype: ...
    @property
    def kernel(self) -> str: ...
    model: str
    beta: float
    norm: str
    sign: str
    time_dependent: bool
    ngpt_alpha: float
    @property
    def mask(self) -> str: ...
    @property
    def alibi(self) -> float: ...
    def heads(self, t: float = 0.0) -> list[tuple[Array, Array]]: ...
    def field(self, X: ArrayLike, t: float = 0.0) -> Array: ...
    def weights(self, X: ArrayLike, t: float = 0.0, head: int = 0) -> Array: ...
    def unprojected(self, X: ArrayLike, t: float = 0.0) -> Array: ...
    def jacobian(self, X: ArrayLike, t: float = 0.0) -> Array: ...
    def energy(self, X: ArrayLike) -> float: ...
    def log_energy(self, X: ArrayLike) -> float: ...
    def dissipation(self, X: ArrayLike, t: float = 0.0) -> float: ...

class FlowSolution:
    times: Array
    X: Array
    final: Array
    energies: Optional[Array]
    log_energies: Optional[Array]
    energy_initial: Optional[float]
    energy_final: Optional[float]
    log_energy_initial: Optional[float]
    log_energy_final: Optional[float]
    radii: Optional[Array]
    clusters_final: int
    cluster_threshold: float
    min_inner_product_final: float
    steps: int
    rhs_evaluations: int
    saved_frames: int
    scheme: str
    wall_seconds: float

def flow(
    field: Union[Attention, Callable[[float, Array], ArrayLike]],
    X0: ArrayLike,
    T: float,
    *,
    scheme: Literal["rk4", "dopri5", "geodesic-euler", "euler-renormalize", "simuformer-euler",
                    "geodesic-euler-maruyama"] = "rk4",
    dt: float = 0.01,
    rtol: float = 1e-8,
    atol: float = 1e-10,
    t_eval: Optional[ArrayLike] = None,
    save_every: int = 1,
    max_steps: int = 1000000,
    record: bool = True,
    t0: float = 0.0,
    cluster_threshold: float = 0.999,
    noise: float = 0.0,
    noise_dt: float = 0.0,
    seed: int = 1,
) -> FlowSolution: ...

# ---- optimal paths ---------------------------------------------------------------------------
class LeastSquaresLagrangian:
    def __init__(
        self,
        residual: Callable[[float, Array, Array], ArrayLike],
        jacobian: Optional[Callable[[float, Array, Array], tuple[ArrayLike, ArrayLike]]] = None,
        *,
        fd_step: float = 1e-6,
    ) -> None: ...
    residual: Callable[[float, Array, Array], ArrayLike]
    jacobian: Optional[Callable[[float, Array, Array], tuple[ArrayLike, ArrayLike]]]
    fd_step: float

LagrangianName = Union[Literal["kinetic", "flow-matching", "de-giorgi"], LeastSquaresLagrangian]

class BvpSolution:
    times: Array
    path: Array
    action: float
    del_residual_max: float
    del_residual_scale: float
    iterations: int
    outcome: str
    converged: bool
    status: str
    method: str
    wall_seconds: float
    second_order: Optional[dict[str, Any]]
    continuation: Optional[list[dict[str, Any]]]

def bvp(
    X0: ArrayLike,
    X1: ArrayLike,
    T: float,
    K: int,
    *,
    lagrangian: LagrangianName = "kinetic",
    model: Optional[Attention] = None,
    init: Union[Literal["geodesic", "flow"], ArrayLike] = "geodesic",
    rule: Literal["midpoint", "left"] = "midpoint",
    method: Literal["automatic", "least-squares", "del-equations"] = "automatic",
    max_iterations: int = 200,
    max_seconds: float = 0.0,
    del_tolerance: float = 1e-7,
    threads: int = 0,
    analytic_jacobians: bool = True,
    null_lagrangian_split: bool = True,
    max_steps: int = 1000000,
    check: bool = False,
    verbose: bool = False,
    second_order: Union[bool, Literal["auto"]] = "auto",
    eigenvalues: int = 4,
    continuation: Optional[Sequence[float]] = None,
    predictor: Literal["sensitivity", "warm-start"] = "sensitivity",
) -> BvpSolution: ...
def compare(
    X0: ArrayLike,
    T: float,
    K: int,
    *,
    lagrangian: LagrangianName = "de-giorgi",
    model: Attention,
    init: Union[Literal["geodesic", "flow"], ArrayLike] = "geodesic",
    rule: Literal["midpoint", "left"] = "midpoint",
    max_iterations: int = 200,
    max_seconds: float = 0.0,
    del_tolerance: float = 1e-7,
    threads: int = 0,
    max_steps: int = 1000000,
    check: bool = False,
) -> dict[str, Any]: ...
def check_el(X: ArrayLike, times: ArrayLike, lagrangian: LagrangianName = "de-giorgi",
             model: Optional[Attention] = None) -> dict[str, Any]: ...
def action(X: ArrayLike, times: ArrayLike, lagrangian: LagrangianName = "kinetic",
           model: Optional[Attention] = None,
           rule: Literal["midpoint", "left"] = "midpoint") -> dict[str, float]: ...
def second_order(X: ArrayLike, times: ArrayLike, *, lagrangian: LagrangianName = "kinetic",
                 model: Optional[Attention] = None,
                 rule: Literal["midpoint", "left"] = "midpoint", eigenvalues: int = 4,
                 threads: int = 0) -> dict[str, Any]: ...
def fit(
    trajectories: Sequence[Any],
    *,
    model: Literal["sa", "usa"] = "sa",
    heads: int = 1,
    score: Literal["full", "symmetric", "low-rank", "scalar"] = "full",
    rank: int = 1,
    value: Literal["full", "symmetric", "tied", "identity"] = "full",
    time: Literal["constant", "piecewise", "smooth"] = "constant",
    blocks: int = 1,
    mask: Literal["none", "causal", "strict-causal"] = "none",
    alibi: float = 0.0,
    loss: Literal["path-optimality", "trajectory-matching"] = "path-optimality",
    starts: int = 1,
    seed: int = 1,
    max_iterations: int = 200,
    max_step: float = 0.05,
    holdout: float = 0.0,
    holdout_layers: float = 0.0,
    threads: int = 1,
) -> dict[str, Any]: ...
def path_sensitivity(X: ArrayLike, times: ArrayLike,
                     parameter: Union[Literal["beta", "T"], Callable[[float], Attention]], *,
                     theta: Optional[float] = None, lagrangian: LagrangianName = "de-giorgi",
                     model: Optional[Attention] = None,
                     rule: Literal["midpoint", "left"] = "midpoint", threads: int = 0) -> Array: ...

# ---- energies, multi-head, continuum ---------------------------------------------------------
class InteractionEnergy:
    def __init__(self, D: ArrayLike) -> None: ...
    @property
    def D(self) -> Array: ...
    def __call__(self, X: ArrayLike) -> float: ...
    def gradient(self, X: ArrayLike) -> Array: ...
    def riemannian_gradient(self, X: ArrayLike) -> Array: ...
    def riemannian_hessian(self, X: ArrayLike) -> Array: ...
    def stationarity_residual(self, X: ArrayLike) -> float: ...

def find_stationary(energy: InteractionEnergy, X0: ArrayLike, *,
                    direction: Literal["max", "min"] = "max", tolerance: float = 1e-10,
                    max_iterations: int = 5000, newton_steps: int = 30) -> dict[str, Any]: ...
def classify(energy: InteractionEnergy, X: ArrayLike, tol: float = 1e-7) -> dict[str, Any]: ...
def simulate_multihead(
    X0: ArrayLike,
    D: ArrayLike,
    T: float,
    *,
    process: Literal["frozen", "ornstein-uhlenbeck", "oscillating"] = "frozen",
    sigma: float = 0.0,
    dt: float = 5e-3,
    noise_dt: float = 0.0,
    sign: Literal["ascent", "descent"] = "descent",
    seed: int = 1,
    record_every: int = 1,
    record_states: bool = False,
) -> dict[str, Any]: ...

class ContinuumGrid:
    @staticmethod
    def midpoint(Nx: int, Lx: float, Ny: int, Ly: float) -> ContinuumGrid: ...
    @staticmethod
    def unit(Nx: int, Ny: int) -> ContinuumGrid: ...
    @property
    def x(self) -> Array: ...
    @property
    def wx(self) -> Array: ...
    @property
    def y(self) -> Array: ...
    @property
    def wy(self) -> Array: ...

class ContinuumLayer:
    def __init__(self, WQ: ArrayLike, WK: ArrayLike, WV: ArrayLike, W1: ArrayLike, W2: ArrayLike,
                 *, b1: Optional[ArrayLike], b2: Optional[ArrayLike],
                 WO: Optional[ArrayLike] = None, heads: int = 1, sigma1: float = 0.0,
                 sigma2: float = 1.0) -> None: ...

def continuum_attention(grid: ContinuumGrid, layer: ContinuumLayer, u: ArrayLike) -> Array: ...
def splitting_step(grid: ContinuumGrid, layer: ContinuumLayer, u: ArrayLike,
                   dt: float = 1.0) -> Array: ...
def depth_flow(grid: ContinuumGrid, layer: ContinuumLayer, u: ArrayLike, T: float,
               dt: float = 1.0, save_every: int = 1) -> dict[str, Array]: ...

# ---- files and diagnostics -------------------------------------------------------------------
def load_trajectory(path: Path, *, on_sphere: bool = True) -> tuple[Array, Array, dict[str, Any]]: ...
def save_trajectory(path: Path, times: ArrayLike, X: ArrayLike,
                    attributes: Optional[dict[str, Any]] = None) -> None: ...
def load_points(path: Path) -> Array: ...
def save_points(path: Path, X: ArrayLike) -> None: ...
def clusters(X: ArrayLike, threshold: float = 0.999) -> tuple[int, npt.NDArray[np.int32]]: ...
def min_inner_product(X: ArrayLike) -> float: ...
def diagnose(X: ArrayLike, times: ArrayLike, *, A: Optional[ArrayLike] = None, beta: float = 1.0,
             threshold: float = 0.999) -> dict[str, Any]: ...

# ---- sweeps ------------------------------------------------------------------------------------
def sweep(spec: Union[dict[str, Any], Path], out: Optional[Path] = None, jobs: int = 0,
          task: int = 0, of: int = 1, journal: Optional[Path] = None) -> dict[str, Any]: ...
def sweep_merge(parts: list[Path], out: Path) -> dict[str, Any]: ...

# ---- reproductions -----------------------------------------------------------------------------
def reproductions() -> list[dict[str, str]]: ...
def reproduce(ids: Union[None, str, Iterable[str]] = None, *,
              quick: bool = True) -> list[dict[str, Any]]: ...
