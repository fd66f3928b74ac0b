"""Training helpers: fresh noise on every call (Gaussian data augmentation for any noise), and
the adversarial variant (inputs + noise + a * sign(grad_x loss), seed 003's "type 2")."""
import torch

from ..noises import Noise


class NoiseAugment(torch.nn.Module):
    """x -> x + z with z ~ noise drawn fresh on every call (each call continues the seed's stream).

    Put it in front of a model for training ("Gaussian data augmentation" for any noise), or use it
    as a transform. `seed` (an integer in [0, 2**64)) fixes the whole sequence of draws; None draws a
    random seed. Inputs must be floating-point torch tensors (an integer image would truncate the
    noise: convert it first, e.g. ``x.float() / 255``); the output has x's dtype and device.
    """

    def __init__(self, noise, seed=None):
        super().__init__()
        if not isinstance(noise, Noise):
            raise TypeError(f"noise must be a fastsmooth noise, got {noise!r}")
        from .smooth import _seed
        self.noise = noise
        self.seed = _seed(seed)
        self.drawn = 0  # rows drawn so far: the next call starts here, so no two calls share noise

    def forward(self, x):
        if not isinstance(x, torch.Tensor):
            raise TypeError(f"NoiseAugment takes a torch tensor, got {type(x).__name__} (use torch.as_tensor(x))")
        if not x.is_floating_point():
            raise TypeError(f"NoiseAugment needs a floating-point tensor, got dtype {x.dtype}: adding noise to "
                            "integers would truncate it; convert first, e.g. x.float() / 255")
        batch = x.shape[0] if x.numel() != self.noise.d else 1
        flat = x.reshape(batch, -1)
        if flat.shape[1] != self.noise.d:
            raise ValueError(f"each input must have d = {self.noise.d} elements, got {flat.shape[1]}")
        z = torch.empty(flat.shape, dtype=torch.float32, device=x.device)
        self.noise.sample(batch, seed=self.seed, offset=self.drawn, out=z)
        self.drawn += batch
        return (flat + z.to(flat.dtype)).reshape(x.shape)


def adversarial_noisy_batch(model, x, y, augment, step, loss_fn=None):
    """x + z + step * sign(grad_x loss(model(x + z), y)) with z from `augment` (a NoiseAugment): the
    noisy inputs pushed one signed-gradient step uphill, for adversarial training of smoothed models."""
    loss_fn = loss_fn or torch.nn.functional.cross_entropy
    noisy = augment(x).detach().requires_grad_(True)
    loss = loss_fn(model(noisy), y)
    (grad,) = torch.autograd.grad(loss, noisy)
    return (noisy + step * grad.sign()).detach()
