"""The torch layer: smoothed classifiers, dataset certification, results analysis, training helpers.

It uses the noises' public ``sample`` (in place into one batch buffer) and the certificates' public
functions; it knows nothing of kernel internals. Results analysis (read_results, certified_accuracy,
accuracy_table, plot_certified_accuracy) needs no torch; the rest loads torch on first use.
"""
from .analyze import accuracy_table, certified_accuracy, plot_certified_accuracy, read_results

__all__ = ["Smooth", "certify_dataset", "certified_accuracy", "accuracy_table", "plot_certified_accuracy",
           "read_results", "NoiseAugment", "adversarial_noisy_batch"]

_TORCH_NAMES = {"Smooth": "smooth", "certify_dataset": "dataset", "NoiseAugment": "training",
                "adversarial_noisy_batch": "training"}


def __getattr__(name):
    if name in _TORCH_NAMES:
        import importlib
        return getattr(importlib.import_module(f".{_TORCH_NAMES[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
