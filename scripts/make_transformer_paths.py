#!/usr/bin/python3
"""Token paths of a real Transformer, layer by layer, for `varsphere fit` (docs/inverse.md).

Run once (needs Debian's python3-torch and python3-numpy); the tests and `varsphere reproduce
transformer-as-flow` read the files it writes and need no torch:

    /usr/bin/python3 scripts/make_transformer_paths.py tests/data/transformer

The model: an encoder whose layers all share one set of weights (ALBERT-like) — token and position
embeddings, then L = 12 applications of one Post-LN nn.TransformerEncoderLayer (d = 16, 2 heads,
MLP width 32, ReLU, no dropout), float64, seed 0. It is recorded twice: at its random
initialization and after a short training (Adam, 800 steps of 128 sequences, under a minute on two
cores) on a toy task that needs attention, reversing a sequence of 10 tokens over a vocabulary of 8.
For 16 fixed sequences the hidden state after the embedding and after every layer is normalized to
the unit sphere, token by token, and written as a trajectory with one frame per layer at times
t = 0, 1, ..., 12:

    transformer_<random|trained>_seq<k>.csv   t,token,x1..x16 (the CLI's trajectory CSV)

and transformer_training.csv: the final training loss and the accuracy on 1024 new sequences.
"""
import os
import sys
import time

import numpy as np
import torch
from torch import nn

D, HEADS, FF, N, VOCAB, LAYERS, SEQUENCES = 16, 2, 32, 10, 8, 12, 16


class SharedEncoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(VOCAB, D)
        self.position = nn.Parameter(0.5 * torch.randn(N, D))
        self.layer = nn.TransformerEncoderLayer(D, HEADS, FF, dropout=0.0, activation="relu",
                                                batch_first=True, norm_first=False)
        self.readout = nn.Linear(D, VOCAB)

    def forward(self, tokens):
        h = self.embed(tokens) + self.position
        states = [h]
        for _ in range(LAYERS):
            h = self.layer(h)
            states.append(h)
        return self.readout(h), states


def task(generator, count):
    x = torch.randint(0, VOCAB, (count, N), generator=generator)
    return x, torch.flip(x, dims=[1])


def write_paths(model, sequences, folder, name):
    with torch.no_grad():
        _, states = model(sequences)
    for k in range(sequences.shape[0]):
        with open(os.path.join(folder, f"transformer_{name}_seq{k + 1}.csv"), "w") as f:
            f.write("t,token," + ",".join(f"x{c + 1}" for c in range(D)) + "\n")
            for layer, h in enumerate(states):
                x = h[k].numpy()
                x = x / np.linalg.norm(x, axis=1, keepdims=True)
                for i in range(N):
                    f.write(f"{layer},{i + 1}," + ",".join(f"{v:.10g}" for v in x[i]) + "\n")


def main():
    folder = sys.argv[1] if len(sys.argv) > 1 else "tests/data/transformer"
    os.makedirs(folder, exist_ok=True)
    torch.set_default_dtype(torch.float64)
    torch.manual_seed(0)
    model = SharedEncoder()
    sequences = task(torch.Generator().manual_seed(1), SEQUENCES)[0]
    write_paths(model, sequences, folder, "random")

    data = torch.Generator().manual_seed(2)
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    start = time.time()
    for step in range(800):
        x, y = task(data, 128)
        logits, _ = model(x)
        loss = nn.functional.cross_entropy(logits.reshape(-1, VOCAB), y.reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    x, y = task(torch.Generator().manual_seed(3), 1024)
    with torch.no_grad():
        accuracy = (model(x)[0].argmax(-1) == y).double().mean().item()
    print(f"trained in {time.time() - start:.1f} s: loss {loss.item():.4f}, accuracy {accuracy:.4f}")
    with open(os.path.join(folder, "transformer_training.csv"), "w") as f:
        f.write(f"{loss.item():.6g},{accuracy:.6g}\n")
    write_paths(model, sequences, folder, "trained")


if __name__ == "__main__":
    main()
