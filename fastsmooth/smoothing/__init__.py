"""The torch layer: smoothed classifiers, dataset certification, results analysis, training helpers.

It uses the noises' public ``sample`` (in place into one batch buffer) and the certificates' public
functions; it knows nothing of kernel internals.
"""
from .analyze import accuracy_table, certified_accuracy, plot_certified_accuracy, read_results
from .dataset import certify_dataset
from .smooth import Smooth
from .training import NoiseAugment, adversarial_noisy_batch

__all__ = ["Smooth", "certify_dataset", "certified_accuracy", "accuracy_table", "plot_certified_accuracy",
           "read_results", "NoiseAugment", "adversarial_noisy_batch"]
