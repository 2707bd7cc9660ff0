"""Contender: the same network, order and batches in PyTorch on the CPU (when torch is installed)."""

from __future__ import annotations

import time

from bench.common import best_of


def torch_epoch(data, repeat: int) -> dict | None:
    """The same network, order and batches in PyTorch on the CPU; None when torch is absent."""
    try:
        import torch
    except ImportError:
        return None
    import numpy as np

    def run() -> dict:
        torch.manual_seed(0)
        model = torch.nn.Sequential(torch.nn.Linear(784, 128), torch.nn.ReLU(), torch.nn.Linear(128, 10))
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        loss_fn = torch.nn.CrossEntropyLoss()
        x_all = torch.from_numpy(data.train_x)
        y_all = torch.from_numpy(data.train_y)
        order = torch.from_numpy(np.random.default_rng(0).permutation(len(data.train_y)))
        t0, c0 = time.perf_counter(), time.process_time()
        for start in range(0, len(order), 64):
            rows = order[start:start + 64]
            x = x_all[rows].to(torch.float32).mul_(1.0 / 255.0)
            loss = loss_fn(model(x), y_all[rows])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            last = loss.item()
        seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
        with torch.no_grad():
            logits = model(torch.from_numpy(data.test_x).to(torch.float32) / 255.0)
            acc = float((logits.argmax(1) == torch.from_numpy(data.test_y)).float().mean())
        return {"seconds": seconds, "cpu_seconds": cpu, "loss": last, "test_accuracy": acc}

    result = best_of(repeat, run)
    threads = torch.get_num_threads()
    result.update({"version": torch.__version__, "threads": threads})
    torch.set_num_threads(1)
    try:
        result["one_thread"] = best_of(repeat, run)
    finally:
        torch.set_num_threads(threads)
    return result
