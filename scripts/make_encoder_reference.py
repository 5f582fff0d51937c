#!/usr/bin/python3
"""Reference outputs of PyTorch's Post-LN encoder block for the splitting-equals-encoder check.

Run once (needs Debian's python3-torch and python3-numpy); the C++ tests and `varsphere reproduce
splitting-equals-encoder` read the CSV files it writes and do not need torch:

    /usr/bin/python3 scripts/make_encoder_reference.py tests/data/encoder

For each case (one head and four heads) it draws seeded random weights, builds
nn.TransformerEncoderLayer(d_model=N_y, nhead=H, dim_feedforward=N_y, dropout=0, activation=relu,
norm_first=False, layer_norm_eps=0, batch_first=True) in float64, sets the layer-norm affine maps
to sigma2 * v + sigma1, the attention input biases to 0, and writes, per case:
    <case>_u0.csv       input, N_x rows (tokens) of N_y features
    <case>_wq/wk/wv/wo.csv  the attention weights as PyTorch stores them (out = in @ W.T)
    <case>_w1/w2.csv    linear1/linear2 weights; <case>_b1/b2.csv their biases (one row)
    <case>_params.csv   heads, sigma1, sigma2
    <case>_out.csv      the layer's output, 17 significant digits
and layernorm_{in,out,params}.csv: torch.nn.functional.layer_norm (eps 0, weight sigma2, bias
sigma1) of random rows.
"""
import os
import sys

import numpy as np
import torch


def write(path, a):
    a = np.atleast_2d(np.asarray(a, dtype=np.float64))
    with open(path, "w") as f:
        for row in a:
            f.write(",".join(f"{v:.17g}" for v in row) + "\n")


def case(out, name, nx, ny, heads, seed, sigma1, sigma2):
    rng = np.random.default_rng(seed)
    scale = 1.0 / np.sqrt(ny)
    wq, wk, wv, wo = (rng.normal(0.0, scale, (ny, ny)) for _ in range(4))
    w1, w2 = (rng.normal(0.0, scale, (ny, ny)) for _ in range(2))
    b1, b2 = (rng.normal(0.0, 0.3, ny) for _ in range(2))
    u0 = rng.normal(0.0, 1.0, (nx, ny))

    layer = torch.nn.TransformerEncoderLayer(
        d_model=ny, nhead=heads, dim_feedforward=ny, dropout=0.0, activation="relu",
        norm_first=False, layer_norm_eps=0.0, batch_first=True, dtype=torch.float64)
    with torch.no_grad():
        layer.self_attn.in_proj_weight.copy_(torch.from_numpy(np.vstack([wq, wk, wv])))
        layer.self_attn.in_proj_bias.zero_()
        layer.self_attn.out_proj.weight.copy_(torch.from_numpy(wo))
        layer.self_attn.out_proj.bias.zero_()
        layer.linear1.weight.copy_(torch.from_numpy(w1))
        layer.linear1.bias.copy_(torch.from_numpy(b1))
        layer.linear2.weight.copy_(torch.from_numpy(w2))
        layer.linear2.bias.copy_(torch.from_numpy(b2))
        for norm in (layer.norm1, layer.norm2):
            norm.weight.fill_(sigma2)
            norm.bias.fill_(sigma1)
    layer.train()  # the plain (non-fused) path; dropout is 0
    with torch.no_grad():
        y = layer(torch.from_numpy(u0)[None, :, :])[0].numpy()

    prefix = os.path.join(out, name)
    for key, value in dict(u0=u0, wq=wq, wk=wk, wv=wv, wo=wo, w1=w1, w2=w2, b1=b1, b2=b2,
                           out=y).items():
        write(f"{prefix}_{key}.csv", value)
    write(f"{prefix}_params.csv", [heads, sigma1, sigma2])
    print(f"{name}: N_x = {nx}, N_y = {ny}, heads = {heads}, torch {torch.__version__}")


def layer_norm_case(out, name, nx, ny, seed, sigma1, sigma2):
    rng = np.random.default_rng(seed)
    v = rng.normal(0.0, 2.0, (nx, ny)) + rng.normal(0.0, 3.0, (nx, 1))
    y = torch.nn.functional.layer_norm(
        torch.from_numpy(v), (ny,), weight=torch.full((ny,), sigma2, dtype=torch.float64),
        bias=torch.full((ny,), sigma1, dtype=torch.float64), eps=0.0).numpy()
    prefix = os.path.join(out, name)
    write(f"{prefix}_in.csv", v)
    write(f"{prefix}_out.csv", y)
    write(f"{prefix}_params.csv", [sigma1, sigma2])
    print(f"{name}: {nx} rows of {ny} features")


def main():
    if len(sys.argv) != 2 or not os.path.isdir(sys.argv[1]):
        sys.exit("usage: make_encoder_reference.py OUT_DIR (an existing folder)")
    out = sys.argv[1]
    case(out, "encoder_h1", nx=6, ny=8, heads=1, seed=11, sigma1=0.0, sigma2=1.0)
    case(out, "encoder_h4", nx=7, ny=8, heads=4, seed=12, sigma1=0.3, sigma2=1.7)
    layer_norm_case(out, "layernorm", nx=5, ny=8, seed=13, sigma1=-0.2, sigma2=0.8)


if __name__ == "__main__":
    main()
