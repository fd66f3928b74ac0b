from setuptools import setup

import re
from pathlib import Path

version = re.search(r'__version__ = "([^"]+)"', Path("fastsmooth/__init__.py").read_text()).group(1)

setup(
    name="fastsmooth",
    version=version,
    description="Certified robustness by randomized smoothing: Gaussian, Laplace and centripetal noises, "
                "l1/l2/l-inf certificates, fast exact radii and radius curves",
    long_description=Path("README.md").read_text(),
    long_description_content_type="text/markdown",
    python_requires=">=3.9",
    packages=["fastsmooth", "fastsmooth.certificates", "fastsmooth.kernels"],
    package_dir={"fastsmooth.kernels": "kernels"},
    install_requires=["numpy>=1.22", "scipy>=1.9"],
    extras_require={
        "dev": ["pytest>=7", "hypothesis>=6", "pytest-benchmark>=4"],
    },
    entry_points={"console_scripts": ["fastsmooth=fastsmooth.cli:main"]},
    license="MIT",
)
