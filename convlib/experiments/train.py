"""A deterministic CPU training loop for the tiny networks of chapter 13.

Determinism, measured on the course machine (torch 2.13 CPU): with
``torch.use_deterministic_algorithms(True)``, a fixed seed and a fixed number of
threads, two runs give bit-identical weights; with 1 thread and with 2 threads
they differ in the last bits (parallel reductions add in another order). So
:func:`deterministic` fixes the thread count too -- one thread by default -- and
restores the previous settings afterwards. Other CPUs (other vector
instructions) may round differently: results are reproducible on one machine,
close but not bit-identical across machines.

Introduced in 13_trained_artifacts.ipynb.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np

LOSSES = ("cross_entropy", "mse")


@contextmanager
def deterministic(threads: int = 1) -> Iterator[None]:
    """Run torch deterministically on ``threads`` CPU threads; restore the previous settings on exit.

    Introduced in 13_trained_artifacts.ipynb.
    """
    import torch  # noqa: PLC0415

    if not isinstance(threads, int) or isinstance(threads, bool) or threads < 1:
        raise ValueError(f"threads={threads!r} must be a positive integer")
    saved = torch.get_num_threads(), torch.are_deterministic_algorithms_enabled()
    torch.set_num_threads(threads)
    torch.use_deterministic_algorithms(True)
    try:
        yield
    finally:
        torch.set_num_threads(saved[0])
        torch.use_deterministic_algorithms(saved[1])


def seeded(build: Callable[[], Any], seed: int) -> Any:
    """Call ``build()`` with torch's global generator seeded, then restore that generator.

    Layers draw their initial weights from the global generator; forking it keeps
    the caller's random stream untouched.

    Introduced in 13_trained_artifacts.ipynb.
    """
    import torch  # noqa: PLC0415

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return build()


@dataclass(frozen=True, repr=False)
class TrainLog:
    """What :func:`train` did.

    Attributes
    ----------
    losses : training loss of every step (float64)
    checkpoints : steps at which ``evaluate`` ran (0 = before the first step)
    evaluations : ``evaluate(model)`` at each checkpoint
    seconds, cpu_seconds : wall-clock and process CPU time of the loop
    """

    losses: np.ndarray
    checkpoints: tuple[int, ...] = ()
    evaluations: tuple[Any, ...] = ()
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    settings: dict = field(default_factory=dict)

    def __repr__(self) -> str:
        return f"TrainLog({len(self.losses)} steps, loss {self.losses[0]:.3g} → {self.losses[-1]:.3g})"


def train(
    model: Any,
    inputs: np.ndarray,
    targets: np.ndarray,
    *,
    loss: str,
    steps: int = 200,
    batch_size: int = 16,
    lr: float = 0.01,
    seed: int = 0,
    threads: int = 1,
    class_weights: np.ndarray | None = None,
    evaluate: Callable[[Any], Any] | None = None,
    every: int = 0,
) -> TrainLog:
    """Train ``model`` in place with Adam and a one-cycle learning rate, deterministically on the CPU.

    Each step draws ``batch_size`` examples (with replacement, from a
    ``torch.Generator`` seeded with ``seed``), computes the loss and takes one
    Adam step; the learning rate rises to ``lr`` over the first 30% of the steps
    and anneals to near zero (``OneCycleLR``), which gets far in few steps.

    Introduced in 13_trained_artifacts.ipynb.

    Parameters
    ----------
    model : torch.nn.Module
    inputs, targets : arrays with the examples along the first axis
        float32 inputs; int64 class maps for ``"cross_entropy"``, float32 images for ``"mse"``.
    loss : ``"cross_entropy"`` or ``"mse"``
    steps, batch_size, lr, seed : training settings
    threads : CPU threads (see :func:`deterministic`)
    class_weights : optional per-class weights of the cross-entropy
    evaluate : optional ``model -> value``, run (without gradients) at step 0 and every ``every`` steps
        and after the last step
    every : evaluation interval (0: only before and after training)

    Returns
    -------
    TrainLog
    """
    import torch  # noqa: PLC0415
    import torch.nn.functional as F  # noqa: PLC0415, N812

    if loss not in LOSSES:
        raise ValueError(f"loss={loss!r} must be one of {LOSSES}")
    if not isinstance(steps, int) or steps < 1:
        raise ValueError(f"steps={steps!r} must be a positive integer")
    if len(inputs) != len(targets):
        raise ValueError(f"inputs ({len(inputs)}) and targets ({len(targets)}) must hold the same number of examples")
    x, y = torch.as_tensor(np.asarray(inputs)), torch.as_tensor(np.asarray(targets))
    weight = None if class_weights is None else torch.as_tensor(np.asarray(class_weights), dtype=x.dtype)

    def objective(batch: Any) -> Any:
        out = model(x[batch])
        if loss == "mse":
            return F.mse_loss(out, y[batch])
        return F.cross_entropy(out, y[batch], weight=weight)

    checkpoints: list[int] = []
    evaluations: list[Any] = []

    def checkpoint(step: int) -> None:
        if evaluate is not None:
            with torch.no_grad():
                evaluations.append(evaluate(model))
            checkpoints.append(step)

    losses = np.empty(steps)
    with deterministic(threads):
        generator = torch.Generator().manual_seed(seed)
        optimizer = torch.optim.Adam(model.parameters(), lr=lr)
        schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=lr, total_steps=steps)
        model.train()
        checkpoint(0)
        wall, cpu = time.perf_counter(), time.process_time()
        for step in range(steps):
            batch = torch.randint(0, len(x), (batch_size,), generator=generator)
            value = objective(batch)
            optimizer.zero_grad()
            value.backward()
            optimizer.step()
            schedule.step()
            losses[step] = value.item()
            if every and (step + 1) % every == 0 and step + 1 < steps:
                checkpoint(step + 1)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        checkpoint(steps)
        model.eval()
    settings = dict(loss=loss, steps=steps, batch_size=batch_size, lr=lr, seed=seed, threads=threads)
    return TrainLog(losses, tuple(checkpoints), tuple(evaluations), wall, cpu, settings)


__all__ = ["LOSSES", "TrainLog", "deterministic", "seeded", "train"]
