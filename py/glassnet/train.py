"""The training generator and evaluation.

``Trainer.events()`` yields plain-dict events; the CLI's progress bar and the web worker's messages
come from this one generator. Pausing is the consumer's business (stop pulling events: a generator
is naturally suspended, which is what lets the browser train in chunks); stopping and changing the
learning rate are requests that take effect at the next batch.

Event schema (the names are in events.py):
  {"event": "batch", "epoch", "step", "loss", "lr", "examples_per_s"}
  {"event": "epoch", "epoch", "epochs", "train_loss", "train_accuracy", "test_loss",
   "test_accuracy", "seconds", "lr"}
  {"event": "sample", "epoch", "step", "progress", "sample_accuracy", "sample_size"}
      (only with ``sample_every``: accuracy on a fixed sample of test images every that many
      batches, so a chart moves inside the first epoch; ``progress`` is in epochs, e.g. 0.25)
  {"event": "done", "epochs", "test_loss", "test_accuracy", "seconds"}
  {"event": "stopped", "epoch", "step", "seconds"}
  {"event": "error", "message", "hint", "epoch", "step"}
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from . import metrics
from .data import Dataset, augment, batches, to_float
from .errors import DivergedError
from .events import BATCH, DONE, EPOCH, ERROR, SAMPLE, STOPPED
from .layers import Sequential
from .limits import CLASSES
from .losses import add_l2_grad, l2_penalty, softmax, softmax_cross_entropy
from .network import build_mlp
from .optim import Optimizer, clip_grad_norm, make_optimizer, schedule_factor
from .presets import Config


def build_model(config: Config) -> Sequential:
    return build_mlp(config.layers, config.activation, config.dropout, config.batchnorm, config.seed,
                     input_dropout=config.input_dropout)


def build_optimizer(config: Config, model: Sequential) -> Optimizer:
    # AdamW decays weights itself (decoupled); the others get an L2 term in the loss instead.
    wd = config.weight_decay if config.optimizer == "adamw" else 0.0
    return make_optimizer(config.optimizer, model.params, model.grads, config.lr, model.decay,
                          weight_decay=wd, momentum=config.momentum)


def predict_proba(model: Sequential, x: np.ndarray, batch_size: int = 1000) -> np.ndarray:
    """Class probabilities for float32 rows, in evaluation mode."""
    return np.concatenate([softmax(model.forward(x[i:i + batch_size], training=False))
                           for i in range(0, len(x), batch_size)]) if len(x) else np.zeros((0, CLASSES))


def mirrored(x: np.ndarray) -> np.ndarray:
    """Float rows of 28x28 images, each flipped left to right."""
    side = int(round(math.sqrt(x.shape[1])))
    return x.reshape(len(x), side, side)[:, :, ::-1].reshape(len(x), -1)


def evaluate(model: Sequential, images: np.ndarray, labels: np.ndarray, batch_size: int = 1000,
             keep_probabilities: bool = False, mirror: bool = False) -> dict[str, Any]:
    """Loss, accuracy, predictions, confusion matrix and per-class accuracy on uint8 images.

    With ``keep_probabilities`` the class probabilities come too (the mistake views rank by them),
    from the same pass. With ``mirror`` the logits of each image and of its mirror image are
    averaged: a network trained on random flips has seen both views. Measured on the `best`
    preset's three seeds it did not pay (90.95% on average with it, 90.96% without, at twice the
    evaluation cost), so it is an option, off in every preset.
    """
    total_loss, preds, probs = 0.0, [], []
    for x, y in batches(images, labels, batch_size):
        logits = model.forward(x, training=False)
        if mirror:
            logits = 0.5 * (logits + model.forward(mirrored(x), training=False))
        loss, _ = softmax_cross_entropy(logits, y)
        total_loss += loss * len(y)
        preds.append(np.argmax(logits, axis=1))
        if keep_probabilities:
            probs.append(softmax(logits))
    predictions = np.concatenate(preds)
    confusion = metrics.confusion_matrix(predictions, labels)
    result = {
        "loss": total_loss / len(labels),
        "accuracy": metrics.accuracy(predictions, labels),
        "predictions": predictions,
        "confusion": confusion,
        "per_class_accuracy": metrics.per_class_accuracy(confusion),
    }
    if keep_probabilities:
        result["probabilities"] = np.concatenate(probs)
    return result


class Trainer:
    """Owns one run: model, optimizer, data and the position within the run."""

    def __init__(self, config: Config, data: Dataset, model: Sequential | None = None,
                 sample_every: int = 0, sample_size: int = 1000) -> None:
        self.config = config
        self.sample_every = int(sample_every)
        self.data = data.split_validation(config.val_split, config.seed) if config.val_split else data
        self.model = model if model is not None else build_model(config)
        self.optimizer = build_optimizer(config, self.model)
        self.base_lr = config.lr
        self.steps_per_epoch = math.ceil(len(self.data.train_labels) / config.batch_size)
        self.total_steps = self.steps_per_epoch * config.epochs
        self.warmup_steps = int(round(config.warmup_epochs * self.steps_per_epoch))
        self.step = 0
        self.epoch = 0
        self.history: list[dict[str, Any]] = []
        self._stop_requested = False
        self._elapsed = 0.0
        self._step_batches: Iterator[tuple[np.ndarray, np.ndarray]] | None = None
        # Optional moving average of the weights, evaluated (and kept) instead of the last step's.
        self._ema = [p.copy() for p in self.model.params] if config.ema else None
        self.last_outputs: list[np.ndarray] = []
        # The loss and its gradient; a student's version can be swapped in for this run only.
        self.loss_fn = softmax_cross_entropy
        # Separate streams, so adding augmentation does not change the shuffling order.
        self._shuffle_rng, self._augment_rng = np.random.default_rng(config.seed + 1).spawn(2)
        # The fixed test sample of the "sample" events: the same images all run long.
        count = min(int(sample_size), len(self.data.test_labels))
        self._sample = np.random.default_rng(0).choice(len(self.data.test_labels), count,
                                                      replace=False) if self.sample_every else None

    @property
    def averaged_params(self) -> list[np.ndarray] | None:
        """The moving average of the weights (``config.ema``), or None when it is off."""
        return self._ema

    def request_stop(self) -> None:
        self._stop_requested = True

    def set_learning_rate(self, lr: float) -> None:
        """Change the base rate mid-run; the schedule keeps shaping it from the next batch on."""
        if not lr > 0 or not math.isfinite(lr):
            raise ValueError(f"learning rate must be positive, got {lr}")
        self.base_lr = float(lr)

    def current_lr(self) -> float:
        c = self.config
        return self.base_lr * schedule_factor(c.schedule, self.step, self.total_steps,
                                              self.warmup_steps, step_every=self.steps_per_epoch * 10)

    def train_step(self, x: np.ndarray, y: np.ndarray,
                   keep_outputs: bool = False) -> tuple[float, np.ndarray]:
        """One mini-batch: forward, loss, backward, update. Returns (loss, logits).

        With ``keep_outputs`` every layer's output stays in ``last_outputs`` (the step-by-step view).
        """
        c, model = self.config, self.model
        if keep_outputs:
            self.last_outputs = model.forward_all(x, training=True)
            logits = self.last_outputs[-1]
        else:
            logits = model.forward(x, training=True)
        loss, grad = self.loss_fn(logits, y, c.label_smoothing)
        l2 = c.weight_decay if c.optimizer != "adamw" else 0.0
        if l2:
            loss += l2_penalty(model.params, model.decay, l2)
        if not math.isfinite(loss):
            return loss, logits
        model.backward(grad)
        add_l2_grad(model.params, model.grads, model.decay, l2)
        if c.clip:
            clip_grad_norm(model.grads, c.clip)
        self.optimizer.lr = self.current_lr()
        self.optimizer.step()
        if self._ema is not None:
            decay = np.float32(c.ema)
            for avg, p in zip(self._ema, model.params):
                avg *= decay
                avg += (1 - decay) * p
        self.step += 1
        return loss, logits

    @contextmanager
    def _averaged_weights(self) -> Iterator[None]:
        """Swap the averaged weights in (for evaluation) and the live ones back afterwards."""
        if self._ema is None:
            yield
            return
        live = [p.copy() for p in self.model.params]
        for p, avg in zip(self.model.params, self._ema):
            p[...] = avg
        try:
            yield
        finally:
            for p, saved in zip(self.model.params, live):
                p[...] = saved

    def next_batch(self) -> tuple[np.ndarray, np.ndarray]:
        """The next mini-batch for step-by-step mode, from its own endless shuffled passes."""
        for _ in range(2):
            if self._step_batches is None:
                self._step_batches = self._epoch_batches()
            try:
                return next(self._step_batches)
            except StopIteration:
                self._step_batches = None
        raise RuntimeError("the training set is empty")

    def events(self) -> Iterator[dict[str, Any]]:
        c, d = self.config, self.data
        while self.epoch < c.epochs:
            epoch = self.epoch + 1
            started = time.perf_counter()
            loss_sum, correct, seen = 0.0, 0, 0
            for x, y in self._epoch_batches():
                if self._stop_requested:
                    self._elapsed += time.perf_counter() - started
                    yield {"event": STOPPED, "epoch": epoch, "step": self.step,
                           "seconds": self._elapsed}
                    return
                with np.errstate(over="ignore", invalid="ignore"):  # divergence is reported below
                    loss, logits = self.train_step(x, y)
                if not math.isfinite(loss):
                    err = DivergedError.at(loss, epoch, self.step + 1, self.optimizer.lr)
                    yield {"event": ERROR, "epoch": epoch, "step": self.step + 1,
                           "message": str(err), "hint": err.hint}
                    return
                loss_sum += loss * len(y)
                correct += int(np.count_nonzero(np.argmax(logits, axis=1) == y))
                seen += len(y)
                yield {"event": BATCH, "epoch": epoch, "step": self.step, "loss": loss,
                       "lr": self.optimizer.lr,
                       "examples_per_s": seen / max(time.perf_counter() - started, 1e-9)}
                if self.sample_every and self.step % self.sample_every == 0 and \
                        self.step % self.steps_per_epoch:
                    yield self._sample_event(epoch)
            with self._averaged_weights():
                test = evaluate(self.model, d.test_images, d.test_labels, mirror=c.test_flip)
            seconds = time.perf_counter() - started
            self._elapsed += seconds
            self.epoch = epoch
            event = {"event": EPOCH, "epoch": epoch, "epochs": c.epochs,
                     "train_loss": loss_sum / seen, "train_accuracy": correct / seen,
                     "test_loss": test["loss"], "test_accuracy": test["accuracy"],
                     "seconds": seconds, "lr": self.optimizer.lr}
            self.history.append(event)
            yield event
        if self._ema is not None:  # the finished model is the averaged one that was evaluated
            for p, avg in zip(self.model.params, self._ema):
                p[...] = avg
        last = self.history[-1] if self.history else {}
        yield {"event": DONE, "epochs": c.epochs, "test_loss": last.get("test_loss"),
               "test_accuracy": last.get("test_accuracy"), "seconds": self._elapsed}

    def _sample_event(self, epoch: int) -> dict[str, Any]:
        """Accuracy on the fixed test sample right now (cheap: about 1/60 of an epoch's work)."""
        idx = self._sample
        with self._averaged_weights():
            logits = self.model.forward(to_float(self.data.test_images[idx]), training=False)
        right = int(np.count_nonzero(np.argmax(logits, axis=1) == self.data.test_labels[idx]))
        return {"event": SAMPLE, "epoch": epoch, "step": self.step,
                "progress": self.step / self.steps_per_epoch, "sample_accuracy": right / len(idx),
                "sample_size": int(len(idx))}

    def _epoch_batches(self) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        d, c = self.data, self.config
        if not c.augment:
            yield from batches(d.train_images, d.train_labels, c.batch_size, self._shuffle_rng)
            return
        order = self._shuffle_rng.permutation(len(d.train_labels))
        for start in range(0, len(order), c.batch_size):
            idx = order[start:start + c.batch_size]
            yield to_float(augment(d.train_images[idx], self._augment_rng, c.shift)), \
                d.train_labels[idx].astype(np.intp)
